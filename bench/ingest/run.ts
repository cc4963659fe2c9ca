/**
 * npm run bench:ingest -- --sizes 10k,100k [--seed N] [--rpde-page 500] [--pg-set name=value]
 *   [--phases oruk_first,oruk_second,rpde_first,rpde_updated] [--cpu-profile] [--out ingest-something] [--keep]
 *
 * For each size N: a fresh database (`connector_bench_ingest_<size>`: CREATE DATABASE, the app's
 * migrations, which bring our activity types, and the shipped postcodes), an ORUK source and an
 * OpenActive source added with the admin route's SQL, and the term-map row for the OpenActive
 * activity the feed uses. A feed server in a child process (feed-server.ts) publishes N
 * generated listings in each format (feed.ts). The database is analyzed once set up; if the
 * server's autovacuum is off, autovacuum.ts does its work by its default thresholds while the
 * harvests run. Then, with the app's own `harvest` (as `npm run ingest` runs it, loopback
 * allowed), four timed harvests:
 *
 *   1. ORUK, first harvest: every record created;
 *   2. ORUK, second harvest of the same feed: every record unchanged;
 *   3. OpenActive RPDE, first read from the start: every item created;
 *   4. OpenActive RPDE, after every item was updated once (the feed's next epoch), read from
 *      the saved position: every item updated. (A second read with nothing new would only fetch
 *      the last page again.)
 *
 * Each reports listings per second, the run's counts (which must add up and equal N, or the
 * benchmark exits 1), the harvester's peak RSS, CPU time of the harvester, the feed server and
 * PostgreSQL, and where the harvester's time went (measure.ts: each statement's time as the
 * harvester sees it, transaction overhead, and the rest: fetching, parsing, mapping).
 * Writes bench/results/<out>-<date>.md and .json; a standard run (no --pg-set, --cpu-profile,
 * other page size or --out) also ingest-latest.md and the block in bench/README.md.
 * Aim, reported and never asserted: ≥ 2,000 listings/s.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { QUERY_TIMEOUT_MARGIN_MS } from '../../src/config.ts'
import type { Db } from '../../src/db/db.ts'
import { migrate } from '../../src/db/migrate.ts'
import { openDb } from '../../src/db/open.ts'
import { loadShippedPostcodesIfEmpty } from '../../src/geo/import.ts'
import { harvest, ORUK_PER_PAGE, type RunRow } from '../../src/ingest/harvest.ts'
import { machine, type Machine } from '../lib/machine.ts'
import { codeState, type CodeState } from '../lib/runs.ts'
import { DEFAULT_SEED, DEFAULT_SERVER, serverFacts, urlFor } from '../search/data.ts'
import { startAutovacuumStandIn, type AutovacuumStandIn } from './autovacuum.ts'
import { WALKING_MAPPING, type FeedSpec } from './feed.ts'
import { cpuProfile, peakRss, postgresCpu, profiledDb, type CpuProfileSummary, type DbProfile } from './measure.ts'

/** The issue's aim, reported and never asserted. */
export const AIM_LISTINGS_PER_SECOND = 2000
/** The app's default pool (PG_POOL_MAX): the harvester runs on the app's pool. */
const APP_POOL = 10

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10k,100k' },
    server: { type: 'string', default: process.env.BENCH_PG_URL ?? DEFAULT_SERVER },
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    'rpde-page': { type: 'string', default: '500' },
    // ALTER DATABASE ... SET name = value on the benchmark database (repeatable), e.g. synchronous_commit=off.
    'pg-set': { type: 'string', multiple: true, default: [] },
    // Only these harvests (a later one of a feed needs its first).
    phases: { type: 'string', default: 'oruk_first,oruk_second,rpde_first,rpde_updated' },
    // A V8 sampling profile of the harvester for each harvest, summarised in the report.
    'cpu-profile': { type: 'boolean', default: false },
    out: { type: 'string', default: 'ingest' },
    // Leave the databases in place afterwards (they are dropped by default).
    keep: { type: 'boolean', default: false },
  },
})
/** A size as listings: 10k, 100k, 1m, or a plain number (a quick try: --sizes 1k). */
function parseSize(label: string): number {
  const m = /^(\d+)(k|m)?$/.exec(label)
  if (!m) throw new Error(`Unknown size "${label}": use e.g. 10k, 100k, 1m or a number`)
  return Number(m[1]) * (m[2] === 'k' ? 1000 : m[2] === 'm' ? 1_000_000 : 1)
}
const labels = values.sizes.split(',').map((s) => s.trim().toLowerCase())
labels.forEach(parseSize)
const seed = Number(values.seed)
const rpdePageSize = Number(values['rpde-page'])
const pgSettings = values['pg-set'].map((s) => {
  const m = /^([a-z_.]+)=(.+)$/.exec(s)
  if (!m) throw new Error(`--pg-set takes name=value, not ${s}`)
  return { name: m[1]!, value: m[2]! }
})
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`)

type PhaseKey = 'oruk_first' | 'oruk_second' | 'rpde_first' | 'rpde_updated'
const PHASES: readonly { key: PhaseKey; label: string; kind: 'oruk' | 'openactive'; expect: 'created' | 'unchanged' | 'updated' }[] = [
  { key: 'oruk_first', label: 'ORUK, first harvest (all created)', kind: 'oruk', expect: 'created' },
  { key: 'oruk_second', label: 'ORUK, second harvest (all unchanged)', kind: 'oruk', expect: 'unchanged' },
  { key: 'rpde_first', label: 'OpenActive RPDE, first read (all created)', kind: 'openactive', expect: 'created' },
  { key: 'rpde_updated', label: 'OpenActive RPDE, every item updated once', kind: 'openactive', expect: 'updated' },
]
const phaseKeys = values.phases.split(',').map((p) => p.trim())
const phases = PHASES.filter((p) => phaseKeys.includes(p.key))
if (phases.length !== phaseKeys.length) throw new Error(`--phases takes some of ${PHASES.map((p) => p.key).join(', ')}`)
if ((phaseKeys.includes('oruk_second') && !phaseKeys.includes('oruk_first')) || (phaseKeys.includes('rpde_updated') && !phaseKeys.includes('rpde_first'))) {
  throw new Error('--phases: a second harvest of a feed needs its first')
}
const standard = values.out === 'ingest' && pgSettings.length === 0 && !values['cpu-profile'] && rpdePageSize === 500 && phases.length === PHASES.length

interface PhaseResult {
  key: PhaseKey
  label: string
  seconds: number
  listingsPerSecond: number
  run: Omit<RunRow, 'started_at' | 'finished_at'>
  /** What is wrong with the run's counts (empty: they add up and equal N). */
  problems: string[]
  /** Listings per second in each tenth of the harvest (from its page-by-page progress). */
  tenths: number[]
  rss: { startMb: number; peakMb: number }
  /** CPU seconds during the harvest. */
  cpu: { harvester: number; feedServer: number; postgres: number | null }
  loadAverage: number
  /** What autovacuum (or its stand-in) ran during the harvest: table names. */
  maintenance: { analyzed: string[]; vacuumed: string[] }
  db: DbProfile
  profile?: CpuProfileSummary
}

interface SizeResult {
  label: string
  autovacuum: 'server' | 'stand-in'
  listings: number
  database: string
  setupSeconds: { migrate: number; postcodes: number }
  /**
   * Medians before the harvests, the floor under each statement and each record's transaction:
   * `SELECT 1` through the pool, and a transaction that inserts one row (BEGIN, INSERT, COMMIT,
   * which waits for its WAL to reach the disk unless synchronous_commit is off).
   */
  floorMs: { statement: number; transaction: number }
  phases: PhaseResult[]
  rows: Record<string, number>
  databaseBytes: number
  feedServer: { requests: number; megabytes: number; maxRssMb: number }
  code: CodeState
}

interface Report {
  date: string
  machine: Machine
  postgres: { version: string; settings: Record<string, string> }
  pgSet: string[]
  autovacuum: 'server' | 'stand-in'
  seed: number
  rpdePageSize: number
  orukPerPage: number
  cpuProfile: boolean
  sizes: SizeResult[]
}

// ---- The feed server (a child process) -------------------------------------------------------

interface FeedUsage {
  cpuMs: number
  rssMb: number
  maxRssMb: number
  requests: number
  bytes: number
}

async function startFeed(spec: FeedSpec): Promise<{ base: string; setEpoch: (n: number) => Promise<void>; usage: () => Promise<FeedUsage>; stop: () => Promise<void> }> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./feed-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_FEED: JSON.stringify(spec), BENCH_RPDE_PAGE: String(rpdePageSize) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = once(child, 'exit')
  const [hello] = (await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => {
      throw new Error(`the feed server exited with code ${code} before listening`)
    }),
  ])) as [{ port: number }]
  let nextId = 1
  const ask = <T>(message: Record<string, unknown>) =>
    new Promise<T>((resolve) => {
      const id = nextId++
      const onMessage = (m: { id?: number } & T) => {
        if (m.id !== id) return
        child.off('message', onMessage)
        resolve(m)
      }
      child.on('message', onMessage)
      child.send({ ...message, id })
    })
  return {
    base: `http://127.0.0.1:${hello.port}`,
    setEpoch: async (epoch) => void (await ask({ epoch })),
    usage: async () => (await ask<{ usage: FeedUsage }>({ usage: true })).usage,
    async stop() {
      if (child.exitCode !== null) return
      child.send('close')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

// ---- One size --------------------------------------------------------------------------------

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlFor(values.server, 'postgres') })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

