/**
 * What an organisation's editor may write: the editable documents for an organisation and for
 * one of its services. Strict objects: ids, the organisation a record belongs to, verification,
 * versions and moderation are never taken from a body, and a body naming them is refused.
 */
import { z } from 'zod'
import {
  ACCESSIBILITY_FEATURES,
  AUDIENCES,
  DELIVERY_MODES,
  GENDER_RESTRICTIONS,
  GROUP_SIZES,
  NEWCOMER_SUPPORT,
  PHYSICAL_INTENSITIES,
  REFERRAL_CAPACITIES,
  SCHEDULE_KINDS,
  SERVICE_STATUSES,
  WEEKDAYS,
} from '../directory/vocabulary.ts'
import { polygonal } from '../geo/geojson.ts'
import { IdSchema } from '../id.ts'

const text = (max: number) => z.string().trim().min(1).max(max)
const optionalText = (max: number) => z.string().trim().max(max).nullable().default(null)
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be HH:MM' })
const isoDate = z.iso.date({ error: 'must be a real date, YYYY-MM-DD' })
/** An ONS (GSS) area code: E09000008 is Croydon, E05011464 Bensham Manor ward. */
const gssCode = (what: string) => z.string().trim().toUpperCase().regex(/^[EWSN]\d{8}$/, { error: `must be the ONS code of a ${what}, like ${what === 'ward' ? 'E05011464' : 'E09000008'}` })

export const OrganizationDocumentSchema = z.strictObject({
  name: text(200),
  description: z.string().trim().max(5000).default(''),
  email: z.email().nullable().default(null),
  website: z.url({ protocol: /^https?$/ }).nullable().default(null),
  charity_number: optionalText(40),
  local_authority: gssCode('local authority')
    .nullable()
    .default(null)
    .describe('ONS code of the local authority it mainly works in (E09000008 is Croydon): where its home, telephone and online services are available unless they say otherwise'),
})
export type OrganizationDocument = z.infer<typeof OrganizationDocumentSchema>

export const LocationDocumentSchema = z.strictObject({
  id: IdSchema.optional().describe('a venue this service already uses; leave out for a new venue'),
  name: text(200),
  description: z.string().trim().max(2000).default(''),
  latitude: z.number().min(49).max(61),
  longitude: z.number().min(-9).max(2),
  transport_notes: optionalText(1000),
  address: z.strictObject({
    address_1: text(200),
    address_2: optionalText(200),
    city: text(100),
    postal_code: z.string().trim().toUpperCase().regex(/^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$/, { error: 'must be a UK postcode' }),
  }),
  accessibility: z.array(z.strictObject({ feature: z.enum(ACCESSIBILITY_FEATURES), details: optionalText(500) })).default([]),
})

export const ScheduleDocumentSchema = z
  .strictObject({
    location_index: z.number().int().min(0).nullable().default(null).describe('which of the locations it is held at; null for the whole service'),
    kind: z.enum(SCHEDULE_KINDS),
    byday: z.array(z.enum(WEEKDAYS)).default([]),
    week_of_month: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(-1)]).nullable().default(null),
    on_date: isoDate.nullable().default(null),
    opens_at: clock.nullable().default(null),
    closes_at: clock.nullable().default(null),
    valid_from: isoDate.nullable().default(null),
    valid_to: isoDate.nullable().default(null),
    description: optionalText(500),
  })
  .refine(
    (s) =>
      s.kind === 'weekly' ? s.byday.length > 0 && s.week_of_month === null && s.on_date === null && !!s.opens_at && !!s.closes_at
      : s.kind === 'monthly' ? s.byday.length === 1 && s.week_of_month !== null && s.on_date === null && !!s.opens_at && !!s.closes_at
      : s.kind === 'one_off' ? s.byday.length === 0 && s.week_of_month === null && s.on_date !== null && !!s.opens_at && !!s.closes_at
      : s.byday.length === 0 && s.week_of_month === null && s.on_date === null,
    { error: 'weekly needs days and times; monthly one day, the week of the month and times; one_off a date and times; by_arrangement none of these' },
  )
  .refine((s) => !(s.opens_at && s.closes_at) || s.opens_at < s.closes_at, { error: 'opens_at must be before closes_at', path: ['closes_at'] })

/**
 * Where a home-visiting, telephone or online service is available. Saved without one, such a
 * service is given its organisation's local authority (else that of its venues), and the
 * document read back says so.
 */
export const ServiceAreaDocumentSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('england').describe('anywhere in England (national telephone and online services)') }),
  z.strictObject({ kind: z.literal('local_authority').describe('the whole of a local authority'), code: gssCode('local authority') }),
  z.strictObject({ kind: z.literal('ward').describe('the whole of a ward'), code: gssCode('ward') }),
  z.strictObject({
    kind: z.literal('radius').describe('within some kilometres of one of its venues'),
    km: z.number().min(0.5).max(100).multipleOf(0.1),
    location_index: z.number().int().min(0).describe('which of the locations'),
  }),
  z.strictObject({
    kind: z.literal('geometry').describe('an area of its own (GeoJSON Polygon or MultiPolygon, longitude then latitude)'),
    name: text(200).describe('what people call it, as in "only for people living in …"'),
    geojson: polygonal(5000),
  }),
])
export type ServiceAreaDocument = z.infer<typeof ServiceAreaDocumentSchema>

