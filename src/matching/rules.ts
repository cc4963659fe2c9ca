/**
 * Hard constraints: whether a person can reach a listing, get in, is eligible, can go when it
 * runs, can afford it and can manage it. A listing that fails any of them is never ranked; it
 * may be named as a near-miss, with what it fails.
 */
import { PHYSICAL_INTENSITIES, REMOTE_DELIVERY_MODES, type AccessibilityFeature, type Audience, type DeliveryMode } from '../directory/vocabulary.ts'
import type { Candidate, CandidateSchedule, CandidateVenue } from './candidate.ts'
import type { Barrier, MatchProfile, Travel } from './schemas.ts'
import { describeSchedule, fitsAvailability, isCurrent, ukNow } from './sessions.ts'
import { livingWhere } from '../directory/area-words.ts'
import { transitKm, km, languageName, listAlternatives, listWords, MISSING_FEATURE_WORDS, pounds } from './words.ts'

type RemoteMode = (typeof REMOTE_DELIVERY_MODES)[number]

/** Audiences a listing is only for: offered only to people who say they belong. */
export const EXCLUSIVE_AUDIENCES = ['new_parents', 'carers', 'dementia'] as const satisfies readonly Audience[]

/** How far (straight line, km) the person can get by their furthest-reaching way of travelling. */
export function reachKm(travel: Travel): number {
  if (travel.housebound) return 0
  return Math.max(
    travel.walk_km ?? 0,
    travel.wheelchair_km ?? 0,
    transitKm(travel.public_transport_minutes ?? 0),
    travel.taxi_or_lift_km ?? 0,
    travel.car_km ?? 0,
  )
}

/** The venue features the person needs: those asked for, and step-free for a wheelchair user. */
export function requiredFeatures(profile: MatchProfile): AccessibilityFeature[] {
  const needs = new Set<AccessibilityFeature>(profile.access)
  if (profile.travel.wheelchair_km !== undefined) needs.add('step_free')
  return [...needs]
}

export interface Failure {
  barrier: Barrier
  /** A verb phrase: "is 9.4 km away", "has steps at the entrance". */
  detail: string
}

/** One way of taking part in a listing: at one of its venues, or from home. */
export interface Option {
  delivery: DeliveryMode
  venue: CandidateVenue | null
  /** The schedules that apply: the venue's own and the service-wide ones. */
  schedules: CandidateSchedule[]
  failures: Failure[]
}

function ageWords(c: Candidate): string {
  if (c.minimum_age !== null && c.maximum_age !== null) return `is for ages ${c.minimum_age} to ${c.maximum_age}`
  if (c.minimum_age !== null) return `is for people aged ${c.minimum_age} and over`
  return `is for people aged up to ${c.maximum_age}`
}

/**
 * The listing is meant for people of their age: it takes them, and its age limits mark it as
 * for young adults (up to 30 at most) or for older people (from 50 at least).
 */
export function forTheirAge(profile: MatchProfile, c: Candidate): boolean {
  const age = profile.age
  if (age === undefined) return false
  const min = c.minimum_age ?? 0
  const max = c.maximum_age ?? 120
  return min <= age && max >= age && (min >= 50 || max <= 30)
}

/** Who a group for their age is for: "young adults" (30 or under) or "older people" (50 and over). */
export const ageGroupWords = (age: number): string => (age <= 30 ? 'young adults' : 'older people')

/** How a need is qualified when they need a group for their age: " meant for young adults"; '' otherwise. */
export const forTheirAgeWords = (profile: MatchProfile): string => (profile.own_age_group ? ` meant for ${ageGroupWords(profile.age!)}` : '')

/** Failures that do not depend on where or how the person takes part. */
export function listingFailures(profile: MatchProfile, c: Candidate): Failure[] {
  const failures: Failure[] = []
  const age = profile.age
  if (age !== undefined && ((c.minimum_age !== null && age < c.minimum_age) || (c.maximum_age !== null && age > c.maximum_age))) {
    failures.push({ barrier: 'eligibility', detail: ageWords(c) })
  } else if (profile.own_age_group && !forTheirAge(profile, c)) {
    failures.push({ barrier: 'eligibility', detail: `is not a group for ${ageGroupWords(age!)}` })
  }
  if (
    (c.gender_restriction === 'men_only' && profile.gender !== undefined && profile.gender !== 'man') ||
    (c.gender_restriction === 'women_only' && profile.gender !== undefined && profile.gender !== 'woman')
  ) {
    failures.push({ barrier: 'eligibility', detail: c.gender_restriction === 'men_only' ? 'is for men only' : 'is for women only' })
  }
  const onlyFor = EXCLUSIVE_AUDIENCES.filter((a) => c.audiences.includes(a))
  if (onlyFor.length > 0 && !onlyFor.some((a) => profile.preferences.audiences.includes(a))) {
    const words = { new_parents: 'new parents', carers: 'carers', dementia: 'people living with dementia' }
    failures.push({ barrier: 'eligibility', detail: `is only for ${listWords(onlyFor.map((a) => words[a]))}` })
  }
  if (c.referral_capacity === 'full') failures.push({ barrier: 'capacity', detail: 'is full' })
  const { free_only, max_cost } = profile.preferences
  if (c.price > 0 && (free_only || (max_cost !== undefined && c.price > max_cost))) {
    failures.push({ barrier: 'cost', detail: `costs ${pounds(c.price)}` })
  }
  const max = profile.max_physical_intensity
  if (max !== undefined && PHYSICAL_INTENSITIES.indexOf(c.physical_intensity) > PHYSICAL_INTENSITIES.indexOf(max)) {
    failures.push({ barrier: 'intensity', detail: `is ${c.physical_intensity} exercise` })
  }
  const language = profile.language_need
  if (language !== undefined && !speaks(c, language)) {
    failures.push({ barrier: 'language', detail: `is held in ${listWords(c.languages.map(languageName))}, with no ${languageName(language)} and no interpreter` })
  }
  return failures
}

