/**
 * The demo caseload: link workers in three of Croydon's PCNs, an admin and an organisation's
 * editor, and a year of episodes ending at `now`: UCLA-3 scores (some improving, some not),
 * referrals to the demo listings the matcher offered each person, answered and attended or
 * not, and the gap records of those matches. Deterministic from the seed, like the directory.
 *
 * Everything is written by the functions the API's routes call (accounts, teams, episodes,
 * scores, referrals and their status moves, closes, and the match that records gaps), at the
 * time it happened: no row is one the product could not have written. Who the people are is
 * planned by `demoPeople`, a pure function; which listings they are referred to is the
 * matcher's answer over the loaded directory.
 */
import type { Db, Queryable } from '../db/db.ts'
import { hashPassword } from '../auth/passwords.ts'
import { audit, createAccount, findAccountByEmail, type Role } from '../auth/store.ts'
import { readCroydonPostcodes, type CroydonPostcode } from '../geo/croydon-postcodes.ts'
import { locatePostcode } from '../geo/locate.ts'
import { coarseArea } from '../match/gaps.ts'
import { matchForProfile } from '../match/service.ts'
import { MatchProfileSchema, type MatchResult } from '../matching/schemas.ts'
import { addDays, ukNow } from '../matching/sessions.ts'
import { addScore, closeEpisode, createEpisode, createReferral, createTeam, moveReferral, type ReferralActor } from '../referrals/store.ts'
import {
  ageBand,
  type CloseReason,
  type DeclineReason,
  type DirectLoneliness,
  type ReferralRoute,
  type ReferralStatus,
} from '../referrals/vocabulary.ts'
import { CROYDON_PCNS, type CroydonPcnName } from './croydon_pcns.ts'
import { NEW_ADDINGTON_WARDS, SOUTH_WARDS } from './places.ts'
import { Rng } from './random.ts'

/** Every demo account's password (the accounts are on a reserved .test domain). */
export const DEMO_PASSWORD = 'connector demo 2026'

export const DEMO_ADMIN_EMAIL = 'admin@demo.connector.test'
export const DEMO_EDITOR_EMAIL = 'editor@demo.connector.test'
export const DEMO_COMMISSIONER_EMAIL = 'commissioner@demo.connector.test'

/** The demo's link workers and their teams (real Croydon PCN names). */
export const DEMO_LINK_WORKERS: ReadonlyArray<{ email: string; team: CroydonPcnName }> = [
  { email: 'amara.link@demo.connector.test', team: 'ONE THORNTON HEATH PCN' },
  { email: 'tom.link@demo.connector.test', team: 'ONE THORNTON HEATH PCN' },
  { email: 'sian.link@demo.connector.test', team: 'SELSDON PURLEY & COULSDON HEALTH PCN' },
  { email: 'kofi.link@demo.connector.test', team: 'SELSDON PURLEY & COULSDON HEALTH PCN' },
  { email: 'priya.link@demo.connector.test', team: 'SELSDON ADDINGTON & SHIRLEY PCN' },
]

// Another arbitrary constant (the directory's is 7_310_526_002): one instance seeds the caseload.
const CASELOAD_LOCK = 7_310_526_003

// ---------------------------------------------------------------------------------------------
// The people: a pure plan.

type Items = { companionship: number; left_out: number; isolated: number }

/** One person's time with a link worker, as the demo plans it (days count from the opening). */
export interface DemoPerson {
  /** Index into DEMO_LINK_WORKERS. */
  worker: number
  /** Made up; only its keyed hash is stored. */
  caseNumber: string
  referralRoute: ReferralRoute
  age: number
  /** Where they live: a real Croydon postcode in a ward of their team's PCN. */
  postcode: string
  ward: string
  /** Days before `now`'s date the episode opened (1 to 365). */
  openedDaysAgo: number
  /** What the link worker asks the matcher, as the API's body (postcode added when matching). */
  profile: Record<string, unknown>
  /** Listings they are referred to: the first `referrals` the matcher offers. */
  referrals: number
  baseline: Items & { direct: DirectLoneliness }
  followUps: Array<Items & { day: number }>
  /** The day the episode closes and why; null while it stays open. */
  close: { day: number; reason: CloseReason } | null
}

const ROUTES: Array<[ReferralRoute, number]> = [
  ['gp', 40], ['practice_nurse', 10], ['other_health', 10], ['social_worker', 8], ['hospital_discharge', 6],
  ['housing', 5], ['vcse', 8], ['self', 9], ['other', 4],
]