const dbOptions = (url: string) => ({ kind: 'postgres' as const, url, poolMax: APP_POOL, connectTimeoutMs: 5000, statementTimeoutMs: 600_000, queryTimeoutMs: 600_000 + QUERY_TIMEOUT_MARGIN_MS })

/** Adds a source as POST /api/admin/ingest/sources does (its SQL, the schema's defaults). */
async function addSource(db: Db, name: string, kind: 'oruk' | 'openactive', url: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO ingest_source (id, name, kind, url, schedule, enabled, allow_http, default_organization_id, remote_delivery_modes, default_group_size, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, $3, NULL, true, true, NULL, '{}', 'large', $4, $4) RETURNING id`,
    [name, kind, url, new Date().toISOString()],
  )
  return rows[0]!.id
}

/** The run's counts add up, equal N, and are all of the expected outcome. */
function checkRun(run: RunRow, n: number, expect: 'created' | 'unchanged' | 'updated'): string[] {
  const problems: string[] = []
  if (run.status !== 'succeeded') problems.push(`status ${run.status}${run.error ? ` (${run.error})` : ''}`)
  const sum = run.created + run.updated + run.unchanged + run.withdrawn + run.quarantined
  if (sum !== run.fetched) problems.push(`created + updated + unchanged + withdrawn + quarantined = ${sum}, but fetched = ${run.fetched}`)
  if (run.fetched !== n) problems.push(`fetched ${run.fetched}, not ${n}`)
  if (run[expect] !== n) problems.push(`${expect} ${run[expect]}, not ${n}`)
  if (run.missing !== 0 || run.held_withdrawals !== 0) problems.push(`missing ${run.missing}, held withdrawals ${run.held_withdrawals}`)
  return problems
}

/**
 * Listings per second in each tenth of the run, from (seconds, records so far) points, one per
 * page: each tenth gets the rate between the page end before it and the first page end at or
 * after its end. A page longer than a tenth (large RPDE pages on a small feed) gives its rate to
 * every tenth it ends.
 */
function tenths(points: [number, number][], n: number): number[] {
  const out: number[] = []
  let prev: [number, number] = [0, 0]
  let rate = Number.NaN
  for (let k = 1; k <= 10; k++) {
    const at = points.find(([, done]) => done >= (n * k) / 10)
    if (!at) break
    if (at !== prev) {
      rate = (at[1] - prev[1]) / (at[0] - prev[0])
      prev = at
    }
    out.push(rate)
  }
  return out
}

/** The median of 500 timed calls, after 50 to warm up. */
async function medianMs(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 50; i++) await fn()
  const samples: number[] = []
  for (let i = 0; i < 500; i++) {
    const t0 = performance.now()
    await fn()
    samples.push(performance.now() - t0)
  }
  return samples.sort((a, b) => a - b)[samples.length >> 1]!
}

async function benchSize(label: string): Promise<SizeResult> {
  const n = parseSize(label)
  const database = `connector_bench_ingest_${label}`
  const url = urlFor(values.server, database)
  log(`${label}: making ${database}`)
  await withAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await c.query(`CREATE DATABASE ${database}`)
    for (const s of pgSettings) await c.query(`ALTER DATABASE ${database} SET ${s.name} = ${pg.escapeLiteral(s.value)}`)
  })
  const raw = await openDb(dbOptions(url))
  const { db, profile, reset } = profiledDb(raw)
  let feed: Awaited<ReturnType<typeof startFeed>> | undefined
  let autovacuum: AutovacuumStandIn | undefined
  try {
    let t0 = performance.now()
    await migrate(raw)
    const migrateSeconds = (performance.now() - t0) / 1000
    t0 = performance.now()
    await loadShippedPostcodesIfEmpty(raw)
    const postcodeSeconds = (performance.now() - t0) / 1000

    const { rows: terms } = await raw.query<FeedSpec['terms'][number]>('SELECT id, code, name, description FROM taxonomy_term ORDER BY code')
    const spec: FeedSpec = { seed, size: n, terms, assuredDate: new Date().toISOString().slice(0, 10) }
    feed = await startFeed(spec)
    const sources = {
      oruk: await addSource(raw, 'Benchmark ORUK feed', 'oruk', `${feed.base}/oruk`),
      openactive: await addSource(raw, 'Benchmark OpenActive sessions', 'openactive', `${feed.base}/rpde/session-series`),
    }
    // As PUT /api/admin/ingest/term-map writes it.
    await raw.query(
      `INSERT INTO ingest_term_map (scheme, external, field, value) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scheme, external, field) DO UPDATE SET value = EXCLUDED.value`,
      [WALKING_MAPPING.scheme, WALKING_MAPPING.external, WALKING_MAPPING.field, WALKING_MAPPING.value],
    )

    // A server would have analyzed the postcodes and terms long before a harvest.
    await raw.exec('ANALYZE')
    await raw.query('CREATE TABLE bench_floor (n integer)')
    const floorMs = {
      statement: await medianMs(() => raw.query('SELECT 1')),
      transaction: await medianMs(() => raw.transaction((tx) => tx.query('INSERT INTO bench_floor VALUES (1)'))),
    }
    await raw.query('DROP TABLE bench_floor')
    autovacuum = await startAutovacuumStandIn(raw)
    const { done: maintenance } = autovacuum
    const results: PhaseResult[] = []
    for (const phase of phases) {
      if (phase.key === 'rpde_updated') await feed.setEpoch(2)
      const points: [number, number][] = []
      let nextReport = n / 10
      reset()
      const loadAverage = os.loadavg()[0]!
      const rss = peakRss()
      const rssStart = process.memoryUsage.rss() / 2 ** 20
      const pgCpu = postgresCpu(raw, database)
      const feedBefore = await feed.usage()
      const cpuBefore = process.cpuUsage()
      const profiler = values['cpu-profile'] ? await cpuProfile() : undefined
      const mark = { analyzed: maintenance.analyzed.length, vacuumed: maintenance.vacuumed.length }
      const started = performance.now()
      const run = await harvest(db, sources[phase.kind], {
        now: () => new Date(),
        trigger: 'command',
        policy: { allowLoopback: true },
        log: (line) => {
          const done = /(\d+) (?:records|items) so far/.exec(line)
          if (!done) return
          const seconds = (performance.now() - started) / 1000
          points.push([seconds, Number(done[1])])
          if (Number(done[1]) >= nextReport) {
            log(`${label} ${phase.key}: ${done[1]}/${n} in ${seconds.toFixed(1)} s (${Math.round(Number(done[1]) / seconds)}/s)`)
            nextReport += n / 10
          }
        },
      })
      const seconds = (performance.now() - started) / 1000
      const summary = await profiler?.stop()
      const cpu = process.cpuUsage(cpuBefore)
      const feedAfter = await feed.usage()
      const postgres = await pgCpu.stop()
      const { started_at: _s, finished_at: _f, ...counts } = run
      const result: PhaseResult = {
        key: phase.key,
        label: phase.label,
        seconds,
        listingsPerSecond: n / seconds,
        run: counts,
        problems: checkRun(run, n, phase.expect),
        tenths: tenths(points, n),
        rss: { startMb: rssStart, peakMb: rss.stop() },
        cpu: { harvester: (cpu.user + cpu.system) / 1e6, feedServer: (feedAfter.cpuMs - feedBefore.cpuMs) / 1000, postgres: postgres === null ? null : postgres / 1000 },
        loadAverage,
        maintenance: { analyzed: maintenance.analyzed.slice(mark.analyzed), vacuumed: maintenance.vacuumed.slice(mark.vacuumed) },
        db: profile(),
        ...(summary ? { profile: summary } : {}),
      }
      log(
        `${label} ${phase.key}: ${seconds.toFixed(1)} s, ${Math.round(result.listingsPerSecond)} listings/s; ` +
          `fetched ${run.fetched}, created ${run.created}, updated ${run.updated}, unchanged ${run.unchanged}, quarantined ${run.quarantined}` +
          (result.problems.length ? `; PROBLEMS: ${result.problems.join('; ')}` : ''),
      )
      results.push(result)
    }
    await autovacuum.stop()
    const mode = autovacuum.mode
    autovacuum = undefined

    const rows: Record<string, number> = {}
    for (const table of ['organization', 'service', 'location', 'schedule', 'service_search', 'record_version', 'ingest_record', 'ingest_quarantine']) {
      rows[table] = (await raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n
    }
    // Each feed's listings are in the directory, each with its search document.
    const feeds = new Set(phases.map((p) => p.kind)).size
    for (const table of ['service', 'service_search']) {
      if (rows[table] !== feeds * n) results.at(-1)!.problems.push(`${rows[table]} ${table} rows after ${feeds} feed(s), not ${feeds * n}`)
    }
    const { rows: size } = await raw.query<{ bytes: number }>('SELECT pg_database_size(current_database())::float8 AS bytes')
    const usage = await feed.usage()
    return {
      label,
      autovacuum: mode,
      listings: n,
      database,
      setupSeconds: { migrate: migrateSeconds, postcodes: postcodeSeconds },
      floorMs,
      phases: results,
      rows,
      databaseBytes: size[0]!.bytes,
      feedServer: { requests: usage.requests, megabytes: usage.bytes / 2 ** 20, maxRssMb: usage.maxRssMb },
      code: codeState(),
    }
  } finally {
    await autovacuum?.stop().catch(() => {})
    await feed?.stop()
    await raw.close()
    if (!values.keep) await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`))
  }
}

