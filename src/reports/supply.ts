/**
 * Supply: the active listings confirmed within 180 days of the period's end, per resident of
 * each area, beside its deprivation. A listing counts in every area it serves (tables.ts: where
 * one of its venues is, and for a home-visiting, telephone or online listing every area its
 * service area covers).
 * Listings are public in the directory, so their counts are not suppressed.
 */
import type { Queryable } from '../db/db.ts'
import { REMOTE_DELIVERY_MODES } from '../directory/vocabulary.ts'
import type { Filters } from './filters.ts'
import type { ReportTable } from './schemas.ts'
import { activityTypes, areasInScope, LEVEL_NAME, ofActivity, ratePer, SERVICE_AREA_COVERS, VENUE_IN_AREA } from './tables.ts'

/** How recently a listing must have been confirmed to count as current supply. */
export const CONFIRMED_WITHIN_DAYS = 180
/** Listings for older people: those with a minimum age of 50 or more. */
export const OLDER_MINIMUM_AGE = 50

/**
 * The listings in each area ($1: the area codes) as at $2, of activity type $3 if given: ($4
 * days, the minimum age $5 for older people, $6 the remote delivery modes).
 */
const COVERED = `
  WITH s AS NOT MATERIALIZED (
    SELECT s.id, s.delivery_modes, coalesce(s.minimum_age, 0) >= $5 AS older
      FROM service s
     WHERE s.status = 'active' AND s.verified_at >= $2::date - $4::int AND s.verified_at < $2::date + 1
       AND ${ofActivity('s.id')}
  ), area AS (
    SELECT code, parent_code, geom FROM boundary WHERE code = ANY ($1::text[])
  ), covered AS (
    SELECT a.code, s.id, s.older FROM s
      JOIN service_at_location sl ON sl.service_id = s.id
      JOIN location l ON l.id = sl.location_id
      JOIN area a ON ${VENUE_IN_AREA('a', 'l')}
     WHERE 'venue' = ANY (s.delivery_modes)
    UNION
    SELECT a.code, s.id, s.older FROM s
      JOIN service_area sa ON sa.service_id = s.id
      JOIN area a ON ${SERVICE_AREA_COVERS('a', 'sa')}
     WHERE s.delivery_modes && $6::text[]
  )`

export async function supply(db: Queryable, f: Filters): Promise<ReportTable[]> {
  const areas = await areasInScope(db, f.level, f.area)
  const types = await activityTypes(db, f)
  const params = [areas.map((a) => a.code), f.to, f.activity?.code ?? null, CONFIRMED_WITHIN_DAYS, OLDER_MINIMUM_AGE, REMOTE_DELIVERY_MODES]
  const [{ rows: covered }, { rows: totals }] = await Promise.all([
    db.query<{ area: string; activity: string; listings: number }>(
      `${COVERED}
       SELECT c.code AS area, t.code AS activity, count(*)::int AS listings
         FROM covered c
         JOIN service_taxonomy_term st ON st.service_id = c.id
         JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
        WHERE $3::text IS NULL OR t.code = $3
        GROUP BY 1, 2`,
      params,
    ),
    // A listing of two activity types counts once in an area's total.
    db.query<{ area: string; listings: number; older: number }>(
      `${COVERED} SELECT code AS area, count(*)::int AS listings, count(*) FILTER (WHERE older)::int AS older FROM covered GROUP BY 1`,
      params,
    ),
  ])
  const level = LEVEL_NAME[f.level]
  const count = (area: string, activity: string) => covered.find((c) => c.area === area && c.activity === activity)?.listings ?? 0
  const byArea: ReportTable = {
    name: 'by_area',
    title: `Current listings per resident by ${level.toLowerCase()}, beside deprivation`,
    area_level: f.level,
    row_heading: level,
    columns: [
      { key: 'listings', label: 'Listings', kind: 'count' },
      { key: 'per_10k', label: 'Listings per 10,000 residents', kind: 'rate' },
      { key: 'older_listings', label: 'Listings for people aged 50+', kind: 'count' },
      { key: 'older_per_1k_65', label: 'Listings for older people per 1,000 residents aged 65+', kind: 'rate' },
      { key: 'imd_decile', label: 'Deprivation decile (1 = most deprived)', kind: 'decile' },
      { key: 'residents', label: 'Residents', kind: 'count' },
      { key: 'residents_65', label: 'Residents aged 65+', kind: 'count' },
    ],
    rows: areas.map((a) => {
      const t = totals.find((r) => r.area === a.code) ?? { listings: 0, older: 0 }
      return {
        key: a.code,
        label: a.name,
        cells: [t.listings, ratePer(t.listings, a.population, 10_000), t.older, ratePer(t.older, a.population_65_plus, 1_000), a.imd_decile, a.population, a.population_65_plus],
      }
    }),
    totals: null,
    notes: [
      `Active listings confirmed within ${CONFIRMED_WITHIN_DAYS} days of ${f.to}.`,
      'Home-visiting, telephone and online listings count in every area their service area covers (at least half of it).',
      `Listings for older people are those for people aged ${OLDER_MINIMUM_AGE} or over.`,
      'Residents: Census 2021. Deprivation: English Indices of Deprivation 2019 (a ward’s decile is that of its LSOAs’ population-weighted mean rank).',
    ],
  }
  const byActivity: ReportTable = {
    name: 'by_area_and_activity',
    title: `Listings per 10,000 residents by ${level.toLowerCase()} and activity type`,
    area_level: f.level,
    row_heading: level,
    columns: types.map((t) => ({ key: t.code, label: t.name, kind: 'rate' as const })),
    rows: areas.map((a) => ({ key: a.code, label: a.name, cells: types.map((t) => ratePer(count(a.code, t.code), a.population, 10_000)) })),
    totals: null,
    notes: ['0 where an area has none of an activity type; blank where its population is not known.'],
  }
  const without: ReportTable = {
    name: 'areas_without',
    title: `${level}s with none of an activity type`,
    area_level: null,
    row_heading: 'Activity type',
    columns: [
      { key: 'areas', label: `${level}s with none`, kind: 'count' },
      { key: 'names', label: `Which ${level.toLowerCase()}s`, kind: 'text' },
    ],
    rows: types.map((t) => {
      const none = areas.filter((a) => count(a.code, t.code) === 0)
      return { key: t.code, label: t.name, cells: [none.length, none.map((a) => a.name).join('; ')] }
    }),
    totals: null,
    notes: [],
  }
  return [byArea, byActivity, without]
}
