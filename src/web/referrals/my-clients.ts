/**
 * "My clients": a link worker's episodes (one per person they support), their UCLA-3 loneliness
 * scores and their referrals. Every read and write goes through the episodes API in process, so
 * its schemas, team scoping, status machine and audit apply to the pages too.
 *
 * The person's case number travels only in POST bodies (never a URL), goes straight to the API,
 * which keeps only a keyed hash of it, and is never logged. The only page that shows it again is
 * the one answering the form it was just typed into.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { IdSchema } from '../../id.ts'
import { NotFound } from '../../problem.ts'
import type { Episode, EpisodeSummary, Referral, Score } from '../../referrals/schemas.ts'
import { movesFor } from '../../referrals/status.ts'
import {
  AGE_BANDS,
  CLOSE_REASONS,
  DIRECT_LONELINESS,
  DIRECT_QUESTION,
  REFERRAL_ROUTES,
  REFERRAL_SOURCES,
  SCORE_KINDS,
  UCLA3_ANSWERS,
  UCLA3_QUESTIONS,
  type ReferralStatus,
} from '../../referrals/vocabulary.ts'
import { callApi, formChoice, formErrors, formFields, idOr404 as idOrNotFound, unreadableForm, type FieldProblem } from '../api.ts'
import { choices, label } from '../labels.ts'

type Ucla3Field = (typeof UCLA3_QUESTIONS)[number]['field']

/** What a UCLA-3 answer reads as: "Often (3)". */
const answerText = (points: number) => `${UCLA3_ANSWERS.find((a) => a.value === String(points))?.text ?? '?'} (${points})`

/** The success banners a redirect may ask for: a fixed set, so no text from the URL is ever shown. */
const DONE = ['started', 'score', 'referred', 'moved', 'closed'] as const
type Done = (typeof DONE)[number]

/** A uuid from the address, or the same "page not found" as for an episode that is not theirs. */
const idOr404 = (id: string): string => idOrNotFound(id, 'There is nothing at this address. It may not be one of your team’s episodes.')

type IdRequest = FastifyRequest<{ Params: { id: string } }>

/** "CR7, Thornton Heath": the postcode district and ward an episode keeps. */
export const areaText = (a: EpisodeSummary['area']): string => [a.outcode, a.ward_name].filter(Boolean).join(', ') || 'Not known'

/** What the case number's field says when the API refuses it: the schema's own complaint, in a sentence. */
function caseNumberText(detail: string | undefined): string {
  if (!detail || detail === 'enter the case number') return 'Enter the case number'
  return `The case number ${detail}`
}

/** The case number form's complaint from a lookup the API refused (a 400 naming /case_number). */
function lookupProblem(problem: { detail?: string; errors?: { pointer: string; detail: string }[] }, field: string): FieldProblem {
  const error = problem.errors?.find((e) => e.pointer === '/case_number')
  return { field, text: caseNumberText(error?.detail ?? problem.detail) }
}

/** Looks up the team's episodes for a case number; a complaint for the field when it cannot. */
export async function lookupCase(app: FastifyInstance, request: FastifyRequest, caseNumber: string, field: string): Promise<{ episodes: EpisodeSummary[] } | { problem: FieldProblem }> {
  if (caseNumber === '') return { problem: { field, text: 'Enter the case number' } }
  const answer = await callApi<{ episodes: EpisodeSummary[] }>(app, request, 'POST', '/api/episodes/lookup', { case_number: caseNumber })
  if (answer.problem) return { problem: lookupProblem(answer.problem, field) }
  return { episodes: answer.body.episodes }
}

/** The episodes table's rows: reference, opened, route, area, latest score and referrals. */
function episodeRows(episodes: EpisodeSummary[]) {
  return episodes.map((e) => ({
    ...e,
    routeText: label(e.referral_route, 'referral_route'),
    areaText: areaText(e.area),
    latest: e.latest_total ?? e.baseline_total,
  }))
}

interface StartForm {
  case_number: string
  referral_route: string
  postcode: string
  age_band: string
}

/** The start form's fields in page order, for the error summary. */
const START_ORDER = ['start_case_number', 'referral_route', 'postcode', 'age_band']

function startProblem(pointer: string, form: StartForm, detail: string): FieldProblem | undefined {
  switch (pointer) {
    case '/case_number':
      return { field: 'start_case_number', text: caseNumberText(detail) }
    case '/referral_route':
      return { field: 'referral_route', text: 'Select who referred them to you' }
    case '/age_band':
      return { field: 'age_band', text: 'Select their age band' }
    case '/postcode':
      return { field: 'postcode', text: form.postcode.length > 16 || detail.includes('not a UK postcode') ? 'Enter a real postcode, like CR0 1AA' : 'Enter a postcode in Croydon or nearby, like CR0 1AA' }
    default:
      return undefined
  }
}

