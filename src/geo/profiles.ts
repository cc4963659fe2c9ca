/**
 * Area profiles: how many people live in each ward or LSOA, how many are 65 or over, and how
 * deprived it is, for the reports' rates per resident and deprivation deciles. The shipped
 * Croydon profiles (./data, see ATTRIBUTION.md) load on first start; `npm run import:areas`
 * loads any local authority's profile CSV.
 *
 * A profile CSV has a header row naming, in any order: the area's ONS code (`code`, or the ONS
 * style `WD19CD`, `LSOA11CD`, `lsoa21cd`...), and any of `population`, `population_65_plus`,
 * `imd_rank` and `imd_decile`. Connector's shipped files' own names are read too
 * (`census2021_total`, `census2021_65_plus`, `imd2019_rank`, `imd2019_decile`,
 * `pop_weighted_mean_imd2019_rank`...). Without a decile, the decile is worked out from the rank
 * among England's 32,844 LSOAs (IoD2019). Every code must be a ward or LSOA whose boundary is
 * held; a file with any bad row is refused whole, saying which line and why.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import type { Db, Queryable } from '../db/db.ts'

export class ProfileFileRefused extends Error {
  override name = 'ProfileFileRefused'
}

/** The number of LSOAs in England that the IoD2019 ranks run over. */
export const IMD_LSOAS = 32_844

/** The column each figure is read from: the first of these names the header has (case aside). */
const COLUMNS = {
  code: [/^code$/, /^(wd|ward|lsoa)\d{2}cd$/],
  population: [/^population$/, /^census2021_total$/, /^census2021_total_covered$/],
  population_65_plus: [/^population_65_plus$/, /^census2021_65_plus$/, /^census2021_65_plus_covered$/],
  imd_rank: [/^imd_rank$/, /^imd2019_rank$/, /^pop_weighted_mean_imd2019_rank$/],
  imd_decile: [/^imd_decile$/, /^imd2019_decile$/],
} as const

type Figure = Exclude<keyof typeof COLUMNS, 'code'>

export interface ProfileRow {
  code: string
  population: number | null
  population_65_plus: number | null
  imd_rank: number | null
  imd_decile: number | null
}

export interface ProfileImport {
  imported: number
  /** Which column each figure was read from. */
  columns: Partial<Record<keyof typeof COLUMNS, string>>
}

/** The decile (1 = most deprived tenth) of an IoD2019 rank. */
export const decileOfRank = (rank: number): number => Math.min(10, Math.max(1, Math.ceil((rank / IMD_LSOAS) * 10)))

/**
 * An area file's CSV: its header row and the rows after it, every row as long as the header;
 * otherwise refused (`Refused`, with the reason) before anything is read from it.
 */
export function readCsvFile(text: string, Refused: new (message: string) => Error): { header: string[]; body: string[][] } {
  let records: string[][]
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: false })
  } catch (error) {
    throw new Refused(`Not a CSV file: ${(error as Error).message}`)
  }
  const [header, ...body] = records
  if (!header) throw new Refused('The file is empty.')
  return { header, body }
}

