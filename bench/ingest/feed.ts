/**
 * The ingest benchmark's two feeds, generated item by item. Listing i is a pure function of
 * (seed, i): its draws come from a pure-rand stream seeded by md5(seed:kind:i), and its ids are
 * that md5 shaped as a version 4 uuid, so any page can be made when it is asked for, in any
 * order, and nothing is held in memory between requests.
 *
 * Every listing is one weekly session at one venue in England (an English postcode district's
 * centre from `src/geo/data/uk_outcode_centroids.csv`, moved up to 3 km), with coordinates, an
 * address and a postcode, so no postcode lookup is needed. Organisations run 4 listings each
 * (listings 4k..4k+3 belong to organisation k), so 3 of every 4 records name an organisation
 * the harvest has already written. Names and descriptions come from the Croydon demo's activity
 * templates (`src/demo/templates.ts`) with town, street and venue words, as in the search
 * benchmark.
 *
 * - ORUK 3.0 (`orukService`): a full service record (organisation, service_at_locations with the
 *   location, its address and accessibility, one WEEKLY schedule, a cost option on about 30%)
 *   whose attribute is one of our own activity types (`taxonomy_term_id` is our term's id).
 * - OpenActive (`rpdeItem`): an RPDE item holding a SessionSeries at a Place, with one
 *   PartialSchedule (P1W), an organiser, an age range and offers, whose activity is the
 *   OpenActive activity list's Walking concept (`WALKING`), which the benchmark maps to our
 *   `walking` type in the term map. Names come from the demo's walking templates.
 *
 * The OpenActive feed has an epoch: in epoch e every item's `modified` is
 * RPDE_MODIFIED_BASE + e × size + i (so the feed is ordered by index, and a later epoch comes
 * after everything an earlier one published), and from epoch 2 on each description gains a
 * sentence, so every item read in a later epoch is an update.
 */
import { createHash } from 'node:crypto'
import { ACCESSIBILITY_FEATURES, WEEKDAYS, type AccessibilityFeature, type Weekday } from '../../src/directory/vocabulary.ts'
import { STREETS } from '../../src/demo/places.ts'
import { Rng } from '../../src/demo/random.ts'
import { TEMPLATES, type Template } from '../../src/demo/templates.ts'
import { ACCESSIBILITY_LABELS } from '../../src/oruk/map.ts'
import { readEnglishOutcodes, type Outcode } from '../search/generate.ts'

/** What a feed is made from; the feed server gets it from the benchmark as JSON. */
export interface FeedSpec {
  seed: number
  /** Listings in each feed. */
  size: number
  /** Our activity types, from `taxonomy_term` (ORUK records name them by id). */
  terms: { id: string; code: string; name: string; description: string }[]
  /** ORUK `assured_date` of every record (YYYY-MM-DD): fixed for a benchmark run, so a second harvest sees the same documents. */
  assuredDate: string
}

/** Listings per organisation. */
export const LISTINGS_PER_ORG = 4
/** `modified` of item 0 in epoch 0 (each epoch adds `size`). */
export const RPDE_MODIFIED_BASE = 1_700_000_000_000
/** The OpenActive activity list's Walking concept, as the RPDE tests use it. */
export const WALKING = {
  '@type': 'Concept',
  '@id': 'https://openactive.io/activity-list#c16df6ed-a4a0-4275-a8c3-1c8cff56856f',
  prefLabel: 'Walking',
  inScheme: 'https://openactive.io/activity-list',
} as const
/** The term-map row that maps WALKING to one of our activity types. */
export const WALKING_MAPPING = { scheme: WALKING.inScheme, external: WALKING['@id'], field: 'activity', value: 'walking' } as const

