/**
 * How a referral's status may move, and who may move it. The organisation (the listing's
 * editors) says whether it took the person and whether they came; the link worker may record
 * attendance too (the person may tell either of them) and alone closes a referral.
 */
import type { ReferralStatus } from './vocabulary.ts'

export type Mover = 'link_worker' | 'organisation'

const BOTH: Mover[] = ['link_worker', 'organisation']
const LINK_WORKER: Mover[] = ['link_worker']
const ORGANISATION: Mover[] = ['organisation']

export const STATUS_MOVES: Record<ReferralStatus, Partial<Record<ReferralStatus, Mover[]>>> = {
  sent: { accepted: ORGANISATION, declined: ORGANISATION, closed: LINK_WORKER },
  accepted: { attended: BOTH, did_not_attend: BOTH, closed: LINK_WORKER },
  attended: { stopped: BOTH, closed: LINK_WORKER },
  did_not_attend: { attended: BOTH, closed: LINK_WORKER },
  stopped: { closed: LINK_WORKER },
  declined: { closed: LINK_WORKER },
  closed: {},
}

/** Why this move may not be made by this mover, or null when it may. */
export function refuseMove(from: ReferralStatus, to: ReferralStatus, by: Mover): { status: 409 | 403; detail: string } | null {
  const movers = STATUS_MOVES[from][to]
  if (!movers) {
    const next = Object.keys(STATUS_MOVES[from])
    const allowed = next.length > 0 ? `it can move to ${next.join(', ')}` : 'it can move no further'
    return { status: 409, detail: `The referral is ${from}: it cannot become ${to} (${allowed}).` }
  }
  if (!movers.includes(by)) {
    const who = movers.includes('organisation') ? 'the organisation running the listing' : 'the link worker'
    return { status: 403, detail: `Only ${who} can mark a ${from} referral ${to}.` }
  }
  return null
}

/** The statuses this mover can move a referral in this status to. */
export function movesFor(from: ReferralStatus, by: Mover): ReferralStatus[] {
  return (Object.entries(STATUS_MOVES[from]) as [ReferralStatus, Mover[]][]).filter(([, m]) => m.includes(by)).map(([to]) => to)
}