const INTERESTS = [
  'social-groups', 'arts-and-crafts', 'music-and-singing', 'walking', 'gardening-and-nature', 'befriending',
  'exercise-and-sport', 'learning-and-skills', 'digital-skills', 'volunteering', 'faith-and-culture', 'peer-support',
] as const

const PRACTICAL = ['housing', 'debt_and_benefits', 'food', 'employment'] as const

const DIRECT_BY_TOTAL: Record<number, DirectLoneliness[]> = {
  3: ['never', 'hardly_ever'], 4: ['hardly_ever', 'occasionally'], 5: ['occasionally', 'some_of_the_time'],
  6: ['some_of_the_time', 'occasionally'], 7: ['some_of_the_time', 'often_always'], 8: ['often_always'], 9: ['often_always'],
}

function weighted<T>(rng: Rng, options: Array<[T, number]>): T {
  let draw = rng.int(1, options.reduce((n, [, w]) => n + w, 0))
  for (const [value, w] of options) if ((draw -= w) <= 0) return value
  throw new Error('weighted: no options')
}

/** Three UCLA-3 answers (1 to 3 each) adding up to total (3 to 9). */
function itemsFor(rng: Rng, total: number): Items {
  const items = [1, 1, 1]
  for (let left = total - 3; left > 0; ) {
    const i = rng.int(0, 2)
    if (items[i]! < 3) {
      items[i]!++
      left--
    }
  }
  return { companionship: items[0]!, left_out: items[1]!, isolated: items[2]! }
}

/**
 * The demo's people, oldest episode first: who refers them, their age and home, what they are
 * looking for, their loneliness at the start and at follow-ups, and when and why they leave.
 * Some live in the directory's deliberate holes and ask for what is missing there: step-free
 * arts and crafts in the south (the Selsdon, Purley and Coulsdon PCN's wheelchair users), and
 * befriending or peer support at home for someone housebound with their mental health outside
 * the north and centre of the borough (the two southern PCNs'), and a social group meant for
 * young adults in New Addington (the Selsdon, Addington and Shirley PCN's under-30s, who ask for
 * a group of people their age).
 */
