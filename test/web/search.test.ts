// The search and listing pages over the demo directory, as a browser without JavaScript sees them.
import t from 'tap'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { buildTestApp } from '../helper.ts'
import { errorSummary, text, Visitor } from './helper.ts'

const PASSWORD = 'a long and unusual passphrase'

t.test('search and listing pages', async (t) => {
  const app = await buildTestApp(t)
  await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: await hashPassword(PASSWORD) })

  t.test('GET /search with a postcode and words lists the same services, in the same order, as the search API', async (t) => {
    const api = (await app.inject({ url: '/api/search?postcode=CR0%201AA&q=singing&per_page=10' })).json()
    const page = await new Visitor(app).get('/search?postcode=CR0+1AA&q=singing')
    t.equal(page.status, 200)
    const ids = [...page.html.matchAll(/data-service-id="([^"]+)"/g)].map((m) => m[1])
    t.same(ids, api.results.map((r: { id: string }) => r.id))
    t.match(text(page.html), `${api.total} activities within 5 km of CR0 1AA`)
    const first = api.results[0]
    t.match(text(page.html), `${first.name} ${first.organization.name}`)
    t.match(page.html, 'id="results-map-data"', 'the map has its data')
    t.match(page.html, `href="/search?q=singing&amp;postcode=CR0+1AA&amp;page=2"`, 'the next page keeps the search')
  })

  t.test('GET /search filters: free only and step-free narrow the list to listings that have them', async (t) => {
    const api = (await app.inject({ url: '/api/search?postcode=CR0%201AA&free=true&accessibility=step_free&per_page=10' })).json()
    const page = await new Visitor(app).get('/search?postcode=CR0+1AA&free=true&accessibility=step_free')
    const ids = [...page.html.matchAll(/data-service-id="([^"]+)"/g)].map((m) => m[1])
    t.same(ids, api.results.map((r: { id: string }) => r.id))
    t.ok(api.total > 0)
    t.notMatch(text(page.html), 'Costs money')
    t.match(page.html, /<input[^>]*id="free"[^>]*checked/, 'the filter stays ticked')
  })

  t.test('GET /search with an unknown postcode → 422 page with the NHS error summary linking to the field', async (t) => {
    const page = await new Visitor(app).get('/search?postcode=ZZ99+9ZZ')
    t.equal(page.status, 422)
    t.same(errorSummary(page.html), ['postcode: Enter a real postcode, like CR0 1AA, or a postcode district, like CR0'])
    t.match(page.html, /<title>Error: Find activities/)
  })

  t.test('GET /services/:id shows when, where, access, cost and contact', async (t) => {
    const api = (await app.inject({ url: '/api/search?postcode=CR0%201AA&q=singing&per_page=1' })).json()
    const service = (await app.inject({ url: `/api/services/${api.results[0].id}` })).json()
    const page = await new Visitor(app).get(`/services/${service.id}`)
    t.equal(page.status, 200)
    const words = text(page.html)
    t.match(words, service.name)
    t.match(words, service.locations[0].address.postal_code)
    t.match(words, 'Next sessions:')
    for (const phone of service.contacts.flatMap((c: { phones: { number: string }[] }) => c.phones)) t.match(words, phone.number)
    t.match(page.html, `href="/services/${service.id}/report-problem"`)
  })

  t.test('GET /services/:id shows a paid listing’s prices in pounds', async (t) => {
    const { rows } = await app.db.query<{ service_id: string; option: string; amount: string }>(
      `SELECT service_id, option, amount::text FROM cost_option WHERE amount > 0 AND amount <> trunc(amount) ORDER BY service_id LIMIT 1`,
    )
    const paid = rows[0]!
    const page = await new Visitor(app).get(`/services/${paid.service_id}`)
    t.equal(page.status, 200)
    t.match(text(page.html), `${paid.option}: £${Number(paid.amount).toFixed(2)}`)
  })

  t.test('GET /services/<unknown> → 404 page in words', async (t) => {
    const page = await new Visitor(app).get('/services/00000000-0000-4000-8000-000000000000')
    t.equal(page.status, 404)
    t.match(text(page.html), 'Page not found There is no listing at this address')
    const notUuid = await new Visitor(app).get('/services/nope')
    t.equal(notUuid.status, 404)
  })

  t.test('an unknown page → HTML 404 for a browser, problem+json for an API client', async (t) => {
    const page = await new Visitor(app).get('/no-such-page')
    t.equal(page.status, 404)
    t.match(page.headers['content-type'], 'text/html')
    const api = await app.inject({ url: '/no-such-page' })
    t.match(api.headers['content-type'], 'application/problem+json')
  })

  t.test('report a problem: sign-in first, a kind is required, then the report reaches the organisation', async (t) => {
    const api = (await app.inject({ url: '/api/search?postcode=CR0%201AA&q=singing&per_page=1' })).json()
    const id = api.results[0].id
    const visitor = new Visitor(app)
    const anonymous = await visitor.get(`/services/${id}/report-problem`)
    t.equal(anonymous.status, 303)
    t.equal(anonymous.location, `/sign-in?next=${encodeURIComponent(`/services/${id}/report-problem`)}`)
    await visitor.signIn('worker@example.org', PASSWORD)
    await visitor.get(`/services/${id}/report-problem`)
    const missing = await visitor.post(`/services/${id}/report-problem`, { note: 'x' })
    t.equal(missing.status, 422)
    t.same(errorSummary(missing.html), ['kind: Select what is wrong'])
    const sent = await visitor.post(`/services/${id}/report-problem`, { kind: 'wrong_time', note: 'Now on Wednesdays' })
    t.equal(sent.status, 303)
    t.equal(sent.location, `/services/${id}?reported=1`)
    const { rows } = await app.db.query('SELECT kind, note FROM problem_report WHERE service_id = $1', [id])
    t.same(rows, [{ kind: 'wrong_time', note: 'Now on Wednesdays' }])
  })

  t.test('POST without the CSRF token → 403 "form has expired", nothing stored', async (t) => {
    const visitor = new Visitor(app)
    await visitor.signIn('worker@example.org', PASSWORD)
    const api = (await app.inject({ url: '/api/search?postcode=CR0%201AA&q=choir&per_page=1' })).json()
    const res = await visitor.post(`/services/${api.results[0].id}/report-problem`, { _csrf: 'forged', kind: 'closed' })
    t.equal(res.status, 403)
    t.match(text(res.html), 'This form has expired')
    const inQuery = await visitor.post(`/services/${api.results[0].id}/report-problem?_csrf=${encodeURIComponent(visitor.csrf)}`, { _csrf: undefined, kind: 'closed' })
    t.equal(inQuery.status, 403, 'a valid token in the address counts only for sign-out')
    const { rows } = await app.db.query('SELECT 1 FROM problem_report WHERE service_id = $1', [api.results[0].id])
    t.equal(rows.length, 0)
  })

  t.test('sign in: wrong password → 422 with the error on the form; right → home for the role; sign out ends it', async (t) => {
    const visitor = new Visitor(app)
    await visitor.get('/sign-in')
    const wrong = await visitor.post('/sign-in', { email: 'worker@example.org', password: 'not it' })
    t.equal(wrong.status, 422)
    t.same(errorSummary(wrong.html), ['password: The email address or password is not right'])
    t.match(wrong.html, 'value="worker@example.org"', 'the email is kept')
    t.equal(await visitor.signIn('worker@example.org', PASSWORD), '/search')
    t.ok(visitor.hasCookie('connector_session'))
    const home = await visitor.get('/')
    t.match(text(home.html), 'worker@example.org')
    const out = await visitor.post('/sign-out')
    t.equal(out.status, 303)
    t.notOk(visitor.hasCookie('connector_session'))
  })

  t.test('sign in keeps only local next addresses', async (t) => {
    for (const next of ['//evil.example/x', '/\\evil.example', '/\t/evil.example', '/\r\n/x', 'https://evil.example/', '/ /x']) {
      const visitor = new Visitor(app)
      await visitor.get('/sign-in')
      const res = await visitor.post('/sign-in', { email: 'worker@example.org', password: PASSWORD, next })
      t.equal(res.location, '/search', JSON.stringify(next))
    }
    const visitor = new Visitor(app)
    await visitor.get('/sign-in')
    const kept = await visitor.post('/sign-in', { email: 'worker@example.org', password: PASSWORD, next: '/services/x?y=1' })
    t.equal(kept.location, '/services/x?y=1')
    const already = await visitor.get(`/sign-in?next=${encodeURIComponent('/\t/evil.example')}`)
    t.equal(already.location, '/search', 'a signed-in visitor is not sent off-site either')
  })

  t.test('POST /sign-in with a field repeated → 400 page, not 500', async (t) => {
    const visitor = new Visitor(app)
    await visitor.get('/sign-in')
    const res = await visitor.post('/sign-in', { email: ['a@example.org', 'b@example.org'], password: 'x' })
    t.equal(res.status, 400)
    t.match(text(res.html), 'The form could not be read')
  })

  t.test('sign-out with a session that has already ended → home, cookie cleared', async (t) => {
    const visitor = new Visitor(app)
    await visitor.signIn('worker@example.org', PASSWORD)
    await app.db.query('UPDATE auth_session SET revoked_at = $1', [new Date().toISOString()])
    await visitor.get('/')
    const res = await visitor.post('/sign-out')
    t.equal(res.status, 303)
    t.equal(res.location, '/')
    t.notOk(visitor.hasCookie('connector_session'))
  })

  t.test('GET /search beyond the last page → the last page; a garbled page → the first; a typed distance is kept', async (t) => {
    const visitor = new Visitor(app)
    const beyond = await visitor.get('/search?postcode=CR0+1AA&q=singing&page=999')
    t.equal(beyond.status, 303)
    t.equal(beyond.location, '/search?q=singing&postcode=CR0+1AA&page=3')
    const garbled = await visitor.get('/search?postcode=CR0+1AA&q=singing&page=1e300')
    t.equal(garbled.status, 200)
    t.match(text(garbled.html), 'Showing 1 to 10')
    const far = await visitor.get('/search?postcode=CR0+1AA&radius_km=50')
    t.equal(far.status, 200)
    t.match(far.html, /<option value="50" selected>50 km/)
    t.match(text(far.html), 'within 50 km of CR0 1AA')
  })
})
