// What API clients and the operators behind a proxy expect of HTTP: CORS on the open data API,
// no caching of what a signed-in person is shown, the real client address behind a trusted
// proxy, rate limits where anyone may call, and an audit log that junk cannot flood.
import t from 'tap'
import { hashPassword } from '../../src/auth/passwords.ts'
import { ANONYMOUS_REFUSAL_ROWS_PER_HOUR, clientNetwork, createAccount } from '../../src/auth/store.ts'
import { ANONYMOUS_MATCHES_PER_MINUTE } from '../../src/match/routes.ts'
import { linkKey, makeConfirmLink } from '../../src/freshness/freshness.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'
import { text, Visitor } from '../web/helper.ts'

const PASSWORD = 'a long and unremarkable passphrase'

t.test('OPTIONS /oruk/services from any origin → 204 preflight allowing GET; /api stays same-origin', async (t) => {
  const app = await buildTestApp(t)
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/oruk/services',
    headers: { origin: 'https://directory.example.net', 'access-control-request-method': 'GET' },
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], '*')
  t.match(preflight.headers['access-control-allow-methods'], /GET/)
  const get = await app.inject({ url: '/oruk/services?per_page=1', headers: { origin: 'https://directory.example.net' } })
  t.equal(get.headers['access-control-allow-origin'], '*')
  const api = await app.inject({ method: 'OPTIONS', url: '/api/services', headers: { origin: 'https://directory.example.net', 'access-control-request-method': 'GET' } })
  t.equal(api.headers['access-control-allow-origin'], undefined, 'the rest of the API grants no other origin')
})

t.test('signed-in API responses → Cache-Control: no-store; public ones are left cacheable', async (t) => {
  const app = await buildTestApp(t)
  await createAccount(app.db, { email: 'lw@example.org', role: 'link_worker', passwordHash: await hashPassword(PASSWORD) })
  const signIn = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email: 'lw@example.org', password: PASSWORD } })
  t.equal(signIn.headers['cache-control'], 'no-store', 'the answer that sets the session cookie')
  const cookie = `connector_session=${signIn.cookies.find((c) => c.name === 'connector_session')!.value}`
  for (const url of ['/api/auth/me', '/api/services?per_page=1']) {
    t.equal((await app.inject({ url, headers: { cookie } })).headers['cache-control'], 'no-store', url)
  }
  t.equal((await app.inject({ url: '/api/services?per_page=1' })).headers['cache-control'], undefined, 'nobody signed in: no-store not needed')
})

t.test('POST /api/match without signing in → 429 problem after the per-minute allowance; signed in → not limited', async (t) => {
  const app = await buildTestApp(t)
  const statuses = []
  // An empty profile is refused (400) before any matching, but still counts against the allowance.
  for (let i = 0; i <= ANONYMOUS_MATCHES_PER_MINUTE; i++) statuses.push((await app.inject({ method: 'POST', url: '/api/match', payload: {} })).statusCode)
  t.same(statuses.slice(0, -1), Array(ANONYMOUS_MATCHES_PER_MINUTE).fill(400))
  const limited = await app.inject({ method: 'POST', url: '/api/match', payload: {} })
  t.equal(limited.statusCode, 429)
  t.match(limited.json(), { status: 429, type: /problems\/too-many-requests$/, detail: /^Too many requests from this address just now. Try again in / })
  t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8')

  await createAccount(app.db, { email: 'lw@example.org', role: 'link_worker', passwordHash: await hashPassword(PASSWORD) })
  const signIn = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email: 'lw@example.org', password: PASSWORD } })
  const cookie = `connector_session=${signIn.cookies.find((c) => c.name === 'connector_session')!.value}`
  t.equal((await app.inject({ method: 'POST', url: '/api/match', payload: {}, headers: { cookie } })).statusCode, 400, 'a signed-in link worker from the same address is not limited')
})

t.test('POST /match page without signing in → the page says 429 after the same allowance', async (t) => {
  const app = await buildTestApp(t)
  const visitor = new Visitor(app)
  await visitor.get('/match')
  const statuses = []
  for (let i = 0; i <= ANONYMOUS_MATCHES_PER_MINUTE; i++) statuses.push((await visitor.post('/match', {})).status)
  t.same(statuses, [...Array(ANONYMOUS_MATCHES_PER_MINUTE).fill(422), 429])
  const page = await visitor.post('/match', {})
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(text(page.html), 'Too many requests from this address just now')
})

