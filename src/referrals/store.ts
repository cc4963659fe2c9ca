/**
 * Episodes, loneliness scores, referrals and teams in the database. A person is known only by
 * a keyed hash of their link worker's case number and team; every read is scoped to the
 * caller's team (link workers) or organisations (editors), so another's answers "none".
 */
import { createHmac, randomInt } from 'node:crypto'
import type { Queryable } from '../db/db.ts'
import { appSecret } from '../db/secrets.ts'
import { Conflict, Forbidden, Invalid, NotFound } from '../problem.ts'
import type { Area, Episode, EpisodeSummary, IncomingReferral, Referral, Score, ScoreInput } from './schemas.ts'
import { refuseMove, type Mover } from './status.ts'
import type { AgeBand, CloseReason, DeclineReason, ReferralRoute, ReferralSource, ReferralStatus } from './vocabulary.ts'

/** The keyed hash that stands for a person: the team and the case number, never the number itself. */
export async function clientRef(db: Queryable, teamId: string, caseNumber: string): Promise<string> {
  const key = await appSecret(db, 'client_ref')
  return createHmac('sha256', key).update(`${teamId}\n${caseNumber}`).digest('hex')
}

// Letters and digits that cannot be misread for one another (no 0/O, 1/I/L).
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'

/** A short code people can read out: E-7KQ3MX for an episode, R-… for a referral. */
export function newReference(prefix: 'E' | 'R'): string {
  let code = ''
  for (let i = 0; i < 6; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]
  return `${prefix}-${code}`
}

const iso = (d: Date) => d.toISOString()

const EPISODE_SUMMARY = `
  SELECT e.id, e.reference, json_build_object('id', t.id, 'name', t.name) AS team, e.referral_route, e.age_band,
         json_build_object('outcode', e.outcode, 'ward_code', e.ward_code, 'ward_name', e.ward_name, 'lsoa_code', e.lsoa_code) AS area,
         e.opened_on, e.closed_on, e.close_reason, coalesce(e.link_worker_id = $1::uuid, false) AS opened_by_you,
         (SELECT s.total FROM loneliness_score s WHERE s.episode_id = e.id AND s.kind = 'baseline')::int AS baseline_total,
         (SELECT s.total FROM loneliness_score s WHERE s.episode_id = e.id AND s.kind = 'follow_up'
           ORDER BY s.recorded_on DESC, s.created_at DESC LIMIT 1)::int AS latest_total,
         (SELECT count(*) FROM referral r WHERE r.episode_id = e.id)::int AS referrals
    FROM episode e JOIN team t ON t.id = e.team_id`

export interface NewEpisode {
  teamId: string
  linkWorkerId: string
  caseNumber: string
  referralRoute: ReferralRoute
  ageBand: AgeBand
  area: Area
  openedOn: string
}

/** Opens an episode; a 409 when the person already has an open one with this team. */
export async function createEpisode(db: Queryable, e: NewEpisode, now: Date): Promise<string> {
  const ref = await clientRef(db, e.teamId, e.caseNumber)
  const open = await db.query<{ reference: string }>('SELECT reference FROM episode WHERE team_id = $1 AND client_ref = $2 AND closed_on IS NULL', [e.teamId, ref])
  if (open.rows[0]) throw new Conflict(`This case number already has an open episode with your team (${open.rows[0].reference}): use it, or close it first.`)
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO episode (reference, team_id, client_ref, link_worker_id, referral_route, age_band, outcode, ward_code, ward_name, lsoa_code, opened_on, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [newReference('E'), e.teamId, ref, e.linkWorkerId, e.referralRoute, e.ageBand, e.area.outcode, e.area.ward_code, e.area.ward_name, e.area.lsoa_code, e.openedOn, iso(now)],
  )
  return rows[0]!.id
}

/** The team's episodes for this case number: the open one first, then the newest (none when it has none). */
export async function findEpisodesByCase(db: Queryable, teamId: string, caseNumber: string, viewerId: string): Promise<EpisodeSummary[]> {
  const ref = await clientRef(db, teamId, caseNumber)
  const { rows } = await db.query<EpisodeSummary>(`${EPISODE_SUMMARY} WHERE e.team_id = $2 AND e.client_ref = $3 ORDER BY e.closed_on IS NULL DESC, e.opened_on DESC, e.created_at DESC`, [viewerId, teamId, ref])
  return rows
}

