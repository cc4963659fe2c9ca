/**
 * The web pages: server-rendered Nunjucks templates in the NHS.UK design system, served by the
 * same service as the API. Everything a page needs (NHS.UK frontend, Leaflet, our own CSS and
 * script) is served from this service; pages work without JavaScript.
 *
 * Shared things (templates, CSRF tokens, assets, the HTML "page not found") are registered for
 * the whole app; form bodies, the CSRF check and HTML error pages only inside the pages' scope,
 * so the JSON API stays JSON-only.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyCsrf from '@fastify/csrf-protection'
import fastifyFormbody from '@fastify/formbody'
import fastifyStatic from '@fastify/static'
import fastifyView from '@fastify/view'
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import nunjucks from 'nunjucks'
import type { Config } from '../config.ts'
import { toProblem } from '../problem.ts'
import { safeNext } from './accounts/account.ts'
import { formText } from './api.ts'
import { label } from './labels.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
/** nhsuk-frontend's dist folder: its templates are imported as "nhsuk/components/...". */
const NHSUK_DIST = path.resolve(path.dirname(require.resolve('nhsuk-frontend')), '..')
const LEAFLET_DIST = path.dirname(require.resolve('leaflet'))

export interface WebOptions {
  map: Config['map']
  secureCookies: boolean
}

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a page template with what every page needs (who is signed in, the CSRF token...). */
    page: (template: string, data?: Record<string, unknown>) => Promise<FastifyReply>
  }
}

/**
 * NHS.UK frontend's stylesheet without its @font-face rules: they load the Frutiger font from
 * assets.nhs.uk, a CDN (and the font is licensed to NHS England). Pages fall back to Arial, as
 * the NHS font stack specifies.
 */
function nhsukStylesheet(): string {
  const css = readFileSync(path.join(NHSUK_DIST, 'nhsuk', 'nhsuk-frontend.min.css'), 'utf8')
  const local = css.replace(/@font-face\{[^}]*\}/g, '')
  if (/https?:\/\//.test(local.replace(/\/\*[\s\S]*?\*\//g, ''))) throw new Error('nhsuk-frontend.min.css still refers to another site')
  return local
}

function navigation(request: FastifyRequest) {
  const role = request.principal?.role
  const path = request.url.split('?')[0]!
  const items = [
    { href: '/search', text: 'Find activities' },
    { href: '/match', text: 'Match a client' },
    ...(role === 'link_worker' ? [{ href: '/my-clients', text: 'My clients' }] : []),
    ...(role === 'editor' || role === 'admin' ? [{ href: '/my-organisation', text: 'My organisation' }] : []),
    ...(role === 'commissioner' || role === 'admin' ? [{ href: '/reports', text: 'Reports' }] : []),
    ...(role === 'admin' ? [{ href: '/admin', text: 'Admin' }] : []),
  ]
  return items.map((item) => ({ ...item, current: path === item.href || path.startsWith(`${item.href}/`) }))
}

function addFilters(env: nunjucks.Environment): void {
  env.addFilter('label', label)
  env.addFilter('km', (metres: number | null | undefined) =>
    metres === null || metres === undefined ? '' : metres < 1000 ? `${Math.round(metres / 10) * 10} m` : `${(metres / 1000).toFixed(1)} km`,
  )
  env.addFilter('pounds', (amount: number) => (Number.isInteger(amount) ? `£${amount}` : `£${amount.toFixed(2)}`))
  env.addFilter('date', (iso: string | null | undefined) =>
    iso ? new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }) : '',
  )
  // JSON for a <script type="application/json"> block: "<" escaped so no text can close the element.
  env.addFilter('json', (value: unknown) => new nunjucks.runtime.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')))
}

/** The path and query of a Referer header ('' for none or a malformed one); safeNext vets it after. */
function refererPath(referer: string | undefined): string {
  if (!referer) return ''
  try {
    const url = new URL(referer)
    return url.pathname + url.search
  } catch {
    return '' // a malformed Referer is no address to return to
  }
}

