import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { postgis } from '@electric-sql/pglite-postgis'
import type { Db, Named, QueryResult, Queryable } from './db.ts'
import { sqlText, TYPE_PARSERS } from './db.ts'
import { lockDirectory, type DirectoryLock } from './dir-lock.ts'

/** Another live process (or this one) has the data directory open. */
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
 * The lock lasts as long as its process, paused or not (see dir-lock.ts); a second opener
 * meanwhile gets DataDirLocked.
 */
export async function createPgliteDb(options: PgliteOptions = {}): Promise<Db & { pglite: PGlite }> {
  let lock: DirectoryLock | null = null
  if (options.dataDir) {
    const dir = resolve(options.dataDir)
    mkdirSync(dir, { recursive: true })
    lock = await lockDirectory(dir)
    if (!lock) throw new DataDirLocked(dir)
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
    await lock?.release()
    throw error
  }
  const queryableOn = (target: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<R>(sql: string | Named, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await target.query<R>(sqlText(sql), params as unknown[])
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
    // One process owns a PGlite data directory (the directory lock sees to it): no one to contend with.
    async withTryLock(_key, fn) {
      await fn()
      return true
    },
    async close() {
      try {
        await pglite.close()
      } finally {
        // After PGlite has closed: the next owner must not find files still being written.
        await lock?.release()
      }
    },
  }
}
