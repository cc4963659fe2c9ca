// Property tests over random profiles and random directories: no ranked result ever breaks a
// hard constraint of its profile, and a gap is reported exactly when fewer than 3 listings meet
// every hard constraint for an interest or need. The oracle below restates the constraints
// independently of src/matching/rules.ts, as plainly as possible.
import fc from 'fast-check'
import t from 'tap'
import type { Candidate, CandidateSchedule, MatchContext } from '../../src/matching/candidate.ts'
import { GAP_THRESHOLD, matchProfile } from '../../src/matching/match.ts'
import { MatchProfileSchema, type MatchProfile } from '../../src/matching/schemas.ts'
import {
  ACCESSIBILITY_FEATURES,
  AUDIENCES,
  DELIVERY_MODES,
  NEWCOMER_SUPPORT,
  PHYSICAL_INTENSITIES,
  REFERRAL_CAPACITIES,
  WEEKDAYS,
} from '../../src/directory/vocabulary.ts'
import { NOW } from './fixtures.ts'

const TERMS = ['arts-and-crafts', 'social-groups', 'befriending', 'housing', 'food', 'practical-support']
const TODAY = '2026-11-03'
const hhmm = fc.integer({ min: 7, max: 21 }).map((h) => `${String(h).padStart(2, '0')}:00`)

const scheduleArb = (venueIds: string[]) =>
  fc
    .record({
      kind: fc.constantFrom('weekly', 'monthly', 'one_off', 'by_arrangement'),
      day: fc.constantFrom(...WEEKDAYS),
      days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
      start: hhmm,
      length: fc.integer({ min: 1, max: 3 }),
      at: fc.constantFrom(null, ...venueIds),
      onDate: fc.constantFrom('2026-10-20', '2026-11-05', '2026-11-20', '2027-01-09'),
      ended: fc.boolean().map((b) => (b ? '2026-10-31' : null)),
    })
    .map((r): CandidateSchedule => {
      const closes = `${String(Number(r.start.slice(0, 2)) + r.length).padStart(2, '0')}:00`
      const base = { location_id: r.at, week_of_month: null, on_date: null, valid_from: null, valid_to: r.ended }
      if (r.kind === 'by_arrangement') return { ...base, kind: r.kind, byday: [], opens_at: null, closes_at: null }
      if (r.kind === 'one_off') return { ...base, kind: r.kind, byday: [], on_date: r.onDate, opens_at: r.start, closes_at: closes }
      if (r.kind === 'monthly') return { ...base, kind: r.kind, byday: [r.day], week_of_month: 2, opens_at: r.start, closes_at: closes }
      return { ...base, kind: 'weekly', byday: r.days, opens_at: r.start, closes_at: closes }
    })

const candidateArb = (index: number) =>
  fc
    .record({
      delivery_modes: fc.subarray([...DELIVERY_MODES], { minLength: 1 }),
      group_size: fc.constantFrom('one_to_one', 'small', 'large'),
      ages: fc.constantFrom([null, null], [60, null], [16, 25], [18, null]),
      gender_restriction: fc.constantFrom('none', 'none', 'men_only', 'women_only'),
      audiences: fc.subarray([...AUDIENCES], { maxLength: 2 }),
      newcomer_support: fc.subarray([...NEWCOMER_SUPPORT]),
      physical_intensity: fc.constantFrom(...PHYSICAL_INTENSITIES),
      referral_capacity: fc.constantFrom(...REFERRAL_CAPACITIES),
      verified_at: fc.constantFrom(null, '2026-10-01T00:00:00Z', '2025-12-01T00:00:00Z'),
      terms: fc.subarray(TERMS, { minLength: 1, maxLength: 3 }),
      price: fc.constantFrom(0, 0, 1, 2.5, 6),
      area_covers: fc.boolean(),
      languages: fc.subarray(['en', 'pl', 'ta'], { minLength: 1 }),
      interpreter_available: fc.boolean(),
      venues: fc.array(
        fc.record({ distance_m: fc.integer({ min: 0, max: 12_000 }), features: fc.subarray([...ACCESSIBILITY_FEATURES]) }),
        { maxLength: 2 },
      ),
      text_hits: fc.subarray([0, 1]),
    })
    .chain((r) => {
      const venues = r.venues.map((v, j) => ({
        id: `v${index}-${j}`,
        name: `Venue ${index}-${j}`,
        postcode: null,
        latitude: 51.4,
        longitude: -0.1,
        ...v,
      }))
      return fc.array(scheduleArb(venues.map((v) => v.id)), { maxLength: 3 }).map(
        (schedules): Candidate => ({
          id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
          name: `Listing ${index}`,
          description: '',
          organization: { id: '20000000-0000-4000-8000-000000000001', name: 'Org' },
          delivery_modes: r.delivery_modes,
          group_size: r.group_size,
          typical_attendance: null,
          minimum_age: r.ages[0],
          maximum_age: r.ages[1],
          gender_restriction: r.gender_restriction,
          audiences: r.audiences,
          languages: r.languages,
          interpreter_available: r.interpreter_available,
          newcomer_support: r.newcomer_support,
          physical_intensity: r.physical_intensity,
          referral_capacity: r.referral_capacity,
          verified_at: r.verified_at,
          terms: r.terms,
          price: r.price,
          area_covers: r.area_covers,
          areas: r.area_covers ? [] : [{ kind: 'local_authority', name: 'Sutton' }],
          venues,
          schedules,
          text_hits: r.text_hits,
        }),
      )
    })

