// Search near a place reads the search read model (sql/024, search_entry) and walks a bounded
// number of venues nearest first (src/search/postgres.ts, SEARCH_BOUNDS). Here:
// - the read model follows every kind of write an organisation (or the freshness job) makes, so
//   the very next search and match see it, and it always equals a rebuild from the listings;
// - on the demo directory the bounds never bind: every answer equals the whole-radius one;
// - for random directories built through the API and random queries with tiny bounds, a page
//   sorted by distance is exactly the true nearest, totals are exact or marked (and then a lower
//   bound of at least the promised size), and facets are exact or marked.
import fc from 'fast-check'
import t from 'tap'
import { findInconsistencies } from '../../src/db/consistency.ts'
import { runFreshness } from '../../src/freshness/freshness.ts'
import type { Place } from '../../src/geo/locate.ts'
import { correctQuery } from '../../src/search/correct.ts'
import { searchPostgres, type SearchBounds } from '../../src/search/postgres.ts'
import { SearchQuerySchema, type SearchResponse } from '../../src/search/schemas.ts'
import { resolvePlace } from '../../src/search/search.ts'
import type { Queryable } from '../../src/db/db.ts'
import { DirectoryBuilder, venueAt, weekly, type Listing, type Org, type ServiceInput } from '../directory.ts'
import { buildTestApp, FIXED_NOW } from '../helper.ts'

/** The search answer for a query string, with the given bounds (undefined: the service's own). */
async function search(db: Queryable, params: Record<string, string>, now: Date, bounds?: SearchBounds | null) {
  const query = SearchQuerySchema.parse(params)
  const place: Place | null = await resolvePlace(db, query)
  const sort = query.sort ?? (query.q ? 'relevance' : place ? 'distance' : 'name')
  const correctedQ = query.q ? await correctQuery(db, query.q) : undefined
  return searchPostgres(db, { query, place, correctedQ, sort, now, bounds })
}

const ids = (r: Pick<SearchResponse, 'results'>) => r.results.map((x) => x.id)

