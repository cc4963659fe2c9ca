// npm run ingest:crash [-- --points N] [--oruk | --rpde]: crash safety of harvesting, on a real
// PostgreSQL server. A harvest is killed (SIGKILL) at 20 points of an ORUK harvest and 20 of an
// OpenActive RPDE harvest, run again to the end, and the database must then hold exactly what an
// uninterrupted harvest leaves. Prints each kill point (where, what the killed run had committed,
// the result) and exits 1 on any difference. CI runs it (.ci/run); it takes about two minutes.
//
// The server is DATABASE_URL's (default postgres://postgres@127.0.0.1:5432/postgres); only
// databases named connector_crash_* are created there, and all of them are dropped at the end.
// A feed server on 127.0.0.1 serves a fixed ORUK /services feed and a fixed RPDE feed.
//
// How it works:
//  1. A template database: migrated, the shipped postcodes and boundaries, the two sources and the
//     term map, and one first harvest of the ORUK feed as it was (v1). The harvest under test is
//     the next one, of the feed as it is now (v2): new, changed, withdrawn (status), missing,
//     still-bad, newly bad and fixed records, an organisation changed. The RPDE source has never
//     been read: its harvest is a first read, whose feed holds a later update of an earlier item,
//     deletions, ties on `modified`, refused items and a refused item later fixed.
//  2. Reference: a copy of the template harvested once, uninterrupted, by this file's child entry
//     (what scripts/ingest.ts does, plus counting the SQL statements the process sends). The
//     statements it sent are the map of the harvest the kill points are chosen on.
//  3. Control: another copy harvested once by `scripts/ingest.ts`, which must equal the reference
//     (the comparison is exact up to ids and clocks: it shows nothing when nothing differs).
//  4. For each kill point N: a fresh copy; the child entry runs the harvest and stops just before
//     sending its Nth statement (inside a transaction or between them) and reports it; the parent
//     then kills it with SIGKILL. Deterministic: the same statement every time. Every state a kill
//     at any moment can leave in the database is a state "just before statement N" for some N (a
//     statement half-written to the socket is dropped by the server; one sent is run or rolled
//     back with its transaction). Once the server has let the killed sessions go, the harvest is
//     run again with `scripts/ingest.ts` (again if that run failed), and the copy is compared with
//     the reference. Kill points are statement numbers, not times, so the feed server needs no
//     delay and a run is repeatable: 14 (ORUK) or 13 (RPDE) chosen for what they interrupt (a
//     listing half written, a version not yet recorded, a page not yet committed, a quarantine
//     entry not yet resolved, withdrawals half done...), the rest spread evenly. The two feeds
//     are checked side by side, each in databases of its own.
//
// The same data means, keyed by source and external id (not by our uuids, which are random per
// database), and ignoring clocks: each ingest record (its hash, handed over or not, a withdrawal
// held or not, RPDE `modified`, the run that last saw it as template run or this harvest), the
// listing it became as an editor reads it (document, status, version, organisation by its external
// ids) and its rows (venues, addresses, access, schedules, areas, activity types), the
// organisation each organisation record became, every version of each (number, action, changes,
// snapshot, the run that made it), the open quarantine (external id, reasons, payload), what
// became of quarantine entries that predate the harvest, each source's feed position, and the
// row count of every directory table. Also: no run is left 'running', the killed run is marked
// failed with "stopped before it finished", and each run's counts add up.
//
// The feed's records disagree about one organisation they share (o3's last record still has its
// old description). A harvest writes each organisation at most once (the first copy in the feed),
// so the crash, the rerun and a second uninterrupted harvest all leave it as one harvest does.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { loadConfig } from '../src/config.ts'
import type { Db } from '../src/db/db.ts'
import { migrate } from '../src/db/migrate.ts'
import { openDb } from '../src/db/open.ts'
import { createPgDb, pgPoolConfig } from '../src/db/pg.ts'
import { loadShippedBoundariesIfEmpty } from '../src/geo/boundaries.ts'
import { loadShippedPostcodesIfEmpty } from '../src/geo/import.ts'
import { findSource, harvest, type RunRow } from '../src/ingest/harvest.ts'
import { readService } from '../src/manage/store.ts'
import { DELIVERY_TAXONOMY, uuidV5 } from '../src/oruk/map.ts'

type Json = Record<string, unknown>
type Kind = 'oruk' | 'rpde'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SELF = fileURLToPath(import.meta.url)
const PREFIX = 'connector_crash'
const TEMPLATE = `${PREFIX}_tpl`
const STOPPED = 'stopped before it finished (the process ended)'
/** The application_name of the harvest's connections (pgPoolConfig's): the ones a kill leaves. */
const HARVEST_APP = 'connector'
const CHILD_TIMEOUT_MS = 60_000

const oid = (name: string) => uuidV5(`ingest-crash/${name}`)
const SOURCES: Record<Kind, { id: string; name: string }> = {
  oruk: { id: oid('source/oruk'), name: 'Crash test ORUK feed' },
  rpde: { id: oid('source/rpde'), name: 'Crash test RPDE feed' },
}

// ---- The ORUK feed ---------------------------------------------------------------------------

const OUR_TERMS = {
  social: ['d7507b91-f360-4254-8896-142ef0e4fd8c', 'Social groups', 'Coffee morning'],
  arts: ['0848ff91-902f-47ed-8c8b-2aaf2094dca6', 'Arts and crafts', 'Knit and natter'],
  music: ['232be493-c8ec-44c6-a1b0-722ed7d7e738', 'Music and singing', 'Community choir'],
  exercise: ['1b4a61f9-b07b-472e-b713-133a51871295', 'Exercise and sport', 'Chair exercise'],
  walking: ['3c7fb0cf-e5f9-42b8-9ad7-812f4e9d8bbd', 'Walking', 'Health walk'],
  gardening: ['ebbb3f21-e345-4c9c-8bbc-98c55d389929', 'Gardening and nature', 'Community garden'],
  befriending: ['4d66e19b-b747-447d-beab-520f04deb35e', 'Befriending', 'Telephone befriending'],
  learning: ['0f6997b6-9583-44b7-b413-8ecccbc3c9e3', 'Learning and skills', 'Book club'],
  digital: ['6bb4bdd2-dc46-41c8-b733-8f8960a143c8', 'Digital skills', 'Tablet help'],
  food: ['b1e3a4fb-1639-48ba-b4d3-9afe49c7ede2', 'Food', 'Community lunch'],
} as const
type TermKey = keyof typeof OUR_TERMS
const TERM_KEYS = Object.keys(OUR_TERMS) as TermKey[]
/** An ESD service type the term map maps (to social-groups), and one it does not. */
const ESD_MAPPED = { uri: 'http://id.esd.org.uk/service/1024', label: 'Lunch clubs' }
const ESD_UNMAPPED = { uri: 'http://id.esd.org.uk/service/9999', label: 'Pigeon racing' }

interface Venue {
  name: string
  address_1: string
  city: string
  postcode: string
  lat?: number
  lon?: number
  access?: string[]
}
const VENUES: Venue[] = [
  { name: 'Norbury Hall', address_1: '1 London Road', city: 'Norbury', postcode: 'SW16 4DH', lat: 51.4118, lon: -0.1226, access: ['Step-free access', 'Hearing loop'] },
  { name: 'Thornton Heath Library', address_1: '190 Brigstock Road', city: 'Thornton Heath', postcode: 'CR7 7JE', lat: 51.3987, lon: -0.1004, access: ['Accessible toilet'] },
  { name: 'South Norwood Community Centre', address_1: '12 Station Road', city: 'South Norwood', postcode: 'SE25 5AJ', lat: 51.3975, lon: -0.0755 },
  { name: 'Addiscombe Church Hall', address_1: '5 Canning Road', city: 'Addiscombe', postcode: 'CR0 6QD', lat: 51.3805, lon: -0.0745, access: ['Step-free access'] },
  { name: 'Selhurst Park Suite', address_1: 'Holmesdale Road', city: 'Selhurst', postcode: 'SE25 6PU', lat: 51.3983, lon: -0.0855 },
  { name: 'Purley Library', address_1: 'Banstead Road', city: 'Purley', postcode: 'CR8 3YH', lat: 51.3375, lon: -0.1162, access: ['Parking'] },
  { name: 'New Addington Centre', address_1: '63 Central Parade', city: 'New Addington', postcode: 'CR0 0JB', lat: 51.3436, lon: -0.0158 },
  { name: 'Coulsdon Community Centre', address_1: 'Barrie Close', city: 'Coulsdon', postcode: 'CR5 2SL', lat: 51.3195, lon: -0.1392, access: ['Seating'] },
]
/** Placed by its postcode, which the shipped postcodes hold. */
const PLACED_BY_POSTCODE: Venue = { name: 'Croydon Clocktower', address_1: 'Katharine Street', city: 'Croydon', postcode: 'CR0 1AA' }
/** No coordinates, and a postcode we do not hold: refused. */
const UNPLACEABLE: Venue = { name: 'Middlesbrough Sports Village', address_1: 'Alan Peacock Way', city: 'Middlesbrough', postcode: 'TS4 3AE' }

