// The database failing under a running app, on real PostgreSQL servers of this test's own:
// paused (SIGSTOP, as a hung host), too slow (a lock held past the statement timeout), its
// database dropped, out of connections, or losing a connection mid-transaction. Each request
// must get a 503 problem within the configured bounds, never a 500 or a hang, and the service
// must recover by itself.
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { RETRY_AFTER_SECONDS } from '../../src/problem.ts'
import { isDatabaseUnavailable } from '../../src/db/errors.ts'
import { openDb } from '../../src/db/open.ts'
import { pgDatabase, testConfig } from '../helper.ts'
import { canRunOwnServer, NO_OWN_SERVER, ownServer, poll, type OwnServer } from '../pg-server.ts'

/** Small bounds, so that an outage shows within seconds. */
const BOUNDS = { connectTimeoutMs: 1000, statementTimeoutMs: 1000, queryTimeoutMs: 1500 }
/**
 * The longest a request may take while the database fails: waiting for a client (connect
 * timeout), then one query (query timeout), and a generous margin for a busy machine. This
 * bounds liveness (a 503 comes, and soon), it does not measure speed.
 */
const BOUND_MS = BOUNDS.connectTimeoutMs + BOUNDS.queryTimeoutMs + 5000

const ROUTES = ['/ready', '/api/taxonomy/terms', '/api/services', '/api/search?postcode=CR0%201NX']

/**
 * A database with the schema, postcodes and boundaries, made by starting the app once with
 * the tests' generous bounds (the small ones are for the outage, not for set-up on a busy
 * machine), kept as a template for each test's database.
 */
async function baseTemplate(server: OwnServer): Promise<string> {
  const app = await buildApp(testConfig(pgDatabase(await server.createDatabase('connector_base'))))
  await app.ready()
  await app.close()
  return 'connector_base'
}

