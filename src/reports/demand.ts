/**
 * Demand on the voluntary sector: referrals made in the period to each organisation and
 * listing, by month, how many were accepted, declined (and why) and attended; how long listings
 * were on a waiting list or full; and searches from a postcode that found nothing.
 */
import type { Queryable } from '../db/db.ts'
import { DECLINE_REASONS } from '../referrals/vocabulary.ts'
import { label } from '../web/labels.ts'
import { wants, type Filters } from './filters.ts'
import type { Cell, ReportTable } from './schemas.ts'
import { byShown, listingsServing, monthName, monthsOf, ofActivity, peopleList, protectRows, shareOf, wardsInScope, type CountRow } from './tables.ts'

/**
 * The referrals made in the period ($1 to $2, by the UK date), to listings of activity type $3
 * if given, for people living in the wards $4 if given, with what became of each: ever accepted
 * (or attended), ever declined, ever attended.
 */
const REFERRALS = `
  WITH r AS (
    SELECT r.id, r.service_id, r.organization_id, r.decline_reason,
           to_char((r.created_at AT TIME ZONE 'Europe/London')::date, 'YYYY-MM') AS month,
           ev.accepted, ev.declined, ev.attended
      FROM referral r
      CROSS JOIN LATERAL (
        SELECT coalesce(bool_or(e.status IN ('accepted', 'attended', 'did_not_attend', 'stopped')), false) AS accepted,
               coalesce(bool_or(e.status = 'declined'), false) AS declined,
               coalesce(bool_or(e.status = 'attended'), false) AS attended
          FROM referral_event e WHERE e.referral_id = r.id
      ) ev
     WHERE (r.created_at AT TIME ZONE 'Europe/London')::date BETWEEN $1::date AND $2::date
       AND ${ofActivity('r.service_id')}
       AND ($4::text[] IS NULL OR EXISTS (SELECT 1 FROM episode e WHERE e.id = r.episode_id AND e.ward_code = ANY ($4)))
  )`

const OUTCOME_COLUMNS = ['referrals', 'accepted', 'declined', 'attended'] as const
const COUNTS = `count(*)::int AS referrals, count(*) FILTER (WHERE accepted)::int AS accepted,
                count(*) FILTER (WHERE declined)::int AS declined, count(*) FILTER (WHERE attended)::int AS attended`

type Outcomes = Record<(typeof OUTCOME_COLUMNS)[number], number>

/** Referrals and what became of them, each row's rates worked out only where its counts are shown. */
function outcomesTable(spec: { name: string; title: string; row_heading: string; rows: (CountRow & { raw: Outcomes })[]; order: 'count' | 'given'; notes: string[] }): ReportTable {
  const { shown, totals } = protectRows(spec.rows, true, OUTCOME_COLUMNS.length)
  const rates = (raw: Outcomes, cells: Cell[]) =>
    (['accepted', 'declined', 'attended'] as const).map((k) => shareOf(raw[k], raw.referrals, cells[OUTCOME_COLUMNS.indexOf(k)] as number | '*', cells[0] as number | '*'))
  const rows = spec.rows.map((r, i) => ({ key: r.key, label: r.label, cells: [...shown[i]!, ...rates(r.raw, shown[i]!)] as Cell[] }))
  const sum = (k: keyof Outcomes) => spec.rows.reduce((n, r) => n + r.raw[k], 0)
  const whole = { referrals: sum('referrals'), accepted: sum('accepted'), declined: sum('declined'), attended: sum('attended') }
  return {
    name: spec.name,
    title: spec.title,
    area_level: null,
    row_heading: spec.row_heading,
    columns: [
      { key: 'referrals', label: 'Referrals', kind: 'people' },
      { key: 'accepted', label: 'Accepted', kind: 'people' },
      { key: 'declined', label: 'Declined', kind: 'people' },
      { key: 'attended', label: 'Attended', kind: 'people' },
      { key: 'accepted_pct', label: 'Accepted (%)', kind: 'share' },
      { key: 'declined_pct', label: 'Declined (%)', kind: 'share' },
      { key: 'attended_pct', label: 'Attended (%)', kind: 'share' },
    ],
    rows: spec.order === 'given' ? rows : byShown(rows, 0),
    totals: totals && [...totals, ...rates(whole, totals)],
    notes: ['A referral counts as accepted if the organisation accepted it or marked whether the person came; a declined referral may have been accepted earlier.', ...spec.notes],
  }
}

