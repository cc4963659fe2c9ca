import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'

/** The OpenAPI 3.1 document, generated from the routes' zod schemas, and a page to browse it. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Connector API',
          description: 'Community asset directory and matching service for social prescribing in England.',
          version: '0.1.0',
        },
        tags: [
          { name: 'service', description: 'Liveness and readiness' },
          { name: 'directory', description: 'Organisations, services and the activity taxonomy' },
          { name: 'oruk', description: 'Open Referral UK 3.0 (HSDS 3.0, UK profile) read API, open to any origin' },
          { name: 'geo', description: 'Postcodes and places' },
          { name: 'search', description: 'Finding activities near a person' },
          { name: 'matching', description: 'Ranking activities for a client, with reasons and gaps' },
          { name: 'accounts', description: 'Sign-in, sessions, API tokens, invitations, password reset' },
          { name: 'self-service', description: 'Organisations keeping their own listings up to date' },
          { name: 'admin', description: 'Moderation, history, audit and old problem reports' },
          { name: 'reports', description: 'Commissioners’ reports: unmet need, supply, demand, outcomes, freshness; CSV and GeoJSON exports' },
        ],
      },
      transform: jsonSchemaTransform,
    })
    // The docs page loads only its own assets, so helmet's Content-Security-Policy suits it as it is.
    await app.register(swaggerUi, { routePrefix: '/docs' })
    app.get('/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'swagger' },
)
