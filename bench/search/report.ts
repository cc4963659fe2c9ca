/** The search benchmark's results as Markdown: data, latency, scaling and the aims. */
import type { Machine } from '../lib/machine.ts'
import { ms } from '../lib/stats.ts'
import type { DataStamp } from './data.ts'
import type { HttpResult, SqlResult } from './measure.ts'
import { AIM_SHAPE, type Shape } from './shapes.ts'

export interface ShapeResult {
  shape: Shape
  /** Matching services (the response's `total`); null when the search timed out. */
  total: number | null
  sql: SqlResult | null
  /** One connection, one request at a time: comparable with the SQL floor. */
  http1: HttpResult | null
  /** Concurrent load. */
  httpN: HttpResult | null
  /** Why a measurement is missing. */
  notes: string[]
}

export interface SizeResult {
  label: string
  services: number
  reused: boolean
  stamp: DataStamp
  /** 1-minute load average when the size's measurements began (anything else using the CPUs shows here). */
  loadAverage: number
  /** `ALTER DATABASE ... SET` applied for this run (e.g. jit=off); empty for the server's defaults. */
  settings: Record<string, string>
  shapes: ShapeResult[]
}

export interface Report {
  date: string
  machine: Machine
  postgres: { version: string; settings: Record<string, string> }
  /** The code measured: its commit and the files in src/ and sql/ that differ from it. */
  code: { commit: string; uncommitted: string[] }
  method: { connections: number; duration: number; warmup: number; sqlRuns: number; sqlSeconds: number; sqlTimeoutSeconds: number; maxLoadMs: number }
  sizes: SizeResult[]
}

/** Aims to compare against (reported, never asserted). */
export const AIMS = { p95At100kMs: 50, p95At1mMs: 150, httpOverSql: 1.5 }
/**
 * The aims of bounded search (bench/README.md): SQL p50 at 1M within 4× of 10k for every
 * shape; one at a time at 1M, HTTP p95 under 60 ms for shapes with a place and 150 ms for text
 * alone; the aim shape under load at 1M, 100 requests/s with p95 under 250 ms; recall@20 ≥ 0.9.
 */
export const BOUNDED_AIMS = { scaling: 4, placeP95Ms: 60, textP95Ms: 150, loadRps: 100, loadP95Ms: 250, recall: 0.9 }

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : Number.NaN)
const three = (h: { p50: number; p95: number; p99: number } | null | undefined) => (h ? `${ms(h.p50)} / ${ms(h.p95)} / ${ms(h.p99)}` : '–')
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–')
const sizeName = (label: string) => label.toUpperCase().replace('K', 'k')
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')

function dataTable(r: Report): string {
  return table(
    ['size', 'services', 'organisations', 'accessibility rows', 'schedules', 'cost options', 'term links', 'search words', 'database', 'load (wall)', 'of which search documents*', 'load average at start', 'settings'],
    r.sizes.map((s) => [
      sizeName(s.label),
      s.stamp.rows.service!.toLocaleString('en-GB'),
      s.stamp.rows.organization!.toLocaleString('en-GB'),
      s.stamp.rows.accessibility!.toLocaleString('en-GB'),
      s.stamp.rows.schedule!.toLocaleString('en-GB'),
      s.stamp.rows.cost_option!.toLocaleString('en-GB'),
      s.stamp.rows.service_taxonomy_term!.toLocaleString('en-GB'),
      s.stamp.rows.search_word!.toLocaleString('en-GB'),
      `${(s.stamp.databaseBytes / 1024 ** 2).toFixed(0)} MB`,
      `${s.stamp.seconds.total} s${s.reused ? ' (reused)' : ''}`,
      `${s.stamp.seconds.refresh_service_search} s`,
      s.loadAverage.toFixed(2),
      Object.entries(s.settings).map(([k, v]) => `${k}=${v}`).join(', ') || 'server defaults',
    ]),
  )
}

function latencyTable(r: Report): string {
  const rows: string[][] = []
  for (const s of r.sizes) {
    for (const y of s.shapes) {
      const { sql, http1 } = y
      rows.push([
        y.shape.label,
        sizeName(s.label),
        y.total === null ? '–' : y.total.toLocaleString('en-GB') + (sql && !sql.exact.totalExact ? ' or more' : ''),
        sql ? ms(sql.statement.p50) : '–',
        three(sql?.pipeline),
        three(http1),
        `${x(ratio(http1?.p50, sql?.pipeline.p50))} / ${x(ratio(http1?.p95, sql?.pipeline.p95))}`,
        sql ? String(sql.pipeline.n) : '–',
        y.notes.join('; '),
      ])
    }
  }
  return table(['shape', 'size', 'matches', 'statement p50', 'SQL p50 / p95 / p99', 'HTTP c=1 p50 / p95 / p99', 'HTTP/SQL p50 / p95', 'runs', 'notes'], rows)
}

const perSecond = (v: number) => (Number.isFinite(v) ? v.toFixed(v >= 10 ? 0 : 1) : '–')

