/**
 * Croydon's postcodes and wards, read from the files shipped in `./data`
 * (see `./data/ATTRIBUTION.md`). Everything is read once per process and memoised.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import { z } from 'zod'
import { AreaFeatureCollectionSchema, toMultiPolygon, type MultiPolygon, type Polygon, type Position } from './geojson.ts'
import { normalisePostcode } from './postcode.ts'

export interface CroydonPostcode {
  /** Normalised: outward code, one space, inward code ("CR0 4BG", "SE19 1RU"). */
  postcode: string
  outcode: string
  lat: number
  lon: number
  /** 2011 LSOA; null for the few postcodes NSPL gives no Croydon LSOA. */
  lsoa11cd: string | null
  wardCode: string
  wardName: string
}

export type { MultiPolygon, Polygon, Position }

export interface CroydonWard {
  /** ONS ward code (WD19CD), e.g. "E05011487". */
  code: string
  /** ONS ward name (WD19NM), e.g. "Waddon". */
  name: string
  geometry: MultiPolygon
}

const dataUrl = (file: string): URL => new URL(`./data/${file}`, import.meta.url)

const csvRow = z.object({
  postcode: z.string().min(5),
  outcode: z.string().min(2),
  lat: z.string(),
  lon: z.string(),
  croydon_lsoa11cd: z.string(),
  croydon_ward_cd: z.string(),
  croydon_ward_nm: z.string(),
})

let postcodes: CroydonPostcode[] | undefined

/** Postcodes inside Croydon that have a centroid and a ward, in file order. */
export function readCroydonPostcodes(): CroydonPostcode[] {
  if (postcodes) return postcodes
  const records: unknown[] = parse(readFileSync(dataUrl('croydon_area_postcodes.csv'), 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  })
  const out: CroydonPostcode[] = []
  for (const record of records) {
    const row = csvRow.parse(record)
    if (row.croydon_ward_cd === '' || row.lat === '' || row.lon === '') continue
    // The file keeps NSPL's 7-character form ("SE191RU"); normalise to "SE19 1RU".
    const postcode = normalisePostcode(row.postcode)
    if (!postcode) throw new Error(`croydon_area_postcodes.csv: ${JSON.stringify(row.postcode)} is not a postcode`)
    out.push({
      postcode,
      outcode: row.outcode,
      lat: Number(row.lat),
      lon: Number(row.lon),
      lsoa11cd: row.croydon_lsoa11cd === '' ? null : row.croydon_lsoa11cd,
      wardCode: row.croydon_ward_cd,
      wardName: row.croydon_ward_nm,
    })
  }
  postcodes = out
  return out
}

function readFeatures(file: string) {
  return AreaFeatureCollectionSchema.parse(JSON.parse(readFileSync(dataUrl(file), 'utf8'))).features
}

let wards: CroydonWard[] | undefined

/** Croydon's 28 wards (2018 boundaries), in file order (by ward code). */
export function readCroydonWards(): CroydonWard[] {
  if (wards) return wards
  wards = readFeatures('croydon_wards_2018.geojson').map((f) => ({
    code: z.string().parse(f.properties['WD19CD']),
    name: z.string().parse(f.properties['WD19NM']),
    geometry: toMultiPolygon(f.geometry),
  }))
  return wards
}

/** Croydon's ONS local authority code. */
export const CROYDON_CODE = 'E09000008'

