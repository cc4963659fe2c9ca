import fp from 'fastify-plugin'
import { loadDemoCaseloadIfEmpty } from './caseload.ts'
import { DEMO_SEED, generateDemo } from './generate.ts'
import { loadDemoIfEmpty } from './load.ts'

export interface DemoPluginOptions {
  enabled: boolean
  seed: number | undefined
}

/**
 * On the first start of an empty directory, loads the Croydon demo data (when enabled), through
 * the manage store as organisations would write it: after the geo plugin has loaded the
 * boundaries its service areas name. Then, while no episode exists, the demo caseload (accounts,
 * a year of episodes, referrals and gaps), if the directory is the demo's (same seed).
 */
export default fp<DemoPluginOptions>(
  async (app, opts) => {
    if (!opts.enabled) return
    const episodes = await app.db.query('SELECT 1 FROM episode LIMIT 1')
    if (episodes.rowCount > 0) return
    const seed = opts.seed ?? DEMO_SEED
    const demo = generateDemo({ seed, now: app.now() })
    const empty = await app.db.query('SELECT 1 FROM organization LIMIT 1')
    if (empty.rowCount === 0) {
      const counts = await loadDemoIfEmpty(app.db, demo)
      if (counts) app.log.info({ seed, counts }, 'loaded the Croydon demo directory into an empty database')
    }
    // A directory that is not this seed's demo (its organisations' ids differ) gets no caseload.
    const ours = await app.db.query('SELECT 1 FROM organization WHERE id = $1', [demo.organizations[0]!.id])
    if (ours.rowCount === 0) return
    const started = Date.now()
    const caseload = await loadDemoCaseloadIfEmpty(app.db, { seed, now: app.now() })
    if (caseload) app.log.info({ seed, counts: caseload, seconds: (Date.now() - started) / 1000 }, 'loaded the demo caseload (accounts, episodes, referrals, gaps)')
  },
  { name: 'demo-data', dependencies: ['db', 'geo'] },
)
