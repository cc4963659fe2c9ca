import { Readable } from 'node:stream'
import fastifyCors from '@fastify/cors'
import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Queryable } from '../db/db.ts'
import { NotFound, noRoute, ProblemSchema, ValidationProblem } from '../problem.ts'
import { SearchQuerySchema } from '../search/schemas.ts'
import { rankedServiceIds, serviceAtLocationIds } from '../search/search.ts'
import {
  orukOrganization,
  orukOrganizationWithServices,
  orukPage,
  orukService,
  orukServiceAtLocationFull,
  orukServiceAtLocationListItem,
  orukServiceFull,
  orukServiceListItem,
  orukServiceMinimal,
  orukTaxonomy,
  orukTaxonomyTerm,
} from './map.ts'
import {
  OrukApiDetailsSchema,
  OrukIdParamsSchema,
  OrukOrganizationListEntrySchema,
  OrukOrganizationPageSchema,
  OrukOrganizationQueryByIdSchema,
  OrukOrganizationQuerySchema,
  OrukOrganizationWithServicesSchema,
  OrukPageQuerySchema,
  OrukServiceAtLocationFullSchema,
  OrukServiceAtLocationListEntrySchema,
  OrukServiceAtLocationPageSchema,
  OrukServiceAtLocationQuerySchema,
  OrukServiceFullSchema,
  OrukServiceListEntrySchema,
  OrukServicePageSchema,
  OrukServiceQuerySchema,
  OrukTaxonomyPageSchema,
  OrukTaxonomySchema,
  OrukTaxonomyTermPageSchema,
  OrukTaxonomyTermQuerySchema,
  OrukTaxonomyTermSchema,
  OrukTaxonomyWithTermsSchema,
  type OrukOrganizationWithServices,
  type OrukServiceAtLocationQuery,
  type OrukServiceQuery,
} from './schemas.ts'
import {
  findOrganizationIds,
  findServiceAtLocationIds,
  findServiceIds,
  findServiceIdsByOrganization,
  findTaxonomy,
  findTaxonomyTerm,
  listTaxonomies,
  listTaxonomyTerms,
  loadFullServices,
  loadOrganizations,
  loadServices,
  loadServicesAtLocations,
  type ServiceAtLocationFilter,
  type ServiceFilter,
} from './store.ts'

export const ORUK_VERSION = 'HSDS-UK-3.0' as const
export const ORUK_PROFILE = 'https://openreferraluk.org/specifications/3.0/'

/** How many items an ndjson stream loads per query. */
const NDJSON_BATCH = 100

const TAGS = ['oruk']

/** A 200 that is the JSON page, or with `format=ndjson` the items one per line. */
function pageOrLines(page: z.ZodType, item: z.ZodType, description: string) {
  return {
    description,
    content: { 'application/json': { schema: page }, 'application/x-ndjson': { schema: item } },
  }
}

type ServiceShape = 'minimal' | 'list' | 'full'

async function serviceEntries(db: Queryable, ids: readonly string[], shape: ServiceShape) {
  if (shape === 'full') return (await loadFullServices(db, ids)).map(orukServiceFull)
  const rows = await loadServices(db, ids)
  return rows.map(shape === 'minimal' ? orukServiceMinimal : orukServiceListItem)
}

async function servicesAtLocationsFull(db: Queryable, ids: readonly string[]) {
  const rows = await loadServicesAtLocations(db, ids)
  const services = new Map((await loadFullServices(db, [...new Set(rows.map((r) => r.service_id))])).map((s) => [s.id, s]))
  return rows.map((r) => orukServiceAtLocationFull(r, services.get(r.service_id)!))
}

async function serviceAtLocationEntries(db: Queryable, ids: readonly string[], full: boolean) {
  if (full) return servicesAtLocationsFull(db, ids)
  const rows = await loadServicesAtLocations(db, ids)
  const services = new Map((await loadServices(db, [...new Set(rows.map((r) => r.service_id))])).map((s) => [s.id, s]))
  return rows.map((r) => orukServiceAtLocationListItem(r, services.get(r.service_id)!))
}