export function demoPeople(options: { seed: number; now: Date; episodes: number }): DemoPerson[] {
  const rng = new Rng(options.seed + 1)
  const postcodes = readCroydonPostcodes()
  const inWards = (wards: readonly string[]) => postcodes.filter((p) => wards.includes(p.wardName))
  const homes = new Map<string, CroydonPostcode[]>(CROYDON_PCNS.map((p) => [p.name, inWards(p.wards)]))
  const south = inWards(SOUTH_WARDS)
  // The PCN's own New Addington ward (its other, New Addington North, is another PCN's).
  const newAddington = inWards(NEW_ADDINGTON_WARDS).filter((p) => homes.get('SELSDON ADDINGTON & SHIRLEY PCN')!.includes(p))
  const caseNumbers = new Set<string>()
  const people: DemoPerson[] = []
  for (let n = 0; n < options.episodes; n++) {
    const worker = weighted(rng, [[0, 24], [1, 20], [2, 22], [3, 16], [4, 18]])
    const team = DEMO_LINK_WORKERS[worker]!.team
    let caseNumber: string
    do caseNumber = String(rng.int(1_000_000, 9_999_999))
    while (caseNumbers.has(caseNumber))
    caseNumbers.add(caseNumber)
    const gender = rng.chance(0.55) ? 'woman' : 'man'
    // Social prescribing for loneliness sees more older people; every adult age appears.
    let age = weighted(rng, [[rng.int(18, 34), 14], [rng.int(35, 54), 20], [rng.int(55, 74), 34], [rng.int(75, 94), 32]])
    let home = rng.pick(homes.get(team)!)
    const interests = rng.sample(INTERESTS, rng.int(1, 2)) as string[]
    if (gender === 'man' && rng.chance(0.15)) interests[0] = 'mens-groups'
    if (age >= 60 && rng.chance(0.1)) interests[0] = 'bereavement'
    let access: string[] = []
    // Most can get about (by bus, car, taxi or a lift), so the matcher finds enough for most of them.
    let travel: Record<string, unknown> =
      age >= 75
        ? weighted(rng, [[{ taxi_or_lift_km: 8 }, 1], [{ public_transport_minutes: 45 }, 1]])
        : weighted(rng, [[{ public_transport_minutes: 45 }, 2], [{ car_km: 12 }, 1]])
    // The holes: a wheelchair user in the south wanting arts and crafts (none is step-free
    // there); someone housebound with their mental health outside the north and centre (only
    // the two borough-wide services reach them, not the home visitors).
    let audiences: string[] = []
    let ownAgeGroup = false
    if (team === 'SELSDON PURLEY & COULSDON HEALTH PCN' && rng.chance(0.2)) {
      home = rng.pick(south)
      travel = { wheelchair_km: 2 }
      access = ['step_free']
      interests.splice(0, interests.length, 'arts-and-crafts')
    } else if (team !== 'ONE THORNTON HEATH PCN' && rng.chance(0.1)) {
      travel = { housebound: true }
      audiences = ['mental_health']
      interests.splice(0, interests.length, 'befriending', 'peer-support')
    } else if (team === 'SELSDON ADDINGTON & SHIRLEY PCN' && rng.chance(0.3)) {
      // The third hole: a young adult in New Addington, by bus or tram, wanting a social group of people their age.
      age = rng.int(18, 29)
      home = rng.pick(newAddington)
      travel = { public_transport_minutes: 30 }
      ownAgeGroup = true
      interests.splice(0, interests.length, 'social-groups')
    }
    const practical = rng.chance(0.1) ? [rng.pick(PRACTICAL)] : []
    const profile = {
      travel,
      interests: { terms: [...new Set(interests)] },
      practical_needs: practical,
      access,
      age,
      gender,
      own_age_group: ownAgeGroup,
      preferences: { group_size: age >= 75 && rng.chance(0.5) ? 'small' : 'any', audiences, free_only: rng.chance(0.1) },
    }

    const openedDaysAgo = rng.int(1, 365)
    const baselineTotal = weighted(rng, [[5, 1], [6, 3], [7, 4], [8, 3], [9, 2]])
    const baseline = { ...itemsFor(rng, baselineTotal), direct: rng.pick(DIRECT_BY_TOTAL[baselineTotal]!) }
    // Where their loneliness goes: most improve, some stay, some feel worse.
    const course = weighted(rng, [['better', 55], ['same', 25], ['worse', 20]] as Array<['better' | 'same' | 'worse', number]>)
    // Some stop coming within weeks; most stay three to seven months.
    const early = rng.chance(0.15)
    const length = early ? rng.int(14, 55) : rng.int(84, 210)
    const followUps: DemoPerson['followUps'] = []
    let latest = baselineTotal
    for (const day of [rng.int(56, 84), rng.int(140, 182)]) {
      if (day > length || day > openedDaysAgo - 1) break
      const step = course === 'better' ? -rng.int(1, 3) : course === 'worse' ? rng.int(1, 2) : 0
      latest = Math.min(9, Math.max(3, latest + step))
      followUps.push({ day, ...itemsFor(rng, latest) })
    }
    const closeReason: CloseReason = early
      ? weighted(rng, [['no_longer_engaging', 5], ['declined_support', 3], ['moved_away', 1], ['other', 1]] as Array<[CloseReason, number]>)
      : course === 'better'
        ? weighted(rng, [['goals_met', 7], ['other_support', 2], ['other', 1]] as Array<[CloseReason, number]>)
        : weighted(rng, [['other_support', 5], ['no_longer_engaging', 3], ['declined_support', 1], ['moved_away', 1]] as Array<[CloseReason, number]>)
    people.push({
      worker,
      caseNumber,
      referralRoute: weighted(rng, ROUTES),
      age,
      postcode: home.postcode,
      ward: home.wardName,
      openedDaysAgo,
      profile,
      referrals: weighted(rng, [[0, 1], [1, 4], [2, 4], [3, 1]]),
      baseline,
      followUps,
      close: length <= openedDaysAgo - 1 ? { day: length, reason: closeReason } : null,
    })
  }
  return people.sort((a, b) => b.openedDaysAgo - a.openedDaysAgo)
}

// ---------------------------------------------------------------------------------------------
// Loading.

export interface CaseloadCounts {
  teams: number
  accounts: number
  episodes: number
  open: number
  follow_ups: number
  referrals: number
  gaps: number
}

/**
 * Seeds the demo caseload in one transaction, unless an episode (or a demo account) already
 * exists: then it does nothing and returns undefined. Needs the demo directory loaded first.
 */
