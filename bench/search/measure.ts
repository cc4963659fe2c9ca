/**
 * The two measurements of one search shape: the database floor (the search functions called
 * directly on a Db, one at a time) and the real app over HTTP (autocannon on loopback).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import type { Db } from '../../src/db/db.ts'
import { correctQuery } from '../../src/search/correct.ts'
import { searchPostgres } from '../../src/search/postgres.ts'
import { SearchQuerySchema, type SearchQuery } from '../../src/search/schemas.ts'
import { resolvePlace, searchDirectory } from '../../src/search/search.ts'
import { timeRuns, type RunBudget } from '../lib/runs.ts'
import { summarize, type Summary } from '../lib/stats.ts'

/** How long to time one shape directly. */
export type SqlBudget = RunBudget

/** The query string as the route would parse it. */
export function parseShapeQuery(query: string): SearchQuery {
  return SearchQuerySchema.parse(Object.fromEntries(new URLSearchParams(query)))
}

export interface SqlResult {
  /** `searchDirectory`: postcode lookup, typo correction and the search statement, as the route runs them. */
  pipeline: Summary
  /** `searchPostgres` alone: the one search statement, with place and correction already known. */
  statement: Summary
  total: number
  /** The bounded answer against the whole-radius one (searchPostgres with bounds null), run once. */
  exact: ExactComparison
}

export interface ExactComparison {
  /** Listings that match, counted over the whole radius. */
  total: number
  /** Whether the bounded answer said its total was exact. */
  totalExact: boolean
  /** Of the whole answer's first page, the share the bounded first page holds (1 when both are empty). */
  recall: number
  /** The bounded first page is the whole answer's first page, in the same order. */
  samePage: boolean
  /** searchPostgres over the whole radius, one run (ms). */
  wholeMs: number
}

/** A search cancelled by the statement timeout (the floor's Db sets one): too slow to measure here. */
export class TimedOut extends Error {
  override name = 'TimedOut'
}

function isCancelledByTimeout(error: unknown): boolean {
  return (error as { code?: string }).code === '57014'
}

export async function measureSql(db: Db, query: string, budget: SqlBudget): Promise<SqlResult> {
  const q = parseShapeQuery(query)
  const now = () => new Date()
  const first = await searchDirectory(db, q, now()).catch((error: unknown) => {
    throw isCancelledByTimeout(error) ? new TimedOut((error as Error).message) : error
  })
  const pipeline = summarize(await timeRuns(budget, () => searchDirectory(db, q, now())))
  const place = await resolvePlace(db, q)
  const correctedQ = q.q ? await correctQuery(db, q.q) : undefined
  const input = { query: q, place, correctedQ, sort: first.sort, now: now() }
  const statement = summarize(await timeRuns(budget, () => searchPostgres(db, input)))
  const t0 = performance.now()
  const whole = await searchPostgres(db, { ...input, bounds: null })
  const wholeMs = performance.now() - t0
  const bounded = await searchPostgres(db, input)
  const wanted = whole.results.map((r) => r.id)
  const got = new Set(bounded.results.map((r) => r.id))
  const exact: ExactComparison = {
    total: whole.total,
    totalExact: bounded.total_exact,
    recall: wanted.length === 0 ? 1 : wanted.filter((id) => got.has(id)).length / wanted.length,
    samePage: JSON.stringify(wanted) === JSON.stringify(bounded.results.map((r) => r.id)),
    wholeMs,
  }
  return { pipeline, statement, total: first.total, exact }
}

export interface HttpResult extends Summary {
  rps: number
  errors: number
  timeouts: number
  non2xx: number
  connections: number
}

export interface LoadOptions {
  connections: number
  /** Seconds of load; ignored when `amount` is given. */
  duration?: number
  /** Exactly this many requests. */
  amount?: number
  /** Defaults to GET with no body. */
  method?: 'GET' | 'POST'
  body?: string
  headers?: Record<string, string>
}

/** Load on one URL; latencies are every response's own time, so p95 is exact (autocannon's histogram has no p95). */
export function measureHttp(url: string, o: LoadOptions): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = []
    const instance = autocannon(
      {
        url,
        connections: o.connections,
        ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.duration ?? 10 }),
        method: o.method ?? 'GET',
        ...(o.body !== undefined ? { body: o.body } : {}),
        ...(o.headers ? { headers: o.headers } : {}),
        timeout: 120,
      },
      (error, result) => {
        if (error) return reject(error)
        resolve({
          ...summarize(latencies),
          rps: latencies.length / result.duration,
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
          connections: o.connections,
        })
      },
    )
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 200) latencies.push(responseTime)
    })
  })
}

/** Waits until no statement runs on the database but our own: requests abandoned by a load test finish first. */
export async function waitForIdle(db: Db, limitSeconds = 300): Promise<void> {
  const deadline = performance.now() + limitSeconds * 1000
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
    )
    if (rows[0]!.n === 0) return
    if (performance.now() > deadline) throw new Error(`the database is still busy after ${limitSeconds} s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The app in a child process (bench/search/serve.ts) on the given database. */
export async function startServer(databaseUrl: string): Promise<{ base: string; stop: () => Promise<void> }> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./serve.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = once(child, 'exit')
  const [message] = (await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => {
      throw new Error(`the app exited with code ${code} before listening`)
    }),
  ])) as [{ port: number }]
  return {
    base: `http://127.0.0.1:${message.port}`,
    async stop() {
      if (child.exitCode !== null) return
      child.send('close')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
