import t from 'tap'
import { DELIVERY_TAXONOMY } from '../../src/oruk/map.ts'
import { DEMO_SEED, demoListings, generateDemo, type DemoListing } from '../../src/demo/generate.ts'
import type { Queryable } from '../../src/db/db.ts'
import type { ServiceDocument } from '../../src/manage/schemas.ts'
import { uuidV5 } from '../../src/oruk/map.ts'
import { buildTestApp, FIXED_NOW } from '../helper.ts'

const demo = generateDemo({ seed: DEMO_SEED, now: FIXED_NOW })
const listings = demoListings(demo)
const HOUSING = 'af9468da-a55e-4eba-9eab-97a7d4d91cd9'
const TAXONOMY = 'b17df540-59ca-4770-a2c0-dbcc28039989'
const PRACTICAL_SUPPORT = '6e2873b2-7413-4c2e-9c4a-2efc3110afaf'
const UNKNOWN = '00000000-0000-4000-8000-000000000000'

type Schedule = ServiceDocument['schedules'][number]

/** The first demo listing with a schedule that passes `test`, and that schedule. */
function scheduleWhere(test: (s: Schedule) => boolean): { listing: DemoListing; schedule: Schedule } {
  for (const listing of listings) {
    const schedule = listing.document.schedules.find(test)
    if (schedule) return { listing, schedule }
  }
  throw new Error('no such schedule in the demo')
}

/**
 * The ids the store gave a venue's schedule and its service_at_location: the venue found by
 * name in the ORUK service, the schedule as the only one the database holds there.
 */
async function storedIds(db: Queryable, body: { service_at_locations: { id: string; location: { name: string } }[] }, listing: DemoListing, schedule: Schedule) {
  const venue = listing.document.locations[schedule.location_index!]!
  const salId = body.service_at_locations.find((x) => x.location.name === venue.name)!.id
  const { rows } = await db.query<{ id: string }>('SELECT id FROM schedule WHERE service_at_location_id = $1', [salId])
  if (rows.length !== 1) throw new Error(`${rows.length} schedules at ${venue.name}`)
  return { id: rows[0]!.id, service_at_location_id: salId }
}

interface Item {
  id: string
  [key: string]: unknown
}

