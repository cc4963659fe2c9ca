/**
 * npm run bench:reports -- --sizes 10k,100k,1m [--fresh] [--runs 30] [--seconds 20] [--timeout 30]
 *   [--variants a,b --out reports-something] [--resume]
 *
 * For each size: the search benchmark's directory plus a year of caseload (data.ts), then each
 * report variant below timed two ways, one request at a time:
 *   1. direct: `buildReport` (filters looked up, the report's SQL, its tables built through
 *      disclosure control) on a pg Db with the app's pool size, no HTTP: the floor;
 *   2. HTTP: `GET /api/reports/<name>?...` on the real app (bench/search/serve.ts: loopback,
 *      DEMO_DATA off) signed in as an admin made with `createAdmin`, the whole body read.
 * Each: warm-up, then up to --runs runs within --seconds (at least 3). Writes
 * bench/results/reports-<date>.md (and .json), reports-latest.md and the table in
 * bench/README.md. Aim, reported and never asserted: every report's HTTP p95 < 500 ms at 1M
 * listings and 100,000 episodes.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { createAdmin } from '../../src/auth/admin.ts'
import { QUERY_TIMEOUT_MARGIN_MS } from '../../src/config.ts'
import type { Db } from '../../src/db/db.ts'
import { openDb } from '../../src/db/open.ts'
import { buildReport } from '../../src/reports/routes.ts'
import { ReportQuerySchema, type Report as ReportBody, type ReportName } from '../../src/reports/schemas.ts'
import { machine, type Machine } from '../lib/machine.ts'
import { codeState, eachSize, timeRuns, type CodeState, type RunBudget } from '../lib/runs.ts'
import { ms, summarize, type Summary } from '../lib/stats.ts'
import { DEFAULT_SEED, DEFAULT_SERVER, parseSize, serverFacts, urlFor, type DataStamp } from '../search/data.ts'
import { startServer, waitForIdle } from '../search/measure.ts'
import { ensureReportsData, type CaseloadStamp } from './data.ts'

interface Variant {
  key: string
  report: ReportName
  query: string
  label: string
}

/**
 * Each report with its defaults (the year to today, by ward, all of England's records), filtered
 * by an activity type, and, as a commissioner reads them, for one local authority (Croydon).
 */
export const VARIANTS: readonly Variant[] = [
  { key: 'unmet_need', report: 'unmet-need', query: '', label: 'unmet need' },
  { key: 'unmet_need_activity', report: 'unmet-need', query: 'activity_type=arts-and-crafts', label: 'unmet need, arts and crafts' },
  { key: 'unmet_need_lsoa', report: 'unmet-need', query: 'area_level=lsoa', label: 'unmet need, by LSOA' },
  { key: 'supply', report: 'supply', query: '', label: 'supply' },
  { key: 'supply_lsoa', report: 'supply', query: 'area_level=lsoa', label: 'supply, by LSOA' },
  { key: 'supply_activity', report: 'supply', query: 'activity_type=arts-and-crafts', label: 'supply, arts and crafts' },
  { key: 'demand', report: 'demand', query: '', label: 'demand' },
  { key: 'demand_activity', report: 'demand', query: 'activity_type=arts-and-crafts', label: 'demand, arts and crafts' },
  { key: 'outcomes', report: 'outcomes', query: '', label: 'outcomes' },
  { key: 'outcomes_activity', report: 'outcomes', query: 'activity_type=arts-and-crafts', label: 'outcomes, arts and crafts' },
  { key: 'freshness', report: 'freshness', query: '', label: 'freshness' },
  { key: 'freshness_activity', report: 'freshness', query: 'activity_type=arts-and-crafts', label: 'freshness, arts and crafts' },
  { key: 'demand_area', report: 'demand', query: 'area=E09000008', label: 'demand, Croydon' },
  { key: 'outcomes_area', report: 'outcomes', query: 'area=E09000008', label: 'outcomes, Croydon' },
  { key: 'freshness_area', report: 'freshness', query: 'area=E09000008', label: 'freshness, Croydon' },
]

/** The issue's aim, reported and never asserted. */
export const AIM_P95_MS = 500
const AIM_SIZE = '1m'
/** The app's default pool (PG_POOL_MAX): reports run some of their statements side by side. */
const APP_POOL = 10

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10k,100k,1m' },
    fresh: { type: 'boolean', default: false },
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    server: { type: 'string', default: process.env.BENCH_PG_URL ?? DEFAULT_SERVER },
    runs: { type: 'string', default: '30' },
    seconds: { type: 'string', default: '20' },
    // A statement running longer than this marks the variant as timed out instead of waiting for it.
    timeout: { type: 'string', default: '30' },
    variants: { type: 'string' },
    // Results are written as <out>-<date>.md; only a run of every variant named 'reports' is the latest.
    out: { type: 'string', default: 'reports' },
    // Reuse sizes measured by an interrupted run with the same options (checkpoints in the temp directory).
    resume: { type: 'boolean', default: false },
  },
})

