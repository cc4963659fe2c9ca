import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Db } from './db.ts'

export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url))

export interface Migration {
  version: number
  name: string
  sql: string
  checksum: string
}

/** The numbered migrations in sql/, in order: 001_init.sql, 002_taxonomy.sql, ... */
export function readMigrations(dir = SQL_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d+)_([a-z0-9_]+)\.sql$/.exec(file)
      if (!match) throw new Error(`Migration file ${file} is not named NNN_name.sql`)
      const sql = readFileSync(join(dir, file), 'utf8')
      return {
        version: Number(match[1]),
        name: match[2]!,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      }
    })
    .sort((a, b) => a.version - b.version)
  migrations.forEach((m, i) => {
    if (i > 0 && m.version === migrations[i - 1]!.version) throw new Error(`Two migrations numbered ${m.version}`)
  })
  return migrations
}

// An arbitrary constant: every instance takes the same advisory lock to migrate.
const MIGRATION_LOCK = 7_310_526_001

const CREATE_LEDGER = `
  CREATE TABLE IF NOT EXISTS schema_migration (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
  )`

interface Applied {
  version: number
  name: string
  checksum: string
}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

async function appliedMigrations(db: Db): Promise<Applied[]> {
  const exists = await db.query<{ ok: boolean }>(`SELECT to_regclass('schema_migration') IS NOT NULL AS ok`)
  if (!exists.rows[0]?.ok) return []
  const { rows } = await db.query<Applied>('SELECT version, name, checksum FROM schema_migration ORDER BY version')
  return rows
}

function checkHistory(applied: Applied[], known: Migration[]): void {
  for (const a of applied) {
    const m = known.find((k) => k.version === a.version)
    if (!m) throw new MigrationError(`The database has migration ${a.version} (${a.name}), which this code does not know. Is the code older than the database?`)
    if (m.checksum !== a.checksum) {
      throw new MigrationError(`Migration ${a.version} (${a.name}) was changed after it was applied. Add a new migration instead of editing an applied one.`)
    }
  }
}

/** Migrations in sql/ not yet applied to the database (after checking the applied ones are unchanged). */
export async function pendingMigrations(db: Db, known = readMigrations()): Promise<Migration[]> {
  const applied = await appliedMigrations(db)
  checkHistory(applied, known)
  return known.filter((m) => !applied.some((a) => a.version === m.version))
}

/**
 * Applies each pending migration in its own transaction and records it. Safe to run again and
 * from several instances at once: each transaction takes an advisory lock, then re-checks.
 */
export async function migrate(db: Db, known = readMigrations()): Promise<Migration[]> {
  await db.query(CREATE_LEDGER)
  const done: Migration[] = []
  for (const m of known) {
    const applied = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
      const already = await tx.query('SELECT 1 FROM schema_migration WHERE version = $1', [m.version])
      if (already.rowCount > 0) return false
      try {
        await tx.exec(m.sql)
      } catch (error) {
        throw new MigrationError(`Migration ${m.version} (${m.name}) failed: ${(error as Error).message}`, { cause: error })
      }
      await tx.query('INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum])
      return true
    })
    if (applied) done.push(m)
  }
  checkHistory(await appliedMigrations(db), known)
  return done
}
