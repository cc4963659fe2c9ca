/**
 * Stores gap records: what was needed (activity-type codes, and the language when that was
 * what excluded listings), which barriers excluded the near-misses, the coarse area, the date,
 * and for whom (an episode, a team, an age band). Never the profile, its words or the time of day.
 */
import type { Queryable } from '../db/db.ts'
import type { Place } from '../geo/locate.ts'
import type { Gap } from '../matching/schemas.ts'
import { ukNow } from '../matching/sessions.ts'
import type { AgeBand } from '../referrals/vocabulary.ts'

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

/**
 * Who a match was made for, as gap records keep it: inside an episode (each unmet need counted
 * once per episode), or by a link worker outside one (once per need, ward and day). Anonymous
 * matches have no context and record nothing.
 */
export interface GapContext {
  episodeId: string | null
  teamId: string | null
  recordedBy: string
  ageBand: AgeBand | null
}

/** A need in one string: its kind, its activity types (sorted) and the language it needed. */
export function needKey(g: Pick<Gap, 'kind' | 'terms' | 'language'>): string {
  return `${g.kind}:${[...g.terms].sort().join(',')}:${g.language ?? ''}`
}

/**
 * Records the gaps of one match, all or none: within an episode one row per need (a later
 * match updates it: the barriers, count and area of the latest profile); outside one, one row
 * per link worker, need, ward and day.
 */
export async function recordGaps(db: Queryable, gaps: Gap[], area: Area, context: GapContext, now: Date): Promise<void> {
  const byNeed = new Map(gaps.map((g) => [needKey(g), g]))
  if (byNeed.size === 0) return
  const conflict =
    context.episodeId !== null
      ? '(episode_id, need_key) WHERE episode_id IS NOT NULL'
      : "(recorded_by, need_key, (coalesce(ward_code, '')), recorded_on) WHERE episode_id IS NULL AND recorded_by IS NOT NULL"
  await db.query(
    `INSERT INTO match_gap (recorded_on, need_kind, need_terms, barriers, found, language, outcode, ward_code, ward_name, lsoa_code,
                           need_key, episode_id, team_id, recorded_by, age_band)
     SELECT $1::date, g.kind, ARRAY(SELECT json_array_elements_text(g.terms)), ARRAY(SELECT json_array_elements_text(g.barriers)),
            g.found, g.language, $3, $4, $5, $6, g.need_key, $7, $8, $9, $10
       FROM json_to_recordset($2::json) AS g (kind text, terms json, barriers json, found int, language text, need_key text)
     ON CONFLICT ${conflict} DO UPDATE
        SET recorded_on = EXCLUDED.recorded_on, barriers = EXCLUDED.barriers, found = EXCLUDED.found, outcode = EXCLUDED.outcode,
            ward_code = EXCLUDED.ward_code, ward_name = EXCLUDED.ward_name, lsoa_code = EXCLUDED.lsoa_code, age_band = EXCLUDED.age_band`,
    [
      ukNow(now).date,
      JSON.stringify([...byNeed].map(([key, g]) => ({ kind: g.kind, terms: g.terms, barriers: g.barriers, found: g.found, language: g.language, need_key: key }))),
      area.outcode,
      area.ward_code,
      area.ward_name,
      area.lsoa_code,
      context.episodeId,
      context.teamId,
      context.recordedBy,
      context.ageBand,
    ],
  )
}
