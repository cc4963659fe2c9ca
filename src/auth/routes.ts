import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { NotFound, ProblemSchema, TooManyRequests, Unauthorized } from '../problem.ts'
import { assertPasswordAcceptable, hashPassword, MAX_PASSWORD, verifyPassword } from './passwords.ts'
import invitationRoutes from './invitation-routes.ts'
import { SESSION_COOKIE } from './plugin.ts'
import { EmailSchema, PrincipalSchema } from './schemas.ts'
import {
  audit,
  createSession,
  createToken,
  findAccountByEmail,
  listTokens,
  principalForSession,
  recentFailures,
  revokeSession,
  revokeSessions,
  revokeToken,
  setPassword,
} from './store.ts'
import { IdSchema } from '../id.ts'
import { registerRateLimits } from '../plugins/rate-limit.ts'

/** Failed sign-ins allowed for one email from one address in FAILURE_WINDOW_MINUTES. */
export const MAX_FAILURES = 5
export const FAILURE_WINDOW_MINUTES = 15
/** Sign-in attempts allowed from one address per minute, whatever the email. */
export const SIGN_INS_PER_MINUTE = 20

const TokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  created_at: z.iso.datetime(),
  last_used_at: z.iso.datetime().nullable(),
  revoked_at: z.iso.datetime().nullable(),
})


/**
 * Sign-in and sign-out (session cookie), your own account, and API tokens for machine
 * clients. Sign-in is limited per address and per email-and-address, so guessing is slow but
 * an attacker elsewhere cannot lock the real person out.
 */
