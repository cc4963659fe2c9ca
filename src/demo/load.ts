import type { Db } from '../db/db.ts'
import { DEMO_TABLES, type DemoData } from './generate.ts'

// Every table but the term links, which are inserted by term code after the others.
const TABLES = DEMO_TABLES.filter((t) => t !== 'service_taxonomy_term')

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/

// An arbitrary constant shared by every instance, so only one loads the demo into an empty database.
const DEMO_LOCK = 7_310_526_002

export type DemoCounts = Record<string, number>

/**
 * Loads generated demo data in one transaction, unless the directory already holds an
 * organisation (then it does nothing and returns undefined). Each table is one INSERT of a
 * JSON array, so PostgreSQL checks every row against the schema's constraints.
 */
export async function loadDemoIfEmpty(db: Db, data: DemoData): Promise<DemoCounts | undefined> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [DEMO_LOCK])
    const existing = await tx.query('SELECT 1 FROM organization LIMIT 1')
    if (existing.rowCount > 0) return undefined
    const counts: DemoCounts = {}
    for (const table of TABLES) {
      const rows: readonly object[] = data[table]
      if (rows.length === 0) continue
      const columns = Object.keys(rows[0]!)
      // Column names come from our generator, never from a request; still, refuse anything odd.
      if (!columns.every((c) => IDENTIFIER.test(c))) throw new Error(`Unexpected column in demo table ${table}`)
      const list = columns.join(', ')
      const result = await tx.query(
        `INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${table}, $1::json)`,
        [JSON.stringify(rows)],
      )
      counts[table] = result.rowCount
    }
    const links = data.service_taxonomy_term
    const linked = await tx.query(
      `INSERT INTO service_taxonomy_term (id, service_id, taxonomy_term_id)
       SELECT x.id, x.service_id, t.id
         FROM json_to_recordset($1::json) AS x (id uuid, service_id uuid, taxonomy_term_code text)
         JOIN taxonomy_term t ON t.code = x.taxonomy_term_code`,
      [JSON.stringify(links)],
    )
    if (linked.rowCount !== links.length) {
      throw new Error(`Demo data names ${links.length - linked.rowCount} taxonomy term code(s) the taxonomy lacks`)
    }
    counts.service_taxonomy_term = linked.rowCount
    return counts
  })
}