/** The pages' own error answers: sign-in for 401, a page in words for the rest. */
function pageErrorHandler() {
  return async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      request.log.info({ code: error.code }, 'form refused: CSRF token')
      return reply.code(403).page('shared/error.njk', {
        title: 'This form has expired',
        detail: 'We could not check that this form came from this site: it may be from an older visit or another browser tab. Go back, reload the page and try again.',
      })
    }
    const problem = toProblem(error)
    if (problem?.status === 401) {
      const next = request.method === 'GET' ? request.url : (safeNext(refererPath(request.headers.referer)) ?? '/')
      return reply.redirect(`/sign-in?next=${encodeURIComponent(next)}`, 303)
    }
    if (problem) {
      const level = problem.status >= 500 ? 'warn' : 'info'
      request.log[level]({ status: problem.status, problem: problem.slug, detail: problem.detail }, problem.title)
      const title = problem.status === 404 ? 'Page not found' : problem.status === 403 ? 'You cannot do this' : problem.title
      return reply.code(problem.status).page('shared/error.njk', { title, detail: problem.detail })
    }
    request.log.error({ err: error }, 'unhandled error on a page')
    return reply.code(500).page('shared/error.njk', {
      title: 'Sorry, there is a problem with the service',
      detail: 'Something went wrong on our side. It has been logged. Try again later.',
    })
  }
}

/** Registers the pages: `pages` is the encapsulated plugin holding their routes. */
export default fp<WebOptions & { pages: FastifyPluginAsync }>(
  async (app, opts) => {
    // Templates are named from src/web by area ("match/match-results.njk", "shared/layout.njk");
    // NHS.UK frontend's are named "nhsuk/components/...". No area folder is called nhsuk.
    const templates = [here, NHSUK_DIST]
    await app.register(fastifyView, {
      engine: { nunjucks },
      templates,
      options: { autoescape: true, onConfigure: addFilters },
    })

    await app.register(fastifyCsrf, {
      sessionPlugin: '@fastify/cookie',
      cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secureCookies },
      // The header's sign-out button is a form we cannot add a field to: its token alone rides in
      // the query (logged redacted). Every other form sends it in the body.
      getToken: (request) =>
        formText((request.body as { _csrf?: unknown } | undefined)?._csrf) ||
        (request.routeOptions.url === '/sign-out' ? formText((request.query as { _csrf?: unknown } | undefined)?._csrf) : ''),
    })

    const css = nhsukStylesheet()
    app.get('/assets/nhsuk-frontend.css', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=86400').send(css),
    )
    const assets = [
      { root: path.join(NHSUK_DIST, 'nhsuk', 'assets'), prefix: '/assets/' },
      { root: path.join(NHSUK_DIST, 'nhsuk'), prefix: '/assets/nhsuk/', allowedPath: (p: string) => /^\/nhsuk-frontend\.min\.js(\.map)?$/.test(p) },
      { root: LEAFLET_DIST, prefix: '/assets/leaflet/' },
      { root: path.join(here, 'assets'), prefix: '/assets/connector/' },
    ]
    for (const asset of assets) {
      await app.register(fastifyStatic, { ...asset, decorateReply: false, index: false, maxAge: 86_400_000, schemaHide: true })
    }

    app.decorateReply('page', async function (this: FastifyReply, template: string, data: Record<string, unknown> = {}) {
      const request = this.request
      const principal = request.principal
      const csrfToken = this.generateCsrf()
      const html = await app.view(template, {
        principal,
        csrfToken,
        navigation: navigation(request),
        map: opts.map,
        ...data,
      })
      return this.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html)
    })

    app.decorate('renderNotFoundPage', async (request: FastifyRequest, reply: FastifyReply) =>
      reply.code(404).page('shared/error.njk', { title: 'Page not found', detail: 'If you typed the web address, check it is correct.' }),
    )

    await app.register(async (pages) => {
      await pages.register(fastifyFormbody)
      pages.setErrorHandler(pageErrorHandler())
      pages.addHook('preHandler', (request, reply, done) => {
        if (request.method === 'POST') return pages.csrfProtection(request, reply, done)
        done()
      })
      await pages.register(opts.pages)
    })
  },
  { name: 'web', dependencies: ['auth'] },
)
