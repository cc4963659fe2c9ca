/**
 * Pages for listings that come from elsewhere. /admin/ingest: the feed sources (adding one,
 * harvesting now), their recent runs with counts, withdrawals held back for an admin to confirm,
 * and records in quarantine with their reasons (retried after the term map is fixed). Spreadsheet
 * uploads: an organisation's editors at /my-organisation/organisations/:id/upload, admins into a
 * csv source at /admin/ingest/sources/:id/upload; each checks the file first (a dry run) and
 * shows what happened to every row.
 */
import multipart from '@fastify/multipart'
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { CsvColumnSchema, CsvReportSchema, QuarantineSchema, RunSchema, SourceSchema } from '../../ingest/schemas.ts'
import { CSV_BODY_LIMIT } from '../../ingest/routes.ts'
import { NotFound } from '../../problem.ts'
import { callApi, formErrors, formFields, formText, idOr404, readForm, type FieldProblem } from '../api.ts'

type Source = z.infer<typeof SourceSchema>
type RunRow = z.infer<typeof RunSchema>
type Quarantined = z.infer<typeof QuarantineSchema>
type Report = z.infer<typeof CsvReportSchema>
type Column = z.infer<typeof CsvColumnSchema>

const KIND_TEXT: Record<Source['kind'], string> = { oruk: 'Open Referral UK feed', openactive: 'OpenActive (RPDE) feed', csv: 'Spreadsheets' }
const STATUS_TEXT: Record<RunRow['status'], string> = { running: 'Running', succeeded: 'Succeeded', failed: 'Failed', held: 'Withdrawals held' }
const OUTCOME_TEXT: Record<Report['lines'][number]['outcome'], string> = {
  created: 'Added',
  updated: 'Changed',
  unchanged: 'No change',
  withdrawn: 'Withdrawn',
  refused: 'Not saved',
  part_of_listing: 'Part of the listing above',
}
const DONE = ['source-added', 'run', 'retried', 'withdrawals'] as const
const IngestQuery = z.object({ done: z.enum(DONE).optional().catch(undefined), id: z.string().max(40).optional().catch(undefined) })

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'medium', timeStyle: 'short' }) : '')
const runText = (r: RunRow) =>
  `${r.fetched} read: ${r.created} added, ${r.updated} changed, ${r.unchanged} unchanged, ${r.withdrawn} withdrawn, ${r.quarantined} in quarantine` +
  (r.missing ? `; ${r.missing} no longer in the feed, withdrawn` : '') +
  (r.held_withdrawals ? `; ${r.held_withdrawals} withdrawals held` : '')

interface SourceForm {
  name?: string
  kind?: string
  url?: string
  schedule?: string
  allow_http?: boolean
  problems?: FieldProblem[]
}

