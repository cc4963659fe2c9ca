import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import { parse } from 'csv-parse/sync'
import t from 'tap'
import {
  ACCESSIBILITY_FEATURES,
  AUDIENCES,
  DELIVERY_MODES,
  GENDER_RESTRICTIONS,
  GROUP_SIZES,
  NEWCOMER_SUPPORT,
  PHYSICAL_INTENSITIES,
  REFERRAL_CAPACITIES,
  SCHEDULE_KINDS,
  SERVICE_STATUSES,
  WEEKDAYS,
} from '../../src/directory/vocabulary.ts'
import {
  DEMO_SEED,
  GAP_POSTCODES,
  NEW_ADDINGTON_WARDS,
  NORTH_CENTRAL_WARDS,
  PERSONA_POSTCODES,
  SOUTH_WARDS,
  YOUNG_ADULT_GAP_METRES,
  demoListings,
  generateDemo,
  type DemoListing,
} from '../../src/demo/generate.ts'
import { OrganizationDocumentSchema, ServiceDocumentSchema, type ServiceDocument } from '../../src/manage/schemas.ts'

// DEMO_TEST_SEED / DEMO_TEST_NOW run the same checks against another seed or date.
const SEED = Number(process.env.DEMO_TEST_SEED ?? DEMO_SEED)
const NOW = new Date(process.env.DEMO_TEST_NOW ?? '2026-11-21T12:00:00Z')
const started = performance.now()
const data = generateDemo({ seed: SEED, now: NOW })
const firstRunMs = performance.now() - started

// --- independent reference data -----------------------------------------------------------

type Pos = [number, number]
interface Multi {
  type: 'MultiPolygon'
  coordinates: Pos[][][]
}
type Location = ServiceDocument['locations'][number]

const csv: Record<string, string>[] = parse(
  readFileSync(new URL('../../src/geo/data/croydon_area_postcodes.csv', import.meta.url), 'utf8'),
  { columns: true },
)
const compact = (pc: string) => pc.replace(/\s+/g, '').toUpperCase()
const csvByPostcode = new Map(csv.map((r) => [compact(r.postcode ?? ''), r]))
const naPostcodes = csv.filter((r) => (NEW_ADDINGTON_WARDS as readonly string[]).includes(r.croydon_ward_nm ?? '') && r.lat)

const wardsFile = JSON.parse(readFileSync(new URL('../../src/geo/data/croydon_wards_2018.geojson', import.meta.url), 'utf8')) as {
  features: { properties: { WD19CD: string; WD19NM: string }; geometry: Multi }[]
}
const wardGeom = new Map(wardsFile.features.map((f) => [f.properties.WD19NM, f.geometry]))
const wardByCode = new Map(wardsFile.features.map((f) => [f.properties.WD19CD, { name: f.properties.WD19NM, geometry: f.geometry }]))
const CROYDON = 'E09000008'
const boroughsFile = JSON.parse(readFileSync(new URL('../../src/geo/data/london_boroughs.geojson', import.meta.url), 'utf8')) as {
  features: { properties: { LAD13CD: string }; geometry: Multi | { type: 'Polygon'; coordinates: Pos[][] } }[]
}
const croydonShape = boroughsFile.features.find((f) => f.properties.LAD13CD === CROYDON)!.geometry
const croydon: Multi = croydonShape.type === 'Polygon' ? { type: 'MultiPolygon', coordinates: [croydonShape.coordinates] } : croydonShape
const termCodes = [...readFileSync(new URL('../../sql/002_taxonomy.sql', import.meta.url), 'utf8').matchAll(
  /\('[0-9a-f-]{36}', '[0-9a-f-]{36}', '([a-z][a-z0-9-]*)'/g,
)].map((m) => m[1] as string)

function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a))
}

function inRing(lon: number, lat: number, ring: Pos[]): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as Pos
    const [xj, yj] = ring[j] as Pos
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

