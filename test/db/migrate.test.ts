import t from 'tap'
import { migrate, pendingMigrations, readMigrations, type Migration } from '../../src/db/migrate.ts'
import { testDatabase, usingPostgres } from '../helper.ts'

const engine = usingPostgres ? 'PostgreSQL' : 'PGlite'

t.test(`migrate (${engine}): applies every migration once, and a second run changes nothing`, async (t) => {
  const { db } = await testDatabase(t, { demo: false })
  const known = readMigrations()
  t.ok(known.length >= 2)
  t.same(known.map((m) => m.version), [...known.map((m) => m.version)].sort((a, b) => a - b))

  const first = await migrate(db)
  t.same(first.map((m) => m.name), known.map((m) => m.name), 'all applied on an empty database')
  const second = await migrate(db)
  t.same(second, [], 'nothing to do the second time')
  t.same(await pendingMigrations(db), [])

  const ledger = await db.query<{ version: number }>('SELECT version FROM schema_migration ORDER BY version')
  t.same(ledger.rows.map((r) => r.version), known.map((m) => m.version))
  const terms = await db.query<{ n: number }>('SELECT count(*) AS n FROM taxonomy_term')
  t.equal(terms.rows[0]!.n, 20, 'the taxonomy is seeded once, not twice')
  const ext = await db.query<{ extname: string }>(`SELECT extname FROM pg_extension WHERE extname IN ('postgis', 'pg_trgm') ORDER BY 1`)
  t.same(ext.rows.map((r) => r.extname), ['pg_trgm', 'postgis'])
})

t.test(`migrate (${engine}): a failing migration is rolled back whole and reported`, async (t) => {
  const { db } = await testDatabase(t, { demo: false })
  const broken: Migration[] = [
    { version: 1, name: 'good', sql: 'CREATE TABLE a (x int);', checksum: 'a' },
    { version: 2, name: 'bad', sql: 'CREATE TABLE b (x int); SELECT no_such_function();', checksum: 'b' },
  ]
  await t.rejects(migrate(db, broken), { name: 'MigrationError', message: /Migration 2 \(bad\) failed: .*no_such_function/ })
  const tables = await db.query<{ t: string | null }>(`SELECT to_regclass('a')::text AS t UNION ALL SELECT to_regclass('b')::text`)
  t.same(tables.rows.map((r) => r.t), ['a', null], 'migration 1 kept, migration 2 left no half-made table')
  const ledger = await db.query<{ version: number }>('SELECT version FROM schema_migration')
  t.same(ledger.rows.map((r) => r.version), [1])
})

t.test(`migrate (${engine}): an applied migration edited afterwards stops start-up`, async (t) => {
  const { db } = await testDatabase(t, { demo: false })
  const v1: Migration[] = [{ version: 1, name: 'one', sql: 'CREATE TABLE c (x int);', checksum: 'original' }]
  await migrate(db, v1)
  await t.rejects(migrate(db, [{ ...v1[0]!, checksum: 'edited' }]), { message: /Migration 1 \(one\) was changed after it was applied/ })
  await t.rejects(pendingMigrations(db, []), { message: /has migration 1 \(one\), which this code does not know/ })
})
