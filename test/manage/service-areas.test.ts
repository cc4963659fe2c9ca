// Service areas as an organisation sets them through the editing API, and what search,
// matching, listings and Open Referral then do with them, on a directory built only through
// the API (no demo data, no rows written by the test).
import t from 'tap'
import { FIXED_NOW, buildTestApp } from '../helper.ts'
import type { PolygonalGeometry } from '../../src/geo/geojson.ts'
import { locatePostcode } from '../../src/geo/locate.ts'
import { gatherCandidates } from '../../src/match/candidates.ts'
import { DirectoryBuilder, venueAt, type ServiceInput } from '../directory.ts'

const CROYDON = 'E09000008'
const SUTTON = 'E09000029'
const BENSHAM_MANOR = 'E05011464'
const WADDON = 'E05011487'
/** Bensham Manor ward, Croydon. */
const JANE = 'CR7 7DD'
/** Waddon ward, Croydon. */
const DEREK = 'CR0 4BG'
/** Coulsdon Town ward, Croydon. */
const COULSDON = 'CR5 1AU'

const befriending = (name: string, extra: Partial<ServiceInput> = {}): ServiceInput => ({
  name,
  description: 'A volunteer rings for a chat once a week.',
  delivery_modes: ['telephone'],
  group_size: 'one_to_one',
  taxonomy_terms: ['befriending'],
  schedules: [{ kind: 'by_arrangement' }],
  ...extra,
})

const housebound = (postcode: string) => ({ postcode, travel: { housebound: true }, interests: { terms: ['befriending'] } })