const directoryArb = fc.integer({ min: 0, max: 25 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => candidateArb(i + 1))))

const profileArb = fc
  .record({
    housebound: fc.boolean(),
    walk_km: fc.option(fc.double({ min: 0.5, max: 5, noNaN: true }), { nil: undefined }),
    wheelchair_km: fc.option(fc.double({ min: 0.5, max: 5, noNaN: true }), { nil: undefined }),
    public_transport_minutes: fc.option(fc.integer({ min: 10, max: 60 }), { nil: undefined }),
    terms: fc.subarray(['arts-and-crafts', 'social-groups', 'befriending']),
    text: fc.subarray(['darts', 'choir']),
    practical_needs: fc.subarray(['housing', 'food'] as const),
    access: fc.subarray(['step_free', 'seating', 'hearing_loop'] as const),
    max_physical_intensity: fc.option(fc.constantFrom(...PHYSICAL_INTENSITIES), { nil: undefined }),
    text_only_contact: fc.boolean(),
    language_need: fc.option(fc.constantFrom('en', 'pl', 'ta', 'so'), { nil: undefined }),
    availability: fc.option(
      fc.array(fc.record({ days: fc.subarray([...WEEKDAYS], { minLength: 1 }), from: hhmm, to: fc.constantFrom('17:00', '22:00') }), {
        minLength: 1,
        maxLength: 2,
      }),
      { nil: undefined },
    ),
    age: fc.option(fc.integer({ min: 16, max: 90 }), { nil: undefined }),
    gender: fc.option(fc.constantFrom('man', 'woman', 'other'), { nil: undefined }),
    audiences: fc.subarray(['new_parents', 'carers', 'men', 'mental_health'] as const),
    group_size: fc.constantFrom('one_to_one', 'small', 'any'),
    free_only: fc.boolean(),
    max_cost: fc.option(fc.constantFrom(1, 3, 10), { nil: undefined }),
    limit: fc.integer({ min: 1, max: 12 }),
    textTerms: fc.tuple(fc.subarray(TERMS, { maxLength: 2 }), fc.subarray(TERMS, { maxLength: 2 })),
  })
  .filter((r) => r.housebound || r.walk_km !== undefined || r.wheelchair_km !== undefined || r.public_transport_minutes !== undefined)
  .filter((r) => !r.availability || r.availability.every((w) => w.from < w.to))
  .map((r) => {
    const travel = r.housebound
      ? { housebound: true }
      : { walk_km: r.walk_km, wheelchair_km: r.wheelchair_km, public_transport_minutes: r.public_transport_minutes }
    const profile = MatchProfileSchema.parse({
      postcode: 'CR0 1AA',
      travel,
      interests: { terms: r.terms, text: r.text },
      practical_needs: r.practical_needs,
      access: r.access,
      max_physical_intensity: r.max_physical_intensity,
      text_only_contact: r.text_only_contact,
      language_need: r.language_need,
      availability: r.availability,
      age: r.age,
      gender: r.gender,
      preferences: { group_size: r.group_size, audiences: r.audiences, free_only: r.free_only, max_cost: r.max_cost },
      limit: r.limit,
    })
    const ctx: MatchContext = { now: NOW, textTerms: r.textTerms, termNames: {}, areaLabel: 'CR0 1AA', searchedKm: 10 }
    return { profile, ctx }
  })

// ---- The oracle ----

const REMOTE = ['home_visit', 'telephone', 'online_video', 'online_text']
const dayOf = (date: string) => WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!

function sessionOk(p: MatchProfile, s: CandidateSchedule): boolean {
  if (s.valid_to !== null && s.valid_to < TODAY) return false
  if (s.kind === 'one_off' && s.on_date! < TODAY) return false
  if (s.kind === 'by_arrangement' || !p.availability) return true
  const days = s.kind === 'one_off' ? [dayOf(s.on_date!)] : s.byday
  return p.availability.some(
    (w) => days.some((d) => w.days.includes(d)) && (!w.from || s.opens_at! >= w.from) && (!w.to || s.closes_at! <= w.to),
  )
}

function timeOk(p: MatchProfile, schedules: CandidateSchedule[]): boolean {
  return schedules.length === 0 || schedules.some((s) => sessionOk(p, s))
}

function reachMetres(p: MatchProfile): number {
  const t = p.travel
  if (t.housebound) return 0
  const bus = t.public_transport_minutes === undefined ? 0 : (t.public_transport_minutes - 10) / 3
  return 1000 * Math.max(t.walk_km ?? 0, t.wheelchair_km ?? 0, bus)
}