/** A new database, a copy of the template; its URL. */
async function copyOf(server: OwnServer, template: string, name: string): Promise<string> {
  await server.withClient((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`))
  return server.url(name)
}

/** The app on a new copy of the template, with the small bounds, closed at teardown. */
async function appOn(t: Test, server: OwnServer, template: string, name: string): Promise<FastifyInstance> {
  const app = await buildApp(testConfig(pgDatabase(await copyOf(server, template, name), BOUNDS)))
  t.teardown(() => app.close())
  await app.ready()
  return app
}

interface Timed {
  url: string
  status: number
  ms: number
  body: { type?: string; status?: number }
  retryAfter: unknown
}

async function timedGet(app: FastifyInstance, url: string): Promise<Timed> {
  const started = performance.now()
  const res = await app.inject({ url })
  return { url, status: res.statusCode, ms: performance.now() - started, body: res.json(), retryAfter: res.headers['retry-after'] }
}

/** Each answer a 503 problem, within BOUND_MS. */
function expectUnavailable(t: Test, answers: Timed[], when: string): void {
  for (const a of answers) {
    t.equal(a.status, 503, `GET ${a.url} → 503 ${when}`)
    t.match(a.body, { type: /problems\/unavailable$/, status: 503 }, `GET ${a.url}: a problem+json body`)
    t.equal(a.retryAfter, String(RETRY_AFTER_SECONDS), `GET ${a.url}: Retry-After`)
    t.ok(a.ms < BOUND_MS, `GET ${a.url} answered in ${Math.round(a.ms)} ms, within ${BOUND_MS} ms`)
  }
}

async function expectServed(t: Test, app: FastifyInstance, when: string): Promise<void> {
  const ready = await poll(async () => (await app.inject({ url: '/ready' })).statusCode === 200, 60)
  t.ok(ready, `GET /ready → 200 ${when}`)
  t.equal((await app.inject({ url: '/api/taxonomy/terms' })).json().length, 20, `GET /api/taxonomy/terms served ${when}`)
  const search = await app.inject({ url: '/api/search?postcode=CR0%201NX' })
  t.equal(search.statusCode, 200, `GET /api/search?postcode=CR0 1NX served ${when}`)
}

if (!canRunOwnServer) {
  t.comment(NO_OWN_SERVER)
  t.pass('skipped without a PostgreSQL server of its own')
} else {
  t.test('one server, failing in turn', async (t) => {
    const server = await ownServer(t)
    const template = await baseTemplate(server)

    t.test('GET /ready, /api/taxonomy/terms, /api/services, /api/search → 503 within the bounds when PostgreSQL is paused (SIGSTOP) past its timeouts, 200 after SIGCONT', async (t) => {
      const app = await appOn(t, server, template, 'connector_paused')
      await expectServed(t, app, 'before the pause')

      const one: Timed[] = []
      let burst: Timed[] = []
      server.pause()
      try {
        // One at a time (the first on a pooled connection that stops answering, the rest on
        // new ones that never finish connecting), then more at once than the pool holds (some
        // wait for a client that never comes free).
        for (const url of ROUTES) one.push(await timedGet(app, url))
        burst = await Promise.all([...ROUTES, ...ROUTES].map((url) => timedGet(app, url)))
        t.equal((await app.inject({ url: '/health' })).statusCode, 200, 'GET /health → 200: the process itself is up')
      } finally {
        server.resume()
      }
      expectUnavailable(t, one, 'while the database is paused')
      expectUnavailable(t, burst, 'while the database is paused, with the pool full')
      await expectServed(t, app, 'once the database resumes')
    })

    t.test('GET /api/taxonomy/terms → 503 when a lock holds its statement past the statement timeout, 200 once released', async (t) => {
      const app = await appOn(t, server, template, 'connector_locked')
      await server.withClient(async (c) => {
        await c.query('BEGIN')
        await c.query('LOCK TABLE taxonomy_term IN ACCESS EXCLUSIVE MODE')
        const answer = await timedGet(app, '/api/taxonomy/terms')
        await c.query('COMMIT')
        expectUnavailable(t, [answer], 'while the table is locked (statement timeout, 57014)')
      }, 'connector_locked')
      t.equal((await app.inject({ url: '/api/taxonomy/terms' })).json().length, 20, 'served again on the same pool')
    })

    t.test('GET /ready, /api/taxonomy/terms, /api/services and the search page → 503 when the app\'s database is dropped', async (t) => {
      const app = await appOn(t, server, template, 'connector_dropped')
      await expectServed(t, app, 'before the drop')
      await server.withClient((c) => c.query('DROP DATABASE connector_dropped WITH (FORCE)'))
      const answers: Timed[] = []
      for (const url of ROUTES.slice(0, 3)) answers.push(await timedGet(app, url))
      expectUnavailable(t, answers, 'with the database dropped')
      const page = await app.inject({ url: '/search?postcode=CR0%201NX', headers: { accept: 'text/html' } })
      t.equal(page.statusCode, 503, 'GET /search (a web page) → 503 with the database dropped')
      t.match(page.body, /Service unavailable/, 'a page saying so')
      t.equal(page.headers['retry-after'], String(RETRY_AFTER_SECONDS), 'with Retry-After')
      t.equal((await app.inject({ url: '/health' })).statusCode, 200, 'GET /health → 200: the process itself is up')
    })

    t.test('Db.transaction: a connection terminated mid-transaction rejects with a 503 error, and the process lives on', async (t) => {
      const db = await openDb(pgDatabase(await copyOf(server, template, 'connector_terminated'), BOUNDS), () => {})
      t.teardown(() => db.close())
      const failed = await db
        .transaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
          await server.withClient((c) => c.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]))
          // Between two queries: no query is there to receive the error, only the client.
          await new Promise((r) => setTimeout(r, 200))
          await tx.query('SELECT 1')
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        )
      t.ok(isDatabaseUnavailable(failed), `rejected with ${(failed as Error)?.message}, a 503 error`)
      t.same((await db.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'the next query gets a new connection')
    })

    t.test('Db.transaction: a query timing out on a paused server fails after one query timeout, its client dropped rather than rolled back', async (t) => {
      const queryTimeoutMs = 3000
      const db = await openDb(pgDatabase(await copyOf(server, template, 'connector_tx_paused'), { ...BOUNDS, queryTimeoutMs }), () => {})
      t.teardown(() => db.close())
      let started = 0
      const failed = await db
        .transaction(async (tx) => {
          await tx.query('SELECT 1')
          server.pause()
          started = performance.now()
          await tx.query('SELECT 1')
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        )
        .finally(() => server.resume())
      const ms = performance.now() - started
      t.match((failed as Error)?.message, /Query read timeout/, 'rejected by the client-side query timeout')
      t.ok(isDatabaseUnavailable(failed), 'a 503 error')
      // A ROLLBACK on the same connection would wait behind the timed-out query for a second timeout.
      t.ok(ms < queryTimeoutMs * 1.5, `failed after ${Math.round(ms)} ms: one query timeout (${queryTimeoutMs} ms), not two`)
      t.same((await db.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'served again after the resume')
    })
  })

  t.test('GET /ready and /api/taxonomy/terms → 503 when PostgreSQL is out of connections, 200 once they are freed', async (t) => {
    const server = await ownServer(t, { settings: ['max_connections=3', 'superuser_reserved_connections=0'] })
    const template = await baseTemplate(server)
    const app = await appOn(t, server, template, 'connector_full')
    await expectServed(t, app, 'before the server fills up')

    // Other clients take every connection: first the app's idle ones are ended, then the
    // free slots filled until the server refuses.
    const fillers: pg.Client[] = []
    t.teardown(() => Promise.all(fillers.map((c) => c.end())))
    const connect = async () => {
      const client = new pg.Client({ connectionString: server.url() })
      await client.connect()
      fillers.push(client)
    }
    await connect()
    await fillers[0]!.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'connector'`)
    t.ok(await poll(async () => app.pg.pool.totalCount === 0, 40), "the app's pool has let its ended connections go")
    let refusal: unknown
    while (refusal === undefined && fillers.length < 10) await connect().catch((error: unknown) => (refusal = error))
    t.match(refusal, { code: '53300' }, 'the server refuses one more connection: too many clients')

    const answers: Timed[] = []
    for (const url of ['/ready', '/api/taxonomy/terms']) answers.push(await timedGet(app, url))
    expectUnavailable(t, answers, 'with every connection taken')

    await Promise.all(fillers.splice(0).map((c) => c.end()))
    await expectServed(t, app, 'once connections are free')
  })
}
