/**
 * Rows of the demo data set, one interface per table, with exactly the SQL column names of
 * `sql/001_directory.sql` minus generated columns (`geom`) and `created_at`/`updated_at`.
 * Dates are 'YYYY-MM-DD', timestamps full ISO strings, times 'HH:MM'; absent values are null.
 */
import type {
  Audience,
  DeliveryMode,
  GenderRestriction,
  GroupSize,
  NewcomerSupport,
  PhysicalIntensity,
  ReferralCapacity,
  ScheduleKind,
  ServiceStatus,
  Weekday,
} from '../directory/vocabulary.ts'
import type { AccessibilityRow, AddressRow, CostOptionRow, OrganizationRow } from '../directory/rows.ts'

export type { AccessibilityRow, AddressRow, CostOptionRow, OrganizationRow }

/** The 20 taxonomy term codes of `sql/002_taxonomy.sql`. */
export type TermCode =
  | 'peer-support'
  | 'social-groups'
  | 'arts-and-crafts'
  | 'music-and-singing'
  | 'exercise-and-sport'
  | 'walking'
  | 'gardening-and-nature'
  | 'befriending'
  | 'bereavement'
  | 'parent-and-baby'
  | 'mens-groups'
  | 'learning-and-skills'
  | 'volunteering'
  | 'faith-and-culture'
  | 'digital-skills'
  | 'practical-support'
  | 'housing'
  | 'debt-and-benefits'
  | 'employment'
  | 'food'

export interface LocationRow {
  id: string
  location_type: 'physical' | 'postal' | 'virtual'
  name: string
  description: string
  latitude: number | null
  longitude: number | null
  transport_notes: string | null
}

export interface ServiceRow {
  id: string
  organization_id: string
  name: string
  description: string
  url: string | null
  email: string | null
  status: ServiceStatus
  fees: string | null
  alert: string | null
  delivery_modes: DeliveryMode[]
  group_size: GroupSize
  typical_attendance: number | null
  minimum_age: number | null
  maximum_age: number | null
  gender_restriction: GenderRestriction
  audiences: Audience[]
  languages: string[]
  newcomer_support: NewcomerSupport[]
  physical_intensity: PhysicalIntensity
  self_referral: boolean
  referral_capacity: ReferralCapacity
  verified_at: string | null
}

export interface ServiceAtLocationRow {
  id: string
  service_id: string
  location_id: string
  description: string | null
}

export interface ServiceAreaRow {
  id: string
  service_id: string
  name: string
  service_area: string | null
  /** A GeoJSON MultiPolygon, serialised. */
  extent: string
  extent_type: 'geojson'
  uri: string | null
}

export interface ScheduleRow {
  id: string
  service_id: string | null
  service_at_location_id: string | null
  kind: ScheduleKind
  byday: Weekday[]
  week_of_month: 1 | 2 | 3 | 4 | -1 | null
  on_date: string | null
  opens_at: string | null
  closes_at: string | null
  valid_from: string | null
  valid_to: string | null
  description: string | null
  notes: string | null
}

export interface ContactRow {
  id: string
  service_id: string
  name: string | null
  title: string | null
  email: string | null
}

export interface PhoneRow {
  id: string
  contact_id: string
  number: string
  description: string | null
}

/** Not the table's shape: the loader maps the code to `taxonomy_term_id` by a join. */
export interface ServiceTaxonomyTermRow {
  id: string
  service_id: string
  taxonomy_term_code: TermCode
}

/** The whole demo data set, keyed by table, in insertion order. */
export interface DemoData {
  organization: OrganizationRow[]
  location: LocationRow[]
  address: AddressRow[]
  accessibility: AccessibilityRow[]
  service: ServiceRow[]
  service_at_location: ServiceAtLocationRow[]
  service_area: ServiceAreaRow[]
  schedule: ScheduleRow[]
  cost_option: CostOptionRow[]
  contact: ContactRow[]
  phone: PhoneRow[]
  service_taxonomy_term: ServiceTaxonomyTermRow[]
}

/** Table names in the order they must be inserted. */
export const DEMO_TABLES = [
  'organization',
  'location',
  'address',
  'accessibility',
  'service',
  'service_at_location',
  'service_area',
  'schedule',
  'cost_option',
  'contact',
  'phone',
  'service_taxonomy_term',
] as const satisfies readonly (keyof DemoData)[]
