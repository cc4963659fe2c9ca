/**
 * The fuzz run, shared by the test (`npm test`) and the long runs (`npm run fuzz`): for every
 * operation of the OpenAPI document in turn, fast-check generates requests and sends them with
 * `app.inject`. Every answer must be below 500, and every error problem+json whose `status` is
 * the HTTP status; after every write that succeeded, the database must be no less consistent
 * than before (so damage is pinned on the request that did it).
 *
 * A failure is classed by operation and signature (the status, and what the log says went
 * wrong). fast-check shrinks the first request of each new class to a small reproduction, then
 * the run goes on with a fresh seed, counting further requests of known classes as seen.
 */
import { Writable } from 'node:stream'
import fc from 'fast-check'
import type { FastifyInstance, HTTPMethods } from 'fastify'
import { createSession } from '../../src/auth/store.ts'
import { checkConsistency, findInconsistencies } from '../../src/db/consistency.ts'
import { ProblemSchema } from '../../src/problem.ts'
import type { FuzzContext } from './context.ts'
import { exampleRequests, operationsOf, requestArbitrary, urlOf, type FuzzRequest, type OpenApiDocument, type Operation } from './requests.ts'

/** A line the app logged (pino JSON). */
interface LogLine {
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

export interface FuzzOptions {
  seed: number
  /** Requests to generate in all, shared among the operations (each gets at least one). */
  requests: number
  /** Check the database after every write that succeeded, or only at the end (faster, but damage is not pinned on a request). */
  consistency: 'every-write' | 'end'
  /** Requests fast-check may send shrinking one failure. */
  shrinkBudget?: number
  /** Only the operations whose key ('POST /api/auth/tokens') contains this. */
  only?: string
  /** Told of each operation as it finishes. */
  progress?: (line: string) => void
}

/** One kind of failure of one operation, with the smallest request found to show it. */
export interface FailureClass {
  operation: string
  signature: string
  reproduction: string
  /** The stack trace from the log, the response, or the consistency findings. */
  detail: string
  /** Generated requests that failed this way (shrinking not counted). */
  occurrences: number
}

export interface FuzzReport {
  seed: number
  /** Requests generated; `sent` also counts shrinking and version look-ups are not counted. */
  generated: number
  sent: number
  elapsedMs: number
  byStatus: Record<string, number>
  byOperation: Record<string, Record<string, number>>
  /** Milliseconds spent answering each operation's requests (shrinking included). */
  msByOperation: Record<string, number>
  failures: FailureClass[]
  /** checkConsistency after the run: empty when clean. */
  consistency: string[]
}

interface Failure {
  signature: string
  detail: string
}

const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n)}… (${s.length} chars)`)

/** What a server error was, from the log: its type, code, message (values blanked) and where in src/ it was thrown. */
function serverError(status: number, lines: LogLine[], body: string): Failure {
  const err = lines.find((l) => l.err && l.level >= 40)?.err
  if (!err) return { signature: `${status} with nothing logged`, detail: truncate(body, 500) }
  // Blank what varies with the input (ids, long numbers, long quoted values), so one defect is one class.
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
    signature: `${status} ${kind}: ${truncate(message, 140)}${frame ? ` at ${frame}` : ''}`,
    detail: (err.stack ?? err.message ?? '').split('\n').slice(0, 12).join('\n'),
  }
}

/** Whether the answer is acceptable: below 500, and every error problem+json that parses and agrees on its status. */
function judge(method: string, status: number, headers: Record<string, unknown>, body: string, lines: LogLine[]): Failure | undefined {
  if (status >= 500) return serverError(status, lines, body)
  if (status < 400) return undefined
  const type = String(headers['content-type'] ?? '')
  if (!type.startsWith('application/problem+json')) {
    let code = ''
    try {
      code = String((JSON.parse(body) as { code?: unknown }).code ?? '')
    } catch {
      // not JSON at all: the content type says what it is
    }
    return { signature: `${status} answered as ${type.split(';')[0] || 'no content type'}, not problem+json${code ? ` (${code})` : ''}`, detail: truncate(body, 500) }
  }
  if (method === 'HEAD') return undefined
  let problem: unknown
  try {
    problem = JSON.parse(body)
  } catch {
    return { signature: `${status} problem+json whose body is not JSON`, detail: truncate(body, 500) }
  }
  const parsed = ProblemSchema.safeParse(problem)
  if (!parsed.success) return { signature: `${status} problem+json that does not match ProblemSchema`, detail: truncate(body, 500) }
  if (parsed.data.status !== status) return { signature: `${status} problem+json saying status ${parsed.data.status}`, detail: truncate(body, 500) }
  return undefined
}

/** The request in one line, long values cut short: enough to send it again by hand. */
export function reproduction(op: Operation, req: FuzzRequest): string {
  const body = req.body.kind === 'json' ? JSON.stringify(req.body.value) : req.body.kind === 'raw' ? `raw ${JSON.stringify(req.body.text)}` : ''
  const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')
  return [
    `${req.method} ${truncate(urlOf(op, req), 300)}`,
    `as ${req.caller} (${req.credential}) from ${req.remoteAddress}`,
    headers && `headers {${truncate(headers, 300)}}`,
    body && `body ${truncate(body ?? '', 600)}`,
  ]
    .filter(Boolean)
    .join(' ')
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Each operation's own seed, from the run's seed and the operation's key (FNV-1a): the same
 * operation gets the same requests whichever others run with it (--only), in whatever order.
 */
function seedOf(seed: number, key: string, attempt: number): number {
  let hash = 0x811c9dc5
  for (const ch of key) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193)
  return (seed ^ hash ^ Math.imul(attempt, 0x9e3779b1)) | 0
}

/** Runs the fuzzer against `app` (ready, its log captured by `log`) with what `ctx` knows of its directory. */
export async function runFuzz(app: FastifyInstance, ctx: FuzzContext, log: LogCapture, options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now()
  const ops = operationsOf(app.swagger() as unknown as OpenApiDocument).filter((op) => options.only === undefined || op.key.includes(options.only))
  const byKey = new Map(ops.map((op) => [op.key, op]))
  const report: FuzzReport = { seed: options.seed, generated: 0, sent: 0, elapsedMs: 0, byStatus: {}, byOperation: {}, msByOperation: {}, failures: [], consistency: [] }
  const classes = new Map<string, FailureClass>()
  let baseline = new Map((await findInconsistencies(app.db)).map((f) => [f.check, f.count]))

  /** The version a record has now (as its ETag), for If-Match: "current". */
  async function currentVersion(op: Operation, req: FuzzRequest): Promise<string> {
    const record = /^\/api\/manage\/(services|organizations)\/\{id\}$/.exec(op.path)?.[1]
    if (!record) return '"1"'
    const res = await app.inject({ url: `/api/manage/${record}/${req.pathParams.id}`, headers: { authorization: `Bearer ${ctx.tokens.admin}` } })
    return res.statusCode === 200 ? String(res.headers.etag) : '"1"'
  }

  /** Damage the last write did: checks whose count went up. */
  async function newDamage(): Promise<Failure | undefined> {
    const now = await findInconsistencies(app.db)
    const worse = now.filter((f) => f.count > (baseline.get(f.check) ?? 0))
    baseline = new Map(now.map((f) => [f.check, f.count]))
    if (worse.length === 0) return undefined
    return { signature: `the write left the database inconsistent: ${worse.map((f) => f.check).join(', ')}`, detail: worse.map((f) => f.detail).join('\n') }
  }

  /** Sends one request; returns what was wrong with the answer, if anything. */
  async function exchange(op: Operation, req: FuzzRequest): Promise<Failure | undefined> {
    const headers: Record<string, string> = { ...req.headers }
    if (headers['if-match'] === 'current') headers['if-match'] = await currentVersion(op, req)
    if (req.credential !== 'none' && req.caller !== 'anonymous') {
      if (req.credential === 'token') headers.authorization = `Bearer ${ctx.tokens[req.caller]}`
      // A new session each time: a sign-out the fuzzer sends must not sign out the rest of the run.
      else headers.cookie = `connector_session=${await createSession(app.db, ctx.accounts[req.caller], app.now())}`
    } else if (req.credential === 'bad-token') headers.authorization = `Bearer cnr_${'A'.repeat(43)}`
    else if (req.credential === 'malformed-authorization') headers.authorization = 'Basic Zm9vOmJhcg=='
    else if (req.credential === 'bad-cookie') headers.cookie = 'connector_session=not-a-session; connector_session=another'
    const payload = req.body.kind === 'json' ? JSON.stringify(req.body.value) : req.body.kind === 'raw' ? req.body.text : undefined
    log.take()
    report.sent++
    let res: Awaited<ReturnType<FastifyInstance['inject']>>
    const sentAt = performance.now()
    try {
      res = await app.inject({ method: req.method as HTTPMethods, url: urlOf(op, req), headers, payload, remoteAddress: req.remoteAddress })
    } catch (error) {
      return { signature: `the request could not be sent: ${(error as Error).message}`, detail: String((error as Error).stack) }
    } finally {
      report.msByOperation[op.key] = (report.msByOperation[op.key] ?? 0) + performance.now() - sentAt
    }
    const status = String(res.statusCode)
    report.byStatus[status] = (report.byStatus[status] ?? 0) + 1
    const counts = (report.byOperation[op.key] ??= {})
    counts[status] = (counts[status] ?? 0) + 1
    const failure = judge(req.method, res.statusCode, res.headers, res.body, log.take())
    if (failure) return failure
    if (options.consistency === 'every-write' && WRITES.has(req.method) && res.statusCode < 400) return newDamage()
    return undefined
  }

  const budget = options.shrinkBudget ?? 150
  // Operations with more to vary get more requests: parameters, a query, most of all a body.
  const weight = (op: Operation) => 1 + Math.min(op.pathParams.length, 1) + Math.min(op.query.length, 1) + (op.body ? 2 : 0) + (ctx.examples[op.key] ? 1 : 0)
  const total = ops.reduce((sum, op) => sum + weight(op), 0)
  for (const op of ops) {
    const arbitrary = requestArbitrary(op, ctx)
    let remaining = Math.max(1, Math.round((options.requests * weight(op)) / total))
    let unsent = exampleRequests(op, ctx)
    for (let attempt = 0; remaining > 0; attempt++) {
      let target: FailureClass | undefined
      let runs = 0
      let shrinks = 0
      const property = fc.asyncProperty(arbitrary, async (req) => {
        if (target === undefined) runs++
        else if (++shrinks > budget) return true // enough shrinking: keep the smallest found so far
        const failure = await exchange(op, req)
        if (!failure) return true
        const key = `${op.key}\n${failure.signature}`
        const known = classes.get(key)
        if (target !== undefined && known === target) {
          // A smaller request that fails the same way: it becomes the reproduction.
          target.reproduction = reproduction(op, req)
          target.detail = failure.detail
          return false
        }
        if (known) {
          if (target === undefined) known.occurrences++
          return true
        }
        const found: FailureClass = { operation: op.key, signature: failure.signature, reproduction: reproduction(op, req), detail: failure.detail, occurrences: target === undefined ? 1 : 0 }
        classes.set(key, found)
        if (target !== undefined) return true // found while shrinking another: kept as it is
        target = found
        return false
      })
      // The examples go first (fast-check counts them among the runs); after a failure, those not yet sent.
      const examples = unsent.slice(0, remaining).map((r): [FuzzRequest] => [r])
      const details = await fc.check(property, { seed: seedOf(options.seed, op.key, attempt), numRuns: remaining, examples })
      const used = details.failed ? runs : remaining
      unsent = unsent.slice(used)
      report.generated += used
      remaining -= Math.max(1, used)
    }
    const failed = [...classes.values()].filter((c) => c.operation === op.key).length
    options.progress?.(`${op.key}: ${Object.values(report.byOperation[op.key] ?? {}).reduce((a, b) => a + b, 0)} sent${failed ? `, ${failed} failure classes` : ''}`)
  }
  report.failures = [...classes.values()]
  report.consistency = await checkConsistency(app.db)
  report.elapsedMs = Date.now() - started
  return report
}

/** The report for people: totals, counts by status and operation, each failure class with its reproduction, and consistency. */
export function formatReport(report: FuzzReport): string {
  const seconds = report.elapsedMs / 1000
  const statuses = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')
  const lines = [
    `fuzz: seed ${report.seed}, ${report.generated} requests generated, ${report.sent} sent with shrinking, in ${seconds.toFixed(1)} s (${(report.sent / seconds).toFixed(0)} requests/s)`,
    `by status: ${statuses(report.byStatus)}`,
    'by operation:',
    ...Object.entries(report.byOperation).map(([op, counts]) => {
      const n = Object.values(counts).reduce((a, b) => a + b, 0)
      return `  ${op.padEnd(58)} ${String(Math.round((report.msByOperation[op] ?? 0) / n)).padStart(5)} ms each  ${statuses(counts)}`
    }),
  ]
  // Grouped by signature: one defect often shows in many operations.
  const bySignature = new Map<string, FailureClass[]>()
  for (const f of report.failures) bySignature.set(f.signature, [...(bySignature.get(f.signature) ?? []), f])
  lines.push(report.failures.length === 0 ? 'failures: none' : `failures: ${bySignature.size} signatures in ${report.failures.length} operation classes`)
  for (const [signature, classes] of bySignature) {
    lines.push(`- ${signature}`)
    for (const c of classes) lines.push(`    ${c.operation} (${c.occurrences} generated): ${c.reproduction}`)
    lines.push(...classes[0]!.detail.split('\n').map((l) => `      | ${l}`))
  }
  lines.push(report.consistency.length === 0 ? 'consistency: clean' : `consistency: ${report.consistency.length} problems`, ...report.consistency.map((p) => `- ${p}`))
  return lines.join('\n')
}
