// Input the database cannot hold, ids in any case, and requests Fastify or Node refuse before a
// route runs: each a clear 4xx problem+json that echoes nothing, and nothing stored.
import { connect } from 'node:net'
import t from 'tap'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { buildTestApp } from '../helper.ts'
import { text, Visitor } from '../web/helper.ts'

const PASSWORD = 'a long and unremarkable passphrase'
const PROBLEM = 'application/problem+json; charset=utf-8'

t.test('input the service cannot store or read', async (t) => {
  const app = await buildTestApp(t)
  const { rows } = await app.db.query<{ org: string; service: string }>(
    `SELECT s.organization_id AS org, s.id AS service FROM service s
      WHERE (SELECT count(*) FROM service_at_location sal WHERE sal.service_id = s.id) = 1 ORDER BY s.id LIMIT 1`,
  )
  const { org, service } = rows[0]!
  await createAccount(app.db, { email: 'ed@example.org', role: 'editor', passwordHash: await hashPassword(PASSWORD), organizationIds: [org] })
  const signIn = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email: 'ed@example.org', password: PASSWORD } })
  const cookie = `connector_session=${signIn.cookies.find((c) => c.name === 'connector_session')!.value}`
  const read = async (url: string) => {
    const res = await app.inject({ url, headers: { cookie } })
    return res.json() as { version: number; document: Record<string, any> }
  }
  const put = (url: string, version: number, payload: unknown) =>
    app.inject({ method: 'PUT', url, headers: { cookie, 'if-match': `"${version}"` }, payload: payload as object })
  const count = async (table: string) => (await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n

  t.test('GET with a NUL byte in the query string → 400 problem naming the parameter on the API and ORUK; a 400 page on the pages', async (t) => {
    for (const [url, field] of [
      ['/api/search?q=a%00b', '/q'],
      ['/oruk/services?search=a%00b', '/search'],
    ] as const) {
      const res = await app.inject({ url })
      t.equal(res.statusCode, 400, url)
      t.equal(res.headers['content-type'], PROBLEM)
      t.match(res.json(), { status: 400, errors: [{ in: 'querystring', pointer: field, detail: /NUL character/ }] })
    }
    const page = await app.inject({ url: '/search?q=tea%00', headers: { accept: 'text/html' } })
    t.equal(page.statusCode, 400)
    t.match(page.headers['content-type'], /^text\/html/)
    t.match(text(page.body), 'Text that cannot be stored in querystring /q')
  })

  t.test('PUT a service document with a NUL byte in a nested field → 400 naming that field; the listing as it was', async (t) => {
    const before = await read(`/api/manage/services/${service}`)
    const document = { ...before.document, contacts: [{ name: 'Jo\u0000', phones: [] }] }
    const res = await put(`/api/manage/services/${service}`, before.version, document)
    t.equal(res.statusCode, 400)
    t.match(res.json(), { errors: [{ in: 'body', pointer: '/contacts/0/name', detail: /NUL/ }] })
    t.same(await read(`/api/manage/services/${service}`), before, 'nothing stored')
  })

  t.test('PUT an organisation document with a lone surrogate (text or a key) → 400 naming it; the record as it was', async (t) => {
    const before = await read(`/api/manage/organizations/${org}`)
    for (const [document, pointer] of [
      [{ ...before.document, description: 'Tea \ud83d and cake' }, '/description'],
      [{ ...before.document, ['\udc00']: 1 }, '/\udc00'],
    ] as const) {
      const res = await put(`/api/manage/organizations/${org}`, before.version, document)
      t.equal(res.statusCode, 400)
      t.match(res.json(), { errors: [{ in: 'body', pointer, detail: /lone UTF-16 surrogate/ }] })
    }
    // A whole pair is a character like any other.
    const ok = await put(`/api/manage/organizations/${org}`, before.version, { ...before.document, description: 'Tea \ud83d\ude00 and cake' })
    t.equal(ok.statusCode, 200)
    t.equal((await read(`/api/manage/organizations/${org}`)).document.description, 'Tea 😀 and cake')
  })

  t.test('POST a form with a NUL byte → 400 problem, nobody signed in', async (t) => {
    const visitor = new Visitor(app)
    await visitor.get('/sign-in')
    const res = await visitor.post('/sign-in', { email: 'ed@example.org\u0000', password: PASSWORD })
    t.equal(res.status, 400)
    t.match(text(res.html), 'Text that cannot be stored in body /email')
    t.notOk(visitor.hasCookie('connector_session'))
  })

  t.test('a JSON body nested 100,000 deep → 400, not a stack overflow', async (t) => {
    const deep = `${'['.repeat(100_000)}"\u0000"${']'.repeat(100_000)}`
    const res = await app.inject({ method: 'POST', url: '/api/match', headers: { 'content-type': 'application/json' }, payload: deep })
    t.equal(res.statusCode, 400)
    t.equal(res.headers['content-type'], PROBLEM)
  })

  t.test('ids in upper case name the same records as in lower case', async (t) => {
    const upper = (id: string) => id.toUpperCase()
    for (const url of [`/oruk/organizations/${org}`, `/oruk/services/${service}`, `/api/services/${service}`, `/api/manage/services/${service}`]) {
      const lower = await app.inject({ url, headers: { cookie } })
      const res = await app.inject({ url: url.replace(/[0-9a-f-]{36}$/, upper), headers: { cookie } })
      t.equal(res.statusCode, 200, url)
      t.same(res.json(), lower.json(), `${url} in upper case`)
    }
    const listed = await app.inject({ url: `/api/services?organization_id=${upper(org)}` })
    t.ok(listed.json().items.length > 0)
    t.ok(listed.json().items.every((s: { organization: { id: string } }) => s.organization.id === org), 'filtered by the organisation')
  })

  t.test('PUT a service document naming the same venue twice → 400 on the second; no venue row added or left behind', async (t) => {
    const before = await read(`/api/manage/services/${service}`)
    const venue = before.document.locations[0]
    const [locations, addresses] = [await count('location'), await count('address')]
    const res = await put(`/api/manage/services/${service}`, before.version, { ...before.document, locations: [venue, { ...venue, id: venue.id.toUpperCase() }] })
    t.equal(res.statusCode, 400)
    t.match(res.json(), { errors: [{ in: 'body', pointer: '/locations/1/id', detail: 'the same venue as /locations/0: list each venue once' }] })
    t.same(await read(`/api/manage/services/${service}`), before)
    t.same([await count('location'), await count('address')], [locations, addresses])
  })

  t.test('POST restore of a version number past what the database holds → 400 naming it, not a 500', async (t) => {
    await createAccount(app.db, { email: 'admin@example.org', role: 'admin', passwordHash: await hashPassword(PASSWORD) })
    const admin = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email: 'admin@example.org', password: PASSWORD } })
    const adminCookie = `connector_session=${admin.cookies.find((c) => c.name === 'connector_session')!.value}`
    for (const version of ['99999999999', '2147483648']) {
      const res = await app.inject({ method: 'POST', url: `/api/admin/services/${service}/versions/${version}/restore`, headers: { cookie: adminCookie } })
      t.equal(res.statusCode, 400, version)
      t.match(res.json(), { errors: [{ in: 'params', pointer: '/version' }] })
    }
  })

  t.test('errors met before a route runs are problems that do not echo the address', async (t) => {
    const long = `/oruk/services/${'x'.repeat(500)}<script>`
    for (const [url, status, detail] of [
      ['/api/services/%E0%A4%A', 400, 'The address is not validly percent-encoded.'],
      [long, 414, 'A part of the address is too long.'],
      ['/api/nowhere-<script>', 404, 'No GET route at this address. The API is described at /docs.'],
      ['/oruk/nowhere-<script>', 404, 'No GET route at this address. The API is described at /docs.'],
    ] as const) {
      const res = await app.inject({ url })
      t.equal(res.statusCode, status, url.slice(0, 40))
      t.equal(res.headers['content-type'], PROBLEM)
      t.match(res.json(), { status, detail, instance: /^urn:uuid:[0-9a-f-]{36}$/ })
      t.notMatch(res.body, /script|xxxxx|nowhere/, 'the address is not in the answer')
    }
    const media = await app.inject({ method: 'POST', url: '/api/match', headers: { 'content-type': 'text/x-<script>' }, payload: 'x' })
    t.equal(media.statusCode, 415)
    t.notMatch(media.body, /script/)
    const json = await app.inject({ method: 'POST', url: '/api/match', headers: { 'content-type': 'application/json' }, payload: '{"secret-value' })
    t.match(json.json(), { status: 400, detail: 'The body is not valid JSON.' })
    t.notMatch(json.body, /secret-value/)
  })

  t.test('requests Node itself cannot read → problem+json, then the connection closes', async (t) => {
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as { port: number }
    for (const [raw, status] of [
      ['GET /api/services HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(20_000) + '\r\n\r\n', 431],
      ['GET /<script> HTTP/9\r\n\r\n', 400],
      ['BR<script>OKEN\r\n\r\n', 400],
    ] as const) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(raw))
        let got = ''
        socket.on('data', (d) => (got += d.toString()))
        socket.on('close', () => resolve(got))
        socket.on('error', reject)
      })
      const [head, body] = answer.split('\r\n\r\n')
      t.match(head, new RegExp(`^HTTP/1.1 ${status} `), `${status} for ${raw.slice(0, 20)}`)
      t.match(head, /Content-Type: application\/problem\+json/)
      t.match(JSON.parse(body!), { status, type: /problems\/http-/ })
      t.notMatch(body, /script/)
    }
  })
})
