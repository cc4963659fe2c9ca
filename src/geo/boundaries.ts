/**
 * Boundaries by their ONS (GSS) codes: England, its local authority districts and wards (which
 * a service area can name), and LSOAs (which reports count by). The shipped files (England's
 * outline, London's boroughs, Croydon's wards and LSOAs; see ./data/ATTRIBUTION.md) load on
 * first start; `npm run import:areas` adds or replaces others from any ONS-style GeoJSON file.
 */
import { readFileSync } from 'node:fs'
import type { Db, Queryable } from '../db/db.ts'
import type { BoundaryKind } from '../directory/vocabulary.ts'
import { AreaFeatureCollectionSchema } from './geojson.ts'

/** England's ONS code: the boundary "anywhere in England" stands for. */
export const ENGLAND = 'E92000001'

export interface Boundary {
  code: string
  kind: BoundaryKind
  name: string
  parent_code: string | null
}

export interface BoundaryImport {
  kind: BoundaryKind
  imported: number
}

export class BoundaryFileRefused extends Error {
  override name = 'BoundaryFileRefused'
}

/** Which property holds a feature's code, name and parent, by the ONS naming (LAD13CD, WD19NM...). */
function layout(properties: Record<string, unknown>): { kind: BoundaryKind; code: string; name: string; parent?: string } | undefined {
  const key = (prefix: string, suffix: string) => Object.keys(properties).find((k) => new RegExp(`^${prefix}\\d{2}${suffix}$`).test(k))
  const lsoa = key('LSOA', 'CD')
  if (lsoa) return { kind: 'lsoa', code: lsoa, name: key('LSOA', 'NM') ?? '' }
  const ward = key('WD', 'CD')
  if (ward) return { kind: 'ward', code: ward, name: key('WD', 'NM') ?? '', parent: key('LAD', 'CD') }
  const lad = key('LAD', 'CD')
  if (lad) return { kind: 'local_authority', code: lad, name: key('LAD', 'NM') ?? '' }
  const country = key('CTRY', 'CD')
  if (country) return { kind: 'country', code: country, name: key('CTRY', 'NM') ?? '' }
  return undefined
}

/** Boundaries outside England are refused: Connector's service areas are England's. */
const ENGLISH_CODE = /^E\d{8}$/

// An arbitrary constant shared by every instance, so only one loads the shipped boundaries.
const BOUNDARY_LOCK = 7_310_526_003

/**
 * Adds or replaces the boundaries in a GeoJSON FeatureCollection whose features carry ONS
 * codes and names (CTRYnnCD/NM, LADnnCD/NM, WDnnCD/NM with LADnnCD for the ward's authority,
 * or LSOAnnCD/NM), in England only. Geometry PostGIS finds invalid is repaired (ST_MakeValid).
 * Service areas that name a replaced boundary take its new outline.
 */