function registerAdminPages(app: FastifyInstance) {
  const admins = { preHandler: app.authorize('admin'), schema: { hide: true } }

  const show = async (request: FastifyRequest, reply: FastifyReply, form: SourceForm = {}, notice?: string) => {
    const sources = (await callApi<Source[]>(app, request, 'GET', '/api/admin/ingest/sources')).body
    const quarantine = (await callApi<Quarantined[]>(app, request, 'GET', '/api/admin/ingest/quarantine')).body
    const runs = (await Promise.all(sources.map(async (s) => (await callApi<RunRow[]>(app, request, 'GET', `/api/admin/ingest/sources/${s.id}/runs`)).body.slice(0, 10).map((r) => ({ ...r, source: s.name })))))
      .flat()
      .sort((a, b) => b.id - a.id)
      .slice(0, 20)
    const query = readForm(IngestQuery, request.query)
    const named = sources.find((s) => s.id === query.id)
    const banner =
      query.done === 'source-added' ? `${named?.name ?? 'The source'} is added.`
      : query.done === 'run' ? `${named?.name ?? 'The source'} was harvested: see its run below.`
      : query.done === 'retried' ? 'The record was imported.'
      : query.done === 'withdrawals' ? 'The held withdrawals were made.'
      : undefined
    const byId = new Map(sources.map((s) => [s.id, s]))
    return reply.code(form.problems?.length ? 422 : 200).page('ingest/admin-ingest.njk', {
      title: 'Listings from other directories',
      banner,
      notice,
      sources: sources.map((s) => ({
        ...s,
        kindText: KIND_TEXT[s.kind],
        lastRun: s.last_run && { ...s.last_run, statusText: STATUS_TEXT[s.last_run.status], when: when(s.last_run.started_at), text: runText(s.last_run) },
        retryAfter: s.feed_retry_after ? when(s.feed_retry_after) : null,
      })),
      held: sources.filter((s) => s.last_run?.status === 'held').map((s) => ({ source: s.name, run: s.last_run! })),
      runs: runs.map((r) => ({ ...r, statusText: STATUS_TEXT[r.status], when: when(r.started_at), text: runText(r) })),
      quarantine: quarantine.map((q) => ({ ...q, source: byId.get(q.source_id)?.name ?? '', csv: byId.get(q.source_id)?.kind === 'csv', when: when(q.created_at) })),
      form: { name: form.name ?? '', kind: form.kind ?? 'oruk', url: form.url ?? '', schedule: form.schedule ?? '', allow_http: form.allow_http ?? false },
      kinds: (['oruk', 'openactive', 'csv'] as const).map((k) => ({ value: k, text: KIND_TEXT[k], checked: (form.kind ?? 'oruk') === k })),
      ...formErrors(form.problems ?? []),
    })
  }

  app.get('/admin/ingest', admins, async (request, reply) => show(request, reply))

  app.post('/admin/ingest/sources', admins, async (request, reply) => {
    const f = formFields(request.body, ['name', 'kind', 'url', 'schedule', 'allow_http'])
    const form: SourceForm = { name: f.name, kind: f.kind, url: f.url, schedule: f.schedule, allow_http: f.allow_http === 'yes' }
    const problems: FieldProblem[] = []
    if (f.name === '') problems.push({ field: 'source-name', text: 'Enter a name for the source' })
    if (!['oruk', 'openactive', 'csv'].includes(f.kind)) problems.push({ field: 'source-kind', text: 'Choose what kind of source it is' })
    if (f.kind !== 'csv' && f.url === '') problems.push({ field: 'source-url', text: 'Enter the feed’s address' })
    if (problems.length) return show(request, reply, { ...form, problems })
    const answer = await callApi<Source>(app, request, 'POST', '/api/admin/ingest/sources', {
      name: f.name,
      kind: f.kind,
      url: f.kind === 'csv' ? null : f.url,
      schedule: f.kind === 'csv' || f.schedule === '' ? null : f.schedule,
      allow_http: form.allow_http,
    })
    if (answer.problem) {
      const field = (pointer: string) => (pointer === '/url' ? 'source-url' : pointer === '/schedule' ? 'source-schedule' : 'source-name')
      const found: FieldProblem[] =
        answer.status === 409 ? [{ field: 'source-name', text: 'A source already has this name: choose another' }]
        : (answer.problem.errors ?? []).map((e) => ({
            field: field(e.pointer),
            text: e.pointer === '/url' ? 'Enter the feed’s full address, starting https:// (or http:// when plain http is allowed)' : e.pointer === '/schedule' ? 'Enter a cron schedule, like 0 15 3 * * * for 03:15 every day' : e.detail,
          }))
      return show(request, reply, { ...form, problems: found.length ? found : [{ field: 'source-name', text: answer.problem.detail ?? answer.problem.title }] })
    }
    return reply.redirect(`/admin/ingest?done=source-added&id=${answer.body.id}`, 303)
  })

  app.post('/admin/ingest/sources/:id/run', admins, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const id = idOr404(request.params.id, 'There is no source at this address.')
    const answer = await callApi<RunRow>(app, request, 'POST', `/api/admin/ingest/sources/${id}/runs`)
    if (answer.problem) return show(request, reply, {}, answer.problem.detail ?? answer.problem.title)
    return reply.redirect(`/admin/ingest?done=run&id=${id}`, 303)
  })

  app.post('/admin/ingest/quarantine/:id/retry', admins, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const id = z.coerce.number().int().min(1).safeParse(request.params.id).data
    if (!id) throw new NotFound('There is no such record in quarantine.')
    const answer = await callApi<Quarantined>(app, request, 'POST', `/api/admin/ingest/quarantine/${id}/retry`)
    if (answer.problem) return show(request, reply, {}, answer.problem.detail ?? answer.problem.title)
    return reply.redirect('/admin/ingest?done=retried', 303)
  })

  app.post('/admin/ingest/runs/:id/withdrawals', admins, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const id = z.coerce.number().int().min(1).safeParse(request.params.id).data
    if (!id) throw new NotFound('There is no such run.')
    const answer = await callApi<RunRow>(app, request, 'POST', `/api/admin/ingest/runs/${id}/withdrawals`)
    if (answer.problem) return show(request, reply, {}, answer.problem.detail ?? answer.problem.title)
    return reply.redirect('/admin/ingest?done=withdrawals', 303)
  })
}

/** Where a spreadsheet is uploaded: for an organisation, or into an admin's csv source. */
interface UploadTarget {
  title: string
  caption: string
  back: { href: string; text: string }
  action: string
  api: string
  intro: string
}

