/** Plain words a link worker can read out to the person: distances, money, features, groups. */
import type { AccessibilityFeature, Audience } from '../directory/vocabulary.ts'

/** Walking pace used for "about N minutes' walk" (4.8 km/h). */
export const WALK_M_PER_MIN = 80
/** Wheelchair pace (3.6 km/h). */
export const WHEELCHAIR_M_PER_MIN = 60
/** By bus or train: minutes to get to a stop and wait, then minutes per straight-line km (20 km/h). */
export const TRANSIT_WAIT_MIN = 10
export const TRANSIT_MIN_PER_KM = 3

/** How far (straight-line km) a bus or train journey of this many minutes gets. */
export function transitKm(minutes: number): number {
  return Math.max(0, (minutes - TRANSIT_WAIT_MIN) / TRANSIT_MIN_PER_KM)
}

/** About how long a bus or train journey of this straight-line distance takes. */
export function transitMinutes(km: number): number {
  return TRANSIT_WAIT_MIN + km * TRANSIT_MIN_PER_KM
}

export function km(metres: number): string {
  const k = metres / 1000
  return k < 10 ? `${k.toFixed(1)} km` : `${Math.round(k)} km`
}

/** Minutes rounded to a sensible figure: nearest minute under 10, else nearest 5. */
export function minutes(m: number): number {
  return m < 10 ? Math.max(1, Math.round(m)) : Math.round(m / 5) * 5
}

export function pounds(amount: number): string {
  return Number.isInteger(amount) ? `£${amount}` : `£${amount.toFixed(2)}`
}

export const FEATURE_WORDS: Record<AccessibilityFeature, string> = {
  step_free: 'step-free',
  accessible_toilet: 'an accessible toilet',
  seating: 'seating',
  hearing_loop: 'a hearing loop',
  bsl: 'BSL',
  quiet_space: 'a quiet space',
  changing_place: 'a Changing Places toilet',
  parking: 'parking',
  near_bus_stop: 'a bus stop nearby',
}

/** What it means for a venue to lack a feature. */
export const MISSING_FEATURE_WORDS: Record<AccessibilityFeature, string> = {
  step_free: 'has steps at the entrance',
  accessible_toilet: 'has no accessible toilet',
  seating: 'has no seating',
  hearing_loop: 'has no hearing loop',
  bsl: 'has no BSL',
  quiet_space: 'has no quiet space',
  changing_place: 'has no Changing Places toilet',
  parking: 'has no parking',
  near_bus_stop: 'is not near a bus stop',
}

export const AUDIENCE_WORDS: Record<Audience, string> = {
  new_parents: 'for new parents and babies',
  men: 'for men',
  women: 'for women',
  lgbtq: 'for LGBTQ+ people',
  carers: 'for carers',
  dementia: 'for people living with dementia',
  mental_health: 'mental-health-aware',
  language_community: 'for a language community',
}

const LANGUAGE_NAMES = new Intl.DisplayNames(['en-GB'], { type: 'language', fallback: 'code' })

/** "Tamil" for "ta"; the code itself for one Intl does not know. */
export function languageName(code: string): string {
  return LANGUAGE_NAMES.of(code) ?? code
}

/** "a, b and c", or with "or" */
function joined(items: string[], conjunction: 'and' | 'or'): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`
}

/** "a, b and c" */
export function listWords(items: string[]): string {
  return joined(items, 'and')
}

/** "a, b or c" */
export function listAlternatives(items: string[]): string {
  return joined(items, 'or')
}

/** "step-free with seating and an accessible toilet" */
export function featureWords(features: AccessibilityFeature[]): string {
  const words = features.map((f) => FEATURE_WORDS[f])
  if (features[0] === 'step_free' && words.length > 1) return `step-free with ${listWords(words.slice(1))}`
  return listWords(words)
}
