// Random listing fields and schedules, shared by the property tests over made-up candidates
// (test/matching/properties.test.ts) and over documents sent through the API
// (test/match/documents.property.test.ts).
import fc from 'fast-check'
import { AUDIENCES, DELIVERY_MODES, NEWCOMER_SUPPORT, PHYSICAL_INTENSITIES, REFERRAL_CAPACITIES, WEEKDAYS } from '../../src/directory/vocabulary.ts'
import type { ScheduleKind, Weekday } from '../../src/directory/vocabulary.ts'

/** On the hour, from 07:00 to 20:00. */
export const hhmm = fc.integer({ min: 7, max: 20 }).map((h) => `${String(h).padStart(2, '0')}:00`)

/** Who a listing is for, how it reaches them, and what it costs: fields candidates and documents share. */
export const listingFieldsArb = fc
  .record({
    delivery_modes: fc.subarray([...DELIVERY_MODES], { minLength: 1 }),
    group_size: fc.constantFrom('one_to_one', 'small', 'large'),
    ages: fc.constantFrom([null, null], [60, null], [16, 25], [18, 64]),
    gender_restriction: fc.constantFrom('none', 'none', 'men_only', 'women_only'),
    audiences: fc.subarray([...AUDIENCES], { maxLength: 2 }),
    languages: fc.subarray(['en', 'pl', 'ta'], { minLength: 1 }),
    interpreter_available: fc.boolean(),
    newcomer_support: fc.subarray([...NEWCOMER_SUPPORT]),
    physical_intensity: fc.constantFrom(...PHYSICAL_INTENSITIES),
    referral_capacity: fc.constantFrom(...REFERRAL_CAPACITIES, 'open'),
    price: fc.constantFrom(0, 0, 1, 2.5, 6),
  })
  .map(({ ages, ...r }) => ({ ...r, minimum_age: ages[0] ?? null, maximum_age: ages[1] ?? null }))

export interface RandomSchedule<Place> {
  /** Where it is held: one of the places given, or null for the whole service. */
  at: Place | null
  kind: ScheduleKind
  byday: Weekday[]
  week_of_month: 2 | null
  on_date: string | null
  opens_at: string | null
  closes_at: string | null
  valid_to: string | null
}

/** A schedule of any kind, some already ended, held at one of `places` or service-wide. */
export const scheduleArb = <Place>(places: Place[]) =>
  fc
    .record({
      kind: fc.constantFrom<ScheduleKind>('weekly', 'monthly', 'one_off', 'by_arrangement'),
      days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
      start: hhmm,
      length: fc.integer({ min: 1, max: 3 }),
      at: fc.constantFrom<Place | null>(null, ...places),
      on_date: fc.constantFrom('2026-10-20', '2026-11-05', '2026-11-20', '2027-01-09'),
      ended: fc.boolean(),
    })
    .map((r): RandomSchedule<Place> => {
      const closes = `${String(Number(r.start.slice(0, 2)) + r.length).padStart(2, '0')}:00`
      const base = { at: r.at, week_of_month: null, on_date: null, valid_to: r.ended ? '2026-10-31' : null }
      if (r.kind === 'by_arrangement') return { ...base, kind: r.kind, byday: [], opens_at: null, closes_at: null }
      if (r.kind === 'one_off') return { ...base, kind: r.kind, byday: [], on_date: r.on_date, opens_at: r.start, closes_at: closes }
      if (r.kind === 'monthly') return { ...base, kind: r.kind, byday: [r.days[0]!], week_of_month: 2, opens_at: r.start, closes_at: closes }
      return { ...base, kind: 'weekly', byday: r.days, opens_at: r.start, closes_at: closes }
    })

/** Undefined or drawn: `presence` is how much likelier drawn than undefined (3: three times in four; 0.5: one time in three). */
const optional = <T>(arb: fc.Arbitrary<T>, presence: number) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: arb, weight: Math.max(1, Math.round(presence * 2)) })

/**
 * How a person gets about and what they need and can manage, as a match request gives them.
 * `presence` weighs each optional constraint against its absence: a pure test can afford
 * demanding people; one over a small directory wants people who match something.
 */
export const personArb = (presence: number, audiences: readonly ('new_parents' | 'carers' | 'men' | 'mental_health')[]) =>
  fc
    .record({
      housebound: fc.boolean(),
      walk_km: fc.option(fc.double({ min: 0.5, max: 4, noNaN: true }), { nil: undefined }),
      wheelchair_km: fc.option(fc.double({ min: 0.5, max: 3, noNaN: true }), { nil: undefined }),
      public_transport_minutes: fc.option(fc.integer({ min: 15, max: 45 }), { nil: undefined }),
      access: fc.oneof(fc.constant([]), fc.subarray(['step_free', 'seating', 'hearing_loop'] as const)),
      max_physical_intensity: optional(fc.constantFrom(...PHYSICAL_INTENSITIES), presence),
      text_only_contact: optional(fc.constant(true), presence),
      language_need: optional(fc.constantFrom('en', 'ta', 'pl', 'so'), presence),
      availability: optional(
        fc.array(fc.record({ days: fc.subarray([...WEEKDAYS], { minLength: 1 }), from: hhmm, to: fc.constantFrom('17:00', '22:00') }), { minLength: 1, maxLength: 2 }),
        presence,
      ),
      age: optional(fc.integer({ min: 16, max: 90 }), presence),
      gender: optional(fc.constantFrom('man', 'woman', 'other'), presence),
      own_age_group: optional(fc.constant(true), presence / 2),
      audiences: fc.oneof(fc.constant([]), fc.subarray([...audiences])),
      free_only: optional(fc.constant(true), presence),
      max_cost: optional(fc.constantFrom(1, 3, 10), presence),
    })
    .filter((r) => r.housebound || r.walk_km !== undefined || r.wheelchair_km !== undefined || r.public_transport_minutes !== undefined)
    .filter((r) => !r.availability || r.availability.every((w) => w.from < w.to))
    .map((r) => ({
      travel: r.housebound ? { housebound: true } : { walk_km: r.walk_km, wheelchair_km: r.wheelchair_km, public_transport_minutes: r.public_transport_minutes },
      access: r.access,
      max_physical_intensity: r.max_physical_intensity,
      text_only_contact: r.text_only_contact ?? false,
      language_need: r.language_need,
      availability: r.availability,
      age: r.age,
      gender: r.gender,
      // Only where the schema takes it: an age of 30 or under, or 50 and over.
      own_age_group: r.own_age_group === true && r.age !== undefined && (r.age <= 30 || r.age >= 50),
      preferences: { audiences: r.audiences, free_only: r.free_only ?? false, max_cost: r.max_cost },
    }))