/** The change between the baseline and the latest follow-up, in words. */
function changeText(baseline: Score | undefined, latest: Score | undefined): string | null {
  if (!baseline || !latest) return null
  const diff = latest.total - baseline.total
  if (diff === 0) return `No change: ${latest.total} at the baseline and at the latest follow-up.`
  const points = `${Math.abs(diff)} point${Math.abs(diff) === 1 ? '' : 's'}`
  return diff < 0
    ? `Down ${points}, from ${baseline.total} at the baseline to ${latest.total} at the latest follow-up: less lonely.`
    : `Up ${points}, from ${baseline.total} at the baseline to ${latest.total} at the latest follow-up: lonelier.`
}

/** The words of a move's button: "Mark as attended", "Close the referral". */
const MOVE_WORDS: Record<ReferralStatus, string> = {
  sent: 'Mark as sent',
  accepted: 'Mark as accepted',
  declined: 'Mark as declined',
  attended: 'Mark as attended',
  did_not_attend: 'Mark as did not attend',
  stopped: 'Mark as stopped going',
  closed: 'Close the referral',
}

function presentReferral(r: Referral) {
  return {
    ...r,
    statusText: label(r.status, 'referral_status'),
    declineText: r.decline_reason ? label(r.decline_reason, 'decline_reason') : null,
    sourceText: label(r.source, 'referral_source'),
    history: r.history.map((h) => ({ ...h, text: label(h.status, 'referral_status') + (h.reason ? `: ${label(h.reason, 'decline_reason')}` : '') })),
    moves: movesFor(r.status, 'link_worker').map((to) => ({ status: to, text: MOVE_WORDS[to] })),
  }
}

interface ScoreForm {
  kind: string
  companionship: string
  left_out: string
  isolated: string
  direct: string
}