async function organizationsWithServices(db: Queryable, ids: readonly string[], fullServices: boolean) {
  const organizations = await loadOrganizations(db, ids)
  const idsByOrganization = await findServiceIdsByOrganization(db, ids)
  const allIds = [...idsByOrganization.values()].flat()
  const services: OrukOrganizationWithServices['services'] = fullServices
    ? (await loadFullServices(db, allIds)).map((row) => {
        const { organization: _above, ...service } = orukServiceFull(row)
        return service
      })
    : (await loadServices(db, allIds)).map(orukService)
  const byId = new Map(services.map((s) => [s.id, s]))
  return organizations.map((o) => orukOrganizationWithServices(o, idsByOrganization.get(o.id)!.map((id) => byId.get(id)!)))
}

/** `full` or `full_service`: as /organizations/{id} returns them; otherwise one-to-one fields. */
async function organizationEntries(db: Queryable, ids: readonly string[], services: false | 'basic' | 'full') {
  if (!services) return (await loadOrganizations(db, ids)).map(orukOrganization)
  return organizationsWithServices(db, ids, services === 'full')
}

/** Loads `ids` a batch at a time, so a long stream never holds the whole directory. */
async function* inBatches<T>(ids: readonly string[], load: (batch: readonly string[]) => Promise<T[]>): AsyncGenerator<T> {
  for (let i = 0; i < ids.length; i += NDJSON_BATCH) yield* await load(ids.slice(i, i + NDJSON_BATCH))
}

/** Streams items as newline-delimited JSON, each through its schema as the serializer would. */
function sendLines(reply: FastifyReply, schema: z.ZodType, items: AsyncIterable<unknown> | Iterable<unknown>) {
  async function* lines() {
    for await (const item of items) yield `${JSON.stringify(z.encode(schema, item))}\n`
  }
  return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(lines()))
}

type SearchParams = Pick<OrukServiceQuery, 'search' | 'postcode' | 'proximity'>

/** Whether search or place narrows the list; proximity alone is refused, as it needs a postcode. */
function searching(q: SearchParams): boolean {
  if (q.proximity !== undefined && !q.postcode) {
    throw new ValidationProblem('proximity needs a postcode', [
      { in: 'querystring', pointer: '/proximity', detail: 'give a postcode to measure from' },
    ])
  }
  return Boolean(q.search || q.postcode)
}

/** Our search's own query, from ORUK's names; what it refuses (a proximity so small it is 0 km) is a 400 naming the ORUK parameter. */
function searchQueryOf(q: SearchParams) {
  const parsed = SearchQuerySchema.safeParse({ q: q.search || undefined, postcode: q.postcode, radius_km: q.proximity === undefined ? undefined : q.proximity / 1000 })
  if (parsed.success) return parsed.data
  const oruk: Record<string, string> = { q: 'search', postcode: 'postcode', radius_km: 'proximity' }
  const errors = parsed.error.issues.map((i) => ({ in: 'querystring' as const, pointer: `/${oruk[String(i.path[0])] ?? String(i.path[0])}`, detail: i.message }))
  throw new ValidationProblem(`Invalid querystring: ${errors.map((e) => e.pointer.slice(1)).join(', ')}`, errors)
}

/** The filters our store knows, restricted to the search engine's ranking when search or postcode is given. */
async function serviceFilter(db: Queryable, q: OrukServiceQuery, now: Date): Promise<ServiceFilter> {
  const filter = { organization_id: q.organization_id, taxonomy_term_id: q.taxonomy_term_id, taxonomy_id: q.taxonomy_id, modified_after: q.modified_after }
  if (!searching(q)) return filter
  const { ids } = await rankedServiceIds(db, searchQueryOf(q), now)
  return { ...filter, restrict_to: ids }
}

async function serviceAtLocationFilter(db: Queryable, q: OrukServiceAtLocationQuery, now: Date): Promise<ServiceAtLocationFilter> {
  const filter = { organization_id: q.organization_id, taxonomy_term_id: q.taxonomy_term_id, taxonomy_id: q.taxonomy_id, modified_after: q.modified_after }
  if (!searching(q)) return filter
  const query = searchQueryOf(q)
  const { ids, place } = await rankedServiceIds(db, query, now)
  return { ...filter, restrict_to: await serviceAtLocationIds(db, ids, place, query.radius_km) }
}