const labels = values.sizes.split(',').map((s) => s.trim().toLowerCase())
labels.forEach(parseSize)
const budget: RunBudget = { runs: Number(values.runs), seconds: Number(values.seconds), minRuns: 3, warmup: 2 }
const variants = values.variants ? VARIANTS.filter((v) => values.variants!.split(',').includes(v.key)) : VARIANTS
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`)

interface Timing extends Summary {
  max: number
}

interface VariantResult {
  variant: Variant
  /** Rows over all the report's tables (null: timed out). */
  rows: number | null
  /** Size of the HTTP response body. */
  bytes: number | null
  direct: Timing | null
  http: Timing | null
  /** Why a measurement is missing. */
  notes: string[]
}

interface SizeResult {
  label: string
  services: number
  directory: { reused: boolean; stamp: DataStamp }
  caseload: { reused: boolean; stamp: CaseloadStamp }
  loadAverage: number
  code: CodeState
  variants: VariantResult[]
}

interface Report {
  date: string
  machine: Machine
  postgres: { version: string; settings: Record<string, string> }
  code: CodeState
  budget: RunBudget
  sizes: SizeResult[]
}

const timing = (samples: number[]): Timing => ({ ...summarize(samples), max: Math.max(...samples) })
const rowsOf = (r: ReportBody) => r.tables.reduce((n, t) => n + t.rows.length, 0)
const queryOf = (v: Variant) => ReportQuerySchema.parse(Object.fromEntries(new URLSearchParams(v.query)))

/** Just what `buildReport` reads of the app: its database and its clock. */
const appOn = (db: Db) => ({ db, now: () => new Date() }) as unknown as FastifyInstance

async function signIn(base: string, db: Db): Promise<string> {
  const email = 'bench-reports-admin@bench.invalid'
  // One admin per run: a leftover from an earlier run is removed first (with its sessions).
  await db.query('DELETE FROM account WHERE email = $1', [email])
  const { password } = await createAdmin(db, email, undefined, new Date())
  const res = await fetch(`${base}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) })
  if (res.status !== 200) throw new Error(`signing in answered ${res.status}: ${await res.text()}`)
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ')
  if (!cookie) throw new Error('signing in set no cookie')
  return cookie
}