interface Org {
  key: string
  name: string
  description: string
  charity?: string
}
const ORGS: Org[] = [
  { key: 'o1', name: 'Norbury Neighbours', description: 'Neighbours helping neighbours.', charity: '1100001' },
  { key: 'o2', name: 'Thornton Heath Together', description: 'A community association.', charity: '1100002' },
  { key: 'o3', name: 'Croydon Walkers', description: 'Led walks across the borough.' },
  { key: 'o4', name: 'South Norwood Arts', description: 'Making things together.' },
  { key: 'o5', name: 'Addiscombe Allotments', description: 'Growing food and friendships.' },
  { key: 'o6', name: 'Selhurst Singers', description: 'Everyone can sing.' },
  { key: 'o7', name: 'Purley Phone Friends', description: 'A friendly voice every week.' },
  { key: 'o8', name: 'New Addington Food Share', description: 'Good food, shared.' },
  // The same charity number as o1 under another id: linked to o1's organisation, never written.
  { key: 'o9', name: 'Norbury Neighbours (Pollards Hill)', description: 'Our Pollards Hill branch.', charity: '1100001' },
  { key: 'o10', name: 'Coulsdon Learning Hub', description: 'Learning for everyone.' },
]
const O3_V2: Org = { ...ORGS[2]!, description: 'Led walks across the borough, for every pace.' }
const O11: Org = { key: 'o11', name: 'Waddon Woodworkers', description: 'A shed for everyone.' }

interface Schedule {
  venue: number | null
  freq?: string
  interval?: number
  byday?: string
  opens?: string
  closes?: string
  notes?: string
}
interface Area {
  name: string
  uri?: string
  extent?: unknown
}
interface Listing {
  key: string
  name: string
  org: Org
  status?: string
  terms: ({ ours: TermKey } | { esd: { uri: string; label: string } })[]
  venues: Venue[]
  schedules: Schedule[]
  telephone?: boolean
  areas?: Area[]
  costs?: { option: string; amount: number }[]
  contact?: { name: string; title: string }
  assured?: string
  /** Listed on the page as a summary: the harvester fetches /services/{id} for the record. */
  summary?: boolean
}

const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR']
const ONS = 'http://statistics.data.gov.uk/id/statistical-geography/'
const CROYDON_SQUARE = { type: 'Polygon', coordinates: [[[-0.13, 51.36], [-0.07, 51.36], [-0.07, 51.4], [-0.13, 51.4], [-0.13, 51.36]]] }

/** Listing number i of the feed as it first was. */
function firstListing(i: number): Listing {
  const key = `L${String(i).padStart(3, '0')}`
  const term = TERM_KEYS[i % TERM_KEYS.length]!
  const venue = VENUES[i % VENUES.length]!
  const day = DAYS[i % DAYS.length]!
  const opens = `${String(9 + (i % 8)).padStart(2, '0')}:00`
  const closes = `${String(11 + (i % 8)).padStart(2, '0')}:00`
  const schedules: Schedule[] =
    i % 9 === 0 ? [{ venue: null, notes: 'Ring to arrange a time.' }] : i % 6 === 0 ? [{ venue: 0, freq: 'MONTHLY', byday: `2${day}`, opens, closes }] : [{ venue: 0, freq: 'WEEKLY', byday: day, opens, closes }]
  const listing: Listing = {
    key,
    name: `${OUR_TERMS[term][2]} at ${venue.name} (${key})`,
    org: ORGS[i % ORGS.length]!,
    terms: [{ ours: term }],
    venues: [venue],
    schedules,
    ...(i % 4 === 0 ? { costs: [{ option: 'Per session', amount: (i % 3) * 2.5 }] } : {}),
    ...(i % 5 === 0 ? { contact: { name: 'Sam Okafor', title: 'Organiser' } } : {}),
    ...(i % 7 === 0 ? { assured: '2026-05-01' } : {}),
  }
  if (i >= 10 && i <= 14) {
    // Telephone services, each available in an area of another kind.
    const areas: Area[][] = [
      [{ name: 'Norbury & Pollards Hill', uri: `${ONS}E05011472` }],
      [{ name: 'Croydon', uri: `${ONS}E09000008` }],
      [{ name: 'England', uri: `${ONS}E92000001` }],
      [{ name: `within 3 km of ${venue.name}` }],
      [{ name: 'Central Croydon', extent: CROYDON_SQUARE }],
    ]
    Object.assign(listing, {
      name: `Telephone friends ${key}`,
      terms: [{ ours: 'befriending' }],
      telephone: true,
      areas: areas[i - 10],
      venues: i === 13 ? [venue] : [],
      schedules: i === 13 ? [{ venue: 0, freq: 'WEEKLY', byday: day, opens, closes }] : [{ venue: null, freq: 'WEEKLY', byday: day, opens, closes }],
    })
  }
  if (i === 20) {
    listing.venues = [VENUES[0]!, VENUES[3]!]
    listing.schedules = [
      { venue: 0, freq: 'WEEKLY', byday: 'MO,WE', opens: '10:00', closes: '12:00' },
      { venue: 1, freq: 'MONTHLY', byday: '-1FR', opens: '14:00', closes: '16:00' },
    ]
  }
  if (i >= 25 && i <= 27) listing.summary = true
  if (i === 30) listing.venues = [PLACED_BY_POSTCODE]
  if (i === 50) listing.terms = [{ esd: ESD_MAPPED }]
  return listing
}

/** Records that cannot be used, by key. */
function badListing(key: string, v: 1 | 2): Listing {
  const base: Listing = { key, name: `Refused record ${key}`, org: ORGS[3]!, terms: [{ ours: 'arts' }], venues: [VENUES[1]!], schedules: [{ venue: 0, freq: 'WEEKLY', byday: 'TU', opens: '10:00', closes: '12:00' }] }
  if (key === 'Q1') return v === 1 ? { ...base, terms: [{ esd: ESD_UNMAPPED }] } : { ...base, name: 'Pigeon fanciers (now a social group)' }
  if (key === 'Q2') return { ...base, schedules: [{ venue: 0, freq: 'WEEKLY', interval: 2, byday: 'TH', opens: '10:00', closes: '12:00' }] }
  if (key === 'Q3') return { ...base, venues: [UNPLACEABLE] }
  return { ...base, terms: [{ esd: ESD_UNMAPPED }] }
}

function orgJson(o: Org): Json {
  const id = oid(`org/${o.key}`)
  return {
    id,
    name: o.name,
    description: o.description,
    organization_identifiers: o.charity ? [{ id: oid(`org/${o.key}/identifier`), organization_id: id, identifier_scheme: 'GB-CHC', identifier_type: 'Charity number', identifier: o.charity }] : [],
  }
}

