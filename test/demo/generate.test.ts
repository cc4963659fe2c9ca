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
  DEMO_TABLES,
  GAP_POSTCODES,
  NEW_ADDINGTON_WARDS,
  NORTH_CENTRAL_WARDS,
  PERSONA_POSTCODES,
  SOUTH_WARDS,
  YOUNG_ADULT_GAP_METRES,
  generateDemo,
  type DemoData,
  type LocationRow,
  type ServiceRow,
} from '../../src/demo/generate.ts'

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

const csv: Record<string, string>[] = parse(
  readFileSync(new URL('../../src/geo/data/croydon_area_postcodes.csv', import.meta.url), 'utf8'),
  { columns: true },
)
const compact = (pc: string) => pc.replace(/\s+/g, '').toUpperCase()
const csvByPostcode = new Map(csv.map((r) => [compact(r.postcode ?? ''), r]))
const naPostcodes = csv.filter((r) => (NEW_ADDINGTON_WARDS as readonly string[]).includes(r.croydon_ward_nm ?? '') && r.lat)

const wardsFile = JSON.parse(readFileSync(new URL('../../src/geo/data/croydon_wards_2018.geojson', import.meta.url), 'utf8')) as {
  features: { properties: { WD19NM: string }; geometry: Multi }[]
}
const wardGeom = new Map(wardsFile.features.map((f) => [f.properties.WD19NM, f.geometry]))
const boroughFile = JSON.parse(readFileSync(new URL('../../src/geo/data/croydon_borough.geojson', import.meta.url), 'utf8')) as {
  features: { geometry: { type: 'Polygon'; coordinates: Pos[][] } }[]
}
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

// --- indexes over the generated data -------------------------------------------------------

function index(d: DemoData) {
  const locations = new Map(d.location.map((l) => [l.id, l]))
  const addressByLocation = new Map(d.address.map((a) => [a.location_id, a]))
  const features = new Map<string, Set<string>>()
  for (const a of d.accessibility) features.set(a.location_id, (features.get(a.location_id) ?? new Set()).add(a.feature))
  const terms = new Map<string, Set<string>>()
  for (const x of d.service_taxonomy_term) terms.set(x.service_id, (terms.get(x.service_id) ?? new Set()).add(x.taxonomy_term_code))
  const sites = new Map<string, LocationRow[]>()
  const salService = new Map<string, string>()
  for (const sal of d.service_at_location) {
    salService.set(sal.id, sal.service_id)
    sites.set(sal.service_id, [...(sites.get(sal.service_id) ?? []), locations.get(sal.location_id) as LocationRow])
  }
  const schedules = new Map<string, DemoData['schedule']>()
  for (const s of d.schedule) {
    const sid = s.service_id ?? salService.get(s.service_at_location_id ?? '') ?? ''
    schedules.set(sid, [...(schedules.get(sid) ?? []), s])
  }
  const areas = new Map<string, Multi[]>()
  for (const a of d.service_area) areas.set(a.service_id, [...(areas.get(a.service_id) ?? []), JSON.parse(a.extent) as Multi])
  return { locations, addressByLocation, features, terms, sites, schedules, areas }
}

const ix = index(data)
const hasTerm = (s: ServiceRow, code: string) => ix.terms.get(s.id)?.has(code) ?? false
const sitesOf = (s: ServiceRow) => ix.sites.get(s.id) ?? []
const near = (s: ServiceRow, postcode: string, metres: number) => {
  const p = csvPoint(postcode)
  return sitesOf(s).some((l) => haversine(p.lat, p.lon, l.latitude as number, l.longitude as number) <= metres)
}
const stepFree = (l: LocationRow) => ix.features.get(l.id)?.has('step_free') ?? false
const live = (s: ServiceRow) => s.status === 'active' && s.referral_capacity !== 'full'
const coversPostcode = (s: ServiceRow, postcode: string) => {
  const p = csvPoint(postcode)
  return (ix.areas.get(s.id) ?? []).some((g) => contains(g, p.lat, p.lon))
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
  t.not(other.service[0]?.id, data.service[0]?.id)
  t.not(other.location.map((l) => l.latitude).join(), data.location.map((l) => l.latitude).join(), 'venues move with the seed')
  t.ok(firstRunMs < 2000, `first run took ${Math.round(firstRunMs)} ms`)
  const later = generateDemo({ seed: SEED, now: new Date(NOW.getTime() + 100 * 86_400_000) })
  t.not(later.service[0]?.verified_at, data.service[0]?.verified_at, 'dates follow now')
})

