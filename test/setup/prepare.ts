// tap's `before` script: builds, once per run, the ready-made demo database each test file
// starts from: a PGlite snapshot, and (when DATABASE_URL is set) a PostgreSQL template database.
import { mkdirSync, writeFileSync } from 'node:fs'
import { DEMO_SEED, generateDemo } from '../../src/demo/generate.ts'
import { loadDemoIfEmpty } from '../../src/demo/load.ts'
import { migrate } from '../../src/db/migrate.ts'
import { loadShippedBoundariesIfEmpty } from '../../src/geo/boundaries.ts'
import { loadShippedPostcodesIfEmpty } from '../../src/geo/import.ts'
import { openDb } from '../../src/db/open.ts'
import { createPgliteDb } from '../../src/db/pglite.ts'
import { BASE_SNAPSHOT, DATABASE_URL, DEMO_SNAPSHOT, FIXED_NOW, SNAPSHOT_DIR, pgDatabase, templateName, withAdmin, withDatabaseName } from '../helper.ts'
import type { Db } from '../../src/db/db.ts'

/** What every started service holds before anyone writes: the schema, postcodes and boundaries. */
async function base(db: Db): Promise<void> {
  await migrate(db)
  await loadShippedPostcodesIfEmpty(db)
  await loadShippedBoundariesIfEmpty(db)
}

async function demo(db: Db): Promise<void> {
  const counts = await loadDemoIfEmpty(db, generateDemo({ seed: DEMO_SEED, now: FIXED_NOW }))
  if (!counts) throw new Error('the fresh template database already held data')
}

const started = Date.now()
const pglite = await createPgliteDb()
await base(pglite)
mkdirSync(SNAPSHOT_DIR, { recursive: true })
writeFileSync(BASE_SNAPSHOT, Buffer.from(await (await pglite.pglite.dumpDataDir('gzip')).arrayBuffer()))
await demo(pglite)
writeFileSync(DEMO_SNAPSHOT, Buffer.from(await (await pglite.pglite.dumpDataDir('gzip')).arrayBuffer()))
await pglite.close()

if (DATABASE_URL) {
  for (const [template, fill] of [
    [templateName(DATABASE_URL, 'base'), base],
    [templateName(DATABASE_URL, 'demo'), async (db: Db) => (await base(db), await demo(db))],
  ] as const) {
    await withAdmin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`)
      await c.query(`CREATE DATABASE ${template}`)
    })
    const db = await openDb(pgDatabase(withDatabaseName(DATABASE_URL, template)))
    try {
      await fill(db)
    } finally {
      await db.close()
    }
  }
}
console.log(`# test databases prepared in ${((Date.now() - started) / 1000).toFixed(1)} s${DATABASE_URL ? ' (PGlite and PostgreSQL)' : ' (PGlite)'}`)
