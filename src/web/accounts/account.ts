/** Signing in and out. The API does the work (rate limits, lockout, audit); these pages ask and answer. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Principal } from '../../auth/store.ts'
import { callApi, formErrors, readForm, type FieldProblem } from '../api.ts'

/** Where a role starts after signing in. */
export function homeFor(principal: Pick<Principal, 'role'>): string {
  switch (principal.role) {
    case 'admin':
      return '/admin'
    case 'editor':
      return '/my-organisation'
    default:
      return '/search'
  }
}

/**
 * Only a path on this site, so sign-in cannot send people elsewhere: "/x?y" but not
 * "//evil.example", "/\\evil.example", or anything with whitespace or control characters
 * (browsers drop tabs and newlines from URLs, turning "/\t/evil.example" into "//evil.example").
 */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length > 2000 || !next.startsWith('/') || /[\s\\\x00-\x1f\x7f]/.test(next)) return undefined
  const base = 'http://connector.invalid'
  const url = new URL(next, base)
  return url.origin === base && !next.startsWith('//') ? url.pathname + url.search : undefined
}

const SignInForm = z.object({ email: z.string().trim().max(320).default(''), password: z.string().max(1000).default(''), next: z.string().optional() })

const accountPages: FastifyPluginAsync = async (app) => {
  const show = (reply: FastifyReply, values: { email?: string; next?: string }, problems: FieldProblem[] = []) =>
    reply.code(problems.length ? 422 : 200).page('accounts/sign-in.njk', { title: 'Sign in', values, ...formErrors(problems) })

  app.get('/sign-in', { schema: { hide: true } }, async (request: FastifyRequest<{ Querystring: { next?: string } }>, reply) => {
    if (request.principal) return reply.redirect(safeNext(request.query.next) ?? homeFor(request.principal), 303)
    return show(reply, { next: safeNext(request.query.next) })
  })

  app.post('/sign-in', { schema: { hide: true } }, async (request, reply) => {
    const form = readForm(SignInForm, request.body)
    const values = { email: form.email, next: safeNext(form.next) }
    const problems: FieldProblem[] = []
    if (!form.email) problems.push({ field: 'email', text: 'Enter your email address' })
    if (!form.password) problems.push({ field: 'password', text: 'Enter your password' })
    if (problems.length) return show(reply, values, problems)

    const answer = await callApi<Principal>(app, request, 'POST', '/api/auth/sign-in', { email: form.email, password: form.password }, {}, [401])
    if (answer.problem) {
      const text =
        answer.status === 401 ? 'The email address or password is not right'
        : answer.status === 429 ? (answer.problem.detail ?? 'Too many attempts. Try again later.')
        : 'Enter an email address in the right format, like name@example.org'
      return show(reply, values, [{ field: answer.status === 400 ? 'email' : 'password', text }])
    }
    if (answer.setCookie) reply.header('set-cookie', answer.setCookie)
    return reply.redirect(values.next ?? homeFor(answer.body), 303)
  })

  app.post('/sign-out', { schema: { hide: true } }, async (request, reply) => {
    // An expired session is already signed out: clear the cookie all the same and go home.
    const answer = await callApi(app, request, 'POST', '/api/auth/sign-out', undefined, {}, [401])
    if (answer.setCookie) reply.header('set-cookie', answer.setCookie)
    return reply.redirect('/', 303)
  })
}

export default accountPages