export async function loadDemoCaseloadIfEmpty(db: Db, options: { seed: number; now: Date; episodes?: number }): Promise<CaseloadCounts | undefined> {
  const { seed, now } = options
  const people = demoPeople({ seed, now, episodes: options.episodes ?? 300 })
  const emails = [DEMO_ADMIN_EMAIL, DEMO_EDITOR_EMAIL, DEMO_COMMISSIONER_EMAIL, ...DEMO_LINK_WORKERS.map((w) => w.email)]
  // Hashed as an invitation's password is, before the transaction (each takes a while).
  const hashes = new Map(await Promise.all(emails.map(async (e) => [e, await hashPassword(DEMO_PASSWORD)] as const)))
  const today = ukNow(now).date
  // A moment on a day before today: `daysAgo` days back, `minutes` after 09:00 (UTC).
  const at = (daysAgo: number, minutes: number) => new Date(Date.parse(`${addDays(today, -daysAgo)}T09:00:00Z`) + minutes * 60_000)
  const rng = new Rng(seed + 2)

  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [CASELOAD_LOCK])
    if ((await tx.query('SELECT 1 FROM episode LIMIT 1')).rowCount > 0) return undefined
    for (const e of emails) if (await findAccountByEmail(tx, e)) return undefined
    const account = async (email: string, role: Role, extra: { teamId?: string; organizationIds?: string[] }) => {
      const id = await createAccount(tx, { email, role, passwordHash: hashes.get(email)!, ...extra })
      await audit(tx, { account_id: id, action: 'account_create', outcome: 'success', target_type: 'account', target_id: id, detail: { role, by: 'demo data' } }, now)
      return id
    }

    // Teams (every named Croydon PCN, so an admin sees the borough's, each serving its PCN as the
    // shipped GP practices name it) and link workers.
    const teams = new Map<string, string>()
    const yearAgo = at(366, 0)
    for (const pcn of CROYDON_PCNS) {
      const existing = await tx.query<{ id: string }>('SELECT id FROM team WHERE lower(name) = lower($1)', [pcn.name])
      const code = (await tx.query<{ code: string }>('SELECT code FROM pcn WHERE name = $1', [pcn.name])).rows[0]?.code ?? null
      teams.set(pcn.name, existing.rows[0]?.id ?? (await createTeam(tx, pcn.name, yearAgo, code)).id)
    }
    const workers: Array<{ id: string; teamId: string }> = []
    for (const w of DEMO_LINK_WORKERS) {
      const teamId = teams.get(w.team)!
      workers.push({ id: await account(w.email, 'link_worker', { teamId }), teamId })
    }

    // Each episode opens with a baseline score and a match inside it (which records its gaps).
    const opened: Array<{ person: DemoPerson; episodeId: string; offers: MatchResult[] }> = []
    for (const person of people) {
      const worker = workers[person.worker]!
      const days = person.openedDaysAgo
      const area = await coarseArea(tx, await locatePostcode(tx, person.postcode, 'postcode', 'body'))
      const episodeId = await createEpisode(
        tx,
        { teamId: worker.teamId, linkWorkerId: worker.id, caseNumber: person.caseNumber, referralRoute: person.referralRoute, ageBand: ageBand(person.age)!, area, openedOn: addDays(today, -days) },
        at(days, rng.int(0, 60)),
      )
      await addScore(tx, episodeId, worker.teamId, { kind: 'baseline', recorded_on: addDays(today, -days), ...person.baseline }, worker.id, today, at(days, 90))
      const profile = MatchProfileSchema.parse({ ...person.profile, postcode: person.postcode })
      const context = { episodeId, teamId: worker.teamId, recordedBy: worker.id, ageBand: ageBand(person.age) }
      const match = await matchForProfile(tx, profile, at(days, 120), context)
      opened.push({ person, episodeId, offers: await runningOffers(tx, match.results, person.referrals) })
    }

    // The editor keeps the listings of the organisation the most people were referred to.
    const referredTo = new Map<string, number>()
    for (const o of opened) for (const r of o.offers) referredTo.set(r.service.organization.id, (referredTo.get(r.service.organization.id) ?? 0) + 1)
    const editorOrg = [...referredTo].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0]
    await account(DEMO_ADMIN_EMAIL, 'admin', {})
    await account(DEMO_COMMISSIONER_EMAIL, 'commissioner', {})
    const editorId = await account(DEMO_EDITOR_EMAIL, 'editor', { organizationIds: editorOrg ? [editorOrg] : [] })

    // Then what became of each: referrals answered and attended (or not), follow-ups, the close.
    for (const { person, episodeId, offers } of opened) {
      const worker = workers[person.worker]!
      const openedAgo = person.openedDaysAgo
      // The last day anything happens: the close, else yesterday.
      const last = person.close?.day ?? openedAgo - 1
      const linkWorker: ReferralActor = { mover: 'link_worker', teamId: worker.teamId }
      const stillSent: string[] = []
      for (const offer of offers) {
        const made = rng.int(0, 7)
        if (made > last) continue
        const referral = await createReferral(tx, { episodeId, teamId: worker.teamId, serviceId: offer.service.id, source: 'match', by: worker.id }, at(openedAgo - made, 150 + rng.int(0, 60)))
        const organisation: ReferralActor = { mover: 'organisation', organizationIds: [offer.service.organization.id] }
        const editor = offer.service.organization.id === editorOrg ? editorId : null
        let status: ReferralStatus = 'sent'
        for (const step of referralCourse(rng, offer, made)) {
          if (step.day > last) break
          const [actor, by] = step.by === 'organisation' ? [organisation, editor] : [linkWorker, worker.id]
          await moveReferral(tx, referral.id, { status: step.status, reason: step.reason }, actor, by, at(openedAgo - step.day, step.minutes))
          status = step.status
        }
        if (status === 'sent') stillSent.push(referral.id)
      }
      for (const f of person.followUps) {
        const { day, ...items } = f
        await addScore(tx, episodeId, worker.teamId, { kind: 'follow_up', recorded_on: addDays(today, -(openedAgo - day)), ...items }, worker.id, today, at(openedAgo - day, 60))
      }
      if (person.close) {
        // Closing, the link worker closes the referrals nobody answered.
        for (const id of stillSent) await moveReferral(tx, id, { status: 'closed' }, linkWorker, worker.id, at(openedAgo - person.close.day, 420))
        await closeEpisode(tx, episodeId, worker.teamId, { reason: person.close.reason, closedOn: addDays(today, -(openedAgo - person.close.day)), today })
      }
    }

    const count = async (sql: string) => (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`)).rows[0]!.n
    return {
      teams: teams.size,
      accounts: emails.length,
      episodes: people.length,
      open: people.filter((p) => p.close === null).length,
      follow_ups: people.reduce((n, p) => n + p.followUps.length, 0),
      referrals: await count('referral'),
      gaps: await count('match_gap WHERE episode_id IS NOT NULL'),
    }
  })
}

/** The first `wanted` of the matcher's offers whose listing is running (only those take referrals). */
async function runningOffers(db: Queryable, results: MatchResult[], wanted: number): Promise<MatchResult[]> {
  if (wanted === 0 || results.length === 0) return []
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM service WHERE id = ANY($1::uuid[]) AND status = 'active'`, [results.map((r) => r.service.id)])
  const running = new Set(rows.map((r) => r.id))
  return results.filter((r) => running.has(r.service.id)).slice(0, wanted)
}

