import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { MatchProfileSchema, MatchResponseSchema } from '../matching/schemas.ts'
import { ProblemSchema } from '../problem.ts'
import { gapContextFor, matchForProfile } from './service.ts'
import { z } from 'zod'
import { IdSchema } from '../id.ts'
import { registerRateLimits } from '../plugins/rate-limit.ts'

/** Matches a caller who is not signed in may ask for, per client address and minute. */
export const ANONYMOUS_MATCHES_PER_MINUTE = 30

/** The rate limit of matching (the API and the page): per client address, nobody signed in. */
export const ANONYMOUS_MATCH_LIMIT = {
  max: ANONYMOUS_MATCHES_PER_MINUTE,
  timeWindow: '1 minute',
  allowList: (request: FastifyRequest) => request.principal !== null,
}

/** POST /match. The profile is neither stored nor logged (no log line here carries it). */
const matchRoutes: FastifyPluginAsyncZod = async (app) => {
  await registerRateLimits(app)
  app.post(
    '/match',
    {
      // People matching themselves need no account, so anyone may call this; per address, a
      // person's pace, not a script's. Signed-in accounts are not limited.
      config: { rateLimit: ANONYMOUS_MATCH_LIMIT },
      schema: {
        tags: ['matching'],
        summary: 'Rank activities for a client, explain each match, and record a gap when too few fit',
        description:
          'Hard constraints (reach, access, eligibility, times, capacity, cost, physical intensity, and ' +
          'home, phone or online only for someone housebound) exclude; preferences rank. Practical help ' +
          'comes first. Each result gives its reasons, what it does not meet and the parts of its score. ' +
          'An interest or need with fewer than 3 results meeting every hard constraint is reported as a ' +
          'gap, with the nearest near-misses. For a signed-in link worker (or admin) the gap is recorded without ' +
          'anything about the person (activity type, barriers, postcode district, ward, date, age band, team): once ' +
          'per need within an episode (episode_id), else once per need, ward and day. Nobody else\'s matches are ' +
          'recorded. The profile itself is never stored or logged.',
        querystring: z.strictObject({
          episode_id: IdSchema.optional().describe("a link worker matching for one of their team's episodes: its unmet needs are recorded once per episode"),
        }),
        body: MatchProfileSchema,
        response: { 200: MatchResponseSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema, 429: ProblemSchema },
      },
    },
    async (request) =>
      matchForProfile(app.db, request.body, app.now(), await gapContextFor(app.db, request.principal, request.query.episode_id, request.body)),
  )
}

export default matchRoutes