function contains(g: Multi, lat: number, lon: number): boolean {
  return g.coordinates.some(([outer, ...holes]) => outer !== undefined && inRing(lon, lat, outer) && !holes.some((h) => inRing(lon, lat, h)))
}

function csvPoint(postcode: string): { lat: number; lon: number; ward: string } {
  const r = csvByPostcode.get(compact(postcode))
  if (!r) throw new Error(`${postcode} not in CSV`)
  return { lat: Number(r.lat), lon: Number(r.lon), ward: r.croydon_ward_nm ?? '' }
}

// --- views of the generated documents ------------------------------------------------------

/** A listing, with its document as `doc` to keep the checks short. */
type Listing = DemoListing & { doc: ServiceDocument }

const listingsOf = (d: Parameters<typeof demoListings>[0]): Listing[] => demoListings(d).map((s) => ({ ...s, doc: s.document }))
const S = listingsOf(data)
const locations = S.flatMap((s) => s.doc.locations)
const schedules = S.flatMap((s) => s.doc.schedules)
const costs = S.flatMap((s) => s.doc.cost_options)
const hasTerm = (s: Listing, code: string) => s.doc.taxonomy_terms.includes(code)
const sitesOf = (s: Listing) => s.doc.locations
const near = (s: Listing, postcode: string, metres: number) => {
  const p = csvPoint(postcode)
  return sitesOf(s).some((l) => haversine(p.lat, p.lon, l.latitude, l.longitude) <= metres)
}
const stepFree = (l: Location) => l.accessibility.some((a) => a.feature === 'step_free')
const live = (s: Listing) => s.doc.status === 'active' && s.doc.referral_capacity !== 'full'
/** The outlines a service's areas stand for, from the shipped boundary files. */
const outlines = (s: Listing): Multi[] =>
  s.doc.service_areas.map((a) => {
    if (a.kind === 'local_authority' && a.code === CROYDON) return croydon
    if (a.kind === 'ward' && wardByCode.has(a.code)) return wardByCode.get(a.code)!.geometry
    throw new Error(`${s.doc.name}: unexpected area ${JSON.stringify(a)}`)
  })
const coversPostcode = (s: Listing, postcode: string) => {
  const p = csvPoint(postcode)
  return outlines(s).some((g) => contains(g, p.lat, p.lon))
}

// --- tests ---------------------------------------------------------------------------------

t.test('deterministic, seeded and fast', async (t) => {
  // Compared as JSON text: tap's structural diff is very slow on data this size, and the
  // round-trip check below shows the data is plain JSON, so equal text means deep-equal.
  const json = JSON.stringify(data)
  t.equal(JSON.stringify(JSON.parse(json)), json, 'JSON round-trips unchanged')
  t.ok(isDeepStrictEqual(JSON.parse(json), data), 'nothing is lost in JSON (no dates, undefined or class instances)')
  const again = generateDemo({ seed: SEED, now: NOW })
  t.ok(isDeepStrictEqual(again, data), 'same seed and now give deep-equal data')
  const other = generateDemo({ seed: SEED + 1, now: NOW })
  t.not(JSON.stringify(other), json, 'a different seed gives different data')
  t.not(listingsOf(other)[0]?.id, S[0]?.id)
  t.not(listingsOf(other).flatMap((s) => s.doc.locations.map((l) => l.latitude)).join(), locations.map((l) => l.latitude).join(), 'venues move with the seed')
  t.ok(firstRunMs < 2000, `first run took ${Math.round(firstRunMs)} ms`)
  const later = generateDemo({ seed: SEED, now: new Date(NOW.getTime() + 100 * 86_400_000) })
  t.not(listingsOf(later)[0]?.confirmed_at, S[0]?.confirmed_at, 'dates follow now')
})