t.test('the read model follows each write: the next search and match see it', async (t) => {
  let now = FIXED_NOW
  const app = await buildTestApp(t, { demo: 'empty', deps: { now: () => now } })
  const builder = await DirectoryBuilder.start(app)
  const org = await builder.organization({ name: 'Norbury Otter Club', description: 'Local charity.' })
  const venue = await venueAt(app, 'CR7 7DD', 'Bensham Hall', ['step_free'])
  const listing = await builder.service(org, {
    name: 'Otter Crafts',
    description: 'Knitting and crochet for all.',
    delivery_modes: ['venue'],
    group_size: 'small',
    minimum_age: 18,
    taxonomy_terms: ['arts-and-crafts'],
    locations: [venue],
    schedules: [weekly(['TU'], '14:00', '16:00', 0)],
  })
  const found = async (filters: Record<string, string>) => {
    const res = await app.inject({ url: `/api/search?${new URLSearchParams({ postcode: 'CR7 7DD', radius_km: '2', ...filters })}` })
    t.equal(res.statusCode, 200, res.body)
    const body = res.json() as SearchResponse
    t.equal(body.total_exact, true, 'a small directory is counted exactly')
    return body.results.map((r) => r.name).includes('Otter Crafts')
  }
  const matched = async () => {
    const res = await app.inject({
      method: 'POST', url: '/api/match', headers: { cookie: builder.adminCookie },
      payload: { postcode: 'CR7 7DD', travel: { walk_km: 2 } },
    })
    t.equal(res.statusCode, 200, res.body)
    return (res.json() as { results: { service: { name: string } }[] }).results.map((r) => r.service.name).includes('Otter Crafts')
  }
  const edit = async (change: (d: ServiceInput) => void) => {
    const current = await builder.call('GET', `/api/manage/services/${listing.id}`, org.cookie)
    t.equal(current.status, 200, JSON.stringify(current.body))
    const document = structuredClone(current.body.document) as ServiceInput
    change(document)
    const res = await builder.call('PUT', `/api/manage/services/${listing.id}`, org.cookie, document, { 'if-match': `"${current.body.version}"` })
    t.equal(res.status, 200, JSON.stringify(res.body))
  }
  const clean = async () => t.same((await findInconsistencies(app.db)).filter((f) => f.check === 'stale:search_entry'), [], 'the read model equals a rebuild')

  t.ok(await found({}), 'found near its venue')
  t.ok(await found({ free: 'true', accessibility: 'step_free', day: 'TU', age: '30', group_size: 'small', taxonomy_term: 'arts-and-crafts', taking_referrals: 'true', self_referral: 'true' }), 'with every filter it meets')
  t.ok(await matched(), 'and matched')

  await edit((d) => { d.cost_options = [{ option: 'Per session', amount: 3 }] })
  t.notOk(await found({ free: 'true' }), 'priced: no longer free')
  t.ok(await found({ free: 'false' }), '… and found as not free')
  await edit((d) => { d.locations![0]!.accessibility = [{ feature: 'hearing_loop', details: null }] })
  t.notOk(await found({ accessibility: 'step_free' }), 'its venue no longer step-free')
  t.ok(await found({ accessibility: 'hearing_loop' }), '… but with a hearing loop')
  await edit((d) => { d.schedules = [weekly(['WE'], '10:00', '12:00', 0)] })
  t.notOk(await found({ day: 'TU' }), 'moved to Wednesdays: not on Tuesdays')
  t.ok(await found({ day: 'WE' }), '… but on Wednesdays')
  await edit((d) => { d.schedules = [{ kind: 'one_off', on_date: '2026-11-07', opens_at: '10:00', closes_at: '12:00', location_index: 0 }] })
  t.ok(await found({ day: 'SA' }), 'a one-off on a Saturday: found on Saturdays')
  t.notOk(await found({ day: 'WE' }), '… and no longer on Wednesdays')
  await edit((d) => { d.schedules = [{ kind: 'by_arrangement', location_index: 0 }] })
  t.ok(await found({ day: 'MO' }), 'by arrangement: found on any day')
  await edit((d) => { d.minimum_age = 65 })
  t.notOk(await found({ age: '30' }), 'for over-65s: not for a 30-year-old')
  t.ok(await found({ age: '70' }), '… but for a 70-year-old')
  await edit((d) => { d.group_size = 'large'; d.self_referral = false; d.referral_capacity = 'full'; d.audiences = ['carers'] })
  t.notOk(await found({ group_size: 'small' }), 'a large group now')
  t.notOk(await found({ self_referral: 'true' }), 'no self-referral now')
  t.notOk(await found({ taking_referrals: 'true' }), 'full now')
  t.ok(await found({ audience: 'carers', group_size: 'large', self_referral: 'false', taking_referrals: 'false' }), 'found by what it is now')
  await edit((d) => { d.taxonomy_terms = ['social-groups'] })
  t.notOk(await found({ taxonomy_term: 'arts-and-crafts' }), 'another activity type now')
  t.ok(await found({ taxonomy_term: 'social-groups' }), '… found by the new one')
  await clean()

  await edit((d) => { Object.assign(d.locations![0]!, { latitude: 53.8, longitude: -1.55 }) })
  t.notOk(await found({}), 'its venue moved to Leeds: not found near Norbury')
  t.notOk(await matched(), '… nor matched there')
  await edit((d) => {
    Object.assign(d.locations![0]!, { latitude: venue.latitude, longitude: venue.longitude })
    Object.assign(d, { referral_capacity: 'open', minimum_age: null, audiences: [] })
  })
  t.ok(await found({}), 'moved back: found again')
  t.ok(await matched(), '… and matched (open to everyone again)')
  await clean()

  now = new Date(FIXED_NOW.getTime() + 400 * 86_400_000)
  await runFreshness(app.db, 'http://connector.test', now)
  t.notOk(await found({}), 'hidden after going unconfirmed: not found')
  t.notOk(await matched(), '… nor matched')
  await builder.signInAgain(org)
  const confirmed = await builder.call('POST', `/api/manage/services/${listing.id}/confirm`, org.cookie)
  t.equal(confirmed.status, 200, JSON.stringify(confirmed.body))
  t.ok(await found({}), 'confirmed: found again')
  t.ok(await matched(), '… and matched')

  await edit((d) => { d.status = 'defunct' })
  t.notOk(await found({}), 'withdrawn (defunct): not found')
  t.notOk(await matched(), '… nor matched')
  await edit((d) => { d.status = 'active'; d.locations = [] ; d.schedules = []; d.delivery_modes = ['telephone']; d.service_areas = [{ kind: 'england' }] })
  t.notOk(await found({ delivery_mode: 'venue' }), 'a telephone service now: no venue to find')
  const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM search_entry WHERE service_id = $1', [listing.id])
  t.equal(rows[0]!.n, 0, 'and no venue row is left behind')
  await clean()
})

