/**
 * The fuzz run, shared by the test (`npm test`) and the long runs (`npm run fuzz`): every
 * operation of the OpenAPI document, then every form of the web pages, is a target; for each
 * in turn fast-check generates requests, sent with `app.inject`. Every answer must be below
 * 500; every API error problem+json whose `status` is the HTTP status, every page error a page;
 * after every write that succeeded, the database must be no less consistent than before (so
 * damage is pinned on the request that did it), and it is checked whole at the end.
 *
 * A failure is classed by target and signature (the status, and what the log says went
 * wrong). fast-check shrinks the first request of each new class to a small reproduction, then
 * the run goes on with a fresh seed, counting further requests of known classes as seen.
 */
import fc from 'fast-check'
import type { FastifyInstance, HTTPMethods } from 'fastify'
import { createSession } from '../../src/auth/store.ts'
import { checkConsistency } from '../../src/db/consistency.ts'
import type { FuzzContext } from './context.ts'
import { Exchange, judgeApi, pageNotFoundFor, truncate, type Failure, type LogCapture, type Tally } from './exchange.ts'
import { formTargets } from './forms.ts'
import { exampleRequests, operationsOf, requestArbitrary, urlOf, type FuzzRequest, type OpenApiDocument, type Operation } from './requests.ts'

export { captureLog } from './exchange.ts'

/** Something the fuzzer sends requests to: an operation of the API, or a form of the web pages. */
export interface Target<T> {
  /** 'PUT /api/manage/services/{id}', 'FORM /my-organisation/services/{id}/edit' */
  key: string
  /** Its share of the requests, relative to the others'. */
  weight: number
  arbitrary: fc.Arbitrary<T>
  /** Sent first, as they are: the cases they stand for are sent every run. */
  examples: T[]
  send(value: T): Promise<Failure | undefined>
  /** The request in one line, long values cut short: enough to send it again by hand. */
  reproduce(value: T): string
}

export interface FuzzOptions {
  seed: number
  /** Requests to generate in all, shared among the targets (each gets at least one). */
  requests: number
  /** Check the database after every write that succeeded, or only at the end (faster, but damage is not pinned on a request). */
  consistency: 'every-write' | 'end'
  /** The web pages' forms too (true unless false). */
  forms?: boolean
  /** Only the targets whose key ('POST /api/auth/tokens') contains this. */
  only?: string
  /** Requests fast-check may send shrinking one failure. */
  shrinkBudget?: number
  /** Told of each target as it finishes. */
  progress?: (line: string) => void
}

/** One kind of failure of one target, with the smallest request found to show it. */
export interface FailureClass {
  target: string
  signature: string
  reproduction: string
  detail: string
  /** Generated requests that failed this way (shrinking not counted). */
  occurrences: number
}

export interface FuzzReport extends Tally {
  seed: number
  /** Requests generated; the tally's `sent` also counts shrinking. */
  generated: number
  elapsedMs: number
  failures: FailureClass[]
  /** checkConsistency after the run: empty when clean. */
  consistency: string[]
}

/** The API request in one line, long values cut short. */
function reproduction(op: Operation, req: FuzzRequest): string {
  const body = req.body.kind === 'json' ? JSON.stringify(req.body.value) : req.body.kind === 'raw' ? `raw ${JSON.stringify(req.body.text)}` : ''
  const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')
  return [
    `${req.method} ${truncate(urlOf(op, req), 300)}`,
    `as ${req.caller} (${req.credential}) from ${req.remoteAddress}`,
    headers && `headers {${truncate(headers, 300)}}`,
    body && `body ${truncate(body, 600)}`,
  ]
    .filter(Boolean)
    .join(' ')
}

/** Each operation of the API as a target: its requests sent with the caller's credentials, judged by the API's rules. */
function apiTargets(app: FastifyInstance, ctx: FuzzContext, exchange: Exchange): Array<Target<FuzzRequest>> {
  /** The version a record has now (as its ETag), for If-Match: "current". */
  async function currentVersion(op: Operation, req: FuzzRequest): Promise<string> {
    const record = /^\/api\/manage\/(services|organizations)\/\{id\}$/.exec(op.path)?.[1]
    if (!record) return '"1"'
    const res = await app.inject({ url: `/api/manage/${record}/${req.pathParams.id}`, headers: { authorization: `Bearer ${ctx.tokens.admin}` } })
    return res.statusCode === 200 ? String(res.headers.etag) : '"1"'
  }

  async function send(op: Operation, req: FuzzRequest): Promise<Failure | undefined> {
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
    const url = urlOf(op, req)
    const browser = pageNotFoundFor(url, headers.accept)
    return exchange.send(op.key, { method: req.method as HTTPMethods, url, headers, payload, remoteAddress: req.remoteAddress }, (res, lines) =>
      judgeApi(req.method, browser, res, lines),
    )
  }

  // Operations with more to vary get more requests: parameters, a query, most of all a body.
  const weight = (op: Operation) => 1 + Math.min(op.pathParams.length, 1) + Math.min(op.query.length, 1) + (op.body ? 2 : 0) + (ctx.examples[op.key] ? 1 : 0)
  return operationsOf(app.swagger() as unknown as OpenApiDocument).map((op) => ({
    key: op.key,
    weight: weight(op),
    arbitrary: requestArbitrary(op, ctx),
    examples: exampleRequests(op, ctx),
    send: (req) => send(op, req),
    reproduce: (req) => reproduction(op, req),
  }))
}