t.test('documents an organisation could send, as they are; fixed ids', async (t) => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
  const ids = [...data.organizations.map((o) => o.id), ...S.map((s) => s.id)]
  t.same(ids.filter((id) => !uuid.test(id)), [], 'organisation and listing ids are UUID v4')
  t.equal(new Set(ids).size, ids.length, 'ids are unique')
  t.same(Object.keys(data), ['organizations'])
  t.same(
    data.organizations.filter((o) => !isDeepStrictEqual(OrganizationDocumentSchema.parse(o.document), o.document)).map((o) => o.document.name),
    [],
    'every organisation document is one the schema accepts unchanged',
  )
  const refused = S.filter((s) => !ServiceDocumentSchema.safeParse(s.doc).success).map((s) => s.doc.name)
  t.same(refused, [], 'every service document is accepted')
  const changed = S.filter((s) => !isDeepStrictEqual(ServiceDocumentSchema.parse(s.doc), s.doc)).map((s) => s.doc.name)
  t.same(changed, [], 'and unchanged by it: every field given, nothing to trim or default')
  t.same(S.filter((s) => s.doc.locations.some((l) => l.id !== undefined)).map((s) => s.doc.name), [], 'every venue is new to the directory (no location ids)')
  t.same(S.filter((s) => Number.isNaN(Date.parse(s.confirmed_at)) || new Date(s.confirmed_at).toISOString() !== s.confirmed_at).map((s) => s.doc.name), [], 'confirmed_at is an ISO date-time')
})

t.test('size and spread', async (t) => {
  t.ok(data.organizations.length >= 80, `${data.organizations.length} organisations`)
  t.ok(S.length >= 300, `${S.length} services`)
  const perOrg = data.organizations.map((o) => o.services.length)
  t.ok(perOrg.every((n) => n >= 1), 'every organisation runs a service')
  t.ok(Math.max(...perOrg) <= 8, 'at most 8 services per organisation')
  t.ok(data.organizations.every((o) => o.document.local_authority === CROYDON), 'every organisation works in Croydon (E09000008)')
  t.ok(S.filter((s) => sitesOf(s).length === 2).length >= 5, 'some services run at two locations')
  const wards = new Set(locations.map((l) => csvPoint(l.address.postal_code).ward))
  t.equal(wards.size, 28, 'venues in all 28 wards')
})

t.test('every location is at a real postcode centroid', async (t) => {
  const cities = new Set(['Croydon', 'Purley', 'Coulsdon', 'Thornton Heath', 'South Norwood', 'New Addington', 'Sanderstead', 'Kenley', 'Selsdon', 'Norbury', 'Addiscombe', 'Upper Norwood', 'Shirley', 'South Croydon', 'Selhurst'])
  for (const l of locations) {
    const a = l.address
    const row = csvByPostcode.get(compact(a.postal_code))
    if (!row || !row.croydon_ward_cd) {
      t.fail(`${a.postal_code} is not a Croydon postcode`)
      continue
    }
    if (l.latitude !== Number(row.lat) || l.longitude !== Number(row.lon)) t.fail(`${l.name} is not at ${a.postal_code}`)
    if (!/^[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}$/.test(a.postal_code)) t.fail(`${a.postal_code} is not normalised`)
    if (!cities.has(a.city)) t.fail(`${l.name}: odd address ${JSON.stringify(a)}`)
  }
  t.pass('checked')
})

