/**
 * The pages emailed links open: accepting an invitation, choosing a new password, confirming a
 * listing is still running; and an organisation registering itself. The API does the work; a
 * GET never changes anything (mail scanners open links), the button on the page does.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { LinkSecretSchema } from '../../auth/invitation-routes.ts'
import { INVITATION_DAYS, previewInvitation, passwordResetState, RESET_MINUTES, type LinkState } from '../../auth/invitations.ts'
import { MAX_PASSWORD } from '../../auth/passwords.ts'
import { EmailSchema } from '../../auth/schemas.ts'
import type { Principal } from '../../auth/store.ts'
import { checkConfirmLink, ConfirmLinkSchema, LINK_DAYS, linkKey, REMIND_AFTER_DAYS } from '../../freshness/freshness.ts'
import { OrganizationDocumentSchema } from '../../manage/schemas.ts'
import { readOrganization, readService } from '../../manage/store.ts'
import type { ProblemBody } from '../../problem.ts'
import { homeFor } from './account.ts'
import { callApi, fieldProblems, formErrors, formText, readForm, type FieldProblem } from '../api.ts'
import { LOCAL_AUTHORITY, ORG_LIMITS } from '../organisation/organisation.ts'
import { authorityOptions, places } from '../places.ts'

const ROLE_WORDS: Record<string, string> = {
  admin: 'an administrator',
  link_worker: 'a link worker',
  editor: 'an editor',
  commissioner: 'a commissioner',
}

/** A password the API refused, in plain words for the field ("Your password must be at least 8 characters"). */
function passwordComplaint(problem: ProblemBody): FieldProblem | undefined {
  const error = problem.errors?.find((e) => e.pointer === '/password')
  if (!error) return undefined
  return { field: 'password', text: `Your password ${error.detail.replace(/; choose another$/, '. Choose a different one')}` }
}

/** Checks the page can make before the API: the ones with friendlier words than a schema's. */
function passwordMissing(password: string): FieldProblem[] {
  if (!password) return [{ field: 'password', text: 'Enter a password' }]
  if ([...password].length > MAX_PASSWORD) return [{ field: 'password', text: `Your password must be ${MAX_PASSWORD} characters or fewer` }]
  return []
}

/**
 * What the API refused, as the page answers it. The API's answers for an emailed link: 400 the
 * link is not (or no longer) good, 409 the account has another role, 422 the password is not
 * acceptable, 429 too many tries from this address. Anything else is a fault, not the visitor's.
 */
type Refusal = { kind: 'password'; complaint: FieldProblem } | { kind: 'conflict' } | { kind: 'rate' } | { kind: 'link' }

export function refusalOf(status: number, problem: ProblemBody): Refusal {
  const complaint = passwordComplaint(problem)
  if (complaint) return { kind: 'password', complaint }
  switch (status) {
    case 409:
      return { kind: 'conflict' }
    case 429:
      return { kind: 'rate' }
    case 400:
      return { kind: 'link' }
    case 422:
      // Only a password is unacceptable (the API always names it); its own words if unnamed.
      return { kind: 'password', complaint: { field: 'password', text: problem.detail ?? problem.title } }
    default:
      throw new Error(`the API answered an emailed link with ${status}: ${problem.detail ?? problem.title}`)
  }
}

const TOO_MANY_TRIES = 'Too many attempts. Wait a minute and try again'

/** A token the API would take, or '' (not a link we sent). */
const linkToken = (token: string) => (LinkSecretSchema.safeParse(token).success ? token : '')

/** The register page's checks are the API's own schemas, so the page and the API agree. */
const Org = OrganizationDocumentSchema.shape
const validEmail = (v: string) => EmailSchema.safeParse(v).success
const EMAIL_FORMAT = 'Enter an email address in the right format, like name@example.org'

const TokenQuery = z.object({ token: z.string().default('') })
const PasswordForm = z.object({ token: z.string().default(''), password: z.string().default('') })
const EmailForm = z.object({ email: z.string().trim().default('') })
const RegisterForm = z.object({
  name: z.string().trim().default(''),
  description: z.string().trim().default(''),
  'org-email': z.string().trim().default(''),
  website: z.string().trim().default(''),
  'charity-number': z.string().trim().default(''),
  'local-authority': z.string().trim().default(''),
  email: z.string().trim().default(''),
})
type RegisterValues = z.infer<typeof RegisterForm>

