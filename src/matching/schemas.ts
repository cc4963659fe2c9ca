/**
 * The match API's request and response: one zod source for validation, the OpenAPI document
 * and the TypeScript types. The profile is deliberately narrow: there is no field for a name,
 * NHS number, date of birth or notes, and unknown fields are refused, so none can slip in.
 */
import { z } from 'zod'
import { PlaceSchema } from '../geo/routes.ts'
import { AUDIENCES, BARRIERS, DELIVERY_MODES, type Barrier, GROUP_SIZES, PHYSICAL_INTENSITIES, WEEKDAYS } from '../directory/vocabulary.ts'

/** Practical needs that come before anything else, and the taxonomy term each is served by. */
export const PRACTICAL_NEEDS = {
  housing: 'housing',
  debt_and_benefits: 'debt-and-benefits',
  employment: 'employment',
  food: 'food',
} as const
export type PracticalNeed = keyof typeof PRACTICAL_NEEDS

/** Venue features a person may need; a wheelchair user needs step_free whether listed or not. */
export const ACCESS_NEEDS = ['step_free', 'seating', 'accessible_toilet', 'hearing_loop', 'bsl', 'changing_place'] as const

export { BARRIERS, type Barrier }

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be HH:MM' })
const language = z.string().regex(/^[a-z]{2,3}$/, { error: 'must be an ISO 639 language code, like ta' })
const termCode = z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'must be a taxonomy term code' })

export const TravelSchema = z
  .strictObject({
    housebound: z.boolean().default(false).describe('cannot leave home: only home visiting, telephone and online options'),
    walk_km: z.number().min(0.1).max(10).optional().describe('how far they can walk, in km'),
    wheelchair_km: z.number().min(0.1).max(20).optional().describe('uses a wheelchair, and how far they go in it (venues must be step-free)'),
    public_transport_minutes: z.number().int().min(5).max(120).optional().describe('how long they will travel by bus or train'),
    taxi_or_lift_km: z.number().min(0.5).max(50).optional().describe('how far a taxi or a lift can take them'),
    car_km: z.number().min(0.5).max(50).optional().describe('how far they will drive'),
  })
  .refine(
    (t) =>
      t.housebound !==
      [t.walk_km, t.wheelchair_km, t.public_transport_minutes, t.taxi_or_lift_km, t.car_km].some((v) => v !== undefined),
    { error: 'give at least one way of getting about, or housebound: true (not both)' },
  )

export const AvailabilitySchema = z
  .strictObject({
    days: z.array(z.enum(WEEKDAYS)).min(1).describe('days they can go (MO..SU)'),
    from: clock.optional().describe('earliest start, HH:MM'),
    to: clock.optional().describe('latest finish, HH:MM'),
  })
  .refine((w) => !(w.from && w.to) || w.from < w.to, { error: 'from must be before to', path: ['to'] })

export const MatchProfileSchema = z
  .strictObject({
    postcode: z.string().max(16).optional().describe('where they live: a UK postcode or postcode district'),
    latitude: z.number().min(-90).max(90).optional(),
    longitude: z.number().min(-180).max(180).optional(),
    travel: TravelSchema,
    interests: z
      .strictObject({
        terms: z.array(termCode).max(10).default([]).describe('activity types (taxonomy term codes)'),
        text: z.array(z.string().trim().min(2).max(60)).max(5).default([]).describe('things they enjoy, in a word or two ("darts", "choir")'),
      })
      .default({ terms: [], text: [] }),
    practical_needs: z.array(z.enum(Object.keys(PRACTICAL_NEEDS) as [PracticalNeed, ...PracticalNeed[]])).default([])
      .describe('practical help that comes first'),
    access: z.array(z.enum(ACCESS_NEEDS)).default([]).describe('venue features they need'),
    max_physical_intensity: z.enum(PHYSICAL_INTENSITIES).optional().describe('the most physically demanding they can manage'),
    text_only_contact: z.boolean().default(false).describe('cannot use the telephone or video calls'),
    language_need: language
      .optional()
      .describe('ISO 639 code of a language they need sessions in, or an interpreter for (a hard constraint). An unmet need is a gap naming the language'),
    availability: z.array(AvailabilitySchema).max(14).optional().describe('when they can go; absent means any time'),
    age: z.number().int().min(0).max(120).optional().describe('for age limits; never stored'),
    gender: z.enum(['man', 'woman', 'other']).optional().describe('for men-only and women-only groups; never stored'),
    own_age_group: z
      .boolean()
      .default(false)
      .describe(
        'only groups meant for people their age (a hard constraint, needs age): for young adults (an upper age limit of 30 or under) when they are 30 or under, for older people (a lower age limit of 50 or over) when they are 50 or over. An unmet need is a gap with the eligibility barrier',
      ),
    preferences: z
      .strictObject({
        group_size: z.enum(['one_to_one', 'small', 'any']).default('any').describe('one-to-one, a small group, or larger groups are fine'),
        audiences: z.array(z.enum(AUDIENCES)).default([])
          .describe('specialist groups they would like or belong to; groups only for new parents, carers or people with dementia are offered only when listed'),
        language: language.optional().describe('ISO 639 code of a language they would like sessions in (a preference; see language_need)'),
        accompanied_first_visit: z.boolean().default(false).describe('wants someone to go with them the first time'),
        free_only: z.boolean().default(false),
        max_cost: z.number().min(0).max(100).optional().describe('most they can pay per session, in pounds'),
      })
      .default({ group_size: 'any', audiences: [], accompanied_first_visit: false, free_only: false }),
    limit: z.number().int().min(1).max(50).default(10).describe('how many results in each section: practical help, and their interests'),
  })
  .refine((p) => (p.latitude === undefined) === (p.longitude === undefined), { error: 'latitude and longitude go together', path: ['longitude'] })
  .refine((p) => (p.postcode !== undefined) !== (p.latitude !== undefined), { error: 'give a postcode or latitude/longitude (one of them)', path: ['postcode'] })
  .refine((p) => !p.own_age_group || (p.age !== undefined && (p.age <= 30 || p.age >= 50)), {
    error: 'own_age_group needs their age, and groups are meant for people aged 30 or under, or 50 and over',
    path: ['own_age_group'],
  })

