import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ProblemSchema } from '../problem.ts'
import { locatePostcode } from './locate.ts'

export const PlaceSchema = z.object({
  latitude: z.number(),
  longitude: z.number(),
  precision: z.enum(['postcode', 'outcode', 'coordinates']).describe('outcode: the district centre stands in for a postcode we do not hold'),
  postcode: z.string().nullable(),
  outcode: z.string().nullable(),
  ward_code: z.string().nullable(),
  ward_name: z.string().nullable(),
  lsoa_code: z.string().nullable(),
})

const geoRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/postcodes/:postcode',
    {
      schema: {
        tags: ['geo'],
        summary: 'Where a postcode (or postcode district) is, as search uses it',
        params: z.object({ postcode: z.string().max(16) }),
        response: { 200: PlaceSchema, 422: ProblemSchema },
      },
    },
    async (request) => locatePostcode(app.db, request.params.postcode),
  )
}

export default geoRoutes
