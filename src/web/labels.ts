/**
 * Plain words for the directory's codes, as people read them on the pages. Typed against the
 * vocabularies, so adding a code without its words fails the type check.
 */
import {
  ACCESSIBILITY_FEATURES,
  AUDIENCES,
  BARRIERS,
  DELIVERY_MODES,
  GENDER_RESTRICTIONS,
  GROUP_SIZES,
  NEWCOMER_SUPPORT,
  PHYSICAL_INTENSITIES,
  PROBLEM_KINDS,
  REFERRAL_CAPACITIES,
  SCHEDULE_KINDS,
  SERVICE_STATUSES,
  WEEKDAY_NAMES,
  WEEKDAYS,
} from '../directory/vocabulary.ts'
import { CLOSE_REASONS, DECLINE_REASONS, DIRECT_LONELINESS, REFERRAL_ROUTES, REFERRAL_SOURCES, REFERRAL_STATUSES } from '../referrals/vocabulary.ts'

type Words<T extends readonly string[]> = Record<T[number], string>

const delivery_mode: Words<typeof DELIVERY_MODES> = {
  venue: 'At a venue',
  home_visit: 'Home visits',
  telephone: 'By telephone',
  online_video: 'Online (video)',
  online_text: 'Online (messages)',
}
const group_size: Words<typeof GROUP_SIZES> = { one_to_one: 'One-to-one', small: 'Small group', large: 'Larger group' }
const gender_restriction: Words<typeof GENDER_RESTRICTIONS> = { none: 'Anyone', men_only: 'Men only', women_only: 'Women only' }
const audience: Words<typeof AUDIENCES> = {
  new_parents: 'New parents',
  men: 'Men',
  women: 'Women',
  lgbtq: 'LGBTQ+ people',
  carers: 'Carers',
  dementia: 'People living with dementia',
  mental_health: 'Mental-health aware',
  language_community: 'A language community',
}
const accessibility: Words<typeof ACCESSIBILITY_FEATURES> = {
  step_free: 'Step-free access',
  accessible_toilet: 'Accessible toilet',
  seating: 'Seating available',
  hearing_loop: 'Hearing loop',
  bsl: 'British Sign Language',
  quiet_space: 'Quiet space',
  changing_place: 'Changing Places toilet',
  parking: 'Parking',
  near_bus_stop: 'Near a bus stop',
}
const newcomer_support: Words<typeof NEWCOMER_SUPPORT> = {
  accompanied_first_visit: 'Someone can go with them the first time',
  volunteer_buddy: 'A volunteer buddy',
  welcome_call: 'A welcome phone call before the first visit',
}
const physical_intensity: Words<typeof PHYSICAL_INTENSITIES> = {
  none: 'Not physical',
  light: 'Light activity',
  moderate: 'Moderate activity',
  vigorous: 'Vigorous activity',
}
const referral_capacity: Words<typeof REFERRAL_CAPACITIES> = { open: 'Taking referrals', waiting_list: 'Waiting list', full: 'Full' }
const status: Words<typeof SERVICE_STATUSES> = {
  active: 'Running',
  inactive: 'Not running',
  'temporarily closed': 'Temporarily closed',
  defunct: 'Closed for good',
}
const schedule_kind: Words<typeof SCHEDULE_KINDS> = {
  weekly: 'Every week',
  monthly: 'Once a month',
  one_off: 'One date',
  by_arrangement: 'By arrangement',
}
const barrier: Words<typeof BARRIERS> = {
  distance: 'Too far',
  access: 'Venue access',
  time: 'Times',
  eligibility: 'Who it is for',
  capacity: 'Full',
  cost: 'Cost',
  delivery_mode: 'How it is delivered',
  intensity: 'Too physical',
  language: 'Language',
}
const problem_kind: Words<typeof PROBLEM_KINDS> = {
  closed: 'It has closed or stopped running',
  wrong_time: 'The days or times are wrong',
  wrong_place: 'The place is wrong',
  other: 'Something else',
}
const referral_route: Words<typeof REFERRAL_ROUTES> = {
  gp: 'A GP',
  practice_nurse: 'A practice nurse',
  other_health: 'Another health professional',
  social_worker: 'A social worker',
  hospital_discharge: 'A hospital discharge team',
  housing: 'A housing officer',
  vcse: 'A voluntary or community organisation',
  self: 'They referred themselves',
  other: 'Someone else',
}
const close_reason: Words<typeof CLOSE_REASONS> = {
  goals_met: 'They met their goals',
  other_support: 'They moved to other support',
  no_longer_engaging: 'They stopped taking part',
  declined_support: 'They declined support',
  moved_away: 'They moved away',
  other: 'Another reason',
}
/** The ONS direct measure's answers, in its own words. */
const direct_loneliness: Words<typeof DIRECT_LONELINESS> = {
  often_always: 'Often or always',
  some_of_the_time: 'Some of the time',
  occasionally: 'Occasionally',
  hardly_ever: 'Hardly ever',
  never: 'Never',
}
const referral_status: Words<typeof REFERRAL_STATUSES> = {
  sent: 'Sent',
  accepted: 'Accepted',
  declined: 'Declined',
  attended: 'Attended',
  did_not_attend: 'Did not attend',
  stopped: 'Stopped going',
  closed: 'Closed',
}
const decline_reason: Words<typeof DECLINE_REASONS> = {
  full: 'It is full',
  not_suitable: 'It is not suitable for them',
  outside_area: 'They live outside its area',
  could_not_contact: 'The organisation could not reach them',
  other: 'Another reason',
}
const referral_source: Words<typeof REFERRAL_SOURCES> = { match: 'Match results', search: 'Search', listing: 'Listing page' }
const day: Words<typeof WEEKDAYS> = WEEKDAY_NAMES
const week_of_month: Record<string, string> = { '1': 'first', '2': 'second', '3': 'third', '4': 'fourth', '-1': 'last' }

export const LABELS = {
  delivery_mode,
  group_size,
  gender_restriction,
  audience,
  accessibility,
  newcomer_support,
  physical_intensity,
  referral_capacity,
  status,
  schedule_kind,
  barrier,
  problem_kind,
  day,
  week_of_month,
  referral_route,
  close_reason,
  direct_loneliness,
  referral_status,
  decline_reason,
  referral_source,
} as const
export type LabelKind = keyof typeof LABELS

/** The words for a code; the code itself when it has none (a language code, say). */
export function label(code: unknown, kind: LabelKind): string {
  const words = LABELS[kind] as Record<string, string>
  return words[String(code)] ?? String(code)
}

/** Radio or checkbox items for a vocabulary, ticked where `chosen` holds the code. */
export function choices(kind: LabelKind, chosen: readonly unknown[] = [], only?: readonly string[]) {
  const words = LABELS[kind] as Record<string, string>
  return Object.entries(words)
    .filter(([value]) => !only || only.includes(value))
    .map(([value, text]) => ({ value, text, checked: chosen.map(String).includes(value) }))
}
