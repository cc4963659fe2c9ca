import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Conflict, Forbidden, Invalid, NotFound, ProblemSchema } from '../problem.ts'
import { createInvitation, createPasswordReset, INVITATION_DAYS, takeInvitation, takePasswordReset } from './invitations.ts'
import { assertPasswordAcceptable, hashPassword, MAX_PASSWORD } from './passwords.ts'
import { EmailSchema, PrincipalSchema } from './schemas.ts'
import { audit, createAccount, createSession, findAccountByEmail, principalForSession, revokeSessions, ROLES, setPassword } from './store.ts'
import { IdSchema } from '../id.ts'

/** The secret in an emailed invitation or password reset link. */
export const LinkSecretSchema = z.string().min(20).max(200)
const secret = LinkSecretSchema

/**
 * Invitations (an admin invites anyone, an organisation's editor invites colleagues to it)
 * and password reset by a single-use, expiring emailed link.
 */
const invitationRoutes: FastifyPluginAsyncZod<{ publicUrl: string }> = async (app, opts) => {
  app.post(
    '/invitations',
    {
      preHandler: app.authorize('admin', 'editor'),
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['accounts'],
        summary: 'Invite someone by email: admins any role; editors colleagues to their own organisation',
        body: z.strictObject({
          email: EmailSchema,
          role: z.enum(ROLES),
          organization_id: IdSchema.optional().describe('required for an editor: the organisation they will edit'),
          team_id: IdSchema.optional().describe('for a link worker (admins only): the team whose episodes they share'),
        }),
        response: { 202: z.object({ email: z.string(), expires_in_days: z.number() }), 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const { email: address, role, organization_id, team_id } = request.body
      if (principal.role === 'editor' && role !== 'editor') throw new Forbidden('Editors may invite only editors of their own organisation.')
      if (team_id !== undefined && role !== 'link_worker') {
        throw new Invalid('Invalid invitation: only link workers belong to a team.', [{ in: 'body', pointer: '/team_id', detail: 'only link workers belong to a team' }])
      }
      if (team_id !== undefined && (await app.db.query('SELECT 1 FROM team WHERE id = $1', [team_id])).rowCount === 0) {
        throw new Invalid('Invalid invitation: no such team.', [{ in: 'body', pointer: '/team_id', detail: 'no team has this id' }])
      }
      if ((role === 'editor') !== (organization_id !== undefined)) {
        const detail = role === 'editor' ? 'an editor needs an organisation' : 'only editors belong to an organisation'
        throw new Invalid(`Invalid invitation: ${detail}.`, [{ in: 'body', pointer: '/organization_id', detail }])
      }
      let organizationName: string | null = null
      if (organization_id !== undefined) {
        // An editor asking about another organisation learns nothing, not even that it exists.
        const mine = principal.role === 'admin' || principal.organization_ids.includes(organization_id)
        const { rows } = await app.db.query<{ name: string }>('SELECT name FROM organization WHERE id = $1', [organization_id])
        if (!mine || !rows[0]) throw new NotFound('No such organisation.')
        organizationName = rows[0].name
      }
      const now = app.now()
      await app.db.transaction(async (tx) => {
        await createInvitation(tx, { email: address, role, organization_id: organization_id ?? null, team_id: team_id ?? null, invited_by: principal.account_id, organization_name: organizationName }, opts.publicUrl, now)
        await audit(tx, { account_id: principal.account_id, action: 'invite', outcome: 'success', ip: request.ip, email: address, target_type: organization_id ? 'organization' : 'account', target_id: organization_id ?? null, detail: { role } }, now)
      })
      return reply.code(202).send({ email: address, expires_in_days: INVITATION_DAYS })
    },
  )

  app.post(
    '/invitations/accept',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['accounts'],
        summary: 'Accept an invitation: a new account chooses its password; an existing one joins the organisation. Signs you in.',
        body: z.strictObject({ token: secret, password: z.string().max(MAX_PASSWORD).optional().describe('needed for a new account') }),
        response: { 200: PrincipalSchema, 400: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const now = app.now()
      const accountId = await app.db.transaction(async (tx) => {
        const invitation = await takeInvitation(tx, request.body.token, now)
        if (!invitation) throw new Invalid('This invitation link is not valid: it may have expired or been used already.')
        const existing = await findAccountByEmail(tx, invitation.email)
        let id: string
        if (existing) {
          if (existing.role !== invitation.role) throw new Conflict(`${invitation.email} already has an account with another role.`)
          id = existing.id
          if (invitation.team_id) await tx.query('UPDATE account SET team_id = $2 WHERE id = $1', [id, invitation.team_id])
          if (invitation.organization_id) {
            await tx.query('INSERT INTO organization_member (account_id, organization_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [id, invitation.organization_id])
          }
        } else {
          const password = request.body.password ?? ''
          assertPasswordAcceptable(password, invitation.email, 'password')
          id = await createAccount(tx, {
            email: invitation.email,
            role: invitation.role,
            passwordHash: await hashPassword(password),
            organizationIds: invitation.organization_id ? [invitation.organization_id] : [],
            teamId: invitation.team_id,
          })
        }
        await audit(tx, { account_id: id, action: 'invitation_accept', outcome: 'success', ip: request.ip, email: invitation.email, target_type: 'organization', target_id: invitation.organization_id }, now)
        return id
      })
      const session = await createSession(app.db, accountId, now)
      app.setSessionCookie(reply, session)
      return (await principalForSession(app.db, session, now))!
    },
  )

  app.post(
    '/auth/password-reset',
    {
      config: { rateLimit: { max: 5, timeWindow: '1 minute' } },
      schema: {
        tags: ['accounts'],
        summary: 'Email a single-use link to choose a new password (the same answer whether or not the account exists)',
        body: z.strictObject({ email: EmailSchema }),
        response: { 202: z.object({ detail: z.string() }), 400: ProblemSchema },
      },
    },
    async (request, reply) => {
      const now = app.now()
      const account = await findAccountByEmail(app.db, request.body.email)
      await app.db.transaction(async (tx) => {
        if (account && account.disabled_at === null) await createPasswordReset(tx, account, opts.publicUrl, now)
        await audit(tx, { account_id: account?.id ?? null, action: 'password_reset_request', outcome: account ? 'success' : 'failure', ip: request.ip, email: request.body.email }, now)
      })
      return reply.code(202).send({ detail: 'If that email has an account, a link to reset the password is on its way.' })
    },
  )

  app.post(
    '/auth/password-reset/complete',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['accounts'],
        summary: 'Choose a new password with the emailed link (ends every session of the account)',
        body: z.strictObject({ token: secret, password: z.string().max(MAX_PASSWORD) }),
        response: { 204: z.null(), 400: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const now = app.now()
      await app.db.transaction(async (tx) => {
        const accountId = await takePasswordReset(tx, request.body.token, now)
        if (!accountId) throw new Invalid('This reset link is not valid: it may have expired or been used already.')
        const { rows } = await tx.query<{ email: string }>('SELECT email FROM account WHERE id = $1', [accountId])
        assertPasswordAcceptable(request.body.password, rows[0]!.email, 'password')
        await setPassword(tx, accountId, await hashPassword(request.body.password))
        await revokeSessions(tx, accountId, now)
        await audit(tx, { account_id: accountId, action: 'password_reset', outcome: 'success', ip: request.ip }, now)
      })
      return reply.code(204).send(null)
    },
  )
}

export default invitationRoutes
