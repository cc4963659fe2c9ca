import t from 'tap'
import { DEMO_SEED, GAP_POSTCODES, PERSONA_POSTCODES, demoListings, generateDemo } from '../../src/demo/generate.ts'
import { STALE_AFTER_DAYS } from '../../src/search/postgres.ts'
import type { SearchResponse, SearchResult } from '../../src/search/schemas.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'

const listings = demoListings(generateDemo({ seed: DEMO_SEED, now: FIXED_NOW }))
const activeWith = (code: string) => listings.filter((s) => s.document.taxonomy_terms.includes(code) && s.document.status === 'active').map((s) => s.id)

t.test('GET /api/search over the demo directory', async (t) => {
  const app = await buildTestApp(t)
  const search = async (qs: string): Promise<SearchResponse> => {
    const res = await app.inject({ url: `/api/search?${qs}` })
    t.equal(res.statusCode, 200, `/api/search?${qs} → 200`)
    return res.json()
  }

  t.test('a postcode search: in distance order, distances within 1% of PostGIS', async (t) => {
    const body = await search('postcode=cr01nx&per_page=100')
    t.match(body.place, { postcode: 'CR0 1NX', precision: 'postcode', latitude: 51.37219, longitude: -0.1001 })
    t.equal(body.sort, 'distance')
    t.ok(body.total > 100, `${body.total} services within 5 km`)
    const venues = body.results.filter((r) => r.reach === 'venue')
    t.ok(venues.length > 50)
    // Fresh listings first, each group in distance order; then services reached through their area.
    const keys = body.results.map((r) => [r.stale ? 1 : 0, r.distance_m ?? Infinity] as const)
    for (let i = 1; i < keys.length; i++) {
      const [s0, d0] = keys[i - 1]!
      const [s1, d1] = keys[i]!
      if (s0 > s1 || (s0 === s1 && d0 > d1)) t.fail(`result ${i} out of order: ${JSON.stringify(keys[i - 1])} before ${JSON.stringify(keys[i])}`)
    }
    for (const r of venues) {
      const { rows } = await app.db.query<{ d: number }>(
        `SELECT ST_Distance(geom, ST_SetSRID(ST_MakePoint(-0.1001, 51.37219), 4326)::geography) AS d FROM location WHERE id = $1`,
        [r.location!.id],
      )
      const expected = rows[0]!.d
      if (Math.abs(r.distance_m! - expected) > Math.max(expected * 0.01, 1)) t.fail(`${r.name}: ${r.distance_m} m, PostGIS says ${expected}`)
      if (r.distance_m! > 5000) t.fail(`${r.name} is ${r.distance_m} m away, beyond the 5 km radius`)
    }
    t.pass('every distance agrees with ST_Distance and lies within the radius')
  })

  t.test('"knittng" near CR0 1NX → corrected, and the knitting groups first', async (t) => {
    const body = await search('q=knittng&postcode=CR0%201NX&radius_km=10')
    t.equal(body.corrected_q, 'knitting')
    const knitGroups = listings.map((s) => s.document.name).filter((name) => /knit/i.test(name)).sort()
    t.ok(knitGroups.length >= 3, `the demo has ${knitGroups.length} knitting groups`)
    const top = body.results.slice(0, knitGroups.length).map((r) => r.name).sort()
    t.same(top, knitGroups, 'the knitting groups rank above other arts and crafts')
    t.ok(body.results.every((r) => r.taxonomy_terms.includes('arts-and-crafts')), 'knitting is an arts-and-crafts word')
  })

  t.test('"zumbba" → zumba; "blokes" → men\'s groups; "knitting" → all arts and crafts', async (t) => {
    const zumba = await search('q=zumbba')
    t.equal(zumba.corrected_q, 'zumba')
    t.match(zumba.results[0]!.name, /zumba/i)
    const blokes = await search('q=blokes&per_page=100')
    const activeMens = activeWith('mens-groups')
    const found = blokes.results.map((r) => r.id)
    t.same(activeMens.filter((id) => !found.includes(id)), [], 'every active men\'s group, through the synonym')
    const tagged = blokes.results.map((r) => r.taxonomy_terms.includes('mens-groups'))
    t.same(tagged, [...tagged].sort((a, b) => Number(b) - Number(a)), 'men\'s groups rank above anything else that says blokes')
    const knitting = await search('q=knitting&per_page=1')
    t.equal(knitting.total, activeWith('arts-and-crafts').length)
  })

  t.test('web search syntax: -exclusion and OR', async (t) => {
    const all = await search('q=knitting&per_page=100')
    const without = await search('q=knitting%20-natter&per_page=100')
    t.ok(without.total < all.total)
    t.notOk(without.results.some((r) => /natter/i.test(r.name + r.description)), 'no result mentions natter')
    const either = await search('q=zumba%20OR%20ukulele&per_page=100')
    const names = either.results.map((r) => r.name).join(' | ')
    t.match(names, /zumba/i)
    t.match(names, /ukulele/i)
  })

  t.test('accessibility=step_free never returns a venue lacking step-free access', async (t) => {
    const body = await search('postcode=CR0%201NX&radius_km=50&accessibility=step_free&per_page=100')
    // Each result's venue, by its name among its listing's venues as generated.
    const stepFree = (r: SearchResult) =>
      listings.find((s) => s.id === r.id)!.document.locations.find((l) => l.name === r.location!.name)!.accessibility.some((a) => a.feature === 'step_free')
    const located = body.results.filter((r) => r.location)
    t.ok(located.length > 20)
    t.same(located.filter((r) => !stepFree(r)).map((r) => r.name), [])
    t.ok(body.results.filter((r) => !r.location).every((r) => r.reach === 'service_area'), 'only remote services have no venue')
  })

  t.test('a home-visiting service: found inside its service area, not outside it', async (t) => {
    const north = await search(`postcode=${encodeURIComponent(PERSONA_POSTCODES.jane)}&delivery_mode=home_visit&audience=mental_health`)
    const south = await search(`postcode=${encodeURIComponent(GAP_POSTCODES.south)}&delivery_mode=home_visit&audience=mental_health`)
    t.equal(north.total, 3)
    t.ok(north.results.every((r) => r.reach === 'service_area' && r.distance_m === null && r.location === null))
    t.equal(south.total, 0, 'none of the three covers the south of the borough')
    const phone = await search(`postcode=${encodeURIComponent(GAP_POSTCODES.south)}&audience=mental_health&delivery_mode=telephone,online_video,online_text`)
    t.ok(phone.total >= 2, 'the borough-wide phone and online services do')
  })

  t.test('filters: free, day and time, age, group size, taking referrals', async (t) => {
    const body = await search('postcode=CR0%201NX&radius_km=50&free=true&day=TU&time_from=09:00&time_to=13:00&age=75&group_size=small,one_to_one&taking_referrals=true&per_page=100')
    t.ok(body.total > 0)
    for (const r of body.results) {
      const s = listings.find((x) => x.id === r.id)!.document
      t.ok(r.free && ['small', 'one_to_one'].includes(s.group_size) && s.referral_capacity === 'open', `${r.name} meets the simple filters`)
      t.ok((s.minimum_age ?? 0) <= 75 && (s.maximum_age ?? 120) >= 75, `${r.name} takes a 75-year-old`)
      const fits = r.schedules.some(
        (sc) => sc.kind === 'by_arrangement' || ((sc.byday.includes('TU') || sc.kind === 'one_off') && sc.opens_at! >= '09:00' && sc.closes_at! <= '13:00'),
      )
      t.ok(fits, `${r.name} runs on a Tuesday between 9 and 1`)
    }
  })

  t.test('stale listings: marked, and ranked below fresh ones', async (t) => {
    const body = await search('per_page=100&sort=name&q=club')
    const cutoff = FIXED_NOW.getTime() - STALE_AFTER_DAYS * 86_400_000
    for (const r of body.results) {
      const expected = r.verified_at === null || Date.parse(r.verified_at) < cutoff
      if (r.stale !== expected) t.fail(`${r.name} stale=${r.stale}, verified ${r.verified_at}`)
    }
    const ranked: SearchResult[] = []
    for (let page = 1; page <= Math.ceil(body.total / 100); page++) ranked.push(...(await search(`q=club&per_page=100&page=${page}`)).results)
    t.equal(ranked.length, body.total)
    const firstStale = ranked.findIndex((r) => r.stale)
    t.ok(firstStale > 0, `${firstStale} fresh results come first`)
    t.ok(ranked.slice(firstStale).every((r) => r.stale), 'no fresh listing ranks below a stale one')
  })

  t.test('facets count the whole result set, and paging walks it', async (t) => {
    const body = await search('postcode=CR7%208NG&per_page=10')
    const groupTotal = body.facets.group_size.reduce((n, f) => n + f.count, 0)
    t.equal(groupTotal, body.total, 'every result has one group size')
    const freeTotal = body.facets.free.reduce((n, f) => n + f.count, 0)
    t.equal(freeTotal, body.total)
    const all: SearchResult[] = []
    for (let page = 1; page <= Math.ceil(body.total / 10); page++) all.push(...(await search(`postcode=CR7%208NG&per_page=10&page=${page}`)).results)
    t.equal(new Set(all.map((r) => r.id)).size, body.total, 'pages hold every result once')
  })

  t.test('bad input → problem+json', async (t) => {
    const bad = await app.inject({ url: '/api/search?postcode=hello' })
    t.equal(bad.statusCode, 422)
    t.match(bad.headers['content-type'], /application\/problem\+json/)
    t.match(bad.json(), { status: 422, detail: '"hello" is not a UK postcode', errors: [{ pointer: '/postcode' }] })
    const far = await app.inject({ url: '/api/search?postcode=CR0%201NX&radius_km=51' })
    t.equal(far.statusCode, 400)
    t.match(far.json().errors, [{ pointer: '/radius_km' }])
    const sort = await app.inject({ url: '/api/search?sort=distance' })
    t.equal(sort.statusCode, 422)
    t.match(sort.json().detail, /needs a postcode/)
    const mode = await app.inject({ url: '/api/search?delivery_mode=carrier_pigeon' })
    t.equal(mode.statusCode, 400)
  })
})
