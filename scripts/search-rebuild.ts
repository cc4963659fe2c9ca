// npm run search:rebuild: rebuilds the Meilisearch index from the database into a new index
// and swaps it in atomically. Needs MEILI_URL (and MEILI_KEY if the server has one).
import { ConfigError, loadConfig } from '../src/config.ts'
import { openDb } from '../src/db/open.ts'
import { MeiliEngine } from '../src/search/meili.ts'

try {
  const config = loadConfig()
  if (!config.meili) throw new ConfigError(['MEILI_URL: must be set to rebuild the Meilisearch index'])
  const db = await openDb(config.database)
  try {
    const started = Date.now()
    const engine = new MeiliEngine(config.meili.url, config.meili.key, config.meili.index, 30_000)
    const count = await engine.rebuild(db, new Date())
    console.log(`Rebuilt index ${config.meili.index}: ${count} documents in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } finally {
    await db.close()
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Rebuild failed: ${(error as Error).message}`)
  process.exit(1)
}