t.test('tables, columns and ids', async (t) => {
  t.same(Object.keys(data), [...DEMO_TABLES])
  const columns: Record<keyof DemoData, string[]> = {
    organization: ['id', 'name', 'description', 'email', 'website', 'logo', 'charity_number'],
    location: ['id', 'location_type', 'name', 'description', 'latitude', 'longitude', 'transport_notes'],
    address: ['id', 'location_id', 'attention', 'address_1', 'address_2', 'city', 'region', 'state_province', 'postal_code', 'country', 'address_type'],
    accessibility: ['id', 'location_id', 'feature', 'details', 'url'],
    service: ['id', 'organization_id', 'name', 'description', 'url', 'email', 'status', 'fees', 'alert', 'delivery_modes', 'group_size', 'typical_attendance', 'minimum_age', 'maximum_age', 'gender_restriction', 'audiences', 'languages', 'newcomer_support', 'physical_intensity', 'self_referral', 'referral_capacity', 'verified_at'],
    service_at_location: ['id', 'service_id', 'location_id', 'description'],
    service_area: ['id', 'service_id', 'name', 'service_area', 'extent', 'extent_type', 'uri'],
    schedule: ['id', 'service_id', 'service_at_location_id', 'kind', 'byday', 'week_of_month', 'on_date', 'opens_at', 'closes_at', 'valid_from', 'valid_to', 'description', 'notes'],
    cost_option: ['id', 'service_id', 'option', 'amount', 'amount_description', 'concessions', 'valid_from', 'valid_to'],
    contact: ['id', 'service_id', 'name', 'title', 'email'],
    phone: ['id', 'contact_id', 'number', 'description'],
    service_taxonomy_term: ['id', 'service_id', 'taxonomy_term_code'],
  }
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
  const ids = new Set<string>()
  let rows = 0
  for (const table of DEMO_TABLES) {
    const bad = (data[table] as object[]).filter((r) => JSON.stringify(Object.keys(r)) !== JSON.stringify(columns[table]))
    t.equal(bad.length, 0, `${table} rows all have exactly its columns`)
    for (const r of data[table] as { id: string }[]) {
      ids.add(r.id)
      rows++
    }
    t.equal((data[table] as { id: string }[]).filter((r) => !uuid.test(r.id)).length, 0, `${table} ids are UUID v4`)
  }
  t.equal(ids.size, rows, 'ids are unique')
})

t.test('size and spread', async (t) => {
  t.ok(data.organization.length >= 80, `${data.organization.length} organisations`)
  t.ok(data.service.length >= 300, `${data.service.length} services`)
  const perOrg = new Map<string, number>()
  for (const s of data.service) perOrg.set(s.organization_id, (perOrg.get(s.organization_id) ?? 0) + 1)
  t.equal(perOrg.size, data.organization.length, 'every organisation runs a service')
  t.ok(Math.max(...perOrg.values()) <= 8, 'at most 8 services per organisation')
  t.ok(data.service.filter((s) => sitesOf(s).length === 2).length >= 5, 'some services run at two locations')
  const wards = new Set(data.address.map((a) => csvPoint(a.postal_code).ward))
  t.equal(wards.size, 28, 'venues in all 28 wards')
})

t.test('every location is at a real postcode centroid', async (t) => {
  const cities = new Set(['Croydon', 'Purley', 'Coulsdon', 'Thornton Heath', 'South Norwood', 'New Addington', 'Sanderstead', 'Kenley', 'Selsdon', 'Norbury', 'Addiscombe', 'Upper Norwood', 'Shirley', 'South Croydon', 'Selhurst'])
  t.equal(data.address.length, data.location.length)
  for (const l of data.location) {
    const a = ix.addressByLocation.get(l.id)
    if (!a) {
      t.fail(`${l.name} has no address`)
      continue
    }
    const row = csvByPostcode.get(compact(a.postal_code))
    if (!row || !row.croydon_ward_cd) {
      t.fail(`${a.postal_code} is not a Croydon postcode`)
      continue
    }
    if (l.latitude !== Number(row.lat) || l.longitude !== Number(row.lon)) t.fail(`${l.name} is not at ${a.postal_code}`)
    if (!/^[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}$/.test(a.postal_code)) t.fail(`${a.postal_code} is not normalised`)
    if (!cities.has(a.city) || a.state_province !== 'Greater London' || a.country !== 'GB') t.fail(`${l.name}: odd address ${JSON.stringify(a)}`)
    if (l.location_type !== 'physical') t.fail(`${l.name} is not physical`)
  }
  t.pass('checked')
})

