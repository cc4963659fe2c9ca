/**
 * Unmet need: people whose need found fewer than three fitting listings. A person is an
 * episode (however many matches their link worker ran), or one match outside an episode (the
 * gap records already count one per link worker, need, ward and day). Counted by area, team,
 * the team's primary care network, need, barrier and month; the barriers are those that
 * excluded the near-miss listings.
 */
import type { Queryable } from '../db/db.ts'
import { BARRIERS } from '../directory/vocabulary.ts'
import { label } from '../web/labels.ts'
import { wants, type Filters } from './filters.ts'
import type { Cell, ReportTable } from './schemas.ts'
import { AREA_NOT_KNOWN, areasInScope, byShown, LEVEL_NAME, monthName, monthsOf, peopleList, protectRows, type CountRow } from './tables.ts'

/** The gaps in the period that pass the filters, with the person each stands for and its area at the chosen level. */
const GAPS = `
  WITH g AS (
    SELECT coalesce(episode_id::text, 'm' || id::text) AS person, recorded_on, need_kind, need_terms, barriers, team_id,
           CASE WHEN $6 = 'lsoa' THEN lsoa_code ELSE ward_code END AS area_code
      FROM match_gap
     WHERE recorded_on BETWEEN $1::date AND $2::date
       AND ($3::text IS NULL OR $3 = ANY (need_terms))
       AND ($4::text IS NULL OR need_kind = $4)
       AND ($5::text IS NULL OR $5 = ANY (barriers))
  )`