t.test('every vocabulary value and every term is used', async (t) => {
  const used = (values: readonly (string | number | boolean)[], seen: Iterable<string | number | boolean>, label: string) => {
    const s = new Set(seen)
    t.same(values.filter((v) => !s.has(v)), [], `all ${label} used`)
  }
  const D = S.map((s) => s.doc)
  used(DELIVERY_MODES, D.flatMap((s) => s.delivery_modes), 'delivery modes')
  used(GROUP_SIZES, D.map((s) => s.group_size), 'group sizes')
  used(GENDER_RESTRICTIONS, D.map((s) => s.gender_restriction), 'gender restrictions')
  used(AUDIENCES, D.flatMap((s) => s.audiences), 'audiences')
  used(NEWCOMER_SUPPORT, D.flatMap((s) => s.newcomer_support), 'newcomer support')
  used(PHYSICAL_INTENSITIES, D.map((s) => s.physical_intensity), 'intensities')
  used(REFERRAL_CAPACITIES, D.map((s) => s.referral_capacity), 'referral capacities')
  used(SERVICE_STATUSES, D.map((s) => s.status), 'statuses')
  used(ACCESSIBILITY_FEATURES, locations.flatMap((l) => l.accessibility.map((a) => a.feature)), 'accessibility features')
  used(SCHEDULE_KINDS, schedules.map((s) => s.kind), 'schedule kinds')
  used(WEEKDAYS, schedules.flatMap((s) => s.byday), 'weekdays')
  t.same(
    [...new Set(schedules.filter((s) => s.kind === 'monthly').map((s) => s.week_of_month))].sort(),
    [-1, 1, 2, 3, 4],
    'monthly schedules in weeks 1-4 and the last',
  )
  t.equal(termCodes.length, 20, 'the taxonomy has 20 codes')
  used(termCodes, D.flatMap((s) => s.taxonomy_terms), 'taxonomy terms')
  t.same(D.flatMap((s) => s.taxonomy_terms).filter((c) => !termCodes.includes(c)), [], 'only real term codes')
  used(['en', 'ur', 'ta', 'pl', 'so', 'gu', 'pa', 'tw', 'yo', 'pt', 'es'], D.flatMap((s) => s.languages), 'languages')
  const community = D.filter((s) => s.audiences.includes('language_community') && s.languages.some((l) => l !== 'en'))
  t.ok(community.length >= 10, `${community.length} language community services in other languages`)
  used([true, false], D.map((s) => s.self_referral), 'self-referral both ways:')
  used([true, false], D.map((s) => s.interpreter_available), 'interpreters both ways:')
})

t.test('what the schema leaves open: schedules, venues and areas where they belong', async (t) => {
  for (const s of S) {
    const venue = s.doc.delivery_modes.includes('venue')
    if (venue !== sitesOf(s).length > 0) t.fail(`${s.doc.name}: venue services (only) have locations`)
    if (s.doc.delivery_modes.some((m) => m !== 'venue') !== s.doc.service_areas.length > 0) t.fail(`${s.doc.name}: non-venue services (only) name their areas`)
    if (s.doc.schedules.length === 0) t.fail(`${s.doc.name}: no schedule`)
    sitesOf(s).forEach((l, i) => {
      if (!s.doc.schedules.some((x) => x.location_index === i)) t.fail(`${s.doc.name}: no schedule at ${l.name}`)
    })
    if (!venue && s.doc.schedules.some((x) => x.location_index !== null)) t.fail(`${s.doc.name}: a schedule at a venue it does not have`)
    if (s.doc.schedules.some((x) => x.valid_from && x.valid_to && x.valid_from > x.valid_to)) t.fail(`${s.doc.name}: valid_from after valid_to`)
  }
  const oneOffs = schedules.filter((x) => x.kind === 'one_off').map((x) => (Date.parse(x.on_date as string) - NOW.getTime()) / 86_400_000)
  t.ok(oneOffs.length > 0 && oneOffs.every((d) => d >= 7 && d <= 60), 'one-off dates are a few weeks after now')
  t.ok(costs.every((c) => Math.round(c.amount * 100) === c.amount * 100), 'amounts in whole pence')
  const areas = S.flatMap((s) => s.doc.service_areas)
  t.ok(areas.length > 0)
  t.same(
    areas.filter((a) => !(a.kind === 'local_authority' && a.code === CROYDON) && !(a.kind === 'ward' && wardByCode.has(a.code))),
    [],
    'every area is the borough (E09000008) or one of its 28 wards',
  )
  t.pass('checked')
})