t.test('every vocabulary value and every term is used', async (t) => {
  const used = (values: readonly string[], seen: Iterable<string>, label: string) => {
    const s = new Set(seen)
    t.same(values.filter((v) => !s.has(v)), [], `all ${label} used`)
  }
  const S = data.service
  used(DELIVERY_MODES, S.flatMap((s) => s.delivery_modes), 'delivery modes')
  used(GROUP_SIZES, S.map((s) => s.group_size), 'group sizes')
  used(GENDER_RESTRICTIONS, S.map((s) => s.gender_restriction), 'gender restrictions')
  used(AUDIENCES, S.flatMap((s) => s.audiences), 'audiences')
  used(NEWCOMER_SUPPORT, S.flatMap((s) => s.newcomer_support), 'newcomer support')
  used(PHYSICAL_INTENSITIES, S.map((s) => s.physical_intensity), 'intensities')
  used(REFERRAL_CAPACITIES, S.map((s) => s.referral_capacity), 'referral capacities')
  used(SERVICE_STATUSES, S.map((s) => s.status), 'statuses')
  used(ACCESSIBILITY_FEATURES, data.accessibility.map((a) => a.feature), 'accessibility features')
  used(SCHEDULE_KINDS, data.schedule.map((s) => s.kind), 'schedule kinds')
  used(WEEKDAYS, data.schedule.flatMap((s) => s.byday), 'weekdays')
  t.same(
    [...new Set(data.schedule.filter((s) => s.kind === 'monthly').map((s) => s.week_of_month))].sort(),
    [-1, 1, 2, 3, 4],
    'monthly schedules in weeks 1-4 and the last',
  )
  t.equal(termCodes.length, 20, 'the taxonomy has 20 codes')
  used(termCodes, data.service_taxonomy_term.map((x) => x.taxonomy_term_code), 'taxonomy terms')
  t.same(data.service_taxonomy_term.filter((x) => !termCodes.includes(x.taxonomy_term_code)), [], 'only real term codes')
  used(['en', 'ur', 'ta', 'pl', 'so', 'gu', 'pa', 'tw', 'yo', 'pt', 'es'], S.flatMap((s) => s.languages), 'languages')
  const community = S.filter((s) => s.audiences.includes('language_community') && s.languages.some((l) => l !== 'en'))
  t.ok(community.length >= 10, `${community.length} language community services in other languages`)
  t.ok(S.some((s) => s.self_referral) && S.some((s) => !s.self_referral), 'self-referral both ways')
})

t.test('rows satisfy the schema constraints', async (t) => {
  const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/
  const date = /^\d{4}-\d{2}-\d{2}$/
  for (const s of data.service) {
    if (s.minimum_age !== null && s.maximum_age !== null && s.minimum_age > s.maximum_age) t.fail(`${s.name}: ages`)
    if (s.delivery_modes.length === 0) t.fail(`${s.name}: no delivery mode`)
    if (s.typical_attendance !== null && s.typical_attendance <= 0) t.fail(`${s.name}: attendance`)
    if (!/^([a-z]{2,3})(,[a-z]{2,3})*$/.test(s.languages.join(','))) t.fail(`${s.name}: languages`)
    const venue = s.delivery_modes.includes('venue')
    if (venue !== sitesOf(s).length > 0) t.fail(`${s.name}: venue services (only) have locations`)
    if (s.delivery_modes.some((m) => m !== 'venue') && !ix.areas.has(s.id)) t.fail(`${s.name}: no service area`)
    if (!ix.schedules.has(s.id)) t.fail(`${s.name}: no schedule`)
  }
  for (const x of data.schedule) {
    if ((x.service_id === null) === (x.service_at_location_id === null)) t.fail('schedule must belong to exactly one parent')
    const timed = x.opens_at !== null && x.closes_at !== null
    if (timed && !(hhmm.test(x.opens_at as string) && hhmm.test(x.closes_at as string) && (x.opens_at as string) < (x.closes_at as string))) t.fail(`bad times ${JSON.stringify(x)}`)
    const ok =
      x.kind === 'weekly'
        ? x.byday.length > 0 && x.week_of_month === null && x.on_date === null && timed
        : x.kind === 'monthly'
          ? x.byday.length === 1 && x.week_of_month !== null && x.on_date === null && timed
          : x.kind === 'one_off'
            ? x.byday.length === 0 && x.week_of_month === null && x.on_date !== null && date.test(x.on_date) && timed
            : x.byday.length === 0 && x.week_of_month === null && x.on_date === null
    if (!ok) t.fail(`schedule shape ${JSON.stringify(x)}`)
    if (x.valid_from && x.valid_to && x.valid_from > x.valid_to) t.fail('valid_from after valid_to')
  }
  const oneOffs = data.schedule.filter((x) => x.kind === 'one_off').map((x) => (Date.parse(x.on_date as string) - NOW.getTime()) / 86_400_000)
  t.ok(oneOffs.length > 0 && oneOffs.every((d) => d >= 7 && d <= 60), 'one-off dates are a few weeks after now')
  for (const a of data.service_area) {
    const g = JSON.parse(a.extent) as Multi
    if (g.type !== 'MultiPolygon' || a.extent_type !== 'geojson') t.fail(`${a.name}: extent`)
  }
  t.ok(data.cost_option.every((c) => c.amount >= 0 && Math.round(c.amount * 100) === c.amount * 100), 'amounts fit numeric(8,2)')
  t.pass('checked')
})

