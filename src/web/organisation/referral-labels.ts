/**
 * Plain words for a referral's status and reasons for declining as the organisation running the
 * listing sees them on "Referrals to us" ("Waiting for your answer", "We are full"); the link
 * worker's words for the same codes are the `label` filter's (labels.ts). Typed against the vocabularies, so a new status or reason without words fails the
 * type check.
 */
import type { DeclineReason, ReferralStatus } from '../../referrals/vocabulary.ts'

/** The status as a short tag. */
export const REFERRAL_STATUS_WORDS: Record<ReferralStatus, string> = {
  sent: 'Waiting for your answer',
  accepted: 'Accepted',
  declined: 'Declined',
  attended: 'Attended',
  did_not_attend: 'Did not attend',
  stopped: 'Stopped attending',
  closed: 'Closed',
}

/** What each status means to the organisation running the listing. */
export const REFERRAL_STATUS_MEANING: Record<ReferralStatus, string> = {
  sent: 'A link worker has referred someone to this listing. Accept the referral if you can take them, or decline it saying why.',
  accepted: 'You said you can take them. Once you know, say whether they came.',
  declined: 'You could not take them. The link worker sees your reason and can look for something else.',
  attended: 'They came at least once. If they later stop coming, say so.',
  did_not_attend: 'They did not come. If they come later, mark them as attended.',
  stopped: 'They came for a while, then stopped.',
  closed: 'The link worker has closed the referral. There is nothing more to do.',
}

/** Tag colours: the status that needs an answer stands out. */
export const REFERRAL_STATUS_COLOUR: Record<ReferralStatus, string> = {
  sent: 'orange',
  accepted: 'blue',
  declined: 'grey',
  attended: 'green',
  did_not_attend: 'red',
  stopped: 'yellow',
  closed: 'grey',
}

export const DECLINE_REASON_WORDS: Record<DeclineReason, string> = {
  full: 'We are full',
  not_suitable: 'Not suitable for them',
  outside_area: 'Outside our area',
  could_not_contact: 'We could not contact them',
  other: 'Another reason',
}

/** The words on the button that moves a referral to this status. */
export const REFERRAL_MOVE_WORDS: Record<Exclude<ReferralStatus, 'sent'>, string> = {
  accepted: 'Accept',
  declined: 'Decline',
  attended: 'Attended',
  did_not_attend: 'Did not attend',
  stopped: 'Stopped attending',
  closed: 'Close',
}

