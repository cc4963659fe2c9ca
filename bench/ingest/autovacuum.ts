/**
 * A stand-in for autovacuum on a server that has it turned off (`autovacuum = off`, as some
 * test servers do). A harvest fills an empty directory: without ANALYZE the planner keeps its
 * guesses for empty tables and picks plans a production server, whose autovacuum analyzes as
 * tables grow, would not (before migration 022, an index walk of `address_pkey` for a venue's
 * address instead of the index on its location, every read scanning more of the table). So,
 * when the server's autovacuum is off, every `autovacuum_naptime` this does for the benchmark
 * database what autovacuum's defaults would: ANALYZE each table whose changes since its last
 * analyze exceed autovacuum_analyze_threshold + autovacuum_analyze_scale_factor × its rows, and
 * VACUUM each whose dead rows (or, PostgreSQL 13+, inserts) exceed the vacuum thresholds,
 * reading the thresholds from the server. It runs on its own connection of the pool, so its
 * CPU is counted with PostgreSQL's, as an autovacuum worker's would be. When the server's
 * autovacuum is on it does nothing.
 */
import type { Queryable } from '../../src/db/db.ts'

export interface AutovacuumStandIn {
  /** 'server' when the server's own autovacuum runs; 'stand-in' when this one does. */
  mode: 'server' | 'stand-in'
  /** What it has run so far (table names, in order); kept up to date. */
  done: { analyzed: string[]; vacuumed: string[] }
  /** Stops it, waiting for a round in progress. */
  stop: () => Promise<void>
}

interface Thresholds {
  naptimeS: number
  analyzeThreshold: number
  analyzeScale: number
  vacuumThreshold: number
  vacuumScale: number
  insertThreshold: number
  insertScale: number
}

async function thresholds(db: Queryable): Promise<{ on: boolean; t: Thresholds }> {
  const { rows } = await db.query<{ name: string; setting: string }>(`SELECT name, setting FROM pg_settings WHERE name LIKE 'autovacuum%'`)
  const get = (name: string, fallback: number) => Number(rows.find((r) => r.name === name)?.setting ?? fallback)
  return {
    on: rows.find((r) => r.name === 'autovacuum')?.setting === 'on',
    t: {
      naptimeS: get('autovacuum_naptime', 60),
      analyzeThreshold: get('autovacuum_analyze_threshold', 50),
      analyzeScale: get('autovacuum_analyze_scale_factor', 0.1),
      vacuumThreshold: get('autovacuum_vacuum_threshold', 50),
      vacuumScale: get('autovacuum_vacuum_scale_factor', 0.2),
      insertThreshold: get('autovacuum_vacuum_insert_threshold', 1000),
      insertScale: get('autovacuum_vacuum_insert_scale_factor', 0.2),
    },
  }
}

/** One round over the database's tables, as an autovacuum worker would make it. */
async function round(db: Queryable, t: Thresholds, done: { analyzed: string[]; vacuumed: string[] }): Promise<void> {
  const { rows } = await db.query<{ table: string; rows: number; modified: number; dead: number; inserted: number }>(
    `SELECT quote_ident(s.relname) AS table, greatest(c.reltuples, 0)::float8 AS rows, s.n_mod_since_analyze::float8 AS modified,
            s.n_dead_tup::float8 AS dead, s.n_ins_since_vacuum::float8 AS inserted
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.schemaname = 'public'`,
  )
  for (const r of rows) {
    const vacuum = r.dead > t.vacuumThreshold + t.vacuumScale * r.rows || r.inserted > t.insertThreshold + t.insertScale * r.rows
    const analyze = r.modified > t.analyzeThreshold + t.analyzeScale * r.rows
    if (vacuum) {
      await db.query(`VACUUM ${analyze ? '(ANALYZE) ' : ''}${r.table}`)
      done.vacuumed.push(r.table)
    } else if (analyze) await db.query(`ANALYZE ${r.table}`)
    if (analyze) done.analyzed.push(r.table)
  }
}

/** Starts the stand-in for the database `db` is connected to (or notes that the server's autovacuum runs). */
export async function startAutovacuumStandIn(db: Queryable): Promise<AutovacuumStandIn> {
  const { on, t } = await thresholds(db)
  const done = { analyzed: [] as string[], vacuumed: [] as string[] }
  if (on) return { mode: 'server', done, stop: async () => {} }
  let pending: Promise<void> = Promise.resolve()
  let failed: unknown
  const timer = setInterval(() => {
    pending = pending.then(() => round(db, t, done)).catch((error: unknown) => void (failed ??= error))
  }, t.naptimeS * 1000)
  return {
    mode: 'stand-in',
    done,
    async stop() {
      clearInterval(timer)
      await pending
      if (failed) throw failed
    },
  }
}
