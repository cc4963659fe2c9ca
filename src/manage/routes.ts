import { randomUUID } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { audit } from '../auth/store.ts'
import { confirmService } from '../freshness/freshness.ts'
import { REFERRAL_CAPACITIES } from '../directory/vocabulary.ts'
import { Invalid, NotFound, ProblemSchema } from '../problem.ts'
import { STALE_AFTER_DAYS } from '../search/postgres.ts'
import { OrganizationDocumentSchema, ServiceDocumentSchema, VersionEntrySchema, versioned } from './schemas.ts'
import {
  claimVersion,
  createService,
  diff,
  ifMatchVersion,
  mayEdit,
  organizationOf,
  readOrganization,
  readService,
  recordVersion,
  VersionRequired,
  writeOrganization,
  writeService,
  type RecordType,
} from './store.ts'
import { IdSchema } from '../id.ts'
import { ManagedByFeed, managingSource, managingSourceSql } from '../ingest/routes.ts'

const Id = z.object({ id: IdSchema })
const Errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema }
const WriteErrors = { ...Errors, 409: ProblemSchema, 412: ProblemSchema, 422: ProblemSchema, 428: ProblemSchema }
const VersionedOrganization = versioned(OrganizationDocumentSchema)
const VersionedService = versioned(ServiceDocumentSchema)

const ListingSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  status: z.string(),
  version: z.number().int(),
  verified_at: z.iso.datetime().nullable(),
  stale: z.boolean().describe(`not confirmed as running for ${STALE_AFTER_DAYS} days or more`),
  referral_capacity: z.enum(REFERRAL_CAPACITIES),
  held: z.enum(['pending_approval', 'hidden_until_confirmed']).nullable().describe('why nothing offers it now, if so'),
  managed_by: z.string().nullable().describe('the feed that keeps it up to date, if one does: its editors cannot change it here'),
})

/**
 * Self-service editing: an organisation's editors (and admins) read and change its record and
 * its services as whole documents. Anything not theirs answers 404, exactly as if it did not
 * exist. Every write names the version it read (If-Match), is audited and kept as a version.
 */
