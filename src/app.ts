import fastifyHelmet from '@fastify/helmet'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import authPlugin from './auth/plugin.ts'
import authRoutes from './auth/routes.ts'
import type { Transporter } from 'nodemailer'
import type { Config } from './config.ts'
import type { Db } from './db/db.ts'
import demoDataPlugin from './demo/plugin.ts'
import directoryRoutes from './directory/routes.ts'
import freshnessRoutes, { freshnessJob } from './freshness/routes.ts'
import ingestRoutes, { ingestJobs } from './ingest/routes.ts'
import geoPlugin from './geo/plugin.ts'
import geoRoutes from './geo/routes.ts'
import mailPlugin from './mail/plugin.ts'
import moderationRoutes from './manage/moderation.ts'
import problemRoutes from './manage/problems.ts'
import manageRoutes from './manage/routes.ts'
import matchRoutes from './match/routes.ts'
import orukRoutes from './oruk/routes.ts'
import referralRoutes from './referrals/routes.ts'
import reportRoutes from './reports/routes.ts'
import dbPlugin from './plugins/db.ts'
import searchPlugin from './search/plugin.ts'
import searchRoutes from './search/routes.ts'
import schedulerPlugin from './plugins/scheduler.ts'
import swaggerPlugin from './plugins/swagger.ts'
import { clientErrorHandler, frameworkErrorHandler, genReqId, registerProblemHandlers } from './problem.ts'
import { registerTextGuard } from './plugins/text-input.ts'
import statusRoutes from './status/routes.ts'
import pages from './web/pages.ts'
import webPlugin from './web/plugin.ts'

export interface AppDeps {
  /** A database made by the caller (tests); otherwise made from config. */
  db?: Db
  /** The clock: freshness rules and demo data read time from here. */
  now?: () => Date
  /** Where log lines go (tests capture them); defaults to stdout. */
  logStream?: NodeJS.WritableStream
  /** A nodemailer transport made by the caller (tests); otherwise SMTP_URL's, or the log. */
  mailTransport?: Transporter
  /** Feeds on loopback addresses may be harvested: tests serving fixtures on 127.0.0.1 only. */
  ingestAllowLoopback?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    now: () => Date
  }
}

/** Query parameters that carry secrets: emailed tokens, link signatures, CSRF tokens. */
const SECRET_PARAMS = /([?&](?:token|sig|_csrf)=)[^&#]*/gi

/** A request as the log shows it: secrets in its URL replaced by "redacted". */
export function requestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: request.url.replace(SECRET_PARAMS, '$1redacted'),
    host: request.host,
    remoteAddress: request.ip,
  }
}

/** Trusts the nearest `hops` proxies (Fastify's number form, which its types leave out). */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops

/** Builds the whole service from its configuration. The server and the tests both use this. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // A first start creates PostGIS in the embedded database and loads the demo: on a slow or
    // busy machine that outlasts Fastify's 10 s default for a plugin to start.
    pluginTimeout: 180_000,
    // Behind a reverse proxy, the client's own address (for rate limits and the audit log).
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    genReqId,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    logger: {
      level: config.logLevel,
      serializers: { req: requestForLog },
      ...(deps.logStream ? { stream: deps.logStream } : {}),
      ...(config.prettyLogs && !deps.logStream ? { transport: { target: 'pino-pretty' } } : {}),
    },
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  registerProblemHandlers(app)
  registerTextGuard(app)
  app.decorate('now', deps.now ?? (() => new Date()))

  // Security headers on every response (HSTS, nosniff, frame and referrer policies, CSP).
  // upgrade-insecure-requests is left out: the service itself may be reached over plain HTTP
  // (npm start, a LAN address), where it would break every asset. Images may also come from the
  // configured map tile server.
  const tileOrigin = config.map.tilesUrl ? /^https?:\/\/[^/]+/.exec(config.map.tilesUrl.replace('{s}', '*'))?.[0] : undefined
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: { upgradeInsecureRequests: null, imgSrc: ["'self'", 'data:', ...(tileOrigin ? [tileOrigin] : [])] },
    },
  })
  await app.register(swaggerPlugin)
  await app.register(dbPlugin, { database: config.database, db: deps.db })
  await app.register(schedulerPlugin, { enabled: config.scheduler })
  await app.register(authPlugin, { secureCookies: config.secureCookies })
  await app.register(mailPlugin, { mail: config.mail, transport: deps.mailTransport })
  await app.register(freshnessJob, { publicUrl: config.publicUrl })
  await app.register(ingestJobs, { fetchPolicy: { allowLoopback: deps.ingestAllowLoopback ?? false } })
  await app.register(geoPlugin)
  await app.register(searchPlugin, { meili: config.meili })
  await app.register(demoDataPlugin, config.demoData)

  await app.register(statusRoutes)
  await app.register(directoryRoutes, { prefix: '/api' })
  await app.register(orukRoutes, { prefix: '/oruk' })
  await app.register(geoRoutes, { prefix: '/api' })
  await app.register(searchRoutes, { prefix: '/api' })
  await app.register(matchRoutes, { prefix: '/api' })
  await app.register(authRoutes, { prefix: '/api', publicUrl: config.publicUrl })
  await app.register(manageRoutes, { prefix: '/api' })
  await app.register(problemRoutes, { prefix: '/api' })
  await app.register(moderationRoutes, { prefix: '/api', publicUrl: config.publicUrl })
  await app.register(freshnessRoutes, { prefix: '/api' })
  await app.register(referralRoutes, { prefix: '/api' })
  await app.register(reportRoutes, { prefix: '/api' })
  await app.register(ingestRoutes, { prefix: '/api' })
  await app.register(webPlugin, { map: config.map, secureCookies: config.secureCookies, pages })
  return app
}