t.test('service areas set through the editing API', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const dir = await DirectoryBuilder.start(app)
  const croydonOrg = await dir.organization({ name: 'Croydon Befrienders', local_authority: CROYDON })
  const nationalOrg = await dir.organization({ name: 'Silver Line Friends' })
  const suttonOrg = await dir.organization({ name: 'Sutton Callers', local_authority: SUTTON })

  const search = async (postcode: string, q = 'befriending') => {
    const res = await app.inject({ method: 'GET', url: `/api/search?postcode=${encodeURIComponent(postcode)}&q=${q}` })
    t.equal(res.statusCode, 200, res.statusCode === 200 ? 'answered' : res.body)
    return res.json().results.map((r: { name: string }) => r.name) as string[]
  }
  const match = async (profile: object) => {
    const res = await app.inject({ method: 'POST', url: '/api/match', payload: profile })
    t.equal(res.statusCode, 200, res.statusCode === 200 ? 'answered' : res.body)
    return res.json()
  }

  t.test('a telephone service saved with no area gets its organisation’s local authority, shown and changeable', async (t) => {
    const phone = await dir.service(croydonOrg, befriending('Croydon Telephone Friends'))
    t.same(phone.document.service_areas, [{ kind: 'local_authority', code: CROYDON }], 'the default is in the document the editor reads back')
    const read = await dir.call('GET', `/api/manage/services/${phone.id}`, croydonOrg.cookie)
    t.same(read.body.document.service_areas, [{ kind: 'local_authority', code: CROYDON }])
    t.equal(read.body.verified_at, FIXED_NOW.toISOString(), 'created by its organisation: confirmed as running now')

    t.same(await search(JANE), ['Croydon Telephone Friends'], 'found from a postcode in Croydon')
    t.same(await search(COULSDON), ['Croydon Telephone Friends'], 'anywhere in the borough')
    t.same(await search('SM1 1AA'), [], 'not from Sutton')
    const jane = await match(housebound(JANE))
    t.same(jane.results.map((r: { service: { name: string } }) => r.service.name), ['Croydon Telephone Friends'], 'matched for a housebound person in Croydon')
    t.equal(jane.results[0].delivery, 'telephone')
    t.ok(jane.results[0].reasons.includes('by telephone'))

    const detail = await app.inject({ method: 'GET', url: `/api/services/${phone.id}` })
    t.same(detail.json().service_areas.map((a: { kind: string; name: string; service_area: string }) => [a.kind, a.name, a.service_area]), [
      ['local_authority', 'Croydon', 'Available to anyone living in Croydon, by phone'],
    ])
    const oruk = await app.inject({ method: 'GET', url: `/oruk/services/${phone.id}` })
    const [area] = oruk.json().service_areas
    t.equal(area.name, 'Croydon')
    t.equal(area.service_area, 'Available to anyone living in Croydon, by phone')
    t.equal(area.extent_type, 'geojson')
    t.equal(JSON.parse(area.extent).type, 'MultiPolygon', 'the borough outline as GeoJSON')
    t.equal(area.uri, `http://statistics.data.gov.uk/id/statistical-geography/${CROYDON}`)

    // The editor narrows it to one ward.
    const narrowed = await dir.call('PUT', `/api/manage/services/${phone.id}`, croydonOrg.cookie, { ...befriending('Croydon Telephone Friends'), service_areas: [{ kind: 'ward', code: BENSHAM_MANOR }] }, { 'if-match': `"${read.body.version}"` })
    t.equal(narrowed.status, 200, JSON.stringify(narrowed.body))
    t.same(narrowed.body.document.service_areas, [{ kind: 'ward', code: BENSHAM_MANOR }])
    t.same(await search(JANE), ['Croydon Telephone Friends'], 'still found inside the ward')
    t.same(await search(DEREK), [], 'not found outside the ward')
    const derek = await match(housebound(DEREK))
    t.same(derek.results, [])
    const [gap] = derek.gaps
    t.equal(gap.found, 0)
    t.same(gap.barriers, ['distance'])
    t.same(gap.near_misses.map((m: { summary: string }) => m.summary), [
      'Croydon Telephone Friends is by telephone but only for people living in Bensham Manor ward, Croydon',
    ], 'the near-miss says why, not "meets in person only"')
  })

  t.test('anywhere in England: found from any English postcode, not from Wales or Scotland', async (t) => {
    const national = await dir.service(nationalOrg, befriending('National Phone Friends', { description: 'A call every week, wherever you live.', service_areas: [{ kind: 'england' }] }))
    t.same(national.document.service_areas, [{ kind: 'england' }])
    for (const postcode of [JANE, 'M1 1AE', 'TD15 1AA', 'TR21 0AA', 'NE1 1AA']) t.ok((await search(postcode)).includes('National Phone Friends'), `found from ${postcode}`)
    for (const postcode of ['CF10 1AA', 'EH1 1AA', 'LL11 1AA']) t.notOk((await search(postcode)).includes('National Phone Friends'), `not from ${postcode}`)
    const detail = (await app.inject({ method: 'GET', url: `/api/services/${national.id}` })).json()
    t.equal(detail.service_areas[0].service_area, 'Anywhere in England by phone')
    const manchester = await match(housebound('M1 1AE'))
    t.same(manchester.results.map((r: { service: { name: string } }) => r.service.name), ['National Phone Friends'])
  })

  t.test('an area outside the person’s says where it is: "only for people living in Sutton"', async (t) => {
    await dir.service(suttonOrg, befriending('Sutton Telephone Befriending'))
    const coulsdon = await match(housebound(COULSDON))
    const names = coulsdon.results.map((r: { service: { name: string } }) => r.service.name).sort()
    t.same(names, ['National Phone Friends'], 'Croydon’s ward-only service and Sutton’s do not reach Coulsdon')
    const [gap] = coulsdon.gaps
    t.ok(
      gap.near_misses.some((m: { summary: string }) => m.summary === 'Sutton Telephone Befriending is by telephone but only for people living in Sutton'),
      JSON.stringify(gap.near_misses.map((m: { summary: string }) => m.summary)),
    )
  })

  t.test('the services whose area stops short of someone are weighed beyond the candidate limit', async (t) => {
    const place = await locatePostcode(app.db, COULSDON)
    const candidates = await gatherCandidates(app.db, place, 10, ['befriending'], [], 1)
    t.equal(candidates[0]!.name, 'National Phone Friends', 'the one covering listing the limit allows')
    t.ok(candidates[0]!.area_covers)
    const sutton = candidates.find((c) => c.name === 'Sutton Telephone Befriending')
    t.ok(sutton, 'and past the limit, Sutton’s, to name as a near-miss')
    t.same([sutton?.area_covers, sutton?.areas], [false, [{ kind: 'local_authority', name: 'Sutton' }]])
  })

  t.test('within some kilometres of a venue', async (t) => {
    const hall = await venueAt(app, DEREK, 'Waddon Hall')
    const visits = await dir.service(croydonOrg, {
      ...befriending('Waddon Home Visits', { delivery_modes: ['venue', 'home_visit'] }),
      locations: [hall],
      schedules: [{ kind: 'by_arrangement' }],
      service_areas: [{ kind: 'radius', km: 2.5, location_index: 0 }],
    })
    t.same(visits.document.service_areas, [{ kind: 'radius', km: 2.5, location_index: 0 }])
    const detail = (await app.inject({ method: 'GET', url: `/api/services/${visits.id}` })).json()
    t.equal(detail.service_areas[0].service_area, 'Available to anyone living within 2.5 km of Waddon Hall, with home visits')
    const derek = await match(housebound(DEREK))
    t.ok(derek.results.some((r: { service: { name: string }; delivery: string }) => r.service.name === 'Waddon Home Visits' && r.delivery === 'home_visit'))
    const far = await match(housebound(JANE))
    t.notOk(far.results.some((r: { service: { name: string } }) => r.service.name === 'Waddon Home Visits'), 'Bensham Manor is more than 2.5 km from the hall')
    t.ok(
      far.gaps[0].near_misses.some((m: { summary: string }) => m.summary === 'Waddon Home Visits is by home visit but only for people living within 2.5 km of Waddon Hall'),
      'for someone housebound, the near-miss names the area, not the venue',
    )
  })

  t.test('several areas, in the order given', async (t) => {
    const both = await dir.service(croydonOrg, befriending('Two Wards Calling', { service_areas: [{ kind: 'ward', code: WADDON }, { kind: 'local_authority', code: SUTTON }] }))
    t.same(both.document.service_areas, [{ kind: 'ward', code: WADDON }, { kind: 'local_authority', code: SUTTON }])
    const oruk = (await app.inject({ url: `/oruk/services/${both.id}` })).json()
    t.same(oruk.service_areas.map((a: { name: string }) => a.name), ['Waddon ward, Croydon', 'Sutton'], 'Open Referral lists them in the editor’s order')
    t.ok((await search(DEREK)).includes('Two Wards Calling'))
    t.ok((await search('SM1 1AA')).includes('Two Wards Calling'))
    t.notOk((await search(JANE)).includes('Two Wards Calling'))
  })

  t.test('a remote service with no area and nowhere to take one from is refused, not left available nowhere', async (t) => {
    const res = await dir.send(nationalOrg, befriending('Nowhere Line'))
    t.equal(res.status, 422)
    t.same(res.body.errors.map((e: { pointer: string }) => e.pointer), ['/service_areas'])
  })

  t.test('bad areas are 422 problems naming the field, and nothing is stored', async (t) => {
    const before = (await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM service')).rows[0]!.n
    const square = (lon: number, lat: number, d = 0.05) => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] })
    // 422: well-formed but not an area we can use; 400: not the document's shape at all.
    const cases: [string, unknown, 400 | 422, string][] = [
      ['an unknown ward', { kind: 'ward', code: 'E05999999' }, 422, '/service_areas/0/code'],
      ['a local authority code given as a ward', { kind: 'ward', code: CROYDON }, 422, '/service_areas/0/code'],
      ['an unknown local authority', { kind: 'local_authority', code: 'E09999999' }, 422, '/service_areas/0/code'],
      ['a Welsh local authority (Cardiff)', { kind: 'local_authority', code: 'W06000015' }, 422, '/service_areas/0/code'],
      ['a ring crossing itself', { kind: 'geometry', name: 'Bow tie', geojson: { type: 'Polygon', coordinates: [[[-0.1, 51.3], [0, 51.4], [0, 51.3], [-0.1, 51.4], [-0.1, 51.3]]] } }, 422, '/service_areas/0/geojson'],
      ['latitude and longitude swapped (Somalia)', { kind: 'geometry', name: 'Swapped', geojson: square(51.3, -0.1) }, 422, '/service_areas/0/geojson'],
      ['Cardiff', { kind: 'geometry', name: 'Cardiff', geojson: square(-3.25, 51.45) }, 422, '/service_areas/0/geojson'],
      ['not a code at all', { kind: 'local_authority', code: 'Croydon' }, 400, '/service_areas/0/code'],
      ['a ring that does not close', { kind: 'geometry', name: 'Open', geojson: { type: 'Polygon', coordinates: [[[-0.1, 51.3], [0, 51.3], [0, 51.4], [-0.1, 51.4]]] } }, 400, '/service_areas/0/geojson/coordinates/0'],
      ['a venue that does not exist', { kind: 'radius', km: 3, location_index: 0 }, 400, '/service_areas/0/location_index'],
      ['a radius too big', { kind: 'radius', km: 500, location_index: 0 }, 400, '/service_areas/0/km'],
      ['an unknown kind', { kind: 'postcode_district', code: 'CR0' }, 400, '/service_areas/0/kind'],
    ]
    for (const [name, area, status, pointer] of cases) {
      const res = await dir.send(croydonOrg, { ...befriending(`Bad area: ${name}`), service_areas: [area] })
      t.equal(res.status, status, `${name}: ${status}`)
      t.equal(res.body.status, status, 'problem+json')
      t.ok(res.body.errors.some((e: { pointer: string }) => e.pointer === pointer), `${name}: names ${pointer} (${JSON.stringify(res.body.errors)})`)
    }
    const venueOnly = await dir.send(croydonOrg, {
      ...befriending('Venue only, with an area', { delivery_modes: ['venue'] }),
      locations: [await venueAt(app, DEREK, 'Waddon Hall')],
      service_areas: [{ kind: 'local_authority', code: CROYDON }],
    })
    t.equal(venueOnly.status, 422, 'a listing only at venues has no area')
    t.same(venueOnly.body.errors.map((e: { pointer: string }) => e.pointer), ['/service_areas'])
    const edinburgh = await dir.send(croydonOrg, {
      ...befriending('Edinburgh visits', { delivery_modes: ['venue', 'home_visit'] }),
      locations: [{ name: 'Leith Hall', latitude: 55.97, longitude: -3.17, address: { address_1: '1 Leith Walk', city: 'Edinburgh', postal_code: 'EH6 8RG' } }],
      service_areas: [{ kind: 'radius', km: 5, location_index: 0 }],
    })
    t.equal(edinburgh.status, 422)
    t.same(edinburgh.body.errors, [{ in: 'body', pointer: '/service_areas/0/location_index', detail: 'lies outside England' }])
    const after = (await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM service')).rows[0]!.n
    t.equal(after, before, 'no listing was half-written')
  })

  t.test('a geometry of its own, valid and in England, is kept as given', async (t) => {
    const geojson: PolygonalGeometry = { type: 'Polygon', coordinates: [[[-0.13, 51.36], [-0.08, 51.36], [-0.08, 51.4], [-0.13, 51.4], [-0.13, 51.36]]] }
    const own = await dir.service(croydonOrg, befriending('Central Croydon Calls', { service_areas: [{ kind: 'geometry', name: 'central Croydon', geojson }] }))
    t.same(own.document.service_areas, [{ kind: 'geometry', name: 'central Croydon', geojson }])
    t.ok((await search(JANE)).includes('Central Croydon Calls'))
    t.notOk((await search(COULSDON)).includes('Central Croydon Calls'))
  })

  t.test('restoring a version saved before areas were in the document keeps the areas it has now', async (t) => {
    const own = await dir.service(croydonOrg, befriending('Restored Calls', { service_areas: [{ kind: 'ward', code: WADDON }] }))
    // A version as the store kept it before service areas were part of the document.
    const { rows } = await app.db.query<{ snapshot: Record<string, unknown> }>(`SELECT snapshot FROM record_version WHERE record_id = $1`, [own.id])
    const { service_areas: _gone, interpreter_available: _too, ...old } = rows[0]!.snapshot
    await app.db.query(`UPDATE record_version SET snapshot = $2 WHERE record_id = $1`, [own.id, JSON.stringify({ ...old, description: 'As it was.' })])
    const restored = await dir.call('POST', `/api/admin/services/${own.id}/versions/1/restore`, dir.adminCookie)
    t.equal(restored.status, 200, JSON.stringify(restored.body))
    t.equal(restored.body.document.description, 'As it was.')
    t.same(restored.body.document.service_areas, [{ kind: 'ward', code: WADDON }], 'not replaced by the default')
  })

  t.test('an organisation’s local authority must be one we hold', async (t) => {
    const res = await dir.call('POST', '/api/admin/organizations', dir.adminCookie, { organization: { name: 'Nowhere Trust', local_authority: 'E09999999' } })
    t.equal(res.status, 422)
    t.same(res.body.errors.map((e: { pointer: string }) => e.pointer), ['/organization/local_authority'])
  })
})
