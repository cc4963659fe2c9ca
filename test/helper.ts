// Test helpers: every test file gets its own real database, ready-made by test/setup/prepare.ts:
// PGlite loaded from a snapshot, or (when DATABASE_URL is set) a PostgreSQL database cloned
// from a template. Nothing is mocked.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildApp, type AppDeps } from '../src/app.ts'
import type { Config } from '../src/config.ts'
import type { Db } from '../src/db/db.ts'
import { openDb } from '../src/db/open.ts'
import { createPgliteDb } from '../src/db/pglite.ts'

/** The clock every test (and the demo snapshot) agrees on. */
export const FIXED_NOW = new Date('2026-11-01T10:00:00Z')

export const DATABASE_URL = process.env.DATABASE_URL || undefined
export const usingPostgres = DATABASE_URL !== undefined

export const SNAPSHOT_DIR = fileURLToPath(new URL('../.tap/db/', import.meta.url))
export const DEMO_SNAPSHOT = `${SNAPSHOT_DIR}pglite-demo.tar.gz`
export const BASE_SNAPSHOT = `${SNAPSHOT_DIR}pglite-base.tar.gz`

/**
 * The PostgreSQL template databases prepare.ts fills: 'base' migrated with the shipped postcodes
 * and boundaries (an empty directory, as a new service starts), 'demo' with the demo directory too.
 */
export function templateName(url: string, kind: 'base' | 'demo'): string {
  return `${new URL(url).pathname.slice(1)}_tpl_${kind}`
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** Runs fn with a client on the DATABASE_URL database (to create and drop others). */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

interface Teardown {
  teardown(fn: () => unknown): void
}

export interface TestDatabase {
  db: Db
  /** The connection string (PostgreSQL only). */
  url?: string
}

/**
 * A database of this test's own. `demo: true` holds the migrated Croydon demo directory made
 * with FIXED_NOW; `demo: 'empty'` an empty directory as a new service starts (schema, postcodes
 * and boundaries); `demo: false` nothing at all, not even the schema.
 */
export async function testDatabase(t: Teardown, { demo }: { demo: boolean | 'empty' }): Promise<TestDatabase> {
  const kind = demo === true ? 'demo' : demo === 'empty' ? 'base' : undefined
  if (!DATABASE_URL) {
    const snapshot = kind === 'demo' ? DEMO_SNAPSHOT : kind === 'base' ? BASE_SNAPSHOT : undefined
    const db = snapshot
      ? await createPgliteDb({ loadDataDir: new Blob([readFileSync(snapshot)], { type: 'application/x-gzip' }) })
      : await createPgliteDb()
    t.teardown(() => db.close())
    return { db }
  }
  const name = `${new URL(DATABASE_URL).pathname.slice(1)}_t${randomBytes(5).toString('hex')}`
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}${kind ? ` TEMPLATE ${templateName(DATABASE_URL, kind)}` : ''}`))
  const url = withDatabaseName(DATABASE_URL, name)
  const db = await openDb(pgDatabase(url))
  t.teardown(async () => {
    await db.close()
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  })
  return { db, url }
}

export type PgDatabaseConfig = Extract<Config['database'], { kind: 'postgres' }>

/** A PostgreSQL database of the tests': a small pool and generous bounds, unless told otherwise. */
export function pgDatabase(url: string, options: Partial<Omit<PgDatabaseConfig, 'kind' | 'url'>> = {}): PgDatabaseConfig {
  return { kind: 'postgres', url, poolMax: 4, connectTimeoutMs: 2000, statementTimeoutMs: 20_000, queryTimeoutMs: 22_000, ...options }
}

export function testConfig(database: Config['database'], overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    prettyLogs: false,
    database,
    demoData: { enabled: false, seed: undefined },
    meili: undefined,
    trustProxy: false,
    scheduler: false,
    secureCookies: false,
    publicUrl: 'http://connector.test',
    mail: { smtpUrl: undefined, from: 'Connector <no-reply@connector.test>' },
    map: { tilesUrl: null, attribution: '' },
    ...overrides,
  }
}

/** The whole app over a fresh copy of the demo directory (or an empty one), clock fixed. */
export async function buildTestApp(
  t: Teardown,
  options: { demo?: boolean | 'empty'; deps?: AppDeps; config?: Partial<Config> } = {},
): Promise<FastifyInstance> {
  const { db } = await testDatabase(t, { demo: options.demo ?? true })
  const app = await buildApp(testConfig({ kind: 'pglite', dataDir: 'unused' }, options.config), {
    db,
    now: () => FIXED_NOW,
    ...options.deps,
  })
  t.teardown(() => app.close())
  await app.ready()
  return app
}