t.test('costs', async (t) => {
  const paid = S.filter((s) => s.doc.cost_options.some((c) => c.amount > 0))
  t.ok(paid.length >= 30, `${paid.length} paid services`)
  t.ok(S.length - paid.length >= 150, 'most services are free')
  t.ok(costs.some((c) => c.amount === 0), 'some explicit £0 options')
  t.ok(costs.filter((c) => c.amount > 0 && c.concessions).length >= 5, 'some concessions')
})

t.test('confirmed_at spread relative to now', async (t) => {
  const ages = S.map((s) => (NOW.getTime() - Date.parse(s.confirmed_at)) / 86_400_000)
  const n = (f: (d: number) => boolean) => ages.filter(f).length
  t.ok(ages.every((d) => d >= 0), 'nothing confirmed in the future')
  t.ok(n((d) => d < 90) > S.length * 0.6, `${n((d) => d < 90)} within 90 days`)
  t.ok(n((d) => d >= 90 && d < 180) >= 10, 'some 90-180 days')
  t.ok(n((d) => d >= 180 && d <= 365) >= 10, 'some 180-365 days')
  t.ok(n((d) => d > 365) >= 5, 'some over a year')
  t.ok(n((d) => d >= 730) >= 3, 'a few listed two years ago or more and never confirmed since')
})

t.test('contact details are fictional', async (t) => {
  const phone = /^(020 7946 0\d{3}|07700 900\d{3})$/
  const email = /^[a-z0-9._-]+@([a-z0-9-]+\.)*example\.(org|com|net)$/
  const web = /^https:\/\/([a-z0-9-]+\.)*example\.(org|com|net)(\/[a-z0-9-]*)?$/
  const contacts = S.flatMap((s) => s.doc.contacts)
  t.same(contacts.flatMap((c) => c.phones).filter((p) => !phone.test(p.number)), [], 'phones in Ofcom drama ranges')
  const emails = [...data.organizations.map((o) => o.document.email), ...S.map((s) => s.doc.email), ...contacts.map((c) => c.email)].filter((e) => e !== null)
  t.same(emails.filter((e) => !email.test(e)), [], 'emails on example domains')
  const webs = [...data.organizations.map((o) => o.document.website), ...S.map((s) => s.doc.url)].filter((w) => w !== null)
  t.same(webs.filter((w) => !web.test(w)), [], 'websites on example domains')
  t.same(S.filter((s) => !s.doc.contacts.some((c) => c.phones.length > 0)).map((s) => s.doc.name), [], 'every service has a contact with a phone')
})

t.test('hole (a): no step-free arts and crafts in the south', async (t) => {
  const south = (l: Location) =>
    (SOUTH_WARDS as readonly string[]).includes(csvPoint(l.address.postal_code).ward) ||
    SOUTH_WARDS.some((w) => contains(wardGeom.get(w) as Multi, l.latitude, l.longitude))
  t.equal(SOUTH_WARDS.filter((w) => wardGeom.has(w)).length, 7, 'SOUTH_WARDS are real ward names')
  const crafts = S.filter((s) => hasTerm(s, 'arts-and-crafts'))
  const offending = crafts.filter((s) => sitesOf(s).some((l) => south(l) && stepFree(l)))
  t.same(offending.map((s) => s.doc.name), [], 'no arts-and-crafts service at a step-free southern venue')
  t.ok(crafts.filter((s) => sitesOf(s).some(south)).length >= 3, 'arts-and-crafts services do exist in the south')
  t.ok(crafts.filter((s) => live(s) && sitesOf(s).some((l) => !south(l) && stepFree(l))).length >= 5, 'and at step-free venues elsewhere')
})