function registerUploadPages(app: FastifyInstance) {
  const columns = async (request: FastifyRequest) => (await callApi<Column[]>(app, request, 'GET', '/api/ingest/csv/columns')).body

  const show = async (request: FastifyRequest, reply: FastifyReply, target: UploadTarget, result: { report?: Report; problems?: FieldProblem[]; replace?: boolean; status?: number } = {}) => {
    const report = result.report && {
      ...result.report,
      lines: result.report.lines.map((l) => ({ ...l, outcomeText: OUTCOME_TEXT[l.outcome] })),
      refusedLines: result.report.lines.filter((l) => l.reasons.length > 0).length,
    }
    return reply.code(result.status ?? (result.problems?.length ? 422 : 200)).page('ingest/upload.njk', {
      ...target,
      report,
      replace: result.replace ?? false,
      columns: (await columns(request)).map((c) => ({ ...c, rowsText: c.rows.join(', ') })),
      maxMegabytes: CSV_BODY_LIMIT / 1024 / 1024,
      ...formErrors(result.problems ?? []),
    })
  }

  const upload = async (request: FastifyRequest, reply: FastifyReply, target: UploadTarget) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const file = body.file
    const replace = formText(body.replace_edited) === 'yes'
    const dryRun = formText(body.action) !== 'upload'
    if (!Buffer.isBuffer(file) || file.length === 0) return show(request, reply, target, { replace, problems: [{ field: 'file', text: 'Choose the spreadsheet to upload, saved as CSV' }] })
    const answer = await callApi<Report>(app, request, 'POST', `${target.api}?dry_run=${dryRun}&replace_edited=${replace}`, file, { 'content-type': 'text/csv' })
    if (answer.problem) return show(request, reply, target, { replace, problems: [{ field: 'file', text: answer.problem.detail ?? answer.problem.title }], status: answer.status })
    return show(request, reply, target, { report: answer.body, replace })
  }

  // Multipart forms (a file) are read only here, into the body, with the size the API takes.
  app.register(async (scope) => {
    await scope.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: CSV_BODY_LIMIT, files: 1, fields: 10, fieldSize: 1000 } })
    const editors = { preHandler: scope.authorize('editor', 'admin'), schema: { hide: true } }
    const admins = { preHandler: scope.authorize('admin'), schema: { hide: true } }

    const forOrganisation = async (request: FastifyRequest<{ Params: { id: string } }>): Promise<UploadTarget> => {
      const id = idOr404(request.params.id, 'There is no organisation at this address.')
      const orgs = (await callApi<{ id: string; name: string }[]>(scope, request, 'GET', '/api/manage/organizations')).body
      const org = orgs.find((o) => o.id === id) ?? (request.principal!.role === 'admin' ? (await callApi<{ document: { name: string } }>(scope, request, 'GET', `/api/manage/organizations/${id}`)).body.document : undefined)
      if (!org) throw new NotFound('There is no organisation at this address.')
      return {
        title: `Add or update listings from a spreadsheet`,
        caption: org.name,
        back: { href: '/my-organisation', text: 'Your organisation' },
        action: `/my-organisation/organisations/${id}/upload`,
        api: `/api/manage/organizations/${id}/upload`,
        intro: `Every listing in the spreadsheet is added to ${org.name}, or changes the one it added before with the same ref.`,
      }
    }
    const forSource = async (request: FastifyRequest<{ Params: { id: string } }>): Promise<UploadTarget> => {
      const id = idOr404(request.params.id, 'There is no source at this address.')
      const source = (await callApi<Source[]>(scope, request, 'GET', '/api/admin/ingest/sources')).body.find((s) => s.id === id && s.kind === 'csv')
      if (!source) throw new NotFound('There is no spreadsheet source at this address.')
      return {
        title: 'Upload a spreadsheet of listings',
        caption: source.name,
        back: { href: '/admin/ingest', text: 'Listings from other directories' },
        action: `/admin/ingest/sources/${id}/upload`,
        api: `/api/admin/ingest/sources/${id}/upload`,
        intro: 'Each listing goes to the organisation its row names (by charity number where it gives one), or to the source’s organisation.',
      }
    }
    scope.get('/my-organisation/organisations/:id/upload', editors, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => show(request, reply, await forOrganisation(request)))
    scope.post('/my-organisation/organisations/:id/upload', editors, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => upload(request, reply, await forOrganisation(request)))
    scope.get('/admin/ingest/sources/:id/upload', admins, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => show(request, reply, await forSource(request)))
    scope.post('/admin/ingest/sources/:id/upload', admins, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => upload(request, reply, await forSource(request)))
  })
}

const ingestPages: FastifyPluginAsync = async (app) => {
  registerAdminPages(app)
  registerUploadPages(app)
}

export default ingestPages