/**
 * Which active listings a search near a place should find, written plainly over the directory's
 * own tables (never the read model): a venue within the radius with every asked-for feature, or
 * a home, phone or online offer whose area covers the place; and each asked-for test of the
 * listing itself. For the filters the demo shapes below use.
 */
async function plainlyFound(db: Queryable, place: Place, p: Record<string, string>): Promise<string[]> {
  const list = (k: string) => (p[k] ? p[k].split(',') : null)
  const { rows } = await db.query<{ id: string }>(
    `WITH here AS (SELECT ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography AS g)
     SELECT s.id FROM service s, here
      WHERE s.status = 'active'
        AND (EXISTS (SELECT 1 FROM service_at_location sal JOIN location l ON l.id = sal.location_id
                      WHERE sal.service_id = s.id AND ST_DWithin(l.geom, here.g, $3 * 1000)
                        AND ($4::text[] IS NULL OR (SELECT count(*) FROM accessibility a WHERE a.location_id = l.id AND a.feature = ANY ($4)) = cardinality($4)))
             OR (s.delivery_modes && ARRAY['home_visit', 'telephone', 'online_video', 'online_text']
                 AND EXISTS (SELECT 1 FROM service_area sa WHERE sa.service_id = s.id AND ST_Covers(sa.geom, here.g))))
        AND ($5::int IS NULL OR (coalesce(s.minimum_age, 0) <= $5 AND coalesce(s.maximum_age, 200) >= $5))
        AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM service_search ss WHERE ss.service_id = s.id AND ss.document @@ websearch_to_tsquery('english', $6)))
        AND ($7::boolean IS NULL OR $7 = NOT EXISTS (SELECT 1 FROM cost_option c WHERE c.service_id = s.id AND c.amount > 0))
        AND ($8::text[] IS NULL OR EXISTS (SELECT 1 FROM service_taxonomy_term st JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
                                            LEFT JOIN taxonomy_term pt ON pt.id = t.parent_id
                                           WHERE st.service_id = s.id AND (t.code = ANY ($8) OR pt.code = ANY ($8))))
        AND ($9::text[] IS NULL OR s.group_size = ANY ($9))
        AND ($10::text[] IS NULL OR s.delivery_modes && $10)
      ORDER BY s.id`,
    [place.latitude, place.longitude, Number(p.radius_km ?? 5), list('accessibility'), p.age ? Number(p.age) : null, p.q ?? null,
     p.free ? p.free === 'true' : null, list('taxonomy_term'), list('group_size'), list('delivery_mode')],
  )
  return rows.map((r) => r.id)
}

