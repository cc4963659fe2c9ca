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
  SERVICE_AREA_KINDS,
  SERVICE_STATUSES,
  WEEKDAYS,
} from './vocabulary.ts'
import { IdSchema } from '../id.ts'

const uuid = IdSchema
const timestamp = z.iso.datetime().describe('ISO 8601 date-time, UTC')
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('YYYY-MM-DD')
const clockTime = z.string().regex(/^\d{2}:\d{2}(:\d{2})?$/).describe('HH:MM[:SS], UK local time')

export const TaxonomyTermSchema = z.object({
  id: uuid,
  code: z.string().describe('stable key, e.g. arts-and-crafts'),
  name: z.string(),
  description: z.string(),
  parent_id: uuid.nullable(),
  synonyms: z.array(z.string()).describe('everyday words search treats as this term'),
})

const OrganizationRefSchema = z.object({ id: uuid, name: z.string() })

export const ServiceSummarySchema = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  organization: OrganizationRefSchema,
  status: z.enum(SERVICE_STATUSES),
  delivery_modes: z.array(z.enum(DELIVERY_MODES)),
  group_size: z.enum(GROUP_SIZES),
  taxonomy_terms: z.array(z.string()).describe('term codes'),
  verified_at: timestamp.nullable(),
  updated_at: timestamp,
})

export const ScheduleSchema = z.object({
  id: uuid,
  location_id: uuid.nullable().describe('set when the schedule is for one location of the service'),
  kind: z.enum(SCHEDULE_KINDS),
  byday: z.array(z.enum(WEEKDAYS)),
  week_of_month: z.number().int().nullable().describe('monthly: 1-4, or -1 for the last'),
  on_date: isoDate.nullable(),
  opens_at: clockTime.nullable(),
  closes_at: clockTime.nullable(),
  valid_from: isoDate.nullable(),
  valid_to: isoDate.nullable(),
  description: z.string().nullable(),
})

export const LocationSchema = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  transport_notes: z.string().nullable(),
  address: z
    .object({ address_1: z.string(), address_2: z.string().nullable(), city: z.string(), postal_code: z.string() })
    .nullable(),
  accessibility: z.array(z.object({ feature: z.enum(ACCESSIBILITY_FEATURES), details: z.string().nullable() })),
})

export const ServiceDetailSchema = ServiceSummarySchema.extend({
  url: z.string().nullable(),
  email: z.string().nullable(),
  fees: z.string().nullable(),
  alert: z.string().nullable(),
  typical_attendance: z.number().int().nullable(),
  minimum_age: z.number().int().nullable(),
  maximum_age: z.number().int().nullable(),
  gender_restriction: z.enum(GENDER_RESTRICTIONS),
  audiences: z.array(z.enum(AUDIENCES)),
  languages: z.array(z.string()),
  interpreter_available: z.boolean().describe('it can arrange an interpreter'),
  newcomer_support: z.array(z.enum(NEWCOMER_SUPPORT)),
  physical_intensity: z.enum(PHYSICAL_INTENSITIES),
  self_referral: z.boolean(),
  referral_capacity: z.enum(REFERRAL_CAPACITIES),
  created_at: timestamp,
  locations: z.array(LocationSchema),
  schedules: z.array(ScheduleSchema),
  cost_options: z.array(
    z.object({
      id: uuid,
      option: z.string(),
      amount: z.number(),
      amount_description: z.string().nullable(),
      concessions: z.string().nullable(),
    }),
  ),
  contacts: z.array(
    z.object({
      id: uuid,
      name: z.string().nullable(),
      title: z.string().nullable(),
      email: z.string().nullable(),
      phones: z.array(z.object({ number: z.string(), description: z.string().nullable() })),
    }),
  ),
  service_areas: z
    .array(
      z.object({
        id: uuid,
        kind: z.enum(SERVICE_AREA_KINDS),
        name: z.string(),
        service_area: z.string().nullable().describe('in words: "Available to anyone living in Croydon, by phone", "Anywhere in England online"'),
      }),
    )
    .describe('where its home visits, telephone or online sessions are available'),
})

export const OrganizationSchema = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  email: z.string().nullable(),
  website: z.string().nullable(),
  charity_number: z.string().nullable(),
  services: z.array(ServiceSummarySchema),
})

export const ServiceListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(20),
  organization_id: uuid.optional(),
  taxonomy_term: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'must be a taxonomy term code' }).optional(),
})

export const ServiceListSchema = z.object({
  total: z.number().int(),
  page: z.number().int(),
  per_page: z.number().int(),
  items: z.array(ServiceSummarySchema),
})

export const IdParamsSchema = z.object({ id: uuid })

export type ServiceSummary = z.infer<typeof ServiceSummarySchema>
export type ServiceDetail = z.infer<typeof ServiceDetailSchema>
export type Organization = z.infer<typeof OrganizationSchema>
export type TaxonomyTerm = z.infer<typeof TaxonomyTermSchema>
export type ServiceListQuery = z.infer<typeof ServiceListQuerySchema>
