import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { postgis } from '@electric-sql/pglite-postgis'
import lockfile from 'proper-lockfile'
import type { Db, QueryResult, Queryable } from './db.ts'
import { TYPE_PARSERS } from './db.ts'

export class DataDirLocked extends Error {
  constructor(dir: string) {
    super(
      `The embedded database in ${dir} is already open in another process. ` +
        'Stop that process, or set DATA_DIR to another folder.',
    )
    this.name = 'DataDirLocked'
  }
}

export interface PgliteOptions {
  /** A folder to persist to; omitted means in memory. */
  dataDir?: string
  /** A tarball made by `dumpDataDir`, to start from a ready-made database (tests). */
  loadDataDir?: Blob
}

/**
 * The embedded PostgreSQL (PGlite with PostGIS and pg_trgm). A persisted data directory is
 * locked for the life of the Db: two processes writing one directory lose data silently.
 */
export async function createPgliteDb(options: PgliteOptions = {}): Promise<Db & { pglite: PGlite }> {
  let release: (() => Promise<void>) | undefined
  if (options.dataDir) {
    const dir = resolve(options.dataDir)
    mkdirSync(dir, { recursive: true })
    try {
      release = await lockfile.lock(dir, { lockfilePath: `${dir}.lock`, stale: 15_000, update: 5_000, retries: 0 })
    } catch (error) {
      if ((error as { code?: string }).code === 'ELOCKED') throw new DataDirLocked(dir)
      throw error
    }
  }
  let pglite: PGlite
  try {
    pglite = await PGlite.create({
      dataDir: options.dataDir ? resolve(options.dataDir) : undefined,
      loadDataDir: options.loadDataDir,
      extensions: { postgis, pg_trgm },
      parsers: TYPE_PARSERS,
    })
  } catch (error) {
    await release?.()
    throw error
  }
  const queryableOn = (target: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await target.query<R>(sql, params as unknown[])
      // PGlite reports the command tag's count as rowCount, as pg does (rows for SELECT).
      const rowCount = (result as { rowCount?: number }).rowCount ?? result.affectedRows ?? result.rows.length
      return { rows: result.rows, rowCount }
    },
    async exec(sql: string) {
      await target.exec(sql)
    },
  })
  return {
    kind: 'pglite',
    pglite,
    ...queryableOn(pglite),
    transaction: (fn) => pglite.transaction((tx) => fn(queryableOn(tx))),
    // One process owns a PGlite data directory (the lock file sees to it): no one to contend with.
    async withTryLock(_key, fn) {
      await fn()
      return true
    },
    async close() {
      try {
        await pglite.close()
      } finally {
        await release?.()
      }
    },
  }
}
