/**
 * Building report tables: the areas a report covers, counts of people through disclosure
 * control, percentages and averages only where they cannot give a hidden count away, and rows
 * in an order that reveals nothing about hidden counts.
 */
import type { Queryable } from '../db/db.ts'
import { REMOTE_DELIVERY_MODES } from '../directory/vocabulary.ts'
import { protect, share, SUPPRESSED, type Shown } from './disclosure.ts'
import type { Filters } from './filters.ts'
import type { AreaLevel, Cell, ReportTable } from './schemas.ts'

export interface Area {
  code: string
  name: string
  population: number | null
  population_65_plus: number | null
  imd_decile: number | null
}

/** The wards or LSOAs a report covers: all of them, or those within the chosen authority or ward. */
export async function areasInScope(db: Queryable, level: AreaLevel, area: Filters['area']): Promise<Area[]> {
  const { rows } = await db.query<Area>(
    `SELECT b.code, b.name, p.population, p.population_65_plus, p.imd_decile
       FROM boundary b LEFT JOIN area_profile p USING (code)
      WHERE b.kind = $1
        AND ($2::text IS NULL OR b.code = $2 OR b.parent_code = $2
             OR ($1 = 'lsoa' AND EXISTS (SELECT 1 FROM boundary w WHERE w.code = $2 AND w.kind = 'ward'
                                         AND ST_Covers(w.geom::geometry, ST_PointOnSurface(b.geom::geometry)))))
      ORDER BY b.name, b.code`,
    [level, area?.code ?? null],
  )
  return rows
}

/** The ward codes of the chosen area (a local authority's wards, or the ward), or null for no area: people are placed by ward. */
export async function wardsInScope(db: Queryable, area: Filters['area']): Promise<string[] | null> {
  return area ? (await areasInScope(db, 'ward', area)).map((a) => a.code) : null
}

/**
 * SQL conditions of the rule by which a listing serves an area `a` (a boundary row): its venue
 * `l` (a location) lies in the area, or the service area `sa` of a home-visiting, telephone or
 * online listing covers it: all of England or the whole local authority (the area, or the one it
 * lies in), or at least half of the area (a ward, a radius, a drawn outline), so that a ward's
 * neighbours, which share its edges, are not served by it.
 */
export const VENUE_IN_AREA = (a: string, l: string) => `${a}.geom && ${l}.geom AND ST_Covers(${a}.geom::geometry, ${l}.geom::geometry)`
const COVERS_WHOLE = (a: string, sa: string) => `(${sa}.kind = 'england' OR (${sa}.kind = 'local_authority' AND ${sa}.code IN (${a}.code, ${a}.parent_code)))`
const COVERS_HALF = (a: string, sa: string) =>
  `(${sa}.kind NOT IN ('england', 'local_authority') AND ${a}.geom && ${sa}.geom
    AND ST_Area(ST_Intersection(${a}.geom::geometry, ${sa}.geom::geometry)) >= 0.5 * ST_Area(${a}.geom::geometry))`
export const SERVICE_AREA_COVERS = (a: string, sa: string) => `(${COVERS_WHOLE(a, sa)} OR ${COVERS_HALF(a, sa)})`
const REMOTE = `'{${REMOTE_DELIVERY_MODES.join(',')}}'::text[]`

/**
 * SQL: the ids of the listings that serve the ward, or the local authority, whose code is in
 * parameter `param`, by the rule above; an authority is served where one of its wards is. Set
 * by set (venues through the location index, outlines through the service area index), so it
 * costs what the area holds, not what the directory holds.
 */
export const listingsServing = (param: string) => `
  WITH served_area AS MATERIALIZED (SELECT code, parent_code, geom FROM boundary WHERE kind = 'ward' AND (code = ${param} OR parent_code = ${param}))
  SELECT sl.service_id FROM served_area a
    JOIN location l ON ${VENUE_IN_AREA('a', 'l')}
    JOIN service_at_location sl ON sl.location_id = l.id
    JOIN service x ON x.id = sl.service_id AND 'venue' = ANY (x.delivery_modes)
  UNION
  SELECT sa.service_id FROM service_area sa
    JOIN service x ON x.id = sa.service_id AND x.delivery_modes && ${REMOTE}
   WHERE sa.kind IN ('england', 'local_authority') AND EXISTS (SELECT 1 FROM served_area a WHERE ${COVERS_WHOLE('a', 'sa')})
  UNION
  SELECT sa.service_id FROM served_area a
    JOIN service_area sa ON ${COVERS_HALF('a', 'sa')}
    JOIN service x ON x.id = sa.service_id AND x.delivery_modes && ${REMOTE}`

