import { z } from 'zod'
import { ScheduleSchema, ServiceSummarySchema } from '../directory/schemas.ts'
import {
  ACCESSIBILITY_FEATURES,
  AUDIENCES,
  DELIVERY_MODES,
  GROUP_SIZES,
  WEEKDAYS,
} from '../directory/vocabulary.ts'
import { PlaceSchema } from '../geo/routes.ts'

/** A list parameter given as `a,b` or repeated (`x=a&x=b`). */
const splitList = (v: unknown) =>
  v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean)
const listOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(splitList, z.array(z.enum(values)).min(1).optional())

const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true')
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be HH:MM' })

export const SORTS = ['relevance', 'distance', 'name'] as const

export const SearchQuerySchema = z
  .object({
    q: z.string().trim().max(200).optional().describe('words in web search syntax: "exact phrase", OR, -exclude'),
    postcode: z.string().max(16).optional().describe('a UK postcode or postcode district to search from'),
    lat: z.coerce.number().min(-90).max(90).optional(),
    lon: z.coerce.number().min(-180).max(180).optional(),
    radius_km: z.coerce.number().positive().max(50).default(5).describe('how far from the postcode (default 5, at most 50)'),
    taxonomy_term: z
      .preprocess(splitList, z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).min(1).optional())
      .describe('activity type codes; a parent term includes its children'),
    day: listOf(WEEKDAYS).describe('runs on any of these days (MO..SU)'),
    time_from: clock.optional().describe('sessions starting at or after this time'),
    time_to: clock.optional().describe('sessions ending at or before this time'),
    free: booleanFlag.optional().describe('true: only services that cost nothing'),
    delivery_mode: listOf(DELIVERY_MODES),
    accessibility: listOf(ACCESSIBILITY_FEATURES).describe('the venue has every one of these'),
    age: z.coerce.number().int().min(0).max(120).optional().describe("the person's age is within the service's range"),
    audience: listOf(AUDIENCES).describe('designed for any of these groups'),
    group_size: listOf(GROUP_SIZES),
    self_referral: booleanFlag.optional(),
    taking_referrals: booleanFlag.optional().describe('true: only services open to referrals now'),
    sort: z.enum(SORTS).optional().describe('default: relevance with words, distance with a place, else name'),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    per_page: z.coerce.number().int().min(1).max(100).default(20),
  })
  .refine((q) => (q.lat === undefined) === (q.lon === undefined), { error: 'lat and lon go together', path: ['lon'] })
  .refine((q) => !(q.postcode && q.lat !== undefined), { error: 'give a postcode or lat/lon, not both', path: ['postcode'] })
  .refine((q) => !(q.time_from && q.time_to) || q.time_from < q.time_to, { error: 'time_from must be before time_to', path: ['time_to'] })

export type SearchQuery = z.infer<typeof SearchQuerySchema>

export const SearchResultSchema = ServiceSummarySchema.extend({
  distance_m: z.number().int().nullable().describe('to the nearest matching venue; null when reached through a service area or with no place'),
  reach: z.enum(['venue', 'service_area', 'anywhere']).describe('venue within the radius; a home, phone or online service covering the place; or no place given'),
  location: z
    .object({ id: z.uuid(), name: z.string(), postcode: z.string().nullable(), latitude: z.number(), longitude: z.number() })
    .nullable()
    .describe('the nearest matching venue'),
  stale: z.boolean().describe('not confirmed as running for 180 days or more; ranked below fresh listings'),
  score: z.number().describe('text relevance (0 without words)'),
  typical_attendance: z.number().int().nullable(),
  free: z.boolean(),
  schedules: z.array(ScheduleSchema.omit({ id: true, location_id: true, valid_from: true, valid_to: true })),
})

const FacetSchema = z.array(z.object({ value: z.string(), count: z.number().int() }))

export const SearchResponseSchema = z.object({
  total: z.number().int().describe('how many listings match; a lower bound when total_exact is false'),
  total_exact: z
    .boolean()
    .describe(
      'false when a search near a place read only the nearest part of a dense area: then at least `total` listings match (never fewer than 1,000), and relevance or name order ranks the nearest candidates; a page sorted by distance is always the true nearest',
    ),
  facets_exact: z.boolean().describe('false when the facet counts are over the nearest candidates only (as total_exact)'),
  page: z.number().int(),
  per_page: z.number().int(),
  sort: z.enum(SORTS),
  engine: z.enum(['postgres', 'meilisearch']),
  degraded: z.boolean().describe('true when the preferred engine was unreachable and PostgreSQL answered instead'),
  place: PlaceSchema.nullable(),
  radius_km: z.number().nullable(),
  corrected_q: z.string().nullable().describe('the words as searched after typo correction, when any changed'),
  facets: z.object({
    taxonomy_term: FacetSchema,
    delivery_mode: FacetSchema,
    group_size: FacetSchema,
    day: FacetSchema,
    accessibility: FacetSchema,
    free: FacetSchema,
  }),
  results: z.array(SearchResultSchema),
})

export type SearchResult = z.infer<typeof SearchResultSchema>
export type SearchResponse = z.infer<typeof SearchResponseSchema>
