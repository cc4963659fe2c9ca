/**
 * Link workers' episodes, scores and referrals; organisations' incoming referrals; admins'
 * teams. Case numbers come only in request bodies (never a URL, so never a log line) and are
 * turned into a keyed hash at once.
 */
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { audit } from '../auth/store.ts'
import { locatePostcode } from '../geo/locate.ts'
import { IdSchema } from '../id.ts'
import { coarseArea } from '../match/gaps.ts'
import { ukNow } from '../matching/sessions.ts'
import { Forbidden, Invalid, ProblemSchema } from '../problem.ts'
import {
  AccountTeamSchema,
  CaseLookupSchema,
  EpisodeCloseSchema,
  EpisodeCreateSchema,
  EpisodeSchema,
  EpisodeSummarySchema,
  IncomingReferralSchema,
  LinkWorkerSchema,
  ReferralCreateSchema,
  ReferralSchema,
  ScoreInputSchema,
  ScoreSchema,
  StatusChangeSchema,
  PcnSchema,
  TeamCreateSchema,
  TeamPcnSchema,
  TeamSchema,
} from './schemas.ts'
import {
  addScore,
  closeEpisode,
  createEpisode,
  createReferral,
  createTeam,
  findEpisodesByCase,
  listEpisodes,
  listIncoming,
  listLinkWorkers,
  listPcns,
  listReferralsMadeBy,
  listTeams,
  moveReferral,
  readEpisode,
  readReferral,
  setAccountTeam,
  setTeamPcn,
} from './store.ts'
import { REFERRAL_STATUSES } from './vocabulary.ts'

const Id = z.object({ id: IdSchema })
const Errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema }
const WriteErrors = { ...Errors, 409: ProblemSchema, 422: ProblemSchema }

/** The signed-in link worker's team; a 403 until an admin has put them in one. */
export function teamOf(request: FastifyRequest): { id: string; name: string } {
  const team = request.principal?.team
  if (!team) throw new Forbidden('You are not in a team yet: ask an admin to add you to your team before recording episodes.')
  return team
}

