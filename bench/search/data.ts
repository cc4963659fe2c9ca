/**
 * Makes (or reuses) a PostgreSQL database holding the benchmark directory of one size:
 * `CREATE DATABASE`, the app's migrations and shipped postcodes, then the generated services
 * in batches, then VACUUM ANALYZE.
 *
 * Each batch sends column arrays (`unnest($1::int[], $2::text[], ...)`) and derives ids on the
 * server (from `md5(seed:table:index)`), so rows never travel as JSON objects. A batch runs
 * with triggers off (`session_replication_role = replica`: no per-row foreign-key checks, and
 * the statement triggers would build each search document twice, once before its taxonomy
 * links exist), then calls the schema's own `refresh_service_search` and
 * `refresh_search_entries` once for its services, which is exactly what the triggers do. Two
 * batches load at once (one per core); afterwards every foreign key, search document and
 * read-model row is checked, so skipping the row checks cannot hide a broken reference.
 */
import { createHash } from 'node:crypto'
import pg from 'pg'
import { QUERY_TIMEOUT_MARGIN_MS } from '../../src/config.ts'
import { ACCESSIBILITY_FEATURES } from '../../src/directory/vocabulary.ts'
import { TEMPLATES } from '../../src/demo/templates.ts'
import type { Db, Queryable } from '../../src/db/db.ts'
import { migrate, MigrationError, pendingMigrations } from '../../src/db/migrate.ts'
import { openDb } from '../../src/db/open.ts'
import { loadShippedPostcodesIfEmpty } from '../../src/geo/import.ts'
import { generateDirectory, type Batch } from './generate.ts'

/** Bump when generate.ts changes what it makes, so old databases are rebuilt. */
const GENERATOR_VERSION = 3
export const DEFAULT_SEED = 20261121
export const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432'

export const SIZES: Readonly<Record<string, number>> = { '10k': 10_000, '100k': 100_000, '1m': 1_000_000 }

export function parseSize(label: string): number {
  const n = SIZES[label.toLowerCase()]
  if (n === undefined) throw new Error(`Unknown size "${label}": use one of ${Object.keys(SIZES).join(', ')}`)
  return n
}

export function databaseName(label: string): string {
  return `connector_bench_${label.toLowerCase()}`
}

/** What the database comment records about the data in it (read back to decide on reuse). */
export interface DataStamp {
  generator: string
  seed: number
  services: number
  loadedAt: string
  /** Seconds per step of the load that made this database (table steps summed over concurrent batches); `total` is wall time. */
  seconds: Record<string, number>
  rows: Record<string, number>
  databaseBytes: number
}

export interface EnsureOptions {
  label: string
  seed?: number
  server?: string
  fresh?: boolean
  batchSize?: number
  log?: (line: string) => void
}

export interface EnsuredData {
  url: string
  reused: boolean
  stamp: DataStamp
}

function signature(seed: number, services: number): string {
  const templates = createHash('sha256').update(JSON.stringify(TEMPLATES)).digest('hex').slice(0, 12)
  return `v${GENERATOR_VERSION}:${templates}:${seed}:${services}`
}

export function urlFor(server: string, database: string): string {
  const u = new URL(server)
  u.pathname = `/${database}`
  return u.toString()
}

async function withAdmin<T>(server: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlFor(server, 'postgres') })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function readStamp(server: string, database: string): Promise<DataStamp | undefined> {
  return withAdmin(server, async (c) => {
    const { rows } = await c.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [database],
    )
    const comment = rows[0]?.comment
    if (!comment) return undefined
    try {
      return JSON.parse(comment) as DataStamp
    } catch {
      return undefined // a comment we did not write: treat the database as not ours to reuse
    }
  })
}