/** A listing as an ORUK 3.0 full service record. */
function orukRecord(l: Listing): Json {
  const id = oid(`service/${l.key}`)
  const sals = l.venues.map((v, i) => {
    const salId = oid(`service/${l.key}/sal/${i}`)
    const locationId = oid(`service/${l.key}/location/${i}`)
    return {
      id: salId,
      service_id: id,
      location_id: locationId,
      location: {
        id: locationId,
        location_type: 'physical',
        name: v.name,
        ...(v.lat !== undefined ? { latitude: v.lat, longitude: v.lon } : {}),
        addresses: [{ id: oid(`service/${l.key}/address/${i}`), location_id: locationId, address_1: v.address_1, city: v.city, state_province: 'London', postal_code: v.postcode, country: 'GB', address_type: 'physical' }],
        accessibility: (v.access ?? []).map((a, j) => ({ id: oid(`service/${l.key}/access/${i}/${j}`), location_id: locationId, description: a, accessibility: a })),
      },
    }
  })
  const attributes: Json[] = l.terms.map((t, i) => {
    const attr = { id: oid(`service/${l.key}/attribute/${i}`), link_id: id }
    if ('ours' in t) {
      const [termId, name] = OUR_TERMS[t.ours]
      return { ...attr, taxonomy_term_id: termId, taxonomy_term: { id: termId, name, description: name } }
    }
    const termId = oid(`esd/${t.esd.uri}`)
    return { ...attr, taxonomy_term_id: termId, taxonomy_term: { id: termId, name: t.esd.label, description: t.esd.label, taxonomy: 'esdServiceTypes', term_uri: t.esd.uri } }
  })
  if (l.telephone) {
    const termId = oid('delivery/telephone')
    attributes.push({ id: oid(`service/${l.key}/attribute/telephone`), link_id: id, taxonomy_term_id: termId, taxonomy_term: { id: termId, name: 'By telephone', description: 'By telephone', taxonomy: DELIVERY_TAXONOMY.name, taxonomy_id: DELIVERY_TAXONOMY.id, term: 'telephone' } })
  }
  return {
    id,
    name: l.name,
    description: `${l.name}: everyone is welcome.`,
    status: l.status ?? 'active',
    ...(l.assured ? { assured_date: l.assured } : {}),
    organization: orgJson(l.org),
    schedules: l.schedules.map((s, i) => ({
      id: oid(`service/${l.key}/schedule/${i}`),
      service_id: id,
      ...(s.venue !== null ? { service_at_location_id: sals[s.venue]!.id } : {}),
      ...(s.freq ? { freq: s.freq, interval: s.interval ?? 1 } : {}),
      ...(s.byday ? { byday: s.byday } : {}),
      ...(s.opens ? { opens_at: s.opens, closes_at: s.closes } : {}),
      ...(s.notes ? { notes: s.notes } : {}),
    })),
    service_areas: (l.areas ?? []).map((a, i) => ({
      id: oid(`service/${l.key}/area/${i}`),
      service_id: id,
      name: a.name,
      ...(a.uri ? { uri: a.uri } : {}),
      ...(a.extent ? { extent: JSON.stringify(a.extent), extent_type: 'geojson' } : {}),
    })),
    service_at_locations: sals,
    languages: [],
    funding: [],
    cost_options: (l.costs ?? []).map((c, i) => ({ id: oid(`service/${l.key}/cost/${i}`), service_id: id, option: c.option, amount: c.amount })),
    contacts: l.contact ? [{ id: oid(`service/${l.key}/contact`), service_id: id, name: l.contact.name, title: l.contact.title }] : [],
    attributes,
  }
}

const LISTINGS_V1 = 85
/** The ORUK feed as it first was (harvested into the template), and as it is now. */
function orukListings(version: 1 | 2): Listing[] {
  const first = Array.from({ length: LISTINGS_V1 }, (_, i) => firstListing(i + 1))
  if (version === 1) {
    first.splice(20, 0, badListing('Q1', 1))
    first.splice(60, 0, badListing('Q2', 1))
    return first
  }
  // o3 changed, but its last record in the feed still carries the old description: records that
  // disagree about an organisation they share (see the note at the top).
  const lastO3 = first.filter((l) => l.org.key === 'o3').at(-1)!.key
  const v2Org = (l: Listing): Listing => (l.org.key === 'o3' && l.key !== lastO3 ? { ...l, org: O3_V2 } : l)
  const now: Listing[] = []
  for (const l of first) {
    const n = Number(l.key.slice(1))
    if (n <= 5) continue // gone from the feed: withdrawn as missing (5 of about 90, under the 20% hold)
    const changed: Listing = { ...l }
    if (n === 6) changed.name = `${l.name}, now with tea`
    if (n === 7) changed.schedules = [{ venue: 0, freq: 'WEEKLY', byday: 'FR', opens: '14:00', closes: '16:00' }]
    if (n === 8) changed.venues = [VENUES[5]!]
    if (n === 9) {
      changed.venues = [...l.venues, VENUES[6]!]
      changed.schedules = [...l.schedules.filter((s) => s.venue !== null), { venue: 1, freq: 'WEEKLY', byday: 'SA', opens: '10:00', closes: '11:00' }]
    }
    if (n === 10) changed.areas = [{ name: 'Croydon', uri: `${ONS}E09000008` }]
    if (n === 11) changed.costs = [{ option: 'Per call', amount: 0 }]
    if (n === 12) changed.contact = { name: 'Ade Bello', title: 'Coordinator' }
    if (n === 15) changed.schedules = [{ venue: 0, freq: 'DAILY', opens: '09:00', closes: '10:00' }] // now refused; the listing stays as it was
    if (n === 16) changed.status = 'inactive'
    if (n === 17) changed.status = 'defunct'
    now.push(v2Org(changed))
    if (n === 20) now.push(badListing('Q1', 2))
    if (n === 30) now.push(...[86, 87, 88].map((k) => ({ ...firstListing(k), org: O11 })))
    if (n === 40) now.push(badListing('Q3', 2))
    if (n === 60) now.push(badListing('Q2', 2))
    if (n === 75) now.push(badListing('Q4', 2))
  }
  now.push(...[89, 90, 91, 92, 93, 94, 95].map((k) => v2Org(firstListing(k))))
  return now
}

const ORUK_PAGE_SIZE = 15
const orukFeeds = { 1: orukListings(1), 2: orukListings(2) } as const
const orukRecords = { 1: orukFeeds[1].map(orukRecord), 2: orukFeeds[2].map(orukRecord) } as const

function orukPage(version: 1 | 2, page: number): Json {
  const records = orukRecords[version]
  const total_pages = Math.max(1, Math.ceil(records.length / ORUK_PAGE_SIZE))
  const contents = records.slice((page - 1) * ORUK_PAGE_SIZE, page * ORUK_PAGE_SIZE).map((r, i) => {
    const listing = orukFeeds[version][(page - 1) * ORUK_PAGE_SIZE + i]!
    return listing.summary ? { id: r.id, name: r.name, description: r.description, status: r.status } : r
  })
  return { total_items: records.length, total_pages, page_number: page, size: ORUK_PAGE_SIZE, first_page: page === 1, last_page: page >= total_pages, empty: contents.length === 0, contents }
}

// ---- The RPDE feed ---------------------------------------------------------------------------

const ACTIVITY_LIST = 'https://openactive.io/activity-list'
const FACILITY_TYPES = 'https://openactive.io/facility-types'
const CONCEPTS = {
  walking: { '@type': 'Concept', '@id': `${ACTIVITY_LIST}#c16df6ed-a4a0-4275-a8c3-1c8cff56856f`, prefLabel: 'Walking', inScheme: ACTIVITY_LIST },
  yoga: { '@type': 'Concept', '@id': `${ACTIVITY_LIST}#bf1a5e00-cdcf-465d-8c5a-6f57040b7f7e`, prefLabel: 'Yoga', inScheme: ACTIVITY_LIST },
  badminton: { '@type': 'Concept', '@id': `${ACTIVITY_LIST}#3be3a6e4-1b4e-4d38-8f5e-badminton000`, prefLabel: 'Badminton', inScheme: ACTIVITY_LIST },
  unmapped: { '@type': 'Concept', '@id': `${ACTIVITY_LIST}#00000000-0000-0000-0000-underwaterhoc`, prefLabel: 'Underwater hockey', inScheme: ACTIVITY_LIST },
  tennis: { '@type': 'Concept', '@id': `${FACILITY_TYPES}#tennis-court`, prefLabel: 'Tennis Court', inScheme: FACILITY_TYPES },
}
const ORGANIZERS = ['Croydon Active', 'Norbury Park Runners', 'Thornton Heath Leisure', 'Purley Pilates'].map((name, i) => ({
  '@type': 'Organization',
  '@id': `https://id.example.org/organizers/${i + 1}`,
  name,
}))
const SCHEMA_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']

function place(v: Venue): Json {
  return {
    '@type': 'Place',
    name: v.name,
    address: { '@type': 'PostalAddress', streetAddress: v.address_1, addressLocality: v.city, postalCode: v.postcode, addressCountry: 'GB' },
    geo: { '@type': 'GeoCoordinates', latitude: v.lat, longitude: v.lon },
  }
}

