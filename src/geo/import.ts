import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { parse } from 'csv-parse'
import type { Db, Queryable } from '../db/db.ts'
import { parsePostcode } from './postcode.ts'

/**
 * Imports postcode and postcode-district coordinates from CSV, recognising the layout by its
 * header before reading a row (a file of the wrong shape is refused whole):
 * - the ONS Postcode Directory / NSPL: `pcds` or `pcd`, `lat`, `long`, and when present
 *   `doterm`, `osward`, `lsoa21`/`lsoa11`;
 * - Connector's shipped Croydon file: `postcode`, `lat`, `lon`, `croydon_lsoa11cd`,
 *   `croydon_ward_cd`, `croydon_ward_nm`;
 * - outcode centroids: `outcode`, `lat`, `lon` (no postcode column).
 * Rows that cannot be used (no grid reference, not a postcode) are skipped and counted with
 * their reason; the good rows are written in one transaction, so a failure changes nothing.
 */

interface Layout {
  kind: 'postcode' | 'outcode'
  name: string
  read(record: Record<string, string>): PostcodeRow | OutcodeRow | string
}

export interface PostcodeRow {
  postcode: string
  outcode: string
  latitude: number
  longitude: number
  lsoa_code: string | null
  ward_code: string | null
  ward_name: string | null
  terminated: string | null
}

export interface OutcodeRow {
  outcode: string
  latitude: number
  longitude: number
}

export interface ImportReport {
  layout: string
  imported: number
  skipped: number
  /** How many rows were skipped for each reason. */
  reasons: Record<string, number>
}

export class ImportRefused extends Error {
  override name = 'ImportRefused'
}

const blank = (v: string | undefined): string | null => (v === undefined || v.trim() === '' ? null : v.trim())

// ONSPD writes 99.999999 / 0.000000 where a postcode has no grid reference.
function coordinates(lat: string | undefined, lon: string | undefined): [number, number] | string {
  const la = Number(lat)
  const lo = Number(lon)
  if (!lat || !lon || Number.isNaN(la) || Number.isNaN(lo)) return 'no coordinates'
  if (la === 99.999999 || la < 49 || la > 61 || lo < -9 || lo > 2) return 'no grid reference'
  return [la, lo]
}

function postcodeRow(raw: string | undefined, lat: string | undefined, lon: string | undefined, extra: Omit<PostcodeRow, 'postcode' | 'outcode' | 'latitude' | 'longitude'>): PostcodeRow | string {
  const parsed = parsePostcode(raw ?? '')
  if (parsed?.kind !== 'postcode') return 'not a postcode'
  const point = coordinates(lat, lon)
  if (typeof point === 'string') return point
  return { postcode: parsed.postcode, outcode: parsed.outcode, latitude: point[0], longitude: point[1], ...extra }
}

function dateOfTermination(doterm: string | undefined): string | null {
  const v = blank(doterm) // ONSPD: YYYYMM
  return v && /^\d{6}$/.test(v) ? `${v.slice(0, 4)}-${v.slice(4, 6)}-01` : null
}

function chooseLayout(header: string[]): Layout {
  const has = (...names: string[]) => names.every((n) => header.includes(n))
  if (has('postcode', 'lat', 'lon', 'croydon_ward_cd')) {
    return {
      kind: 'postcode',
      name: 'connector-croydon',
      read: (r) =>
        postcodeRow(r.postcode, r.lat, r.lon, {
          lsoa_code: blank(r.croydon_lsoa11cd),
          ward_code: blank(r.croydon_ward_cd),
          ward_name: blank(r.croydon_ward_nm),
          terminated: null,
        }),
    }
  }
  if ((has('pcds') || has('pcd')) && has('lat', 'long')) {
    return {
      kind: 'postcode',
      name: 'onspd',
      read: (r) =>
        postcodeRow(r.pcds ?? r.pcd, r.lat, r.long, {
          lsoa_code: blank(r.lsoa21 ?? r.lsoa11),
          ward_code: blank(r.osward),
          ward_name: null,
          terminated: dateOfTermination(r.doterm),
        }),
    }
  }
  if (has('outcode', 'lat', 'lon') && !has('postcode')) {
    return {
      kind: 'outcode',
      name: 'outcode-centroids',
      read: (r) => {
        const parsed = parsePostcode(r.outcode ?? '')
        if (parsed?.kind !== 'outcode') return 'not a postcode district'
        const point = coordinates(r.lat, r.lon)
        return typeof point === 'string' ? point : { outcode: parsed.outcode, latitude: point[0], longitude: point[1] }
      },
    }
  }
  throw new ImportRefused(
    `Unrecognised CSV header (${header.slice(0, 12).join(', ')}${header.length > 12 ? ', …' : ''}). ` +
      'Expected the ONS Postcode Directory (pcds, lat, long), Connector\'s postcode file ' +
      '(postcode, lat, lon, croydon_ward_cd) or outcode centroids (outcode, lat, lon).',
  )
}

