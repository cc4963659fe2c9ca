/**
 * Sending fuzz requests and judging the answers: the app's log kept in memory (to say what a
 * 500 was), counts by status and by target, the rules an answer must keep, and the database
 * checked after each write that succeeded.
 */
import { Writable } from 'node:stream'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { findInconsistencies } from '../../src/db/consistency.ts'
import { ProblemSchema } from '../../src/problem.ts'

/** A line the app logged (pino JSON). */
export interface LogLine {
  level: number
  msg?: string
  err?: { type?: string; message?: string; stack?: string; code?: string }
}

/** The app's log, kept in memory: pino writes each line synchronously, so a request's lines are those since it was sent. */
export interface LogCapture {
  stream: Writable
  /** The lines logged since the last call. */
  take(): LogLine[]
}

export function captureLog(): LogCapture {
  let lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  return {
    stream,
    take() {
      const taken = lines.flatMap((l) => l.split('\n')).filter(Boolean)
      lines = []
      return taken.flatMap((l) => {
        try {
          return [JSON.parse(l) as LogLine]
        } catch {
          return []
        }
      })
    },
  }
}

/** What was wrong with an answer: a signature that classes it, and the evidence. */
export interface Failure {
  signature: string
  /** The stack trace from the log, the response, or the consistency findings. */
  detail: string
}

type Response = Awaited<ReturnType<FastifyInstance['inject']>>

