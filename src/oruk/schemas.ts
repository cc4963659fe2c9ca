/**
 * The Open Referral UK 3.0 read API's shapes (HSDS 3.0 with the UK profile applied). Each
 * object lists only the properties we publish: the UK profile removes some HSDS properties
 * (contact phones and email, language name and code, address_2, location transportation...),
 * and a property we have no data for is left out rather than sent empty. Absent values are
 * omitted, never null: the ORUK JSON Schemas type them as plain strings and numbers.
 */
import { z } from 'zod'
import { SERVICE_STATUSES } from '../directory/vocabulary.ts'
import { IdSchema } from '../id.ts'

const uuid = IdSchema
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('YYYY-MM-DD')
const clockTime = z.string().regex(/^\d{2}:\d{2}$/).describe('HH:MM, UK local time')

export const PER_PAGE_DEFAULT = 50
/** ORUK sets no cap; 500 lets `minimal=true` return the whole demo directory in one call. */
export const PER_PAGE_MAX = 500

// ---- Taxonomies ----------------------------------------------------------------------------

export const OrukTaxonomyTermSchema = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  parent_id: uuid.optional().describe('absent for a top-level term'),
  taxonomy: z.string().describe('the name of the taxonomy the term belongs to'),
  taxonomy_id: uuid,
  term_uri: z.string().optional(),
  term: z.string().describe('the term itself (the UK profile repeats the name here)'),
})

export const OrukTaxonomySchema = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  uri: z.string().optional(),
  version: z.string().optional(),
})

export const OrukTaxonomyWithTermsSchema = OrukTaxonomySchema.extend({
  taxonomy_terms: z.array(OrukTaxonomyTermSchema),
})

/** One taxonomy term applied to a service. */
export const OrukAttributeSchema = z.object({
  id: uuid,
  link_id: uuid.describe('the service this term describes'),
  taxonomy_term_id: uuid,
  taxonomy_term: OrukTaxonomyTermSchema,
})

// ---- Organisations -------------------------------------------------------------------------

export const OrukOrganizationIdentifierSchema = z.object({
  id: uuid,
  organization_id: uuid,
  identifier_type: z.string(),
  identifier: z.string(),
})

/** The organisation's one-to-one fields, as in list pages. */
export const OrukOrganizationSchema = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  email: z.string().optional(),
  website: z.string().optional(),
  logo: z.string().optional(),
})

export const OrukOrganizationFullSchema = OrukOrganizationSchema.extend({
  organization_identifiers: z.array(OrukOrganizationIdentifierSchema).describe('the registered charity or company number'),
})

// ---- Locations -----------------------------------------------------------------------------

export const OrukAddressSchema = z.object({
  id: uuid,
  location_id: uuid,
  attention: z.string().optional(),
  address_1: z.string().describe('the UK profile has no address_2: a second line is appended here after a comma'),
  city: z.string(),
  region: z.string().optional(),
  state_province: z.string(),
  postal_code: z.string(),
  country: z.string(),
  address_type: z.enum(['physical', 'postal', 'virtual']),
})

export const OrukAccessibilitySchema = z.object({
  id: uuid,
  location_id: uuid,
  description: z.string().describe('the feature, e.g. "Step-free access"'),
  accessibility: z.string().describe('the same label, in the property the UK profile adds'),
  details: z.string().optional(),
  url: z.string().optional(),
})

/** The location's one-to-one fields, as in list pages. */
export const OrukLocationSchema = z.object({
  id: uuid,
  location_type: z.enum(['physical', 'postal', 'virtual']),
  name: z.string(),
  description: z.string(),
  latitude: z.number().optional(),
  longitude: z.number().optional(),
})

export const OrukLocationFullSchema = OrukLocationSchema.extend({
  addresses: z.array(OrukAddressSchema),
  accessibility: z.array(OrukAccessibilitySchema),
})

// ---- Services ------------------------------------------------------------------------------

export const OrukScheduleSchema = z.object({
  id: uuid,
  service_id: uuid.optional().describe('set on a schedule for the service wherever it is delivered'),
  service_at_location_id: uuid.optional().describe('set on a schedule for one location of the service'),
  valid_from: isoDate.optional(),
  valid_to: isoDate.optional(),
  dtstart: isoDate.optional().describe('a one-off session: its date'),
  freq: z.enum(['WEEKLY', 'MONTHLY']).optional().describe('absent for one-off and by-arrangement sessions'),
  interval: z.number().int().optional(),
  byday: z.string().optional().describe('"MO,WE" weekly; "2TU" (second Tuesday) or "-1FR" (last Friday) monthly'),
  description: z.string().optional(),
  opens_at: clockTime.optional(),
  closes_at: clockTime.optional(),
  notes: z.string().optional(),
})

export const OrukServiceAreaSchema = z.object({
  id: uuid,
  service_id: uuid,
  name: z.string(),
  service_area: z.string().optional(),
  extent: z.string().describe('GeoJSON'),
  extent_type: z.string(),
  uri: z.string().optional(),
})

