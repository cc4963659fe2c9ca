import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { isDatabaseUnavailable } from './db/errors.ts'

/** One field's complaint: a JSON Pointer into the request part, and what is wrong there. */
export const FieldErrorSchema = z.object({
  in: z.enum(['body', 'querystring', 'params', 'headers']),
  pointer: z.string().describe('JSON Pointer to the offending field, e.g. /name'),
  detail: z.string(),
})

/** RFC 9457 problem details, as every error response of this service is written. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(FieldErrorSchema).optional(),
  })
  .describe('RFC 9457 problem details')

export type FieldError = z.infer<typeof FieldErrorSchema>
export type ProblemBody = z.infer<typeof ProblemSchema>

const TYPE_BASE = 'https://connector.example.org/problems/'

/** A typed error that the error handler turns into problem+json with its status. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? title)
    this.name = 'Problem'
  }

  body(instance?: string): ProblemBody {
    return {
      type: TYPE_BASE + this.slug,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    }
  }
}

/** A request that does not match its schema: a 400 naming each field. */
export class ValidationProblem extends Problem {
  constructor(detail: string, errors: FieldError[]) {
    super(400, 'validation', 'Request does not match the schema', detail, errors)
  }
}

export class NotFound extends Problem {
  constructor(detail: string) {
    super(404, 'not-found', 'Not found', detail)
  }
}

/** No valid sign-in or API token. */
export class Unauthorized extends Problem {
  constructor(detail: string) {
    super(401, 'unauthorized', 'Sign-in required', detail)
  }
}

/** Signed in, but this role may not do this. */
export class Forbidden extends Problem {
  constructor(detail: string) {
    super(403, 'forbidden', 'Not allowed', detail)
  }
}

export class TooManyRequests extends Problem {
  constructor(detail: string) {
    super(429, 'too-many-requests', 'Too many requests', detail)
  }
}

export class Conflict extends Problem {
  constructor(detail: string) {
    super(409, 'conflict', 'Conflict', detail)
  }
}

/** The request was well-formed but cannot be acted on (an unknown postcode, say). */
export class Invalid extends Problem {
  constructor(detail: string, errors?: FieldError[]) {
    super(422, 'invalid', 'Unprocessable request', detail, errors)
  }
}

export class ServiceUnavailable extends Problem {
  constructor(detail: string) {
    super(503, 'unavailable', 'Service unavailable', detail)
  }
}

/** Text from a request, cut short enough that an error never carries much of it back. */
export function clip(text: string, max = 120): string {
  return text.length <= max ? text : `${cut(text, max - 1)}…`
}

/**
 * At most the first `max` UTF-16 code units of text, never half a surrogate pair (a character
 * beyond U+FFFF, such as an emoji): half of one cannot be stored as text in jsonb.
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text
  const last = text.charCodeAt(max - 1)
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max)
}

/**
 * Seconds a client should wait before trying again after a 503: about how long the database
 * bounds take to tell an outage from a slow moment, and short enough for a person's retry.
 */
export const RETRY_AFTER_SECONDS = 10

function send(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body)
}

/** Each field a schema refused, as a FieldError: pointer and message, kept short (they can quote the request). */
export function validationErrors(error: Pick<FastifyError, 'validation' | 'validationContext'>): FieldError[] {
  const part = (error.validationContext ?? 'body') as FieldError['in']
  return (error.validation ?? []).map((v) => {
    const pointer = v.instancePath || ('params' in v && typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : '')
    // Messages and pointers can quote the request (an unknown key's name): kept short.
    return { in: part, pointer: clip(pointer || '/'), detail: clip(v.message ?? 'is invalid') }
  })
}

function validationProblem(error: FastifyError): Problem {
  const part = (error.validationContext ?? 'body') as FieldError['in']
  const errors = validationErrors(error)
  const fields = errors.map((e) => (e.pointer === '/' ? `the ${part}` : e.pointer.slice(1).replaceAll('/', '.')))
  return new ValidationProblem(`Invalid ${part}: ${clip([...new Set(fields)].join(', '))}`, errors)
}

/**
 * Fastify's client errors whose messages quote the request (a content type, a fragment of the
 * body, the URL), in fixed words instead: an error never echoes the request. Others (rate
 * limits, CSRF, body size) keep their own messages, which quote nothing.
 */
const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'This content type is not accepted here: send application/json (or a form, to the web pages).',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The Content-Length header does not match the body.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The content type says JSON but the body is empty.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The body is not valid JSON.',
  FST_ERR_BAD_URL: 'The address is not validly percent-encoded.',
  FST_ERR_MAX_PARAM_LENGTH: 'A part of the address is too long.',
}

