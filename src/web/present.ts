/** How listings' times and freshness read on the pages (search, listing, match, my organisation). */
import type { CandidateSchedule } from '../matching/candidate.ts'
import { describeSchedule, nextSessions, type Session } from '../matching/sessions.ts'
import { STALE_AFTER_DAYS } from '../search/postgres.ts'

type ScheduleLike = Omit<CandidateSchedule, 'location_id' | 'valid_from' | 'valid_to'> &
  Partial<Pick<CandidateSchedule, 'location_id' | 'valid_from' | 'valid_to'>>

const asCandidate = (s: ScheduleLike): CandidateSchedule => ({ location_id: null, valid_from: null, valid_to: null, ...s })

/** "Tuesdays 10:00–12:00" for each schedule, first letter capitalised. */
export function whenText(schedules: ScheduleLike[]): string[] {
  return schedules.map((s) => {
    const text = describeSchedule(asCandidate(s))
    return text.charAt(0).toUpperCase() + text.slice(1)
  })
}

/** "Tuesday 24 November, 10:00 to 12:00". */
export function sessionText(s: Pick<Session, 'date' | 'opens_at' | 'closes_at'>): string {
  const date = new Date(`${s.date}T12:00:00Z`).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' })
  return s.opens_at && s.closes_at ? `${date}, ${s.opens_at} to ${s.closes_at}` : date
}

/** The next few dates it runs, in words. */
export function nextDates(schedules: ScheduleLike[], now: Date, count = 3): string[] {
  return nextSessions(schedules.map(asCandidate), undefined, now, count).map(sessionText)
}

/** The freshness tag: confirmed recently, not confirmed for STALE_AFTER_DAYS, or never. */
export function freshnessTag(verifiedAt: string | null, now: Date): { text: string; colour: string; stale: boolean } {
  if (!verifiedAt) return { text: 'Never confirmed', colour: 'grey', stale: true }
  const days = Math.floor((now.getTime() - new Date(verifiedAt).getTime()) / 86_400_000)
  const when = new Date(verifiedAt).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })
  return days >= STALE_AFTER_DAYS
    ? { text: `Not confirmed since ${when}`, colour: 'orange', stale: true }
    : { text: `Confirmed ${when}`, colour: 'green', stale: false }
}
