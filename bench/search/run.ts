/**
 * npm run bench:search -- --sizes 10k,100k,1m [--fresh] [--duration 10] [--connections 10]
 *   [--sql-timeout 60] [--max-load-ms 2000] [--pg-set jit=off --out search-jit-off] [--shapes a,b] [--resume]
 *
 * For each size: make or reuse the database (data.ts), time every shape (shapes.ts) on the
 * database directly and through the real app over HTTP (measure.ts), then write the report
 * to bench/results/search-<date>.md, search-latest.md and the table in bench/README.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { QUERY_TIMEOUT_MARGIN_MS } from '../../src/config.ts'
import { openDb } from '../../src/db/open.ts'
import { machine } from '../lib/machine.ts'
import { codeState, eachSize } from '../lib/runs.ts'
import { DEFAULT_SEED, DEFAULT_SERVER, ensureSearchData, parseSize, serverFacts, urlFor, type EnsuredData } from './data.ts'
import { measureHttp, measureSql, startServer, TimedOut, waitForIdle, type SqlBudget } from './measure.ts'
import { renderReport, renderTables, type Report, type ShapeResult, type SizeResult } from './report.ts'
import { SHAPES } from './shapes.ts'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10k,100k' },
    fresh: { type: 'boolean', default: false },
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    server: { type: 'string', default: process.env.BENCH_PG_URL ?? DEFAULT_SERVER },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    'sql-runs': { type: 'string', default: '200' },
    'sql-seconds': { type: 'string', default: '30' },
    'sql-timeout': { type: 'string', default: '60' },
    'max-load-ms': { type: 'string', default: '2000' },
    // e.g. --pg-set jit=off: ALTER DATABASE ... SET for the run, reset afterwards.
    'pg-set': { type: 'string', multiple: true, default: [] },
    shapes: { type: 'string' },
    out: { type: 'string', default: 'search' },
    // Reuse sizes measured by an interrupted run with the same options (checkpoints in the temp directory).
    resume: { type: 'boolean', default: false },
  },
})

const labels = values.sizes.split(',').map((s) => s.trim().toLowerCase())
labels.forEach(parseSize)
const method: Report['method'] = {
  connections: Number(values.connections),
  duration: Number(values.duration),
  warmup: Number(values.warmup),
  sqlRuns: Number(values['sql-runs']),
  sqlSeconds: Number(values['sql-seconds']),
  sqlTimeoutSeconds: Number(values['sql-timeout']),
  maxLoadMs: Number(values['max-load-ms']),
}
const budget: SqlBudget = { runs: method.sqlRuns, seconds: method.sqlSeconds, minRuns: 3, warmup: 5 }
const shapes = values.shapes ? SHAPES.filter((s) => values.shapes!.split(',').includes(s.key)) : SHAPES
const settings = Object.fromEntries(
  values['pg-set'].map((kv) => {
    const m = /^([a-z_]+)=([A-Za-z0-9_.]+)$/.exec(kv)
    if (!m) throw new Error(`--pg-set wants name=value, got "${kv}"`)
    return [m[1]!, m[2]!]
  }),
)
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`)

const openOn = (url: string, statementTimeoutMs: number) =>
  openDb({ kind: 'postgres', url, poolMax: 1, connectTimeoutMs: 5000, statementTimeoutMs, queryTimeoutMs: statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS })

async function applySettings(url: string, reset: boolean): Promise<void> {
  if (Object.keys(settings).length === 0) return
  const db = await openOn(url, 10_000)
  try {
    const { rows } = await db.query<{ d: string }>('SELECT current_database() AS d')
    const name = pg.escapeIdentifier(rows[0]!.d)
    for (const [k, v] of Object.entries(settings)) {
      await db.query(reset ? `ALTER DATABASE ${name} RESET ${k}` : `ALTER DATABASE ${name} SET ${k} = ${pg.escapeLiteral(v)}`)
    }
  } finally {
    await db.close()
  }
}

async function benchSize(label: string): Promise<SizeResult> {
  const data = await ensureSearchData({ label, fresh: values.fresh, seed: Number(values.seed), server: values.server, log })
  await applySettings(data.url, false)
  try {
    return await measureSize(label, data)
  } finally {
    await applySettings(data.url, true)
  }
}

async function measureSize(label: string, data: EnsuredData): Promise<SizeResult> {
  const loadAverage = os.loadavg()[0]!
  const results: ShapeResult[] = []

  // The floor first, with nothing else running.
  const db = await openOn(data.url, method.sqlTimeoutSeconds * 1000)
  try {
    for (const shape of shapes) {
      try {
        const sql = await measureSql(db, shape.query, budget)
        log(`${label} ${shape.key}: ${sql.total} matches; SQL p50 ${sql.pipeline.p50.toFixed(1)} ms, p95 ${sql.pipeline.p95.toFixed(1)} ms (${sql.pipeline.n} runs)`)
        results.push({ shape, total: sql.total, sql, http1: null, httpN: null, notes: [] })
      } catch (error) {
        if (!(error instanceof TimedOut)) throw error
        log(`${label} ${shape.key}: timed out after ${method.sqlTimeoutSeconds} s`)
        results.push({ shape, total: null, sql: null, http1: null, httpN: null, notes: [`timed out: one search took over ${method.sqlTimeoutSeconds} s`] })
      }
    }
  } finally {
    await db.close()
  }

  const watcher = await openOn(data.url, 10_000)
  const server = await startServer(data.url)
  try {
    for (const r of results) {
      if (!r.sql) continue
      const url = `${server.base}/api/search?${r.shape.query}`
      const res = await fetch(url)
      const body = (await res.json()) as { total?: number }
      if (res.status !== 200 || body.total !== r.total) {
        throw new Error(`GET ${url} answered ${res.status} with total ${body.total}; the SQL floor found ${r.total}`)
      }
      r.http1 = await measureHttp(url, { connections: 1, amount: r.sql.pipeline.n })
      if (r.sql.pipeline.p50 > method.maxLoadMs) {
        r.notes.push(`load test skipped: SQL p50 over ${method.maxLoadMs} ms`)
      } else {
        await measureHttp(url, { connections: method.connections, duration: method.warmup })
        await waitForIdle(watcher)
        r.httpN = await measureHttp(url, { connections: method.connections, duration: method.duration })
        await waitForIdle(watcher)
      }
      log(`${label} ${r.shape.key}: HTTP c=1 p50 ${r.http1.p50.toFixed(1)} ms` + (r.httpN ? `; c=${method.connections} p95 ${r.httpN.p95.toFixed(1)} ms, ${r.httpN.rps.toFixed(1)} req/s` : ''))
    }
  } finally {
    await server.stop()
    await watcher.close()
  }
  return { label, services: parseSize(label), reused: data.reused, stamp: data.stamp, loadAverage, settings, shapes: results }
}

/** Which code was measured: the tree is often ahead of its last commit. */
const README = new URL('../README.md', import.meta.url)
const RESULTS = new URL('../results/', import.meta.url)
const START = '<!-- search-latest:start -->'
const END = '<!-- search-latest:end -->'

