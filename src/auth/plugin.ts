/**
 * Who is asking: a session cookie (people, in a browser) or an `Authorization: Bearer` API
 * token (machine clients). Sets `request.principal`; `app.authorize(...roles)` guards a route
 * and audits refusals (counted, for nobody signed in).
 */
import fastifyCookie from '@fastify/cookie'
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { Forbidden, Unauthorized } from '../problem.ts'
import { audit, auditAnonymousRefusal, principalForSession, principalForToken, SESSION_HOURS, type Principal, type Role } from './store.ts'

export const SESSION_COOKIE = 'connector_session'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyInstance {
    /** A preHandler letting through only signed-in accounts with one of these roles (any role when none given). */
    authorize: (...roles: Role[]) => preHandlerAsyncHookHandler
    /** Sets the session cookie (HttpOnly, SameSite=Lax, Secure unless configured off). */
    setSessionCookie: (reply: FastifyReply, secret: string) => void
    clearSessionCookie: (reply: FastifyReply) => void
  }
}

export interface AuthPluginOptions {
  secureCookies: boolean
}

export default fp<AuthPluginOptions>(
  async (app, opts) => {
    await app.register(fastifyCookie)
    app.decorateRequest('principal', null)

    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization
      const now = app.now()
      if (header !== undefined) {
        const match = /^Bearer\s+(\S+)$/i.exec(header)
        const principal = match ? await principalForToken(app.db, match[1]!, now) : undefined
        if (!principal) {
          await refuse(request, 'invalid token')
          throw new Unauthorized('The API token is not valid (unknown, revoked or malformed).')
        }
        request.principal = principal
        return
      }
      const secret = request.cookies[SESSION_COOKIE]
      if (secret) request.principal = (await principalForSession(app.db, secret, now)) ?? null
    })

    // What a signed-in person is shown is theirs: no browser or proxy may keep a copy (nor of a
    // response that sets a cookie, such as signing in). Public assets (style sheets, scripts) say
    // so themselves and keep their caching.
    app.addHook('onSend', async (request, reply, payload) => {
      const isPublic = String(reply.getHeader('cache-control') ?? '').includes('public')
      if ((request.principal || reply.hasHeader('set-cookie')) && !isPublic) reply.header('cache-control', 'no-store')
      return payload
    })

    /** Audits a refusal: each one of a signed-in account; counted per address and hour otherwise. */
    async function refuse(request: FastifyRequest, reason: string): Promise<void> {
      // The route's pattern, never the URL as sent (which could be anything, and unbounded).
      const route = request.routeOptions.url ?? 'no route'
      const now = app.now()
      if (!request.principal) return auditAnonymousRefusal(app.db, { ip: request.ip, reason, method: request.method, route }, now)
      await audit(
        app.db,
        { account_id: request.principal.account_id, action: 'access', outcome: 'refused', ip: request.ip, detail: { method: request.method, route, reason } },
        now,
      )
    }

    app.decorate('authorize', (...roles: Role[]): preHandlerAsyncHookHandler => {
      return async (request) => {
        const principal = request.principal
        if (!principal) {
          await refuse(request, 'not signed in')
          throw new Unauthorized('Sign in, or send an API token, to do this.')
        }
        if (roles.length > 0 && !roles.includes(principal.role)) {
          await refuse(request, `role ${principal.role}`)
          throw new Forbidden(`This needs one of these roles: ${roles.join(', ')}.`)
        }
      }
    })

    app.decorate('setSessionCookie', (reply: FastifyReply, secret: string) => {
      reply.setCookie(SESSION_COOKIE, secret, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: opts.secureCookies,
        maxAge: SESSION_HOURS * 3600,
      })
    })
    app.decorate('clearSessionCookie', (reply: FastifyReply) => {
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secureCookies })
    })
  },
  { name: 'auth', dependencies: ['db'] },
)
