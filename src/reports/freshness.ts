/**
 * Freshness: of each organisation's published listings (those serving the chosen area), the
 * share confirmed within 90, 180 and 365 days of the period's end. Listings are public, so
 * these figures are not suppressed.
 */
import type { Queryable } from '../db/db.ts'
import type { Filters } from './filters.ts'
import type { Cell, ReportTable } from './schemas.ts'
import { listingsServing, ofActivity } from './tables.ts'

export const FRESHNESS_DAYS = [90, 180, 365] as const

const percent = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10)

export async function freshness(db: Queryable, f: Filters): Promise<ReportTable[]> {
  const { rows } = await db.query<{ key: string; label: string; listings: number; d90: number; d180: number; d365: number }>(
    `SELECT o.id::text AS key, o.name AS label, count(*)::int AS listings,
            count(*) FILTER (WHERE s.verified_at >= $1::date + 1 - 90)::int AS d90,
            count(*) FILTER (WHERE s.verified_at >= $1::date + 1 - 180)::int AS d180,
            count(*) FILTER (WHERE s.verified_at >= $1::date + 1 - 365)::int AS d365
       FROM service s JOIN organization o ON o.id = s.organization_id
      WHERE s.status IN ('active', 'temporarily closed')
        AND ${ofActivity('s.id', '$2')}
        ${f.area ? `AND s.id IN (${listingsServing('$3')})` : ''}
      GROUP BY 1, 2 ORDER BY 2, 1`,
    [f.to, f.activity?.code ?? null, ...(f.area ? [f.area.code] : [])],
  )
  const cells = (r: { listings: number; d90: number; d180: number; d365: number }): Cell[] => [r.listings, percent(r.d90, r.listings), percent(r.d180, r.listings), percent(r.d365, r.listings)]
  const sum = (k: 'listings' | 'd90' | 'd180' | 'd365') => rows.reduce((n, r) => n + r[k], 0)
  return [
    {
      name: 'by_organisation',
      title: 'Listings confirmed recently, by organisation',
      area_level: null,
      row_heading: 'Organisation',
      columns: [
        { key: 'listings', label: 'Published listings', kind: 'count' },
        ...FRESHNESS_DAYS.map((d) => ({ key: `within_${d}_days_pct`, label: `Confirmed within ${d} days (%)`, kind: 'share' as const })),
      ],
      rows: rows.map((r) => ({ key: r.key, label: r.label, cells: cells(r) })),
      totals: cells({ listings: sum('listings'), d90: sum('d90'), d180: sum('d180'), d365: sum('d365') }),
      notes: [
        `Listings that are active or temporarily closed, confirmed by their organisation within each number of days of ${f.to}.`,
        ...(f.area ? [`Only listings that serve ${f.area.name}: a venue there, or a home, telephone or online service whose service area covers it.`] : []),
      ],
    },
  ]
}
