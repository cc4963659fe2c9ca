/**
 * The admin's page: what needs an administrator now. Organisations waiting for approval (with the
 * button that approves them), listings nobody has confirmed for STALE_AFTER_DAYS, and problem
 * reports left unresolved for OLD_REPORT_DAYS.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { staleListings } from '../freshness/freshness.ts'
import { OLD_REPORT_DAYS, type Report } from '../manage/problems.ts'
import { readOrganization } from '../manage/store.ts'
import { NotFound } from '../problem.ts'
import { STALE_AFTER_DAYS } from '../search/postgres.ts'
import { callApi, readForm } from './api.ts'
import { label } from './labels.ts'

const DAY = 86_400_000
export const STALE_PER_PAGE = 25

interface Pending {
  id: string
  name: string
  email: string | null
  website: string | null
  charity_number: string | null
  services: number
}

const AdminQuery = z.object({
  stale_page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
  approved: z.uuid().optional().catch(undefined),
  published: z.coerce.number().int().min(0).optional().catch(undefined),
})

const adminPages: FastifyPluginAsync = async (app) => {
  app.get('/admin', { preHandler: app.authorize('admin'), schema: { hide: true } }, async (request, reply) => {
    const query = readForm(AdminQuery, request.query)
    const now = app.now()
    const pending = (await callApi<Pending[]>(app, request, 'GET', '/api/admin/organizations/pending')).body
    const reports = (await callApi<Report[]>(app, request, 'GET', '/api/admin/problems')).body.map((r) => ({
      ...r,
      kindText: label(r.kind, 'problem_kind'),
      ageDays: Math.floor((now.getTime() - new Date(r.created_at).getTime()) / DAY),
    }))
    const stale = await staleListings(app.db, now, { limit: STALE_PER_PAGE, offset: (query.stale_page - 1) * STALE_PER_PAGE })
    const pages = Math.max(1, Math.ceil(stale.total / STALE_PER_PAGE))
    let approved: { name: string; published: number } | undefined
    if (query.approved) {
      const organization = await readOrganization(app.db, query.approved)
      if (organization) approved = { name: organization.document.name, published: query.published ?? 0 }
    }
    return reply.page('admin.njk', {
      title: 'Admin',
      approved,
      pending,
      reports,
      oldReportDays: OLD_REPORT_DAYS,
      staleAfterDays: STALE_AFTER_DAYS,
      stale: {
        total: stale.total,
        rows: stale.rows.map((s) => ({ ...s, ageDays: s.verified_at ? Math.floor((now.getTime() - new Date(s.verified_at).getTime()) / DAY) : null })),
        page: Math.min(query.stale_page, pages),
        pages,
        from: stale.rows.length ? (query.stale_page - 1) * STALE_PER_PAGE + 1 : 0,
        to: (query.stale_page - 1) * STALE_PER_PAGE + stale.rows.length,
      },
    })
  })

  app.post(
    '/admin/organisations/:id/approve',
    { preHandler: app.authorize('admin'), schema: { hide: true } },
    async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const id = z.uuid().safeParse(request.params.id)
      if (!id.success) throw new NotFound('There is no organisation waiting for approval at this address.')
      // A second click (or another admin first) finds nothing pending: the page says it is done.
      const answer = await callApi<{ id: string; services_published: number }>(app, request, 'POST', `/api/admin/organizations/${id.data}/approve`, undefined, {}, [404])
      if (answer.status === 404) return reply.redirect('/admin', 303)
      return reply.redirect(`/admin?approved=${answer.body.id}&published=${answer.body.services_published}`, 303)
    },
  )
}

export default adminPages