/** The register form's complaint for each field, by the API's pointer (the page checks the same). */
const REGISTER_FIELDS: Record<string, FieldProblem> = {
  '/organization/name': { field: 'name', text: 'Enter the name of your organisation' },
  '/organization/description': { field: 'description', text: `The description must be ${ORG_LIMITS.description} characters or fewer` },
  '/organization/email': { field: 'org-email', text: 'Enter the organisation’s email address in the right format, like hello@example.org' },
  '/organization/website': { field: 'website', text: 'Enter the website address in full, starting with https://, like https://www.example.org' },
  '/organization/charity_number': { field: 'charity-number', text: `The charity number must be ${ORG_LIMITS.charity_number} characters or fewer` },
  '/organization/local_authority': { field: 'local-authority', text: LOCAL_AUTHORITY.unknown },
  '/email': { field: 'email', text: 'Enter your email address in the right format, like name@example.org' },
}

const invitationPages: FastifyPluginAsync = async (app) => {
  // ----- Invitations -------------------------------------------------------------------------

  const linkGone = (reply: FastifyReply, what: 'invitation' | 'reset', state: LinkState) => {
    const title = what === 'invitation' ? 'This invitation link cannot be used' : 'This password reset link cannot be used'
    const why =
      state === 'used' ? 'It has been used already: each link works once.'
      : state === 'expired' ? 'It has expired.'
      : 'It is not a link we sent, or part of it is missing. Check you copied the whole address from the email.'
    return reply.code(410).page('accounts/invitation-gone.njk', { title, why, what, state, invitationDays: INVITATION_DAYS, resetMinutes: RESET_MINUTES })
  }

  const showAccept = (
    reply: FastifyReply,
    token: string,
    invitation: Awaited<ReturnType<typeof previewInvitation>>,
    problems: FieldProblem[] = [],
    status = problems.length ? 422 : 200,
  ) =>
    reply.code(status).page('accounts/invitation-accept.njk', {
      title: invitation.existingAccount ? 'Accept your invitation' : 'Set up your account',
      token,
      invitation: { ...invitation, roleWords: ROLE_WORDS[invitation.role ?? ''] ?? invitation.role },
      ...formErrors(problems),
    })

  app.get('/invitations/accept', { schema: { hide: true } }, async (request: FastifyRequest<{ Querystring: unknown }>, reply) => {
    const token = linkToken(readForm(TokenQuery, request.query).token)
    const invitation = token ? await previewInvitation(app.db, token, app.now()) : { state: 'unknown' as const }
    if (invitation.state !== 'live') return linkGone(reply, 'invitation', invitation.state)
    return showAccept(reply, token, invitation)
  })

  app.post('/invitations/accept', { schema: { hide: true } }, async (request, reply) => {
    const form = readForm(PasswordForm, request.body)
    form.token = linkToken(form.token)
    const invitation = form.token ? await previewInvitation(app.db, form.token, app.now()) : { state: 'unknown' as const }
    if (invitation.state !== 'live') return linkGone(reply, 'invitation', invitation.state)
    if (!invitation.existingAccount) {
      const problems = passwordMissing(form.password)
      if (problems.length) return showAccept(reply, form.token, invitation, problems)
    }
    const payload = invitation.existingAccount ? { token: form.token } : { token: form.token, password: form.password }
    const answer = await callApi<Principal>(app, request, 'POST', '/api/invitations/accept', payload)
    if (answer.problem) {
      const refusal = refusalOf(answer.status, answer.problem)
      switch (refusal.kind) {
        case 'password':
          return showAccept(reply, form.token, invitation, [refusal.complaint])
        case 'rate':
          return showAccept(reply, form.token, invitation, [{ field: invitation.existingAccount ? 'accept' : 'password', text: TOO_MANY_TRIES }], 429)
        case 'conflict':
          return reply.code(409).page('shared/error.njk', {
            title: 'You already have an account',
            detail: `${answer.problem.detail ?? ''} Ask the person who invited you to invite you with the role you already have, or to contact an administrator.`.trim(),
          })
        case 'link': {
          // Used or expired between the page and the button: say which, as the link stands now.
          const now = await previewInvitation(app.db, form.token, app.now())
          return linkGone(reply, 'invitation', now.state === 'live' ? 'unknown' : now.state)
        }
      }
    }
    if (answer.setCookie) {
      reply.header('set-cookie', answer.setCookie)
      return reply.redirect(homeFor(answer.body), 303)
    }
    return reply.redirect('/sign-in', 303)
  })

  // ----- Password reset ----------------------------------------------------------------------

  const showAskReset = (reply: FastifyReply, values: { email?: string }, problems: FieldProblem[] = [], status = problems.length ? 422 : 200) =>
    reply.code(status).page('accounts/password-reset.njk', { title: 'Reset your password', values, ...formErrors(problems) })

  const showNewPassword = (reply: FastifyReply, token: string, problems: FieldProblem[] = [], status = problems.length ? 422 : 200) =>
    reply.code(status).page('accounts/password-reset-new.njk', { title: 'Choose a new password', token, ...formErrors(problems) })

  app.get('/password-reset', { schema: { hide: true } }, async (request, reply) => {
    const { token: raw } = readForm(TokenQuery, request.query)
    if (!raw) return showAskReset(reply, {})
    const token = linkToken(raw)
    const state = !token ? 'unknown' : await passwordResetState(app.db, token, app.now())
    if (state !== 'live') return linkGone(reply, 'reset', state)
    return showNewPassword(reply, token)
  })

  app.post('/password-reset', { schema: { hide: true } }, async (request, reply) => {
    const form = readForm(EmailForm, request.body)
    if (!form.email) return showAskReset(reply, form, [{ field: 'email', text: 'Enter your email address' }])
    if (!validEmail(form.email)) return showAskReset(reply, form, [{ field: 'email', text: EMAIL_FORMAT }])
    const answer = await callApi(app, request, 'POST', '/api/auth/password-reset', { email: form.email })
    if (answer.problem) {
      const text = answer.status === 429 ? 'You have asked too many times. Wait a minute and try again' : EMAIL_FORMAT
      return showAskReset(reply, form, [{ field: 'email', text }], answer.status === 429 ? 429 : 422)
    }
    return reply.redirect('/password-reset/sent', 303)
  })

  app.get('/password-reset/sent', { schema: { hide: true } }, async (_request, reply) =>
    reply.page('accounts/password-reset-sent.njk', { title: 'Check your email', resetMinutes: RESET_MINUTES }),
  )

  app.post('/password-reset/complete', { schema: { hide: true } }, async (request, reply) => {
    const form = readForm(PasswordForm, request.body)
    form.token = linkToken(form.token)
    const state = form.token ? await passwordResetState(app.db, form.token, app.now()) : 'unknown'
    if (state !== 'live') return linkGone(reply, 'reset', state)
    const problems = passwordMissing(form.password)
    if (problems.length) return showNewPassword(reply, form.token, problems)
    const answer = await callApi(app, request, 'POST', '/api/auth/password-reset/complete', { token: form.token, password: form.password })
    if (answer.problem) {
      const refusal = refusalOf(answer.status, answer.problem)
      switch (refusal.kind) {
        case 'password':
          return showNewPassword(reply, form.token, [refusal.complaint])
        case 'rate':
          return showNewPassword(reply, form.token, [{ field: 'password', text: TOO_MANY_TRIES }], 429)
        case 'conflict': // (the reset API never answers 409)
        case 'link': {
          const now = await passwordResetState(app.db, form.token, app.now())
          return linkGone(reply, 'reset', now === 'live' ? 'unknown' : now)
        }
      }
    }
    // The API ended every session of the account, this browser's too if it was signed in.
    if (answer.setCookie) reply.header('set-cookie', answer.setCookie)
    return reply.redirect('/password-reset/done', 303)
  })

  app.get('/password-reset/done', { schema: { hide: true } }, async (_request, reply) =>
    reply.page('accounts/password-reset-done.njk', { title: 'Your password has been changed' }),
  )

  // ----- Still running? (the freshness reminder's link) ---------------------------------------

  const confirmGone = (reply: FastifyReply, reason: 'expired' | 'tampered' | 'missing') =>
    reply.code(reason === 'expired' ? 410 : reason === 'missing' ? 404 : 400).page('accounts/confirm-gone.njk', {
      title: reason === 'expired' ? 'This confirmation link has expired' : 'This confirmation link is not valid',
      reason,
      linkDays: LINK_DAYS,
    })

  /** The link's parts, checked; the listing it names; or why not. */
  const readConfirmLink = async (raw: unknown) => {
    const fields = (raw ?? {}) as Record<string, unknown>
    const q = { service: formText(fields.service), expires: formText(fields.expires), sig: formText(fields.sig) }
    // The query's text as the confirm API's body: checked by that same schema.
    const parsed = ConfirmLinkSchema.safeParse({ service: q.service, expires: /^\d{1,12}$/.test(q.expires) ? Number(q.expires) : NaN, sig: q.sig })
    if (!parsed.success) return { problem: 'tampered' as const }
    const link = parsed.data
    const problem = checkConfirmLink(await linkKey(app.db), link, app.now())
    if (problem) return { problem }
    // Read as editors read it: a listing hidden for going unconfirmed must still be confirmable.
    const service = await readService(app.db, link.service)
    const organization = service && (await readOrganization(app.db, service.organization_id))
    if (!service || !organization) return { problem: 'missing' as const }
    return { link, service: { name: service.document.name, organization: organization.document.name } }
  }

  app.get('/confirm', { schema: { hide: true } }, async (request, reply) => {
    const read = await readConfirmLink(request.query)
    if (!read.link) return confirmGone(reply, read.problem)
    return reply.page('accounts/confirm.njk', { title: `Is ${read.service.name} still running?`, link: read.link, service: read.service })
  })

  app.post('/confirm', { schema: { hide: true } }, async (request, reply) => {
    const read = await readConfirmLink(request.body)
    if (!read.link) return confirmGone(reply, read.problem)
    const answer = await callApi<{ service: { id: string; name: string }; verified_at: string }>(app, request, 'POST', '/api/confirm', read.link)
    if (answer.status === 429) {
      return reply.code(429).page('shared/error.njk', { title: 'Too many confirmations from here just now', detail: 'Wait a minute, then press the button again. The link still works.' })
    }
    if (answer.problem) {
      // The API's 400s: the link expired between the page and the button, or the listing went.
      const detail = answer.problem.detail ?? ''
      return confirmGone(reply, /expired/.test(detail) ? 'expired' : /no longer exists/.test(detail) ? 'missing' : 'tampered')
    }
    return reply.page('accounts/confirm-done.njk', {
      title: 'Thank you for confirming',
      service: { ...read.service, id: answer.body.service.id },
      verifiedAt: answer.body.verified_at,
      remindAfterDays: REMIND_AFTER_DAYS,
    })
  })

  // ----- Registering an organisation ----------------------------------------------------------

  const showRegister = async (reply: FastifyReply, values: Partial<RegisterValues>, problems: FieldProblem[] = [], status = problems.length ? 422 : 200) =>
    reply.code(status).page('accounts/register.njk', {
      title: 'Register your organisation',
      values,
      maxDescription: ORG_LIMITS.description,
      authorities: authorityOptions((await places(app.db)).authorities, values['local-authority'] ?? ''),
      localAuthority: { ...LOCAL_AUTHORITY, hint: 'Your listings with home visits, telephone or online sessions are available there unless they say otherwise.' },
      ...formErrors(problems),
    })

  app.get('/register', { schema: { hide: true } }, async (_request, reply) => showRegister(reply, {}))

  app.post('/register', { schema: { hide: true } }, async (request, reply) => {
    const form = readForm(RegisterForm, request.body)
    const problems: FieldProblem[] = []
    if (!form.name) problems.push(REGISTER_FIELDS['/organization/name']!)
    else if (!Org.name.safeParse(form.name).success) problems.push({ field: 'name', text: `The name must be ${ORG_LIMITS.name} characters or fewer` })
    if (!Org.description.safeParse(form.description).success) problems.push(REGISTER_FIELDS['/organization/description']!)
    if (form['org-email'] && !Org.email.safeParse(form['org-email']).success) problems.push(REGISTER_FIELDS['/organization/email']!)
    if (form.website && !Org.website.safeParse(form.website).success) problems.push(REGISTER_FIELDS['/organization/website']!)
    if (!Org.charity_number.safeParse(form['charity-number'] || null).success) problems.push(REGISTER_FIELDS['/organization/charity_number']!)
    if (!Org.local_authority.safeParse(form['local-authority'] || null).success) problems.push(REGISTER_FIELDS['/organization/local_authority']!)
    if (!form.email) problems.push({ field: 'email', text: 'Enter your email address' })
    else if (!validEmail(form.email)) problems.push(REGISTER_FIELDS['/email']!)
    if (problems.length) return showRegister(reply, form, problems)

    const answer = await callApi(app, request, 'POST', '/api/organizations/register', {
      organization: {
        name: form.name,
        description: form.description,
        email: form['org-email'] || null,
        website: form.website || null,
        charity_number: form['charity-number'] || null,
        local_authority: form['local-authority'] || null,
      },
      email: form.email,
    })
    if (answer.problem) {
      if (answer.status === 429) return showRegister(reply, form, [{ field: 'name', text: 'Too many registrations from here just now. Wait a minute and try again' }], 429)
      return showRegister(reply, form, fieldProblems(answer.problem, (pointer) => REGISTER_FIELDS[pointer], 'name'))
    }
    return reply.redirect('/register/sent', 303)
  })

  app.get('/register/sent', { schema: { hide: true } }, async (_request, reply) =>
    reply.page('accounts/register-sent.njk', { title: 'We will check your organisation', invitationDays: INVITATION_DAYS }),
  )
}

export default invitationPages