const myClientsPages: FastifyPluginAsync = async (app) => {
  const linkWorkers = app.authorize('link_worker')
  const hide = { schema: { hide: true } }

  /** The My clients page: find or start an episode, and the open (or closed) episodes. */
  async function showHome(
    request: FastifyRequest,
    reply: FastifyReply,
    opts: { problems?: FieldProblem[]; start?: StartForm; closedForCase?: EpisodeSummary[] } = {},
  ) {
    if (!request.principal?.team) return reply.page('referrals/my-clients.njk', { title: 'My clients', noTeam: true })
    const state = (request.query as { state?: unknown }).state === 'closed' ? 'closed' : 'open'
    const list = await callApi<{ episodes: EpisodeSummary[] }>(app, request, 'GET', `/api/episodes?state=${state}`)
    const problems = [...(opts.problems ?? [])].sort((a, b) => START_ORDER.indexOf(a.field) - START_ORDER.indexOf(b.field))
    const start = opts.start
    return reply.code(problems.length ? 422 : 200).page('referrals/my-clients.njk', {
      title: state === 'closed' ? 'My clients: closed episodes' : 'My clients',
      team: request.principal.team,
      state,
      episodes: episodeRows(list.body.episodes),
      start: start
        ? {
            values: start,
            routes: choices('referral_route', [start.referral_route]),
            ageBands: AGE_BANDS.map((b) => ({ value: b, text: b, checked: b === start.age_band })),
            closed: episodeRows(opts.closedForCase ?? []),
          }
        : undefined,
      ...formErrors(problems),
    })
  }

  app.get('/my-clients', { preHandler: linkWorkers, ...hide }, async (request, reply) => showHome(request, reply))

  // The case number arrives in the body and goes only to the API: never into a URL or a log line.
  app.post('/my-clients/find', { preHandler: linkWorkers, ...hide }, async (request, reply) => {
    const { case_number: caseNumber } = formFields(request.body, ['case_number'])
    const found = await lookupCase(app, request, caseNumber, 'case_number')
    if ('problem' in found) return showHome(request, reply, { problems: [found.problem] })
    const open = found.episodes.find((e) => e.closed_on === null)
    if (open) return reply.redirect(`/my-clients/${open.id}`, 303)
    // None open: the start form, with the number they just typed so they need not type it again.
    return showHome(request, reply, { start: { case_number: caseNumber, referral_route: '', postcode: '', age_band: '' }, closedForCase: found.episodes })
  })

  app.post('/my-clients/start', { preHandler: linkWorkers, ...hide }, async (request, reply) => {
    const form: StartForm = formFields(request.body, ['case_number', 'referral_route', 'postcode', 'age_band'])
    const problems: FieldProblem[] = []
    if (form.case_number === '') problems.push({ field: 'start_case_number', text: 'Enter the case number' })
    if (!formChoice(REFERRAL_ROUTES, form.referral_route)) problems.push({ field: 'referral_route', text: 'Select who referred them to you' })
    if (form.postcode === '') problems.push({ field: 'postcode', text: 'Enter their home postcode, like CR0 1AA' })
    if (!formChoice(AGE_BANDS, form.age_band)) problems.push({ field: 'age_band', text: 'Select their age band' })
    if (problems.length) return showHome(request, reply, { problems, start: form })
    const answer = await callApi<Episode>(app, request, 'POST', '/api/episodes', form)
    if (answer.problem) {
      const errors = answer.problem.errors ?? []
      const mapped = errors.map((e) => startProblem(e.pointer, form, e.detail)).filter((p): p is FieldProblem => p !== undefined)
      // A 409 (an open episode already) and anything no field claims go against the case number.
      const found = mapped.length ? mapped : [{ field: 'start_case_number', text: answer.problem.detail ?? answer.problem.title }]
      return showHome(request, reply, { problems: found, start: form })
    }
    return reply.redirect(`/my-clients/${answer.body.id}?done=started`, 303)
  })

  /** One episode: its details, scores, referrals, and the forms that change them. */
  async function showEpisode(request: FastifyRequest, reply: FastifyReply, id: string, opts: { problems?: FieldProblem[]; score?: ScoreForm; closeReason?: string } = {}) {
    const episode = (await callApi<Episode>(app, request, 'GET', `/api/episodes/${id}`)).body
    const baseline = episode.scores.find((s) => s.kind === 'baseline')
    const followUps = episode.scores.filter((s) => s.kind === 'follow_up')
    const latest = followUps.at(-1)
    const problems = opts.problems ?? []
    const score: ScoreForm = opts.score ?? { kind: baseline ? 'follow_up' : 'baseline', companionship: '', left_out: '', isolated: '', direct: '' }
    const query = request.query as { done?: unknown; referral?: unknown }
    const done = DONE.find((d) => d === query.done)
    const referral = episode.referral_list.find((r) => r.id === query.referral)
    return reply.code(problems.length ? 422 : 200).page('referrals/my-clients-episode.njk', {
      title: `Episode ${episode.reference}`,
      episode,
      open: episode.closed_on === null,
      areaText: areaText(episode.area),
      routeText: label(episode.referral_route, 'referral_route'),
      closeText: episode.close_reason ? label(episode.close_reason, 'close_reason') : null,
      scores: episode.scores.map((s) => ({
        ...s,
        kindText: s.kind === 'baseline' ? 'Baseline' : 'Follow-up',
        answers: UCLA3_QUESTIONS.map((q) => ({ question: q.question, text: answerText(s[q.field]) })),
        directText: s.direct ? label(s.direct, 'direct_loneliness') : 'Not asked',
      })),
      change: changeText(baseline, latest),
      scoreForm: {
        kind: score.kind,
        kindText: score.kind === 'baseline' ? 'baseline' : 'follow-up',
        questions: UCLA3_QUESTIONS.map((q) => ({
          ...q,
          items: UCLA3_ANSWERS.map((a) => ({ value: a.value, text: `${a.text} (${a.value})`, checked: score[q.field] === a.value })),
        })),
        direct: [{ value: '', text: 'Not asked', checked: score.direct === '' }, ...choices('direct_loneliness', [score.direct])],
      },
      directQuestion: DIRECT_QUESTION,
      referrals: episode.referral_list.map(presentReferral),
      closeReasons: choices('close_reason', opts.closeReason ? [opts.closeReason] : []),
      banner: done ? doneText(done, episode, referral) : undefined,
      ...formErrors(problems),
    })
  }

  function doneText(done: Done, episode: Episode, referral: Referral | undefined): string {
    switch (done) {
      case 'started':
        return `Episode ${episode.reference} is started. Note this code in your own records: Connector does not keep the case number.`
      case 'score': {
        const s = episode.scores.at(-1)
        return s ? `The ${s.kind === 'baseline' ? 'baseline' : 'follow-up'} score is recorded: ${s.total} out of 9.` : 'The score is recorded.'
      }
      case 'referred':
        return referral ? `Referral ${referral.reference} to ${referral.service.name} is sent to ${referral.organization.name}.` : 'The referral is sent.'
      case 'moved':
        return referral ? `Referral ${referral.reference} to ${referral.service.name} is now: ${label(referral.status, 'referral_status')}.` : 'The referral’s status is changed.'
      case 'closed':
        return `Episode ${episode.reference} is closed.`
    }
  }

  app.get('/my-clients/:id', { preHandler: linkWorkers, ...hide }, async (request: IdRequest, reply) => showEpisode(request, reply, idOr404(request.params.id)))

  app.post('/my-clients/:id/scores', { preHandler: linkWorkers, ...hide }, async (request: IdRequest, reply) => {
    const id = idOr404(request.params.id)
    const fields = formFields(request.body, ['kind', 'companionship', 'left_out', 'isolated', 'direct'])
    const form: ScoreForm = { ...fields, kind: formChoice(SCORE_KINDS, fields.kind) ?? 'follow_up' }
    const problems: FieldProblem[] = []
    for (const q of UCLA3_QUESTIONS) {
      if (!UCLA3_ANSWERS.some((a) => a.value === form[q.field])) problems.push({ field: q.field, text: `Select an answer to “${q.question}”` })
    }
    const direct = form.direct === '' ? undefined : formChoice(DIRECT_LONELINESS, form.direct)
    if (form.direct !== '' && !direct) problems.push({ field: 'direct', text: `Select an answer to “${DIRECT_QUESTION}”, or not asked` })
    if (problems.length) return showEpisode(request, reply, id, { problems, score: form })
    const points = (f: Ucla3Field) => Number(form[f])
    const answer = await callApi(app, request, 'POST', `/api/episodes/${id}/scores`, {
      kind: form.kind,
      companionship: points('companionship'),
      left_out: points('left_out'),
      isolated: points('isolated'),
      ...(direct ? { direct } : {}),
    })
    if (answer.problem) return showEpisode(request, reply, id, { problems: [{ field: 'companionship', text: answer.problem.detail ?? answer.problem.title }], score: form })
    return reply.redirect(`/my-clients/${id}?done=score`, 303)
  })

  app.post('/my-clients/:id/close', { preHandler: linkWorkers, ...hide }, async (request: IdRequest, reply) => {
    const id = idOr404(request.params.id)
    const reason = formChoice(CLOSE_REASONS, formFields(request.body, ['reason']).reason)
    if (!reason) return showEpisode(request, reply, id, { problems: [{ field: 'reason', text: 'Select why the episode is ending' }] })
    const answer = await callApi(app, request, 'POST', `/api/episodes/${id}/close`, { reason })
    if (answer.problem) return showEpisode(request, reply, id, { problems: [{ field: 'reason', text: answer.problem.detail ?? answer.problem.title }], closeReason: reason })
    return reply.redirect(`/my-clients/${id}?done=closed`, 303)
  })

  app.post('/my-clients/:id/refer', { preHandler: linkWorkers, ...hide }, async (request: IdRequest, reply) => {
    const id = idOr404(request.params.id)
    const form = formFields(request.body, ['service_id', 'source'])
    const serviceId = form.service_id
    const source = formChoice(REFERRAL_SOURCES, form.source)
    if (!IdSchema.safeParse(serviceId).success || !source) throw unreadableForm()
    const answer = await referEpisode(app, request, id, serviceId, source)
    if ('problem' in answer) return showEpisode(request, reply, id, { problems: [{ field: 'referrals', text: answer.problem }] })
    return reply.redirect(answer.location, 303)
  })

  app.post('/my-clients/:id/referrals/:referral/status', { preHandler: linkWorkers, ...hide }, async (request: FastifyRequest<{ Params: { id: string; referral: string } }>, reply) => {
    const id = idOr404(request.params.id)
    const referralId = idOr404(request.params.referral)
    const episode = (await callApi<Episode>(app, request, 'GET', `/api/episodes/${id}`)).body
    const referral = episode.referral_list.find((r) => r.id === referralId)
    if (!referral) throw new NotFound('This episode has no such referral.')
    const field = `referral-${referral.id}`
    const status = formChoice(movesFor(referral.status, 'link_worker'), formFields(request.body, ['status']).status)
    if (!status) return showEpisode(request, reply, id, { problems: [{ field, text: `Referral ${referral.reference} is ${label(referral.status, 'referral_status').toLowerCase()}: choose one of the changes shown` }] })
    const answer = await callApi(app, request, 'POST', `/api/referrals/${referral.id}/status`, { status })
    if (answer.problem) return showEpisode(request, reply, id, { problems: [{ field, text: answer.problem.detail ?? answer.problem.title }] })
    return reply.redirect(`/my-clients/${id}?done=moved&referral=${referral.id}`, 303)
  })
}

/** Refers the episode's person to a listing; where to go next, or the API's complaint in words. */
export async function referEpisode(
  app: FastifyInstance,
  request: FastifyRequest,
  episodeId: string,
  serviceId: string,
  source: (typeof REFERRAL_SOURCES)[number],
): Promise<{ location: string } | { problem: string }> {
  const answer = await callApi<Referral>(app, request, 'POST', `/api/episodes/${episodeId}/referrals`, { service_id: serviceId, source })
  if (answer.problem) return { problem: answer.problem.detail ?? answer.problem.title }
  return { location: `/my-clients/${episodeId}?done=referred&referral=${answer.body.id}` }
}

export default myClientsPages