t.test('costs', async (t) => {
  const positive = new Set(data.cost_option.filter((c) => c.amount > 0).map((c) => c.service_id))
  t.ok(positive.size >= 30, `${positive.size} paid services`)
  t.ok(data.service.length - positive.size >= 150, 'most services are free')
  t.ok(data.cost_option.some((c) => c.amount === 0), 'some explicit £0 options')
  t.ok(data.cost_option.filter((c) => c.amount > 0 && c.concessions).length >= 5, 'some concessions')
})

t.test('verified_at spread relative to now', async (t) => {
  const ages = data.service.map((s) => (s.verified_at === null ? null : (NOW.getTime() - Date.parse(s.verified_at)) / 86_400_000))
  const n = (f: (d: number) => boolean) => ages.filter((d) => d !== null && f(d)).length
  t.ok(ages.every((d) => d === null || d >= 0), 'nothing verified in the future')
  t.ok(n((d) => d < 90) > data.service.length * 0.6, `${n((d) => d < 90)} within 90 days`)
  t.ok(n((d) => d >= 90 && d < 180) >= 10, 'some 90-180 days')
  t.ok(n((d) => d >= 180 && d <= 365) >= 10, 'some 180-365 days')
  t.ok(n((d) => d > 365) >= 5, 'some over a year')
  t.ok(ages.filter((d) => d === null).length >= 3, 'a few never verified')
})

t.test('contact details are fictional', async (t) => {
  const phone = /^(020 7946 0\d{3}|07700 900\d{3})$/
  const email = /^[a-z0-9._-]+@([a-z0-9-]+\.)*example\.(org|com|net)$/
  const web = /^https:\/\/([a-z0-9-]+\.)*example\.(org|com|net)(\/[a-z0-9-]*)?$/
  t.same(data.phone.filter((p) => !phone.test(p.number)), [], 'phones in Ofcom drama ranges')
  const emails = [...data.organization.map((o) => o.email), ...data.service.map((s) => s.email), ...data.contact.map((c) => c.email)].filter((e) => e !== null)
  t.same(emails.filter((e) => !email.test(e)), [], 'emails on example domains')
  const webs = [...data.organization.map((o) => o.website), ...data.service.map((s) => s.url)].filter((w) => w !== null)
  t.same(webs.filter((w) => !web.test(w)), [], 'websites on example domains')
  const phonesByContact = new Set(data.phone.map((p) => p.contact_id))
  const withPhone = new Set(data.contact.filter((c) => phonesByContact.has(c.id)).map((c) => c.service_id))
  t.equal(withPhone.size, data.service.length, 'every service has a contact with a phone')
})