interface Step {
  day: number
  minutes: number
  status: Exclude<ReferralStatus, 'sent'>
  reason?: DeclineReason
  by: 'organisation' | 'link_worker'
}

/**
 * What happens to one referral, day by day from the opening: the organisation answers (most
 * accept; a full group declines), the person goes or does not (recorded by either side), some
 * who went stop. A referral nobody answers stays sent. Each step at least a day after the last.
 */
function referralCourse(rng: Rng, offer: MatchResult, made: number): Step[] {
  const steps: Step[] = []
  let day = made
  const next = (from: number, to: number) => (day += rng.int(from, to))
  const either = () => (rng.chance(0.7) ? 'organisation' : 'link_worker')
  const answer = rng.int(1, 100)
  if (answer <= 10) return steps
  // A listing with a waiting list (the matcher offers no full one) often says it is full.
  const waiting = offer.score_parts.capacity < 1
  if (answer <= 24 || (waiting && rng.chance(0.5))) {
    const reason: DeclineReason = waiting ? 'full' : weighted(rng, [['not_suitable', 4], ['outside_area', 2], ['could_not_contact', 3], ['full', 2], ['other', 1]] as Array<[DeclineReason, number]>)
    steps.push({ day: next(1, 10), minutes: rng.int(0, 240), status: 'declined', reason, by: 'organisation' })
    return steps
  }
  steps.push({ day: next(1, 10), minutes: rng.int(0, 240), status: 'accepted', by: 'organisation' })
  if (rng.chance(0.35)) {
    steps.push({ day: next(3, 14), minutes: rng.int(0, 240), status: 'did_not_attend', by: either() })
    if (!rng.chance(0.3)) return steps
  }
  steps.push({ day: next(3, 14), minutes: rng.int(0, 240), status: 'attended', by: either() })
  if (rng.chance(0.25)) steps.push({ day: next(14, 60), minutes: rng.int(0, 240), status: 'stopped', by: either() })
  return steps
}