export const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n)}… (${s.length} chars)`)

/** What a server error was, from the log: its kind, message (values blanked) and where in src/ it was thrown. */
function serverError(res: Response, lines: LogLine[]): Failure {
  const err = lines.find((l) => l.err && l.level >= 40)?.err
  if (!err) return { signature: `${res.statusCode} with nothing logged`, detail: truncate(res.body, 500) }
  // Blank what varies with the input (ids, long numbers, long quoted values, the bytes of a bad
  // sequence), so that one defect is one class.
  const message = (err.message ?? '')
    .replace(/\s+/g, ' ')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/"[^"]{21,}"/g, '"…"')
    .replace(/\d{3,}/g, '#')
    .replace(/(0x[0-9a-f]{2})( 0x[0-9a-f]{2})+/g, '$1 …')
  // The first frame in the project's own code, past the database wrappers (a database error
  // often has none: it is raised in the driver).
  const frame = (err.stack ?? '')
    .split('\n')
    .filter((line) => !line.includes('node_modules') && !line.includes('/src/db/'))
    .map((line) => /\/(src\/[^:)\s]+:\d+)/.exec(line)?.[1])
    .find(Boolean)
  // PostgreSQL's SQLSTATE names the error alike on pg and PGlite, whose error class names differ.
  const kind = err.code && /^[0-9A-Z]{5}$/.test(err.code) ? `database error ${err.code}` : `${err.type ?? 'Error'}${err.code ? ` ${err.code}` : ''}`
  return {
    signature: `${res.statusCode} ${kind}: ${truncate(message, 140)}${frame ? ` at ${frame}` : ''}`,
    detail: (err.stack ?? err.message ?? '').split('\n').slice(0, 12).join('\n'),
  }
}

const contentType = (res: Response) => String(res.headers['content-type'] ?? '')

/** An error answered in the wrong format: what it was, and Fastify's error code if it wrote one. */
function wrongFormat(res: Response, wanted: string): Failure {
  let code = ''
  try {
    code = String((JSON.parse(res.body) as { code?: unknown }).code ?? '')
  } catch {
    // not JSON at all: the content type says what it is
  }
  const type = contentType(res).split(';')[0] || 'no content type'
  return { signature: `${res.statusCode} answered as ${type}, not ${wanted}${code ? ` (${code})` : ''}`, detail: truncate(res.body, 500) }
}

/**
 * A browser (Accept: text/html) asking for a path outside /api, /oruk and /docs that has no
 * route gets the web pages' own "page not found" (src/problem.ts): /health with a wrong method, say.
 */
export function pageNotFoundFor(url: string, accept: string | undefined): boolean {
  return (accept ?? '').includes('text/html') && !/^\/(api|oruk|docs)(\/|$|\?)/.test(url)
}

/**
 * The API's rules: below 500, and every error problem+json that parses and agrees on its
 * status, except the page a browser gets for a path with no route (`browser`, see pageNotFoundFor).
 */
export function judgeApi(method: string, browser: boolean, res: Response, lines: LogLine[]): Failure | undefined {
  if (res.statusCode >= 500) return serverError(res, lines)
  if (res.statusCode < 400) return undefined
  if (browser && res.statusCode === 404 && contentType(res).startsWith('text/html')) return undefined
  if (!contentType(res).startsWith('application/problem+json')) return wrongFormat(res, 'problem+json')
  if (method === 'HEAD') return undefined
  let problem: unknown
  try {
    problem = JSON.parse(res.body)
  } catch {
    return { signature: `${res.statusCode} problem+json whose body is not JSON`, detail: truncate(res.body, 500) }
  }
  const parsed = ProblemSchema.safeParse(problem)
  if (!parsed.success) return { signature: `${res.statusCode} problem+json that does not match ProblemSchema`, detail: truncate(res.body, 500) }
  if (parsed.data.status !== res.statusCode) return { signature: `${res.statusCode} problem+json saying status ${parsed.data.status}`, detail: truncate(res.body, 500) }
  return undefined
}

/** The web pages' rules: below 500, and every error a page a person can read. */
export function judgePage(res: Response, lines: LogLine[]): Failure | undefined {
  if (res.statusCode >= 500) return serverError(res, lines)
  if (res.statusCode >= 400 && !contentType(res).startsWith('text/html')) return wrongFormat(res, 'an HTML page')
  return undefined
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Counts of what was sent and answered, for the report. */
export interface Tally {
  sent: number
  byStatus: Record<string, number>
  /** By target ('PUT /api/manage/services/{id}'), by status. */
  byTarget: Record<string, Record<string, number>>
  /** Milliseconds spent answering each target's requests. */
  msByTarget: Record<string, number>
}

/** Sends requests to the app, counting them, and checks the database after writes. */
export class Exchange {
  readonly tally: Tally = { sent: 0, byStatus: {}, byTarget: {}, msByTarget: {} }
  private baseline = new Map<string, number>()

  constructor(
    readonly app: FastifyInstance,
    private readonly log: LogCapture,
    private readonly checkEveryWrite: boolean,
  ) {}

  /** Notes the database's state before the run, so only damage the run does counts. */
  async start(): Promise<void> {
    this.baseline = new Map((await findInconsistencies(this.app.db)).map((f) => [f.check, f.count]))
  }

  /**
   * Sends one request counted under `target`, and judges the answer with `judge`; after a
   * write that succeeded, the database must be no less consistent than before it.
   */
  async send(target: string, options: InjectOptions, judge: (res: Response, lines: LogLine[]) => Failure | undefined): Promise<Failure | undefined> {
    this.log.take()
    this.tally.sent++
    const started = performance.now()
    let res: Response
    try {
      res = await this.app.inject(options)
    } catch (error) {
      return { signature: `the request could not be sent: ${(error as Error).message}`, detail: String((error as Error).stack) }
    } finally {
      this.tally.msByTarget[target] = (this.tally.msByTarget[target] ?? 0) + performance.now() - started
    }
    const status = String(res.statusCode)
    this.tally.byStatus[status] = (this.tally.byStatus[status] ?? 0) + 1
    const counts = (this.tally.byTarget[target] ??= {})
    counts[status] = (counts[status] ?? 0) + 1
    const failure = judge(res, this.log.take())
    if (failure) return failure
    if (this.checkEveryWrite && WRITES.has(String(options.method ?? 'GET')) && res.statusCode < 400) return this.damage()
    return undefined
  }

  /** Damage since the last look: checks whose count went up. */
  private async damage(): Promise<Failure | undefined> {
    const now = await findInconsistencies(this.app.db)
    const worse = now.filter((f) => f.count > (this.baseline.get(f.check) ?? 0))
    this.baseline = new Map(now.map((f) => [f.check, f.count]))
    if (worse.length === 0) return undefined
    return { signature: `the write left the database inconsistent: ${worse.map((f) => f.check).join(', ')}`, detail: worse.map((f) => f.detail).join('\n') }
  }
}
