import t from 'tap'
import { DEMO_SEED, PERSONA_POSTCODES, demoListings, generateDemo } from '../../src/demo/generate.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'
import { validate } from './validator.ts'

const listings = demoListings(generateDemo({ seed: DEMO_SEED, now: FIXED_NOW })).map((s) => s.document)

t.test('ORUK search, postcode and proximity go through the search engine', async (t) => {
  const app = await buildTestApp(t)

  t.test('GET /oruk/services?search=knittng → the knitting groups first, a valid ORUK page', async (t) => {
    const res = await app.inject({ url: '/oruk/services?search=knittng&per_page=10' })
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.same(validate('service_list', body), [])
    const knitting = listings.filter((s) => /knit/i.test(s.name)).length
    t.ok(body.contents.slice(0, knitting).every((s: { name: string }) => /knit/i.test(s.name)), 'ranked by relevance')
    t.equal(body.total_items, listings.filter((s) => s.taxonomy_terms.includes('arts-and-crafts') && s.status === 'active').length)
  })

  t.test('GET /oruk/service_at_locations?postcode&proximity → venues within the distance, nearest first', async (t) => {
    const res = await app.inject({ url: `/oruk/service_at_locations?postcode=${encodeURIComponent(PERSONA_POSTCODES.priti)}&proximity=1200&per_page=500` })
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.same(validate('service_at_location_list', body), [])
    t.ok(body.total_items > 3)
    const here = (await app.inject({ url: `/api/postcodes/${encodeURIComponent(PERSONA_POSTCODES.priti)}` })).json()
    const distances: number[] = []
    for (const sal of body.contents) {
      const { rows } = await app.db.query<{ d: number }>(
        'SELECT ST_Distance(geom, ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography) AS d FROM location WHERE id = $3',
        [here.latitude, here.longitude, sal.location_id],
      )
      distances.push(rows[0]!.d)
    }
    t.ok(distances.every((d) => d <= 1200), 'every venue within 1,200 m')
    t.same(distances, [...distances].sort((a, b) => a - b), 'nearest first')
  })

  t.test('bad search parameters → problem+json with the CORS header', async (t) => {
    const noPostcode = await app.inject({ url: '/oruk/services?proximity=500' })
    t.equal(noPostcode.statusCode, 400)
    t.match(noPostcode.json(), { detail: 'proximity needs a postcode' })
    const bad = await app.inject({ url: '/oruk/services?postcode=nowhere' })
    t.equal(bad.statusCode, 422)
    t.equal(bad.headers['access-control-allow-origin'], '*')
    t.match(bad.json(), { detail: '"nowhere" is not a UK postcode' })
    // Found by the fuzz suite: a positive proximity too small to be a distance in km was a 500.
    const tiny = await app.inject({ url: '/oruk/services?postcode=CR0%201NX&proximity=5e-324' })
    t.equal(tiny.statusCode, 400)
    t.match(tiny.json(), { status: 400, detail: 'Invalid querystring: proximity', errors: [{ in: 'querystring', pointer: '/proximity' }] })
  })
})