t.test('hole (b): no young adults’ social groups in or near New Addington', async (t) => {
  t.ok(naPostcodes.length > 300, 'New Addington postcodes found')
  const young = S.filter((s) => hasTerm(s, 'social-groups') && s.doc.maximum_age !== null && s.doc.maximum_age <= 30)
  t.ok(young.filter(live).length >= 2, `${young.length} young adults' social groups exist`)
  for (const s of young) {
    if (s.doc.service_areas.length > 0) t.fail(`${s.doc.name} has a service area`)
    for (const l of sitesOf(s)) {
      const d = Math.min(...naPostcodes.map((r) => haversine(l.latitude, l.longitude, Number(r.lat), Number(r.lon))))
      if (d <= YOUNG_ADULT_GAP_METRES) t.fail(`${s.doc.name} is ${Math.round(d)} m from New Addington`)
    }
  }
  const na = csvPoint(GAP_POSTCODES.newAddington)
  t.ok(NEW_ADDINGTON_WARDS.includes(na.ward as (typeof NEW_ADDINGTON_WARDS)[number]), 'gap postcode is in New Addington')
  t.equal(YOUNG_ADULT_GAP_METRES, 4000)
})

t.test('Derek: small groups near Waddon, with and without an escort', async (t) => {
  const home = PERSONA_POSTCODES.derek
  t.ok(['Waddon', 'Broad Green'].includes(csvPoint(home).ward), 'Derek lives in Waddon or Broad Green')
  const nearby = S.filter((s) => live(s) && near(s, home, 1500) && (s.doc.minimum_age ?? 0) <= 75 && (s.doc.maximum_age ?? 120) >= 75)
  const small = nearby.filter((s) => s.doc.group_size !== 'large' && (s.doc.typical_attendance === null || s.doc.typical_attendance <= 10))
  t.ok(small.length >= 6, `${small.length} small or one-to-one services within 1.5 km`)
  t.ok(small.filter((s) => s.doc.newcomer_support.includes('accompanied_first_visit')).length >= 2, 'some offer an accompanied first visit')
  t.ok(small.filter((s) => !s.doc.newcomer_support.includes('accompanied_first_visit')).length >= 2, 'some do not')
  t.ok(nearby.filter((s) => s.doc.group_size === 'large').length >= 2, 'large groups nearby too')
  const lunchA = S.find((s) => s.doc.name === 'Waddon Friendship Lunch Club')?.doc
  const lunchB = S.find((s) => s.doc.name === 'Duppas Hill Lunch Club')?.doc
  t.ok(lunchA && lunchB, 'the twin lunch clubs exist')
  if (lunchA && lunchB) {
    t.same(lunchA.newcomer_support, ['accompanied_first_visit', 'welcome_call'])
    t.same(lunchB.newcomer_support, [])
    t.same([lunchA.group_size, lunchA.minimum_age, lunchA.physical_intensity], [lunchB.group_size, lunchB.minimum_age, lunchB.physical_intensity])
    t.same(lunchA.taxonomy_terms, lunchB.taxonomy_terms)
  }
  const befriending = S.filter((s) => hasTerm(s, 'befriending') && s.doc.delivery_modes.includes('home_visit') && coversPostcode(s, home))
  t.ok(befriending.length >= 1, 'a home-visiting befriending service covers Derek')
})

t.test('Priti: weekday daytime parent and baby groups, step-free, near Thornton Heath', async (t) => {
  const home = PERSONA_POSTCODES.priti
  t.equal(csvPoint(home).ward, 'Thornton Heath')
  t.match(home, /^CR7 /)
  const parents = S.filter((s) => live(s) && s.doc.audiences.includes('new_parents') && hasTerm(s, 'parent-and-baby') && near(s, home, 1200))
  const sched = (s: Listing) => s.doc.schedules
  const weekdayDaytime = (s: Listing) =>
    sched(s).length > 0 &&
    sched(s).every((x) => x.kind === 'weekly' && x.byday.every((d) => !['SA', 'SU'].includes(d)) && (x.opens_at as string) >= '08:00' && (x.closes_at as string) <= '17:00')
  const good = parents.filter((s) => weekdayDaytime(s) && sitesOf(s).every(stepFree))
  t.ok(good.length >= 4, `${good.length} weekday daytime step-free groups: ${good.map((s) => s.doc.name).join(', ')}`)
  t.ok(parents.some((s) => sched(s).every((x) => (x.opens_at as string) >= '18:00')), 'an evening-only decoy')
  t.ok(parents.some((s) => weekdayDaytime(s) && sitesOf(s).some((l) => !stepFree(l))), 'a decoy without step-free access')
  t.ok(parents.some((s) => sched(s).every((x) => x.byday.length > 0 && x.byday.every((d) => d === 'SA' || d === 'SU'))), 'a weekend-only decoy')
})