t.test('ORUK API over the demo directory', async (t) => {
  const app = await buildTestApp(t)
  const get = async (url: string) => {
    const res = await app.inject({ url })
    return { res, body: String(res.headers['content-type']).startsWith('application/x-ndjson') ? undefined : res.json() }
  }

  t.test('GET /oruk/ → the HSDS version, the profile and where our OpenAPI document is', async (t) => {
    const { res, body } = await get('/oruk/')
    t.equal(res.statusCode, 200)
    t.same(body, {
      version: 'HSDS-UK-3.0',
      profile: 'https://openreferraluk.org/specifications/3.0/',
      openapi_url: 'http://localhost:80/docs/openapi.json',
    })
    const doc = (await app.inject({ url: new URL(body.openapi_url).pathname })).json()
    t.ok(doc.paths['/oruk/services/{id}'], 'the document describes the ORUK routes')
    t.same((await get('/oruk')).body, body, 'with or without the trailing slash')
  })

  t.test('GET /oruk/services → ORUK pages: 374 services, 8 pages of 50, the last of 24', async (t) => {
    const first = (await get('/oruk/services')).body
    t.match(first, { total_items: 374, total_pages: 8, page_number: 1, size: 50, first_page: true, last_page: false, empty: false })
    t.equal(first.contents.length, 50, 'per_page defaults to 50')
    const last = (await get('/oruk/services?page=8&per_page=50')).body
    t.match(last, { total_items: 374, total_pages: 8, page_number: 8, size: 24, first_page: false, last_page: true, empty: false })
    const beyond = (await get('/oruk/services?page=9')).body
    t.match(beyond, { total_items: 374, page_number: 9, size: 0, last_page: true, empty: true, contents: [] })
    const names = listings.map((s) => s.document.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    t.equal(first.contents[0].name, names[0], 'in name order')
    t.match(first.contents[0], { organization: { id: first.contents[0].organization_id } })
  })

  t.test('GET /oruk/services?minimal=true → id, name, status and last_modified only', async (t) => {
    const { body } = await get('/oruk/services?minimal=true&per_page=500')
    t.equal(body.contents.length, 374, 'the whole directory in one call')
    for (const s of body.contents) t.same(Object.keys(s).sort(), ['id', 'last_modified', 'name', 'status'])
    const both = await get('/oruk/services?minimal=true&full=true')
    t.equal(both.res.statusCode, 400)
    t.equal(both.res.headers['content-type'], 'application/problem+json; charset=utf-8')
  })

  t.test('GET /oruk/services?modified_after → on or after that time only', async (t) => {
    const future = (await get('/oruk/services?modified_after=2099-01-01T00:00:00Z')).body
    t.match(future, { total_items: 0, total_pages: 0, empty: true, contents: [] })
    const past = (await get('/oruk/services?modified_after=2000-01-01T00:00:00%2B01:00')).body
    t.equal(past.total_items, 374)
    t.equal((await get('/oruk/services?modified_after=yesterday')).res.statusCode, 400)
  })

  t.test('GET /oruk/services?taxonomy_term_id=<housing> → exactly the services linked to it', async (t) => {
    const expected = listings.filter((s) => s.document.taxonomy_terms.includes('housing')).map((s) => s.id)
    t.ok(expected.length > 0)
    const { body } = await get(`/oruk/services?taxonomy_term_id=${HOUSING}&full=true`)
    t.same(body.contents.map((s: Item) => s.id).sort(), [...expected].sort())
    for (const s of body.contents) t.ok(s.attributes.some((a: { taxonomy_term_id: string }) => a.taxonomy_term_id === HOUSING))
    t.match((await get(`/oruk/services?taxonomy_term_id=${UNKNOWN}`)).body, { total_items: 0, empty: true })
    t.equal((await get(`/oruk/services?taxonomy_id=${TAXONOMY}`)).body.total_items, listings.filter((s) => s.document.taxonomy_terms.length > 0).length)
  })

  t.test('GET /oruk/services?organization_id → that organisation’s services', async (t) => {
    const org = demo.organizations[0]!
    const { body } = await get(`/oruk/services?organization_id=${org.id}`)
    t.same(body.contents.map((s: Item) => s.id).sort(), org.services.map((s) => s.id).sort())
  })

  t.test('GET /oruk/services?format=ndjson → one service per line, every service, no envelope', async (t) => {
    const { res } = await get('/oruk/services?format=ndjson&per_page=10')
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'application/x-ndjson; charset=utf-8')
    t.equal(res.headers['access-control-allow-origin'], '*')
    t.ok(res.body.endsWith('\n'))
    const lines = res.body.trimEnd().split('\n')
    t.equal(lines.length, 374, 'not paginated')
    const services = lines.map((line) => JSON.parse(line) as Item)
    t.same(services.map((s) => s.id).sort(), listings.map((s) => s.id).sort())
    const paged = (await get('/oruk/services?per_page=500')).body.contents.map((s: Item) => s.id)
    t.same(services.map((s) => s.id), paged, 'in the same order as the pages')
    t.ok(services.every((s) => s.organization), 'each line as a list item')
    const full = (await get(`/oruk/services?format=ndjson&full=true&taxonomy_term_id=${HOUSING}`)).res.body.trimEnd().split('\n')
    t.equal(full.length, 3)
    t.ok(full.every((line) => Array.isArray(JSON.parse(line).schedules)))
  })

  t.test('GET /oruk/services/{id} → a monthly "last Friday" schedule as MONTHLY -1FR', async (t) => {
    const { listing, schedule } = scheduleWhere((s) => s.kind === 'monthly' && s.week_of_month === -1 && s.byday[0] === 'FR')
    const { body } = await get(`/oruk/services/${listing.id}`)
    const stored = await storedIds(app.db, body, listing, schedule)
    t.same(
      body.schedules.find((s: Item) => s.byday === '-1FR'),
      {
        ...stored,
        freq: 'MONTHLY',
        interval: 1,
        byday: '-1FR',
        description: schedule.description,
        opens_at: schedule.opens_at,
        closes_at: schedule.closes_at,
      },
    )
    t.equal(listing.document.name, 'Memory Lane Singing Café', 'the demo directory is the one these tests were written against')
    t.equal(schedule.opens_at, '14:00')
  })

  t.test('GET /oruk/services/{id} → a weekly schedule on two days as WEEKLY "MO,FR"', async (t) => {
    const { listing, schedule } = scheduleWhere((s) => s.kind === 'weekly' && s.byday.join() === 'MO,FR')
    const { body } = await get(`/oruk/services/${listing.id}`)
    const stored = await storedIds(app.db, body, listing, schedule)
    t.same(
      body.schedules.find((s: Item) => s.byday === 'MO,FR'),
      {
        ...stored,
        freq: 'WEEKLY',
        interval: 1,
        byday: 'MO,FR',
        description: 'Every Monday and Friday, 9.30am to 11.30am',
        opens_at: '09:30',
        closes_at: '11:30',
      },
    )
  })

  t.test('GET /oruk/services/{id} → one-off and by-arrangement schedules, and a course with dates', async (t) => {
    const oneOff = scheduleWhere((s) => s.kind === 'one_off')
    const a = (await get(`/oruk/services/${oneOff.listing.id}`)).body.schedules.find((s: Item) => s.dtstart === oneOff.schedule.on_date)
    t.match(a, { valid_from: oneOff.schedule.on_date, valid_to: oneOff.schedule.on_date, dtstart: oneOff.schedule.on_date, opens_at: oneOff.schedule.opens_at })
    t.notOk('freq' in a)
    const byArrangement = scheduleWhere((s) => s.kind === 'by_arrangement' && s.location_index === null)
    const b = (await get(`/oruk/services/${byArrangement.listing.id}`)).body.schedules.find((s: Item) => s.service_id === byArrangement.listing.id)
    t.match(b, { service_id: byArrangement.listing.id, description: 'By arrangement', notes: byArrangement.schedule.description! })
    t.notOk('freq' in b || 'opens_at' in b)
    const course = scheduleWhere((s) => s.kind === 'weekly' && s.valid_to !== null)
    const c = (await get(`/oruk/services/${course.listing.id}`)).body.schedules.find(
      (s: Item) => s.valid_from === course.schedule.valid_from && s.valid_to === course.schedule.valid_to,
    )
    t.match(c, { freq: 'WEEKLY', valid_from: course.schedule.valid_from, valid_to: course.schedule.valid_to, description: course.schedule.description! })
    t.match(c.description, /Six-week course; book a place\.$/, 'a course says so in its own words')
  })

  t.test('GET /oruk/services/{id} → organisation, locations, languages, costs and contacts as the UK profile has them', async (t) => {
    const listing = listings.find((s) => s.document.languages.length > 1 && s.document.locations.length > 0)!
    const service = { id: listing.id, ...listing.document }
    const { body } = await get(`/oruk/services/${service.id}`)
    t.match(body, { id: service.id, name: service.name, status: service.status, organization: { id: listing.organization_id } })
    t.same(
      body.languages,
      service.languages.map((code) => ({ id: uuidV5(`${service.id}/language/${code}`), service_id: service.id })),
      'language ids derived from service and code',
    )
    t.same((await get(`/oruk/services/${service.id}`)).body.languages, body.languages, 'and stable')
    t.same(body.funding, [])
    const { rows: held } = await app.db.query<{ location_id: string }>('SELECT location_id FROM service_at_location WHERE service_id = $1', [service.id])
    t.same(body.service_at_locations.map((x: { location_id: string }) => x.location_id).sort(), held.map((x) => x.location_id).sort())
    t.same(body.service_at_locations.map((x: { location: { name: string } }) => x.location.name).sort(), service.locations.map((l) => l.name).sort())
    const location = body.service_at_locations[0].location
    const venue = service.locations.find((l) => l.name === location.name)!
    const features = venue.accessibility
    t.equal(location.accessibility.length, features.length)
    if (features.some((f) => f.feature === 'step_free')) {
      t.ok(location.accessibility.some((a: Item) => a.description === 'Step-free access' && a.accessibility === 'Step-free access'))
    }
    t.equal(location.addresses[0].postal_code, venue.address.postal_code)
    for (const contact of body.contacts) t.notOk('phones' in contact || 'email' in contact, 'the UK profile has no contact phones or email')
    const { rows: links } = await app.db.query<{ id: string; taxonomy_term_id: string }>(
      `SELECT st.id, st.taxonomy_term_id FROM service_taxonomy_term st JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
        WHERE st.service_id = $1 AND t.code = ANY ($2)`,
      [service.id, service.taxonomy_terms],
    )
    t.equal(links.length, service.taxonomy_terms.length, 'the listing’s activity types, as the database links them')
    const activities = body.attributes.filter((a: { taxonomy_term: { taxonomy_id: string } }) => a.taxonomy_term.taxonomy_id === TAXONOMY)
    t.same(activities.map((a: Item) => a.id).sort(), links.map((l) => l.id).sort(), 'one attribute per activity type')
    t.same(activities.map((a: { taxonomy_term_id: string }) => a.taxonomy_term_id).sort(), links.map((l) => l.taxonomy_term_id).sort())
    for (const a of activities) t.match(a, { link_id: service.id, taxonomy_term_id: a.taxonomy_term.id, taxonomy_term: { taxonomy_id: TAXONOMY } })
    const ways = body.attributes.filter((a: { taxonomy_term: { taxonomy_id: string } }) => a.taxonomy_term.taxonomy_id === DELIVERY_TAXONOMY.id)
    t.same(ways.map((a: { taxonomy_term: { term: string } }) => a.taxonomy_term.term).sort(), [...service.delivery_modes].sort(), 'one attribute per way of taking part')
    t.equal(body.attributes.length, activities.length + ways.length, 'and no others')
  })

  t.test('GET /oruk/service_at_locations → every service at every location; by id, fully nested', async (t) => {
    const { body } = await get('/oruk/service_at_locations?per_page=500')
    const venues = listings.flatMap((s) => s.document.locations.map((l) => ({ service_id: s.id, name: l.name })))
    t.equal(body.total_items, venues.length, 'one per venue of each listing')
    const { rows } = await app.db.query<{ id: string; service_id: string; location_id: string }>(
      `SELECT sal.id, sal.service_id, sal.location_id FROM service_at_location sal JOIN location l ON l.id = sal.location_id
        WHERE sal.service_id = $1 AND l.name = $2`,
      [venues[0]!.service_id, venues[0]!.name],
    )
    const sal = rows[0]!
    const one = (await get(`/oruk/service_at_locations/${sal.id}`)).body
    t.match(one, { id: sal.id, service_id: sal.service_id, location_id: sal.location_id, location: { id: sal.location_id }, service: { id: sal.service_id } })
    t.ok(Array.isArray(one.location.addresses) && Array.isArray(one.service.schedules))
    t.notOk('service_at_locations' in one.service)
    const housing = (await get(`/oruk/service_at_locations?taxonomy_term_id=${HOUSING}`)).body
    const housingServices = new Set(listings.filter((s) => s.document.taxonomy_terms.includes('housing')).map((s) => s.id))
    t.equal(housing.total_items, venues.filter((x) => housingServices.has(x.service_id)).length)
  })

  t.test('GET /oruk/taxonomies and /oruk/taxonomy_terms → our activity taxonomy', async (t) => {
    t.match((await get('/oruk/taxonomies')).body, { total_items: 1, contents: [{ id: TAXONOMY }] })
    const taxonomy = (await get(`/oruk/taxonomies/${TAXONOMY}`)).body
    t.equal(taxonomy.taxonomy_terms.length, 20)
    t.equal((await get(`/oruk/taxonomy_terms?taxonomy_id=${TAXONOMY}`)).body.total_items, 20)
    const top = (await get('/oruk/taxonomy_terms?top_only=true')).body
    t.equal(top.total_items, 16)
    t.ok(top.contents.every((term: Item) => !('parent_id' in term)))
    const children = (await get(`/oruk/taxonomy_terms?parent_id=${PRACTICAL_SUPPORT}`)).body
    t.same(children.contents.map((term: Item) => term.name).sort(), ['Debt and benefits', 'Employment', 'Food', 'Housing'])
    t.same((await get(`/oruk/taxonomy_terms/${HOUSING}`)).body, {
      id: HOUSING,
      name: 'Housing',
      description: 'Advice on housing, tenancy, repairs and eviction.',
      parent_id: PRACTICAL_SUPPORT,
      taxonomy: 'Connector social prescribing activities',
      taxonomy_id: TAXONOMY,
      term: 'Housing',
    })
  })

  t.test('GET /oruk/organizations/{id} → the organisation, its charity number and its services', async (t) => {
    const org = demo.organizations.find((o) => o.document.charity_number)!
    const { body } = await get(`/oruk/organizations/${org.id}`)
    t.match(body, { id: org.id, name: org.document.name, organization_identifiers: [{ identifier: org.document.charity_number, organization_id: org.id }] })
    const ids = org.services.map((s) => s.id).sort()
    t.same(body.services.map((s: Item) => s.id).sort(), ids)
    t.notOk('schedules' in body.services[0], 'one-to-one fields by default')
    const full = (await get(`/oruk/organizations/${org.id}?full_service=true`)).body
    t.ok(Array.isArray(full.services[0].schedules), 'full_service nests them')
    t.equal((await get('/oruk/organizations')).body.total_items, demo.organizations.length)
  })

  t.test('every ORUK response is open to any origin; the rest of the API is not', async (t) => {
    for (const url of ['/oruk/', '/oruk/services', `/oruk/services/${UNKNOWN}`, '/oruk/services/nope', '/oruk/nothing-here', '/oruk/taxonomy_terms']) {
      t.equal((await app.inject({ url })).headers['access-control-allow-origin'], '*', url)
    }
    t.equal((await app.inject({ url: '/api/services' })).headers['access-control-allow-origin'], undefined, '/api/services')
  })

  t.test('an unknown id → 404 problem; a malformed one → 400 problem', async (t) => {
    for (const path of ['services', 'service_at_locations', 'organizations', 'taxonomies', 'taxonomy_terms']) {
      const res = await app.inject({ url: `/oruk/${path}/${UNKNOWN}` })
      t.equal(res.statusCode, 404, path)
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
      t.match(res.json(), { status: 404, title: 'Not found', detail: new RegExp(UNKNOWN), instance: /^urn:uuid:[0-9a-f-]{36}$/ })
      t.match((await app.inject({ url: `/oruk/${path}/not-an-id` })).json(), { status: 400, errors: [{ in: 'params', pointer: '/id' }] })
    }
    t.match((await app.inject({ url: '/oruk/services?per_page=501' })).json(), { status: 400, errors: [{ pointer: '/per_page' }] })
    t.match((await app.inject({ url: '/oruk/services?full=perhaps' })).json(), { status: 400, errors: [{ pointer: '/full' }] })
    t.match((await app.inject({ url: '/oruk/services?format=xml' })).json(), { status: 400, errors: [{ pointer: '/format' }] })
  })

  t.test('GET /docs/openapi.json → describes the ORUK routes, ndjson included', async (t) => {
    const doc = (await app.inject({ url: '/docs/openapi.json' })).json()
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/oruk'))
    t.same(paths.sort(), [
      '/oruk/',
      '/oruk/organizations',
      '/oruk/organizations/{id}',
      '/oruk/service_at_locations',
      '/oruk/service_at_locations/{id}',
      '/oruk/services',
      '/oruk/services/{id}',
      '/oruk/taxonomies',
      '/oruk/taxonomies/{id}',
      '/oruk/taxonomy_terms',
      '/oruk/taxonomy_terms/{id}',
    ])
    t.ok(doc.paths['/oruk/services'].get.responses['200'].content['application/x-ndjson'])
    const params = doc.paths['/oruk/services'].get.parameters.map((p: { name: string }) => p.name)
    t.same(params.sort(), ['format', 'full', 'minimal', 'modified_after', 'organization_id', 'page', 'per_page', 'postcode', 'proximity', 'search', 'taxonomy_id', 'taxonomy_term_id'])
  })
})

t.test('GET /oruk/services?modified_after → exactly the service changed since', async (t) => {
  const app = await buildTestApp(t)
  const before = (await app.db.query<{ t: Date }>('SELECT max(updated_at) AS t FROM service')).rows[0]!.t
  const service = listings[10]!
  await app.db.query("UPDATE service SET alert = 'Closed this week for repairs' WHERE id = $1", [service.id])
  const since = new Date(before.getTime() + 1).toISOString()
  const body = (await app.inject({ url: `/oruk/services?modified_after=${since}` })).json()
  t.match(body, { total_items: 1, contents: [{ id: service.id, alert: 'Closed this week for repairs' }] })
  t.ok(body.contents[0].last_modified >= since)
  const sal = (await app.inject({ url: `/oruk/service_at_locations?modified_after=${since}` })).json()
  t.equal(sal.total_items, service.document.locations.length)
})
