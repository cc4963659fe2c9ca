import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { pendingMigrations } from '../db/migrate.ts'
import { ProblemSchema, ServiceUnavailable } from '../problem.ts'

const ReadySchema = z.object({
  status: z.literal('ready'),
  database: z.enum(['postgres', 'pglite']),
  migrations: z.number().int().describe('how many migrations are applied'),
})

/** `/health`: the process is up. `/ready`: the database answers and its schema is current. */
const statusRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['service'],
        summary: 'The process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/ready',
    {
      schema: {
        tags: ['service'],
        summary: 'The database is reachable and every migration is applied',
        response: { 200: ReadySchema, 503: ProblemSchema },
      },
    },
    async () => {
      const pending = await pendingMigrations(app.db)
      if (pending.length > 0) {
        throw new ServiceUnavailable(`${pending.length} migration(s) not applied: run npm run migrate`)
      }
      const { rows } = await app.db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migration')
      return { status: 'ready' as const, database: app.db.kind, migrations: rows[0]!.n }
    },
  )
}

export default statusRoutes