/** The episodes this link worker opened: open ones, closed ones, or all; newest first. */
export async function listEpisodes(db: Queryable, linkWorkerId: string, state: 'open' | 'closed' | 'all'): Promise<EpisodeSummary[]> {
  const { rows } = await db.query<EpisodeSummary>(
    `${EPISODE_SUMMARY} WHERE e.link_worker_id = $1
        AND ($2 = 'all' OR ($2 = 'open') = (e.closed_on IS NULL))
      ORDER BY e.opened_on DESC, e.created_at DESC LIMIT 500`,
    [linkWorkerId, state],
  )
  return rows
}

async function episodeSummary(db: Queryable, id: string, teamId: string, viewerId: string): Promise<EpisodeSummary> {
  const { rows } = await db.query<EpisodeSummary>(`${EPISODE_SUMMARY} WHERE e.id = $2 AND e.team_id = $3`, [viewerId, id, teamId])
  if (!rows[0]) throw new NotFound('No such episode in your team.')
  return rows[0]
}

/** One of the team's episodes with its scores and referrals; 404 for any other. */
export async function readEpisode(db: Queryable, id: string, teamId: string, viewerId: string): Promise<Episode> {
  const summary = await episodeSummary(db, id, teamId, viewerId)
  const scores = await db.query<Score>(
    `SELECT id, kind, recorded_on, companionship, left_out, isolated, total, direct
       FROM loneliness_score WHERE episode_id = $1 ORDER BY recorded_on, created_at`,
    [id],
  )
  return { ...summary, scores: scores.rows, referral_list: await readReferrals(db, 'r.episode_id = $1', [id]) }
}

/** The team's episode's age band and whether it is open, for matching inside it; 404 for any other. */
export async function episodeForMatch(db: Queryable, id: string, teamId: string): Promise<{ id: string; age_band: AgeBand }> {
  const { rows } = await db.query<{ id: string; age_band: AgeBand }>('SELECT id, age_band FROM episode WHERE id = $1 AND team_id = $2', [id, teamId])
  if (!rows[0]) throw new NotFound('No such episode in your team.')
  return rows[0]
}

const dateProblem = (pointer: string, detail: string) => new Invalid(detail, [{ in: 'body', pointer, detail }])

/** Closes an open episode of the team's. */
export async function closeEpisode(db: Queryable, id: string, teamId: string, c: { reason: CloseReason; closedOn: string; today: string }): Promise<void> {
  const { rows } = await db.query<{ opened_on: string; closed_on: string | null }>('SELECT opened_on, closed_on FROM episode WHERE id = $1 AND team_id = $2 FOR UPDATE', [id, teamId])
  const episode = rows[0]
  if (!episode) throw new NotFound('No such episode in your team.')
  if (episode.closed_on !== null) throw new Conflict(`The episode is already closed (on ${episode.closed_on}).`)
  if (c.closedOn > c.today) throw dateProblem('/closed_on', 'must not be in the future')
  if (c.closedOn < episode.opened_on) throw dateProblem('/closed_on', `must not be before the episode opened (${episode.opened_on})`)
  await db.query('UPDATE episode SET closed_on = $2, close_reason = $3 WHERE id = $1', [id, c.closedOn, c.reason])
}

const UCLA3_ITEMS = ['companionship', 'left_out', 'isolated'] as const

