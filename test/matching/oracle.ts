// The hard constraints restated independently of src/matching/rules.ts, as plainly as possible:
// the oracle both property tests check the matcher against (the pure one over made-up
// candidates, and the one over documents written through the editing API).
import type { Candidate, CandidateSchedule, MatchContext } from '../../src/matching/candidate.ts'
import type { MatchProfile } from '../../src/matching/schemas.ts'
import { WEEKDAYS } from '../../src/directory/vocabulary.ts'

/** The fixtures' today (NOW in fixtures.ts), in the UK. */
const TODAY = '2026-11-03'

const REMOTE = ['home_visit', 'telephone', 'online_video', 'online_text']
const dayOf = (date: string) => WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!

function sessionOk(p: MatchProfile, s: CandidateSchedule, today: string): boolean {
  if (s.valid_to !== null && s.valid_to < today) return false
  if (s.kind === 'one_off' && s.on_date! < today) return false
  if (s.kind === 'by_arrangement' || !p.availability) return true
  const days = s.kind === 'one_off' ? [dayOf(s.on_date!)] : s.byday
  return p.availability.some(
    (w) => days.some((d) => w.days.includes(d)) && (!w.from || s.opens_at! >= w.from) && (!w.to || s.closes_at! <= w.to),
  )
}

function timeOk(p: MatchProfile, schedules: CandidateSchedule[], today: string): boolean {
  return schedules.length === 0 || schedules.some((s) => sessionOk(p, s, today))
}

export function reachMetres(p: MatchProfile): number {
  const t = p.travel
  if (t.housebound) return 0
  const bus = t.public_transport_minutes === undefined ? 0 : (t.public_transport_minutes - 10) / 3
  return 1000 * Math.max(t.walk_km ?? 0, t.wheelchair_km ?? 0, bus)
}

/** Everything about the listing itself that rules the person out, whatever the way of taking part. */
export function listingOk(p: MatchProfile, c: Candidate): boolean {
  if (p.age !== undefined && ((c.minimum_age !== null && p.age < c.minimum_age) || (c.maximum_age !== null && p.age > c.maximum_age))) return false
  if (p.own_age_group) {
    // A group for young adults tops out at 30 or under; one for older people starts at 50 or over.
    const young = p.age! <= 30
    if (young ? c.maximum_age === null || c.maximum_age > 30 : c.minimum_age === null || c.minimum_age < 50) return false
  }
  if (c.gender_restriction === 'men_only' && p.gender !== undefined && p.gender !== 'man') return false
  if (c.gender_restriction === 'women_only' && p.gender !== undefined && p.gender !== 'woman') return false
  for (const only of ['new_parents', 'carers', 'dementia'] as const) {
    if (c.audiences.includes(only) && !c.audiences.some((a) => ['new_parents', 'carers', 'dementia'].includes(a) && p.preferences.audiences.includes(a))) return false
  }
  if (c.referral_capacity === 'full') return false
  if (c.price > 0 && (p.preferences.free_only || (p.preferences.max_cost !== undefined && c.price > p.preferences.max_cost))) return false
  const order = ['none', 'light', 'moderate', 'vigorous']
  if (p.max_physical_intensity && order.indexOf(c.physical_intensity) > order.indexOf(p.max_physical_intensity)) return false
  if (p.language_need !== undefined && !c.languages.includes(p.language_need) && !c.interpreter_available) return false
  return true
}

/** Can the person take part this way (a venue id, or a remote mode)? */
export function wayOk(p: MatchProfile, c: Candidate, delivery: string, venueId: string | null, today = TODAY): boolean {
  const serviceWide = c.schedules.filter((s) => s.location_id === null)
  if (delivery === 'venue') {
    const v = c.venues.find((x) => x.id === venueId)
    if (!v || !c.delivery_modes.includes('venue') || p.travel.housebound) return false
    if (v.distance_m > reachMetres(p)) return false
    const needed = [...p.access, ...(p.travel.wheelchair_km !== undefined ? ['step_free' as const] : [])]
    if (!needed.every((f) => v.features.includes(f))) return false
    return timeOk(p, [...serviceWide, ...c.schedules.filter((s) => s.location_id === v.id)], today)
  }
  if (!REMOTE.includes(delivery) || !c.delivery_modes.includes(delivery as never) || !c.area_covers) return false
  if (p.text_only_contact && (delivery === 'telephone' || delivery === 'online_video')) return false
  return timeOk(p, serviceWide, today)
}

/** The person can take part in the listing some way, meeting every hard need. */
export function feasible(p: MatchProfile, c: Candidate, today = TODAY): boolean {
  if (!listingOk(p, c)) return false
  return c.venues.some((v) => wayOk(p, c, 'venue', v.id, today)) || REMOTE.some((m) => wayOk(p, c, m, null, today))
}

/** Which of the person's needs the listing serves, in the matcher's order of needs. */
export function serves(p: MatchProfile, ctx: MatchContext, c: Candidate): { label: string; ok: boolean }[] {
  const needs = [
    ...p.practical_needs.map((n) => ({ label: n, ok: c.terms.includes(n === 'debt_and_benefits' ? 'debt-and-benefits' : n) })),
    ...p.interests.terms.map((code) => ({ label: code, ok: c.terms.includes(code) })),
    ...p.interests.text.map((text, i) => ({ label: text, ok: c.text_hits.includes(i) || ctx.textTerms[i]!.some((x) => c.terms.includes(x)) })),
  ]
  return needs.length > 0 ? needs : [{ label: 'anything', ok: true }]
}