const withRaw = (key: string, label: string, raw: Outcomes) => ({ key, label, raw, counts: OUTCOME_COLUMNS.map((k) => raw[k]) })

export async function demand(db: Queryable, f: Filters): Promise<ReportTable[]> {
  const period = [f.from, f.to, f.activity?.code ?? null]
  // $4: the people's wards, or (for listings) the area's code.
  const [byPeople, byListings] = [[...period, await wardsInScope(db, f.area)], [...period, f.area?.code ?? null]]
  // Each query runs only when its table is wanted.
  const q = async <T>(table: string, sql: string, params = byPeople) => (wants(f, table) ? (await db.query<T & Record<string, unknown>>(sql, params)).rows : [])
  // The referrals are read once, grouped each way a wanted table needs (GROUPING SETS); a
  // grouping no table wants is left out, its column null.
  const groupings = (
    [
      ['by_organisation', 'organization_id', 'uuid'],
      ['by_listing', 'service_id', 'uuid'],
      ['by_month', 'month', 'text'],
      ['decline_reasons', 'decline_reason', 'text'],
    ] as const
  ).map(([table, column, type]) => ({ table, column, type, wanted: wants(f, table) }))
  const wanted = groupings.filter((g) => g.wanted)
  type Grouped = Outcomes & { table: string; key: string; label: string | null }
  const referralsBy = async (): Promise<Grouped[]> => {
    if (wanted.length === 0) return []
    const { rows } = await db.query<Grouped>(
      `${REFERRALS}, g AS (
         SELECT CASE ${wanted.map((g) => `WHEN GROUPING(r.${g.column}) = 0 THEN '${g.table}'`).join(' ')} END AS tbl,
                ${groupings.map((g) => (g.wanted ? `r.${g.column}` : `NULL::${g.type} AS ${g.column}`)).join(', ')}, ${COUNTS}
           FROM r GROUP BY GROUPING SETS (${wanted.map((g) => `(r.${g.column})`).join(', ')})
       )
       SELECT g.tbl AS table, g.referrals, g.accepted, g.declined, g.attended,
              coalesce(g.organization_id::text, g.service_id::text, g.month, g.decline_reason) AS key,
              coalesce(o.name, s.name || ' (' || so.name || ')') AS label
         FROM g
         LEFT JOIN organization o ON o.id = g.organization_id
         LEFT JOIN service s ON s.id = g.service_id
         LEFT JOIN organization so ON so.id = s.organization_id`,
      byPeople,
    )
    return rows
  }
  const [grouped, capacity, searches] = await Promise.all([
    referralsBy(),
    // Each listing's referral capacity over time, from its version history: the days of the period it spent on a waiting list or full.
    q<{ key: string; label: string; listings: number; waiting: number; full: number }>(
      'capacity',
      `WITH served AS (${listingsServing('$4')}), v AS (
         SELECT v.record_id AS service_id, v.changed_at AS since, v.snapshot ->> 'referral_capacity' AS capacity,
                lead(v.changed_at) OVER (PARTITION BY v.record_id ORDER BY v.id) AS until
           FROM record_version v
          WHERE v.record_type = 'service'
            AND v.record_id IN (SELECT w.record_id FROM record_version w
                                 WHERE w.record_type = 'service' AND w.snapshot ->> 'referral_capacity' IN ('waiting_list', 'full'))
       ), spell AS (
         SELECT v.service_id, v.capacity,
                greatest(0, extract(epoch FROM least(coalesce(v.until, 'infinity'), ($2::date + 1)::timestamp AT TIME ZONE 'Europe/London')
                                              - greatest(v.since, $1::date::timestamp AT TIME ZONE 'Europe/London')) / 86400) AS days
           FROM v WHERE v.capacity IN ('waiting_list', 'full')
       )
       SELECT o.id::text AS key, o.name AS label,
              (SELECT count(*) FROM service x WHERE x.organization_id = o.id AND ${ofActivity('x.id')} AND ($4::text IS NULL OR x.id IN (SELECT service_id FROM served)))::int AS listings,
              round(coalesce(sum(sp.days) FILTER (WHERE sp.capacity = 'waiting_list'), 0))::int AS waiting,
              round(coalesce(sum(sp.days) FILTER (WHERE sp.capacity = 'full'), 0))::int AS full
         FROM spell sp
         JOIN service s ON s.id = sp.service_id
         JOIN organization o ON o.id = s.organization_id
        WHERE ${ofActivity('s.id')} AND ($4::text IS NULL OR s.id IN (SELECT service_id FROM served))
        GROUP BY o.id, o.name
       HAVING sum(sp.days) > 0`,
      byListings,
    ),
    q<{ outcode: string; searches: number }>(
      'empty_searches',
      `SELECT outcode, sum(searches)::int AS searches FROM search_demand
        WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR activity_type = $3) AND ($4::text[] IS NULL OR ward_code = ANY ($4))
        GROUP BY 1`,
    ),
  ])
  const of = (table: string) => grouped.filter((r) => r.table === table)
  const [byOrganisation, byListing, byMonth] = [of('by_organisation'), of('by_listing'), of('by_month')]
  // Declined referrals by their reason (the group of referrals with no reason is not a row).
  const reasons = of('decline_reasons')
  const months = monthsOf(f.from, f.to)
  // With an area chosen: referrals and searches of the people living there; listings that serve it.
  const people = f.area ? [`Only referrals for people living in ${f.area.name}.`] : []
  const none: Outcomes = { referrals: 0, accepted: 0, declined: 0, attended: 0 }
  return [
    outcomesTable({ name: 'by_organisation', title: 'Referrals by organisation', row_heading: 'Organisation', rows: byOrganisation.map((r) => withRaw(r.key, r.label!, r)), order: 'count', notes: people }),
    outcomesTable({ name: 'by_listing', title: 'Referrals by listing', row_heading: 'Listing', rows: byListing.map((r) => withRaw(r.key, r.label!, r)), order: 'count', notes: people }),
    outcomesTable({
      name: 'by_month',
      title: 'Referrals by month',
      row_heading: 'Month',
      rows: months.map((m) => withRaw(m, monthName(m), byMonth.find((r) => r.key === m) ?? none)),
      order: 'given',
      notes: people,
    }),
    peopleList({
      name: 'decline_reasons',
      title: 'Why referrals were declined',
      row_heading: 'Reason',
      label: 'Referrals',
      rows: DECLINE_REASONS.map((d) => ({ key: d, label: label(d, 'decline_reason'), counts: [reasons.find((r) => r.key === d)?.declined ?? 0] })),
      totals: true,
      notes: people,
    }),
    {
      name: 'capacity',
      title: 'Days listings spent on a waiting list or full',
      area_level: null,
      row_heading: 'Organisation',
      columns: [
        { key: 'listings', label: 'Listings', kind: 'count' },
        { key: 'waiting_list_days', label: 'Days on a waiting list', kind: 'days' },
        { key: 'full_days', label: 'Days full', kind: 'days' },
      ],
      rows: capacity
        .map((r) => ({ key: r.key, label: r.label, cells: [r.listings, r.waiting, r.full] as Cell[] }))
        .sort((a, b) => (b.cells[1] as number) + (b.cells[2] as number) - ((a.cells[1] as number) + (a.cells[2] as number)) || a.label.localeCompare(b.label)),
      totals: null,
      notes: [
        'Listing-days in the period, summed over each organisation’s listings, from the history of what each listing said.',
        ...(f.area ? [`Only listings that serve ${f.area.name}: a venue there, or a home, telephone or online service whose service area covers it.`] : []),
      ],
    },
    peopleList({
      name: 'empty_searches',
      title: 'Searches that found nothing, by postcode district',
      row_heading: 'Postcode district',
      label: 'Searches',
      rows: searches.map((r) => ({ key: r.outcode, label: r.outcode, counts: [r.searches] })),
      totals: true,
      notes: ['Searches from a postcode that found no listing; the same person searching twice counts twice.', ...(f.area ? [`Only searches from postcodes in ${f.area.name}.`] : [])],
    }),
  ]
}