/**
 * Each target's own seed, from the run's seed and the target's key (FNV-1a): the same target
 * gets the same requests whichever others run with it (--only), in whatever order.
 */
function seedOf(seed: number, key: string, attempt: number): number {
  let hash = 0x811c9dc5
  for (const ch of key) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193)
  return (seed ^ hash ^ Math.imul(attempt, 0x9e3779b1)) | 0
}

/**
 * Sends `count` requests to one target. A request whose failure is of a new class is shrunk by
 * fast-check (up to `budget` more requests), then the run goes on with a fresh seed; further
 * failures of known classes are counted, not shrunk again.
 */
async function fuzzTarget<T>(target: Target<T>, count: number, seed: number, budget: number, classes: Map<string, FailureClass>): Promise<number> {
  let remaining = count
  let unsent = target.examples
  let generated = 0
  for (let attempt = 0; remaining > 0; attempt++) {
    let shrinking: FailureClass | undefined
    let runs = 0
    let shrinks = 0
    const property = fc.asyncProperty(target.arbitrary, async (value) => {
      if (shrinking === undefined) runs++
      else if (++shrinks > budget) return true // enough shrinking: keep the smallest found so far
      // A request the fuzzer itself could not make (a form's page not opening) is a failure too, not a crash.
      const failure = await target.send(value).catch((error: Error): Failure => ({ signature: `the fuzzer could not send it: ${error.message}`, detail: String(error.stack) }))
      if (!failure) return true
      const key = `${target.key}\n${failure.signature}`
      const known = classes.get(key)
      if (shrinking !== undefined && known === shrinking) {
        // A smaller request that fails the same way: it becomes the reproduction.
        shrinking.reproduction = target.reproduce(value)
        shrinking.detail = failure.detail
        return false
      }
      if (known) {
        if (shrinking === undefined) known.occurrences++
        return true
      }
      const found: FailureClass = { target: target.key, signature: failure.signature, reproduction: target.reproduce(value), detail: failure.detail, occurrences: shrinking === undefined ? 1 : 0 }
      classes.set(key, found)
      if (shrinking !== undefined) return true // found while shrinking another: kept as it is
      shrinking = found
      return false
    })
    // The examples go first (fast-check counts them among the runs); after a failure, those not yet sent.
    const examples = unsent.slice(0, remaining).map((e): [T] => [e])
    const details = await fc.check(property, { seed: seedOf(seed, target.key, attempt), numRuns: remaining, examples })
    const used = details.failed ? runs : remaining
    unsent = unsent.slice(used)
    generated += used
    remaining -= Math.max(1, used)
  }
  return generated
}

/** Runs the fuzzer against `app` (ready, its log captured by `log`) with what `ctx` knows of its directory. */
export async function runFuzz(app: FastifyInstance, ctx: FuzzContext, log: LogCapture, options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now()
  const exchange = new Exchange(app, log, options.consistency === 'every-write')
  await exchange.start()
  const targets: Array<Target<unknown>> = [...apiTargets(app, ctx, exchange), ...(options.forms === false ? [] : await formTargets(app, ctx, exchange))].filter(
    (t) => options.only === undefined || t.key.includes(options.only),
  )
  const classes = new Map<string, FailureClass>()
  const total = targets.reduce((sum, t) => sum + t.weight, 0)
  let generated = 0
  for (const target of targets) {
    const count = Math.max(1, Math.round((options.requests * target.weight) / total))
    generated += await fuzzTarget(target, count, options.seed, options.shrinkBudget ?? 150, classes)
    const sent = Object.values(exchange.tally.byTarget[target.key] ?? {}).reduce((a, b) => a + b, 0)
    const failed = [...classes.values()].filter((c) => c.target === target.key).length
    options.progress?.(`${target.key}: ${sent} sent${failed ? `, ${failed} failure classes` : ''}`)
  }
  return {
    seed: options.seed,
    generated,
    ...exchange.tally,
    elapsedMs: Date.now() - started,
    failures: [...classes.values()],
    consistency: await checkConsistency(app.db),
  }
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
    'by target (operation or form):',
    ...Object.entries(report.byTarget).map(([target, counts]) => {
      const n = Object.values(counts).reduce((a, b) => a + b, 0)
      return `  ${target.padEnd(58)} ${String(Math.round((report.msByTarget[target] ?? 0) / n)).padStart(5)} ms each  ${statuses(counts)}`
    }),
  ]
  // Grouped by signature: one defect often shows in many operations.
  const bySignature = new Map<string, FailureClass[]>()
  for (const f of report.failures) bySignature.set(f.signature, [...(bySignature.get(f.signature) ?? []), f])
  lines.push(report.failures.length === 0 ? 'failures: none' : `failures: ${bySignature.size} signatures, ${report.failures.length} classes by target`)
  for (const [signature, classes] of bySignature) {
    lines.push(`- ${signature}`)
    for (const c of classes) lines.push(`    ${c.target} (${c.occurrences} generated): ${c.reproduction}`)
    lines.push(...classes[0]!.detail.split('\n').map((l) => `      | ${l}`))
  }
  lines.push(report.consistency.length === 0 ? 'consistency: clean' : `consistency: ${report.consistency.length} problems`, ...report.consistency.map((p) => `- ${p}`))
  return lines.join('\n')
}