const referralRoutes: FastifyPluginAsyncZod = async (app) => {
  const linkWorkers = app.authorize('link_worker')
  const today = () => ukNow(app.now()).date
  const done = (request: FastifyRequest, action: string, type: string, id: string, detail: Record<string, unknown> = {}) =>
    audit(app.db, { account_id: request.principal!.account_id, action, outcome: 'success', ip: request.ip, target_type: type, target_id: id, detail }, app.now())
  const notFuture = (date: string, pointer: string) => {
    if (date > today()) throw new Invalid(`${pointer.slice(1)} must not be in the future.`, [{ in: 'body', pointer, detail: 'must not be in the future' }])
    return date
  }

  app.post(
    '/episodes',
    {
      preHandler: linkWorkers,
      schema: {
        tags: ['episodes'],
        summary: 'Start an episode for a person, known only by your case number (kept as a keyed hash)',
        description:
          'Stores the team, you, the referral route, the age band and the postcode district, ward and LSOA of the ' +
          'postcode (the postcode itself is dropped). A case number with an open episode in your team is a 409.',
        body: EpisodeCreateSchema,
        response: { 201: EpisodeSchema, ...WriteErrors },
      },
    },
    async (request, reply) => {
      const team = teamOf(request)
      const b = request.body
      const openedOn = notFuture(b.opened_on ?? today(), '/opened_on')
      const area = await coarseArea(app.db, await locatePostcode(app.db, b.postcode, 'postcode', 'body'))
      const principal = request.principal!
      const id = await app.db.transaction((tx) =>
        createEpisode(tx, { teamId: team.id, linkWorkerId: principal.account_id, caseNumber: b.case_number, referralRoute: b.referral_route, ageBand: b.age_band, area, openedOn }, app.now()),
      )
      await done(request, 'episode_open', 'episode', id)
      return reply.code(201).send(await readEpisode(app.db, id, team.id, principal.account_id))
    },
  )

  app.post(
    '/episodes/lookup',
    {
      preHandler: linkWorkers,
      schema: {
        tags: ['episodes'],
        summary: "Find your team's episodes for a case number (in the body, so it is in no URL or log)",
        body: CaseLookupSchema,
        response: { 200: z.object({ episodes: z.array(EpisodeSummarySchema) }), ...Errors },
      },
    },
    async (request) => ({ episodes: await findEpisodesByCase(app.db, teamOf(request).id, request.body.case_number, request.principal!.account_id) }),
  )

  app.get(
    '/episodes',
    {
      preHandler: linkWorkers,
      schema: {
        tags: ['episodes'],
        summary: 'The episodes you opened, newest first',
        querystring: z.strictObject({ state: z.enum(['open', 'closed', 'all']).default('open') }),
        response: { 200: z.object({ episodes: z.array(EpisodeSummarySchema) }), ...Errors },
      },
    },
    async (request) => ({ episodes: await listEpisodes(app.db, request.principal!.account_id, request.query.state) }),
  )

  app.get(
    '/episodes/:id',
    {
      preHandler: linkWorkers,
      schema: { tags: ['episodes'], summary: "One of your team's episodes, with its scores and referrals", params: Id, response: { 200: EpisodeSchema, ...Errors } },
    },
    async (request) => readEpisode(app.db, request.params.id, teamOf(request).id, request.principal!.account_id),
  )

  app.post(
    '/episodes/:id/close',
    {
      preHandler: linkWorkers,
      schema: { tags: ['episodes'], summary: 'Close an episode, saying why', params: Id, body: EpisodeCloseSchema, response: { 200: EpisodeSchema, ...WriteErrors } },
    },
    async (request) => {
      const team = teamOf(request)
      await app.db.transaction((tx) => closeEpisode(tx, request.params.id, team.id, { reason: request.body.reason, closedOn: request.body.closed_on ?? today(), today: today() }))
      await done(request, 'episode_close', 'episode', request.params.id, { reason: request.body.reason })
      return readEpisode(app.db, request.params.id, team.id, request.principal!.account_id)
    },
  )

  app.post(
    '/episodes/:id/scores',
    {
      preHandler: linkWorkers,
      schema: {
        tags: ['episodes'],
        summary: 'Record a UCLA-3 loneliness score (baseline once, follow-ups any time)',
        description: 'Each item 1 (hardly ever or never), 2 (some of the time) or 3 (often); the total is their sum, 3 to 9. An answer outside the scale is a 422.',
        params: Id,
        body: ScoreInputSchema,
        response: { 201: ScoreSchema, ...WriteErrors },
      },
    },
    async (request, reply) => {
      const team = teamOf(request)
      const body = { ...request.body, recorded_on: request.body.recorded_on ?? today() }
      const score = await app.db.transaction((tx) => addScore(tx, request.params.id, team.id, body, request.principal!.account_id, today(), app.now()))
      await done(request, 'score_add', 'episode', request.params.id, { kind: score.kind })
      return reply.code(201).send(score)
    },
  )

  app.post(
    '/episodes/:id/referrals',
    {
      preHandler: linkWorkers,
      schema: {
        tags: ['referrals'],
        summary: "Refer the episode's person to a listing",
        params: Id,
        body: ReferralCreateSchema,
        response: { 201: ReferralSchema, ...WriteErrors },
      },
    },
    async (request, reply) => {
      const team = teamOf(request)
      const referral = await app.db.transaction((tx) =>
        createReferral(tx, { episodeId: request.params.id, teamId: team.id, serviceId: request.body.service_id, source: request.body.source, by: request.principal!.account_id }, app.now()),
      )
      await done(request, 'referral_create', 'referral', referral.id, { service_id: referral.service.id })
      return reply.code(201).send(referral)
    },
  )

  const statusFilter = z.strictObject({ status: z.enum(REFERRAL_STATUSES).optional() })

  app.get(
    '/referrals',
    {
      preHandler: linkWorkers,
      schema: { tags: ['referrals'], summary: 'The referrals you made, newest first', querystring: statusFilter, response: { 200: z.object({ referrals: z.array(ReferralSchema) }), ...Errors } },
    },
    async (request) => ({ referrals: await listReferralsMadeBy(app.db, request.principal!.account_id, request.query.status) }),
  )

  app.post(
    '/referrals/:id/status',
    {
      preHandler: linkWorkers,
      schema: {
        tags: ['referrals'],
        summary: "Change a referral's status as its link worker: attended, did not attend, stopped, closed",
        description: 'Moves: sent → accepted or declined (by the organisation) or closed; accepted → attended, did_not_attend or closed; did_not_attend → attended or closed; attended → stopped or closed; stopped and declined → closed. Any other move is a 409 naming the current status.',
        params: Id,
        body: StatusChangeSchema,
        response: { 200: ReferralSchema, ...WriteErrors },
      },
    },
    async (request) => {
      const team = teamOf(request)
      await app.db.transaction((tx) => moveReferral(tx, request.params.id, request.body, { mover: 'link_worker', teamId: team.id }, request.principal!.account_id, app.now()))
      await done(request, 'referral_status', 'referral', request.params.id, { status: request.body.status })
      return readReferral(app.db, request.params.id)
    },
  )

  const editors = app.authorize('editor')

  app.get(
    '/manage/referrals',
    {
      preHandler: editors,
      schema: {
        tags: ['referrals'],
        summary: "Referrals to your organisations' listings: code, date, listing and status, nothing about the person",
        querystring: statusFilter,
        response: { 200: z.object({ referrals: z.array(IncomingReferralSchema) }), ...Errors },
      },
    },
    async (request) => ({ referrals: await listIncoming(app.db, request.principal!.organization_ids, request.query.status) }),
  )

  app.post(
    '/manage/referrals/:id/status',
    {
      preHandler: editors,
      schema: {
        tags: ['referrals'],
        summary: 'Say whether your organisation took the person (accepted, or declined with a reason) and whether they came',
        params: Id,
        body: StatusChangeSchema,
        response: { 200: IncomingReferralSchema, ...WriteErrors },
      },
    },
    async (request) => {
      const orgs = request.principal!.organization_ids
      await app.db.transaction((tx) => moveReferral(tx, request.params.id, request.body, { mover: 'organisation', organizationIds: orgs }, request.principal!.account_id, app.now()))
      await done(request, 'referral_status', 'referral', request.params.id, { status: request.body.status })
      return (await listIncoming(app.db, orgs, undefined, request.params.id))[0]!
    },
  )

  const admins = app.authorize('admin')

  app.get(
    '/admin/teams',
    { preHandler: admins, schema: { tags: ['accounts'], summary: "Link workers' teams", response: { 200: z.array(TeamSchema), ...Errors } } },
    async () => listTeams(app.db),
  )

  app.post(
    '/admin/teams',
    {
      preHandler: admins,
      schema: { tags: ['accounts'], summary: 'Add a team (a primary care network or a service)', body: TeamCreateSchema, response: { 201: TeamSchema, ...WriteErrors } },
    },
    async (request, reply) => {
      const team = await createTeam(app.db, request.body.name, app.now(), request.body.pcn_code ?? null)
      await done(request, 'team_create', 'team', team.id)
      return reply.code(201).send(team)
    },
  )

  app.put(
    '/admin/teams/:id/pcn',
    {
      preHandler: admins,
      schema: { tags: ['accounts'], summary: 'Name the primary care network a team serves, or none (null)', params: Id, body: TeamPcnSchema, response: { 200: TeamSchema, ...WriteErrors } },
    },
    async (request) => {
      const team = await setTeamPcn(app.db, request.params.id, request.body.pcn_code)
      await done(request, 'team_pcn', 'team', team.id, { pcn_code: request.body.pcn_code })
      return team
    },
  )

  app.get(
    '/admin/pcns',
    { preHandler: admins, schema: { tags: ['accounts'], summary: 'Primary care networks held (from the GP practices imported), by name', response: { 200: z.array(PcnSchema), ...Errors } } },
    async () => listPcns(app.db),
  )

  app.get(
    '/admin/link-workers',
    {
      preHandler: admins,
      schema: {
        tags: ['accounts'],
        summary: 'Link workers who can sign in, with their team: those in no team first, then by email',
        response: { 200: z.array(LinkWorkerSchema), ...Errors },
      },
    },
    async () => listLinkWorkers(app.db),
  )

  app.put(
    '/admin/accounts/:id/team',
    {
      preHandler: admins,
      schema: { tags: ['accounts'], summary: "Put a link worker in a team, or take them out (null)", params: Id, body: AccountTeamSchema, response: { 204: z.null(), ...WriteErrors } },
    },
    async (request, reply) => {
      await setAccountTeam(app.db, request.params.id, request.body.team_id)
      await done(request, 'account_team', 'account', request.params.id, { team_id: request.body.team_id })
      return reply.code(204).send(null)
    },
  )
}

export default referralRoutes