async function writeBoundaries(tx: Queryable, text: string): Promise<BoundaryImport> {
  const parsed = AreaFeatureCollectionSchema.safeParse(JSON.parse(text))
  if (!parsed.success) throw new BoundaryFileRefused(`Not a FeatureCollection of Polygons and MultiPolygons: ${parsed.error.issues[0]?.message}`)
  const first = parsed.data.features[0]
  const shape = first && layout(first.properties)
  if (!shape) throw new BoundaryFileRefused('Features need ONS code and name properties: CTRYnnCD/NM, LADnnCD/NM, WDnnCD/NM or LSOAnnCD/NM.')
  const rows = parsed.data.features.map((f, i) => {
    const code = f.properties[shape.code]
    const name = f.properties[shape.name]
    const parent = shape.parent ? f.properties[shape.parent] : null
    if (typeof code !== 'string' || !/^[EWSN]\d{8}$/.test(code) || typeof name !== 'string' || name.trim() === '') {
      throw new BoundaryFileRefused(`Feature ${i} has no ONS code and name (${shape.code}, ${shape.name}).`)
    }
    if (!ENGLISH_CODE.test(code)) throw new BoundaryFileRefused(`Feature ${i} (${code} ${name}) is not in England: Connector holds England's boundaries only.`)
    return { code, name: name.trim(), parent: typeof parent === 'string' ? parent : null, geometry: JSON.stringify(f.geometry) }
  })
  await tx.query(
    `INSERT INTO boundary (code, kind, name, parent_code, geom)
     SELECT r.code, $2, r.name, (SELECT b.code FROM boundary b WHERE b.code = r.parent),
            ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(r.geometry), 4326)), 3))::geography
       FROM json_to_recordset($1::json) AS r (code text, name text, parent text, geometry text)
     ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, parent_code = EXCLUDED.parent_code, geom = EXCLUDED.geom`,
    [JSON.stringify(rows), shape.kind],
  )
  // An LSOA file names no local authority: an LSOA lies within the one that covers a point inside it.
  await tx.query(
    `UPDATE boundary l SET parent_code = (
       SELECT la.code FROM boundary la
        WHERE la.kind = 'local_authority' AND ST_Covers(la.geom::geometry, ST_PointOnSurface(l.geom::geometry)) LIMIT 1)
      WHERE l.kind = 'lsoa' AND l.code = ANY ($1::text[])`,
    [shape.kind === 'lsoa' ? rows.map((r) => r.code) : []],
  )
  await tx.query(
    `UPDATE service_area sa SET extent = ST_AsGeoJSON(b.geom, 5)
       FROM boundary b WHERE b.code = sa.code AND b.code = ANY ($1::text[])`,
    [rows.map((r) => r.code)],
  )
  return { kind: shape.kind, imported: rows.length }
}

/** Imports one boundary file in one transaction: a bad file changes nothing. */
export function importBoundaries(db: Db, text: string): Promise<BoundaryImport> {
  return db.transaction((tx) => writeBoundaries(tx, text))
}

/** The boundary files shipped with Connector, parents before children, with the kind each holds. */
export const SHIPPED_BOUNDARY_FILES: { kind: BoundaryKind; file: URL }[] = [
  { kind: 'country', file: new URL('./data/england_outline.geojson', import.meta.url) },
  { kind: 'local_authority', file: new URL('./data/london_boroughs.geojson', import.meta.url) },
  { kind: 'ward', file: new URL('./data/croydon_wards_2018.geojson', import.meta.url) },
  { kind: 'lsoa', file: new URL('./data/croydon_lsoa2011.geojson', import.meta.url) },
]

/**
 * At start, loads each shipped boundary file whose kind the database holds none of (all of
 * them on a first start; the LSOAs on the first start after they were added): all of those
 * or, if one fails, none.
 */
export async function loadShippedBoundariesIfEmpty(db: Db): Promise<BoundaryImport[] | undefined> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [BOUNDARY_LOCK])
    const { rows } = await tx.query<{ kind: BoundaryKind }>('SELECT DISTINCT kind FROM boundary')
    const missing = SHIPPED_BOUNDARY_FILES.filter((f) => !rows.some((r) => r.kind === f.kind))
    if (missing.length === 0) return undefined
    const reports: BoundaryImport[] = []
    for (const { file } of missing) reports.push(await writeBoundaries(tx, readFileSync(file, 'utf8')))
    return reports
  })
}

/** Boundaries of one kind, by name (for the editors' choices). */
export async function listBoundaries(db: Queryable, kind: BoundaryKind): Promise<Boundary[]> {
  const { rows } = await db.query<Boundary>(
    `SELECT b.code, b.kind, b.name, b.parent_code FROM boundary b WHERE b.kind = $1
      ORDER BY (SELECT p.name FROM boundary p WHERE p.code = b.parent_code) NULLS FIRST, b.name`,
    [kind],
  )
  return rows
}