/** The UK profile keeps only the ids of a language: which language it is cannot be said. */
export const OrukLanguageSchema = z.object({
  id: uuid.describe('derived from the service id and the ISO 639 code, so it is stable'),
  service_id: uuid,
})

export const OrukFundingSchema = z.object({ id: uuid, service_id: uuid, source: z.string() })

export const OrukCostOptionSchema = z.object({
  id: uuid,
  service_id: uuid,
  option: z.string(),
  amount: z.number(),
  amount_description: z.string().optional().describe('with any concessions appended'),
  valid_from: isoDate.optional(),
  valid_to: isoDate.optional(),
})

/** The UK profile removes a contact's phones and email. */
export const OrukContactSchema = z.object({
  id: uuid,
  service_id: uuid,
  name: z.string().optional(),
  title: z.string().optional(),
})

export const OrukServiceAtLocationSchema = z.object({
  id: uuid,
  service_id: uuid,
  location_id: uuid,
  location: OrukLocationFullSchema,
})

/** The service's one-to-one fields. */
export const OrukServiceSchema = z.object({
  id: uuid,
  organization_id: uuid,
  name: z.string(),
  description: z.string(),
  url: z.string().optional(),
  email: z.string().optional(),
  status: z.enum(SERVICE_STATUSES),
  fees: z.string().optional(),
  minimum_age: z.number().int().optional(),
  maximum_age: z.number().int().optional(),
  assured_date: isoDate.optional().describe('when the organisation last confirmed the listing'),
  alert: z.string().optional(),
  last_modified: z.iso.datetime(),
})

/** `minimal=true`: the fewest fields the ORUK service schema allows, and when it last changed. */
export const OrukServiceMinimalSchema = OrukServiceSchema.pick({ id: true, name: true, status: true, last_modified: true })

/** A service in a list page: its one-to-one fields and its organisation's. */
export const OrukServiceListItemSchema = OrukServiceSchema.extend({
  organization: OrukOrganizationSchema,
})

/** A fully nested service, as `/services/{id}` returns it. */
export const OrukServiceFullSchema = OrukServiceSchema.extend({
  organization: OrukOrganizationFullSchema,
  schedules: z.array(OrukScheduleSchema).describe('the service-wide schedules and those of each of its locations'),
  service_areas: z.array(OrukServiceAreaSchema),
  service_at_locations: z.array(OrukServiceAtLocationSchema),
  languages: z.array(OrukLanguageSchema),
  funding: z.array(OrukFundingSchema).describe('always empty: we do not record funding'),
  cost_options: z.array(OrukCostOptionSchema),
  contacts: z.array(OrukContactSchema),
  attributes: z.array(OrukAttributeSchema).describe('one per activity type of the service'),
})

// ---- Service at location, organisation with services ---------------------------------------

export const OrukServiceAtLocationListItemSchema = z.object({
  id: uuid,
  service_id: uuid,
  location_id: uuid,
  location: OrukLocationSchema,
  service: OrukServiceListItemSchema,
})

export const OrukServiceAtLocationFullSchema = z.object({
  id: uuid,
  service_id: uuid,
  location_id: uuid,
  location: OrukLocationFullSchema,
  service: OrukServiceFullSchema.omit({ service_at_locations: true }),
})

export const OrukOrganizationWithServicesSchema = OrukOrganizationFullSchema.extend({
  services: z.array(z.union([OrukServiceFullSchema.omit({ organization: true }), OrukServiceSchema])),
})

export const OrukApiDetailsSchema = z.object({
  version: z.literal('HSDS-UK-3.0'),
  profile: z.string(),
  openapi_url: z.string().describe('this service’s OpenAPI document'),
})

// ---- Pages ---------------------------------------------------------------------------------

/** ORUK's paginated envelope around a list of `item`. */
export function orukPageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    total_items: z.number().int(),
    total_pages: z.number().int(),
    page_number: z.number().int(),
    size: z.number().int().describe('how many items this page holds'),
    first_page: z.boolean(),
    last_page: z.boolean(),
    empty: z.boolean(),
    contents: z.array(item),
  })
}

// Unions are tried in order and a match strips unknown keys, so the fuller shape comes first.
export const OrukServiceListEntrySchema = z.union([OrukServiceFullSchema, OrukServiceListItemSchema, OrukServiceMinimalSchema])
export const OrukServiceAtLocationListEntrySchema = z.union([OrukServiceAtLocationFullSchema, OrukServiceAtLocationListItemSchema])
export const OrukOrganizationListEntrySchema = z.union([OrukOrganizationWithServicesSchema, OrukOrganizationSchema])

export const OrukServicePageSchema = orukPageSchema(OrukServiceListEntrySchema)
export const OrukServiceAtLocationPageSchema = orukPageSchema(OrukServiceAtLocationListEntrySchema)
export const OrukOrganizationPageSchema = orukPageSchema(OrukOrganizationListEntrySchema)
export const OrukTaxonomyPageSchema = orukPageSchema(OrukTaxonomySchema)
export const OrukTaxonomyTermPageSchema = orukPageSchema(OrukTaxonomyTermSchema)