const manageRoutes: FastifyPluginAsyncZod = async (app) => {
  const editors = app.authorize('editor', 'admin')

  /** The organisation, if this person may edit it; otherwise the same 404 as for none. */
  const own = (request: FastifyRequest, organizationId: string | undefined): string => {
    if (organizationId === undefined || !mayEdit(request.principal!, organizationId)) throw new NotFound('No such record.')
    return organizationId
  }
  /** An editor may not change a listing a feed manages (an admin may). */
  const notManaged = async (request: FastifyRequest, serviceId: string) => {
    if (request.principal!.role === 'admin') return
    const source = await managingSource(app.db, serviceId)
    if (source) throw new ManagedByFeed(source)
  }
  const etag = (reply: FastifyReply, version: number) => reply.header('etag', `"${version}"`)
  const expected = (request: FastifyRequest): number => {
    const v = ifMatchVersion(request.headers['if-match'])
    if (v === undefined) throw new VersionRequired()
    return v
  }
  const write = (request: FastifyRequest, type: RecordType, id: string, action: string, detail: Record<string, unknown> = {}) =>
    audit(app.db, { account_id: request.principal!.account_id, action, outcome: 'success', ip: request.ip, target_type: type, target_id: id, detail }, app.now())

  app.get(
    '/manage/organizations',
    {
      preHandler: editors,
      schema: {
        tags: ['self-service'],
        summary: 'The organisations you edit, with their services and how fresh each is',
        response: { 200: z.array(z.object({ id: z.uuid(), name: z.string(), version: z.number().int(), services: z.array(ListingSchema) })), ...Errors },
      },
    },
    async (request) => {
      const { rows } = await app.db.query<{ id: string; name: string; version: number; services: z.infer<typeof ListingSchema>[] }>(
        `SELECT o.id, o.name, o.version,
                coalesce((SELECT json_agg(json_build_object('id', s.id, 'name', s.name, 'status', s.status, 'version', s.version,
                            'verified_at', s.verified_at, 'referral_capacity', s.referral_capacity,
                            'stale', s.verified_at IS NULL OR s.verified_at < $2::timestamptz - make_interval(days => $3),
                            'held', CASE WHEN s.hidden_at IS NOT NULL THEN 'hidden_until_confirmed'
                                         WHEN o.moderation = 'pending' THEN 'pending_approval' END,
                            'managed_by', ${managingSourceSql('s.id')}) ORDER BY s.name)
                          FROM service s WHERE s.organization_id = o.id), '[]') AS services
           FROM organization o WHERE o.id = ANY ($1::uuid[]) ORDER BY o.name`,
        [request.principal!.organization_ids, app.now().toISOString(), STALE_AFTER_DAYS],
      )
      return rows.map((o) => ({ ...o, services: o.services.map((s) => ({ ...s, verified_at: s.verified_at && new Date(s.verified_at).toISOString() })) }))
    },
  )

  app.get(
    '/manage/organizations/:id',
    { preHandler: editors, schema: { tags: ['self-service'], summary: 'Your organisation’s record, with its version as ETag', params: Id, response: { 200: VersionedOrganization, ...Errors } } },
    async (request, reply) => {
      const id = own(request, request.params.id)
      const org = await readOrganization(app.db, id)
      if (!org) throw new NotFound('No such record.')
      etag(reply, org.version)
      return { id, organization_id: id, version: org.version, verified_at: null, document: org.document }
    },
  )

  app.put(
    '/manage/organizations/:id',
    {
      preHandler: editors,
      schema: {
        tags: ['self-service'],
        summary: 'Replace your organisation’s record (If-Match: the version you read)',
        params: Id,
        body: OrganizationDocumentSchema,
        response: { 200: VersionedOrganization, ...WriteErrors },
      },
    },
    async (request, reply) => {
      const id = own(request, request.params.id)
      const want = expected(request)
      const now = app.now()
      const version = await app.db.transaction(async (tx) => {
        const before = await readOrganization(tx, id)
        const next = await claimVersion(tx, 'organization', id, want)
        await writeOrganization(tx, id, request.body, next)
        await recordVersion(tx, { type: 'organization', id, version: next, action: 'update', by: request.principal!.account_id, changes: diff(before?.document ?? null, request.body), snapshot: request.body }, now)
        return next
      })
      await write(request, 'organization', id, 'organization_update', { version })
      etag(reply, version)
      return { id, organization_id: id, version, verified_at: null, document: (await readOrganization(app.db, id))!.document }
    },
  )

  const serviceResponse = async (reply: FastifyReply, id: string) => {
    const s = (await readService(app.db, id))!
    etag(reply, s.version)
    return { id, organization_id: s.organization_id, version: s.version, verified_at: s.verified_at && s.verified_at.toISOString(), document: s.document }
  }

  app.get(
    '/manage/services/:id',
    { preHandler: editors, schema: { tags: ['self-service'], summary: 'One of your services as an editable document, with its version as ETag', params: Id, response: { 200: VersionedService, ...Errors } } },
    async (request, reply) => {
      own(request, await organizationOf(app.db, request.params.id))
      return serviceResponse(reply, request.params.id)
    },
  )

  app.post(
    '/manage/organizations/:id/services',
    {
      preHandler: editors,
      schema: {
        tags: ['self-service'],
        summary: 'Add a service to your organisation (confirmed as running from now)',
        description: 'A home-visiting, telephone or online service given no service_areas is available in its organisation’s local authority (else that of its first venue, else where most of its organisation’s venues are); the response shows the area it was given. A listing only at venues takes no service_areas.',
        params: Id,
        body: ServiceDocumentSchema,
        response: { 201: VersionedService, ...WriteErrors },
      },
    },
    async (request, reply) => {
      const organizationId = own(request, request.params.id)
      const { rows } = await app.db.query('SELECT 1 FROM organization WHERE id = $1', [organizationId])
      if (rows.length === 0) throw new NotFound('No such record.')
      const id = randomUUID()
      await app.db.transaction((tx) => createService(tx, { id, organizationId, document: request.body, by: request.principal!.account_id, now: app.now() }))
      await write(request, 'service', id, 'service_create')
      reply.code(201)
      return serviceResponse(reply, id)
    },
  )

  app.put(
    '/manage/services/:id',
    {
      preHandler: editors,
      schema: {
        tags: ['self-service'],
        summary: 'Replace one of your services: its fields, activity types, venues, schedules, areas, costs and contacts (If-Match: the version you read)',
        description: 'Saved by one of its organisation’s editors, the listing counts as confirmed as running now (a hidden one comes back); an admin’s edit does not confirm it.',
        params: Id,
        body: ServiceDocumentSchema,
        response: { 200: VersionedService, ...WriteErrors },
      },
    },
    async (request, reply) => {
      const id = request.params.id
      const organizationId = own(request, await organizationOf(app.db, id))
      await notManaged(request, id)
      const want = expected(request)
      // The organisation saying what its listing is now also says it is running; an admin's edit does not.
      const confirmedAt = request.principal!.role === 'editor' ? app.now() : undefined
      const version = await app.db.transaction(async (tx) => {
        const before = await readService(tx, id)
        const next = await claimVersion(tx, 'service', id, want)
        await writeService(tx, id, organizationId, request.body, next, { confirmedAt })
        const after = (await readService(tx, id))!.document
        await recordVersion(tx, { type: 'service', id, version: next, action: 'update', by: request.principal!.account_id, changes: diff(before?.document ?? null, after), snapshot: after }, app.now())
        return next
      })
      await write(request, 'service', id, 'service_update', { version })
      return serviceResponse(reply, id)
    },
  )

  app.post(
    '/manage/services/:id/confirm',
    {
      preHandler: editors,
      schema: { tags: ['self-service'], summary: 'Confirm the service is still running (sets verified_at to now; a hidden listing comes back)', params: Id, response: { 200: VersionedService, ...Errors } },
    },
    async (request, reply) => {
      const id = request.params.id
      own(request, await organizationOf(app.db, id))
      await app.db.transaction((tx) => confirmService(tx, id, request.principal!.account_id, app.now()))
      await write(request, 'service', id, 'service_confirm')
      return serviceResponse(reply, id)
    },
  )

  app.put(
    '/manage/services/:id/referral-capacity',
    {
      preHandler: editors,
      schema: {
        tags: ['self-service'],
        summary: 'Set whether the service is taking referrals, has a waiting list, or is full',
        params: Id,
        body: z.strictObject({ referral_capacity: z.enum(REFERRAL_CAPACITIES) }),
        response: { 200: VersionedService, ...Errors, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const id = request.params.id
      own(request, await organizationOf(app.db, id))
      await notManaged(request, id)
      await app.db.transaction(async (tx) => {
        const before = (await readService(tx, id))!
        const { rows } = await tx.query<{ version: number }>(
          'UPDATE service SET referral_capacity = $2, version = version + 1 WHERE id = $1 RETURNING version',
          [id, request.body.referral_capacity],
        )
        await recordVersion(tx, { type: 'service', id, version: rows[0]!.version, action: 'referral_status', by: request.principal!.account_id, changes: { referral_capacity: { from: before.document.referral_capacity, to: request.body.referral_capacity } }, snapshot: { ...before.document, referral_capacity: request.body.referral_capacity } }, app.now())
      })
      await write(request, 'service', id, 'service_referral_capacity', { referral_capacity: request.body.referral_capacity })
      return serviceResponse(reply, id)
    },
  )

  app.get(
    '/manage/services/:id/versions',
    {
      preHandler: editors,
      schema: { tags: ['self-service'], summary: 'Every change to the service: who, when, what changed', params: Id, response: { 200: z.array(VersionEntrySchema), ...Errors } },
    },
    async (request) => {
      own(request, await organizationOf(app.db, request.params.id))
      const { rows } = await app.db.query<z.infer<typeof VersionEntrySchema> & { changed_at: Date }>(
        `SELECT v.version, v.action, v.changed_at, a.email AS changed_by, src.name AS source, v.changes
           FROM record_version v LEFT JOIN account a ON a.id = v.changed_by
           LEFT JOIN ingest_run r ON r.id = v.ingest_run_id LEFT JOIN ingest_source src ON src.id = r.source_id
          WHERE v.record_type = 'service' AND v.record_id = $1 ORDER BY v.id`,
        [request.params.id],
      )
      return rows.map((r) => ({ ...r, changed_at: r.changed_at.toISOString() }))
    },
  )

  app.post(
    '/admin/services/:id/versions/:version/restore',
    {
      preHandler: app.authorize('admin'),
      schema: {
        tags: ['admin'],
        summary: 'Restore a service as it was at one of its versions (saved as a new version)',
        params: z.object({ id: IdSchema, version: z.coerce.number().int().min(1).max(2_147_483_647) }),
        response: { 200: VersionedService, ...WriteErrors },
      },
    },
    async (request, reply) => {
      const { id, version: wanted } = request.params
      const organizationId = await organizationOf(app.db, id)
      const { rows } = await app.db.query<{ snapshot: unknown }>(
        `SELECT snapshot FROM record_version WHERE record_type = 'service' AND record_id = $1 AND version = $2 ORDER BY id DESC LIMIT 1`,
        [id, wanted],
      )
      if (!organizationId || !rows[0]) throw new NotFound('No such version.')
      const snapshot = rows[0].snapshot as Record<string, unknown>
      // A version saved under older rules may not meet today's: it is refused, never half-restored.
      const parsed = ServiceDocumentSchema.safeParse(snapshot)
      if (!parsed.success) {
        const first = parsed.error.issues[0]!
        throw new Invalid(
          `Version ${wanted} does not meet today's rules for a listing (/${first.path.join('/')}: ${first.message}), so it cannot be restored as it was: edit the listing instead.`,
        )
      }
      const doc = parsed.data
      const version = await app.db.transaction(async (tx) => {
        const before = (await readService(tx, id))!
        const next = await claimVersion(tx, 'service', id, before.version)
        // Venues are matched by id where they still belong to the service; others come back as new.
        const current = new Set(before.document.locations.map((l) => l.id))
        // A version saved before service areas were part of the document keeps the areas it has
        // now (but a distance from a venue, whose venue may not come back with it).
        const areas = 'service_areas' in snapshot ? doc.service_areas : before.document.service_areas.filter((a) => a.kind !== 'radius')
        const restored = { ...doc, service_areas: areas, locations: doc.locations.map((l) => (l.id && current.has(l.id) ? l : { ...l, id: undefined })) }
        await writeService(tx, id, organizationId, restored, next)
        const after = (await readService(tx, id))!.document
        await recordVersion(tx, { type: 'service', id, version: next, action: 'restore', by: request.principal!.account_id, changes: diff(before.document, after), snapshot: after }, app.now())
        return next
      })
      await write(request, 'service', id, 'service_restore', { from_version: wanted, version })
      return serviceResponse(reply, id)
    },
  )
}

export default manageRoutes