t.test('Jane: five mental health services at home, fewer in the south', async (t) => {
  const jane = PERSONA_POSTCODES.jane
  t.equal(csvPoint(jane).ward, 'Bensham Manor')
  const atHome = S.filter((s) => s.doc.audiences.includes('mental_health') && s.doc.delivery_modes.some((m) => m !== 'venue'))
  t.equal(atHome.length, 5, 'exactly five non-venue mental health services')
  t.ok(atHome.every(live), 'all active and open')
  const boroughWide = atHome.filter((s) => isDeepStrictEqual(s.doc.service_areas, [{ kind: 'local_authority', code: CROYDON }]))
  t.equal(boroughWide.length, 2, 'two cover the whole borough, by its code')
  const local = atHome.filter((s) => !boroughWide.includes(s))
  t.equal(local.length, 3)
  for (const s of local) {
    t.ok(s.doc.delivery_modes.includes('home_visit'), `${s.doc.name} visits at home`)
    t.ok(s.doc.service_areas.every((a) => a.kind === 'ward'), `${s.doc.name} names wards`)
    const wardsCovered = s.doc.service_areas.map((a) => (a.kind === 'ward' ? wardByCode.get(a.code)?.name : undefined))
    t.same(wardsCovered.filter((w) => !(NORTH_CENTRAL_WARDS as readonly (string | undefined)[]).includes(w)), [], `${s.doc.name} covers only north/central wards`)
    t.same(wardsCovered.filter((w) => (SOUTH_WARDS as readonly (string | undefined)[]).includes(w)), [], `${s.doc.name} covers no southern ward`)
  }
  t.equal(atHome.filter((s) => coversPostcode(s, jane)).length, 5, 'Jane is covered by all five')
  t.equal(csvPoint(GAP_POSTCODES.south).ward, 'Coulsdon Town')
  t.equal(atHome.filter((s) => coversPostcode(s, GAP_POSTCODES.south)).length, 2, 'a southern home is covered by two')
})

t.test('Mike: housing help and men’s groups near Selhurst, and a vigorous decoy', async (t) => {
  const home = PERSONA_POSTCODES.mike
  t.ok(['Thornton Heath', 'Selhurst'].includes(csvPoint(home).ward))
  const housing = S.filter((s) => live(s) && hasTerm(s, 'housing') && near(s, home, 1500))
  t.ok(housing.length >= 2, `${housing.length} housing services within 1.5 km`)
  const mens = S.filter((s) => live(s) && s.doc.audiences.includes('men') && hasTerm(s, 'mens-groups') && near(s, home, 1500))
  const gentle = mens.filter((s) => s.doc.physical_intensity === 'none' || s.doc.physical_intensity === 'light')
  t.ok(gentle.length >= 3, `${gentle.length} gentle men's groups`)
  t.ok(gentle.filter((s) => s.doc.gender_restriction === 'men_only').length >= 2, 'some men only')
  const text = gentle.map((s) => `${s.doc.name} ${s.doc.description}`.toLowerCase()).join(' ')
  for (const word of ['darts', 'quiz', 'shed']) t.match(text, word, `a group mentions ${word}`)
  const decoy = mens.filter((s) => s.doc.physical_intensity === 'vigorous' && /football|five-a-side/i.test(s.doc.name))
  t.equal(decoy.length, 1, 'one vigorous football decoy nearby')
})