const authRoutes: FastifyPluginAsyncZod<{ publicUrl: string }> = async (app, opts) => {
  await registerRateLimits(app)
  await app.register(invitationRoutes, { publicUrl: opts.publicUrl })

  app.post(
    '/auth/sign-in',
    {
      config: { rateLimit: { max: SIGN_INS_PER_MINUTE, timeWindow: '1 minute' } },
      schema: {
        tags: ['accounts'],
        summary: 'Sign in with email and password; sets an HttpOnly session cookie',
        body: z.strictObject({ email: EmailSchema, password: z.string().min(1).max(MAX_PASSWORD) }),
        response: { 200: PrincipalSchema, 400: ProblemSchema, 401: ProblemSchema, 429: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body
      const now = app.now()
      const entry = { action: 'sign_in', email, ip: request.ip }
      if ((await recentFailures(app.db, email, request.ip, now, FAILURE_WINDOW_MINUTES)) >= MAX_FAILURES) {
        await audit(app.db, { ...entry, outcome: 'refused', detail: { reason: 'too many failures' } }, now)
        throw new TooManyRequests(`Too many failed sign-ins for this email from here. Try again in ${FAILURE_WINDOW_MINUTES} minutes.`)
      }
      const account = await findAccountByEmail(app.db, email)
      const ok = (await verifyPassword(account?.password_hash ?? null, password)) && account !== undefined && account.disabled_at === null
      if (!ok) {
        await audit(app.db, { ...entry, account_id: account?.id ?? null, outcome: 'failure' }, now)
        throw new Unauthorized('That email and password do not match an account.')
      }
      const secret = await createSession(app.db, account.id, now)
      await audit(app.db, { ...entry, account_id: account.id, outcome: 'success' }, now)
      app.setSessionCookie(reply, secret)
      return (await principalForSession(app.db, secret, now))!
    },
  )

  app.post(
    '/auth/sign-out',
    {
      schema: { tags: ['accounts'], summary: 'Sign out: the session ends on the server and the cookie is cleared', response: { 204: z.null() } },
    },
    async (request, reply) => {
      const secret = request.cookies[SESSION_COOKIE]
      if (secret) {
        await revokeSession(app.db, secret, app.now())
        if (request.principal) await audit(app.db, { account_id: request.principal.account_id, action: 'sign_out', outcome: 'success', ip: request.ip }, app.now())
      }
      app.clearSessionCookie(reply)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/auth/me',
    {
      preHandler: app.authorize(),
      schema: { tags: ['accounts'], summary: 'The signed-in account', response: { 200: PrincipalSchema, 401: ProblemSchema } },
    },
    async (request) => request.principal!,
  )

  app.put(
    '/auth/password',
    {
      preHandler: app.authorize(),
      schema: {
        tags: ['accounts'],
        summary: 'Change your password (ends your other sessions)',
        body: z.strictObject({ current_password: z.string().min(1).max(MAX_PASSWORD), new_password: z.string().max(MAX_PASSWORD) }),
        response: { 204: z.null(), 400: ProblemSchema, 401: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const account = (await findAccountByEmail(app.db, principal.email))!
      const now = app.now()
      if (!(await verifyPassword(account.password_hash, request.body.current_password))) {
        await audit(app.db, { account_id: account.id, action: 'password_change', outcome: 'failure', ip: request.ip }, now)
        throw new Unauthorized('The current password is wrong.')
      }
      assertPasswordAcceptable(request.body.new_password, account.email, 'new_password')
      await app.db.transaction(async (tx) => {
        await setPassword(tx, account.id, await hashPassword(request.body.new_password))
        await revokeSessions(tx, account.id, now, request.cookies[SESSION_COOKIE])
        await audit(tx, { account_id: account.id, action: 'password_change', outcome: 'success', ip: request.ip }, now)
      })
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/auth/tokens',
    {
      preHandler: app.authorize(),
      schema: { tags: ['accounts'], summary: 'Your API tokens (never the secrets)', response: { 200: z.array(TokenSchema), 401: ProblemSchema } },
    },
    async (request) => listTokens(app.db, request.principal!.account_id),
  )

  app.post(
    '/auth/tokens',
    {
      preHandler: app.authorize(),
      schema: {
        tags: ['accounts'],
        summary: 'Create an API token for a machine client; the secret is shown this once',
        body: z.strictObject({ name: z.string().trim().min(1).max(100).describe('what it is for') }),
        response: { 201: z.object({ id: z.uuid(), name: z.string(), token: z.string().describe('send as Authorization: Bearer <token>') }), 400: ProblemSchema, 401: ProblemSchema },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const now = app.now()
      const created = await createToken(app.db, principal.account_id, request.body.name, now)
      await audit(app.db, { account_id: principal.account_id, action: 'token_create', outcome: 'success', ip: request.ip, target_type: 'api_token', target_id: created.id }, now)
      return reply.code(201).send({ id: created.id, name: request.body.name, token: created.token })
    },
  )

  app.delete(
    '/auth/tokens/:id',
    {
      preHandler: app.authorize(),
      schema: {
        tags: ['accounts'],
        summary: 'Revoke one of your API tokens',
        params: z.object({ id: IdSchema }),
        response: { 204: z.null(), 401: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const now = app.now()
      if (!(await revokeToken(app.db, principal.account_id, request.params.id, now))) throw new NotFound('You have no live API token with that id.')
      await audit(app.db, { account_id: principal.account_id, action: 'token_revoke', outcome: 'success', ip: request.ip, target_type: 'api_token', target_id: request.params.id }, now)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/admin/audit',
    {
      preHandler: app.authorize('admin'),
      schema: {
        tags: ['admin'],
        summary: 'The audit log, newest first: sign-ins, refusals and writes',
        querystring: z.object({
          page: z.coerce.number().int().min(1).default(1),
          per_page: z.coerce.number().int().min(1).max(200).default(50),
          action: z.string().max(40).optional(),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.number().int(),
                at: z.iso.datetime(),
                account_id: z.uuid().nullable(),
                action: z.string(),
                outcome: z.enum(['success', 'failure', 'refused']),
                email: z.string().nullable(),
                ip: z.string().nullable(),
                target_type: z.string().nullable(),
                target_id: z.string().nullable(),
                detail: z.record(z.string(), z.unknown()),
              }),
            ),
          }),
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { page, per_page, action } = request.query
      const { rows } = await app.db.query<{ id: number; at: Date } & Record<string, unknown>>(
        `SELECT id, at, account_id, action, outcome, email, ip, target_type, target_id, detail FROM audit_log
          WHERE $1::text IS NULL OR action = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
        [action ?? null, per_page, (page - 1) * per_page],
      )
      return { items: rows.map((r) => ({ ...r, at: r.at.toISOString() })) as never }
    },
  )
}

export default authRoutes