/** Returns a database with the directory of the asked-for size, building it if needed. */
export async function ensureSearchData(opts: EnsureOptions): Promise<EnsuredData> {
  const seed = opts.seed ?? DEFAULT_SEED
  const server = opts.server ?? DEFAULT_SERVER
  const services = parseSize(opts.label)
  const database = databaseName(opts.label)
  const url = urlFor(server, database)
  const log = opts.log ?? ((line: string) => console.log(line))
  const wanted = signature(seed, services)

  if (!opts.fresh) {
    const stamp = await readStamp(server, database)
    if (stamp?.generator === wanted) {
      const db = await openDb({ kind: 'postgres', url, poolMax: 2, connectTimeoutMs: 5000, statementTimeoutMs: 600_000, queryTimeoutMs: 600_000 + QUERY_TIMEOUT_MARGIN_MS })
      try {
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM service')
        // A migration edited after this database was built (while it is being written) makes
        // the app refuse to start: the data is cheaper to rebuild than the schema to repair.
        const schemaProblem = await pendingMigrations(db).then(
          () => undefined,
          (error: unknown) => (error instanceof MigrationError ? error.message : Promise.reject(error)),
        )
        if (schemaProblem) log(`${database}: ${schemaProblem} Rebuilding.`)
        else if (rows[0]?.n === services) {
          await migrate(db) // the app would too; done here so a new migration's cost is not timed
          log(`${database}: reusing ${services} services (loaded ${stamp.loadedAt})`)
          return { url, reused: true, stamp }
        }
      } finally {
        await db.close()
      }
    }
  }

  log(`${database}: building ${services} services (seed ${seed})`)
  await withAdmin(server, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await c.query(`CREATE DATABASE ${database}`)
  })
  const db = await openDb({ kind: 'postgres', url, poolMax: 2, connectTimeoutMs: 5000, statementTimeoutMs: 3_600_000, queryTimeoutMs: 3_600_000 + QUERY_TIMEOUT_MARGIN_MS })
  const seconds: Record<string, number> = {}
  const began = performance.now()
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now()
    try {
      return await fn()
    } finally {
      seconds[step] = (seconds[step] ?? 0) + (performance.now() - t0) / 1000
    }
  }
  try {
    await timed('migrate', () => migrate(db))
    await timed('postcodes', () => loadShippedPostcodesIfEmpty(db))
    const loadedAt = new Date()
    const batchSize = opts.batchSize ?? 20_000
    let done = 0
    const start = performance.now()
    const loadOne = async (batch: Batch) => {
      await inTransactionRetryingDeadlock(db, (tx) => insertBatch(tx, batch, String(seed), loadedAt, seconds))
      done += batch.service.idx.length
      const elapsed = (performance.now() - start) / 1000
      log(`  ${done}/${services} services, ${elapsed.toFixed(0)} s (${Math.round(done / elapsed)}/s)`)
    }
    await timed('load', async () => {
      const batches = timedGenerator(generateDirectory({ seed, size: services, batchSize }), seconds)
      // The first batch alone fills most of the search vocabulary, so the concurrent ones
      // rarely insert the same new word (which makes one wait for the other).
      const first = batches.next()
      if (!first.done) await loadOne(first.value)
      await inParallel(batches, LOAD_CONCURRENCY, loadOne)
    })
    await timed('check', () => checkIntegrity(db, services))
    await timed('vacuum_analyze', () => db.exec('VACUUM ANALYZE'))
    const rows = await countRows(db)
    const { rows: size } = await db.query<{ bytes: number }>('SELECT pg_database_size(current_database())::float8 AS bytes')
    const stamp: DataStamp = {
      generator: wanted,
      seed,
      services,
      loadedAt: loadedAt.toISOString(),
      seconds: Object.fromEntries(
        Object.entries({ ...seconds, total: (performance.now() - began) / 1000 }).map(([k, v]) => [k, Math.round(v * 10) / 10]),
      ),
      rows,
      databaseBytes: size[0]!.bytes,
    }
    await withAdmin(server, (c) => c.query(`COMMENT ON DATABASE ${database} IS ${pg.escapeLiteral(JSON.stringify(stamp))}`))
    log(`${database}: built in ${stamp.seconds.total} s; seconds per step (summed over concurrent batches): ${JSON.stringify(stamp.seconds)}`)
    return { url, reused: false, stamp }
  } finally {
    await db.close()
  }
}

const LOAD_CONCURRENCY = 2

/** Runs fn over the items, at most `limit` at a time; the first failure stops the rest. */
async function inParallel<T>(items: Iterator<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let failed: unknown
  const worker = async () => {
    for (let next = items.next(); !next.done && failed === undefined; next = items.next()) {
      try {
        await fn(next.value)
      } catch (error) {
        failed ??= error
      }
    }
  }
  await Promise.all(Array.from({ length: limit }, worker))
  if (failed !== undefined) throw failed
}

async function inTransactionRetryingDeadlock(db: Db, fn: (tx: Queryable) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        // Durability of a throw-away benchmark database does not matter; see the module comment for the triggers.
        await tx.query('SET LOCAL synchronous_commit = off')
        await tx.query('SET LOCAL session_replication_role = replica')
        await fn(tx)
      })
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt === 3) throw error
    }
  }
}

