/**
 * When listings run, against when a person can go: pure functions over schedules, in UK local
 * time (schedules are written in it; `now` is an instant).
 */
import { WEEKDAY_NAMES, WEEKDAYS, type Weekday } from '../directory/vocabulary.ts'
import type { Availability } from './schemas.ts'
import type { CandidateSchedule } from './candidate.ts'


const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/** Today's date (YYYY-MM-DD) and the time (HH:MM) in the UK at this instant. */
export function ukNow(now: Date): { date: string; time: string } {
  const p = Object.fromEntries(londonParts.formatToParts(now).map((x) => [x.type, x.value]))
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` }
}

function parseDate(date: string): Date {
  return new Date(`${date}T00:00:00Z`)
}

export function addDays(date: string, days: number): string {
  const d = parseDate(date)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

export function weekdayOf(date: string): Weekday {
  return WEEKDAYS[(parseDate(date).getUTCDay() + 6) % 7]!
}

/** The days a schedule's sessions fall on (a one-off's own day); none for by-arrangement. */
function scheduleDays(s: CandidateSchedule): Weekday[] {
  if (s.kind === 'one_off') return s.on_date ? [weekdayOf(s.on_date)] : []
  return s.byday
}

/** Still running on or after this date: not past its end, and a one-off not yet over. */
export function isCurrent(s: CandidateSchedule, today: string): boolean {
  if (s.valid_to !== null && s.valid_to < today) return false
  return s.kind !== 'one_off' || (s.on_date !== null && s.on_date >= today)
}

/** A session of this schedule fits inside one of the windows (by arrangement fits any). */
export function fitsAvailability(s: CandidateSchedule, windows: Availability[] | undefined): boolean {
  if (s.kind === 'by_arrangement' || windows === undefined) return true
  return scheduleDays(s).some((day) => windows.some((w) => sessionFits(s, day, w)))
}

/** A session of s on this weekday lies inside the window. */
function sessionFits(s: CandidateSchedule, day: Weekday, w: Availability): boolean {
  return (
    w.days.includes(day) &&
    (w.from === undefined || (s.opens_at !== null && s.opens_at >= w.from)) &&
    (w.to === undefined || (s.closes_at !== null && s.closes_at <= w.to))
  )
}

/** Does this schedule have a session on that date? (By arrangement has none fixed.) */
export function runsOn(s: CandidateSchedule, date: string): boolean {
  if (s.valid_from !== null && date < s.valid_from) return false
  if (s.valid_to !== null && date > s.valid_to) return false
  switch (s.kind) {
    case 'by_arrangement':
      return false
    case 'one_off':
      return s.on_date === date
    case 'weekly':
      return s.byday.includes(weekdayOf(date))
    case 'monthly': {
      if (!s.byday.includes(weekdayOf(date)) || s.week_of_month === null) return false
      const day = Number(date.slice(8, 10))
      if (s.week_of_month === -1) return addDays(date, 7).slice(5, 7) !== date.slice(5, 7)
      return Math.ceil(day / 7) === s.week_of_month
    }
  }
}

export interface Session {
  date: string
  day: string
  opens_at: string | null
  closes_at: string | null
  location_id: string | null
}

/**
 * The next few sessions that fit the windows, soonest first, looking up to `horizonDays` ahead.
 * A session today counts only if it has not started yet.
 */
export function nextSessions(
  schedules: CandidateSchedule[],
  windows: Availability[] | undefined,
  now: Date,
  count = 3,
  horizonDays = 70,
): Session[] {
  const { date: today, time } = ukNow(now)
  const fitting = schedules.filter((s) => s.kind !== 'by_arrangement' && fitsAvailability(s, windows))
  const sessions: Session[] = []
  for (let i = 0; i <= horizonDays && sessions.length < count; i++) {
    const date = addDays(today, i)
    const day = weekdayOf(date)
    const on = fitting
      .filter((s) => runsOn(s, date) && (i > 0 || (s.opens_at ?? '00:00') > time))
      .filter((s) => windows === undefined || windows.some((w) => sessionFits(s, day, w)))
      .sort((a, b) => (a.opens_at ?? '').localeCompare(b.opens_at ?? ''))
    for (const s of on) {
      sessions.push({ date, day: WEEKDAY_NAMES[day], opens_at: s.opens_at, closes_at: s.closes_at, location_id: s.location_id })
    }
  }
  return sessions.slice(0, count)
}

/** "Tuesdays", "Mondays and Fridays", "weekdays", "every day". */
function weeklyDays(days: Weekday[]): string {
  const sorted = WEEKDAYS.filter((d) => days.includes(d))
  if (sorted.length === 7) return 'every day'
  if (sorted.join() === 'MO,TU,WE,TH,FR') return 'weekdays'
  const names = sorted.map((d) => `${WEEKDAY_NAMES[d]}s`)
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

/** "Tuesdays 10:00–12:00", "2nd Wednesday of the month 14:00–16:00", "by arrangement". */
export function describeSchedule(s: CandidateSchedule): string {
  const hours = s.opens_at && s.closes_at ? ` ${s.opens_at}–${s.closes_at}` : ''
  switch (s.kind) {
    case 'by_arrangement':
      return 'at times arranged with you'
    case 'one_off':
      return `on ${s.on_date}${hours}`
    case 'weekly':
      return `${weeklyDays(s.byday)}${hours}`
    case 'monthly': {
      const nth = s.week_of_month === -1 ? 'last' : ['1st', '2nd', '3rd', '4th'][(s.week_of_month ?? 1) - 1]
      return `${nth} ${WEEKDAY_NAMES[s.byday[0]!]} of the month${hours}`
    }
  }
}
