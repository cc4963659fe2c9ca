/**
 * The pages write through the service's own JSON API, in process (`app.inject`), so every change
 * made on a page passes the same validation, authorisation, versioning and audit as an API call.
 * The caller's session cookie and address go with each call.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { IdSchema } from '../id.ts'
import { Forbidden, NotFound, Problem, Unauthorized, type FieldError, type ProblemBody } from '../problem.ts'

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
    // A Buffer (an uploaded file) goes as it is, with the content type given in `headers`.
    ...(payload === undefined ? {} : { payload: Buffer.isBuffer(payload) ? payload : JSON.stringify(payload) }),
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

/**
 * A form or query string read with its page's zod schema. Input no browser of ours would send
 * (a field repeated, a token of a thousand characters) is a 400 page, never a 500.
 */
export function readForm<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input ?? {})
  if (!parsed.success) throw unreadableForm()
  return parsed.data
}

/** The 400 page for a form no page of ours sends (a field tampered with or missing). */
export const unreadableForm = (): Problem =>
  new Problem(400, 'form', 'The form could not be read', 'Some of what was sent could not be read. Go back, reload the page and try again.')

/** A uuid from the address, or a 404 saying `detail`: the same page as for a record that is not theirs. */
export function idOr404(id: string, detail: string): string {
  if (!IdSchema.safeParse(id).success) throw new NotFound(detail)
  return id
}

/** One text field of a url-encoded form: the first value if repeated, trimmed; '' when absent. */
export const formText = (v: unknown): string => (Array.isArray(v) ? String(v[0] ?? '') : v === undefined || v === null ? '' : String(v)).trim()

/** The form's text fields: a string each, trimmed (a repeated field keeps its first value). */
export function formFields<K extends string>(body: unknown, names: readonly K[]): Record<K, string> {
  const raw = (body ?? {}) as Record<string, unknown>
  return Object.fromEntries(names.map((n) => [n, formText(raw[n])])) as Record<K, string>
}

/** A field's value if it is one of a closed vocabulary; undefined for anything else (absent, repeated, tampered with). */
export function formChoice<T extends string>(values: readonly T[], raw: unknown): T | undefined {
  const v = formText(raw)
  return values.find((x) => x === v)
}

/** A field that may be repeated (checkboxes): always a list of strings. */
export const formList = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)])

/**
 * The most characters (or items) a zod object schema allows at a path, read off the schema
 * itself so a page's words keep up with the API: `maxLengthAt(ServiceDocumentSchema,
 * 'locations', 'address', 'city')`. Throws when the path or its limit is gone.
 */
export function maxLengthAt(schema: z.ZodType, ...path: string[]): number {
  let s = schema
  const bare = () => {
    while (s instanceof z.ZodDefault || s instanceof z.ZodNullable || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType
  }
  for (const key of path) {
    bare()
    if (s instanceof z.ZodArray) s = s.element as z.ZodType
    bare()
    const next = s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>)[key] : undefined
    if (!next) throw new Error(`The schema has no field ${path.join('.')}`)
    s = next
  }
  bare()
  const max = (s._zod.def.checks ?? []).map((c) => c._zod.def as { check: string; maximum?: number }).find((d) => d.check === 'max_length')?.maximum
  if (max === undefined) throw new Error(`The schema sets no maximum for ${path.join('.')}`)
  return max
}