t.test('POST /api/confirm with forged links → 422 each, then 429 problem; each refusal audited until then', async (t) => {
  const app = await buildTestApp(t)
  const { rows } = await app.db.query<{ id: string }>('SELECT id FROM service ORDER BY id LIMIT 1')
  const link = { service: rows[0]!.id, expires: 1_900_000_000, sig: 'forged-signature-0000' }
  const statuses = []
  for (let i = 0; i < 21; i++) statuses.push((await app.inject({ method: 'POST', url: '/api/confirm', payload: link })).statusCode)
  t.same(statuses, [...Array(20).fill(422), 429])
  const { rows: audited } = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'service_confirm_link'`)
  t.equal(audited[0]!.n, 20)
})

t.test('POST /confirm page with a real link, pressed again and again → thanked 20 times, then a page asking to wait (the link still good)', async (t) => {
  const app = await buildTestApp(t)
  const { rows } = await app.db.query<{ id: string }>(`SELECT id FROM service WHERE status = 'active' ORDER BY id LIMIT 1`)
  const link = makeConfirmLink(await linkKey(app.db), rows[0]!.id, FIXED_NOW)
  const person = new Visitor(app)
  await person.get(`/confirm?service=${link.service}&expires=${link.expires}&sig=${link.sig}`)
  const statuses = []
  for (let i = 0; i < 21; i++) statuses.push((await person.post('/confirm', { ...link })).status)
  t.same(statuses, [...Array(20).fill(200), 429])
  const page = await person.post('/confirm', { ...link })
  t.match(text(page.html), 'Too many confirmations from here just now Wait a minute, then press the button again. The link still works.')
})

t.test('junk bearer tokens from one address → one audit row counting them; a signed-in refusal → a row each', async (t) => {
  const app = await buildTestApp(t)
  for (let i = 0; i < 50; i++) {
    const res = await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer junk-${i}` } })
    t.equal(res.statusCode, 401)
  }
  for (let i = 0; i < 5; i++) await app.inject({ url: '/api/admin/audit' })
  const anonymous = await app.db.query<{ reason: string; count: number; route: string }>(
    `SELECT detail->>'reason' AS reason, (detail->>'count')::int AS count, detail->>'route' AS route
       FROM audit_log WHERE action = 'access' AND account_id IS NULL ORDER BY reason`,
  )
  t.same(anonymous.rows, [
    { reason: 'invalid token', count: 50, route: '/api/auth/me' },
    { reason: 'not signed in', count: 5, route: '/api/admin/audit' },
  ])

  await createAccount(app.db, { email: 'lw@example.org', role: 'link_worker', passwordHash: await hashPassword(PASSWORD) })
  const signIn = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email: 'lw@example.org', password: PASSWORD } })
  const cookie = `connector_session=${signIn.cookies.find((c) => c.name === 'connector_session')!.value}`
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: '/api/admin/audit', headers: { cookie } })).statusCode, 403)
  const { rows } = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'access' AND account_id IS NOT NULL`)
  t.equal(rows[0]!.n, 3)
})

t.test('clientNetwork: IPv4 as it is, IPv6 by its /64, IPv4-mapped IPv6 as IPv4', async (t) => {
  t.equal(clientNetwork('203.0.113.9'), '203.0.113.9')
  t.equal(clientNetwork('::ffff:203.0.113.9'), '203.0.113.9')
  t.equal(clientNetwork('2001:db8:0:1:a:b:c:d'), '2001:db8:0:1::/64')
  t.equal(clientNetwork('2001:DB8::1'), '2001:db8:0:0::/64')
  t.equal(clientNetwork('2001:db8:0:1::9'), '2001:db8:0:1::/64')
  t.equal(clientNetwork('::1'), '0:0:0:0::/64')
})

t.test('junk tokens from many IPv6 addresses of one /64 → one row; past the hourly cap, other addresses share one row', async (t) => {
  const app = await buildTestApp(t)
  for (let i = 1; i <= 20; i++) {
    await app.inject({ url: '/api/auth/me', remoteAddress: `2001:db8:0:1::${i.toString(16)}`, headers: { authorization: 'Bearer junk' } })
  }
  const rows = async () => (await app.db.query<{ ip: string; count: number }>(
    `SELECT ip, (detail->>'count')::int AS count FROM audit_log WHERE action = 'access' AND account_id IS NULL ORDER BY id`,
  )).rows
  t.same(await rows(), [{ ip: '2001:db8:0:1::/64', count: 20 }])
  // As many more addresses as the cap allows rows, each its own row.
  for (let i = 2; i <= ANONYMOUS_REFUSAL_ROWS_PER_HOUR; i++) {
    await app.inject({ url: '/api/auth/me', remoteAddress: `10.0.${i >> 8}.${i & 255}`, headers: { authorization: 'Bearer junk' } })
  }
  t.equal((await rows()).length, ANONYMOUS_REFUSAL_ROWS_PER_HOUR)
  for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
    await app.inject({ url: '/api/auth/me', remoteAddress: address, headers: { authorization: 'Bearer junk' } })
  }
  const last = (await rows()).slice(-1)
  t.same(last, [{ ip: '*', count: 3 }], 'three new addresses past the cap: one row counting them')
})

t.test('TRUST_PROXY names the proxy: the forwarded client address is audited and rate-limited; untrusted, it is ignored', async (t) => {
  const junk = { authorization: 'Bearer junk', 'x-forwarded-for': '203.0.113.9' }
  const addresses = async (trustProxy: false | string[]) => {
    const app = await buildTestApp(t, { config: { trustProxy } })
    await app.inject({ url: '/api/auth/me', headers: junk })
    const { rows } = await app.db.query<{ ip: string }>(`SELECT ip FROM audit_log WHERE action = 'access'`)
    // Two clients behind the proxy each get their own allowance.
    for (let i = 0; i < ANONYMOUS_MATCHES_PER_MINUTE; i++) await app.inject({ method: 'POST', url: '/api/match', payload: {}, headers: { 'x-forwarded-for': '203.0.113.9' } })
    const other = await app.inject({ method: 'POST', url: '/api/match', payload: {}, headers: { 'x-forwarded-for': '198.51.100.7' } })
    return { audited: rows.map((r) => r.ip), otherClient: other.statusCode }
  }
  t.same(await addresses(['127.0.0.1']), { audited: ['203.0.113.9'], otherClient: 400 })
  t.same(await addresses(false), { audited: ['127.0.0.1'], otherClient: 429 })
})
