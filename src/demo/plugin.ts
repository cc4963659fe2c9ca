import fp from 'fastify-plugin'
import { DEMO_SEED, generateDemo } from './generate.ts'
import { loadDemoIfEmpty } from './load.ts'

export interface DemoPluginOptions {
  enabled: boolean
  seed: number | undefined
}

/**
 * On the first start of an empty directory, loads the Croydon demo data (when enabled), through
 * the manage store as organisations would write it: after the geo plugin has loaded the
 * boundaries its service areas name.
 */
export default fp<DemoPluginOptions>(
  async (app, opts) => {
    if (!opts.enabled) return
    const empty = await app.db.query('SELECT 1 FROM organization LIMIT 1')
    if (empty.rowCount > 0) return
    const seed = opts.seed ?? DEMO_SEED
    const counts = await loadDemoIfEmpty(app.db, generateDemo({ seed, now: app.now() }))
    if (counts) app.log.info({ seed, counts }, 'loaded the Croydon demo directory into an empty database')
  },
  { name: 'demo-data', dependencies: ['db', 'geo'] },
)
