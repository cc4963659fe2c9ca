import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
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

function send(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body)
}

function validationProblem(error: FastifyError): Problem {
  const part = (error.validationContext ?? 'body') as FieldError['in']
  const errors: FieldError[] = (error.validation ?? []).map((v) => {
    const pointer = v.instancePath || ('params' in v && typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : '')
    return { in: part, pointer: pointer || '/', detail: v.message ?? 'is invalid' }
  })
  const fields = errors.map((e) => (e.pointer === '/' ? `the ${part}` : e.pointer.slice(1).replaceAll('/', '.')))
  const detail = `Invalid ${part}: ${[...new Set(fields)].join(', ')}`
  return new Problem(400, 'validation', 'Request does not match the schema', detail, errors)
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
    return new Problem(status, `http-${status}`, STATUS_CODES[status] ?? 'Bad request', error.message)
  }
  return undefined
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
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error)
    if (problem) {
      const level = problem.status >= 500 ? 'warn' : 'info'
      request.log[level]({ status: problem.status, problem: problem.slug, detail: problem.detail }, problem.title)
      return send(reply, problem.body(request.url))
    }
    request.log.error({ err: error }, 'unhandled error')
    return send(reply, {
      type: TYPE_BASE + 'internal',
      title: 'Internal Server Error',
      status: 500,
      detail: 'Something went wrong on our side. It has been logged.',
      instance: request.url,
    })
  })
  app.setNotFoundHandler((request, reply) => {
    request.log.info({ path: request.url.split('?')[0] }, 'no such route')
    // A person in a browser gets the web pages' own "page not found" (when they are registered).
    if (wantsPage(request) && app.hasDecorator('renderNotFoundPage')) return app.renderNotFoundPage(request, reply)
    return send(reply, new NotFound(`No route ${request.method} ${request.url.split('?')[0]}`).body(request.url))
  })
}