/** Session series (or facility) number i, as OpenActive publishes one. */
function session(i: number, extra: Json = {}): Json {
  const venue = VENUES[i % VENUES.length]!
  const start = 8 + (i % 10)
  const time = (h: number) => `${String(h).padStart(2, '0')}:30`
  if (i % 12 === 0) {
    return {
      '@context': 'https://openactive.io/',
      '@type': 'FacilityUse',
      name: `Tennis courts at ${venue.name} (${i})`,
      description: 'Outdoor courts to hire.',
      facilityType: [CONCEPTS.tennis],
      provider: ORGANIZERS[i % ORGANIZERS.length],
      location: place(venue),
      hoursAvailable: [
        { '@type': 'OpeningHoursSpecification', dayOfWeek: ['https://schema.org/Monday', 'https://schema.org/Tuesday'], opens: '07:00', closes: '21:00' },
        { '@type': 'OpeningHoursSpecification', dayOfWeek: ['https://schema.org/Saturday'], opens: '08:00', closes: '17:00' },
      ],
      offers: [{ '@type': 'Offer', name: 'One hour', price: 8, priceCurrency: 'GBP' }],
      ...extra,
    }
  }
  const activity = [CONCEPTS.walking, CONCEPTS.yoga, CONCEPTS.badminton][i % 3]!
  return {
    '@context': 'https://openactive.io/',
    '@type': 'SessionSeries',
    name: `${activity.prefLabel} at ${venue.name} (${i})`,
    description: `${activity.prefLabel} for all, every week.`,
    activity: [activity],
    organizer: ORGANIZERS[i % ORGANIZERS.length],
    location: place(venue),
    eventSchedule: [{ '@type': 'PartialSchedule', repeatFrequency: 'P1W', byDay: [`https://schema.org/${SCHEMA_DAYS[i % 7]}`], startTime: time(start), endTime: time(start + 1), scheduleTimezone: 'Europe/London' }],
    ...(i % 10 === 3 ? { eventAttendanceMode: 'https://schema.org/MixedEventAttendanceMode' } : {}),
    ...(i % 5 === 0 ? { offers: [{ '@type': 'Offer', name: 'Drop in', price: 0, priceCurrency: 'GBP' }] } : i % 2 === 0 ? { offers: [{ '@type': 'Offer', name: 'Adult', price: 4.5, priceCurrency: 'GBP' }] } : {}),
    ...(i % 4 === 1 ? { level: ['Beginner'] } : {}),
    ...(i % 6 === 2 ? { ageRange: { '@type': 'QuantitativeValue', minValue: 50 } } : {}),
    ...(i % 8 === 5 ? { accessibilitySupport: [{ '@type': 'Concept', prefLabel: 'Wheelchair user', inScheme: 'https://openactive.io/accessibility-support' }] } : {}),
    ...(i % 9 === 4 ? { subEvent: [{ '@type': 'ScheduledSession', maximumAttendeeCapacity: 10 }] } : {}),
    ...extra,
  }
}

interface RpdeItem {
  state: 'updated' | 'deleted'
  kind: string
  id: string
  modified: number
  data?: Json
}
const RPDE_PAGE_SIZE = 8
const T0 = 1_700_000_000
const sid = (i: number) => `crash-session-${String(i).padStart(2, '0')}`

/**
 * The feed as read from its start while it changed: each change moves an item to the feed's
 * end, so an item read early comes again later (updated or deleted). Ordered by modified, then id.
 */
function rpdeItems(): RpdeItem[] {
  const items: RpdeItem[] = []
  const updated = (id: string, modified: number, data: Json) => items.push({ state: 'updated', kind: data['@type'] as string, id, modified, data })
  for (let i = 1; i <= 48; i++) updated(sid(i), i >= 5 && i <= 7 ? T0 + 5 : T0 + i, session(i)) // 5, 6, 7 tie on modified
  updated('crash-bad-1', T0 + 20, session(61, { activity: [CONCEPTS.unmapped], name: 'Underwater hockey' })) // ties with session 20; refused
  updated('crash-bad-2', T0 + 33, session(62, { location: undefined, name: 'Nowhere in particular' })) // no venue, not online: refused
  updated(sid(3), T0 + 100, session(3, { name: 'Yoga at Norbury (renamed)', eventSchedule: [{ '@type': 'PartialSchedule', repeatFrequency: 'P1W', byDay: ['https://schema.org/Sunday'], startTime: '18:00', endTime: '19:00' }] }))
  items.push({ state: 'deleted', kind: 'SessionSeries', id: sid(7), modified: T0 + 101 })
  updated('crash-bad-1', T0 + 102, session(61, { activity: [CONCEPTS.walking], name: 'Underwater walking (fixed)' }))
  updated(sid(14), T0 + 103, session(14, { eventSchedule: [{ '@type': 'PartialSchedule', repeatFrequency: 'P2W', byDay: ['https://schema.org/Monday'], startTime: '10:00', endTime: '11:00' }] })) // now refused
  items.push({ state: 'deleted', kind: 'SessionSeries', id: 'crash-bad-2', modified: T0 + 104 })
  updated(sid(20), T0 + 105, session(20)) // republished unchanged
  for (let i = 49; i <= 54; i++) updated(sid(i), T0 + 57 + i, session(i))
  return items.sort((a, b) => a.modified - b.modified || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
const RPDE_ITEMS = rpdeItems()

function rpdePage(base: string, requested: string): Json {
  const url = new URL(requested)
  const at = url.searchParams.has('afterTimestamp') ? { modified: Number(url.searchParams.get('afterTimestamp')), id: url.searchParams.get('afterId') ?? '' } : undefined
  const items = RPDE_ITEMS.filter((i) => !at || i.modified > at.modified || (i.modified === at.modified && i.id > at.id)).slice(0, RPDE_PAGE_SIZE)
  const last = items.at(-1)
  return { items, next: last ? `${base}/rpde/feed?afterTimestamp=${last.modified}&afterId=${encodeURIComponent(last.id)}` : requested, license: 'https://creativecommons.org/licenses/by/4.0/' }
}

const RPDE_TERM_MAP: [string, string, string, string][] = [
  [ACTIVITY_LIST, CONCEPTS.walking['@id'], 'activity', 'walking'],
  [ACTIVITY_LIST, CONCEPTS.yoga['@id'], 'activity', 'exercise-and-sport'],
  [ACTIVITY_LIST, CONCEPTS.badminton['@id'], 'activity', 'exercise-and-sport'],
  [FACILITY_TYPES, CONCEPTS.tennis['@id'], 'activity', 'exercise-and-sport'],
  ['https://openactive.io/accessibility-support', 'Wheelchair user', 'accessibility', 'step_free'],
  ['esdServiceTypes', ESD_MAPPED.uri, 'activity', 'social-groups'],
]

// ---- The feed server -------------------------------------------------------------------------

class FeedServer {
  orukVersion: 1 | 2 = 1
  /** Requests answered, by feed. */
  requests: Record<Kind, number> = { oruk: 0, rpde: 0 }
  base = ''
  private server = http.createServer((req, res) => this.answer(req, res))

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const requested = `${this.base}${req.url ?? '/'}`
    const url = new URL(requested)
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (url.pathname === '/oruk/services') {
      this.requests.oruk += 1
      return json(200, orukPage(this.orukVersion, Number(url.searchParams.get('page') ?? '1')))
    }
    const one = /^\/oruk\/services\/([^/]+)$/.exec(url.pathname)
    if (one) {
      this.requests.oruk += 1
      const record = orukRecords[this.orukVersion].find((r) => r.id === decodeURIComponent(one[1]!))
      return record ? json(200, record) : json(404, { status: 404, title: 'Not found' })
    }
    if (url.pathname === '/rpde/feed') {
      this.requests.rpde += 1
      return json(200, rpdePage(this.base, requested))
    }
    json(404, { status: 404, title: 'Not found' })
  }
}

// ---- The child: a harvest that stops before its Nth statement ---------------------------------

/** One SQL statement the harvest sent: its text, a few of its values, and whether a transaction was open. */
interface Statement {
  sql: string
  values: string[]
  open: boolean
}

/**
 * Counts the statements every pg client of this process sends once `active`; before statement
 * `pauseAt` it tells the parent and waits (for the SIGKILL) instead of sending it.
 */
function watchStatements(pauseAt: number | undefined) {
  const state = { active: false, count: 0, openTransactions: 0, trace: [] as Statement[] }
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }
  const send = proto.query
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (!state.active) return send.apply(this, args)
    const config = args[0] as string | { text?: string; values?: unknown[] }
    const text = typeof config === 'string' ? config : (config.text ?? '')
    const values = (Array.isArray(args[1]) ? args[1] : typeof config === 'object' && Array.isArray(config.values) ? config.values : []) as unknown[]
    const sql = text.replace(/\s+/g, ' ').trim()
    const statement: Statement = {
      sql: sql.slice(0, 160),
      values: values.slice(0, 4).map((v) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v).slice(0, 100) : v === null ? 'null' : '…')),
      open: state.openTransactions > 0,
    }
    state.count += 1
    if (state.count === pauseAt) {
      process.send!({ paused: { n: state.count, ...statement } })
      return typeof args.at(-1) === 'function' ? undefined : new Promise(() => {})
    }
    state.trace.push(statement)
    if (/^BEGIN$/i.test(sql)) state.openTransactions += 1
    else if (/^(COMMIT|ROLLBACK)$/i.test(sql)) state.openTransactions -= 1
    return send.apply(this, args)
  }
  return state
}