try {
  const { results: sizes, clear } = await eachSize({
    labels,
    name: values.out,
    key: JSON.stringify({ method, settings, shapes: shapes.map((s) => s.query), seed: values.seed, commit: codeState() }),
    resume: values.resume,
    log,
    run: benchSize,
  })
  const facts = await serverFacts(urlFor(values.server, 'postgres'))
  const report: Report = { date: new Date().toISOString().slice(0, 10), machine: machine(), postgres: facts, code: codeState(), method, sizes }
  const markdown = renderReport(report)
  console.log(`\n${markdown}`)
  const name = values.out
  writeFileSync(new URL(`${name}-${report.date}.md`, RESULTS), markdown)
  writeFileSync(new URL(`${name}-${report.date}.json`, RESULTS), `${JSON.stringify(report, null, 2)}\n`)
  // Only the standard run (server defaults, all shapes) is "the latest" the README shows.
  const standard = name === 'search' && Object.keys(settings).length === 0 && !values.shapes
  if (standard) writeFileSync(new URL('search-latest.md', RESULTS), markdown)
  if (standard && existsSync(README)) {
    const readme = readFileSync(README, 'utf8')
    const a = readme.indexOf(START)
    const b = readme.indexOf(END)
    if (a >= 0 && b > a) {
      const section = `${START}\nLatest run: ${report.date}, sizes ${labels.join(', ')} (full report: results/search-latest.md).\n\n${renderTables(report, '###')}\n${END}`
      writeFileSync(README, readme.slice(0, a) + section + readme.slice(b + END.length))
    }
  }
  clear()
  log(`wrote bench/results/${name}-${report.date}.md${standard ? ' and search-latest.md' : ''}`)
} catch (error) {
  console.error(`search benchmark failed: ${(error as Error).stack}`)
  process.exit(1)
}