export type MatchProfile = z.infer<typeof MatchProfileSchema>
export type Travel = z.infer<typeof TravelSchema>
export type Availability = z.infer<typeof AvailabilitySchema>

export const ScorePartsSchema = z.object({
  interest: z.number().describe('fits what they enjoy or need: 1 named directly, 0.7 through a related activity type'),
  group_size: z.number().describe('fits the group size they prefer'),
  audience: z.number().describe('a specialist group they asked for, or for their age'),
  first_visit: z.number().describe('someone can go with them the first time (when they want that)'),
  distance: z.number().describe('nearer is higher; home, phone and online options score by delivery'),
  cost: z.number().describe('free is 1'),
  freshness: z.number().describe('confirmed as running in the last 180 days'),
  capacity: z.number().describe('taking referrals now is 1, a waiting list 0.3'),
})
export type ScoreParts = z.infer<typeof ScorePartsSchema>

export const SessionSchema = z.object({
  date: z.string().describe('YYYY-MM-DD'),
  day: z.string().describe('e.g. Tuesday'),
  opens_at: z.string().nullable(),
  closes_at: z.string().nullable(),
  location_name: z.string().nullable(),
})

export const MatchResultSchema = z.object({
  rank: z.number().int(),
  section: z.enum(['practical', 'interest']).describe('practical help is listed first'),
  service: z.object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    organization: z.object({ id: z.uuid(), name: z.string() }),
    group_size: z.enum(GROUP_SIZES),
    typical_attendance: z.number().int().nullable(),
    verified_at: z.iso.datetime().nullable(),
  }),
  matched: z.array(z.string()).describe('which of their interests or needs it serves'),
  delivery: z.enum(DELIVERY_MODES).describe('how they would take part'),
  location: z
    .object({ id: z.uuid(), name: z.string(), postcode: z.string().nullable(), latitude: z.number(), longitude: z.number() })
    .nullable(),
  distance_m: z.number().int().nullable(),
  next_sessions: z.array(SessionSchema).describe('the next sessions they can manage (none listed for by-arrangement services)'),
  reasons: z.array(z.string()).describe('why it fits, in plain words'),
  does_not_meet: z.array(z.string()).describe('what it does not meet, in plain words'),
  score: z.number(),
  score_parts: ScorePartsSchema,
})
export type MatchResult = z.infer<typeof MatchResultSchema>

export const NearMissSchema = z.object({
  service: z.object({ id: z.uuid(), name: z.string() }),
  distance_m: z.number().int().nullable(),
  fails: z.array(z.object({ barrier: z.enum(BARRIERS), detail: z.string() })),
  summary: z.string().describe('e.g. "Broad Green Crafters is 9.4 km away and has steps at the entrance"'),
})
export type NearMiss = z.infer<typeof NearMissSchema>

export const GapSchema = z.object({
  need: z.string().describe('the interest or need, in words'),
  kind: z.enum(['interest', 'practical', 'any']),
  terms: z.array(z.string()).describe('the activity types it stands for'),
  found: z.number().int().describe('results that meet every hard constraint (fewer than 3)'),
  barriers: z.array(z.enum(BARRIERS)).describe('what excluded the near-misses'),
  language: z.string().nullable().describe('the language they need (ISO 639), when it excluded listings'),
  message: z.string(),
  near_misses: z.array(NearMissSchema),
  recorded: z.boolean().describe('a gap record (need, barriers, postcode district, date; nothing about the person) was stored'),
})
export type Gap = z.infer<typeof GapSchema>

export const MatchResponseSchema = z.object({
  place: PlaceSchema,
  reach_km: z.number().describe('the furthest they can travel, as given'),
  considered: z.number().int().describe('listings looked at'),
  results: z.array(MatchResultSchema).describe('practical help first, then their interests, each section up to `limit` long'),
  gaps: z.array(GapSchema),
})
export type MatchResponse = z.infer<typeof MatchResponseSchema>
