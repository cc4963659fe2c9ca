import t from 'tap'
import { readMigrations } from '../../src/db/migrate.ts'
import { DEMO_SEED, generateDemo } from '../../src/demo/generate.ts'
import { buildTestApp, FIXED_NOW } from '../helper.ts'

const demo = generateDemo({ seed: DEMO_SEED, now: FIXED_NOW })

t.test('directory API over the demo directory', async (t) => {
  const app = await buildTestApp(t)

  t.test('GET /api/services → the whole directory, a page at a time, in name order', async (t) => {
    const page1 = (await app.inject({ url: '/api/services?per_page=25' })).json()
    t.equal(page1.total, demo.service.length)
    t.equal(page1.items.length, 25)
    const names = demo.service.map((s) => s.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    t.equal(page1.items[0].name, names[0])
    const last = Math.ceil(demo.service.length / 25)
    const lastPage = (await app.inject({ url: `/api/services?per_page=25&page=${last}` })).json()
    t.equal(lastPage.items.length, demo.service.length - 25 * (last - 1))
  })

  t.test('GET /api/services?taxonomy_term=practical-support → its child terms too', async (t) => {
    const res = (await app.inject({ url: '/api/services?taxonomy_term=practical-support&per_page=100' })).json()
    const practical = new Set(['practical-support', 'housing', 'debt-and-benefits', 'employment', 'food'])
    const expected = new Set(demo.service_taxonomy_term.filter((l) => practical.has(l.taxonomy_term_code)).map((l) => l.service_id))
    t.equal(res.total, expected.size)
    t.ok(res.items.every((s: { taxonomy_terms: string[] }) => s.taxonomy_terms.some((c) => practical.has(c))))
  })

  t.test('GET /api/services/:id → the service as generated, with its parts', async (t) => {
    const service = demo.service.find((s) => s.delivery_modes.includes('venue') && s.maximum_age !== null)!
    const body = (await app.inject({ url: `/api/services/${service.id}` })).json()
    t.match(body, {
      id: service.id,
      name: service.name,
      group_size: service.group_size,
      maximum_age: service.maximum_age,
      physical_intensity: service.physical_intensity,
      referral_capacity: service.referral_capacity,
      organization: { id: service.organization_id },
    })
    t.equal(body.verified_at, service.verified_at === null ? null : new Date(service.verified_at).toISOString())
    const sal = demo.service_at_location.filter((x) => x.service_id === service.id)
    t.same(body.locations.map((l: { id: string }) => l.id).sort(), sal.map((x) => x.location_id).sort())
    const location = demo.location.find((l) => l.id === body.locations[0].id)!
    t.equal(body.locations[0].latitude, location.latitude)
    const address = demo.address.find((a) => a.location_id === location.id)!
    t.equal(body.locations[0].address.postal_code, address.postal_code)
    const features = demo.accessibility.filter((a) => a.location_id === location.id).map((a) => a.feature).sort()
    t.same(body.locations[0].accessibility.map((a: { feature: string }) => a.feature), features)
    const contacts = demo.contact.filter((c) => c.service_id === service.id)
    t.equal(body.contacts.length, contacts.length)
    t.match(body.contacts[0].phones[0].number, /^(020 7946 0\d{3}|07700 900\d{3})$/)
  })

  t.test('GET /api/organizations/:id → the organisation and all its services', async (t) => {
    const org = demo.organization[0]!
    const body = (await app.inject({ url: `/api/organizations/${org.id}` })).json()
    t.equal(body.name, org.name)
    t.same(
      body.services.map((s: { id: string }) => s.id).sort(),
      demo.service.filter((s) => s.organization_id === org.id).map((s) => s.id).sort(),
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