const OUTCODES: readonly Outcode[] = readEnglishOutcodes()
const STREET_WORDS = STREETS.map((s) => s.split(' ')[0]!.replace(/[’']s$/, ''))
const WALKING_TEMPLATES = TEMPLATES.filter((t) => t.terms.includes('walking'))
const SAINTS = ['Mary', 'John', 'Peter', 'Andrew', 'Michael', 'Luke', 'Mark', 'James', 'Anne', 'Margaret', 'Paul', 'George']
const ORG_PATTERNS = ['{area} Community Association', '{area} Neighbourhood Trust', 'Friends of {area}', "St {saint}'s Church", '{area} Good Neighbours', '{area} Wellbeing CIC', '{area} Age Well', '{area} Together']
const VENUE_PATTERNS = ['{area} Community Centre', "St {saint}'s Church Hall", '{area} Library', '{area} Village Hall', '{street} Pavilion', '{area} Leisure Centre', 'The {street} Rooms']
const SLOTS: readonly (readonly [string, string])[] = [['09:30', '11:00'], ['10:00', '12:00'], ['11:00', '12:30'], ['13:30', '15:30'], ['14:00', '16:00'], ['18:30', '20:30']]
const DAY_NAMES: Record<Weekday, string> = { MO: 'Monday', TU: 'Tuesday', WE: 'Wednesday', TH: 'Thursday', FR: 'Friday', SA: 'Saturday', SU: 'Sunday' }
const INWARD_LETTERS = [...'ABDEFGHJLNPQRSTUWXYZ']

const fill = (pattern: string, vars: Record<string, string>) => pattern.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? '')

/** md5(seed:kind:i): the seed of a listing's (or organisation's) draws and its ids. */
function digest(seed: number, kind: string, i: number): Buffer {
  return createHash('md5').update(`${seed}:${kind}:${i}`).digest()
}

/** A deterministic version 4 uuid (the ORUK schemas require uuids). */
export function uuid(seed: number, kind: string, i: number): string {
  const h = digest(seed, kind, i).toString('hex')
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

const rngFor = (seed: number, kind: string, i: number) => new Rng(digest(seed, kind, i).readInt32LE(0))

/** A point within `km` of (lat, lon), uniform over the disc, to 6 decimals. */
function jitter(rng: Rng, lat: number, lon: number, km: number): [number, number] {
  const r = km * Math.sqrt(rng.int(0, 1_000_000) / 1_000_000)
  const theta = (rng.int(0, 1_000_000) / 1_000_000) * 2 * Math.PI
  const dLat = (r * Math.cos(theta)) / 111.32
  const dLon = (r * Math.sin(theta)) / (111.32 * Math.cos((lat * Math.PI) / 180))
  return [Math.round((lat + dLat) * 1e6) / 1e6, Math.round((lon + dLon) * 1e6) / 1e6]
}

interface Organisation {
  index: number
  name: string
  description: string
  outcode: Outcode
  area: string
}

function organisation(seed: number, index: number): Organisation {
  const rng = rngFor(seed, 'org', index)
  const outcode = rng.pick(OUTCODES)
  const area = rng.chance(0.5) ? outcode.town : rng.pick(STREET_WORDS)
  const name = fill(rng.pick(ORG_PATTERNS), { area, saint: rng.pick(SAINTS) })
  return { index, name, description: `A volunteer-run charity bringing neighbours together in ${outcode.town}.`, outcode, area }
}

/** One listing, before it is written in either feed's shape. */
interface Listing {
  index: number
  org: Organisation
  template: Template
  name: string
  description: string
  venue: { name: string; latitude: number; longitude: number; address1: string; city: string; postcode: string; access: AccessibilityFeature[] }
  day: Weekday
  opens: string
  closes: string
  minimumAge: number | null
  /** Per session, in pounds; null when free. */
  price: number | null
}

function listing(seed: number, index: number, templates: readonly Template[]): Listing {
  const org = organisation(seed, Math.floor(index / LISTINGS_PER_ORG))
  const rng = rngFor(seed, 'svc', index)
  const template = rng.pick(templates)
  const area = rng.chance(0.6) ? org.area : rng.pick(STREET_WORDS)
  const venue = fill(rng.pick(VENUE_PATTERNS), { area, saint: rng.pick(SAINTS), street: rng.pick(STREET_WORDS) })
  const [nameTpl, descTpl] = rng.pick(template.variants)
  const [latitude, longitude] = jitter(rng, org.outcode.latitude, org.outcode.longitude, 3)
  const [opens, closes] = rng.pick(SLOTS)
  const minimumAge = template.ages ? (rng.pick(template.ages)[0] ?? null) : null
  return {
    index,
    org,
    template,
    name: fill(nameTpl, { area, venue }),
    description: `${fill(descTpl, { area, venue })} Meets at ${venue}, ${org.outcode.town}.`,
    venue: {
      name: venue,
      latitude,
      longitude,
      address1: `${rng.int(1, 240)} ${rng.pick(STREETS)}`,
      city: org.outcode.town,
      postcode: `${org.outcode.outcode} ${rng.int(1, 9)}${rng.pick(INWARD_LETTERS)}${rng.pick(INWARD_LETTERS)}`,
      access: ACCESSIBILITY_FEATURES.filter(() => rng.chance(0.3)),
    },
    day: rng.pick(WEEKDAYS),
    opens,
    closes,
    minimumAge,
    price: rng.chance(0.3) ? 2 + rng.int(0, 8) / 2 : null,
  }
}

const money = (amount: number) => `£${amount.toFixed(2)} per session`

/** Listing i as a full ORUK 3.0 service record. */
export function orukService(spec: FeedSpec, i: number): Record<string, unknown> {
  const l = listing(spec.seed, i, TEMPLATES)
  const id = uuid(spec.seed, 'svc', i)
  const orgId = uuid(spec.seed, 'org', l.org.index)
  const locationId = uuid(spec.seed, 'loc', i)
  const salId = uuid(spec.seed, 'sal', i)
  const code = l.template.terms[0]!
  const term = spec.terms.find((t) => t.code === code)
  if (!term) throw new Error(`No activity type ${code} in the spec's terms`)
  return {
    id,
    organization_id: orgId,
    name: l.name,
    description: l.description,
    url: `https://bench.example.org/services/${i}`,
    status: 'active',
    fees: l.price === null ? 'Free' : money(l.price),
    ...(l.minimumAge === null ? {} : { minimum_age: l.minimumAge }),
    assured_date: spec.assuredDate,
    organization: { id: orgId, name: l.org.name, description: l.org.description, organization_identifiers: [] },
    schedules: [
      { id: uuid(spec.seed, 'sch', i), service_id: id, service_at_location_id: salId, freq: 'WEEKLY', interval: 1, byday: l.day, opens_at: l.opens, closes_at: l.closes, description: `${DAY_NAMES[l.day]}s, ${l.opens} to ${l.closes}` },
    ],
    service_areas: [],
    service_at_locations: [
      {
        id: salId,
        service_id: id,
        location_id: locationId,
        location: {
          id: locationId,
          location_type: 'physical',
          name: l.venue.name,
          latitude: l.venue.latitude,
          longitude: l.venue.longitude,
          addresses: [
            { id: uuid(spec.seed, 'adr', i), location_id: locationId, address_1: l.venue.address1, city: l.venue.city, state_province: 'England', postal_code: l.venue.postcode, country: 'GB', address_type: 'physical' },
          ],
          accessibility: l.venue.access.map((f) => ({ id: uuid(spec.seed, `acc-${f}`, i), location_id: locationId, description: ACCESSIBILITY_LABELS[f], accessibility: ACCESSIBILITY_LABELS[f] })),
        },
      },
    ],
    languages: [],
    funding: [],
    cost_options: l.price === null ? [] : [{ id: uuid(spec.seed, 'cost', i), service_id: id, option: 'Per session', amount: l.price, amount_description: money(l.price) }],
    contacts: [],
    attributes: [{ id: uuid(spec.seed, 'attr', i), link_id: id, link_type: 'service', taxonomy_term_id: term.id, taxonomy_term: { id: term.id, name: term.name, description: term.description } }],
  }
}

/** One page of GET /services?page=&per_page= (ORUK 3.0's Page envelope), pages counted from 1. */
export function orukPage(spec: FeedSpec, page: number, perPage: number): Record<string, unknown> {
  const totalPages = Math.max(1, Math.ceil(spec.size / perPage))
  const from = (page - 1) * perPage
  const to = Math.min(spec.size, from + perPage)
  const contents: unknown[] = []
  for (let i = from; i < to; i++) contents.push(orukService(spec, i))
  return { total_items: spec.size, total_pages: totalPages, page_number: page, size: perPage, first_page: page === 1, last_page: page >= totalPages, empty: contents.length === 0, contents }
}

export const rpdeId = (i: number) => `session-series-${String(i).padStart(7, '0')}`
export const rpdeModified = (spec: FeedSpec, epoch: number, i: number) => RPDE_MODIFIED_BASE + epoch * spec.size + i

/** Item i of the RPDE feed in the given epoch: a SessionSeries. */
export function rpdeItem(spec: FeedSpec, i: number, epoch: number): Record<string, unknown> {
  const l = listing(spec.seed, i, WALKING_TEMPLATES)
  return {
    state: 'updated',
    kind: 'SessionSeries',
    id: rpdeId(i),
    modified: rpdeModified(spec, epoch, i),
    data: {
      '@context': 'https://openactive.io/',
      '@type': 'SessionSeries',
      '@id': `https://bench.example.org/session-series/${i}`,
      name: l.name,
      description: epoch > 1 ? `${l.description} Times checked for the new season (${epoch}).` : l.description,
      url: `https://bench.example.org/session-series/${i}`,
      activity: [WALKING],
      organizer: { '@type': 'Organization', '@id': `https://bench.example.org/organizers/${l.org.index}`, name: l.org.name, description: l.org.description },
      location: {
        '@type': 'Place',
        name: l.venue.name,
        address: { '@type': 'PostalAddress', streetAddress: l.venue.address1, addressLocality: l.venue.city, postalCode: l.venue.postcode, addressCountry: 'GB' },
        geo: { '@type': 'GeoCoordinates', latitude: l.venue.latitude, longitude: l.venue.longitude },
      },
      eventSchedule: [
        { '@type': 'PartialSchedule', repeatFrequency: 'P1W', byDay: [`https://schema.org/${DAY_NAMES[l.day]}`], startTime: l.opens, endTime: l.closes, scheduleTimezone: 'Europe/London' },
      ],
      ...(l.minimumAge === null ? {} : { ageRange: { '@type': 'QuantitativeValue', minValue: l.minimumAge } }),
      offers: [{ '@type': 'Offer', name: l.price === null ? 'Free' : 'Per session', price: l.price ?? 0, priceCurrency: 'GBP' }],
    },
  }
}

/**
 * The RPDE page after a position (afterTimestamp = a `modified`, afterId = an id; none: the
 * start), up to `pageSize` items, ordered by modified then id as RPDE's timestamp strategy asks.
 * `next` carries the last item's position; the last page is empty and its `next` is its own URL.
 */
export function rpdePage(spec: FeedSpec, epoch: number, pageSize: number, feedUrl: string, after: { modified: number; id: string } | null): { items: unknown[]; next: string } {
  // Items are ordered by index, item i having rpdeModified(epoch, i): the first after the
  // position is found by arithmetic.
  let from = 0
  if (after) {
    const at = after.modified - rpdeModified(spec, epoch, 0)
    from = at < 0 ? 0 : at >= spec.size ? spec.size : rpdeId(at) > after.id ? at : at + 1
  }
  const items: Record<string, unknown>[] = []
  for (let i = from; i < Math.min(spec.size, from + pageSize); i++) items.push(rpdeItem(spec, i, epoch))
  const last = items.at(-1)
  const self = after ? `${feedUrl}?afterTimestamp=${after.modified}&afterId=${encodeURIComponent(after.id)}` : feedUrl
  return { items, next: last ? `${feedUrl}?afterTimestamp=${String(last.modified)}&afterId=${encodeURIComponent(String(last.id))}` : self }
}