function loadTable(r: Report): string {
  const rows: string[][] = []
  for (const s of r.sizes) {
    for (const y of s.shapes) {
      const h = y.httpN
      const failures = h ? h.errors + h.non2xx : 0
      rows.push([
        y.shape.label,
        sizeName(s.label),
        three(h),
        h ? perSecond(h.rps) : '–',
        y.sql ? perSecond(1000 / y.sql.pipeline.mean) : '–',
        h ? String(h.n) : '–',
        !h ? '–' : failures === 0 ? '0' : `${failures} (${h.timeouts} timeouts)`,
      ])
    }
  }
  return table(
    ['shape', 'size', `HTTP c=${r.method.connections} p50 / p95 / p99`, 'req/s', 'SQL runs/s (1 at a time)', 'requests', 'errors'],
    rows,
  )
}

/** Each bounded answer against the whole-radius one. */
function boundedTable(r: Report): string {
  const rows: string[][] = []
  for (const s of r.sizes) {
    for (const y of s.shapes) {
      const e = y.sql?.exact
      rows.push([
        y.shape.label,
        sizeName(s.label),
        e ? e.total.toLocaleString('en-GB') : '–',
        y.total === null ? '–' : y.total.toLocaleString('en-GB') + (e && !e.totalExact ? ' or more' : ''),
        e ? e.recall.toFixed(2) : '–',
        e ? (e.samePage ? 'yes' : 'no') : '–',
        e ? ms(e.wholeMs) : '–',
        y.sql ? ms(y.sql.statement.p50) : '–',
      ])
    }
  }
  return table(['shape', 'size', 'matches (whole radius)', 'total shown', 'recall@20', 'same first page', 'whole radius, one run', 'bounded statement p50'], rows)
}

function scalingTable(r: Report, pick: (x: ShapeResult) => number | undefined, what: string): string {
  const shapes = r.sizes[0]?.shapes.map((s) => s.shape) ?? []
  const head = ['shape', ...r.sizes.map((s) => `${what} ${sizeName(s.label)}`)]
  for (let i = 1; i < r.sizes.length; i++) head.push(`${sizeName(r.sizes[i - 1]!.label)} → ${sizeName(r.sizes[i]!.label)}`)
  const across = r.sizes.length > 2
  if (across) head.push(`${sizeName(r.sizes[0]!.label)} → ${sizeName(r.sizes.at(-1)!.label)}`)
  const rows = shapes.map((shape) => {
    const values = r.sizes.map((s) => {
      const found = s.shapes.find((y) => y.shape.key === shape.key)
      return (found && pick(found)) ?? Number.NaN
    })
    const row = [shape.label, ...values.map((v, i) => (Number.isFinite(v) ? ms(v) : timedOutAt(r.sizes[i]!, shape.key)))]
    for (let i = 1; i < values.length; i++) row.push(x(ratio(values[i]!, values[i - 1]!)))
    if (across) row.push(x(ratio(values.at(-1)!, values[0]!)))
    return row
  })
  return table(head, rows)
}

function timedOutAt(s: SizeResult, key: string): string {
  const y = s.shapes.find((z) => z.shape.key === key)
  return y?.notes.some((n) => n.startsWith('timed out')) ? 'timed out' : '–'
}

function aims(r: Report): string {
  const lines: string[] = []
  const verdict = (ok: boolean) => (ok ? '**pass**' : '**miss**')
  for (const [label, limit] of [['100k', AIMS.p95At100kMs], ['1m', AIMS.p95At1mMs]] as const) {
    const s = r.sizes.find((y) => y.label === label)
    const shape = s?.shapes.find((y) => y.shape.key === AIM_SHAPE)
    if (!s || !shape) {
      lines.push(`- ${AIM_SHAPE} p95 < ${limit} ms at ${sizeName(label)}: not run`)
      continue
    }
    const p95 = (h: HttpResult | null) => (h ? `${ms(h.p95)} ms ${verdict(h.p95 < limit)}` : `not measured (${shape.notes.join('; ')}) **miss**`)
    lines.push(
      `- ${shape.shape.label}, p95 < ${limit} ms at ${sizeName(label)}: ` +
        `one user at a time (HTTP c=1) ${p95(shape.http1)}; under load (c=${r.method.connections}) ${p95(shape.httpN)}`,
    )
  }
  lines.push(...boundedAims(r))
  const overhead: string[] = []
  let compared = 0
  for (const s of r.sizes) {
    for (const y of s.shapes) {
      if (!y.http1 || !y.sql) continue
      compared++
      const k = ratio(y.http1.p50, y.sql.pipeline.p50)
      if (!(k <= AIMS.httpOverSql)) overhead.push(`${y.shape.label} at ${sizeName(s.label)} (${x(k)})`)
    }
  }
  lines.push(
    `- HTTP ≤ ${AIMS.httpOverSql} × bare SQL (p50, HTTP c=1 against searchDirectory; ${compared} shape × size pairs measured both ways): ` +
      (overhead.length === 0 ? '**pass** for all' : `**miss** for ${overhead.join(', ')}; pass for the other ${compared - overhead.length}`),
  )
  return lines.join('\n')
}