// ---- The report ------------------------------------------------------------------------------

const int = (v: number) => Math.round(v).toLocaleString('en-GB')
const s1 = (v: number) => v.toFixed(1)
const pct = (part: number, whole: number) => `${Math.round((100 * part) / whole)}%`

/** The harvester's wall time, split: statements outside and inside transactions, transaction overhead, and the rest. */
function split(p: PhaseResult): { statements: number; overhead: number; rest: number } {
  const statements = p.db.statements.reduce((a, s) => a + s.ms, 0) / 1000
  const overhead = p.db.transactionOverheadMs / 1000
  return { statements, overhead, rest: p.seconds - statements - overhead }
}

function renderTables(r: Report, h: string): string {
  const lines: string[] = []
  lines.push(
    `${h} Throughput`,
    '',
    `| size | harvest | listings/s | wall | aim ≥ ${int(AIM_LISTINGS_PER_SECOND)}/s | fetched | created | updated | unchanged | quarantined | pages | peak RSS (harvester) | CPU s: harvester / feed server / PostgreSQL | load average at start |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  )
  for (const s of r.sizes) {
    for (const p of s.phases) {
      const verdict = p.problems.length ? `**counts wrong**: ${p.problems.join('; ')}` : p.listingsPerSecond >= AIM_LISTINGS_PER_SECOND ? 'pass' : '**miss**'
      lines.push(
        `| ${s.label} | ${p.label} | ${int(p.listingsPerSecond)} | ${s1(p.seconds)} s | ${verdict} | ${int(p.run.fetched)} | ${int(p.run.created)} | ${int(p.run.updated)} | ${int(p.run.unchanged)} | ${int(p.run.quarantined)} | ` +
          `${int(p.run.pages)} | ${int(p.rss.peakMb)} MB | ${s1(p.cpu.harvester)} / ${s1(p.cpu.feedServer)} / ${p.cpu.postgres === null ? '–' : s1(p.cpu.postgres)} | ${p.loadAverage.toFixed(2)} |`,
      )
    }
  }
  lines.push(
    '',
    'Every run succeeded with fetched = created + updated + unchanged + withdrawn + quarantined = N unless the aim column says otherwise. CPU seconds are over the harvest’s wall time on 2 cores (the harvester is one Node process: at most 1 CPU second per second).',
    '',
    `${h} Where the harvester’s time goes`,
    '',
    'Statements: the time the harvester waited on each statement (round trip included); transactions: checking out a connection, BEGIN and COMMIT; the rest: fetching and parsing pages, mapping and validating records, hashing, and Node itself.',
    '',
    '| size | harvest | statements | per listing | transactions (n, overhead) | rest | listings/s in each tenth of the run | ANALYZE, VACUUM meanwhile |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  )
  for (const s of r.sizes) {
    for (const p of s.phases) {
      const x = split(p)
      const calls = p.db.statements.reduce((a, st) => a + st.calls, 0)
      lines.push(
        `| ${s.label} | ${p.label} | ${s1(x.statements)} s (${pct(x.statements, p.seconds)}) | ${(calls / s.listings).toFixed(1)} statements, ${((1000 * x.statements) / s.listings).toFixed(2)} ms | ` +
          `${int(p.db.transactions)}, ${s1(x.overhead)} s (${pct(x.overhead, p.seconds)}) | ${s1(x.rest)} s (${pct(x.rest, p.seconds)}) | ${p.tenths.map((v) => int(v)).join(', ')} | ` +
          `${p.maintenance.analyzed.length}, ${p.maintenance.vacuumed.length} |`,
      )
    }
  }
  const largest = r.sizes.at(-1)
  if (largest) {
    for (const p of largest.phases) {
      lines.push('', `${h}# ${p.label}, ${largest.label}: the statements that took longest`, '', '| statement | calls | total s | ms per call | share of wall |', '| --- | --- | --- | --- | --- |')
      for (const st of p.db.statements.slice(0, 12)) {
        lines.push(`| \`${st.statement.replaceAll('|', '\\|')}\` | ${int(st.calls)} | ${s1(st.ms / 1000)} | ${(st.ms / st.calls).toFixed(3)} | ${pct(st.ms / 1000, p.seconds)} |`)
      }
      if (p.profile) {
        lines.push('', `V8 profile of the harvester (${s1(p.profile.totalMs / 1000)} s sampled):`, '', '| area | s | share |', '| --- | --- | --- |')
        for (const a of p.profile.areas) lines.push(`| ${a.area} | ${s1(a.ms / 1000)} | ${pct(a.ms, p.profile.totalMs)} |`)
        lines.push('', '| function (self time) | area | s |', '| --- | --- | --- |')
        for (const f of p.profile.functions.slice(0, 12)) lines.push(`| \`${f.fn}\` | ${f.area} | ${s1(f.ms / 1000)} |`)
      }
    }
  }
  lines.push('', `${h} Data`, '', '| size | listings per feed | organisations per feed | database after | rows after (service, search documents, versions) | feed server: requests, MB sent, peak RSS | floor: \`SELECT 1\`, one-row insert transaction (median) |', '| --- | --- | --- | --- | --- | --- | --- |')
  for (const s of r.sizes) {
    lines.push(
      `| ${s.label} | ${int(s.listings)} | ${int(Math.ceil(s.listings / 4))} | ${int(s.databaseBytes / 2 ** 20)} MB | ${int(s.rows.service!)}, ${int(s.rows.service_search!)}, ${int(s.rows.record_version!)} | ` +
        `${int(s.feedServer.requests)}, ${int(s.feedServer.megabytes)}, ${int(s.feedServer.maxRssMb)} MB | ${s.floorMs.statement.toFixed(3)} ms, ${s.floorMs.transaction.toFixed(3)} ms |`,
    )
  }
  lines.push('')
  return lines.join('\n')
}

