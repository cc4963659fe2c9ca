import pg from 'pg'
import type { Db, Named, QueryResult, Queryable } from './db.ts'
import { TYPE_PARSERS } from './db.ts'

/** pg's type parsers with ours laid over them, per pool, leaving pg's global table alone. */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    const ours = TYPE_PARSERS[oid]
    if (ours && format !== 'binary') return ours
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text')
  },
} as pg.CustomTypesConfig

export interface PgPoolOptions {
  url: string
  poolMax: number
  connectTimeoutMs: number
  statementTimeoutMs: number
  queryTimeoutMs: number
}

/** Options for a pg Pool (also passed to @fastify/postgres, which makes the pool in the app). */
export function pgPoolConfig(o: PgPoolOptions): pg.PoolConfig {
  return {
    connectionString: o.url,
    max: o.poolMax,
    // Without these, pg waits forever for a server that is down or stalled. pg-pool applies
    // connectionTimeoutMillis both to a new connection and to waiting for a free client.
    connectionTimeoutMillis: o.connectTimeoutMs,
    statement_timeout: o.statementTimeoutMs,
    query_timeout: o.queryTimeoutMs,
    idleTimeoutMillis: 30_000,
    types: pgTypes,
    application_name: 'connector',
    // JIT compiles for seconds what runs in milliseconds: search's planner costs look large.
    options: '-c jit=off',
  }
}

/** A query's text and, optionally, its own client-side timeout (pg reads it; its types omit it). */
type QueryConfig = pg.QueryConfig & { query_timeout?: number | undefined }

/** What runs a query: the pool (a client per query) or one checked-out client. */
interface PgQueryable {
  query(config: string | QueryConfig, values?: unknown[]): Promise<pg.QueryResult>
}

function queryableOn(client: PgQueryable): Queryable {
  return {
    async query<R>(sql: string | Named, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await client.query(typeof sql === 'string' ? sql : { name: sql.name, text: sql.text }, params as unknown[])
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
    },
    async exec(sql: string) {
      // With no values pg uses the simple protocol, which accepts several statements.
      await client.query(sql)
    },
  }
}

/**
 * True when the connection is fine after this error: the server refused one statement (and
 * said so in an ERROR). After anything else (a client-side timeout with its query still
 * outstanding, a lost socket, a FATAL) the connection cannot be trusted with another query.
 */
function leavesConnectionUsable(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity === 'ERROR'
}

/** A client checked out of the pool for several queries, and whether it may go back. */
interface Held extends PgQueryable {
  /** Why the connection must be dropped rather than reused, once it must. */
  readonly broken: Error | undefined
  /** Back to the pool, or closed if broken. */
  release(): void
}

/**
 * Checks a client out. pg-pool listens for a client's 'error' only while it is idle or inside
 * pool.query, so a checked-out client whose connection dies (the server restarts, the database
 * is dropped) would emit an unheard 'error' and end the process: this listens meanwhile. A
 * client whose query failed other than by the server's ERROR is closed on release: it may
 * still be waiting for a timed-out query, which would hold up whoever used it next.
 */
async function checkOut(pool: pg.Pool): Promise<Held> {
  const client = await pool.connect()
  let broken: Error | undefined
  const onError = (error: Error) => {
    broken ??= error
  }
  client.on('error', onError)
  return {
    get broken() {
      return broken
    },
    async query(config, values) {
      try {
        return await client.query(config, values)
      } catch (error) {
        if (!leavesConnectionUsable(error)) broken ??= error instanceof Error ? error : new Error(String(error))
        throw error
      }
    },
    release() {
      client.removeListener('error', onError)
      client.release(broken)
    },
  }
}

/**
 * A Db over a pg Pool. The pool must already have an 'error' listener (an idle client
 * losing its server emits one, and an unheard 'error' event ends the process).
 */
export function createPgDb(pool: pg.Pool, closePool = true): Db {
  // A live server rolls back at once; this only bounds one that stopped answering just now.
  const rollbackTimeoutMs = pool.options.connectionTimeoutMillis || undefined
  return {
    kind: 'postgres',
    ...queryableOn(pool),
    async transaction(fn) {
      const held = await checkOut(pool)
      try {
        await held.query('BEGIN')
        const result = await fn(queryableOn(held))
        await held.query('COMMIT')
        return result
      } catch (error) {
        // A broken connection is closed instead: waiting for its ROLLBACK could cost another
        // full query timeout, and the server rolls back a transaction whose connection goes.
        if (!held.broken) {
          await held.query({ text: 'ROLLBACK', query_timeout: rollbackTimeoutMs }).catch(() => {
            // the failure marked the client broken: it is closed, which rolls back too
          })
        }
        throw error
      } finally {
        held.release()
      }
    },
    async withTryLock(key, fn) {
      const held = await checkOut(pool)
      try {
        const { rows } = await held.query('SELECT pg_try_advisory_lock($1) AS ok', [key])
        if (!rows[0]?.ok) return false
        try {
          await fn()
        } finally {
          // On a broken connection the lock goes with the session when the client is closed.
          if (!held.broken) await held.query('SELECT pg_advisory_unlock($1)', [key])
        }
        return true
      } finally {
        held.release()
      }
    },
    async close() {
      if (closePool) await pool.end()
    },
  }
}
