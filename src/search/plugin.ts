import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { MeiliEngine } from './meili.ts'
import { drainOutbox, setSearchSync } from './outbox.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Meilisearch, when MEILI_URL is set; null means PostgreSQL answers every search. */
    searchEngine: MeiliEngine | null
  }
}

/**
 * The optional Meilisearch engine: the outbox fills while it is configured, a job drains it
 * every five seconds, and an index that does not exist yet is built in the background.
 */
export default fp<{ meili: Config['meili'] }>(
  async (app, { meili }) => {
    await setSearchSync(app.db, meili !== undefined)
    if (!meili) {
      app.decorate('searchEngine', null)
      return
    }
    const engine = new MeiliEngine(meili.url, meili.key, meili.index)
    app.decorate('searchEngine', engine)
    app.addJob({ name: 'search-outbox', schedule: '*/5 * * * * *', run: () => drainOutbox(app.db, engine, { now: app.now() }) })
    app.addHook('onReady', async () => {
      const exists = await engine.client.getIndex(meili.index).then(
        () => true,
        (error: Error) => {
          app.log.warn({ err: error }, 'Meilisearch index not available; PostgreSQL answers searches until it is')
          return false
        },
      )
      if (!exists) {
        // Not awaited: the service starts at once, and searches use PostgreSQL meanwhile.
        engine.rebuild(app.db, app.now()).then(
          (count) => app.log.info({ documents: count }, 'built the Meilisearch index'),
          (error: Error) => app.log.error({ err: error }, 'building the Meilisearch index failed'),
        )
      }
    })
  },
  { name: 'search', dependencies: ['db', 'scheduler'] },
)
