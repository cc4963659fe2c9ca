import fp from 'fastify-plugin'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { audit } from '../auth/store.ts'
import { Invalid, ProblemSchema } from '../problem.ts'
import { checkConfirmLink, confirmService, ConfirmLinkSchema, linkKey, runFreshness } from './freshness.ts'
import { registerRateLimits } from '../plugins/rate-limit.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The daily freshness run (reminders, hiding); a scheduled job, callable directly. */
    runFreshness: () => ReturnType<typeof runFreshness>
  }
}

/** The daily freshness job (06:30), as `app.runFreshness` too. */
export const freshnessJob = fp<{ publicUrl: string }>(
  async (app, opts) => {
    app.decorate('runFreshness', () => runFreshness(app.db, opts.publicUrl, app.now()))
    app.addJob({ name: 'freshness', schedule: '0 30 6 * * *', run: () => app.runFreshness() })
  },
  { name: 'freshness', dependencies: ['db', 'scheduler', 'mail'] },
)

/** Confirmation by the signed link in a reminder. */
const freshnessRoutes: FastifyPluginAsyncZod = async (app) => {
  await registerRateLimits(app)
  app.post(
    '/confirm',
    {
      // Anyone holding a link may call this: a person clicks a few links, a script guessing
      // signatures would also write an audit row each time.
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['self-service'],
        summary: 'Confirm a listing is still running with the signed link from a reminder email (no sign-in needed)',
        body: ConfirmLinkSchema,
        response: { 200: z.object({ service: z.object({ id: z.uuid(), name: z.string() }), verified_at: z.iso.datetime() }), 400: ProblemSchema, 422: ProblemSchema, 429: ProblemSchema },
      },
    },
    async (request) => {
      const now = app.now()
      const problem = checkConfirmLink(await linkKey(app.db), request.body, now)
      if (problem) {
        await audit(app.db, { action: 'service_confirm_link', outcome: 'refused', ip: request.ip, target_type: 'service', target_id: request.body.service, detail: { reason: problem } }, now)
        throw new Invalid(problem === 'expired' ? 'This confirmation link has expired. Sign in to confirm the listing.' : 'This confirmation link is not valid.')
      }
      const ok = await app.db.transaction((tx) => confirmService(tx, request.body.service, null, now))
      if (!ok) throw new Invalid('This listing no longer exists.')
      await audit(app.db, { action: 'service_confirm_link', outcome: 'success', ip: request.ip, target_type: 'service', target_id: request.body.service }, now)
      const { rows } = await app.db.query<{ name: string }>('SELECT name FROM service WHERE id = $1', [request.body.service])
      return { service: { id: request.body.service, name: rows[0]!.name }, verified_at: now.toISOString() }
    },
  )
}

export default freshnessRoutes