function renderReport(r: Report): string {
  const m = r.machine
  const settings = Object.entries(r.postgres.settings).map(([k, v]) => `${k}=${v}`).join(', ')
  const codes = [...new Set(r.sizes.map((s) => `${s.code.commit}${s.code.uncommitted.length ? ` plus uncommitted ${s.code.uncommitted.join(', ')}` : ''}`))]
  return [
    `# Ingest benchmark, ${r.date}`,
    '',
    `Machine: ${m.cpus} × ${m.model}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}.`,
    `PostgreSQL: ${r.postgres.version}; ${settings}${r.pgSet.length ? `; with ALTER DATABASE SET ${r.pgSet.join(', ')}` : ''}.`,
    `Code measured: ${codes.join('; ')}.`,
    `Method: one fresh database per size; \`harvest\` (src/ingest/harvest.ts) on a pool of ${APP_POOL} as the app and \`npm run ingest\` run it, from a feed server in a child process on loopback; ` +
      `ORUK pages of ${r.orukPerPage} full records, RPDE pages of ${r.rpdePageSize} items; seed ${r.seed}. The four harvests run in order on the same database (the RPDE listings join the ORUK ones), analyzed once set up. ` +
      (r.autovacuum === 'server'
        ? 'The server’s autovacuum ran as configured.'
        : 'The server has autovacuum off: bench/ingest/autovacuum.ts analyzed and vacuumed the tables by autovacuum’s default thresholds every autovacuum_naptime meanwhile (counted in PostgreSQL’s CPU).') +
      `${r.cpuProfile ? ' With a V8 sampling profiler on the harvester (adds some overhead).' : ''}`,
    '',
    renderTables(r, '##'),
  ].join('\n')
}