function boundedAims(r: Report): string[] {
  const A = BOUNDED_AIMS
  const verdict = (ok: boolean) => (ok ? '**pass**' : '**miss**')
  const first = r.sizes[0]
  const last = r.sizes.at(-1)
  const lines: string[] = []
  if (first && last && first !== last) {
    const over = last.shapes.flatMap((y) => {
      const base = first.shapes.find((z) => z.shape.key === y.shape.key)?.sql?.pipeline.p50
      const k = ratio(y.sql?.pipeline.p50, base)
      return Number.isFinite(k) && k <= A.scaling ? [] : [`${y.shape.label} ${x(k)}`]
    })
    lines.push(`- SQL p50 at ${sizeName(last.label)} ≤ ${A.scaling}× its p50 at ${sizeName(first.label)}: ${verdict(over.length === 0)}` + (over.length ? ` (over: ${over.join(', ')})` : ''))
  }
  const big = r.sizes.find((s) => s.label === '1m')
  if (big) {
    for (const y of big.shapes) {
      const limit = y.shape.query.includes('postcode=') ? A.placeP95Ms : A.textP95Ms
      lines.push(`- ${y.shape.label} at 1M, HTTP c=1 p95 < ${limit} ms: ${y.http1 ? `${ms(y.http1.p95)} ms ${verdict(y.http1.p95 < limit)}` : 'not measured **miss**'}`)
    }
    const aim = big.shapes.find((y) => y.shape.key === AIM_SHAPE)?.httpN
    lines.push(
      `- ${AIM_SHAPE} at 1M under load (c=${r.method.connections}): ≥ ${A.loadRps} req/s with p95 < ${A.loadP95Ms} ms: ` +
        (aim ? `${perSecond(aim.rps)} req/s, p95 ${ms(aim.p95)} ms ${verdict(aim.rps >= A.loadRps && aim.p95 < A.loadP95Ms)}` : 'not measured **miss**'),
    )
  }
  const low = r.sizes.flatMap((s) => s.shapes.filter((y) => y.sql && y.sql.exact.recall < A.recall).map((y) => `${y.shape.label} at ${sizeName(s.label)} (${y.sql!.exact.recall.toFixed(2)})`))
  lines.push(`- recall@20 ≥ ${A.recall} for every shape and size: ${verdict(low.length === 0)}` + (low.length ? ` (below: ${low.join(', ')})` : ''))
  return lines
}

/** The result tables, for the report and for bench/README.md. */
export function renderTables(r: Report, level = '##'): string {
  return [
    `${level} Data`,
    dataTable(r),
    '\\* seconds spent in `refresh_service_search`, summed over the two concurrent loading connections.',
    `${level} Latency, one request at a time (ms)`,
    'SQL is `searchDirectory` called directly on a pg `Db` (postcode lookup, typo correction, the search statement); ' +
      '"statement" is `searchPostgres` alone. HTTP c=1 is the real app over loopback, one connection, the same number of requests.',
    latencyTable(r),
    `${level} Under load: ${r.method.connections} connections for ${r.method.duration} s per shape (ms)`,
    loadTable(r),
    `${level} Bounded answers against the whole radius`,
    'Each shape once more over the whole radius (`searchPostgres` with no bounds): how many listings match, what the bounded answer ' +
      'showed, and how much of the whole first page it held (recall@20; by distance it must be the same page).',
    boundedTable(r),
    `${level} Scaling`,
    'SQL p50 (ms) per size, and the factor from one size to the next (data grows 10× each step):',
    scalingTable(r, (y) => y.sql?.pipeline.p50, 'SQL p50'),
    `HTTP p95 under load (c=${r.method.connections}, ms):`,
    scalingTable(r, (y) => y.httpN?.p95, 'p95'),
    `${level} Aims (reported, not asserted)`,
    aims(r),
  ].join('\n\n')
}

export function renderReport(r: Report): string {
  const m = r.machine
  const settings = Object.entries(r.postgres.settings)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
  return [
    `# Search benchmark, ${r.date}`,
    [
      `- Machine: ${m.cpus} × ${m.model}, ${m.memoryGb} GB memory, ${m.os}`,
      `- Node ${m.node}; PostgreSQL ${r.postgres.version} (as the app's connections see it: ${settings})`,
      `- Code: commit ${r.code.commit}` +
        (r.code.uncommitted.length === 0 ? '' : `, plus uncommitted changes to ${r.code.uncommitted.join(', ')}`),
      `- Method: per shape, SQL floor of up to ${r.method.sqlRuns} sequential runs (at most ${r.method.sqlSeconds} s, after warm-up; ` +
        `statement timeout ${r.method.sqlTimeoutSeconds} s); then the app in its own process, HTTP c=1 for the same number of requests, ` +
        `and after ${r.method.warmup} s of warm-up autocannon with ${r.method.connections} connections for ${r.method.duration} s ` +
        `(skipped when SQL p50 is over ${r.method.maxLoadMs} ms). App, PostgreSQL and load generator share the machine.`,
    ].join('\n'),
    renderTables(r),
  ].join('\n\n') + '\n'
}