t.test('hole (a): no step-free arts and crafts in the south', async (t) => {
  const south = (l: LocationRow) => {
    const a = ix.addressByLocation.get(l.id)
    const ward = a ? csvPoint(a.postal_code).ward : ''
    return (
      (SOUTH_WARDS as readonly string[]).includes(ward) ||
      SOUTH_WARDS.some((w) => contains(wardGeom.get(w) as Multi, l.latitude as number, l.longitude as number))
    )
  }
  t.equal(SOUTH_WARDS.filter((w) => wardGeom.has(w)).length, 7, 'SOUTH_WARDS are real ward names')
  const crafts = data.service.filter((s) => hasTerm(s, 'arts-and-crafts'))
  const offending = crafts.filter((s) => sitesOf(s).some((l) => south(l) && stepFree(l)))
  t.same(offending.map((s) => s.name), [], 'no arts-and-crafts service at a step-free southern venue')
  t.ok(crafts.filter((s) => sitesOf(s).some(south)).length >= 3, 'arts-and-crafts services do exist in the south')
  t.ok(crafts.filter((s) => live(s) && sitesOf(s).some((l) => !south(l) && stepFree(l))).length >= 5, 'and at step-free venues elsewhere')
})

t.test('hole (b): no young adults’ social groups in or near New Addington', async (t) => {
  t.ok(naPostcodes.length > 300, 'New Addington postcodes found')
  const young = data.service.filter((s) => hasTerm(s, 'social-groups') && s.maximum_age !== null && s.maximum_age <= 30)
  t.ok(young.filter(live).length >= 2, `${young.length} young adults' social groups exist`)
  for (const s of young) {
    if (ix.areas.has(s.id)) t.fail(`${s.name} has a service area`)
    for (const l of sitesOf(s)) {
      const d = Math.min(...naPostcodes.map((r) => haversine(l.latitude as number, l.longitude as number, Number(r.lat), Number(r.lon))))
      if (d <= YOUNG_ADULT_GAP_METRES) t.fail(`${s.name} is ${Math.round(d)} m from New Addington`)
    }
  }
  const na = csvPoint(GAP_POSTCODES.newAddington)
  t.ok(NEW_ADDINGTON_WARDS.includes(na.ward as (typeof NEW_ADDINGTON_WARDS)[number]), 'gap postcode is in New Addington')
  t.equal(YOUNG_ADULT_GAP_METRES, 4000)
})

t.test('Derek: small groups near Waddon, with and without an escort', async (t) => {
  const home = PERSONA_POSTCODES.derek
  t.ok(['Waddon', 'Broad Green'].includes(csvPoint(home).ward), 'Derek lives in Waddon or Broad Green')
  const nearby = data.service.filter((s) => live(s) && near(s, home, 1500) && (s.minimum_age ?? 0) <= 75 && (s.maximum_age ?? 120) >= 75)
  const small = nearby.filter((s) => s.group_size !== 'large' && (s.typical_attendance === null || s.typical_attendance <= 10))
  t.ok(small.length >= 6, `${small.length} small or one-to-one services within 1.5 km`)
  t.ok(small.filter((s) => s.newcomer_support.includes('accompanied_first_visit')).length >= 2, 'some offer an accompanied first visit')
  t.ok(small.filter((s) => !s.newcomer_support.includes('accompanied_first_visit')).length >= 2, 'some do not')
  t.ok(nearby.filter((s) => s.group_size === 'large').length >= 2, 'large groups nearby too')
  const lunchA = data.service.find((s) => s.name === 'Waddon Friendship Lunch Club')
  const lunchB = data.service.find((s) => s.name === 'Duppas Hill Lunch Club')
  t.ok(lunchA && lunchB, 'the twin lunch clubs exist')
  if (lunchA && lunchB) {
    t.same(lunchA.newcomer_support, ['accompanied_first_visit', 'welcome_call'])
    t.same(lunchB.newcomer_support, [])
    t.same([lunchA.group_size, lunchA.minimum_age, lunchA.physical_intensity], [lunchB.group_size, lunchB.minimum_age, lunchB.physical_intensity])
    t.same([...(ix.terms.get(lunchA.id) ?? [])], [...(ix.terms.get(lunchB.id) ?? [])])
  }
  const befriending = data.service.filter((s) => hasTerm(s, 'befriending') && s.delivery_modes.includes('home_visit') && coversPostcode(s, home))
  t.ok(befriending.length >= 1, 'a home-visiting befriending service covers Derek')
})