/** What scripts/ingest.ts does (the same configuration, harvest and options), statements counted. */
async function childMain(args: string[]): Promise<void> {
  const sourceId = args[0]!
  const pause = args.indexOf('--pause-at')
  const watch = watchStatements(pause >= 0 ? Number(args[pause + 1]) : undefined)
  const send = (message: unknown) => new Promise<void>((resolve, reject) => process.send!(message, (e: Error | null) => (e ? reject(e) : resolve())))
  const db = await openDb(loadConfig().database)
  try {
    await migrate(db)
    const source = await findSource(db, sourceId)
    if (!source) throw new Error(`There is no source called ${sourceId}.`)
    watch.active = true
    const run = await harvest(db, source.id, { now: () => new Date(), trigger: 'command', policy: { allowLoopback: true }, log: (line) => console.log(line) })
    watch.active = false
    await send({ done: { run: { id: run.id, status: run.status, error: run.error }, trace: watch.trace } })
  } finally {
    await db.close()
  }
  process.disconnect?.()
}

// ---- Databases -------------------------------------------------------------------------------

const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
function dbUrl(name: string): string {
  const u = new URL(serverUrl)
  u.pathname = `/${name}`
  return u.toString()
}

/** A Db on one of our databases, named apart from the harvest's connections. */
function openCheck(name: string): Db {
  const pool = new pg.Pool({
    ...pgPoolConfig({ url: dbUrl(name), poolMax: 4, connectTimeoutMs: 5000, statementTimeoutMs: 60_000, queryTimeoutMs: 62_000 }),
    application_name: 'connector-crash-check',
  })
  pool.on('error', () => {})
  return createPgDb(pool)
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'connector-crash-admin' })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

const createDb = (name: string, template?: string) =>
  withAdmin(async (c) => {
    await c.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`)
  })
const dropDb = (name: string) => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
async function dropAll(): Promise<void> {
  const names = await withAdmin(async (c) => (await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '${PREFIX}\\_%'`)).rows.map((r) => r.datname))
  for (const name of names) await dropDb(name)
}

/** Waits until the server has ended the sessions of a killed harvest; resolves how long that took. */
async function sessionsGone(name: string): Promise<number> {
  const started = Date.now()
  return withAdmin(async (c) => {
    for (;;) {
      const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [name, HARVEST_APP])
      if (rows[0]!.n === 0) return Date.now() - started
      if (Date.now() - started > 15_000) throw new Error(`the killed harvest's sessions on ${name} were still there after 15 s`)
      await new Promise((r) => setTimeout(r, 10))
    }
  })
}

// ---- The template ----------------------------------------------------------------------------

/** What the template held, to tell its records, runs and quarantine from the harvest's. */
interface Baseline {
  maxRun: number
  maxQuarantine: number
  organizationIds: Set<string>
  builtAt: Date
}

async function buildTemplate(feeds: FeedServer): Promise<Baseline> {
  await createDb(TEMPLATE)
  const db = openCheck(TEMPLATE)
  try {
    await migrate(db)
    await loadShippedPostcodesIfEmpty(db)
    await loadShippedBoundariesIfEmpty(db)
    const now = new Date().toISOString()
    for (const [kind, url] of [['oruk', `${feeds.base}/oruk`], ['openactive', `${feeds.base}/rpde/feed`]] as const) {
      const source = SOURCES[kind === 'oruk' ? 'oruk' : 'rpde']
      await db.query(`INSERT INTO ingest_source (id, name, kind, url, allow_http, created_at, updated_at) VALUES ($1, $2, $3, $4, true, $5, $5)`, [source.id, source.name, kind, url, now])
    }
    for (const [scheme, external, field, value] of RPDE_TERM_MAP) {
      await db.query('INSERT INTO ingest_term_map (scheme, external, field, value) VALUES ($1, $2, $3, $4)', [scheme, external, field, value])
    }
    feeds.orukVersion = 1
    const first = await harvest(db, SOURCES.oruk.id, { now: () => new Date(), trigger: 'command', policy: { allowLoopback: true } })
    if (first.status !== 'succeeded' || first.quarantined !== 2 || first.created !== LISTINGS_V1) {
      throw new Error(`the template's first ORUK harvest was not as planned: ${JSON.stringify(first)}`)
    }
    feeds.orukVersion = 2
    const { rows } = await db.query<{ max_run: number; max_quarantine: number }>(
      'SELECT (SELECT coalesce(max(id), 0) FROM ingest_run)::int AS max_run, (SELECT coalesce(max(id), 0) FROM ingest_quarantine)::int AS max_quarantine',
    )
    const orgs = await db.query<{ id: string }>('SELECT id FROM organization')
    return { maxRun: rows[0]!.max_run, maxQuarantine: rows[0]!.max_quarantine, organizationIds: new Set(orgs.rows.map((r) => r.id)), builtAt: new Date() }
  } finally {
    await db.close()
  }
}

// ---- What a database holds, comparably --------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** Lists whose order comes from random ids (readService orders these by id): compared as sets. */
const UNORDERED = new Set(['schedules', 'contacts', 'cost_options'])
const byJson = (a: unknown, b: unknown) => {
  const x = JSON.stringify(a)
  const y = JSON.stringify(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** A document with ids replaced by a placeholder, keys sorted, and id-ordered lists sorted. */
function canon(value: unknown, key = '', parent = ''): unknown {
  if (typeof value === 'string') return UUID.test(value) ? '<id>' : value
  if (Array.isArray(value)) {
    const items = value.map((v) => canon(v, '', key))
    return UNORDERED.has(key) || ((key === 'from' || key === 'to') && UNORDERED.has(parent)) ? items.sort(byJson) : items
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canon(v, k, key)]),
    )
  }
  return value
}

const groupBy = <T>(rows: T[], key: (r: T) => string) => {
  const map = new Map<string, T[]>()
  for (const r of rows) map.set(key(r), [...(map.get(key(r)) ?? []), r])
  return map
}

const DIRECTORY_TABLES = [
  'organization', 'service', 'location', 'address', 'accessibility', 'service_at_location', 'schedule', 'service_area',
  'service_taxonomy_term', 'cost_option', 'contact', 'phone', 'record_version', 'ingest_record', 'search_outbox',
]

