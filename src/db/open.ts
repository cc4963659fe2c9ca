import pg from 'pg'
import type { Config } from '../config.ts'
import type { Db } from './db.ts'
import { createPgDb, pgPoolConfig } from './pg.ts'
import { createPgliteDb } from './pglite.ts'

/**
 * Opens the configured database outside the web app (scripts, test set-up). The app itself
 * gets its pool from @fastify/postgres; see plugins/db.ts.
 */
export async function openDb(database: Config['database'], onPoolError?: (error: Error) => void): Promise<Db> {
  if (database.kind === 'pglite') return createPgliteDb({ dataDir: database.dataDir })
  const pool = new pg.Pool(pgPoolConfig(database))
  pool.on('error', onPoolError ?? ((error) => console.warn(`database connection lost: ${error.message}`)))
  return createPgDb(pool)
}
