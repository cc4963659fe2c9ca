/**
 * The directory's closed vocabularies. This file is their one source: zod schemas are built
 * from these arrays, and each is mirrored by a CHECK constraint in `sql/`, which
 * `test/directory/vocabulary.test.ts` reads back from the database to prove they agree.
 */

/** How a service reaches people. A service may use several. */
export const DELIVERY_MODES = ['venue', 'home_visit', 'telephone', 'online_video', 'online_text'] as const

/** One-to-one, small (about 12 or fewer), or large. */
export const GROUP_SIZES = ['one_to_one', 'small', 'large'] as const

/** Who may attend, as a hard eligibility rule. */
export const GENDER_RESTRICTIONS = ['none', 'men_only', 'women_only'] as const

/** The specific groups a service is designed for (specialist, not necessarily exclusive). */
export const AUDIENCES = [
  'new_parents',
  'men',
  'women',
  'lgbtq',
  'carers',
  'dementia',
  'mental_health',
  'language_community',
] as const

/** Accessibility features of a location. */
export const ACCESSIBILITY_FEATURES = [
  'step_free',
  'accessible_toilet',
  'seating',
  'hearing_loop',
  'bsl',
  'quiet_space',
  'changing_place',
  'parking',
  'near_bus_stop',
] as const

/** What a service does to help someone come for the first time. */
export const NEWCOMER_SUPPORT = ['accompanied_first_visit', 'volunteer_buddy', 'welcome_call'] as const

export const PHYSICAL_INTENSITIES = ['none', 'light', 'moderate', 'vigorous'] as const

/** Whether a service is taking referrals now. */
export const REFERRAL_CAPACITIES = ['open', 'waiting_list', 'full'] as const

/** Open Referral UK service status values, spelt as the standard spells them. */
export const SERVICE_STATUSES = ['active', 'inactive', 'temporarily closed', 'defunct'] as const

/** Schedules people actually use. */
export const SCHEDULE_KINDS = ['weekly', 'monthly', 'one_off', 'by_arrangement'] as const

/** iCalendar weekday codes, as ORUK's `byday` uses them. */
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const

/**
 * What can stop a person from taking part in a listing (the matcher's hard constraints): the
 * barriers a gap record names.
 */
export const BARRIERS = ['distance', 'access', 'time', 'eligibility', 'capacity', 'cost', 'delivery_mode', 'intensity', 'language'] as const

/**
 * Where a home-visiting, telephone or online service is available: anywhere in England, whole
 * local authorities or wards, within some kilometres of one of its venues, or a geometry of
 * its own (from a feed).
 */
export const SERVICE_AREA_KINDS = ['england', 'local_authority', 'ward', 'radius', 'geometry'] as const

/** The boundaries the service holds: England, local authority districts, wards and LSOAs (lower layer super output areas, for reports). */
export const BOUNDARY_KINDS = ['country', 'local_authority', 'ward', 'lsoa'] as const

/** What an account may do: run the service, find and match, edit its organisations' listings, or report. */
export const ROLES = ['admin', 'link_worker', 'editor', 'commissioner'] as const

/** What a link worker can report is wrong with a listing. */
export const PROBLEM_KINDS = ['closed', 'wrong_time', 'wrong_place', 'other'] as const

/** Each weekday's name, for people to read. */
export const WEEKDAY_NAMES = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
} as const satisfies Record<(typeof WEEKDAYS)[number], string>

export type DeliveryMode = (typeof DELIVERY_MODES)[number]

/** Ways of taking part without travelling to a venue: what a service area is for. */
export const REMOTE_DELIVERY_MODES = ['home_visit', 'online_video', 'online_text', 'telephone'] as const satisfies readonly DeliveryMode[]
export type GroupSize = (typeof GROUP_SIZES)[number]
export type GenderRestriction = (typeof GENDER_RESTRICTIONS)[number]
export type Audience = (typeof AUDIENCES)[number]
export type AccessibilityFeature = (typeof ACCESSIBILITY_FEATURES)[number]
export type NewcomerSupport = (typeof NEWCOMER_SUPPORT)[number]
export type PhysicalIntensity = (typeof PHYSICAL_INTENSITIES)[number]
export type ReferralCapacity = (typeof REFERRAL_CAPACITIES)[number]
export type ServiceStatus = (typeof SERVICE_STATUSES)[number]
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number]
export type Weekday = (typeof WEEKDAYS)[number]
export type Barrier = (typeof BARRIERS)[number]
export type ServiceAreaKind = (typeof SERVICE_AREA_KINDS)[number]
export type BoundaryKind = (typeof BOUNDARY_KINDS)[number]
export type Role = (typeof ROLES)[number]

/**
 * Which CHECK constraint in the database mirrors which vocabulary: `table.constraint`.
 * The agreement test walks this table, so adding a vocabulary means adding a row here.
 */
export const VOCABULARY_CONSTRAINTS = {
  'service.service_delivery_modes_check': DELIVERY_MODES,
  'service.service_group_size_check': GROUP_SIZES,
  'service.service_gender_restriction_check': GENDER_RESTRICTIONS,
  'service.service_audiences_check': AUDIENCES,
  'accessibility.accessibility_feature_check': ACCESSIBILITY_FEATURES,
  'service.service_newcomer_support_check': NEWCOMER_SUPPORT,
  'service.service_physical_intensity_check': PHYSICAL_INTENSITIES,
  'service.service_referral_capacity_check': REFERRAL_CAPACITIES,
  'service.service_status_check': SERVICE_STATUSES,
  'schedule.schedule_kind_check': SCHEDULE_KINDS,
  'schedule.schedule_byday_check': WEEKDAYS,
  'match_gap.match_gap_barriers_check': BARRIERS,
  'service_area.service_area_kind_check': SERVICE_AREA_KINDS,
  'boundary.boundary_kind_check': BOUNDARY_KINDS,
  'account.account_role_check': ROLES,
  'problem_report.problem_report_kind_check': PROBLEM_KINDS,
} as const satisfies Record<string, readonly string[]>