export async function unmetNeed(db: Queryable, f: Filters): Promise<ReportTable[]> {
  const params = [f.from, f.to, f.activity?.code ?? null, f.need, f.barrier, f.level]
  // Each query runs only when a table it feeds is wanted.
  const q = async <T>(sql: string, ...tables: string[]) =>
    tables.some((table) => wants(f, table)) ? (await db.query<T & Record<string, unknown>>(`${GAPS} ${sql}`, params)).rows : []
  const areas = await areasInScope(db, f.level, f.area)
  const inScope = new Set(areas.map((a) => a.code))
  // Outside the chosen area, a gap is left out; with no area chosen, one in no known area is counted as such.
  const areaKey = (code: string | null) => (code !== null && inScope.has(code) ? code : f.area ? null : AREA_NOT_KNOWN.key)

  const [byArea, byAreaBarrier, byTeam, byPcn, byNeed, byBarrier, byMonth, searches] = await Promise.all([
    q<{ area_code: string | null; person: string }>(`SELECT DISTINCT area_code, person FROM g`, 'by_area'),
    q<{ area_code: string | null; barrier: string; person: string }>(`SELECT DISTINCT area_code, b AS barrier, person FROM g, unnest(barriers) b`, 'by_area'),
    q<{ key: string; label: string; people: number }>(
      `SELECT coalesce(t.id::text, 'none') AS key, coalesce(t.name, 'No team recorded') AS label, count(DISTINCT g.person)::int AS people
         FROM g LEFT JOIN team t ON t.id = g.team_id GROUP BY 1, 2`,
      'by_team',
    ),
    q<{ key: string; label: string; people: number }>(
      `SELECT coalesce(p.code, 'none') AS key, coalesce(p.name, 'No primary care network recorded') AS label, count(DISTINCT g.person)::int AS people
         FROM g LEFT JOIN team t ON t.id = g.team_id LEFT JOIN pcn p ON p.code = t.pcn_code GROUP BY 1, 2`,
      'by_pcn',
    ),
    q<{ key: string; label: string; people: number }>(
      `SELECT coalesce(n.code, 'any') AS key, coalesce(n.name, 'Any activity') AS label, count(DISTINCT g.person)::int AS people
         FROM g LEFT JOIN LATERAL unnest(CASE WHEN cardinality(g.need_terms) = 0 THEN ARRAY[NULL::text] ELSE g.need_terms END) term ON true
         LEFT JOIN taxonomy_term n ON n.code = term
        WHERE $3::text IS NULL OR term = $3
        GROUP BY 1, 2`,
      'by_need',
    ),
    q<{ barrier: string; people: number }>(`SELECT b AS barrier, count(DISTINCT person)::int AS people FROM g, unnest(barriers) b WHERE $5::text IS NULL OR b = $5 GROUP BY 1`, 'by_barrier'),
    q<{ month: string; people: number }>(`SELECT to_char(recorded_on, 'YYYY-MM') AS month, count(DISTINCT person)::int AS people FROM g GROUP BY 1`, 'by_month'),
    q<{ area_code: string; searches: number }>(
      `SELECT CASE WHEN $6 = 'lsoa' THEN lsoa_code ELSE ward_code END AS area_code, sum(searches)::int AS searches
         FROM search_demand WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR activity_type = $3) GROUP BY 1`,
      'empty_searches_by_area',
    ),
  ])

  // By area: the people, and the people each barrier stood in the way of. Each person has one area, so the columns add up.
  const rowsByKey = new Map<string, CountRow>(areas.map((a) => [a.code, { key: a.code, label: a.name, counts: Array(1 + BARRIERS.length).fill(0) }]))
  if (!f.area) rowsByKey.set(AREA_NOT_KNOWN.key, { ...AREA_NOT_KNOWN, counts: Array(1 + BARRIERS.length).fill(0) })
  for (const r of byArea) {
    const key = areaKey(r.area_code)
    if (key) rowsByKey.get(key)!.counts[0]! += 1
  }
  for (const r of byAreaBarrier) {
    const key = areaKey(r.area_code)
    if (key) rowsByKey.get(key)!.counts[1 + BARRIERS.indexOf(r.barrier as (typeof BARRIERS)[number])]! += 1
  }
  // The "not known" row is kept only when it holds someone.
  const countRows = [...rowsByKey.values()].filter((r) => r.key !== AREA_NOT_KNOWN.key || r.counts[0]! > 0)
  const { shown, totals } = protectRows(countRows, true)
  const areaTable: ReportTable = {
    name: 'by_area',
    title: `People with unmet need by ${LEVEL_NAME[f.level].toLowerCase()}, and what stood in the way`,
    area_level: f.level,
    row_heading: LEVEL_NAME[f.level],
    columns: [
      { key: 'people', label: 'People', kind: 'people' },
      ...BARRIERS.map((b) => ({ key: b, label: label(b, 'barrier'), kind: 'people' as const })),
    ],
    rows: byShown(
      countRows.map((r, i) => ({ key: r.key, label: r.label, cells: shown[i]! as Cell[] })),
      f.barrier ? 1 + BARRIERS.indexOf(f.barrier) : 0,
    ),
    totals,
    notes: ['A person counts once in their area, and once under each barrier that excluded a listing near to fitting them.'],
  }

  // Searches from a postcode that found nothing, in the same areas ('' is a search from a district alone).
  const searchRows = new Map<string, CountRow>(areas.map((a) => [a.code, { key: a.code, label: a.name, counts: [0] }]))
  if (!f.area) searchRows.set(AREA_NOT_KNOWN.key, { ...AREA_NOT_KNOWN, counts: [0] })
  for (const r of searches) {
    const key = areaKey(r.area_code === '' ? null : r.area_code)
    if (key) searchRows.get(key)!.counts[0]! += r.searches
  }
  const searchTable: ReportTable = {
    ...peopleList({
      name: 'empty_searches_by_area',
      title: `Searches that found nothing by ${LEVEL_NAME[f.level].toLowerCase()}`,
      row_heading: LEVEL_NAME[f.level],
      label: 'Searches',
      rows: [...searchRows.values()].filter((r) => r.key !== AREA_NOT_KNOWN.key || r.counts[0]! > 0),
      totals: true,
      notes: ['Searches from a postcode that found no listing, in the area of that postcode; the same person searching twice counts twice. The need and barrier filters do not apply to searches.'],
    }),
    area_level: f.level,
  }

  const months = monthsOf(f.from, f.to)
  return [
    areaTable,
    searchTable,
    peopleList({
      name: 'by_team',
      title: 'People with unmet need by link worker team',
      row_heading: 'Team',
      label: 'People',
      rows: byTeam.map((r) => ({ key: r.key, label: r.label, counts: [r.people] })),
      totals: true,
    }),
    peopleList({
      name: 'by_pcn',
      title: 'People with unmet need by the primary care network of their link worker’s team',
      row_heading: 'Primary care network',
      label: 'People',
      rows: byPcn.map((r) => ({ key: r.key, label: r.label, counts: [r.people] })),
      totals: true,
      notes: ['A team serves the primary care network an admin chose for it; people seen by teams that serve none are counted together.'],
    }),
    peopleList({
      name: 'by_need',
      title: 'People with unmet need by what they were looking for',
      row_heading: 'Activity type',
      label: 'People',
      rows: byNeed.map((r) => ({ key: r.key, label: r.label, counts: [r.people] })),
      totals: false,
      notes: ['A person looking for more than one kind of activity counts under each.'],
    }),
    peopleList({
      name: 'by_barrier',
      title: 'What most often excluded a listing that nearly fitted',
      row_heading: 'Barrier',
      label: 'People',
      rows: BARRIERS.filter((b) => !f.barrier || b === f.barrier).map((b) => ({ key: b, label: label(b, 'barrier'), counts: [byBarrier.find((r) => r.barrier === b)?.people ?? 0] })),
      totals: false,
      notes: ['A person counts under every barrier that excluded one of their near misses.'],
    }),
    peopleList({
      name: 'by_month',
      title: 'People with unmet need by month',
      row_heading: 'Month',
      label: 'People',
      rows: months.map((m) => ({ key: m, label: monthName(m), counts: [byMonth.find((r) => r.month === m)?.people ?? 0] })),
      totals: false,
      order: 'given',
      notes: ['A person whose need went unmet in two months counts in each.'],
    }),
  ]
}