/** SQL: the listing whose id is in column `serviceId` is of the activity type in parameter `param` (any, when it is null). */
export const ofActivity = (serviceId: string, param = '$3') =>
  `(${param}::text IS NULL OR EXISTS (SELECT 1 FROM service_taxonomy_term st JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
                                      WHERE st.service_id = ${serviceId} AND t.code = ${param}))`

/** The activity types a report shows rows or columns for: all of them, or the one filtered by. */
export async function activityTypes(db: Queryable, f: Filters): Promise<{ code: string; name: string }[]> {
  const { rows } = await db.query<{ code: string; name: string }>(`SELECT code, name FROM taxonomy_term WHERE $1::text IS NULL OR code = $1 ORDER BY name`, [f.activity?.code ?? null])
  return rows
}

export const AREA_NOT_KNOWN = { key: 'unknown', label: 'Area not known' }
export const LEVEL_NAME: Record<AreaLevel, string> = { ward: 'Ward', lsoa: 'LSOA' }

export interface CountRow {
  key: string
  label: string
  counts: number[]
}

/**
 * Counts of people, protected: hidden where 1 to 7 and wherever the column totals (when
 * published) would give a hidden count away. Returns the shown counts beside the true ones, so
 * percentages can be worked out only where both their counts are shown.
 */
export function protectRows(rows: CountRow[], totals: boolean, columns = rows[0]?.counts.length ?? 0): { shown: Shown[][]; totals: Shown[] | null } {
  const result = protect(rows.map((r) => r.counts), { columnTotals: totals })
  if (!totals) return { shown: result.cells, totals: null }
  // A table with no rows still publishes its totals: a 0 for each of its columns.
  return { shown: result.cells, totals: rows.length > 0 ? result.columnTotals! : Array.from({ length: columns }, () => 0) }
}

/** A percentage of two counts, given only where both are shown and share() allows it. */
export function shareOf(part: number, whole: number, partShown: Shown, wholeShown: Shown): number | null {
  if (partShown === SUPPRESSED || wholeShown === SUPPRESSED) return null
  return share(part, whole)
}

/** A rate per `per` residents, to 1 decimal place; null without a population. */
export function ratePer(count: number, population: number | null, per: number): number | null {
  if (population === null || population === 0) return null
  return Math.round((count / population) * per * 10) / 10
}

/** Rank of a shown count for ordering: shown numbers, then hidden ones, then 0, so hidden counts keep no order among themselves. */
const rank = (c: Cell): number => (typeof c === 'number' ? (c === 0 ? -1 : c) : c === SUPPRESSED ? 0 : -2)

/** Rows ordered by a column's shown value, largest first, then by label: nothing about hidden counts shows in the order. */
export function byShown(rows: ReportTable['rows'], column: number): ReportTable['rows'] {
  return [...rows].sort((a, b) => rank(b.cells[column]!) - rank(a.cells[column]!) || a.label.localeCompare(b.label) || a.key.localeCompare(b.key))
}

/** The months a period touches, as YYYY-MM. */
export function monthsOf(from: string, to: string): string[] {
  const months: string[] = []
  let [y, m] = from.slice(0, 7).split('-').map(Number) as [number, number]
  const last = to.slice(0, 7)
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`
    if (key > last) return months
    months.push(key)
    m += 1
    if (m > 12) {
      m = 1
      y += 1
    }
  }
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
export const monthName = (key: string) => `${MONTH_NAMES[Number(key.slice(5, 7)) - 1]} ${key.slice(0, 4)}`

/** A simple table of one people count per row, ordered by it. */
export function peopleList(spec: { name: string; title: string; row_heading: string; label: string; rows: CountRow[]; totals: boolean; order?: 'count' | 'given'; notes?: string[] }): ReportTable {
  const { shown, totals } = protectRows(spec.rows, spec.totals, 1)
  const rows = spec.rows.map((r, i) => ({ key: r.key, label: r.label, cells: shown[i]! as Cell[] }))
  return {
    name: spec.name,
    title: spec.title,
    area_level: null,
    row_heading: spec.row_heading,
    columns: [{ key: 'people', label: spec.label, kind: 'people' }],
    rows: spec.order === 'given' ? rows : byShown(rows, 0),
    totals,
    notes: spec.notes ?? [],
  }
}
