import fastifyPostgres from '@fastify/postgres'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import type { Db } from '../db/db.ts'
import { migrate } from '../db/migrate.ts'
import { createPgDb, pgPoolConfig } from '../db/pg.ts'
import { openDb } from '../db/open.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
  }
}

export interface DbPluginOptions {
  database: Config['database']
  /** A Db made elsewhere (tests); its owner closes it. */
  db?: Db
}

/**
 * The database, as one `Db` decorator: a pg Pool through @fastify/postgres when DATABASE_URL
 * is set, the embedded PGlite otherwise. Migrations are applied before the app is ready, so a
 * service whose schema is behind never serves.
 */
export default fp<DbPluginOptions>(
  async (app, opts) => {
    let db: Db
    if (opts.db) {
      db = opts.db
    } else if (opts.database.kind === 'postgres') {
      await app.register(fastifyPostgres, pgPoolConfig(opts.database))
      // An idle client whose server went away emits 'error' on the pool; unheard, it kills the process.
      app.pg.pool.on('error', (error) => app.log.warn({ err: error }, 'database connection lost; the pool will reconnect'))
      db = createPgDb(app.pg.pool, false) // @fastify/postgres ends the pool onClose
    } else {
      db = await openDb(opts.database)
      app.addHook('onClose', () => db.close())
    }
    app.decorate('db', db)
    const applied = await migrate(db)
    if (applied.length > 0) app.log.info({ migrations: applied.map((m) => `${m.version}_${m.name}`) }, 'migrations applied')
  },
  { name: 'db' },
)