function readRows(text: string): { rows: ProfileRow[]; columns: ProfileImport['columns'] } {
  const { header, body } = readCsvFile(text, ProfileFileRefused)
  const find = (patterns: readonly RegExp[]) => {
    for (const p of patterns) {
      const i = header.findIndex((h) => p.test(h.toLowerCase()))
      if (i >= 0) return i
    }
    return -1
  }
  const at = Object.fromEntries(Object.entries(COLUMNS).map(([k, patterns]) => [k, find(patterns)])) as Record<keyof typeof COLUMNS, number>
  if (at.code < 0) throw new ProfileFileRefused('No column holds the area code: name it "code" (or WDnnCD, LSOAnnCD).')
  const figures = (Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]).filter((k) => k !== 'code') as Figure[]
  if (figures.every((k) => at[k] < 0)) throw new ProfileFileRefused('No column holds a figure: population, population_65_plus, imd_rank or imd_decile.')
  const columns = Object.fromEntries(Object.entries(at).filter(([, i]) => i >= 0).map(([k, i]) => [k, header[i]!]))
  const rows = body.map((record, index): ProfileRow => {
    const line = index + 2
    const code = record[at.code] ?? ''
    if (!/^E\d{8}$/.test(code)) throw new ProfileFileRefused(`Line ${line}: "${code}" is not an English ONS area code.`)
    const number = (k: Figure, min: number, max: number) => {
      const raw = at[k] < 0 ? '' : (record[at[k]] ?? '').replace(/,/g, '')
      if (raw === '') return null
      const n = Number(raw)
      if (!Number.isFinite(n) || n < min || n > max) throw new ProfileFileRefused(`Line ${line}: ${columns[k]} "${raw}" is not a number from ${min} to ${max}.`)
      return n
    }
    const population = number('population', 0, 10_000_000)
    const population_65_plus = number('population_65_plus', 0, 10_000_000)
    if (population !== null && population_65_plus !== null && population_65_plus > population) {
      throw new ProfileFileRefused(`Line ${line}: more residents aged 65+ (${population_65_plus}) than residents (${population}).`)
    }
    const rank = number('imd_rank', 1, IMD_LSOAS)
    const imd_rank = rank === null ? null : Math.round(rank)
    const decile = number('imd_decile', 1, 10)
    return {
      code,
      population: population === null ? null : Math.round(population),
      population_65_plus: population_65_plus === null ? null : Math.round(population_65_plus),
      imd_rank,
      imd_decile: decile !== null ? Math.round(decile) : imd_rank !== null ? decileOfRank(imd_rank) : null,
    }
  })
  return { rows, columns }
}

async function writeProfiles(tx: Queryable, text: string): Promise<ProfileImport> {
  const { rows, columns } = readRows(text)
  const { rows: known } = await tx.query<{ code: string }>(`SELECT code FROM boundary WHERE kind IN ('ward', 'lsoa') AND code = ANY ($1::text[])`, [rows.map((r) => r.code)])
  const held = new Set(known.map((k) => k.code))
  const unknown = rows.findIndex((r) => !held.has(r.code))
  if (unknown >= 0) throw new ProfileFileRefused(`Line ${unknown + 2}: ${rows[unknown]!.code} is not a ward or LSOA whose boundary is held (import the boundaries first).`)
  await tx.query(
    `INSERT INTO area_profile (code, population, population_65_plus, imd_rank, imd_decile)
     SELECT code, population, population_65_plus, imd_rank, imd_decile FROM json_populate_recordset(NULL::area_profile, $1::json)
     ON CONFLICT (code) DO UPDATE SET population = EXCLUDED.population, population_65_plus = EXCLUDED.population_65_plus,
       imd_rank = EXCLUDED.imd_rank, imd_decile = EXCLUDED.imd_decile`,
    [JSON.stringify(rows)],
  )
  return { imported: rows.length, columns }
}

/** Imports one profile CSV in one transaction: a bad file changes nothing. */
export function importProfiles(db: Db, text: string): Promise<ProfileImport> {
  return db.transaction((tx) => writeProfiles(tx, text))
}

export const SHIPPED_PROFILE_FILES = [new URL('./data/croydon_ward_profile.csv', import.meta.url), new URL('./data/croydon_lsoa11_profile.csv', import.meta.url)]

// Shared by every instance, so only one loads the shipped profiles.
const PROFILE_LOCK = 7_310_526_017

/** On the first start (after the boundaries), loads the shipped profiles: all or none. */
export async function loadShippedProfilesIfEmpty(db: Db): Promise<ProfileImport[] | undefined> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PROFILE_LOCK])
    const { rowCount } = await tx.query('SELECT 1 FROM area_profile LIMIT 1')
    if (rowCount > 0) return undefined
    const reports: ProfileImport[] = []
    for (const file of SHIPPED_PROFILE_FILES) reports.push(await writeProfiles(tx, readFileSync(file, 'utf8')))
    return reports
  })
}