const BATCH = 5000

async function writePostcodes(tx: Queryable, rows: PostcodeRow[]): Promise<void> {
  await tx.query(
    `INSERT INTO postcode (postcode, outcode, latitude, longitude, lsoa_code, ward_code, ward_name, terminated)
     SELECT postcode, outcode, latitude, longitude, lsoa_code, ward_code, ward_name, terminated
       FROM json_populate_recordset(NULL::postcode, $1::json)
     ON CONFLICT (postcode) DO UPDATE SET
       outcode = EXCLUDED.outcode, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
       lsoa_code = EXCLUDED.lsoa_code, ward_code = EXCLUDED.ward_code, ward_name = EXCLUDED.ward_name,
       terminated = EXCLUDED.terminated`,
    [JSON.stringify(rows)],
  )
}

async function writeOutcodes(tx: Queryable, rows: OutcodeRow[]): Promise<void> {
  await tx.query(
    `INSERT INTO outcode (outcode, latitude, longitude)
     SELECT outcode, latitude, longitude FROM json_populate_recordset(NULL::outcode, $1::json)
     ON CONFLICT (outcode) DO UPDATE SET latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude`,
    [JSON.stringify(rows)],
  )
}

/** Imports one CSV stream (see the module comment for the layouts it accepts). */
export async function importPostcodeCsv(db: Db, input: Readable): Promise<ImportReport> {
  let layout: Layout | undefined
  const parser = input.pipe(
    parse({
      columns: (raw: string[]) => {
        const header = raw.map((h) => h.trim().replace(/^\uFEFF/, ''))
        layout = chooseLayout(header)
        return header
      },
      skip_empty_lines: true,
      relax_column_count: true,
    }),
  )
  // Read the header (and the first row) before opening a transaction: a refused file touches
  // nothing, and no parse error can fire while no one is listening.
  const records = (parser as AsyncIterable<Record<string, string>>)[Symbol.asyncIterator]()
  const first = await records.next()
  if (!layout) throw new ImportRefused('The file is empty: no header row.')
  const chosen: Layout = layout
  const report: ImportReport = { layout: chosen.name, imported: 0, skipped: 0, reasons: {} }
  await db.transaction(async (tx) => {
    let batch: (PostcodeRow | OutcodeRow)[] = []
    const flush = async () => {
      if (batch.length === 0) return
      if (chosen.kind === 'postcode') await writePostcodes(tx, batch as PostcodeRow[])
      else await writeOutcodes(tx, batch as OutcodeRow[])
      report.imported += batch.length
      batch = []
    }
    for (let next = first; !next.done; next = await records.next()) {
      const row = chosen.read(next.value)
      if (typeof row === 'string') {
        report.skipped += 1
        report.reasons[row] = (report.reasons[row] ?? 0) + 1
        continue
      }
      batch.push(row)
      if (batch.length >= BATCH) await flush()
    }
    await flush()
  })
  return report
}

export function importPostcodeFile(db: Db, path: string | URL): Promise<ImportReport> {
  return importPostcodeCsv(db, createReadStream(path))
}

/** The postcode files shipped with Connector (see ./data/ATTRIBUTION.md). */
export const SHIPPED_POSTCODE_FILES = [
  new URL('./data/uk_outcode_centroids.csv', import.meta.url),
  new URL('./data/croydon_area_postcodes.csv', import.meta.url),
]

/** On the first start, loads the shipped outcode centroids and Croydon-area postcodes. */
export async function loadShippedPostcodesIfEmpty(db: Db): Promise<ImportReport[] | undefined> {
  const { rowCount } = await db.query('SELECT 1 FROM outcode LIMIT 1')
  if (rowCount > 0) return undefined
  const reports: ImportReport[] = []
  for (const file of SHIPPED_POSTCODE_FILES) reports.push(await importPostcodeFile(db, file))
  return reports
}