t.test('Priti: weekday daytime parent and baby groups, step-free, near Thornton Heath', async (t) => {
  const home = PERSONA_POSTCODES.priti
  t.equal(csvPoint(home).ward, 'Thornton Heath')
  t.match(home, /^CR7 /)
  const parents = data.service.filter((s) => live(s) && s.audiences.includes('new_parents') && hasTerm(s, 'parent-and-baby') && near(s, home, 1200))
  const sched = (s: ServiceRow) => ix.schedules.get(s.id) ?? []
  const weekdayDaytime = (s: ServiceRow) =>
    sched(s).length > 0 &&
    sched(s).every((x) => x.kind === 'weekly' && x.byday.every((d) => !['SA', 'SU'].includes(d)) && (x.opens_at as string) >= '08:00' && (x.closes_at as string) <= '17:00')
  const good = parents.filter((s) => weekdayDaytime(s) && sitesOf(s).every(stepFree))
  t.ok(good.length >= 4, `${good.length} weekday daytime step-free groups: ${good.map((s) => s.name).join(', ')}`)
  t.ok(parents.some((s) => sched(s).every((x) => (x.opens_at as string) >= '18:00')), 'an evening-only decoy')
  t.ok(parents.some((s) => weekdayDaytime(s) && sitesOf(s).some((l) => !stepFree(l))), 'a decoy without step-free access')
  t.ok(parents.some((s) => sched(s).every((x) => x.byday.length > 0 && x.byday.every((d) => d === 'SA' || d === 'SU'))), 'a weekend-only decoy')
})

t.test('Jane: five mental health services at home, fewer in the south', async (t) => {
  const jane = PERSONA_POSTCODES.jane
  t.equal(csvPoint(jane).ward, 'Bensham Manor')
  const atHome = data.service.filter((s) => s.audiences.includes('mental_health') && s.delivery_modes.some((m) => m !== 'venue'))
  t.equal(atHome.length, 5, 'exactly five non-venue mental health services')
  t.ok(atHome.every(live), 'all active and open')
  const boroughWide = atHome.filter((s) => data.service_area.some((a) => a.service_id === s.id && a.name === 'Croydon (whole borough)'))
  t.equal(boroughWide.length, 2, 'two cover the whole borough')
  const outline = boroughFile.features[0]?.geometry.coordinates
  for (const s of boroughWide) {
    const extents = ix.areas.get(s.id) ?? []
    t.same(extents, [{ type: 'MultiPolygon', coordinates: [outline] }], `${s.name} uses the borough outline`)
  }
  const local = atHome.filter((s) => !boroughWide.includes(s))
  t.equal(local.length, 3)
  for (const s of local) {
    t.ok(s.delivery_modes.includes('home_visit'), `${s.name} visits at home`)
    const wardsCovered = data.service_area.filter((a) => a.service_id === s.id).map((a) => a.name.replace(/ ward$/, ''))
    t.same(wardsCovered.filter((w) => !(NORTH_CENTRAL_WARDS as readonly string[]).includes(w)), [], `${s.name} covers only north/central wards`)
    t.same(wardsCovered.filter((w) => (SOUTH_WARDS as readonly string[]).includes(w)), [], `${s.name} covers no southern ward`)
  }
  t.equal(atHome.filter((s) => coversPostcode(s, jane)).length, 5, 'Jane is covered by all five')
  t.equal(csvPoint(GAP_POSTCODES.south).ward, 'Coulsdon Town')
  t.equal(atHome.filter((s) => coversPostcode(s, GAP_POSTCODES.south)).length, 2, 'a southern home is covered by two')
})

t.test('Mike: housing help and men’s groups near Selhurst, and a vigorous decoy', async (t) => {
  const home = PERSONA_POSTCODES.mike
  t.ok(['Thornton Heath', 'Selhurst'].includes(csvPoint(home).ward))
  const housing = data.service.filter((s) => live(s) && hasTerm(s, 'housing') && near(s, home, 1500))
  t.ok(housing.length >= 2, `${housing.length} housing services within 1.5 km`)
  const mens = data.service.filter((s) => live(s) && s.audiences.includes('men') && hasTerm(s, 'mens-groups') && near(s, home, 1500))
  const gentle = mens.filter((s) => s.physical_intensity === 'none' || s.physical_intensity === 'light')
  t.ok(gentle.length >= 3, `${gentle.length} gentle men's groups`)
  t.ok(gentle.filter((s) => s.gender_restriction === 'men_only').length >= 2, 'some men only')
  const text = gentle.map((s) => `${s.name} ${s.description}`.toLowerCase()).join(' ')
  for (const word of ['darts', 'quiz', 'shed']) t.match(text, word, `a group mentions ${word}`)
  const decoy = mens.filter((s) => s.physical_intensity === 'vigorous' && /football|five-a-side/i.test(s.name))
  t.equal(decoy.length, 1, 'one vigorous football decoy nearby')
})
