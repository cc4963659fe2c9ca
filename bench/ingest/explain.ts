/**
 * npx tsx bench/ingest/explain.ts --database connector_bench_ingest_10k [--records 30] [--server URL]
 *
 * Where PostgreSQL spends a harvested record's time, statement by statement: on a database the
 * ingest benchmark left in place (`npm run bench:ingest -- --sizes 10k --keep`), writes
 * `--records` new ORUK listings through the harvester's own `applyOrganization` and
 * `applyService` (src/ingest/apply.ts), then updates each once (a changed description), all in
 * one transaction that is rolled back at the end, so the database is left as it was. Each
 * statement is first run under EXPLAIN (ANALYZE) inside a savepoint that is rolled back, then
 * run for real; the table gives, per statement, its planning and execution time and the time of
 * each trigger it fired (the search-document and search-outbox triggers, foreign keys).
 */
import { parseArgs } from 'node:util'
import pg from 'pg'
import { sqlText, type Named, type Queryable, type QueryResult } from '../../src/db/db.ts'
import { pgTypes } from '../../src/db/pg.ts'
import { applyOrganization, applyService, type Run } from '../../src/ingest/apply.ts'
import { loadMappingContext, mapOrukService } from '../../src/ingest/oruk-map.ts'
import { DEFAULT_SERVER, urlFor } from '../search/data.ts'
import { orukService, type FeedSpec } from './feed.ts'

const { values } = parseArgs({
  options: {
    database: { type: 'string', default: 'connector_bench_ingest_10k' },
    server: { type: 'string', default: process.env.BENCH_PG_URL ?? DEFAULT_SERVER },
    records: { type: 'string', default: '30' },
  },
})
const records = Number(values.records)

interface Explained {
  calls: number
  planningMs: number
  executionMs: number
  triggers: Map<string, number>
}
type Pass = Map<string, Explained>

const client = new pg.Client({ connectionString: urlFor(values.server, values.database), types: pgTypes })
await client.connect()
// As the app's connections run (src/db/pg.ts).
await client.query('SET jit = off')

/** A Queryable that EXPLAINs each statement (rolled back), then runs it, adding to `pass`. */
function explaining(pass: () => Pass): Queryable {
  return {
    async query<R>(named: string | Named, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      // EXPLAIN plans the text afresh, as an unnamed statement would be; the run after it uses the name.
      const sql = sqlText(named)
      const flat = sql.replace(/\s+/g, ' ').trim()
      const key = flat.length > 80 ? `${flat.slice(0, 80)}…` : flat
      await client.query('SAVEPOINT explain')
      const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params as unknown[])
      await client.query('ROLLBACK TO SAVEPOINT explain')
      const plan = (rows[0] as { 'QUERY PLAN': { 'Planning Time': number; 'Execution Time': number; Triggers?: { 'Trigger Name': string; Time: number }[] }[] })['QUERY PLAN'][0]!
      const e = pass().get(key) ?? pass().set(key, { calls: 0, planningMs: 0, executionMs: 0, triggers: new Map() }).get(key)!
      e.calls++
      e.planningMs += plan['Planning Time']
      e.executionMs += plan['Execution Time']
      for (const t of plan.Triggers ?? []) e.triggers.set(t['Trigger Name'], (e.triggers.get(t['Trigger Name']) ?? 0) + t.Time)
      const result = await client.query(typeof named === 'string' ? sql : { name: named.name, text: sql }, params as unknown[])
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
    },
    exec: async (sql) => void (await client.query(sql)),
  }
}

function print(title: string, pass: Pass): void {
  const rows = [...pass].sort(([, a], [, b]) => b.planningMs + b.executionMs - (a.planningMs + a.executionMs))
  let planning = 0
  let execution = 0
  console.log(`\n${title}\n\n| statement | calls | planning ms | execution ms | of which triggers (ms per call) |\n| --- | --- | --- | --- | --- |`)
  for (const [key, e] of rows) {
    planning += e.planningMs
    execution += e.executionMs
    const triggers = [...e.triggers].filter(([, ms]) => ms / e.calls >= 0.01).map(([name, ms]) => `${name.replace(/^RI_ConstraintTrigger_\w+/, 'foreign key')} ${(ms / e.calls).toFixed(2)}`)
    console.log(`| \`${key}\` | ${e.calls} | ${(e.planningMs / e.calls).toFixed(3)} | ${(e.executionMs / e.calls).toFixed(3)} | ${triggers.join(', ')} |`)
  }
  console.log(`\nPer record: planning ${(planning / records).toFixed(2)} ms, execution ${(execution / records).toFixed(2)} ms, ${[...pass.values()].reduce((a, e) => a + e.calls, 0) / records} statements.`)
}

try {
  await client.query('BEGIN')
  let pass: Pass = new Map()
  const db = explaining(() => pass)
  const { rows: sources } = await client.query(`SELECT id, remote_delivery_modes, default_group_size FROM ingest_source WHERE kind = 'oruk' LIMIT 1`)
  if (!sources[0]) throw new Error(`${values.database} has no ORUK source: make it with npm run bench:ingest -- --keep`)
  const { rows: terms } = await client.query<FeedSpec['terms'][number]>('SELECT id, code, name, description FROM taxonomy_term')
  const { rows: runs } = await client.query<{ id: number }>('SELECT max(id)::int AS id FROM ingest_run')
  const ctx = await loadMappingContext(db, sources[0] as Parameters<typeof loadMappingContext>[1])
  const run: Run = { id: runs[0]!.id, sourceId: (sources[0] as { id: string }).id, defaultOrganizationId: null, now: new Date() }
  // Another seed: listings the database does not hold yet.
  const spec: FeedSpec = { seed: 1, size: records, terms, assuredDate: new Date().toISOString().slice(0, 10) }
  for (const change of ['', ' Changed at the source.']) {
    pass = new Map()
    for (let i = 0; i < records; i++) {
      const record = orukService(spec, i)
      const mapped = await mapOrukService({ ...record, description: `${String(record.description)}${change}` }, ctx)
      const organizationId = await applyOrganization(db, run, mapped.organization!)
      await applyService(db, run, { externalId: mapped.externalId, organizationId, document: mapped.service, assuredAt: mapped.assuredAt })
    }
    print(change ? `Updating ${records} listings` : `Creating ${records} listings`, pass)
  }
} finally {
  await client.query('ROLLBACK').catch(() => {})
  await client.end()
}
