/**
 * The closed vocabularies of episodes, loneliness scores and referrals. Each is mirrored by a
 * CHECK constraint in `sql/016_referrals.sql`; REFERRAL_VOCABULARY_CONSTRAINTS names them for
 * the test that reads them back from the database.
 */

/** Where a person was referred into social prescribing from. */
export const REFERRAL_ROUTES = [
  'gp',
  'practice_nurse',
  'other_health',
  'social_worker',
  'hospital_discharge',
  'housing',
  'vcse',
  'self',
  'other',
] as const

/** Age bands: the only age an episode keeps. */
export const AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55-64', '65-74', '75-84', '85+'] as const

/** Why an episode ended. */
export const CLOSE_REASONS = ['goals_met', 'other_support', 'no_longer_engaging', 'declined_support', 'moved_away', 'other'] as const

/** The three UCLA-3 questions in the ONS wording, and the field that holds each answer. */
export const UCLA3_QUESTIONS = [
  { field: 'companionship', question: 'How often do you feel that you lack companionship?' },
  { field: 'left_out', question: 'How often do you feel left out?' },
  { field: 'isolated', question: 'How often do you feel isolated from others?' },
] as const

/** Each UCLA-3 answer and the points it scores. */
export const UCLA3_ANSWERS = [
  { value: '1', text: 'Hardly ever or never' },
  { value: '2', text: 'Some of the time' },
  { value: '3', text: 'Often' },
] as const

/** The ONS direct measure of loneliness, asked as well if the link worker chooses. */
export const DIRECT_QUESTION = 'How often do you feel lonely?'

/** A UCLA-3 score at the start of an episode, or at a later follow-up. */
export const SCORE_KINDS = ['baseline', 'follow_up'] as const

/** The ONS direct question "How often do you feel lonely?": its answers, most often first. */
export const DIRECT_LONELINESS = ['often_always', 'some_of_the_time', 'occasionally', 'hardly_ever', 'never'] as const

/** Where a referral stands. */
export const REFERRAL_STATUSES = ['sent', 'accepted', 'declined', 'attended', 'did_not_attend', 'stopped', 'closed'] as const

/** Why an organisation declined a referral. */
export const DECLINE_REASONS = ['full', 'not_suitable', 'outside_area', 'could_not_contact', 'other'] as const

/** Where the link worker found the listing they referred to. */
export const REFERRAL_SOURCES = ['match', 'search', 'listing'] as const

export type ReferralRoute = (typeof REFERRAL_ROUTES)[number]
export type AgeBand = (typeof AGE_BANDS)[number]
export type CloseReason = (typeof CLOSE_REASONS)[number]
export type ScoreKind = (typeof SCORE_KINDS)[number]
export type DirectLoneliness = (typeof DIRECT_LONELINESS)[number]
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number]
export type DeclineReason = (typeof DECLINE_REASONS)[number]
export type ReferralSource = (typeof REFERRAL_SOURCES)[number]

/** The age band of an age in years (under 18 has none: social prescribing here is for adults). */
export function ageBand(age: number): AgeBand | null {
  if (age < 18) return null
  if (age >= 85) return '85+'
  if (age < 25) return '18-24'
  const low = Math.floor((age - 5) / 10) * 10 + 5
  return `${low}-${low + 9}` as AgeBand
}

/** Which CHECK constraint mirrors which vocabulary: `table.constraint`. */
export const REFERRAL_VOCABULARY_CONSTRAINTS = {
  'episode.episode_referral_route_check': REFERRAL_ROUTES,
  'episode.episode_age_band_check': AGE_BANDS,
  'episode.episode_close_reason_check': CLOSE_REASONS,
  'loneliness_score.loneliness_score_kind_check': SCORE_KINDS,
  'loneliness_score.loneliness_score_direct_check': DIRECT_LONELINESS,
  'referral.referral_status_check': REFERRAL_STATUSES,
  'referral.referral_decline_reason_check': DECLINE_REASONS,
  'referral.referral_source_check': REFERRAL_SOURCES,
  'referral_event.referral_event_status_check': REFERRAL_STATUSES,
  'match_gap.match_gap_age_band_check': AGE_BANDS,
} as const satisfies Record<string, readonly string[]>
