import pg from 'pg'
import type { Db, QueryResult, Queryable } from './db.ts'
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
}

/** Options for a pg Pool (also passed to @fastify/postgres, which makes the pool in the app). */
export function pgPoolConfig(o: PgPoolOptions): pg.PoolConfig {
  return {
    connectionString: o.url,
    max: o.poolMax,
    // Without these, pg waits forever for a server that is down.
    connectionTimeoutMillis: o.connectTimeoutMs,
    statement_timeout: o.statementTimeoutMs,
    query_timeout: o.statementTimeoutMs + 5000,
    idleTimeoutMillis: 30_000,
    types: pgTypes,
    application_name: 'connector',
    // JIT compiles for seconds what runs in milliseconds: search's planner costs look large.
    options: '-c jit=off',
  }
}

type PgQueryable = Pick<pg.Pool | pg.PoolClient, 'query'>

function queryableOn(client: PgQueryable): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await client.query(sql, params as unknown[])
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
    },
    async exec(sql: string) {
      // With no values pg uses the simple protocol, which accepts several statements.
      await client.query(sql)
    },
  }
}

/**
 * A Db over a pg Pool. The pool must already have an 'error' listener (an idle client
 * losing its server emits one, and an unheard 'error' event ends the process).
 */
export function createPgDb(pool: pg.Pool, closePool = true): Db {
  return {
    kind: 'postgres',
    ...queryableOn(pool),
    async transaction(fn) {
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
        const result = await fn(queryableOn(client))
        await client.query('COMMIT')
        return result
      } catch (error) {
        // If the connection itself failed, ROLLBACK fails too: the client is then discarded.
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError
        })
        throw error
      } finally {
        client.release(broken)
      }
    },
    async withTryLock(key, fn) {
      const client = await pool.connect()
      try {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key])
        if (!rows[0]?.ok) return false
        try {
          await fn()
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [key])
        }
        return true
      } finally {
        client.release()
      }
    },
    async close() {
      if (closePool) await pool.end()
    },
  }
}
