import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import { TooManyRequests } from '../problem.ts'

/**
 * Per-route rate limits in this scope (a route opts in with `config.rateLimit`), refused with the
 * same 429 problem as every other "too many" (keyed by the client address: see TRUST_PROXY).
 */
export async function registerRateLimits(app: FastifyInstance): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new TooManyRequests(`Too many requests from this address just now. Try again in ${context.after}.`),
  })
}