/** The Problem an error stands for; undefined for an unexpected error (a 500). */
export function toProblem(error: FastifyError): Problem | undefined {
  if (error instanceof Problem) return error
  if (hasZodFastifySchemaValidationErrors(error) || error.validation) return validationProblem(error)
  if (isDatabaseUnavailable(error)) {
    // Down, stalled, too slow, full or missing: the same to the caller, who can only try again.
    return new ServiceUnavailable('The database is unavailable or too busy just now. Try again shortly.')
  }
  const status = error.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own client errors: malformed JSON, body too large, unsupported media type...
    // (JSON.parse's SyntaxError carries no code; secure-json-parse's prototype refusal neither.)
    const detail = FASTIFY_DETAILS[error.code] ?? (error instanceof SyntaxError ? FASTIFY_DETAILS.FST_ERR_CTP_INVALID_JSON_BODY : error.message)
    return new Problem(status, `http-${status}`, STATUS_CODES[status] ?? 'Bad request', detail)
  }
  return undefined
}

/**
 * A problem's `instance`: this occurrence, named by the request's id (which every log line of
 * the request carries), so support can find it; never the request's URL echoed back.
 */
function instanceOf(request: FastifyRequest): string {
  return `urn:uuid:${request.id}`
}

/** Request ids: random UUIDs, so a problem's instance names one request and nothing else. */
export const genReqId = (): string => randomUUID()

/**
 * Fastify's `frameworkErrors`: errors met before a route is found (a URL that is not valid
 * percent-encoding, a path parameter over the length limit), as problems like any other.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = toProblem(error) ?? new Problem(400, 'http-400', 'Bad Request', 'The request could not be read.')
  request.log.info({ status: problem.status, problem: problem.slug, code: error.code }, problem.title)
  return send(reply, problem.body(instanceOf(request)))
}

/**
 * Node's `clientError`: a request Node could not parse (a malformed request line, headers over
 * the size limit, a request that timed out) never reaches Fastify. Answer as problem+json, then
 * close the connection, as Node does.
 */
export function clientErrorHandler(this: { log: FastifyBaseLogger }, error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
  const detail =
    status === 431 ? 'The request headers are too large.' : status === 408 ? 'The request took too long to arrive.' : 'The request is not valid HTTP.'
  const body = JSON.stringify(new Problem(status, `http-${status}`, STATUS_CODES[status]!, detail).body())
  // Debug, not info: anyone can send these, as fast as they like.
  this.log.debug({ status, code: error.code }, 'malformed request refused')
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}

/** The 404 for an address no route answers; it names the method, never echoes the address. */
export function noRoute(request: FastifyRequest): NotFound {
  return new NotFound(`No ${request.method} route at this address. The API is described at /docs.`)
}

declare module 'fastify' {
  interface FastifyInstance {
    renderNotFoundPage: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>
  }
}

/** A browser asking for a page rather than a client calling the API. */
function wantsPage(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0]!
  return (request.headers.accept ?? '').includes('text/html') && !/^\/(api|oruk|docs)(\/|$)/.test(path)
}

/**
 * The one error handler: every error leaves as RFC 9457 problem+json. 4xx are logged at info;
 * anything unexpected is a 500 whose detail is logged, never sent.
 */
export function registerProblemHandlers(app: FastifyInstance): void {
  // Every 503, however it is written (problem+json here, an error page in the web scope).
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS))
    return payload
  })
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error)
    if (problem) {
      const level = problem.status >= 500 ? 'warn' : 'info'
      request.log[level]({ status: problem.status, problem: problem.slug, detail: problem.detail }, problem.title)
      return send(reply, problem.body(instanceOf(request)))
    }
    request.log.error({ err: error }, 'unhandled error')
    return send(reply, {
      type: TYPE_BASE + 'internal',
      title: 'Internal Server Error',
      status: 500,
      detail: 'Something went wrong on our side. It has been logged.',
      instance: instanceOf(request),
    })
  })
  app.setNotFoundHandler((request, reply) => {
    request.log.info({ path: request.url.split('?')[0] }, 'no such route')
    // A person in a browser gets the web pages' own "page not found" (when they are registered).
    if (wantsPage(request) && app.hasDecorator('renderNotFoundPage')) return app.renderNotFoundPage(request, reply)
    return send(reply, noRoute(request).body(instanceOf(request)))
  })
}
