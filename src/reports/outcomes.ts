/**
 * Outcomes: how loneliness (UCLA-3, 3 to 9, higher is lonelier) changed between each person's
 * baseline and their latest follow-up, for people whose latest follow-up fell in the period.
 * By referral route, and by the activity types of the listings they attended; with an area
 * chosen, of the people who live there. A figure is given only where at least 10 people
 * contribute to it.
 */
import type { Queryable } from '../db/db.ts'
import { REFERRAL_ROUTES } from '../referrals/vocabulary.ts'
import { label } from '../web/labels.ts'
import { mean, share } from './disclosure.ts'
import type { Filters } from './filters.ts'
import type { Cell, ReportTable } from './schemas.ts'
import { activityTypes, byShown, protectRows, wardsInScope } from './tables.ts'

/** A UCLA-3 total of 6 or more counts as lonely (3 to 5 as not lonely). */
export const LONELY_FROM = 6

interface Person {
  route: string
  baseline: number
  latest: number
  activities: string[]
}

export async function outcomes(db: Queryable, f: Filters): Promise<ReportTable[]> {
  const { rows: people } = await db.query<Person>(
    `WITH latest AS (
       SELECT DISTINCT ON (s.episode_id) s.episode_id, s.total, s.recorded_on
         FROM loneliness_score s WHERE s.kind = 'follow_up'
        ORDER BY s.episode_id, s.recorded_on DESC, s.created_at DESC
     )
     SELECT e.referral_route AS route, b.total AS baseline, l.total AS latest,
            coalesce(array_agg(DISTINCT t.code) FILTER (WHERE t.code IS NOT NULL), '{}') AS activities
       FROM latest l
       JOIN episode e ON e.id = l.episode_id
       JOIN loneliness_score b ON b.episode_id = e.id AND b.kind = 'baseline'
       LEFT JOIN referral r ON r.episode_id = e.id AND EXISTS (SELECT 1 FROM referral_event ev WHERE ev.referral_id = r.id AND ev.status = 'attended')
       LEFT JOIN service_taxonomy_term st ON st.service_id = r.service_id
       LEFT JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
      WHERE l.recorded_on BETWEEN $1::date AND $2::date
        AND ($3::text[] IS NULL OR e.ward_code = ANY ($3))
      GROUP BY e.id, e.referral_route, b.total, l.total`,
    [f.from, f.to, await wardsInScope(db, f.area)],
  )
  const counted = f.activity ? people.filter((p) => p.activities.includes(f.activity!.code)) : people
  const types = await activityTypes(db, f)

  const groups = (key: (p: Person) => string[], keys: { key: string; label: string }[]) =>
    keys.map((k) => ({ ...k, people: counted.filter((p) => key(p).includes(k.key)) }))
  const table = (name: string, title: string, row_heading: string, rows: { key: string; label: string; people: Person[] }[], totals: boolean, notes: string[]): ReportTable => {
    const counts = rows.map((r) => {
      const lonely = r.people.filter((p) => p.baseline >= LONELY_FROM)
      return { key: r.key, label: r.label, counts: [r.people.length, lonely.length], people: r.people, lonely }
    })
    const { shown, totals: shownTotals } = protectRows(counts, totals)
    // The parts of these percentages are not published, so a hidden count stays hidden beside them.
    const figures = (group: Person[], lonely: Person[]): Cell[] => [
      mean(group.map((p) => p.latest - p.baseline)),
      share(group.filter((p) => p.latest < p.baseline).length, group.length),
      share(lonely.filter((p) => p.latest < LONELY_FROM).length, lonely.length),
    ]
    const allLonely = counted.filter((p) => p.baseline >= LONELY_FROM)
    return {
      name,
      title,
      area_level: null,
      row_heading,
      columns: [
        { key: 'people', label: 'People', kind: 'people' },
        { key: 'lonely_at_start', label: 'Lonely at the start', kind: 'people' },
        { key: 'mean_change', label: 'Mean change in UCLA-3 (negative is less lonely)', kind: 'mean' },
        { key: 'improved_pct', label: 'Less lonely (%)', kind: 'share' },
        { key: 'no_longer_lonely_pct', label: 'Lonely at the start, not lonely now (%)', kind: 'share' },
      ],
      rows: byShown(
        counts.map((r, i) => ({ key: r.key, label: r.label, cells: [...shown[i]!, ...figures(r.people, r.lonely)] })),
        0,
      ),
      totals: shownTotals && [...shownTotals, ...figures(counted, allLonely)],
      notes,
    }
  }
  const about = [
    'People whose latest UCLA-3 follow-up was in the period, compared with their baseline. UCLA-3 runs from 3 to 9; 6 or more counts as lonely.',
    'A mean or percentage is given only where at least 10 people contribute to it.',
    ...(f.area ? [`Only people living in ${f.area.name}.`] : []),
  ]
  return [
    table('by_route', 'Change in loneliness by referral route', 'Referral route', groups((p) => [p.route], REFERRAL_ROUTES.map((r) => ({ key: r, label: label(r, 'referral_route') }))), true, about),
    table(
      'by_activity',
      'Change in loneliness by the activity types people attended',
      'Activity type',
      groups((p) => p.activities, types.map((t) => ({ key: t.code, label: t.name }))),
      false,
      [...about, 'A person who attended more than one kind of activity counts under each.'],
    ),
  ]
}
