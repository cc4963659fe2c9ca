/**
 * A listing's page: everything a person needs to turn up (when, where, how to get there, who to
 * contact, access), a way for link workers to report that it is wrong, and for a link worker in
 * a team a way to refer a client to it by their case number (sent in a POST body only).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { findService } from '../../directory/store.ts'
import type { ServiceDetail } from '../../directory/schemas.ts'
import { PROBLEM_KINDS, REMOTE_DELIVERY_MODES } from '../../directory/vocabulary.ts'
import { languageName } from '../../matching/words.ts'
import { ReportProblemBodySchema } from '../../manage/problems.ts'
import { NotFound } from '../../problem.ts'
import { callApi, formErrors, formText, maxLengthAt, readForm, type FieldProblem } from '../api.ts'
import { lookupCase, referEpisode } from '../referrals/my-clients.ts'
import { choices, label } from '../labels.ts'
import { freshnessTag, nextDates, whenText } from '../present.ts'
import { IdSchema } from '../../id.ts'

const Params = z.object({ id: IdSchema })
const ProblemForm = z.object({ kind: z.string().optional(), note: z.string().default('') })
export const MAX_NOTE = maxLengthAt(ReportProblemBodySchema, 'note')

async function serviceOr404(app: Parameters<FastifyPluginAsync>[0], id: string): Promise<ServiceDetail> {
  const parsed = Params.safeParse({ id })
  const service = parsed.success ? await findService(app.db, parsed.data.id) : undefined
  if (!service) throw new NotFound('There is no listing at this address. It may have been removed.')
  return service
}

const listingPages: FastifyPluginAsync = async (app) => {
  /** The listing's page; `refer` holds the refer form's complaint (and whether to offer starting an episode). */
  const showListing = async (request: FastifyRequest, reply: FastifyReply, service: ServiceDetail, refer: { problem: FieldProblem; noEpisode: boolean } | undefined = undefined) => {
    const now = app.now()
    const principal = request.principal
    const locations = service.locations.map((l) => ({
      ...l,
      access: l.accessibility.map((a) => ({ text: label(a.feature, 'accessibility'), details: a.details })),
      when: whenText(service.schedules.filter((s) => s.location_id === l.id)),
    }))
    const serviceWide = service.schedules.filter((s) => s.location_id === null)
    const mapData = {
      centre: null,
      markers: service.locations.flatMap((l) =>
        l.latitude !== null && l.longitude !== null ? [{ lat: l.latitude, lon: l.longitude, name: l.name, place: l.address?.address_1 ?? '', href: `#location-${l.id}` }] : [],
      ),
    }
    return reply.code(refer ? 422 : 200).page('search/listing.njk', {
      title: service.name,
      service,
      locations,
      when: whenText(serviceWide),
      next: nextDates(service.schedules, now, 3),
      freshness: freshnessTag(service.verified_at, now),
      otherWays: service.delivery_modes.filter((m) => m !== 'venue').map((m) => label(m, 'delivery_mode')),
      // Where its home visits, telephone or online sessions reach, as sentences ("Available to anyone living in Croydon, by phone").
      areas: service.delivery_modes.some((m) => (REMOTE_DELIVERY_MODES as readonly string[]).includes(m))
        ? service.service_areas.map((a) => a.service_area ?? a.name)
        : [],
      languages: service.languages.map(languageName),
      mapData,
      reported: (request.query as { reported?: string }).reported === '1',
      // Only a link worker refers, and only from their team's episodes.
      referral: principal?.role === 'link_worker' ? { team: principal.team, noEpisode: refer?.noEpisode ?? false } : undefined,
      ...formErrors(refer ? [refer.problem] : []),
    })
  }

  app.get('/services/:id', { schema: { hide: true } }, async (request: FastifyRequest<{ Params: { id: string } }>, reply) =>
    showListing(request, reply, await serviceOr404(app, request.params.id)),
  )

  // The case number arrives in the body and goes only to the episodes API: never a URL or a log line.
  app.post('/services/:id/refer', { preHandler: app.authorize('link_worker'), schema: { hide: true } }, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const service = await serviceOr404(app, request.params.id)
    const field = 'case_number'
    const found = await lookupCase(app, request, formText((request.body as { case_number?: unknown } | undefined)?.case_number), field)
    if ('problem' in found) return showListing(request, reply, service, { problem: found.problem, noEpisode: false })
    const open = found.episodes.find((e) => e.closed_on === null)
    if (!open) {
      return showListing(request, reply, service, { problem: { field, text: 'Your team has no open episode with this case number. Start one in My clients, then refer them.' }, noEpisode: true })
    }
    const answer = await referEpisode(app, request, open.id, service.id, 'listing')
    if ('problem' in answer) return showListing(request, reply, service, { problem: { field, text: answer.problem }, noEpisode: false })
    return reply.redirect(answer.location, 303)
  })

  const showReport = (reply: FastifyReply, service: ServiceDetail, values: { kind?: string; note?: string }, problems: FieldProblem[] = []) =>
    reply.code(problems.length ? 422 : 200).page('search/report-problem.njk', {
      title: `Report a problem with ${service.name}`,
      service,
      values,
      kinds: choices('problem_kind', values.kind ? [values.kind] : []),
      maxNote: MAX_NOTE,
      ...formErrors(problems),
    })

  app.get('/services/:id/report-problem', { preHandler: app.authorize('link_worker', 'admin'), schema: { hide: true } }, async (request: FastifyRequest<{ Params: { id: string } }>, reply) =>
    showReport(reply, await serviceOr404(app, request.params.id), {}),
  )

  app.post('/services/:id/report-problem', { preHandler: app.authorize('link_worker', 'admin'), schema: { hide: true } }, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const service = await serviceOr404(app, request.params.id)
    const form = readForm(ProblemForm, request.body)
    const problems: FieldProblem[] = []
    if (!form.kind || !(PROBLEM_KINDS as readonly string[]).includes(form.kind)) problems.push({ field: 'kind', text: 'Select what is wrong' })
    if (form.note.trim().length > MAX_NOTE) problems.push({ field: 'note', text: `Details must be ${MAX_NOTE} characters or fewer` })
    if (problems.length) return showReport(reply, service, form, problems)
    await callApi(app, request, 'POST', `/api/services/${service.id}/problems`, { kind: form.kind, note: form.note.trim() })
    return reply.redirect(`/services/${service.id}?reported=1`, 303)
  })
}

export default listingPages