const README = new URL('../README.md', import.meta.url)
const RESULTS = new URL('../results/', import.meta.url)
const START = '<!-- ingest-latest:start -->'
const END = '<!-- ingest-latest:end -->'

try {
  const sizes: SizeResult[] = []
  for (const label of labels) sizes.push(await benchSize(label))
  const facts = await serverFacts(urlFor(values.server, 'postgres'))
  // What decides the cost of a commit, besides serverFacts' planner settings.
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ name: string; setting: string }>(`SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'wal_sync_method', 'max_wal_size') ORDER BY name`)
    for (const row of rows) facts.settings[row.name] = row.setting
  })
  const report: Report = {
    date: new Date().toISOString().slice(0, 10),
    machine: machine(),
    postgres: facts,
    pgSet: pgSettings.map((s) => `${s.name}=${s.value}`),
    autovacuum: sizes[0]?.autovacuum ?? 'server',
    seed,
    rpdePageSize,
    orukPerPage: ORUK_PER_PAGE,
    cpuProfile: values['cpu-profile'],
    sizes,
  }
  const markdown = renderReport(report)
  console.log(`\n${markdown}`)
  writeFileSync(new URL(`${values.out}-${report.date}.md`, RESULTS), markdown)
  writeFileSync(new URL(`${values.out}-${report.date}.json`, RESULTS), `${JSON.stringify(report, null, 2)}\n`)
  const problems = sizes.flatMap((s) => s.phases.flatMap((p) => p.problems.map((x) => `${s.label} ${p.key}: ${x}`)))
  if (standard && problems.length === 0) {
    writeFileSync(new URL('ingest-latest.md', RESULTS), markdown)
    const readme = existsSync(README) ? readFileSync(README, 'utf8') : ''
    const a = readme.indexOf(START)
    const b = readme.indexOf(END)
    if (a >= 0 && b > a) {
      const m = report.machine
      const header = `Latest run: ${report.date}, sizes ${labels.join(', ')}, on ${m.cpus} × ${m.model}, ${m.memoryGb} GB, ${report.postgres.version} (full report: results/ingest-latest.md).`
      writeFileSync(README, `${readme.slice(0, a)}${START}\n${header}\n\n${renderTables(report, '####')}${END}${readme.slice(b + END.length)}`)
    }
  }
  log(`wrote bench/results/${values.out}-${report.date}.md${standard && problems.length === 0 ? ' and ingest-latest.md' : ''}`)
  if (problems.length > 0) {
    console.error(`ingest benchmark: the runs' counts are wrong:\n${problems.join('\n')}`)
    process.exit(1)
  }
} catch (error) {
  console.error(`ingest benchmark failed: ${(error as Error).stack}`)
  process.exit(1)
}
