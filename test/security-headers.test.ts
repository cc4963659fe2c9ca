import t from 'tap'
import { buildTestApp } from './helper.ts'

t.test('security headers on API responses and the docs page', async (t) => {
  const app = await buildTestApp(t, { demo: false })
  const res = await app.inject({ url: '/health' })
  t.match(res.headers, {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'strict-transport-security': /max-age=\d+/,
    'referrer-policy': 'no-referrer',
    'content-security-policy': /default-src 'self'/,
  })
  t.notMatch(res.headers['content-security-policy'], /upgrade-insecure-requests/, 'plain HTTP keeps working')
  const docs = await app.inject({ url: '/docs/' })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-security-policy'], /script-src 'self'/)
  t.notMatch(docs.headers['content-security-policy'], /upgrade-insecure-requests/)
  const scripts = [...docs.body.matchAll(/<script src="\.?\/?([^"]+)"/g)].map((m) => m[1]!)
  t.ok(scripts.length > 0, 'the page loads its scripts from this service')
  for (const src of scripts) t.equal((await app.inject({ url: `/docs/${src.replace(/^\.\//, '')}` })).statusCode, 200, `${src} is served`)
})
