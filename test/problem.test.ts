import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import t from 'tap'
import { z } from 'zod'
import { buildApp } from '../src/app.ts'
import { RETRY_AFTER_SECONDS, ServiceUnavailable } from '../src/problem.ts'
import { FIXED_NOW, buildTestApp, testConfig, testDatabase } from './helper.ts'

t.test('errors are RFC 9457 problem+json', async (t) => {
  const app = await buildTestApp(t)

  t.test('GET /api/services?per_page=500 → 400 naming per_page', async (t) => {
    const res = await app.inject({ url: '/api/services?per_page=500&page=0' })
    t.equal(res.statusCode, 400)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    const body = res.json()
    t.match(body, { type: /problems\/validation$/, title: 'Request does not match the schema', status: 400 })
    t.match(body.detail, /Invalid querystring: .*per_page/)
    t.match(body.detail, /page/)
    t.same(body.errors.map((e: { in: string; pointer: string }) => `${e.in}:${e.pointer}`).sort(), ['querystring:/page', 'querystring:/per_page'])
  })

  t.test('GET /api/services/not-a-uuid → 400 naming id', async (t) => {
    const res = await app.inject({ url: '/api/services/not-a-uuid' })
    t.equal(res.statusCode, 400)
    t.match(res.json(), { status: 400, errors: [{ in: 'params', pointer: '/id' }] })
  })

  t.test('GET /api/services/{unknown id} → 404 problem', async (t) => {
    const res = await app.inject({ url: '/api/services/00000000-0000-4000-8000-000000000000' })
    t.equal(res.statusCode, 404)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { type: /problems\/not-found$/, title: 'Not found', detail: 'No service with id 00000000-0000-4000-8000-000000000000' })
  })

  t.test('GET /no/such/route → 404 problem', async (t) => {
    const res = await app.inject({ url: '/no/such/route?x=1' })
    t.equal(res.statusCode, 404)
    t.match(res.json(), { status: 404, detail: 'No GET route at this address. The API is described at /docs.', instance: /^urn:uuid:/ })
  })
})

// No route of this issue takes a body yet, so a small plugin shows the shared error handler at
// work on one: it goes through the same buildApp, validator and handler as every real route.
const echo: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/echo',
    { schema: { body: z.object({ name: z.string().min(1), age: z.number().int().min(0) }).strict() } },
    async (request) => request.body,
  )
}

t.test('POST with a malformed body → 400 problem naming the field', async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  const app = await buildApp(testConfig({ kind: 'pglite', dataDir: 'unused' }), { db, now: () => FIXED_NOW })
  await app.register(echo, { prefix: '/test' })
  t.teardown(() => app.close())

  const bad = await app.inject({ method: 'POST', url: '/test/echo', payload: { name: '', age: 'old' } })
  t.equal(bad.statusCode, 400)
  t.match(bad.headers['content-type'], /^application\/problem\+json/)
  t.match(bad.json(), { status: 400, detail: 'Invalid body: name, age' })
  t.same(bad.json().errors.map((e: { pointer: string }) => e.pointer), ['/name', '/age'])

  const extra = await app.inject({ method: 'POST', url: '/test/echo', payload: { name: 'a', age: 1, admin: true } })
  t.equal(extra.statusCode, 400, 'unknown fields are rejected')
  t.match(extra.json().errors[0].detail, /admin/)

  const notJson = await app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload: '{"name": ' })
  t.equal(notJson.statusCode, 400)
  t.match(notJson.json(), { status: 400, title: 'Bad Request', detail: /JSON/ })

  const good = await app.inject({ method: 'POST', url: '/test/echo', payload: { name: 'Derek', age: 75 } })
  t.same(good.json(), { name: 'Derek', age: 75 })
})

t.test('a 503 problem → Retry-After, so clients and proxies know when to try again', async (t) => {
  const { db } = await testDatabase(t, { demo: 'empty' })
  const app = await buildApp(testConfig({ kind: 'pglite', dataDir: 'unused' }), { db, now: () => FIXED_NOW })
  await app.register(
    async (scope) => {
      scope.get('/down', async () => {
        throw new ServiceUnavailable('The database is unavailable or too busy just now. Try again shortly.')
      })
    },
    { prefix: '/test' },
  )
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/test/down' })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], String(RETRY_AFTER_SECONDS))
  t.match(res.json(), { type: /problems\/unavailable$/, status: 503 })
  t.equal((await app.inject({ url: '/health' })).headers['retry-after'], undefined, 'only on 503s')
})