/** Every reference resolves, and every service has its search document and every venue its read-model row: what the skipped checks and triggers would have enforced. */
async function checkIntegrity(db: Queryable, services: number): Promise<void> {
  const references: [string, string, string][] = [
    ['service', 'organization_id', 'organization'],
    ['address', 'location_id', 'location'],
    ['accessibility', 'location_id', 'location'],
    ['service_at_location', 'service_id', 'service'],
    ['service_at_location', 'location_id', 'location'],
    ['schedule', 'service_at_location_id', 'service_at_location'],
    ['cost_option', 'service_id', 'service'],
    ['service_taxonomy_term', 'service_id', 'service'],
    ['service_search', 'service_id', 'service'],
    ['search_entry', 'sal_id', 'service_at_location'],
  ]
  for (const [child, column, parent] of references) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${child} c WHERE NOT EXISTS (SELECT 1 FROM ${parent} p WHERE p.id = c.${column})`,
    )
    if (rows[0]!.n > 0) throw new Error(`${rows[0]!.n} ${child} rows name a missing ${parent}`)
  }
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM service_search')
  if (rows[0]!.n !== services) throw new Error(`${rows[0]!.n} search documents for ${services} services`)
  const { rows: entries } = await db.query<{ missing: number }>(
    `SELECT count(*)::int AS missing FROM service_at_location sal JOIN service s ON s.id = sal.service_id
      WHERE s.status = 'active' AND NOT EXISTS (SELECT 1 FROM search_entry e WHERE e.sal_id = sal.id)`,
  )
  if (entries[0]!.missing > 0) throw new Error(`${entries[0]!.missing} venues of active listings have no row in the search read model`)
}

function* timedGenerator(gen: Generator<Batch>, seconds: Record<string, number>): Generator<Batch> {
  for (;;) {
    const t0 = performance.now()
    const next = gen.next()
    seconds.generate = (seconds.generate ?? 0) + (performance.now() - t0) / 1000
    if (next.done) return
    yield next.value
  }
}

const TABLES = ['organization', 'location', 'address', 'accessibility', 'service', 'service_at_location', 'schedule', 'cost_option', 'service_taxonomy_term', 'service_search', 'search_word'] as const

async function countRows(db: Queryable): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const t of TABLES) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)
    out[t] = rows[0]!.n
  }
  return out
}

/**
 * A deterministic id: the same seed and index give the same uuid on every load. The md5 is
 * shaped as a version 4 uuid (version nibble 4, variant 8-b), as the API's schemas require.
 */
export const id = (kind: string, index: string) => {
  const h = `md5($1 || ':${kind}:' || ${index})`
  return `overlay(overlay(${h} PLACING '4' FROM 13) PLACING substr('89ab', ('x' || substr(${h}, 17, 1))::bit(4)::int % 4 + 1, 1) FROM 17)::uuid`
}

async function insertBatch(tx: Queryable, b: Batch, seed: string, loadedAt: Date, seconds: Record<string, number>): Promise<void> {
  const step = async (name: string, sql: string, params: unknown[]) => {
    const t0 = performance.now()
    await tx.query(sql, [seed, ...params])
    seconds[name] = (seconds[name] ?? 0) + (performance.now() - t0) / 1000
  }
  const O = b.organization
  if (O.idx.length > 0) {
    await step(
      'organization',
      `INSERT INTO organization (id, name, description)
       SELECT ${id('org', 'u.i')}, u.name, u.description FROM unnest($2::int[], $3::text[], $4::text[]) AS u (i, name, description)`,
      [O.idx, O.name, O.description],
    )
  }
  const L = b.location
  await step(
    'location',
    `INSERT INTO location (id, name, latitude, longitude)
     SELECT ${id('loc', 'u.i')}, u.name, u.lat, u.lon FROM unnest($2::int[], $3::text[], $4::float8[], $5::float8[]) AS u (i, name, lat, lon)`,
    [L.idx, L.name, L.latitude, L.longitude],
  )
  await step(
    'address',
    `INSERT INTO address (id, location_id, address_1, city, state_province, postal_code)
     SELECT ${id('adr', 'u.i')}, ${id('loc', 'u.i')}, u.a1, u.city, 'England', u.pc
       FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS u (i, a1, city, pc)`,
    [L.idx, L.address1, L.city, L.postcode],
  )
  await step(
    'accessibility',
    `INSERT INTO accessibility (id, location_id, feature)
     SELECT ${id('acc', "u.i || ':' || f.n")}, ${id('loc', 'u.i')}, f.feature
       FROM unnest($2::int[], $3::int[]) AS u (i, mask)
       JOIN unnest($4::text[]) WITH ORDINALITY AS f (feature, n) ON (u.mask >> (f.n::int - 1)) & 1 = 1`,
    [L.idx, L.accessMask, ACCESSIBILITY_FEATURES],
  )
  const S = b.service
  await step(
    'service',
    `INSERT INTO service (id, organization_id, name, description, status, fees, delivery_modes, group_size, typical_attendance,
                          minimum_age, maximum_age, gender_restriction, audiences, physical_intensity, self_referral,
                          referral_capacity, verified_at)
     SELECT ${id('svc', 'u.i')}, ${id('org', 'u.org')}, u.name, u.description, u.status, u.fees, string_to_array(u.modes, ','),
            u.group_size, u.attendance, u.min_age, u.max_age, u.gender, string_to_array(u.audiences, ','), u.intensity,
            u.self_referral, u.capacity, $19::timestamptz - u.days * interval '1 day'
       FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[],
                   $11::int[], $12::int[], $13::text[], $14::text[], $15::text[], $16::bool[], $17::text[], $18::float8[])
         AS u (i, org, name, description, status, fees, modes, group_size, attendance, min_age, max_age, gender, audiences,
               intensity, self_referral, capacity, days)`,
    [
      S.idx, S.orgIdx, S.name, S.description, S.status, S.fees, S.deliveryModes, S.groupSize, S.typicalAttendance,
      S.minimumAge, S.maximumAge, S.genderRestriction, S.audiences, S.physicalIntensity, S.selfReferral,
      S.referralCapacity, S.verifiedDaysAgo, loadedAt.toISOString(),
    ],
  )
  await step(
    'service_at_location',
    `INSERT INTO service_at_location (id, service_id, location_id)
     SELECT ${id('sal', 'u.i')}, ${id('svc', 'u.i')}, ${id('loc', 'u.i')} FROM unnest($2::int[]) AS u (i)`,
    [S.idx],
  )
  const C = b.schedule
  await step(
    'schedule',
    `INSERT INTO schedule (id, service_at_location_id, kind, byday, week_of_month, on_date, opens_at, closes_at, description)
     SELECT ${id('sch', 'u.i')}, ${id('sal', 'u.i')}, u.kind, string_to_array(u.byday, ','), u.wom,
            ($10::timestamptz AT TIME ZONE 'Europe/London')::date + u.in_days, u.opens::time, u.closes::time, u.description
       FROM unnest($2::int[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[])
         AS u (i, kind, byday, wom, in_days, opens, closes, description)`,
    [C.serviceIdx, C.kind, C.byday, C.weekOfMonth, C.onDateInDays, C.opensAt, C.closesAt, C.description, loadedAt.toISOString()],
  )
  const P = b.cost
  if (P.serviceIdx.length > 0) {
    await step(
      'cost_option',
      `INSERT INTO cost_option (id, service_id, option, amount, amount_description)
       SELECT ${id('cost', 'u.i')}, ${id('svc', 'u.i')}, u.option, u.amount, u.description
         FROM unnest($2::int[], $3::text[], $4::numeric[], $5::text[]) AS u (i, option, amount, description)`,
      [P.serviceIdx, P.option, P.amount, P.description],
    )
  }
  const T = b.term
  await step(
    'service_taxonomy_term',
    `INSERT INTO service_taxonomy_term (id, service_id, taxonomy_term_id)
     SELECT ${id('stt', "u.i || ':' || u.code")}, ${id('svc', 'u.i')}, t.id
       FROM unnest($2::int[], $3::text[]) AS u (i, code) JOIN taxonomy_term t ON t.code = u.code`,
    [T.serviceIdx, T.code],
  )
  await step(
    'refresh_service_search',
    `SELECT refresh_service_search(ARRAY(SELECT ${id('svc', 'u.i')} FROM unnest($2::int[]) AS u (i)))`,
    [S.idx],
  )
  await step(
    'refresh_search_entries',
    `SELECT refresh_search_entries(ARRAY(SELECT ${id('svc', 'u.i')} FROM unnest($2::int[]) AS u (i)))`,
    [S.idx],
  )
}

/** For the report: the PostgreSQL server's version and the settings that shape query plans. */
export async function serverFacts(url: string): Promise<{ version: string; settings: Record<string, string> }> {
  const db = await openDb({ kind: 'postgres', url, poolMax: 1, connectTimeoutMs: 5000, statementTimeoutMs: 10_000, queryTimeoutMs: 10_000 + QUERY_TIMEOUT_MARGIN_MS })
  try {
    const { rows: v } = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")
    const { rows } = await db.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings
        WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit', 'max_parallel_workers_per_gather')
        ORDER BY name`,
    )
    const { rows: postgis } = await db.query<{ v: string }>("SELECT extversion AS v FROM pg_extension WHERE extname = 'postgis'")
    const settings = Object.fromEntries(rows.map((r) => [r.name, humanSetting(r.setting, r.unit)]))
    if (postgis[0]) settings.postgis = postgis[0].v
    return { version: v[0]!.v, settings }
  } finally {
    await db.close()
  }
}

function humanSetting(setting: string, unit: string | null): string {
  const n = Number(setting)
  if (unit === '8kB') return `${(n * 8) / 1024} MB`
  if (unit === 'kB') return n >= 1024 ? `${n / 1024} MB` : `${n} kB`
  return setting
}
