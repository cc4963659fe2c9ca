/**
 * The pages write through the service's own JSON API, in process (`app.inject`), so every change
 * made on a page passes the same validation, authorisation, versioning and audit as an API call.
 * The caller's session cookie and address go with each call.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Forbidden, NotFound, Unauthorized, type FieldError, type ProblemBody } from '../problem.ts'

export interface ApiAnswer<T> {
  status: number
  /** The JSON body on success; absent for 204. */
  body: T
  /** The problem, when the API refused the request (4xx other than 401, 403, 404). */
  problem: ProblemBody | undefined
  setCookie: string | string[] | undefined
}

export async function callApi<T = unknown>(
  app: FastifyInstance,
  request: FastifyRequest,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
  /** Refusals the page answers itself (sign-in's 401, say) instead of the usual page. */
  keep: number[] = [],
): Promise<ApiAnswer<T>> {
  const res = await app.inject({
    method,
    url,
    remoteAddress: request.ip,
    headers: {
      accept: 'application/json',
      ...(request.headers.cookie ? { cookie: request.headers.cookie } : {}),
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  })
  const body = res.body ? (res.json() as unknown) : undefined
  const problem = res.statusCode >= 400 ? (body as ProblemBody) : undefined
  // Refusals the person cannot fix on the form become the pages' own sign-in, 403 and 404 answers.
  const kept = keep.includes(res.statusCode)
  if (res.statusCode === 401 && !kept) throw new Unauthorized(problem?.detail ?? 'Sign in to do this.')
  if (res.statusCode === 403 && !kept) throw new Forbidden(problem?.detail ?? 'You may not do this.')
  if (res.statusCode === 404 && !kept) throw new NotFound(problem?.detail ?? 'Not found.')
  if (res.statusCode >= 500) throw new Error(`${method} ${url} answered ${res.statusCode}: ${problem?.detail ?? ''}`)
  return { status: res.statusCode, body: body as T, problem, setCookie: res.headers['set-cookie'] }
}

/** One complaint about one form field, as the NHS error summary and the field show it. */
export interface FieldProblem {
  /** The id of the form control the summary links to. */
  field: string
  text: string
}

/**
 * The problem's field errors as form complaints: `fieldFor` turns a JSON Pointer (e.g. /name,
 * /locations/0/address/postal_code) into the form's field and its plain-words message.
 * Complaints no field claims are listed against `fallbackField` with the API's own words.
 */
export function fieldProblems(
  problem: ProblemBody,
  fieldFor: (pointer: string, error: FieldError) => FieldProblem | undefined,
  fallbackField: string,
): FieldProblem[] {
  const errors = problem.errors ?? []
  if (errors.length === 0) return [{ field: fallbackField, text: problem.detail ?? problem.title }]
  const seen = new Set<string>()
  const out: FieldProblem[] = []
  for (const error of errors) {
    const found = fieldFor(error.pointer, error) ?? { field: fallbackField, text: `${error.pointer.slice(1).replaceAll('/', ' ')}: ${error.detail}` }
    if (seen.has(found.field)) continue
    seen.add(found.field)
    out.push(found)
  }
  return out
}

/** The error summary and per-field messages the templates' NHS macros take. */
export function formErrors(problems: FieldProblem[]) {
  return {
    errorList: problems.map((p) => ({ text: p.text, href: `#${p.field}` })),
    errors: Object.fromEntries(problems.map((p) => [p.field, { text: p.text }])) as Record<string, { text: string }>,
  }
}