t.test('on the demo directory the bounds never bind: each answer is the whole-radius one, and finds what a plain query finds', async (t) => {
  const app = await buildTestApp(t)
  const shapes: Record<string, string>[] = [
    { postcode: 'CR0 1AA' },
    { postcode: 'CR0 1AA', radius_km: '50' },
    { postcode: 'CR7 7DD', q: 'knitting' },
    { postcode: 'CR0 1AA', q: 'walking', free: 'true' },
    { postcode: 'CR0 1AA', accessibility: 'step_free,hearing_loop', age: '75' },
    { postcode: 'CR0 1AA', radius_km: '50', sort: 'name' },
    { postcode: 'CR0 1AA', radius_km: '50', sort: 'relevance', q: 'group' },
    { postcode: 'CR0', taxonomy_term: 'social-groups', group_size: 'small,one_to_one' },
    { lat: '51.38', lon: '-0.1', radius_km: '3', delivery_mode: 'venue,telephone' },
    { postcode: 'CR0 1AA', radius_km: '50', delivery_mode: 'telephone,online_video' },
  ]
  for (const params of shapes) {
    const label = String(new URLSearchParams(params))
    const bounded = await search(app.db, params, FIXED_NOW)
    const whole = await search(app.db, params, FIXED_NOW, null)
    t.same(bounded, whole, `${label}: the same answer as reading the whole radius`)
    t.equal(bounded.total_exact, true)
    t.equal(bounded.facets_exact, true)
    // Every page of it, against the plain query.
    const everyId: string[] = []
    for (let page = 1; page <= Math.ceil(bounded.total / 100); page++) {
      everyId.push(...ids(await search(app.db, { ...params, per_page: '100', page: String(page) }, FIXED_NOW)))
    }
    const expected = await plainlyFound(app.db, bounded.place!, params)
    t.ok(expected.length > 0, `${label}: the plain query finds ${expected.length}`)
    t.equal(bounded.total, expected.length, `${label}: as many as the plain query`)
    t.same([...everyId].sort(), expected, `${label}: the same listings, each once`)
  }
  const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM search_entry')
  t.ok(rows[0]!.n > 0 && rows[0]!.n < 2_000, `the demo's ${rows[0]!.n} venue rows are fewer than one walk takes`)
})

t.test('a capped walk: the nearest page is exact, and totals and facets say when they are not', async (t) => {
  let now = FIXED_NOW
  const app = await buildTestApp(t, { demo: 'empty', deps: { now: () => now } })
  const builder = await DirectoryBuilder.start(app)
  const org = await builder.organization({ name: 'Grid Trust', description: 'Listings on a grid.' })
  // Nine listings 200 m apart going north from a point; the third and the seventh cost money.
  const origin = { latitude: 51.37, longitude: -0.1 }
  const listings: Listing[] = []
  for (let i = 0; i < 9; i++) {
    listings.push(await builder.service(org, {
      name: `Grid ${i}`,
      delivery_modes: ['venue'],
      group_size: 'small',
      taxonomy_terms: ['social-groups'],
      cost_options: i === 2 || i === 6 ? [{ option: 'Per session', amount: 2 }] : [],
      locations: [{ name: `Hall ${i}`, latitude: origin.latitude + i * 0.0018, longitude: origin.longitude, address: { address_1: `${i} Grid Road`, city: 'Croydon', postal_code: 'CR0 1AA' } }],
      schedules: [weekly(['MO'], '10:00', '11:00', 0)],
    }))
  }
  const at = { lat: String(origin.latitude), lon: String(origin.longitude), radius_km: '5' }
  const names = (r: Pick<SearchResponse, 'results'>) => r.results.map((x) => x.name)

  const tiny = { walk: 4, exactTotal: 3 }
  const nearest = await search(app.db, { ...at, per_page: '3' }, FIXED_NOW, tiny)
  t.same(names(nearest), ['Grid 0', 'Grid 1', 'Grid 2'], 'the three nearest')
  t.equal(nearest.total, 4, 'counted among the four venues walked')
  t.equal(nearest.total_exact, false, '… and marked as a lower bound')
  t.equal(nearest.facets_exact, false, 'facets over the walked venues, marked')
  t.same(nearest.facets.free, [{ value: 'true', count: 3 }, { value: 'false', count: 1 }])

  const free = await search(app.db, { ...at, per_page: '3', free: 'true' }, FIXED_NOW, tiny)
  t.same(names(free), ['Grid 0', 'Grid 1', 'Grid 3'], 'a filter the read model holds is applied during the walk')
  t.equal(free.total_exact, false)

  const page2 = await search(app.db, { ...at, per_page: '3', page: '2' }, FIXED_NOW, tiny)
  t.same(names(page2), ['Grid 3', 'Grid 4', 'Grid 5'], 'by distance, a page beyond the walk reads the whole radius')
  t.equal(page2.total, 9, '… and counts exactly')
  t.equal(page2.total_exact, true)

  const byName = async (page: string) => search(app.db, { ...at, per_page: '3', page, sort: 'name' }, FIXED_NOW, tiny)
  t.same(names(await byName('1')), ['Grid 0', 'Grid 1', 'Grid 2'], 'by name: ranked among the four walked')
  t.same(names(await byName('2')), ['Grid 3'], '… and so is every later page, never a different ranking')
  t.same(names(await byName('3')), [], '… to the end of the walk')
  t.same([(await byName('2')).total, (await byName('2')).total_exact], [4, false])

  const few = await search(app.db, { ...at, per_page: '3' }, FIXED_NOW, { walk: 4, exactTotal: 5 })
  t.equal(few.total, 9, 'fewer matches in the walk than the exact-total promise: counted over the whole radius')
  t.equal(few.total_exact, true)

  // Stale listings rank below fresh ones: a page by distance holding one cannot be answered
  // from a walk that may have stopped short of a fresher listing.
  now = new Date(FIXED_NOW.getTime() + 200 * 86_400_000)
  await builder.signInAgain(org)
  for (const i of [6, 7, 8]) {
    const l = listings[i]!
    const res = await builder.call('POST', `/api/manage/services/${l.id}/confirm`, org.cookie)
    t.equal(res.status, 200, JSON.stringify(res.body))
  }
  const stale = await search(app.db, { ...at, per_page: '3' }, now, tiny)
  t.same(names(stale), ['Grid 6', 'Grid 7', 'Grid 8'], 'the confirmed listings come first, though farther than the walk went')
  t.equal(stale.total_exact, true)
  t.same(stale, await search(app.db, { ...at, per_page: '3' }, now, null))
})