export const ServiceDocumentSchema = z
  .strictObject({
    name: text(200),
    description: z.string().trim().max(5000).default(''),
    url: z.url({ protocol: /^https?$/ }).nullable().default(null),
    email: z.email().nullable().default(null),
    status: z.enum(SERVICE_STATUSES).default('active'),
    fees: optionalText(500),
    alert: optionalText(500),
    delivery_modes: z.array(z.enum(DELIVERY_MODES)).min(1),
    group_size: z.enum(GROUP_SIZES),
    typical_attendance: z.number().int().min(1).max(10_000).nullable().default(null),
    minimum_age: z.number().int().min(0).max(120).nullable().default(null),
    maximum_age: z.number().int().min(0).max(120).nullable().default(null),
    gender_restriction: z.enum(GENDER_RESTRICTIONS).default('none'),
    audiences: z.array(z.enum(AUDIENCES)).default([]),
    languages: z.array(z.string().regex(/^[a-z]{2,3}$/)).min(1).default(['en']).describe('ISO 639 codes of the languages sessions are held in'),
    interpreter_available: z.boolean().default(false).describe('it can arrange an interpreter for someone who speaks another language'),
    newcomer_support: z.array(z.enum(NEWCOMER_SUPPORT)).default([]),
    physical_intensity: z.enum(PHYSICAL_INTENSITIES).default('none'),
    self_referral: z.boolean().default(true),
    referral_capacity: z.enum(REFERRAL_CAPACITIES).default('open'),
    taxonomy_terms: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).min(1).max(5).describe('activity type codes'),
    locations: z.array(LocationDocumentSchema).max(20).default([]),
    schedules: z.array(ScheduleDocumentSchema).max(50).default([]),
    service_areas: z
      .array(ServiceAreaDocumentSchema)
      .max(50)
      .default([])
      .describe('where its home visits, telephone or online sessions are available; empty: its organisation’s local authority'),
    cost_options: z
      .array(z.strictObject({ option: text(200), amount: z.number().min(0).max(10_000), amount_description: optionalText(200), concessions: optionalText(500) }))
      .max(20)
      .default([]),
    contacts: z
      .array(
        z.strictObject({
          name: optionalText(200),
          title: optionalText(200),
          email: z.email().nullable().default(null),
          phones: z.array(z.strictObject({ number: text(40), description: optionalText(200) })).max(5).default([]),
        }),
      )
      .max(10)
      .default([]),
  })
  .refine((s) => s.minimum_age === null || s.maximum_age === null || s.minimum_age <= s.maximum_age, { error: 'minimum_age is above maximum_age', path: ['maximum_age'] })
  .refine((s) => !s.delivery_modes.includes('venue') || s.locations.length > 0, { error: 'a service at a venue needs a location', path: ['locations'] })
  .refine((s) => s.schedules.every((x) => x.location_index === null || x.location_index < s.locations.length), { error: 'location_index must point at one of the locations', path: ['schedules'] })
  .superRefine((s, ctx) => {
    // One row links a listing to a venue: the same venue twice cannot be stored (it would leave
    // a copy of a shared venue behind, linked to nothing).
    const first = new Map<string, number>()
    s.locations.forEach((l, i) => {
      if (l.id === undefined) return
      const earlier = first.get(l.id)
      if (earlier === undefined) first.set(l.id, i)
      else ctx.addIssue({ code: 'custom', message: `the same venue as /locations/${earlier}: list each venue once`, path: ['locations', i, 'id'] })
    })
    s.service_areas.forEach((a, i) => {
      if (a.kind === 'radius' && a.location_index >= s.locations.length) {
        ctx.addIssue({ code: 'custom', message: 'location_index must point at one of the locations', path: ['service_areas', i, 'location_index'] })
      }
    })
  })
export type ServiceDocument = z.infer<typeof ServiceDocumentSchema>

/** A stored document with its version (the ETag an update must send back in If-Match). */
export const versioned = <T extends z.ZodType>(doc: T) =>
  z.object({ id: z.uuid(), organization_id: z.uuid(), version: z.number().int(), verified_at: z.iso.datetime().nullable(), document: doc })

export const VersionEntrySchema = z.object({
  version: z.number().int(),
  action: z.enum(['create', 'update', 'confirm', 'referral_status', 'restore', 'hide', 'withdraw', 'hand_over']),
  changed_at: z.iso.datetime(),
  changed_by: z.string().nullable().describe('the email of who made the change'),
  source: z.string().nullable().describe('the feed whose import made the change, if one did'),
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })).describe('each field that changed: from → to'),
})