async function snapshot(db: Db, base: Baseline): Promise<Json> {
  const kindOf = (sourceName: string) => (sourceName === SOURCES.oruk.name ? 'oruk' : sourceName === SOURCES.rpde.name ? 'rpde' : sourceName)
  const runRole = (id: number | null) => (id === null ? null : id <= base.maxRun ? `template run ${id}` : 'this harvest')
  const when = (at: Date | null) => (at === null ? null : at.getTime() < base.builtAt.getTime() ? at.toISOString() : 'during this harvest')

  // Our organisations by the external records that became them.
  const { rows: orgKeys } = await db.query<{ record_id: string; keys: string[] }>(
    `SELECT r.record_id, array_agg(src.name || ' ' || r.external_id ORDER BY src.name, r.external_id) AS keys
       FROM ingest_record r JOIN ingest_source src ON src.id = r.source_id WHERE r.record_type = 'organization' GROUP BY r.record_id`,
  )
  const orgKey = new Map(orgKeys.map((o) => [o.record_id, o.keys.map((k) => k.replace(SOURCES.oruk.name, 'oruk').replace(SOURCES.rpde.name, 'rpde')).join(' | ')]))

  const { rows: versionRows } = await db.query<{ record_id: string; version: number; action: string; changed_by: string | null; changes: unknown; snapshot: unknown; ingest_run_id: number | null }>(
    'SELECT record_id, version, action, changed_by, changes, snapshot, ingest_run_id FROM record_version ORDER BY id',
  )
  const versions = groupBy(versionRows, (v) => v.record_id)
  const versionsOf = (id: string) =>
    (versions.get(id) ?? []).map((v) => ({ version: v.version, action: v.action, by: v.changed_by, run: runRole(v.ingest_run_id), changes: canon(v.changes), snapshot: canon(v.snapshot) }))

  // Rows under each listing, without their ids.
  const { rows: venueRows } = await db.query<{ service_id: string }>(
    `SELECT sal.service_id, sal.ordinal, sal.description AS link_description, l.location_type, l.name, l.description, l.latitude, l.longitude, l.transport_notes,
            (SELECT json_agg(json_build_object('address_1', a.address_1, 'address_2', a.address_2, 'city', a.city, 'state_province', a.state_province,
                                               'postal_code', a.postal_code, 'country', a.country, 'address_type', a.address_type) ORDER BY a.address_1, a.postal_code)
               FROM address a WHERE a.location_id = l.id) AS addresses,
            (SELECT json_agg(json_build_object('feature', x.feature, 'details', x.details, 'url', x.url) ORDER BY x.feature) FROM accessibility x WHERE x.location_id = l.id) AS accessibility
       FROM service_at_location sal JOIN location l ON l.id = sal.location_id`,
  )
  const { rows: scheduleRows } = await db.query<{ service_id: string }>(
    `SELECT coalesce(sc.service_id, sal.service_id) AS service_id, sal.ordinal AS venue, sc.kind, sc.byday, sc.week_of_month, sc.on_date::text, sc.opens_at::text,
            sc.closes_at::text, sc.valid_from::text, sc.valid_to::text, sc.description, sc.notes
       FROM schedule sc LEFT JOIN service_at_location sal ON sal.id = sc.service_at_location_id`,
  )
  const { rows: areaRows } = await db.query<{ service_id: string }>(
    `SELECT sa.service_id, sa.ordinal, sa.kind, sa.code, sa.radius_km::text, sa.name, sa.service_area, md5(sa.extent) AS extent, sa.extent_type, sa.uri,
            (SELECT sal.ordinal FROM service_at_location sal WHERE sal.location_id = sa.location_id AND sal.service_id = sa.service_id) AS venue
       FROM service_area sa`,
  )
  const { rows: termRows } = await db.query<{ service_id: string; code: string }>('SELECT st.service_id, t.code FROM service_taxonomy_term st JOIN taxonomy_term t ON t.id = st.taxonomy_term_id')
  const rowsOf = <T extends { service_id: string }>(rows: T[]) => {
    const map = groupBy(rows, (r) => r.service_id)
    return (id: string) => (map.get(id) ?? []).map(({ service_id: _, ...rest }) => canon(rest)).sort(byJson)
  }
  const venuesOf = rowsOf(venueRows)
  const schedulesOf = rowsOf(scheduleRows)
  const areasOf = rowsOf(areaRows)
  const termsOf = rowsOf(termRows)

  const services: Json = {}
  const { rows: serviceRecords } = await db.query<{
    source: string
    external_id: string
    record_id: string
    document_hash: string
    last_seen_run: number | null
    handed_over: boolean
    held: boolean
    modified: string | null
    status: string | null
    version: number | null
    organization_id: string | null
    hidden: boolean | null
    status_before_hidden: string | null
    verified_at: Date | null
  }>(
    `SELECT src.name AS source, r.external_id, r.record_id, r.document_hash, r.last_seen_run, r.handed_over_at IS NOT NULL AS handed_over,
            r.withdrawal_held_by IS NOT NULL AS held, r.modified, s.status, s.version, s.organization_id, s.hidden_at IS NOT NULL AS hidden,
            s.status_before_hidden, s.verified_at
       FROM ingest_record r JOIN ingest_source src ON src.id = r.source_id LEFT JOIN service s ON s.id = r.record_id
      WHERE r.record_type = 'service'`,
  )
  for (const r of serviceRecords) {
    const stored = await readService(db, r.record_id)
    // The hash covers the organisation's uuid: equal across databases only for one the template made.
    const hash = r.organization_id && base.organizationIds.has(r.organization_id) ? r.document_hash : r.document_hash === '' ? '' : 'set'
    services[`${kindOf(r.source)} ${r.external_id}`] = {
      record: { hash, handed_over: r.handed_over, withdrawal_held: r.held, modified: r.modified, last_seen: runRole(r.last_seen_run) },
      listing: stored
        ? {
            status: r.status,
            version: r.version,
            hidden: r.hidden,
            status_before_hidden: r.status_before_hidden,
            verified_at: when(r.verified_at),
            organization: r.organization_id ? (orgKey.get(r.organization_id) ?? 'an organisation no feed record names') : null,
            document: canon(stored.document),
            venues: venuesOf(r.record_id),
            schedules: schedulesOf(r.record_id),
            areas: areasOf(r.record_id),
            activity_types: termsOf(r.record_id),
          }
        : null,
      versions: versionsOf(r.record_id),
    }
  }

  const organizations: Json = {}
  const { rows: orgRecords } = await db.query<Json & { source: string; external_id: string; record_id: string; last_seen_run: number | null; exists: boolean }>(
    `SELECT src.name AS source, r.external_id, r.record_id, r.document_hash AS hash, r.last_seen_run, r.handed_over_at IS NOT NULL AS handed_over,
            o.id IS NOT NULL AS exists, o.name, o.description, o.email, o.website, o.charity_number, o.local_authority, o.moderation, o.version
       FROM ingest_record r JOIN ingest_source src ON src.id = r.source_id LEFT JOIN organization o ON o.id = r.record_id
      WHERE r.record_type = 'organization'`,
  )
  for (const { source, external_id, record_id, last_seen_run, ...rest } of orgRecords) {
    organizations[`${kindOf(source)} ${external_id}`] = { ...rest, is: orgKey.get(record_id), last_seen: runRole(last_seen_run), versions: versionsOf(record_id) }
  }

  const { rows: quarantine } = await db.query<{ id: number; source: string; external_id: string | null; payload: unknown; reasons: unknown; resolved: boolean; resolution: string | null }>(
    `SELECT q.id, src.name AS source, q.external_id, q.payload, q.reasons, q.resolved_at IS NOT NULL AS resolved, q.resolution
       FROM ingest_quarantine q JOIN ingest_source src ON src.id = q.source_id ORDER BY q.id`,
  )
  const { rows: sources } = await db.query<Json & { name: string }>(
    `SELECT name, url, feed_next_url, feed_position_at IS NOT NULL AS has_position, feed_synced_at IS NOT NULL AS synced, feed_retry_after FROM ingest_source ORDER BY name`,
  )
  const counts: Json = {}
  for (const table of DIRECTORY_TABLES) counts[table] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n

  return {
    services,
    organizations,
    open_quarantine: quarantine
      .filter((q) => !q.resolved)
      .map((q) => ({ source: kindOf(q.source), external_id: q.external_id, reasons: q.reasons, payload: createHash('sha256').update(JSON.stringify(canon(q.payload))).digest('hex') }))
      .sort(byJson),
    template_quarantine: quarantine.filter((q) => q.id <= base.maxQuarantine).map((q) => ({ id: q.id, resolved: q.resolved, resolution: q.resolution })),
    sources: Object.fromEntries(sources.map(({ name, ...rest }) => [kindOf(name), rest])),
    row_counts: counts,
  }
}

const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? 'nothing'
  return s.length > 160 ? `${s.slice(0, 157)}...` : s
}

/** Where `after` differs from `reference`, as lines. */
function differences(reference: unknown, after: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 20 || JSON.stringify(reference) === JSON.stringify(after)) return out
  if (reference === null || after === null || typeof reference !== 'object' || typeof after !== 'object' || Array.isArray(reference) !== Array.isArray(after)) {
    out.push(`${path || '/'}: reference ${show(reference)}; after the crash ${show(after)}`)
    return out
  }
  if (Array.isArray(reference) && Array.isArray(after)) {
    if (reference.length !== after.length) out.push(`${path}: ${reference.length} in the reference, ${after.length} after the crash`)
    for (let i = 0; i < Math.min(reference.length, after.length); i++) differences(reference[i], after[i], `${path}/${i}`, out)
    return out
  }
  const a = reference as Json
  const b = after as Json
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!(k in b)) out.push(`${path}/${k}: in the reference only`)
    else if (!(k in a)) out.push(`${path}/${k}: after the crash only`)
    else differences(a[k], b[k], `${path}/${k}`, out)
  }
  return out
}

// ---- Runs ------------------------------------------------------------------------------------

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  output: string
}

/** Runs a TypeScript entry with node and tsx; `onMessage` hears the child entry's IPC. */
function runNode(args: string[], database: string, onMessage?: (message: Json, kill: () => void) => void): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: dbUrl(database) },
      stdio: onMessage ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout!.on('data', (d) => (output += d))
    child.stderr!.on('data', (d) => (output += d))
    const kill = () => child.kill('SIGKILL')
    if (onMessage) child.on('message', (m) => onMessage(m as Json, kill))
    const timer = setTimeout(kill, CHILD_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, output })
    })
  })
}

/** The harvest as an operator runs it. */
const runCommand = (kind: Kind, database: string) => runNode(['scripts/ingest.ts', SOURCES[kind].id, '--allow-loopback'], database)

async function runsOf(db: Db, kind: Kind): Promise<RunRow[]> {
  return (await db.query<RunRow>(`SELECT * FROM ingest_run WHERE source_id = $1 ORDER BY id`, [SOURCES[kind].id])).rows
}

/** Problems with the runs: one left running, counts that do not add up. */
function runProblems(runs: RunRow[]): string[] {
  const problems: string[] = []
  for (const r of runs) {
    if (r.status === 'running') problems.push(`run ${r.id} is still 'running'`)
    if (r.fetched !== r.created + r.updated + r.unchanged + r.withdrawn + r.quarantined) {
      problems.push(`run ${r.id} (${r.status}): fetched ${r.fetched} ≠ created ${r.created} + updated ${r.updated} + unchanged ${r.unchanged} + withdrawn ${r.withdrawn} + quarantined ${r.quarantined}`)
    }
  }
  return problems
}

