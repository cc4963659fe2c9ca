import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { NotFound, ProblemSchema } from '../problem.ts'
import {
  IdParamsSchema,
  OrganizationSchema,
  ServiceDetailSchema,
  ServiceListQuerySchema,
  ServiceListSchema,
  TaxonomyTermSchema,
} from './schemas.ts'
import { findOrganization, findService, listServices, listTaxonomyTerms } from './store.ts'

/** Read access to the directory: services, organisations and the activity taxonomy. */
const directoryRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/services',
    {
      schema: {
        tags: ['directory'],
        summary: 'List services, a page at a time, optionally for one organisation or activity type',
        querystring: ServiceListQuerySchema,
        response: { 200: ServiceListSchema, 400: ProblemSchema },
      },
    },
    async (request) => {
      const { total, items } = await listServices(app.db, request.query)
      return { total, page: request.query.page, per_page: request.query.per_page, items }
    },
  )

  app.get(
    '/services/:id',
    {
      schema: {
        tags: ['directory'],
        summary: 'One service with its organisation, locations, schedules, costs and contacts',
        params: IdParamsSchema,
        response: { 200: ServiceDetailSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const service = await findService(app.db, request.params.id)
      if (!service) throw new NotFound(`No service with id ${request.params.id}`)
      return service
    },
  )

  app.get(
    '/organizations/:id',
    {
      schema: {
        tags: ['directory'],
        summary: 'One organisation with its services',
        params: IdParamsSchema,
        response: { 200: OrganizationSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const org = await findOrganization(app.db, request.params.id)
      if (!org) throw new NotFound(`No organisation with id ${request.params.id}`)
      return org
    },
  )

  app.get(
    '/taxonomy/terms',
    {
      schema: {
        tags: ['directory'],
        summary: 'The activity taxonomy, with the synonyms search uses',
        response: { 200: z.array(TaxonomyTermSchema) },
      },
    },
    async () => listTaxonomyTerms(app.db),
  )
}

export default directoryRoutes