/**
 * The Open Referral UK 3.0 read API (HSDS 3.0, UK profile), as `3.0/openapi.json` describes it.
 * Open to any origin: it is public directory data meant for other systems to harvest.
 */
const orukRoutes: FastifyPluginAsyncZod = async (app) => {
  // An open data API: any web page may read it (GET), and browsers' preflight OPTIONS requests
  // are answered. Registered in this scope only, so the rest of the service stays same-origin.
  await app.register(fastifyCors, { origin: '*', methods: ['GET', 'HEAD'], maxAge: 86_400, strictPreflight: false })
  // Unknown paths under /oruk answer from this scope too, so they carry the CORS header.
  app.setNotFoundHandler(async (request) => {
    throw noRoute(request)
  })

  app.get(
    '/',
    {
      schema: {
        tags: TAGS,
        summary: 'Which HSDS version and profile this API speaks, and where its OpenAPI document is',
        response: { 200: OrukApiDetailsSchema },
      },
    },
    async (request) => ({
      version: ORUK_VERSION,
      profile: ORUK_PROFILE,
      openapi_url: `${request.protocol}://${request.host}/docs/openapi.json`,
    }),
  )

  app.get(
    '/services',
    {
      schema: {
        tags: TAGS,
        summary: 'Services, a page at a time, by name: one-to-one fields and organisation, or minimal, or fully nested',
        querystring: OrukServiceQuerySchema,
        response: {
          200: pageOrLines(OrukServicePageSchema, OrukServiceListEntrySchema, 'A page of services, or with format=ndjson every one'),
          400: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const q = request.query
      if (q.minimal && q.full) {
        throw new ValidationProblem('minimal and full cannot both be true', [
          { in: 'querystring', pointer: '/minimal', detail: 'cannot be combined with full' },
        ])
      }
      const shape: ServiceShape = q.full ? 'full' : q.minimal ? 'minimal' : 'list'
      const filter = await serviceFilter(app.db, q, app.now())
      if (q.format === 'ndjson') {
        const { ids } = await findServiceIds(app.db, filter)
        return sendLines(reply, OrukServiceListEntrySchema, inBatches(ids, (batch) => serviceEntries(app.db, batch, shape)))
      }
      const { total, ids } = await findServiceIds(app.db, filter, q)
      return orukPage(total, q, await serviceEntries(app.db, ids, shape))
    },
  )

  app.get(
    '/services/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One service, fully nested: organisation, locations, schedules, areas, costs, contacts, activity types',
        params: OrukIdParamsSchema,
        response: { 200: OrukServiceFullSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const [row] = await loadFullServices(app.db, [request.params.id])
      if (!row) throw new NotFound(`No service with id ${request.params.id}`)
      return orukServiceFull(row)
    },
  )

  app.get(
    '/service_at_locations',
    {
      schema: {
        tags: TAGS,
        summary: 'Where each service is delivered, a page at a time',
        querystring: OrukServiceAtLocationQuerySchema,
        response: {
          200: pageOrLines(
            OrukServiceAtLocationPageSchema,
            OrukServiceAtLocationListEntrySchema,
            'A page of services at locations, or with format=ndjson every one',
          ),
          400: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const q = request.query
      const filter = await serviceAtLocationFilter(app.db, q, app.now())
      const full = q.full ?? false
      if (q.format === 'ndjson') {
        const { ids } = await findServiceAtLocationIds(app.db, filter)
        return sendLines(reply, OrukServiceAtLocationListEntrySchema, inBatches(ids, (batch) => serviceAtLocationEntries(app.db, batch, full)))
      }
      const { total, ids } = await findServiceAtLocationIds(app.db, filter, q)
      return orukPage(total, q, await serviceAtLocationEntries(app.db, ids, full))
    },
  )

  app.get(
    '/service_at_locations/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One service at one location, with the location and the service fully nested',
        params: OrukIdParamsSchema,
        response: { 200: OrukServiceAtLocationFullSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const [entry] = await servicesAtLocationsFull(app.db, [request.params.id])
      if (!entry) throw new NotFound(`No service_at_location with id ${request.params.id}`)
      return entry
    },
  )

  app.get(
    '/taxonomies',
    {
      schema: {
        tags: TAGS,
        summary: 'The taxonomies our activity types come from',
        querystring: OrukPageQuerySchema,
        response: {
          200: pageOrLines(OrukTaxonomyPageSchema, OrukTaxonomySchema, 'A page of taxonomies, or with format=ndjson every one'),
          400: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const q = request.query
      if (q.format === 'ndjson') {
        const { rows } = await listTaxonomies(app.db)
        return sendLines(reply, OrukTaxonomySchema, rows.map(orukTaxonomy))
      }
      const { total, rows } = await listTaxonomies(app.db, q)
      return orukPage(total, q, rows.map(orukTaxonomy))
    },
  )

  app.get(
    '/taxonomies/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One taxonomy with all its terms',
        params: OrukIdParamsSchema,
        response: { 200: OrukTaxonomyWithTermsSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const taxonomy = await findTaxonomy(app.db, request.params.id)
      if (!taxonomy) throw new NotFound(`No taxonomy with id ${request.params.id}`)
      const { rows } = await listTaxonomyTerms(app.db, { taxonomy_id: taxonomy.id })
      return { ...orukTaxonomy(taxonomy), taxonomy_terms: rows.map(orukTaxonomyTerm) }
    },
  )

  app.get(
    '/taxonomy_terms',
    {
      schema: {
        tags: TAGS,
        summary: 'Activity types, parents before their children',
        querystring: OrukTaxonomyTermQuerySchema,
        response: {
          200: pageOrLines(OrukTaxonomyTermPageSchema, OrukTaxonomyTermSchema, 'A page of taxonomy terms, or with format=ndjson every one'),
          400: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const q = request.query
      const filter = { taxonomy_id: q.taxonomy_id, parent_id: q.parent_id, top_only: q.top_only }
      if (q.format === 'ndjson') {
        const { rows } = await listTaxonomyTerms(app.db, filter)
        return sendLines(reply, OrukTaxonomyTermSchema, rows.map(orukTaxonomyTerm))
      }
      const { total, rows } = await listTaxonomyTerms(app.db, filter, q)
      return orukPage(total, q, rows.map(orukTaxonomyTerm))
    },
  )

  app.get(
    '/taxonomy_terms/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One activity type',
        params: OrukIdParamsSchema,
        response: { 200: OrukTaxonomyTermSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const term = await findTaxonomyTerm(app.db, request.params.id)
      if (!term) throw new NotFound(`No taxonomy term with id ${request.params.id}`)
      return orukTaxonomyTerm(term)
    },
  )

  app.get(
    '/organizations',
    {
      schema: {
        tags: TAGS,
        summary: 'Organisations, a page at a time, by name',
        querystring: OrukOrganizationQuerySchema,
        response: {
          200: pageOrLines(OrukOrganizationPageSchema, OrukOrganizationListEntrySchema, 'A page of organisations, or with format=ndjson every one'),
          400: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const q = request.query
      const services = q.full_service ? 'full' : q.full ? 'basic' : false
      if (q.format === 'ndjson') {
        const { ids } = await findOrganizationIds(app.db)
        return sendLines(reply, OrukOrganizationListEntrySchema, inBatches(ids, (batch) => organizationEntries(app.db, batch, services)))
      }
      const { total, ids } = await findOrganizationIds(app.db, q)
      return orukPage(total, q, await organizationEntries(app.db, ids, services))
    },
  )

  app.get(
    '/organizations/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One organisation with its identifiers and services',
        params: OrukIdParamsSchema,
        querystring: OrukOrganizationQueryByIdSchema,
        response: { 200: OrukOrganizationWithServicesSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const [organization] = await organizationsWithServices(app.db, [request.params.id], request.query.full_service ?? false)
      if (!organization) throw new NotFound(`No organization with id ${request.params.id}`)
      return organization
    },
  )
}

export default orukRoutes