/** Someone who needs this language can take part: sessions are held in it, or an interpreter can be arranged. */
export function speaks(c: Candidate, language: string): boolean {
  return c.languages.includes(language) || c.interpreter_available
}

/** "in Sutton", "in Bensham Manor ward, Croydon or within 5 km of St Mark’s Hall" */
function coveredWords(c: Candidate): string {
  return c.areas.length > 0 ? `only for people living ${listAlternatives(c.areas.map((a) => livingWhere(a.kind, a.name)))}` : 'not available where they live'
}

function timeFailure(profile: MatchProfile, schedules: CandidateSchedule[], today: string): Failure | null {
  if (schedules.length === 0) return null
  const current = schedules.filter((s) => isCurrent(s, today))
  if (current.length === 0) return { barrier: 'time', detail: 'has no sessions coming up' }
  if (current.some((s) => fitsAvailability(s, profile.availability))) return null
  return { barrier: 'time', detail: `only runs ${listWords(current.slice(0, 2).map(describeSchedule))}` }
}

const REMOTE_WORDS: Record<RemoteMode, string> = {
  home_visit: 'is by home visit',
  online_video: 'is by video call',
  online_text: 'is online',
  telephone: 'is by telephone',
}

/**
 * Every way the person could take part, each with the hard constraints it fails. Venues far
 * away or without the features needed fail; remote ways fail where the service does not cover
 * the place, or (telephone, video) for someone who needs text-only contact.
 */
export function options(profile: MatchProfile, c: Candidate, now: Date): Option[] {
  const today = ukNow(now).date
  const reach = reachKm(profile.travel) * 1000
  const required = requiredFeatures(profile)
  const serviceWide = c.schedules.filter((s) => s.location_id === null)
  const result: Option[] = []
  if (c.delivery_modes.includes('venue')) {
    for (const venue of c.venues) {
      const schedules = [...serviceWide, ...c.schedules.filter((s) => s.location_id === venue.id)]
      const failures: Failure[] = []
      if (profile.travel.housebound) failures.push({ barrier: 'delivery_mode', detail: 'meets in person only' })
      else if (venue.distance_m > reach) failures.push({ barrier: 'distance', detail: `is ${km(venue.distance_m)} away` })
      const missing = required.filter((f) => !venue.features.includes(f))
      if (missing.length > 0) failures.push({ barrier: 'access', detail: listWords(missing.map((f) => MISSING_FEATURE_WORDS[f])) })
      const time = timeFailure(profile, schedules, today)
      if (time) failures.push(time)
      result.push({ delivery: 'venue', venue, schedules, failures })
    }
  }
  for (const mode of REMOTE_DELIVERY_MODES) {
    if (!c.delivery_modes.includes(mode)) continue
    const failures: Failure[] = []
    if (!c.area_covers) failures.push({ barrier: 'distance', detail: `${REMOTE_WORDS[mode]} but ${coveredWords(c)}` })
    if (profile.text_only_contact && (mode === 'telephone' || mode === 'online_video')) {
      failures.push({ barrier: 'delivery_mode', detail: `${REMOTE_WORDS[mode]}, and they need text-only contact` })
    }
    const time = timeFailure(profile, serviceWide, today)
    if (time) failures.push(time)
    result.push({ delivery: mode, venue: null, schedules: serviceWide, failures })
  }
  if (result.length === 0) {
    result.push({ delivery: 'venue', venue: null, schedules: [], failures: [{ barrier: 'distance', detail: 'has no venue near them' }] })
  }
  return result
}

/**
 * The best way for this person to take part: one that meets every constraint if any does
 * (in person first, unless housebound; then the nearest venue), else the one failing fewest.
 */
export function bestOption(profile: MatchProfile, c: Candidate, now: Date): { option: Option; failures: Failure[] } {
  const common = listingFailures(profile, c)
  // For someone housebound every venue fails alike ("meets in person only"), so a way from
  // home that fails says more about why the listing is out of reach.
  const atHome = (o: Option) => (profile.travel.housebound && o.venue === null ? 0 : 1)
  const ranked = options(profile, c, now).sort(
    (a, b) =>
      a.failures.length - b.failures.length ||
      atHome(a) - atHome(b) ||
      (a.venue?.distance_m ?? Infinity) - (b.venue?.distance_m ?? Infinity),
  )
  const option = ranked[0]!
  return { option, failures: [...common, ...option.failures] }
}
