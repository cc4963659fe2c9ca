import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ProblemSchema } from '../problem.ts'
import { SearchQuerySchema, SearchResponseSchema } from './schemas.ts'
import { searchDirectory } from './search.ts'

const searchRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Search the directory by postcode, words and filters, with facet counts',
        description:
          'Words use web search syntax ("exact phrase", OR, -exclude), English stemming, the activity ' +
          'taxonomy\'s everyday synonyms and typo correction. With a postcode, venues within radius_km ' +
          'and home, phone and online services whose area covers the postcode are found. Listings not ' +
          'confirmed for 180 days are marked stale and ranked below fresh ones.',
        querystring: SearchQuerySchema,
        response: { 200: SearchResponseSchema, 400: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) =>
      searchDirectory(app.db, request.query, app.now(), app.searchEngine, (error) =>
        request.log.warn({ err: error }, 'Meilisearch unreachable: answered from PostgreSQL'),
      ),
  )
}

export default searchRoutes
