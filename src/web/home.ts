/** The home page and the accessibility statement. */
import type { FastifyPluginAsync } from 'fastify'

const homePages: FastifyPluginAsync = async (app) => {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.page('shared/home.njk', { title: 'Find local groups and activities' }))
  app.get('/accessibility', { schema: { hide: true } }, async (_request, reply) =>
    reply.page('shared/accessibility.njk', { title: 'Accessibility statement' }),
  )
}

export default homePages