async function benchSize(label: string): Promise<SizeResult> {
  const data = await ensureReportsData({ label, fresh: values.fresh, seed: Number(values.seed), server: values.server, log })
  const loadAverage = os.loadavg()[0]!
  const timeoutMs = Number(values.timeout) * 1000
  const db = await openDb({ kind: 'postgres', url: data.url, poolMax: APP_POOL, connectTimeoutMs: 5000, statementTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs + QUERY_TIMEOUT_MARGIN_MS })
  const results: VariantResult[] = []
  try {
    // The floor first, with nothing else running.
    const app = appOn(db)
    for (const variant of variants) {
      const query = queryOf(variant)
      const t0 = performance.now()
      const first = await buildReport(app, variant.report, query).catch((error: unknown) => {
        if ((error as { code?: string }).code !== '57014') throw error
        return null
      })
      if (!first) {
        const note = `timed out: a statement ran longer than ${values.timeout} s (first call took ${ms(performance.now() - t0)} ms)`
        log(`${label} ${variant.key}: ${note}`)
        results.push({ variant, rows: null, bytes: null, direct: null, http: null, notes: [note] })
        await waitForIdle(db)
        continue
      }
      const direct = timing(await timeRuns(budget, () => buildReport(app, variant.report, query)))
      results.push({ variant, rows: rowsOf(first), bytes: null, direct, http: null, notes: [] })
      log(`${label} ${variant.key}: ${rowsOf(first)} rows; direct p50 ${ms(direct.p50)} ms, p95 ${ms(direct.p95)} ms (${direct.n} runs)`)
    }

    const server = await startServer(data.url)
    try {
      const cookie = await signIn(server.base, db)
      for (const r of results) {
        if (!r.direct) continue
        const url = `${server.base}/api/reports/${r.variant.report}${r.variant.query ? `?${r.variant.query}` : ''}`
        const get = async () => {
          const res = await fetch(url, { headers: { cookie } })
          const body = await res.arrayBuffer()
          if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${Buffer.from(body).toString('utf8').slice(0, 300)}`)
          return body
        }
        await waitForIdle(db)
        let http: Timing
        try {
          const body = await get()
          const report = JSON.parse(Buffer.from(body).toString('utf8')) as ReportBody
          if (rowsOf(report) !== r.rows) throw new Error(`GET ${url} gave ${rowsOf(report)} rows; buildReport gave ${r.rows}`)
          r.bytes = body.byteLength
          http = r.http = timing(await timeRuns(budget, get))
        } catch (error) {
          // A slow report may be refused (503 after the app's statement timeout): say so and go on.
          r.notes.push(`HTTP failed: ${(error as Error).message.slice(0, 200)}`)
          log(`${label} ${r.variant.key}: ${r.notes.at(-1)}`)
          await waitForIdle(db)
          continue
        }
        log(`${label} ${r.variant.key}: ${((r.bytes ?? 0) / 1024).toFixed(0)} KB; HTTP p50 ${ms(http.p50)} ms, p95 ${ms(http.p95)} ms (${http.n} runs)`)
      }
      return {
        label,
        services: data.services,
        directory: data.directory,
        caseload: { reused: data.reused, stamp: data.caseload },
        loadAverage,
        code: codeState(),
        variants: results,
      }
    } finally {
      await server.stop()
    }
  } finally {
    await db.close()
  }
}

// ---------------------------------------------------------------------------------------------
// The report

const sizeName = (label: string) => label.toUpperCase().replace('K', 'k')
const n = (v: number | undefined) => (v ?? 0).toLocaleString('en-GB')
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)}×` : '–')
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
const verdict = (t: Timing | null) => (!t ? '**miss** (timed out)' : t.p95 < AIM_P95_MS ? 'pass' : '**miss**')
const three = (t: Timing | null) => (t ? `${ms(t.p50)} / ${ms(t.p95)} / ${ms(t.max)}` : '–')
const kb = (bytes: number | null) => bytes === null ? '–' : (bytes >= 1024 * 1024 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`)

export function renderTables(r: Report, h: string): string {
  const data = table(
    ['size', 'listings', 'organisations', 'teams', 'link workers', 'episodes', 'UCLA-3 scores', 'referrals', 'referral events', 'gap records', 'empty-search rows', 'listing versions', 'database', 'caseload load (wall)', 'load average at start'],
    r.sizes.map((s) => {
      const c = s.caseload.stamp.rows
      return [
        sizeName(s.label),
        n(s.services),
        n(s.directory.stamp.rows.organization),
        n(c.team),
        n(c.link_worker),
        n(c.episode),
        n(c.loneliness_score),
        n(c.referral),
        n(c.referral_event),
        n(c.match_gap),
        n(c.search_demand),
        n(c.record_version),
        `${(s.caseload.stamp.databaseBytes / 1024 ** 2).toFixed(0)} MB`,
        `${s.caseload.stamp.seconds.total} s${s.caseload.reused ? ' (reused)' : ''}`,
        s.loadAverage.toFixed(2),
      ]
    }),
  )
  const latency = table(
    ['report', 'size', 'rows', 'JSON', 'direct p50 / p95 / max', 'HTTP p50 / p95 / max', 'HTTP/direct p50', 'runs (direct, HTTP)', `HTTP p95 < ${AIM_P95_MS} ms`, 'notes'],
    r.sizes.flatMap((s) =>
      s.variants.map((v) => [
        `${v.variant.label}${v.variant.query ? ` (\`${v.variant.query}\`)` : ''}`,
        sizeName(s.label),
        v.rows === null ? '–' : n(v.rows),
        kb(v.bytes),
        three(v.direct),
        three(v.http),
        v.http && v.direct ? x(v.http.p50 / v.direct.p50) : '–',
        `${v.direct?.n ?? 0}, ${v.http?.n ?? 0}`,
        verdict(v.http),
        v.notes.join('; '),
      ]),
    ),
  )
  const keys = [...new Map(r.sizes.flatMap((s) => s.variants.map((v) => [v.variant.key, v.variant] as const))).values()]
  const find = (label: string, key: string) => r.sizes.find((s) => s.label === label)?.variants.find((v) => v.variant.key === key)
  const steps = r.sizes.slice(1).map((s, i) => [r.sizes[i]!.label, s.label] as const)
  const scaling = table(
    ['report', ...r.sizes.map((s) => `HTTP p95 ${sizeName(s.label)}`), ...steps.map(([a, b]) => `${sizeName(a)} → ${sizeName(b)}`)],
    keys.map((k) => [
      k.label,
      ...r.sizes.map((s) => ms(find(s.label, k.key)?.http?.p95 ?? Number.NaN)),
      ...steps.map(([a, b]) => x((find(b, k.key)?.http?.p95 ?? Number.NaN) / (find(a, k.key)?.http?.p95 ?? Number.NaN))),
    ]),
  )
  const aimSize = r.sizes.find((s) => s.label === AIM_SIZE)
  const aims = aimSize
    ? aimSize.variants.map((v) => `- ${v.variant.label}: ${v.http ? `HTTP p95 ${ms(v.http.p95)} ms at 1M, ${verdict(v.http)}` : `${v.notes.join('; ')}: **miss**`}`)
    : [`- not measured at 1M in this run (largest size measured: ${sizeName(r.sizes[r.sizes.length - 1]?.label ?? '–')})`]
  return [
    `${h} Data`,
    '',
    data,
    '',
    'Listings and organisations are the search benchmark’s directory; the caseload is a year to the day before it was loaded. Listing versions: one `create` per listing and referral-capacity changes on 2% of them.',
    '',
    `${h} Latency, one request at a time (ms)`,
    '',
    'Direct is `buildReport` on a pg `Db` (filters, the report’s SQL, its tables through disclosure control), no HTTP. HTTP is the real app over loopback, signed in as an admin, the whole body read. Rows: over all the report’s tables. JSON: the response body.',
    '',
    latency,
    '',
    `${h} Scaling`,
    '',
    'HTTP p95 (ms) per size, and the factor from one size to the next (listings and episodes grow 10× each step):',
    '',
    scaling,
    '',
    `${h} Aim (reported, not asserted): each report’s p95 < ${AIM_P95_MS} ms at 1M listings and 100,000 episodes`,
    '',
    ...aims,
    '',
  ].join('\n')
}

function renderReport(r: Report): string {
  const m = r.machine
  const settings = Object.entries(r.postgres.settings).map(([k, v]) => `${k}=${v}`).join(', ')
  const codes = [...new Set(r.sizes.map((s) => s.code.commit + (s.code.uncommitted.length ? ` plus uncommitted ${s.code.uncommitted.join(', ')}` : '')))]
  return [
    `# Reports benchmark, ${r.date}`,
    '',
    `Machine: ${m.cpus} × ${m.model}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}.`,
    `PostgreSQL: ${r.postgres.version}; ${settings}.`,
    `Code measured: ${codes.join('; ')}.`,
    `Method: each variant one request at a time, ${r.budget.warmup} warm-up runs, then up to ${r.budget.runs} runs within ${r.budget.seconds} s (at least ${r.budget.minRuns}); direct first, then HTTP. The app, PostgreSQL and this process share the machine's cores with whatever else runs (load average in the data table).`,
    '',
    renderTables(r, '##'),
  ].join('\n')
}

const README = new URL('../README.md', import.meta.url)
const RESULTS = new URL('../results/', import.meta.url)
const START = '<!-- reports-latest:start -->'
const END = '<!-- reports-latest:end -->'

try {
  const { results: sizes } = await eachSize({
    labels,
    name: values.out,
    key: JSON.stringify({ budget, variants: variants.map((v) => v.key), seed: values.seed }),
    resume: values.resume,
    log,
    run: benchSize,
  })
  const facts = await serverFacts(urlFor(values.server, 'postgres'))
  const report: Report = { date: new Date().toISOString().slice(0, 10), machine: machine(), postgres: facts, code: codeState(), budget, sizes }
  const markdown = renderReport(report)
  console.log(`\n${markdown}`)
  writeFileSync(new URL(`${values.out}-${report.date}.md`, RESULTS), markdown)
  writeFileSync(new URL(`${values.out}-${report.date}.json`, RESULTS), `${JSON.stringify(report, null, 2)}\n`)
  // Only a run of every variant under the standard name is "the latest" the README shows.
  const standard = !values.variants && values.out === 'reports'
  if (standard) {
    writeFileSync(new URL('reports-latest.md', RESULTS), markdown)
    const readme = existsSync(README) ? readFileSync(README, 'utf8') : ''
    const a = readme.indexOf(START)
    const b = readme.indexOf(END)
    if (a >= 0 && b > a) {
      const m = report.machine
      const header = `Latest run: ${report.date}, sizes ${labels.join(', ')}, on ${m.cpus} × ${m.model}, ${m.memoryGb} GB, ${report.postgres.version} (full report: results/reports-latest.md).`
      const section = `${START}\n${header}\n\n${renderTables(report, '####')}${END}`
      writeFileSync(README, readme.slice(0, a) + section + readme.slice(b + END.length))
    }
  }
  log(`wrote bench/results/${values.out}-${report.date}.md${standard ? ' and reports-latest.md' : ''}`)
} catch (error) {
  console.error(`reports benchmark failed: ${(error as Error).stack}`)
  process.exit(1)
}