t.test('property: by distance, the first page is the exact nearest, whatever the bounds', async (t) => {
  let now = FIXED_NOW
  const app = await buildTestApp(t, { demo: 'empty', deps: { now: () => now } })
  const builder = await DirectoryBuilder.start(app)
  const FEATURES = ['step_free', 'hearing_loop', 'parking'] as const
  const DAYS = ['MO', 'TU', 'WE'] as const
  const TERMS = ['social-groups', 'arts-and-crafts', 'walking'] as const
  const listingArb = fc.record({
    lat: fc.integer({ min: 0, max: 30 }), // 51.34 + 0.001 × lat: a 3.3 km square
    lon: fc.integer({ min: 0, max: 30 }),
    venues: fc.integer({ min: 1, max: 2 }),
    priced: fc.boolean(),
    features: fc.subarray([...FEATURES]),
    day: fc.constantFrom(...DAYS),
    opens: fc.constantFrom('10:00', '11:00'),
    term: fc.constantFrom(...TERMS),
    size: fc.constantFrom('small', 'large'),
    minimumAge: fc.constantFrom(null, 18, 65),
    knitting: fc.boolean(),
    // Also by telephone within 1 km of its first venue: found through its area beyond that.
    telephone: fc.boolean(),
    // Made 200 days before the searches, and not confirmed since.
    stale: fc.boolean(),
  })
  // A filter in one query of four, so that queries often match more than a tiny walk takes.
  const sometimes = <T,>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 1 })
  const queryArb = fc.record({
    lat: fc.integer({ min: 0, max: 30 }),
    lon: fc.integer({ min: 0, max: 30 }),
    radius: fc.constantFrom('1', '2', '5'),
    free: sometimes(fc.constantFrom('true', 'false')),
    accessibility: sometimes(fc.constantFrom(...FEATURES)),
    day: sometimes(fc.constantFrom(...DAYS)),
    time_from: sometimes(fc.constantFrom('10:30')),
    age: sometimes(fc.constantFrom('30', '70')),
    taxonomy_term: sometimes(fc.constantFrom(...TERMS)),
    group_size: sometimes(fc.constantFrom('small', 'large')),
    q: sometimes(fc.constantFrom('knitting', 'club')),
    sort: fc.constantFrom('distance', 'distance', 'relevance', 'name'),
    per_page: fc.integer({ min: 1, max: 4 }),
    page: fc.integer({ min: 1, max: 2 }),
    walk: fc.integer({ min: 1, max: 6 }),
    exactTotal: fc.integer({ min: 1, max: 2 }),
  })
  let directories = 0
  let capped = 0
  await fc.assert(
    fc.asyncProperty(fc.array(listingArb, { minLength: 8, maxLength: 20 }), fc.array(queryArb, { minLength: 25, maxLength: 25 }), async (made, queries) => {
      directories += 1
      const base = FIXED_NOW.getTime() + directories * 1000 * 86_400_000
      now = new Date(base)
      await builder.signInAgain()
      const org: Org = await builder.organization({ name: `Random Trust ${directories}`, description: 'Made up.' })
      const add = async (i: number) => {
        const l = made[i]!
        await builder.service(org, {
          name: `Place ${directories}.${i}${l.knitting ? ' knitting circle' : ' club'}`,
          delivery_modes: l.telephone ? ['venue', 'telephone'] : ['venue'],
          service_areas: l.telephone ? [{ kind: 'radius', km: 1, location_index: 0 }] : [],
          group_size: l.size,
          minimum_age: l.minimumAge,
          taxonomy_terms: [l.term],
          cost_options: l.priced ? [{ option: 'Per session', amount: 1 }] : [],
          locations: Array.from({ length: l.venues }, (_, v) => ({
            name: `Hall ${directories}.${i}.${v}`,
            latitude: 51.34 + 0.001 * l.lat + 0.0007 * v,
            longitude: -0.15 + 0.0016 * l.lon - 0.0011 * v,
            address: { address_1: `${i} Random Road`, city: 'Croydon', postal_code: 'CR0 1AA' },
            accessibility: l.features.map((feature) => ({ feature, details: null })),
          })),
          schedules: [weekly([l.day], l.opens, l.opens.replace(':00', ':45'), 0)],
        })
      }
      for (const i of made.keys()) if (made[i]!.stale) await add(i)
      now = new Date(base + 200 * 86_400_000)
      await builder.signInAgain(org)
      for (const i of made.keys()) if (!made[i]!.stale) await add(i)
      for (const q of queries) {
        const params: Record<string, string> = {
          lat: String(51.34 + 0.001 * q.lat), lon: String(-0.15 + 0.0016 * q.lon), radius_km: q.radius,
          sort: q.sort, per_page: String(q.per_page), page: String(q.page),
        }
        for (const k of ['free', 'accessibility', 'day', 'time_from', 'age', 'taxonomy_term', 'group_size', 'q'] as const) if (q[k] !== undefined) params[k] = q[k]!
        const bounds = { walk: q.walk, exactTotal: q.exactTotal }
        const bounded = await search(app.db, params, now, bounds)
        const whole = await search(app.db, params, now, null)
        const label = `${new URLSearchParams(params)} walk=${q.walk} exact=${q.exactTotal}`
        if (q.sort === 'distance') t.same(ids(bounded), ids(whole), `${label}: the true nearest`)
        if (bounded.total_exact) {
          t.same(bounded, whole, `${label}: exact, so the whole answer`)
          continue
        }
        capped += 1
        t.ok(bounded.total >= q.exactTotal && bounded.total <= whole.total, `${label}: a lower bound of at least what was promised`)
        t.equal(bounded.facets_exact, false)
        if (q.sort !== 'distance') {
          // Ranked among the nearest: every page from the same ranking.
          const all = await search(app.db, { ...params, page: '1', per_page: String(q.page * q.per_page) }, now, bounds)
          t.same(ids(bounded), ids(all).slice((q.page - 1) * q.per_page), `${label}: pages of one ranking`)
        }
      }
    }),
    { numRuns: 6, seed: 20261203 },
  )
  t.ok(capped > 0, `some walks stopped short (${capped}), so the bounded path was tested`)
})
