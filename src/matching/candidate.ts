/**
 * What the matcher knows of a listing: plain data the route gathers from the database (or a
 * test makes up), so that every rule in src/matching is a pure function of it.
 */
import type {
  AccessibilityFeature,
  Audience,
  DeliveryMode,
  GenderRestriction,
  GroupSize,
  NewcomerSupport,
  PhysicalIntensity,
  ReferralCapacity,
  ScheduleKind,
  ServiceAreaKind,
  Weekday,
} from '../directory/vocabulary.ts'

export interface CandidateVenue {
  id: string
  name: string
  postcode: string | null
  latitude: number
  longitude: number
  /** Straight-line metres from the person's place. */
  distance_m: number
  features: AccessibilityFeature[]
}

export interface CandidateSchedule {
  /** The venue it is held at; null for a service-wide schedule. */
  location_id: string | null
  kind: ScheduleKind
  byday: Weekday[]
  week_of_month: number | null
  /** YYYY-MM-DD */
  on_date: string | null
  /** HH:MM */
  opens_at: string | null
  closes_at: string | null
  valid_from: string | null
  valid_to: string | null
}

export interface Candidate {
  id: string
  name: string
  description: string
  organization: { id: string; name: string }
  delivery_modes: DeliveryMode[]
  group_size: GroupSize
  typical_attendance: number | null
  minimum_age: number | null
  maximum_age: number | null
  gender_restriction: GenderRestriction
  audiences: Audience[]
  /** ISO 639 codes of the languages its sessions are held in. */
  languages: string[]
  /** It can arrange an interpreter for someone who speaks another language. */
  interpreter_available: boolean
  newcomer_support: NewcomerSupport[]
  physical_intensity: PhysicalIntensity
  referral_capacity: ReferralCapacity
  /** ISO date-time, or null when never confirmed. */
  verified_at: string | null
  /** Its activity type codes, and the codes of their parents. */
  terms: string[]
  /** The lowest price of a session in pounds; 0 when free. */
  price: number
  /** A home, phone or online service whose service area covers the person's place. */
  area_covers: boolean
  /** Where its home, phone or online sessions are available (to say why they do not reach someone). */
  areas: { kind: ServiceAreaKind; name: string }[]
  /** Its venues near the person, nearest first. */
  venues: CandidateVenue[]
  schedules: CandidateSchedule[]
  /** Which of the profile's free-text interests its own name or description mentions (indices). */
  text_hits: number[]
}

/** What the matcher needs besides the profile and the listings. */
export interface MatchContext {
  now: Date
  /** For each free-text interest, the activity types its words name (by name or synonym). */
  textTerms: string[][]
  /** Activity type names by code, for plain-words reasons. */
  termNames: Record<string, string>
  /** How the person's area is named in messages: their postcode or district. */
  areaLabel: string
  /** How far around the place listings were gathered, in km. */
  searchedKm: number
}
