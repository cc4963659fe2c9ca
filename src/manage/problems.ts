import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { audit } from '../auth/store.ts'
import { PROBLEM_KINDS } from '../directory/vocabulary.ts'
import { NotFound, ProblemSchema } from '../problem.ts'
import { mayEdit, organizationOf } from './store.ts'
import { IdSchema } from '../id.ts'

/** Unresolved reports older than this are listed for admins. */
export const OLD_REPORT_DAYS = 14

/** A problem report as the API answers it (and the pages read it). */
export const ReportSchema = z.object({
  id: z.uuid(),
  service: z.object({ id: z.uuid(), name: z.string(), organization_id: z.uuid() }),
  kind: z.enum(PROBLEM_KINDS),
  note: z.string(),
  created_at: z.iso.datetime(),
  resolved_at: z.iso.datetime().nullable(),
  resolution_note: z.string().nullable(),
})
export type Report = z.infer<typeof ReportSchema>

/** What a link worker sends to report a problem, and an editor to resolve one. */
export const ReportProblemBodySchema = z.strictObject({ kind: z.enum(PROBLEM_KINDS), note: z.string().trim().max(1000).default('') })
export const ResolveProblemBodySchema = z.strictObject({ resolution_note: z.string().trim().max(1000).default('') })

const SELECT_REPORTS = `
  SELECT r.id, json_build_object('id', s.id, 'name', s.name, 'organization_id', s.organization_id) AS service,
         r.kind, r.note, r.created_at, r.resolved_at, r.resolution_note
    FROM problem_report r JOIN service s ON s.id = r.service_id`

const iso = (rows: (Omit<Report, 'created_at' | 'resolved_at'> & { created_at: Date; resolved_at: Date | null })[]): Report[] =>
  rows.map((r) => ({ ...r, created_at: r.created_at.toISOString(), resolved_at: r.resolved_at && r.resolved_at.toISOString() }))

/**
 * Reporting a problem with a listing: link workers report; the organisation's editors see and
 * resolve their reports; admins see unresolved reports older than 14 days.
 */
const problemRoutes: FastifyPluginAsyncZod = async (app) => {
  const Errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema }

  app.post(
    '/services/:id/problems',
    {
      preHandler: app.authorize('link_worker', 'admin'),
      schema: {
        tags: ['self-service'],
        summary: 'Report that a listing is wrong (closed, wrong time, wrong place, other); no client details in the note',
        params: z.object({ id: IdSchema }),
        body: ReportProblemBodySchema,
        response: { 201: z.object({ id: z.uuid() }), ...Errors },
      },
    },
    async (request, reply) => {
      if (!(await organizationOf(app.db, request.params.id))) throw new NotFound('No such service.')
      const now = app.now()
      const { rows } = await app.db.query<{ id: string }>(
        'INSERT INTO problem_report (service_id, kind, note, reported_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [request.params.id, request.body.kind, request.body.note, request.principal!.account_id, now.toISOString()],
      )
      await audit(app.db, { account_id: request.principal!.account_id, action: 'problem_report', outcome: 'success', ip: request.ip, target_type: 'service', target_id: request.params.id, detail: { kind: request.body.kind } }, now)
      return reply.code(201).send({ id: rows[0]!.id })
    },
  )

  app.get(
    '/manage/problems',
    {
      preHandler: app.authorize('editor', 'admin'),
      schema: { tags: ['self-service'], summary: 'Problems reported with your organisations’ listings, unresolved first', response: { 200: z.array(ReportSchema), ...Errors } },
    },
    async (request) => {
      const { rows } = await app.db.query<Parameters<typeof iso>[0][number]>(
        `${SELECT_REPORTS} WHERE s.organization_id = ANY ($1::uuid[]) ORDER BY r.resolved_at NULLS FIRST, r.created_at DESC`,
        [request.principal!.organization_ids],
      )
      return iso(rows)
    },
  )

  app.post(
    '/manage/problems/:id/resolve',
    {
      preHandler: app.authorize('editor', 'admin'),
      schema: {
        tags: ['self-service'],
        summary: 'Mark a reported problem resolved, with what was done',
        params: z.object({ id: IdSchema }),
        body: ResolveProblemBodySchema,
        response: { 200: ReportSchema, ...Errors },
      },
    },
    async (request) => {
      const { rows: found } = await app.db.query<{ organization_id: string }>(
        'SELECT s.organization_id FROM problem_report r JOIN service s ON s.id = r.service_id WHERE r.id = $1',
        [request.params.id],
      )
      if (!found[0] || !mayEdit(request.principal!, found[0].organization_id)) throw new NotFound('No such report.')
      const now = app.now()
      await app.db.query(
        'UPDATE problem_report SET resolved_at = coalesce(resolved_at, $2), resolved_by = coalesce(resolved_by, $3), resolution_note = $4 WHERE id = $1',
        [request.params.id, now.toISOString(), request.principal!.account_id, request.body.resolution_note],
      )
      await audit(app.db, { account_id: request.principal!.account_id, action: 'problem_resolve', outcome: 'success', ip: request.ip, target_type: 'problem_report', target_id: request.params.id }, now)
      const { rows } = await app.db.query<Parameters<typeof iso>[0][number]>(`${SELECT_REPORTS} WHERE r.id = $1`, [request.params.id])
      return iso(rows)[0]!
    },
  )

  app.get(
    '/admin/problems',
    {
      preHandler: app.authorize('admin'),
      schema: { tags: ['admin'], summary: `Unresolved problem reports older than ${OLD_REPORT_DAYS} days, oldest first`, response: { 200: z.array(ReportSchema), ...Errors } },
    },
    async () => {
      const { rows } = await app.db.query<Parameters<typeof iso>[0][number]>(
        `${SELECT_REPORTS} WHERE r.resolved_at IS NULL AND r.created_at < $1::timestamptz - make_interval(days => $2) ORDER BY r.created_at`,
        [app.now().toISOString(), OLD_REPORT_DAYS],
      )
      return iso(rows)
    },
  )
}

export default problemRoutes