/** Everything about the listing itself that rules the person out, whatever the way of taking part. */
function listingOk(p: MatchProfile, c: Candidate): boolean {
  if (p.age !== undefined && ((c.minimum_age !== null && p.age < c.minimum_age) || (c.maximum_age !== null && p.age > c.maximum_age))) return false
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
function wayOk(p: MatchProfile, c: Candidate, delivery: string, venueId: string | null): boolean {
  const serviceWide = c.schedules.filter((s) => s.location_id === null)
  if (delivery === 'venue') {
    const v = c.venues.find((x) => x.id === venueId)
    if (!v || !c.delivery_modes.includes('venue') || p.travel.housebound) return false
    if (v.distance_m > reachMetres(p)) return false
    const needed = [...p.access, ...(p.travel.wheelchair_km !== undefined ? ['step_free' as const] : [])]
    if (!needed.every((f) => v.features.includes(f))) return false
    return timeOk(p, [...serviceWide, ...c.schedules.filter((s) => s.location_id === v.id)])
  }
  if (!REMOTE.includes(delivery) || !c.delivery_modes.includes(delivery as never) || !c.area_covers) return false
  if (p.text_only_contact && (delivery === 'telephone' || delivery === 'online_video')) return false
  return timeOk(p, serviceWide)
}

function feasible(p: MatchProfile, c: Candidate): boolean {
  if (!listingOk(p, c)) return false
  return c.venues.some((v) => wayOk(p, c, 'venue', v.id)) || REMOTE.some((m) => wayOk(p, c, m, null))
}

function serves(p: MatchProfile, ctx: MatchContext, c: Candidate): { label: string; ok: boolean }[] {
  const needs = [
    ...p.practical_needs.map((n) => ({ label: n, ok: c.terms.includes(n === 'debt_and_benefits' ? 'debt-and-benefits' : n) })),
    ...p.interests.terms.map((code) => ({ label: code, ok: c.terms.includes(code) })),
    ...p.interests.text.map((text, i) => ({ label: text, ok: c.text_hits.includes(i) || ctx.textTerms[i]!.some((x) => c.terms.includes(x)) })),
  ]
  return needs.length > 0 ? needs : [{ label: 'anything', ok: true }]
}

t.test('no ranked result ever breaks a hard constraint of its profile', async (t) => {
  fc.assert(
    fc.property(profileArb, directoryArb, ({ profile, ctx }, directory) => {
      const { results } = matchProfile(profile, directory, ctx)
      const byId = new Map(directory.map((c) => [c.id, c]))
      // Each section (practical help, interests) holds at most `limit`.
      if (results.filter((r) => r.section === 'practical').length > profile.limit) return false
      if (results.filter((r) => r.section === 'interest').length > profile.limit) return false
      if (new Set(results.map((r) => r.service.id)).size !== results.length) return false
      for (const r of results) {
        const c = byId.get(r.service.id)!
        if (!listingOk(profile, c) || !wayOk(profile, c, r.delivery, r.location?.id ?? null)) return false
        if (!serves(profile, ctx, c).some((n) => n.ok)) return false
      }
      // Every section is as full as the feasible listings allow: practical help never crowds out interests.
      const feasibleIn = (practical: boolean) =>
        directory.filter((c) => {
          const fits = serves(profile, ctx, c)
          const isPractical = fits.slice(0, profile.practical_needs.length).some((n) => n.ok)
          return feasible(profile, c) && fits.some((n) => n.ok) && isPractical === practical
        }).length
      if (results.filter((r) => r.section === 'practical').length !== Math.min(profile.limit, feasibleIn(true))) return false
      if (results.filter((r) => r.section === 'interest').length !== Math.min(profile.limit, feasibleIn(false))) return false
      // Practical help first; within a section, best score first.
      for (let i = 1; i < results.length; i++) {
        const [a, b] = [results[i - 1]!, results[i]!]
        if (a.section === 'interest' && b.section === 'practical') return false
        if (a.section === b.section && a.score < b.score) return false
      }
      return true
    }),
    { numRuns: 400, seed: 20261121 },
  )
  t.pass('400 random profiles × random directories')
})

t.test('a gap is reported exactly when fewer than 3 listings meet every hard constraint for a need', async (t) => {
  fc.assert(
    fc.property(profileArb, directoryArb, ({ profile, ctx }, directory) => {
      const { gaps } = matchProfile(profile, directory, ctx)
      const needs = serves(profile, ctx, directory[0] ?? ({ terms: [], text_hits: [] } as unknown as Candidate)).map((n) => n.label)
      const counts = needs.map((_, i) => directory.filter((c) => serves(profile, ctx, c)[i]!.ok && feasible(profile, c)).length)
      const expected = needs.flatMap((label, i) => (counts[i]! < GAP_THRESHOLD ? [{ label, found: counts[i] }] : []))
      const actual = gaps.map((g) => ({ label: g.need, found: g.found }))
      // Labels differ in wording for terms and practical needs; compare counts in order.
      return JSON.stringify(actual.map((g) => g.found)) === JSON.stringify(expected.map((g) => g.found)) && gaps.length === expected.length
    }),
    { numRuns: 400, seed: 20261121 },
  )
  t.pass('400 random profiles × random directories')
})
