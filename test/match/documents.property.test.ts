// A property test of matching over listings written through the editing API: fast-check makes
// random service documents (delivery, venues and their access, service areas, languages,
// schedules, eligibility, cost, capacity) and an organisation's editor sends each one with
// POST /api/manage/organizations/{id}/services; then random people are matched over HTTP, and
// every answer is checked against the oracle the pure property test uses (test/matching/oracle.ts).
// Geometry is judged independently: straight-line distances by the haversine formula, wards and
// local authorities by where the place was chosen from. Where that and PostGIS may disagree within rounding (a venue right at
// the edge of someone's reach, a person right at the edge of a radius), either answer is allowed.
import fc from 'fast-check'
import t from 'tap'
import { ACCESSIBILITY_FEATURES } from '../../src/directory/vocabulary.ts'
import type { Candidate } from '../../src/matching/candidate.ts'
import { MatchProfileSchema, type MatchProfile } from '../../src/matching/schemas.ts'
import { ukNow } from '../../src/matching/sessions.ts'
import type { ServiceDocument } from '../../src/manage/schemas.ts'
import { DirectoryBuilder, type ServiceInput } from '../directory.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'
import { listingFieldsArb, personArb, scheduleArb } from '../matching/arbitraries.ts'
import { feasible, serves } from '../matching/oracle.ts'

const SEED = 20261201
const TERMS = ['befriending', 'social-groups', 'arts-and-crafts', 'walking', 'housing']
const CROYDON = 'E09000008'
const SUTTON = 'E09000029'
const TODAY = ukNow(FIXED_NOW).date

interface Spot {
  postcode: string
  /** Its ward, when it is one of Croydon's postcodes. */
  ward: string | null
  authority: string
  latitude: number
  longitude: number
}

function haversine(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const r = Math.PI / 180
  const h = Math.sin(((b.latitude - a.latitude) * r) / 2) ** 2 + Math.cos(a.latitude * r) * Math.cos(b.latitude * r) * Math.sin(((b.longitude - a.longitude) * r) / 2) ** 2
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h))
}

/** A service document as an organisation might write one, with venues at some of these places. */
const documentArb = (spots: Spot[], wards: string[], n: number) =>
  fc
    .record({
      fields: listingFieldsArb,
      venues: fc.array(fc.record({ at: fc.constantFrom(...spots), features: fc.subarray([...ACCESSIBILITY_FEATURES]) }), { minLength: 1, maxLength: 2 }),
      area: fc.constantFrom('default', 'england', 'croydon', 'sutton', 'ward', 'radius'),
      ward: fc.constantFrom(...wards),
      radius: fc.constantFrom(1, 2.5, 4),
      taxonomy_terms: fc.subarray(TERMS, { minLength: 1, maxLength: 2 }),
      schedules: fc.array(scheduleArb([0, 1]), { maxLength: 3 }),
    })
    .map(({ fields: { price, ...fields }, ...r }): ServiceInput => {
      const atVenue = fields.delivery_modes.includes('venue')
      const remote = fields.delivery_modes.some((m) => m !== 'venue')
      const venues = atVenue || r.area === 'radius' ? r.venues : []
      const area =
        !remote || r.area === 'default' ? []
        : r.area === 'england' ? [{ kind: 'england' as const }]
        : r.area === 'croydon' ? [{ kind: 'local_authority' as const, code: CROYDON }]
        : r.area === 'sutton' ? [{ kind: 'local_authority' as const, code: SUTTON }]
        : r.area === 'ward' ? [{ kind: 'ward' as const, code: r.ward }]
        : [{ kind: 'radius' as const, km: r.radius, location_index: 0 }]
      return {
        ...fields,
        name: `Listing ${n}`,
        taxonomy_terms: r.taxonomy_terms,
        cost_options: price > 0 ? [{ option: 'Per session', amount: price }] : [],
        locations: venues.map((v, i) => ({
          name: `Venue ${n}.${i}`,
          latitude: v.at.latitude,
          longitude: v.at.longitude,
          address: { address_1: `${n} High Street`, city: 'Croydon', postal_code: v.at.postcode },
          accessibility: v.features.map((feature) => ({ feature, details: null })),
        })),
        service_areas: area,
        schedules: r.schedules.map(({ at, ...s }) => ({ ...s, location_index: at !== null && at < venues.length ? at : null })),
      }
    })

const profileArb = (spots: Spot[]) =>
  fc
    .record({
      at: fc.constantFrom(...spots),
      // Each constraint is absent more often than not, so that people are matched to something.
      person: personArb(0.5, ['new_parents', 'carers', 'men']),
      terms: fc.subarray(TERMS.filter((x) => x !== 'housing'), { maxLength: 2 }),
      practical_needs: fc.subarray(['housing'] as const),
    })
    .map((r) => ({
      at: r.at,
      request: { ...r.person, postcode: r.at.postcode, interests: { terms: r.terms }, practical_needs: r.practical_needs, limit: 50 },
    }))

/**
 * The listing as the oracle sees it from where the person is: distances by haversine, and
 * whether its area covers them. `slack` leans each edge case one way (-1 strict, +1 lenient).
 */
