import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { createInvitation } from '../auth/invitations.ts'
import { EmailSchema } from '../auth/schemas.ts'
import { audit } from '../auth/store.ts'
import { NotFound, ProblemSchema } from '../problem.ts'
import { OrganizationDocumentSchema, versioned } from './schemas.ts'
import { createOrganization, readOrganization } from './store.ts'
import { IdSchema } from '../id.ts'
import { registerRateLimits } from '../plugins/rate-limit.ts'

/**
 * Moderation: an organisation registers itself (its first editor gets an invitation to prove
 * the email address); its listings are held until an admin approves it; after that its edits
 * go live at once.
 */
const moderationRoutes: FastifyPluginAsyncZod<{ publicUrl: string }> = async (app, opts) => {
  await registerRateLimits(app)
  const Errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema }

  app.post(
    '/organizations/register',
    {
      config: { rateLimit: { max: 5, timeWindow: '1 minute' } },
      schema: {
        tags: ['self-service'],
        summary: 'Register an organisation: it is pending until an admin approves it; the email gets an editor invitation',
        body: z.strictObject({
          organization: OrganizationDocumentSchema,
          email: EmailSchema,
        }),
        response: { 202: z.object({ organization_id: z.uuid(), detail: z.string() }), 400: ProblemSchema, 422: ProblemSchema, 429: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { organization: o, email } = request.body
      const now = app.now()
      const id = await app.db.transaction(async (tx) => {
        const orgId = randomUUID()
        await createOrganization(tx, { id: orgId, document: o, moderation: 'pending', by: null, now }, '/organization/local_authority')
        await createInvitation(tx, { email, role: 'editor', organization_id: orgId, team_id: null, invited_by: null, organization_name: o.name }, opts.publicUrl, now)
        await audit(tx, { action: 'organization_register', outcome: 'success', ip: request.ip, email, target_type: 'organization', target_id: orgId }, now)
        return orgId
      })
      return reply.code(202).send({ organization_id: id, detail: 'Registered. Check your email to choose a password; your listings go live once an admin approves the organisation.' })
    },
  )

  const VersionedOrganization = versioned(OrganizationDocumentSchema)

  app.post(
    '/admin/organizations',
    {
      preHandler: app.authorize('admin'),
      schema: {
        tags: ['admin'],
        summary: 'Add an organisation directly (approved at once); optionally invite its first editor',
        description: 'For organisations an admin lists on their behalf: no self-registration limit, no moderation. Its listings are added with POST /api/manage/organizations/{id}/services.',
        body: z.strictObject({
          organization: OrganizationDocumentSchema,
          editor_email: EmailSchema.optional().describe('sent an invitation to edit the organisation’s listings'),
        }),
        response: { 201: VersionedOrganization, ...Errors, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { organization, editor_email: email } = request.body
      const now = app.now()
      const id = randomUUID()
      await app.db.transaction(async (tx) => {
        await createOrganization(tx, { id, document: organization, moderation: 'approved', by: request.principal!.account_id, now }, '/organization/local_authority')
        if (email) await createInvitation(tx, { email, role: 'editor', organization_id: id, team_id: null, invited_by: request.principal!.account_id, organization_name: organization.name }, opts.publicUrl, now)
        await audit(tx, { account_id: request.principal!.account_id, action: 'organization_create', outcome: 'success', ip: request.ip, target_type: 'organization', target_id: id, detail: { invited: email !== undefined } }, now)
      })
      const org = (await readOrganization(app.db, id))!
      reply.header('etag', `"${org.version}"`)
      return reply.code(201).send({ id, organization_id: id, version: org.version, verified_at: null, document: org.document })
    },
  )

  app.get(
    '/admin/organizations',
    {
      preHandler: app.authorize('admin'),
      schema: {
        tags: ['admin'],
        summary: 'Every organisation, by name, with whether it is approved and how many listings it has',
        response: {
          200: z.array(
            z.object({
              id: z.uuid(),
              name: z.string(),
              moderation: z.enum(['pending', 'approved']),
              local_authority: z.object({ code: z.string(), name: z.string() }).nullable(),
              services: z.number().int(),
            }),
          ),
          ...Errors,
        },
      },
    },
    async () =>
      (
        await app.db.query<{ id: string; name: string; moderation: 'pending' | 'approved'; local_authority: { code: string; name: string } | null; services: number }>(
          `SELECT o.id, o.name, o.moderation,
                  (SELECT json_build_object('code', b.code, 'name', b.name) FROM boundary b WHERE b.code = o.local_authority) AS local_authority,
                  (SELECT count(*)::int FROM service s WHERE s.organization_id = o.id) AS services
             FROM organization o ORDER BY o.name, o.id`,
        )
      ).rows,
  )

  app.get(
    '/admin/organizations/pending',
    {
      preHandler: app.authorize('admin'),
      schema: {
        tags: ['admin'],
        summary: 'Organisations waiting for approval',
        response: { 200: z.array(z.object({ id: z.uuid(), name: z.string(), email: z.string().nullable(), website: z.string().nullable(), charity_number: z.string().nullable(), services: z.number().int() })), ...Errors },
      },
    },
    async () =>
      (
        await app.db.query<{ id: string; name: string; email: string | null; website: string | null; charity_number: string | null; services: number }>(
          `SELECT o.id, o.name, o.email, o.website, o.charity_number, (SELECT count(*)::int FROM service s WHERE s.organization_id = o.id) AS services
             FROM organization o WHERE o.moderation = 'pending' ORDER BY o.created_at, o.id`,
        )
      ).rows,
  )

  app.post(
    '/admin/organizations/:id/approve',
    {
      preHandler: app.authorize('admin'),
      schema: {
        tags: ['admin'],
        summary: 'Approve a pending organisation: its listings go live with the status its editors chose',
        params: z.object({ id: IdSchema }),
        response: { 200: z.object({ id: z.uuid(), approved_at: z.iso.datetime(), services_published: z.number().int() }), ...Errors },
      },
    },
    async (request) => {
      const now = app.now()
      const published = await app.db.transaction(async (tx) => {
        const { rowCount } = await tx.query(`UPDATE organization SET moderation = 'approved', approved_at = $2 WHERE id = $1 AND moderation = 'pending'`, [request.params.id, now.toISOString()])
        if (rowCount === 0) throw new NotFound('No pending organisation with that id.')
        const { rowCount: n } = await tx.query(
          `UPDATE service SET status = coalesce(status_before_hidden, status), status_before_hidden = NULL
            WHERE organization_id = $1 AND hidden_at IS NULL AND status_before_hidden IS NOT NULL`,
          [request.params.id],
        )
        await audit(tx, { account_id: request.principal!.account_id, action: 'organization_approve', outcome: 'success', ip: request.ip, target_type: 'organization', target_id: request.params.id }, now)
        return n
      })
      return { id: request.params.id, approved_at: now.toISOString(), services_published: published }
    },
  )
}

export default moderationRoutes