/** Records a UCLA-3 score: each item 1 to 3 (else a 422 naming it); one baseline per episode. */
export async function addScore(db: Queryable, episodeId: string, teamId: string, s: ScoreInput & { recorded_on: string }, by: string, today: string, now: Date): Promise<Score> {
  const outside = UCLA3_ITEMS.filter((k) => s[k] < 1 || s[k] > 3)
  if (outside.length > 0) {
    throw new Invalid(
      'UCLA-3 answers are 1 (hardly ever or never), 2 (some of the time) or 3 (often).',
      outside.map((k) => ({ in: 'body' as const, pointer: `/${k}`, detail: 'must be 1, 2 or 3' })),
    )
  }
  const { rows } = await db.query<{ opened_on: string }>('SELECT opened_on FROM episode WHERE id = $1 AND team_id = $2 FOR UPDATE', [episodeId, teamId])
  if (!rows[0]) throw new NotFound('No such episode in your team.')
  if (s.recorded_on > today) throw dateProblem('/recorded_on', 'must not be in the future')
  if (s.recorded_on < rows[0].opened_on) throw dateProblem('/recorded_on', `must not be before the episode opened (${rows[0].opened_on})`)
  if (s.kind === 'baseline') {
    const baseline = await db.query('SELECT 1 FROM loneliness_score WHERE episode_id = $1 AND kind = $2', [episodeId, 'baseline'])
    if (baseline.rowCount > 0) throw new Conflict('This episode already has a baseline score: record a follow-up instead.')
  }
  const inserted = await db.query<Score>(
    `INSERT INTO loneliness_score (episode_id, kind, recorded_on, companionship, left_out, isolated, direct, recorded_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING id, kind, recorded_on, companionship, left_out, isolated, total, direct`,
    [episodeId, s.kind, s.recorded_on, s.companionship, s.left_out, s.isolated, s.direct ?? null, by, iso(now)],
  )
  return inserted.rows[0]!
}

interface ReferralRow extends Omit<Referral, 'created_at' | 'updated_at' | 'history'> {
  created_at: Date
  updated_at: Date
  history: Array<{ status: ReferralStatus; reason: DeclineReason | null; at: string }>
}

const REFERRAL_SELECT = `
  SELECT r.id, r.reference, r.episode_id, e.reference AS episode_reference,
         json_build_object('id', s.id, 'name', s.name) AS service, json_build_object('id', o.id, 'name', o.name) AS organization,
         r.source, r.status, r.decline_reason, r.created_at, r.updated_at,
         (SELECT json_agg(json_build_object('status', v.status, 'reason', v.reason,
                                            'at', to_char(v.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY v.at, v.id)
            FROM referral_event v WHERE v.referral_id = r.id) AS history
    FROM referral r JOIN episode e ON e.id = r.episode_id JOIN service s ON s.id = r.service_id JOIN organization o ON o.id = r.organization_id`

async function readReferrals(db: Queryable, where: string, params: unknown[]): Promise<Referral[]> {
  const { rows } = await db.query<ReferralRow>(`${REFERRAL_SELECT} WHERE ${where} ORDER BY r.created_at DESC, r.reference LIMIT 500`, params)
  return rows.map((r) => ({ ...r, created_at: iso(r.created_at), updated_at: iso(r.updated_at), history: r.history ?? [] }))
}