function seenFrom(id: string, doc: ServiceDocument, at: Spot, slack: -1 | 1): Candidate {
  const covers = doc.service_areas.some((a) => {
    if (a.kind === 'england') return true
    if (a.kind === 'local_authority') return a.code === at.authority
    if (a.kind === 'ward') return a.code === at.ward
    if (a.kind === 'radius') return haversine(doc.locations[a.location_index]!, at) <= a.km * 1000 * (slack < 0 ? 0.97 : 1.01)
    return false
  })
  const prices = doc.cost_options.map((c) => c.amount).filter((x) => x > 0)
  return {
    ...doc,
    id,
    description: doc.description,
    organization: { id: 'org', name: 'org' },
    verified_at: FIXED_NOW.toISOString(),
    terms: doc.taxonomy_terms,
    price: prices.length ? Math.min(...prices) : 0,
    area_covers: covers,
    areas: [],
    venues: doc.locations.map((l, i) => ({
      id: `venue-${i}`,
      name: l.name,
      postcode: l.address.postal_code,
      latitude: l.latitude,
      longitude: l.longitude,
      distance_m: haversine(l, at) * (slack < 0 ? 1.01 : 0.99),
      features: l.accessibility.map((x) => x.feature),
    })),
    schedules: doc.schedules.map((s) => ({ ...s, location_id: s.location_index === null ? null : `venue-${s.location_index}` })),
    text_hits: [],
  }
}

t.test('matching listings written through the API: every answer meets the oracle', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const dir = await DirectoryBuilder.start(app)
  const org = await dir.organization({ name: 'Random Listings Trust', local_authority: CROYDON })
  // One postcode well inside each Croydon ward (nearest a point on its surface), and the centres
  // of three districts outside Croydon (two in Sutton, one in Bromley).
  const { rows: spots } = await app.db.query<Spot>(
    `SELECT * FROM (
       SELECT DISTINCT ON (w.code) p.postcode, w.code AS ward, w.parent_code AS authority, p.latitude, p.longitude
         FROM boundary w JOIN postcode p ON ST_Covers(w.geom, p.geom)
        WHERE w.kind = 'ward'
        ORDER BY w.code, ST_Distance(p.geom, ST_PointOnSurface(w.geom::geometry)::geography)) croydon
     UNION ALL
     SELECT o.outcode || ' 1AA', NULL, b.code, o.latitude, o.longitude
       FROM outcode o JOIN boundary b ON b.kind = 'local_authority' AND ST_Covers(b.geom, o.geom)
      WHERE o.outcode IN ('SM1', 'SM5', 'BR3')`,
  )
  t.same(spots.filter((s) => s.ward === null).map((s) => s.authority).sort(), ['E09000006', SUTTON, SUTTON], 'three places outside Croydon')
  t.equal(spots.filter((s) => s.ward !== null && s.authority === CROYDON).length, 28, 'a place in each of Croydon’s wards')
  const wards = spots.flatMap((s) => (s.ward ? [s.ward] : []))
  const inputs = Array.from({ length: 40 }, (_, n) => fc.sample(documentArb(spots, wards, n + 1), { seed: SEED + n, numRuns: 1 })[0]!)
  const stored: { id: string; document: ServiceDocument }[] = []
  for (const input of inputs) {
    const res = await dir.send(org, input)
    if (res.status !== 201) t.fail(`${input.name}: ${res.status} ${JSON.stringify(res.body)}`)
    else stored.push({ id: res.body.id, document: res.body.document })
  }
  t.equal(stored.length, 40, 'every random document was accepted')
  t.ok(stored.filter((s) => s.document.delivery_modes.some((m) => m !== 'venue')).every((s) => s.document.service_areas.length > 0), 'every remote listing has an area')

  let checked = 0
  let matched = 0
  await fc.assert(
    fc.asyncProperty(profileArb(spots), async ({ at, request }) => {
      // Signed in, as link workers match: anonymous matching is rate-limited per address.
      const res = await app.inject({ method: 'POST', url: '/api/match', payload: request, headers: { cookie: dir.adminCookie } })
      if (res.statusCode !== 200) throw new Error(`${res.statusCode}: ${res.body}`)
      const body = res.json() as { results: { service: { id: string } }[]; gaps: { found: number }[] }
      const profile: MatchProfile = MatchProfileSchema.parse(request)
      const ctx = { now: FIXED_NOW, textTerms: [], termNames: {}, areaLabel: '', searchedKm: 0 }
      const servesOne = (c: Candidate) => serves(profile, ctx, c).some((n) => n.ok)
      const strict = new Set(stored.filter((s) => { const c = seenFrom(s.id, s.document, at, -1); return servesOne(c) && feasible(profile, c, TODAY) }).map((s) => s.id))
      const lenient = new Set(stored.filter((s) => { const c = seenFrom(s.id, s.document, at, 1); return servesOne(c) && feasible(profile, c, TODAY) }).map((s) => s.id))
      const got = body.results.map((r) => r.service.id)
      checked += 1
      matched += got.length
      const missing = [...strict].filter((id) => !got.includes(id))
      const wrong = got.filter((id) => !lenient.has(id))
      if (missing.length || wrong.length) {
        const name = (id: string) => stored.find((s) => s.id === id)!.document.name
        throw new Error(`at ${at.postcode}: missing ${missing.map(name).join(', ') || 'none'}; wrongly matched ${wrong.map(name).join(', ') || 'none'}`)
      }
      return true
    }),
    { numRuns: 120, seed: SEED },
  )
  t.pass(`${checked} random people matched over HTTP: every listing meeting all their hard needs returned, none failing one (${matched} results in all)`)
  t.ok(matched > checked, `${matched} results for ${checked} people: the property is not checked on empty answers alone`)
})
