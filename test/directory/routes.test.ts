import t from 'tap'
import { readMigrations } from '../../src/db/migrate.ts'
import { DEMO_SEED, demoListings, generateDemo } from '../../src/demo/generate.ts'
import { buildTestApp, FIXED_NOW } from '../helper.ts'

const demo = generateDemo({ seed: DEMO_SEED, now: FIXED_NOW })
const listings = demoListings(demo)

t.test('directory API over the demo directory', async (t) => {
  const app = await buildTestApp(t)

  t.test('GET /api/services → the whole directory, a page at a time, in name order', async (t) => {
    const page1 = (await app.inject({ url: '/api/services?per_page=25' })).json()
    t.equal(page1.total, listings.length)
    t.equal(page1.items.length, 25)
    const names = listings.map((s) => s.document.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    t.equal(page1.items[0].name, names[0])
    const last = Math.ceil(listings.length / 25)
    const lastPage = (await app.inject({ url: `/api/services?per_page=25&page=${last}` })).json()
    t.equal(lastPage.items.length, listings.length - 25 * (last - 1))
  })

  t.test('GET /api/services?taxonomy_term=practical-support → its child terms too', async (t) => {
    const res = (await app.inject({ url: '/api/services?taxonomy_term=practical-support&per_page=100' })).json()
    const practical = new Set(['practical-support', 'housing', 'debt-and-benefits', 'employment', 'food'])
    const expected = new Set(listings.filter((s) => s.document.taxonomy_terms.some((c) => practical.has(c))).map((s) => s.id))
    t.equal(res.total, expected.size)
    t.ok(res.items.every((s: { taxonomy_terms: string[] }) => s.taxonomy_terms.some((c) => practical.has(c))))
  })

  t.test('GET /api/services/:id → the service as generated, with its parts', async (t) => {
    const listing = listings.find((s) => s.document.delivery_modes.includes('venue') && s.document.maximum_age !== null)!
    const service = listing.document
    const body = (await app.inject({ url: `/api/services/${listing.id}` })).json()
    t.match(body, {
      id: listing.id,
      name: service.name,
      group_size: service.group_size,
      maximum_age: service.maximum_age,
      physical_intensity: service.physical_intensity,
      referral_capacity: service.referral_capacity,
      organization: { id: listing.organization_id },
    })
    t.equal(body.verified_at, new Date(listing.confirmed_at).toISOString())
    // Location ids are the store's: the listing's venues as the database holds them, and by name as generated.
    const { rows: held } = await app.db.query<{ location_id: string }>('SELECT location_id FROM service_at_location WHERE service_id = $1', [listing.id])
    t.same(body.locations.map((l: { id: string }) => l.id).sort(), held.map((x) => x.location_id).sort())
    t.same(body.locations.map((l: { name: string }) => l.name).sort(), service.locations.map((l) => l.name).sort())
    const location = service.locations.find((l) => l.name === body.locations[0].name)!
    t.equal(body.locations[0].latitude, location.latitude)
    t.equal(body.locations[0].address.postal_code, location.address.postal_code)
    const features = location.accessibility.map((a) => a.feature).sort()
    t.same(body.locations[0].accessibility.map((a: { feature: string }) => a.feature), features)
    t.equal(body.contacts.length, service.contacts.length)
    t.match(body.contacts[0].phones[0].number, /^(020 7946 0\d{3}|07700 900\d{3})$/)
  })

  t.test('GET /api/organizations/:id → the organisation and all its services', async (t) => {
    const org = demo.organizations[0]!
    const body = (await app.inject({ url: `/api/organizations/${org.id}` })).json()
    t.equal(body.name, org.document.name)
    t.same(
      body.services.map((s: { id: string }) => s.id).sort(),
      org.services.map((s) => s.id).sort(),
    )
  })

  t.test('GET /api/taxonomy/terms → 20 terms, with the words search will use', async (t) => {
    const terms = (await app.inject({ url: '/api/taxonomy/terms' })).json()
    t.equal(terms.length, 20)
    const arts = terms.find((x: { code: string }) => x.code === 'arts-and-crafts')
    t.ok(arts.synonyms.includes('knitting'))
    const mens = terms.find((x: { code: string }) => x.code === 'mens-groups')
    t.ok(mens.synonyms.includes('blokes'))
    const housing = terms.find((x: { code: string }) => x.code === 'housing')
    t.equal(housing.parent_id, terms.find((x: { code: string }) => x.code === 'practical-support').id)
  })

  t.test('GET /docs/openapi.json → OpenAPI 3.1 describing every route', async (t) => {
    const doc = (await app.inject({ url: '/docs/openapi.json' })).json()
    t.equal(doc.openapi, '3.1.0')
    for (const path of ['/api/organizations/{id}', '/api/services', '/api/services/{id}', '/api/taxonomy/terms', '/health', '/ready']) {
      t.ok(doc.paths[path], `${path} is described`)
    }
    const undocumented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops as Record<string, { summary?: string; tags?: string[] }>)
        .filter(([, op]) => !op.summary || !op.tags?.length)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    )
    t.same(undocumented, [], 'every operation has a summary and a tag')
    const group = doc.paths['/api/services/{id}'].get.responses['200'].content['application/json'].schema.properties.group_size
    t.same(group.enum, ['one_to_one', 'small', 'large'])
  })

  t.test('GET /ready → ready, with every migration applied', async (t) => {
    const res = await app.inject({ url: '/ready' })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { status: 'ready', migrations: readMigrations().length })
  })
})