/** Refers an open episode's person to a listing that is running; a 409 if one is already live. */
export async function createReferral(
  db: Queryable,
  r: { episodeId: string; teamId: string; serviceId: string; source: ReferralSource; by: string },
  now: Date,
): Promise<Referral> {
  const episode = await db.query<{ closed_on: string | null }>('SELECT closed_on FROM episode WHERE id = $1 AND team_id = $2 FOR UPDATE', [r.episodeId, r.teamId])
  if (!episode.rows[0]) throw new NotFound('No such episode in your team.')
  if (episode.rows[0].closed_on !== null) throw new Conflict('The episode is closed: open a new one to refer the person again.')
  const service = await db.query<{ organization_id: string; status: string; name: string }>('SELECT organization_id, status, name FROM service WHERE id = $1', [r.serviceId])
  const listing = service.rows[0]
  if (!listing) throw new Invalid('No such listing.', [{ in: 'body', pointer: '/service_id', detail: 'no listing has this id' }])
  if (listing.status !== 'active') throw new Conflict(`${listing.name} is not running now (${listing.status}): it cannot take referrals.`)
  const live = await db.query<{ reference: string; status: string }>(
    `SELECT reference, status FROM referral WHERE episode_id = $1 AND service_id = $2 AND status NOT IN ('declined', 'closed')`,
    [r.episodeId, r.serviceId],
  )
  if (live.rows[0]) throw new Conflict(`The person already has a referral to ${listing.name} (${live.rows[0].reference}, ${live.rows[0].status}).`)
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO referral (reference, episode_id, service_id, organization_id, source, status, made_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'sent', $6, $7, $7) RETURNING id`,
    [newReference('R'), r.episodeId, r.serviceId, listing.organization_id, r.source, r.by, iso(now)],
  )
  const id = rows[0]!.id
  await db.query(`INSERT INTO referral_event (referral_id, status, at, by_account) VALUES ($1, 'sent', $2, $3)`, [id, iso(now), r.by])
  return (await readReferrals(db, 'r.id = $1', [id]))[0]!
}

/** The referrals this link worker made, newest first. */
export async function listReferralsMadeBy(db: Queryable, accountId: string, status: ReferralStatus | undefined): Promise<Referral[]> {
  return readReferrals(db, 'r.made_by = $1 AND ($2::text IS NULL OR r.status = $2)', [accountId, status ?? null])
}

/** Who is moving a referral: a link worker of the episode's team, or an editor of the listing's organisation. */
export type ReferralActor = { mover: 'link_worker'; teamId: string } | { mover: 'organisation'; organizationIds: string[] }

/**
 * Moves a referral to a new status, time-stamped in its history. Nobody else's referral exists
 * (404); a move its status does not allow is a 409 naming the status; one for the other side
 * to make is a 403. Nothing changes on refusal. `by` is the account that moved it, or null for
 * an organisation with no account here (as the demo's organisations have none).
 */
export async function moveReferral(
  db: Queryable,
  id: string,
  change: { status: ReferralStatus; reason?: DeclineReason | undefined },
  actor: ReferralActor,
  by: string | null,
  now: Date,
): Promise<void> {
  const { rows } = await db.query<{ status: ReferralStatus; team_id: string; organization_id: string }>(
    'SELECT r.status, e.team_id, r.organization_id FROM referral r JOIN episode e ON e.id = r.episode_id WHERE r.id = $1 FOR UPDATE OF r',
    [id],
  )
  const current = rows[0]
  const theirs = current && (actor.mover === 'link_worker' ? current.team_id === actor.teamId : actor.organizationIds.includes(current.organization_id))
  if (!current || !theirs) throw new NotFound('No such referral.')
  const refusal = refuseMove(current.status, change.status, actor.mover as Mover)
  if (refusal?.status === 409) throw new Conflict(refusal.detail)
  if (refusal) throw new Forbidden(refusal.detail)
  if ((change.status === 'declined') !== (change.reason !== undefined)) {
    const detail = change.status === 'declined' ? 'say why the referral is declined' : 'a reason goes only with declined'
    throw new Invalid(`Invalid status change: ${detail}.`, [{ in: 'body', pointer: '/reason', detail }])
  }
  await db.query(
    `UPDATE referral SET status = $2, decline_reason = CASE WHEN $2 = 'declined' THEN $3 ELSE decline_reason END, updated_at = $4 WHERE id = $1`,
    [id, change.status, change.reason ?? null, iso(now)],
  )
  await db.query('INSERT INTO referral_event (referral_id, status, reason, at, by_account) VALUES ($1, $2, $3, $4, $5)', [id, change.status, change.reason ?? null, iso(now), by])
}

export async function readReferral(db: Queryable, id: string): Promise<Referral> {
  return (await readReferrals(db, 'r.id = $1', [id]))[0]!
}

/** Referrals to these organisations' listings, as they see them: nothing about the person. */
export async function listIncoming(db: Queryable, organizationIds: string[], status: ReferralStatus | undefined, id?: string): Promise<IncomingReferral[]> {
  const { rows } = await db.query<Omit<IncomingReferral, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date }>(
    `SELECT r.id, r.reference, r.created_at, json_build_object('id', s.id, 'name', s.name) AS service, r.status, r.decline_reason, r.updated_at
       FROM referral r JOIN service s ON s.id = r.service_id
      WHERE r.organization_id = ANY($1::uuid[]) AND ($2::text IS NULL OR r.status = $2) AND ($3::uuid IS NULL OR r.id = $3)
      ORDER BY r.created_at DESC, r.reference LIMIT 500`,
    [organizationIds, status ?? null, id ?? null],
  )
  return rows.map((r) => ({ ...r, created_at: iso(r.created_at), updated_at: iso(r.updated_at) }))
}

export interface TeamRow {
  id: string
  name: string
  pcn: { code: string; name: string } | null
  link_workers: number
}

const TEAMS = `
  SELECT t.id, t.name, CASE WHEN p.code IS NULL THEN NULL ELSE json_build_object('code', p.code, 'name', p.name) END AS pcn,
         (SELECT count(*) FROM account a WHERE a.team_id = t.id AND a.disabled_at IS NULL)::int AS link_workers
    FROM team t LEFT JOIN pcn p ON p.code = t.pcn_code`

export async function listTeams(db: Queryable): Promise<TeamRow[]> {
  return (await db.query<TeamRow>(`${TEAMS} ORDER BY t.name`)).rows
}

/** The primary care networks held, with how many of their GP practices are, by name. */
export async function listPcns(db: Queryable): Promise<Array<{ code: string; name: string; practices: number }>> {
  const { rows } = await db.query<{ code: string; name: string; practices: number }>(
    `SELECT p.code, p.name, (SELECT count(*) FROM gp_practice g WHERE g.pcn_code = p.code)::int AS practices FROM pcn p ORDER BY p.name, p.code`,
  )
  return rows
}

/** A 422 unless the PCN is held. */
async function checkPcn(db: Queryable, code: string): Promise<void> {
  const { rowCount } = await db.query('SELECT 1 FROM pcn WHERE code = $1', [code])
  if (rowCount === 0) throw new Invalid('No such primary care network.', [{ in: 'body', pointer: '/pcn_code', detail: 'no PCN held has this code (import its GP practices first)' }])
}

/** Names the PCN a team serves (or none). 404 for no such team; 422 for a PCN not held. */
export async function setTeamPcn(db: Queryable, teamId: string, pcnCode: string | null): Promise<TeamRow> {
  if (pcnCode !== null) await checkPcn(db, pcnCode)
  const { rowCount } = await db.query('UPDATE team SET pcn_code = $2 WHERE id = $1', [teamId, pcnCode])
  if (rowCount === 0) throw new NotFound('No such team.')
  return (await db.query<TeamRow>(`${TEAMS} WHERE t.id = $1`, [teamId])).rows[0]!
}

export interface LinkWorkerRow {
  id: string
  email: string
  team: { id: string; name: string } | null
}

/** Every link worker who can sign in, with their team (null: none yet): those without a team first, then by email. */
export async function listLinkWorkers(db: Queryable): Promise<LinkWorkerRow[]> {
  const { rows } = await db.query<LinkWorkerRow>(
    `SELECT a.id, a.email, CASE WHEN t.id IS NULL THEN NULL ELSE json_build_object('id', t.id, 'name', t.name) END AS team
       FROM account a LEFT JOIN team t ON t.id = a.team_id
      WHERE a.role = 'link_worker' AND a.disabled_at IS NULL
      ORDER BY t.id IS NOT NULL, a.email LIMIT 1000`,
  )
  return rows
}

/** Adds a team, serving a PCN or none; a 409 when one has the name (in any letter case), a 422 for a PCN not held. */
export async function createTeam(db: Queryable, name: string, now: Date, pcnCode: string | null = null): Promise<TeamRow> {
  const same = await db.query('SELECT 1 FROM team WHERE lower(name) = lower($1)', [name])
  if (same.rowCount > 0) throw new Conflict('A team already has this name.')
  if (pcnCode !== null) await checkPcn(db, pcnCode)
  const { rows } = await db.query<{ id: string }>('INSERT INTO team (name, pcn_code, created_at) VALUES ($1, $2, $3) RETURNING id', [name, pcnCode, iso(now)])
  return (await db.query<TeamRow>(`${TEAMS} WHERE t.id = $1`, [rows[0]!.id])).rows[0]!
}

/** Puts a link worker in a team (or none). 404 for no such account; 422 for another role or an unknown team. */
export async function setAccountTeam(db: Queryable, accountId: string, teamId: string | null): Promise<void> {
  const { rows } = await db.query<{ role: string }>('SELECT role FROM account WHERE id = $1', [accountId])
  if (!rows[0]) throw new NotFound('No such account.')
  if (rows[0].role !== 'link_worker') throw new Invalid('Only link workers belong to a team.', [{ in: 'params', pointer: '/id', detail: `this account is ${rows[0].role}` }])
  if (teamId !== null) {
    const team = await db.query('SELECT 1 FROM team WHERE id = $1', [teamId])
    if (team.rowCount === 0) throw new Invalid('No such team.', [{ in: 'body', pointer: '/team_id', detail: 'no team has this id' }])
  }
  await db.query('UPDATE account SET team_id = $2 WHERE id = $1', [accountId, teamId])
}