// ---- Requests ------------------------------------------------------------------------------

/** `true`/`false` (also 1/0, yes/no, on/off) in a query string. */
const flag = z.stringbool()

export const OrukIdParamsSchema = z.object({ id: uuid })

export const OrukPageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1).describe('page number, from 1'),
  per_page: z.coerce
    .number()
    .int()
    .min(1)
    .max(PER_PAGE_MAX)
    .default(PER_PAGE_DEFAULT)
    .describe(`items per page, at most ${PER_PAGE_MAX}`),
  format: z
    .enum(['json', 'ndjson'])
    .default('json')
    .describe('ndjson: every matching item, one JSON object per line, no envelope and no pagination'),
})

/** Full-text search and place, answered by the search engine (src/search). */
const OrukSearchQuerySchema = z.object({
  search: z.string().trim().max(200).optional().describe('full-text search, as /api/search q (typo-tolerant, with synonyms)'),
  postcode: z
    .string()
    .max(16)
    .optional()
    .describe('a UK postcode: venues within proximity of it (5 km when proximity is omitted), and services whose service area covers it'),
  proximity: z.coerce.number().positive().max(50_000).optional().describe('metres from the postcode, at most 50000; needs postcode'),
})

export const OrukServiceQuerySchema = OrukPageQuerySchema.extend({
  ...OrukSearchQuerySchema.shape,
  taxonomy_term_id: uuid.optional().describe('services with this activity type'),
  taxonomy_id: uuid.optional().describe('services with any term of this taxonomy'),
  organization_id: uuid.optional(),
  modified_after: z.iso.datetime({ offset: true }).optional().describe('services changed at or after this date-time'),
  minimal: flag.optional().describe('only id, name, status and last_modified'),
  full: flag.optional().describe('each service fully nested, as /services/{id} returns it'),
})

export const OrukServiceAtLocationQuerySchema = OrukPageQuerySchema.extend({
  ...OrukSearchQuerySchema.shape,
  taxonomy_term_id: uuid.optional(),
  taxonomy_id: uuid.optional(),
  organization_id: uuid.optional(),
  modified_after: z.iso.datetime({ offset: true }).optional().describe('when the service or the location changed at or after'),
  full: flag.optional().describe('the location and the service fully nested'),
})

export const OrukTaxonomyTermQuerySchema = OrukPageQuerySchema.extend({
  taxonomy_id: uuid.optional(),
  parent_id: uuid.optional().describe('the children of this term'),
  top_only: flag.optional().describe('only top-level terms (those with no parent)'),
})

export const OrukOrganizationQuerySchema = OrukPageQuerySchema.extend({
  full: flag.optional().describe('each organisation as /organizations/{id} returns it'),
  full_service: flag.optional().describe('with full: its services fully nested'),
})

export const OrukOrganizationQueryByIdSchema = z.object({
  full_service: flag.optional().describe('its services fully nested rather than their one-to-one fields'),
})

export type OrukTaxonomyTerm = z.infer<typeof OrukTaxonomyTermSchema>
export type OrukTaxonomy = z.infer<typeof OrukTaxonomySchema>
export type OrukAttribute = z.infer<typeof OrukAttributeSchema>
export type OrukOrganization = z.infer<typeof OrukOrganizationSchema>
export type OrukOrganizationFull = z.infer<typeof OrukOrganizationFullSchema>
export type OrukOrganizationWithServices = z.infer<typeof OrukOrganizationWithServicesSchema>
export type OrukAddress = z.infer<typeof OrukAddressSchema>
export type OrukAccessibility = z.infer<typeof OrukAccessibilitySchema>
export type OrukLocation = z.infer<typeof OrukLocationSchema>
export type OrukLocationFull = z.infer<typeof OrukLocationFullSchema>
export type OrukSchedule = z.infer<typeof OrukScheduleSchema>
export type OrukServiceArea = z.infer<typeof OrukServiceAreaSchema>
export type OrukCostOption = z.infer<typeof OrukCostOptionSchema>
export type OrukContact = z.infer<typeof OrukContactSchema>
export type OrukServiceMinimal = z.infer<typeof OrukServiceMinimalSchema>
export type OrukService = z.infer<typeof OrukServiceSchema>
export type OrukServiceListItem = z.infer<typeof OrukServiceListItemSchema>
export type OrukServiceFull = z.infer<typeof OrukServiceFullSchema>
export type OrukServiceAtLocationListItem = z.infer<typeof OrukServiceAtLocationListItemSchema>
export type OrukServiceAtLocationFull = z.infer<typeof OrukServiceAtLocationFullSchema>
export type OrukServiceQuery = z.infer<typeof OrukServiceQuerySchema>
export type OrukServiceAtLocationQuery = z.infer<typeof OrukServiceAtLocationQuerySchema>
export type OrukTaxonomyTermQuery = z.infer<typeof OrukTaxonomyTermQuerySchema>
export type OrukPageQuery = z.infer<typeof OrukPageQuerySchema>
