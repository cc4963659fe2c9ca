/**
 * Stores gap records: what was needed (activity-type codes, and the language when that was
 * what excluded listings), which barriers excluded the near-misses, the coarse area and the date. Never the profile, its words or the time of day.
 */
import type { Queryable } from '../db/db.ts'
import type { Place } from '../geo/locate.ts'
import type { Gap } from '../matching/schemas.ts'
import { ukNow } from '../matching/sessions.ts'

export interface Area {
  outcode: string | null
  ward_code: string | null
  ward_name: string | null
  lsoa_code: string | null
}

/**
 * The coarse area of a place: its postcode district, ward and LSOA. A place given as
 * coordinates takes them from the postcode within 500 m, else the nearest district centre.
 */
export async function coarseArea(db: Queryable, place: Place): Promise<Area> {
  if (place.precision !== 'coordinates') {
    return { outcode: place.outcode, ward_code: place.ward_code, ward_name: place.ward_name, lsoa_code: place.lsoa_code }
  }
  const { rows } = await db.query<Area>(
    `WITH here AS (SELECT ST_SetSRID(ST_MakePoint($2::float8, $1::float8), 4326)::geography AS g)
     SELECT coalesce(p.outcode, (SELECT o.outcode FROM outcode o WHERE ST_DWithin(o.geom, h.g, 20000)
                                  ORDER BY o.geom <-> h.g LIMIT 1)) AS outcode,
            p.ward_code, p.ward_name, p.lsoa_code
       FROM here h
       LEFT JOIN LATERAL (SELECT * FROM postcode p WHERE ST_DWithin(p.geom, h.g, 500) ORDER BY p.geom <-> h.g LIMIT 1) p ON true`,
    [place.latitude, place.longitude],
  )
  return rows[0] ?? { outcode: null, ward_code: null, ward_name: null, lsoa_code: null }
}

/** Writes one record per gap, all or none. */
export async function recordGaps(db: Queryable, gaps: Gap[], area: Area, now: Date): Promise<void> {
  if (gaps.length === 0) return
  await db.query(
    `INSERT INTO match_gap (recorded_on, need_kind, need_terms, barriers, found, language, outcode, ward_code, ward_name, lsoa_code)
     SELECT $1::date, g.kind, ARRAY(SELECT json_array_elements_text(g.terms)), ARRAY(SELECT json_array_elements_text(g.barriers)),
            g.found, g.language, $3, $4, $5, $6
       FROM json_to_recordset($2::json) AS g (kind text, terms json, barriers json, found int, language text)`,
    [
      ukNow(now).date,
      JSON.stringify(gaps.map((g) => ({ kind: g.kind, terms: g.terms, barriers: g.barriers, found: g.found, language: g.language }))),
      area.outcode,
      area.ward_code,
      area.ward_name,
      area.lsoa_code,
    ],
  )
}