// ---- Kill points -----------------------------------------------------------------------------

/** claimVersions on listings: they are about to be rewritten (updates or a withdrawal). */
const CLAIM_SERVICE = /^SELECT id, version FROM service WHERE id = ANY/

interface Point {
  n: number
  why: string
}

/** Each transaction in the trace: the indexes of its BEGIN and COMMIT. */
function transactions(trace: Statement[]): { begin: number; end: number }[] {
  const txs: { begin: number; end: number }[] = []
  let begin = -1
  trace.forEach((s, i) => {
    if (s.sql === 'BEGIN') begin = i
    else if ((s.sql === 'COMMIT' || s.sql === 'ROLLBACK') && begin >= 0) {
      txs.push({ begin, end: i })
      begin = -1
    }
  })
  return txs
}

/**
 * Twenty statements to stop before: the moments that matter for each feed (found in the
 * uninterrupted run's statements), the rest spread evenly. All after the run is recorded and up
 * to the statement that records it finished.
 */
function choosePoints(kind: Kind, trace: Statement[], wanted: number): Point[] {
  const first = trace.findIndex((s) => s.sql.startsWith('INSERT INTO ingest_run')) + 1
  const last = trace.map((s) => s.sql.startsWith('UPDATE ingest_run SET status')).lastIndexOf(true)
  const txs = transactions(trace).filter((t) => t.begin >= first && t.end <= last)
  const has = (t: { begin: number; end: number }, pattern: RegExp, values?: (v: string[]) => boolean) =>
    trace.slice(t.begin, t.end + 1).some((s) => pattern.test(s.sql) && (!values || values(s.values)))
  /** In transaction t, the first statement matching `pattern` (after the first matching `after`, if given). */
  const inTx = (t: { begin: number; end: number } | undefined, pattern: RegExp, after?: RegExp) => {
    if (!t) return undefined
    const from = after ? trace.findIndex((s, i) => i > t.begin && i < t.end && after.test(s.sql)) : t.begin
    const i = from < 0 ? -1 : trace.findIndex((s, j) => j > from && j < t.end && pattern.test(s.sql))
    return i < 0 ? undefined : i
  }
  const find = (pattern: RegExp, from = first, values?: (v: string[]) => boolean) => trace.findIndex((s, i) => i >= from && i <= last && pattern.test(s.sql) && (!values || values(s.values)))
  const targeted: [number | undefined, string][] = [[first, 'the run recorded, nothing read yet']]
  const withdrawalsFrom = find(/^SELECT r\.record_id, r\.last_seen_run IS DISTINCT FROM/)
  if (kind === 'oruk') {
    const created = txs.find((t) => has(t, /^INSERT INTO service \(/))
    const updated = txs.find((t) => has(t, CLAIM_SERVICE) && has(t, /^INSERT INTO record_version/))
    const org = txs.find((t) => has(t, /^SELECT id, version FROM organization WHERE id = ANY/))
    const refused = txs.find((t) => has(t, /^INSERT INTO ingest_quarantine/))
    const fixed = find(/^UPDATE ingest_quarantine SET resolved_at/, first, (v) => v[1] === oid('service/Q1'))
    // Each page is written in a transaction that also saves the run's counts.
    const pages = txs.filter((t) => has(t, /^UPDATE ingest_run SET pages/))
    const withdrawals = txs.filter((t) => t.begin > withdrawalsFrom && withdrawalsFrom >= 0)
    targeted.push(
      [inTx(created, /^DELETE FROM service_taxonomy_term/), 'a new listing half written (its service row in, uncommitted)'],
      [created?.end, 'a new listing written, before its COMMIT'],
      [inTx(updated, /^INSERT INTO record_version/, CLAIM_SERVICE), 'a changed listing rewritten, before its version is recorded (uncommitted)'],
      [updated?.end, 'a changed listing and its version, before COMMIT'],
      [org?.end, 'a changed organisation and its version, before COMMIT'],
      [refused?.end, 'a refused record’s quarantine entry, before COMMIT'],
      [fixed, 'a fixed record committed, before its old quarantine entry is resolved'],
      [inTx(pages[0], /^UPDATE ingest_run SET pages/), 'page 1 written, before its counts are saved (uncommitted)'],
      [pages[2] === undefined ? undefined : pages[2].end + 1, 'page 3 committed with its counts, page 4 not yet read'],
      [withdrawalsFrom, 'the feed read, before listings missing from it are found'],
      [withdrawals[1]?.begin, 'one missing listing withdrawn, the rest not'],
      [withdrawals.at(-1)?.end, 'the last missing listing’s withdrawal, before COMMIT'],
    )
  } else {
    const pages = txs.filter((t) => has(t, /^UPDATE ingest_source SET feed_next_url/))
    const update = pages.find((t) => has(t, CLAIM_SERVICE))
    const deletion = pages.find((t) => has(t, /^UPDATE ingest_record SET document_hash = '', last_seen_run/))
    const refused = pages.find((t) => has(t, /^INSERT INTO ingest_quarantine/))
    const middle = pages[0] ? Math.floor((pages[0].begin + pages[0].end) / 2) : undefined
    targeted.push(
      [find(/^SELECT feed_next_url, feed_position_at/), 'before the saved feed position is read'],
      [middle, 'page 1 half applied (uncommitted)'],
      [pages[0]?.end, 'page 1 applied with its position, before COMMIT'],
      [pages[1]?.begin, 'page 1 committed, page 2 not begun'],
      [inTx(refused, /^INSERT INTO ingest_quarantine/), 'a refused item, before its quarantine entry (uncommitted)'],
      [inTx(update, /^INSERT INTO record_version/, CLAIM_SERVICE), 'an update of an earlier item rewritten, before its version (uncommitted)'],
      [inTx(deletion, /^UPDATE ingest_record SET document_hash = '', last_seen_run/), 'a deleted item’s listing withdrawn, its record not yet marked (uncommitted)'],
      [deletion?.end, 'the page with the deletion, before COMMIT'],
      [pages.at(-2)?.end, 'the last page with items, before COMMIT'],
      [find(/^UPDATE ingest_source SET feed_synced_at/), 'the empty last page committed, before the feed is marked caught up'],
      [withdrawalsFrom, 'the feed read, before listings missing from it are found'],
    )
  }
  targeted.push([last, 'everything done, before the run is recorded as finished'])
  // A moment the harvest no longer passes through (its statements changed) is a gap in what is
  // tested, not something to fill with another point quietly.
  const lost = targeted.filter(([index]) => index === undefined).map(([, why]) => why)
  if (lost.length > 0) throw new Error(`${kind}: no statement in the uninterrupted harvest for: ${lost.join('; ')}`)
  const points = new Map<number, string>()
  for (const [index, why] of targeted) if (index !== undefined && index >= first && index <= last && !points.has(index + 1) && points.size < wanted) points.set(index + 1, why)
  const spread = wanted - points.size
  for (let k = 0; k < spread; k++) {
    let n = first + 1 + Math.round(((k + 0.5) * (last - first)) / spread)
    while (points.has(n) && n <= last) n += 1
    if (n <= last + 1) points.set(n, `spread evenly (${k + 1} of ${spread})`)
  }
  return [...points.entries()].map(([n, why]) => ({ n, why })).sort((a, b) => a.n - b.n)
}

// ---- One kill --------------------------------------------------------------------------------

interface KillResult {
  point: Point
  statement: string
  requests: number
  goneMs: number
  written: string
  reruns: number
  problems: string[]
}

async function killAndRerun(kind: Kind, point: Point, trace: Statement[], reference: Json, base: Baseline, feeds: FeedServer, name: string): Promise<KillResult> {
  const problems: string[] = []
  await createDb(name, TEMPLATE)
  const db = openCheck(name)
  try {
    const before = feeds.requests[kind]
    let paused: (Statement & { n: number }) | undefined
    let requests = 0
    const killed = await runNode([SELF, '--child', SOURCES[kind].id, '--pause-at', String(point.n)], name, (message, kill) => {
      if (!message.paused) return
      paused = message.paused as Statement & { n: number }
      requests = feeds.requests[kind] - before
      kill()
    })
    const expected = trace[point.n - 1]!
    const statement = `${expected.open ? 'in a transaction, ' : ''}before ${show(expected.sql.slice(0, 70))}`
    if (!paused || killed.signal !== 'SIGKILL') {
      problems.push(`the harvest did not stop at statement ${point.n} (exit ${killed.code ?? killed.signal}):\n${killed.output.slice(-2000)}`)
      return { point, statement, requests, goneMs: 0, written: '-', reruns: 0, problems }
    }
    if (paused.sql !== expected.sql) problems.push(`statement ${point.n} was ${show(paused.sql)}, not ${show(expected.sql)} as in the uninterrupted run`)
    const goneMs = await sessionsGone(name)

    const stopped = (await runsOf(db, kind)).filter((r) => r.id > base.maxRun)
    const run = stopped[0]
    if (stopped.length !== 1 || !run || run.status !== 'running') problems.push(`after the kill: expected one run still marked running, found ${show(stopped.map((r) => [r.id, r.status]))}`)
    const { rows } = await db.query<{ listings: number; versions: number; quarantined: number }>(
      `SELECT (SELECT count(*) FROM ingest_record WHERE record_type = 'service' AND last_seen_run = $1)::int AS listings,
              (SELECT count(*) FROM record_version WHERE ingest_run_id = $1)::int AS versions,
              (SELECT count(*) FROM ingest_quarantine WHERE run_id = $1)::int AS quarantined`,
      [run?.id ?? 0],
    )
    const w = rows[0]!
    const written = `${w.listings} listings, ${w.versions} versions, ${w.quarantined} quarantined; run saved ${run?.pages ?? 0} pages/${run?.fetched ?? 0} fetched`

    // Run it again until a run finishes well (a second try only if the first failed).
    let reruns = 0
    for (;;) {
      reruns += 1
      const again = await runCommand(kind, name)
      const latest = (await runsOf(db, kind)).at(-1)
      if (again.code === 0 && latest && latest.id !== run?.id && (latest.status === 'succeeded' || latest.status === 'held')) break
      if (reruns >= 3) {
        problems.push(`the harvest run again did not finish after ${reruns} tries (exit ${again.code}):\n${again.output.slice(-2000)}`)
        break
      }
    }
    const runs = (await runsOf(db, kind)).filter((r) => r.id > base.maxRun)
    problems.push(...runProblems(runs))
    const interrupted = runs.find((r) => r.id === run?.id)
    if (!interrupted || interrupted.status !== 'failed' || interrupted.error !== STOPPED || !interrupted.finished_at) {
      problems.push(`the killed run should be failed with "${STOPPED}": ${show(interrupted && { status: interrupted.status, error: interrupted.error, finished_at: interrupted.finished_at })}`)
    }
    problems.push(...differences(reference, await snapshot(db, base)))
    return { point, statement, requests, goneMs, written, reruns, problems }
  } finally {
    await db.close()
    await dropDb(name)
  }
}

// ---- The whole check -------------------------------------------------------------------------

/** One feed's reference, control and kill points; resolves the lines to print and the failures. */
async function checkFeed(kind: Kind, wanted: number, base: Baseline, feeds: FeedServer, elapsed: () => string): Promise<{ lines: string[]; failed: number }> {
  const lines: string[] = []
  const refName = `${PREFIX}_ref_${kind}`
  await createDb(refName, TEMPLATE)
  let trace: Statement[] = []
  let refRun: Json | undefined
  const ref = await runNode([SELF, '--child', SOURCES[kind].id], refName, (message) => {
    const done = message.done as { run: Json; trace: Statement[] } | undefined
    if (done) ({ run: refRun, trace } = done)
  })
  if (ref.code !== 0 || refRun?.status !== 'succeeded') throw new Error(`the uninterrupted ${kind} harvest did not succeed (exit ${ref.code}):\n${ref.output}`)
  const refDb = openCheck(refName)
  let reference: Json
  let refRuns: RunRow[]
  try {
    reference = await snapshot(refDb, base)
    refRuns = (await runsOf(refDb, kind)).filter((r) => r.id > base.maxRun)
  } finally {
    await refDb.close()
    await dropDb(refName)
  }
  const refProblems = runProblems(refRuns)
  if (refProblems.length > 0 || refRuns.length !== 1) throw new Error(`the uninterrupted ${kind} harvest: ${refProblems.join('; ')}`)
  const r = refRuns[0]!
  const feedWords = kind === 'oruk' ? `ORUK /services, ${orukRecords[2].length} records (${orukFeeds[2].filter((l) => l.summary).length} as summaries) on ${r.pages} pages` : `RPDE (timestamp), ${RPDE_ITEMS.length} items on ${r.pages} pages`
  lines.push(
    `${kind.toUpperCase()}: ${feedWords}; the uninterrupted harvest: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.withdrawn} withdrawn, ${r.quarantined} quarantined, ${r.missing} missing as gone from the feed; ${trace.length} SQL statements`,
  )

  // Control: the comparison finds nothing between two uninterrupted harvests.
  const controlName = `${PREFIX}_control_${kind}`
  await createDb(controlName, TEMPLATE)
  const control = await runCommand(kind, controlName)
  const controlDb = openCheck(controlName)
  try {
    const diff = control.code === 0 ? differences(reference, await snapshot(controlDb, base)) : [`scripts/ingest.ts failed:\n${control.output}`]
    if (diff.length > 0) throw new Error(`a second uninterrupted ${kind} harvest differs from the first, so the comparison cannot be trusted:\n  ${diff.join('\n  ')}`)
  } finally {
    await controlDb.close()
    await dropDb(controlName)
  }
  lines.push(`  control: a second uninterrupted harvest (scripts/ingest.ts) compares equal to it`)
  console.log(`${kind}: reference and control done [${elapsed()}]`)

  const points = choosePoints(kind, trace, wanted)
  let failed = 0
  lines.push(`   #  killed before statement  feed requests  committed by the killed run before it died`)
  for (const [i, point] of points.entries()) {
    const t = Date.now()
    const result = await killAndRerun(kind, point, trace, reference, base, feeds, `${PREFIX}_kill_${kind}`)
    const ok = result.problems.length === 0
    if (!ok) failed += 1
    console.log(`${kind}: kill point ${i + 1} of ${points.length} (statement ${point.n}): ${ok ? 'same data' : 'DIFFERENT'} (${((Date.now() - t) / 1000).toFixed(1)} s) [${elapsed()}]`)
    lines.push(`  ${String(i + 1).padStart(2)}  ${`${point.n} of ${trace.length}`.padEnd(24)} ${String(result.requests).padStart(13)}  ${result.written}`)
    lines.push(`      ${point.why}; ${result.statement}`)
    lines.push(`      sessions gone after ${result.goneMs} ms; ${result.reruns} rerun${result.reruns === 1 ? '' : 's'}: ${ok ? 'same data as the uninterrupted harvest' : 'DIFFERENT:'}`)
    for (const p of result.problems) lines.push(`        - ${p.replaceAll('\n', '\n          ')}`)
  }
  return { lines, failed }
}

async function main(): Promise<void> {
  const started = Date.now()
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`
  const pointsArg = process.argv.indexOf('--points')
  const wanted = pointsArg >= 0 ? Number(process.argv[pointsArg + 1]) : 20
  const kinds: Kind[] = process.argv.includes('--oruk') ? ['oruk'] : process.argv.includes('--rpde') ? ['rpde'] : ['oruk', 'rpde']
  console.log(`ingest crash safety on ${new URL(serverUrl).host}: ${wanted} SIGKILLs each during ${kinds.map((k) => k.toUpperCase()).join(' and ')} harvests`)
  const feeds = new FeedServer()
  await feeds.start()
  let failed = 0
  try {
    await dropAll()
    const base = await buildTemplate(feeds)
    console.log(`template: migrated, shipped postcodes and boundaries, 2 sources, the term map, and a first ORUK harvest (${LISTINGS_V1} listings, 2 refused) [${elapsed()}]`)
    // The two feeds side by side: their own databases, their own feeds, nothing shared.
    const results = await Promise.allSettled(kinds.map((kind) => checkFeed(kind, wanted, base, feeds, elapsed)))
    for (const [i, result] of results.entries()) {
      console.log('')
      if (result.status === 'fulfilled') {
        for (const line of result.value.lines) console.log(line)
        failed += result.value.failed
      } else {
        console.log(`${kinds[i]!.toUpperCase()}: could not be checked: ${(result.reason as Error).stack ?? result.reason}`)
        failed += 1
      }
    }
  } finally {
    await feeds.close()
    await dropAll().catch((e) => console.error(`could not drop the ${PREFIX}_* databases: ${(e as Error).message}`))
  }
  console.log(`\n${failed === 0 ? 'crash safety: every kill point ended with the data of an uninterrupted harvest' : `crash safety: ${failed} kill point(s) or feed(s) ended differently`} (${elapsed()})`)
  if (failed > 0) process.exitCode = 1
}

if (process.argv[2] === '--child') {
  await childMain(process.argv.slice(3))
} else {
  await main().catch((e) => {
    console.error(`ingest-crash: ${(e as Error).stack ?? e}`)
    process.exitCode = 1
  })
}
