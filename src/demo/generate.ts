/**
 * Connector's demo directory for Croydon: a pure, deterministic function of (seed, now).
 * All randomness comes from pure-rand seeded with `seed`; every date is derived from `now`.
 *
 * The output is what Croydon's organisations would write: an organisation document and, for
 * each listing, the service document an editor sends (`src/manage/schemas.ts`) with when it was
 * last confirmed. `load.ts` creates them through the manage store, as the API does, so the demo
 * holds nothing an organisation could not create: each listing's venue is its own location (no
 * venue shared between listings), schedules have no notes, costs no valid dates.
 *
 * What the data guarantees, by construction (and `test/demo/generate.test.ts` checks):
 *  - >= 80 organisations, each with local_authority E09000008 (Croydon) and a listing;
 *    >= 300 listings; venues in all 28 wards, every venue at the exact centroid of a real
 *    postcode from src/geo/data/croydon_area_postcodes.csv (its address's postal_code is that
 *    postcode, normalised "CR0 4BG"). Every document is one ServiceDocumentSchema accepts as it is.
 *  - Every taxonomy term (20 codes) and every value of every vocabulary in
 *    src/directory/vocabulary.ts is used; monthly schedules use week_of_month 1, 2, 3, 4 and -1;
 *    free and paid services (some with concessions); self-referral and interpreters both ways;
 *    en plus ur, ta, pl, so, gu, pa, tw, yo, pt, es (language_community services).
 *  - confirmed_at: most within 90 days of `now`; some 90-180 days; some 180-365 (stale);
 *    some over 365 (to be hidden), a few of them two years and more. None is unconfirmed:
 *    creating a listing confirms it.
 *  - Phone numbers only from Ofcom's drama ranges (020 7946 0000-0999, 07700 900000-900999);
 *    emails and websites only on example.org / example.com / example.net. Every service has a
 *    contact with at least one phone.
 *  - Venue services have locations, with their schedules at a location (location_index);
 *    services without a venue have service areas and service-wide schedules. A service area is
 *    the borough ({kind: 'local_authority', code: 'E09000008'}) or a list of wards (one
 *    {kind: 'ward', code} each, codes from src/geo/data/croydon_wards_2018.geojson).
 *  - Persona listings (anchors in PERSONA_POSTCODES; all persona services are active, open to
 *    referrals and confirmed in the last 60 days):
 *    Derek (75, Waddon, no car, small groups): small/one-to-one lunch clubs, craft and social
 *      groups (6-10 people) within 1.5 km, paired with and without accompanied_first_visit;
 *      a home-visiting and a telephone befriending service covering Waddon; large groups nearby.
 *    Priti (20, new mum, Thornton Heath): 5 new_parents/parent-and-baby groups on weekday
 *      daytimes at step_free venues within 1.2 km, plus decoys within 1.2 km: one evening-only,
 *      one at a venue without step_free, one weekend-only.
 *    Jane (housebound, mental health): exactly 5 services with audience mental_health and a
 *      non-venue delivery mode; 2 cover the whole borough, 3 home-visiting ones cover only
 *      NORTH_CENTRAL_WARDS (Jane's ward Bensham Manor is in all three; no SOUTH_WARDS ward is in
 *      any). So Jane has 5; GAP_POSTCODES.south (Coulsdon) has 2.
 *    Mike (50, COPD, men's groups, facing eviction, Selhurst): 2 housing drop-ins within 1.5 km
 *      (plus a borough-wide housing phone line); 4 men's groups (audience men, mens-groups;
 *      darts, pub quiz, shed, brew and banter) of intensity none/light within 1.5 km, 3 of them
 *      men_only; a decoy vigorous men's five-a-side within 1.5 km.
 *  - Deliberate holes for gap reports:
 *    (a) no arts-and-crafts service at a step_free location in SOUTH_WARDS (by the CSV ward or
 *        inside a south ward's polygon); arts-and-crafts services do exist there, without it.
 *    (b) no social-groups service with maximum_age <= 30 in New Addington North/South or within
 *        4 km of them (venues are kept 4.5 km from every New Addington postcode and from both
 *        ward polygons); such groups exist in central Croydon, all venue-only, no service area.
 */
import type { OrganizationDocument, ServiceDocument } from '../manage/schemas.ts'
import {
  CROYDON_CODE,
  readCroydonPostcodes,
  readCroydonWards,
  type CroydonPostcode,
  type MultiPolygon,
} from '../geo/croydon-postcodes.ts'
import type {
  AccessibilityFeature,
  Audience,
  DeliveryMode,
  GenderRestriction,
  GroupSize,
  NewcomerSupport,
  PhysicalIntensity,
  ReferralCapacity,
  ScheduleKind,
  ServiceStatus,
  Weekday,
} from '../directory/vocabulary.ts'
import { WEEKDAY_NAMES } from '../directory/vocabulary.ts'
import { distanceToMultiPolygonMetres, haversineMetres, multiPolygonContains } from './geometry.ts'
import {
  CHURCH_KINDS,
  FIRST_NAMES,
  NEW_ADDINGTON_WARDS,
  NORTH_CENTRAL_WARDS,
  PUB_NAMES,
  SOUTH_WARDS,
  STREETS,
  SURNAMES,
  WARD_INFO,
  YOUNG_ADULT_WARDS,
  type VenueKind,
} from './places.ts'
import { Rng } from './random.ts'
import {
  CENTRE_TEMPLATES,
  CHURCH_TEMPLATES,
  GROUP_TEMPLATES,
  templateByKey,
  type CostPlan,
  type SchedulePlan,
  type Template,
  type TimeSlot,
} from './templates.ts'
import type { DemoDirectory, DemoService, TermCode } from './types.ts'

export type * from './types.ts'
export { demoListings, type DemoListing } from './listings.ts'
export { NEW_ADDINGTON_WARDS, NORTH_CENTRAL_WARDS, SOUTH_WARDS } from './places.ts'

export const DEMO_SEED = 20261121

/** Where each persona lives (real Croydon postcodes). */
export const PERSONA_POSTCODES = {
  /** Waddon ward. */
  derek: 'CR0 4BG',
  /** Thornton Heath ward. */
  priti: 'CR7 8NG',
  /** Bensham Manor ward (north/central). */
  jane: 'CR7 7DD',
  /** Selhurst ward. */
  mike: 'CR0 2JD',
} as const

/** Postcodes inside the deliberate gaps: a southern home (Coulsdon Town) and New Addington North. */
export const GAP_POSTCODES = {
  south: 'CR5 1AU',
  newAddington: 'CR0 0EN',
} as const

/** Hole (b): no young adults' social group within this distance of a New Addington postcode. */
export const YOUNG_ADULT_GAP_METRES = 4000

const YOUNG_ADULT_MARGIN_METRES = 4500

// ---------------------------------------------------------------------------------------------
// Drafts: the generator's working model, turned into documents at the end.

interface OrgDraft {
  id: string
  name: string
  description: string
  domain: string
  charityNumber: string | null
}

/**
 * A place groups meet. Several listings may meet at one venue; each listing's document
 * describes it in full, and the store gives each listing its own location.
 */
interface Venue {
  /** Tells venues apart inside the generator only (and keeps the seed's draws as they were). */
  id: string
  kind: VenueKind
  name: string
  description: string
  pc: CroydonPostcode
  city: string
  address1: string
  address2: string | null
  features: Map<AccessibilityFeature, string | null>
  transportNotes: string | null
  south: boolean
}

interface SchedDraft {
  kind: ScheduleKind
  byday: Weekday[]
  week: 1 | 2 | 3 | 4 | -1 | null
  onDate: string | null
  opens: string | null
  closes: string | null
  validFrom: string | null
  validTo: string | null
  description: string
}

interface CostDraft {
  option: string
  amount: number
  amountDescription: string | null
  concessions: string | null
}

/** Where a non-venue service reaches: the whole borough, or a list of wards (one area each). */
type AreaDraft = { kind: 'borough' } | { kind: 'wards'; wards: readonly string[] }

interface Site {
  venue: Venue
  schedules: SchedDraft[]
}

interface SvcDraft {
  id: string
  org: OrgDraft
  name: string
  description: string
  url: string | null
  email: string | null
  fees: string | null
  alert: string | null
  delivery: DeliveryMode[]
  groupSize: GroupSize
  attendance: number | null
  minAge: number | null
  maxAge: number | null
  gender: GenderRestriction
  audiences: Audience[]
  languages: string[]
  newcomer: NewcomerSupport[]
  intensity: PhysicalIntensity
  selfReferral: boolean
  interpreter: boolean
  capacity: ReferralCapacity
  status: ServiceStatus
  /** ISO date-time, set by finalise(). */
  confirmedAt: string
  /** Persona and showcase services stay active, open and freshly verified. */
  pinned: boolean
  terms: TermCode[]
  sites: Site[]
  areas: AreaDraft[]
  schedules: SchedDraft[]
  costs: CostDraft[]
}

interface ServiceInput {
  name: string
  description: string
  terms: TermCode[]
  delivery?: DeliveryMode[]
  groupSize: GroupSize
  attendance?: number | null
  ages?: readonly [number | null, number | null]
  gender?: GenderRestriction
  audiences?: Audience[]
  languages?: string[]
  newcomer?: NewcomerSupport[]
  intensity?: PhysicalIntensity
  selfReferral?: boolean
  /** It can book an interpreter (the advice services do). */
  interpreter?: boolean
  sites?: Site[]
  areas?: AreaDraft[]
  schedules?: SchedDraft[]
  cost?: { costs: CostDraft[]; fees: string | null }
  pinned?: boolean
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

const DAY_MS = 86_400_000
const JS_DAY: readonly Weekday[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA']
const WEEK_ORDER: readonly Weekday[] = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU']
const ORDINALS: Record<string, string> = { '1': 'First', '2': 'Second', '3': 'Third', '4': 'Fourth', '-1': 'Last' }
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const MONTHLY_WEEKS = [1, 2, 3, 4, -1] as const

const SLOTS: Record<TimeSlot, readonly (readonly [string, string])[]> = {
  morning: [['09:30', '11:30'], ['10:00', '12:00'], ['10:00', '11:30'], ['10:30', '12:00']],
  lunch: [['12:00', '14:00'], ['12:30', '14:00'], ['12:00', '13:30']],
  afternoon: [['13:30', '15:30'], ['14:00', '16:00'], ['13:00', '15:00'], ['14:00', '15:30']],
  evening: [['18:00', '20:00'], ['18:30', '20:30'], ['19:00', '21:00'], ['19:30', '21:30']],
  long: [['10:00', '15:00'], ['09:30', '13:00'], ['10:00', '14:00']],
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10)
}

function longDate(d: Date): string {
  return `${WEEKDAY_NAMES[JS_DAY[d.getUTCDay()] as Weekday]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
}

function clock(hhmm: string): string {
  const [h = 0, m = 0] = hhmm.split(':').map(Number)
  const suffix = h >= 12 ? 'pm' : 'am'
  const h12 = h % 12 === 0 ? 12 : h % 12
  return m === 0 ? `${h12}${suffix}` : `${h12}.${String(m).padStart(2, '0')}${suffix}`
}

function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’]/g, '')
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '')
}

function money(amount: number): string {
  return Number.isInteger(amount) ? `£${amount}` : `£${amount.toFixed(2)}`
}

function fill(pattern: string, vars: Record<string, string>): string {
  return pattern.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? `{${k}}`)
}

function sortDays(days: Weekday[]): Weekday[] {
  return [...days].sort((a, b) => WEEK_ORDER.indexOf(a) - WEEK_ORDER.indexOf(b))
}

const FEATURE_ODDS: Record<VenueKind, Partial<Record<AccessibilityFeature, number>>> = {
  centre: { step_free: 0.9, accessible_toilet: 0.8, seating: 0.9, hearing_loop: 0.4, quiet_space: 0.35, changing_place: 0.1, parking: 0.5, near_bus_stop: 0.8, bsl: 0.05 },
  library: { step_free: 0.95, accessible_toilet: 0.85, seating: 0.9, hearing_loop: 0.6, quiet_space: 0.6, changing_place: 0.1, parking: 0.2, near_bus_stop: 0.9, bsl: 0.05 },
  church: { step_free: 0.5, accessible_toilet: 0.45, seating: 0.9, hearing_loop: 0.5, quiet_space: 0.3, parking: 0.4, near_bus_stop: 0.7 },
  pub: { step_free: 0.45, accessible_toilet: 0.3, seating: 1, near_bus_stop: 0.8 },
  park: { step_free: 0.5, accessible_toilet: 0.3, seating: 0.5, parking: 0.6, near_bus_stop: 0.6 },
  sports: { step_free: 0.95, accessible_toilet: 0.9, seating: 0.6, hearing_loop: 0.2, changing_place: 0.4, parking: 0.8, near_bus_stop: 0.7 },
  cafe: { step_free: 0.6, accessible_toilet: 0.4, seating: 1, quiet_space: 0.2, near_bus_stop: 0.8 },
  faith: { step_free: 0.7, accessible_toilet: 0.5, seating: 0.8, quiet_space: 0.4, parking: 0.5, near_bus_stop: 0.7 },
  family: { step_free: 1, accessible_toilet: 0.9, seating: 0.8, quiet_space: 0.5, changing_place: 0.3, parking: 0.4, near_bus_stop: 0.8 },
}

const FEATURE_DETAILS: Record<AccessibilityFeature, readonly (string | null)[]> = {
  step_free: ['Level access through the main entrance.', 'Ramp at the side entrance; automatic doors.', null],
  accessible_toilet: ['Accessible toilet on the ground floor.', null],
  seating: ['Chairs with arms available; ask a volunteer.', 'Plenty of seating, including high-backed chairs.', null],
  hearing_loop: ['Hearing loop in the main hall.', 'Portable hearing loop available on request.'],
  bsl: ['A BSL interpreter can be booked with a week’s notice.', 'Some volunteers sign (BSL level 2).'],
  quiet_space: ['A small quiet room off the main hall.', 'A quiet corner away from the noise.'],
  changing_place: ['Changing Places toilet with hoist and adult changing bench.'],
  parking: ['Small car park with two blue badge bays.', 'Free parking on the street outside.', null],
  near_bus_stop: ['Bus stop within 100 metres.', 'Buses stop right outside.', null],
}

const VENUE_DESCRIPTIONS: Record<VenueKind, readonly string[]> = {
  centre: ['A community centre with a main hall, a kitchen and two meeting rooms.', 'A busy neighbourhood centre run by local volunteers.'],
  library: ['A public library with a community room available to local groups.', 'Library with a meeting room, public computers and a children’s corner.'],
  church: ['A church hall used by community groups through the week.', 'Church hall with a kitchen, next to the church.'],
  pub: ['A local pub whose back room is used by community groups.', 'A friendly local with a function room.'],
  park: ['A pavilion in the park with a kitchen and toilets.', 'Meeting point at the park pavilion by the main gate.'],
  sports: ['A sports hall with changing rooms and a café.', 'Community sports hall with an outdoor pitch.'],
  cafe: ['A community café that hosts groups in its back room.', 'A small café run as a social enterprise.'],
  faith: ['A community hall attached to a place of worship, open to everyone.', 'Cultural centre with a hall and kitchen.'],
  family: ['A family hub offering services for parents and children under five.', 'Children’s centre with a baby room and garden.'],
}

// ---------------------------------------------------------------------------------------------

class Builder {
  readonly rng: Rng
  readonly now: Date
  readonly orgs: OrgDraft[] = []
  readonly venues: Venue[] = []
  readonly services: SvcDraft[] = []
  readonly wardVenues = new Map<string, Venue[]>()

  readonly #byPostcode = new Map<string, CroydonPostcode>()
  readonly #pool: CroydonPostcode[] = []
  readonly #byWard = new Map<string, CroydonPostcode[]>()
  readonly #naPoints: CroydonPostcode[] = []
  readonly #wardGeoms = new Map<string, MultiPolygon>()
  readonly #southGeoms: MultiPolygon[] = []
  readonly #naGeoms: MultiPolygon[] = []
  readonly #wardCodes = new Map<string, string>()
  readonly #usedPostcodes = new Set<string>()
  readonly #serviceNames = new Set<string>()
  readonly #orgNames = new Set<string>()
  readonly #venueNames = new Set<string>()
  readonly #phones: string[]
  #phoneIndex = 0
  #monthly = 0

  constructor(seed: number, now: Date) {
    this.rng = new Rng(seed)
    this.now = now
    for (const pc of readCroydonPostcodes()) {
      this.#byPostcode.set(pc.postcode, pc)
      if ((NEW_ADDINGTON_WARDS as readonly string[]).includes(pc.wardName)) this.#naPoints.push(pc)
      const info = WARD_INFO[pc.wardName]
      if (!info) throw new Error(`no WARD_INFO for ${pc.wardName}`)
      if (pc.lsoa11cd === null || !info.outcodes.includes(pc.outcode)) continue
      this.#pool.push(pc)
      const list = this.#byWard.get(pc.wardName) ?? []
      list.push(pc)
      this.#byWard.set(pc.wardName, list)
    }
    for (const ward of readCroydonWards()) {
      this.#wardGeoms.set(ward.name, ward.geometry)
      this.#wardCodes.set(ward.name, ward.code)
      if ((SOUTH_WARDS as readonly string[]).includes(ward.name)) this.#southGeoms.push(ward.geometry)
      if ((NEW_ADDINGTON_WARDS as readonly string[]).includes(ward.name)) this.#naGeoms.push(ward.geometry)
    }
    if (this.#wardGeoms.size !== 28 || this.#southGeoms.length !== SOUTH_WARDS.length) {
      throw new Error('ward file does not match SOUTH_WARDS')
    }
    const phones: string[] = []
    for (let i = 0; i < 1000; i++) phones.push(`020 7946 ${String(i).padStart(4, '0')}`)
    for (let i = 0; i < 1000; i++) phones.push(`07700 900${String(i).padStart(3, '0')}`)
    this.#phones = this.rng.shuffle(phones)
  }

  // --- dates ---------------------------------------------------------------------------------

  daysFromNow(days: number): Date {
    return new Date(this.now.getTime() + days * DAY_MS)
  }

  // --- places --------------------------------------------------------------------------------

  postcode(code: string): CroydonPostcode {
    const pc = this.#byPostcode.get(code)
    if (!pc) throw new Error(`postcode ${code} is not a Croydon postcode in the CSV`)
    return pc
  }

  wardNames(): string[] {
    return [...this.#byWard.keys()].sort()
  }

  /** Metres to the nearest New Addington postcode or ward boundary, whichever is closer. */
  distanceToNewAddington(lat: number, lon: number): number {
    let best = Infinity
    for (const p of this.#naPoints) best = Math.min(best, haversineMetres(lat, lon, p.lat, p.lon))
    for (const g of this.#naGeoms) best = Math.min(best, distanceToMultiPolygonMetres(g, lat, lon))
    return best
  }

  inSouth(pc: CroydonPostcode): boolean {
    return (
      (SOUTH_WARDS as readonly string[]).includes(pc.wardName) ||
      this.#southGeoms.some((g) => multiPolygonContains(g, pc.lat, pc.lon))
    )
  }

  /** An unused postcode in a ward, optionally passing a filter. */
  postcodeInWard(ward: string, ok: (pc: CroydonPostcode) => boolean = () => true): CroydonPostcode {
    const list = this.#byWard.get(ward)
    if (!list) throw new Error(`no postcodes for ward ${ward}`)
    for (let attempt = 0; attempt < 200; attempt++) {
      const pc = this.rng.pick(list)
      if (!this.#usedPostcodes.has(pc.postcode) && ok(pc)) return pc
    }
    const rest = list.filter((pc) => !this.#usedPostcodes.has(pc.postcode) && ok(pc))
    return this.rng.pick(rest)
  }

  /** An unused postcode between minM and maxM metres from an anchor postcode. */
  postcodeNear(anchor: CroydonPostcode, minM: number, maxM: number): CroydonPostcode {
    const candidates = this.#pool.filter((pc) => {
      if (this.#usedPostcodes.has(pc.postcode)) return false
      const d = haversineMetres(anchor.lat, anchor.lon, pc.lat, pc.lon)
      return d >= minM && d <= maxM
    })
    return this.rng.pick(candidates)
  }

  area(ward: string): string {
    return this.rng.pick(WARD_INFO[ward]?.areas ?? [ward])
  }

  #uniqueVenueName(base: string, street: string): string {
    let name = base
    if (this.#venueNames.has(name)) name = `${base}, ${street}`
    for (let i = 2; this.#venueNames.has(name); i++) name = `${base} ${i}`
    this.#venueNames.add(name)
    return name
  }

  venue(
    kind: VenueKind,
    pc: CroydonPostcode,
    opts: { name?: string; area?: string; stepFree?: boolean; features?: AccessibilityFeature[] } = {},
  ): Venue {
    const rng = this.rng
    this.#usedPostcodes.add(pc.postcode)
    const area = opts.area ?? this.area(pc.wardName)
    const street = rng.pick(STREETS)
    const streetShort = street.replace(/ (Road|Lane|Avenue|Close|Street|Way|Crescent|Drive|Grove|Terrace|Parade|Walk|Row|Rise|Mews|Yard|View)$/, '')
    let base: string
    switch (kind) {
      case 'centre':
        base = rng.pick([`${area} Community Centre`, `${street} Community Hall`, `${area} Neighbourhood Centre`])
        break
      case 'library':
        base = `${area} Community Library`
        break
      case 'church':
        base = `${streetShort} ${rng.pick(CHURCH_KINDS)} Hall`
        break
      case 'pub':
        base = rng.pick(PUB_NAMES)
        break
      case 'park':
        base = rng.pick([`${area} Park Pavilion`, `${area} Recreation Ground Pavilion`, `${streetShort} Gardens Pavilion`])
        break
      case 'sports':
        base = rng.pick([`${street} Sports Hall`, `${area} Sports and Social Club`])
        break
      case 'cafe':
        base = rng.pick([`The ${rng.pick(['Copper', 'Blue', 'Little', 'Corner', 'Green'])} Teapot Café`, `${streetShort} Community Café`])
        break
      case 'faith':
        base = rng.pick([`${area} Gurdwara Community Hall`, `${area} Islamic Centre Hall`, `${area} Hindu Cultural Centre`, `${area} Polish Catholic Centre`])
        break
      case 'family':
        base = rng.pick([`${area} Family Hub`, `${area} Children’s Centre`])
        break
    }
    const name = opts.name ? this.#uniqueVenueName(opts.name, street) : this.#uniqueVenueName(base, street)

    const features = new Map<AccessibilityFeature, string | null>()
    if (opts.features) {
      for (const f of opts.features) features.set(f, rng.pick(FEATURE_DETAILS[f]))
    } else {
      for (const [f, p] of Object.entries(FEATURE_ODDS[kind]) as [AccessibilityFeature, number][]) {
        if (rng.chance(p)) features.set(f, rng.pick(FEATURE_DETAILS[f]))
      }
    }
    if (opts.stepFree === true && !features.has('step_free')) features.set('step_free', rng.pick(FEATURE_DETAILS.step_free))
    if (opts.stepFree === false) features.delete('step_free')
    if (!features.has('step_free')) features.delete('changing_place')

    const stepFree = features.has('step_free')
    const v: Venue = {
      id: rng.uuid(),
      kind,
      name,
      description: rng.pick(VENUE_DESCRIPTIONS[kind]),
      pc,
      city: WARD_INFO[pc.wardName]?.city ?? 'Croydon',
      address1: `${rng.int(1, 240)} ${street}`,
      address2: stepFree
        ? rng.pick([null, null, null, 'Ground floor', 'Rear entrance'])
        : rng.pick(['First-floor hall (stairs only)', 'Hall is down six steps', null]),
      features,
      transportNotes: rng.pick([
        null,
        'Buses stop outside. Ask at reception for the group room.',
        'Five minutes’ walk from the nearest bus stop; the entrance is round the side.',
        'On-street parking nearby. Ring the bell if the door is shut.',
        'Follow the signs from the main gate.',
      ]),
      south: this.inSouth(pc),
    }
    this.venues.push(v)
    return v
  }

  wardVenue(ward: string, kind: VenueKind): Venue {
    const list = this.wardVenues.get(ward) ?? []
    const existing = list.find((v) => v.kind === kind)
    if (existing) return existing
    const v = this.venue(kind, this.postcodeInWard(ward))
    list.push(v)
    this.wardVenues.set(ward, list)
    return v
  }

  // --- organisations and services ----------------------------------------------------------

  org(name: string, description: string, opts: { charity?: boolean } = {}): OrgDraft {
    let unique = name
    for (let i = 2; this.#orgNames.has(unique); i++) unique = `${name} (${i})`
    this.#orgNames.add(unique)
    const tld = this.rng.pick(['example.org', 'example.org', 'example.com', 'example.net'])
    const o: OrgDraft = {
      id: this.rng.uuid(),
      name: unique,
      description,
      domain: `${slug(unique)}.${tld}`,
      charityNumber: (opts.charity ?? this.rng.chance(0.45)) ? `DEMO-${this.rng.int(100000, 999999)}` : null,
    }
    this.orgs.push(o)
    return o
  }

  serviceNameFree(name: string): boolean {
    return !this.#serviceNames.has(name)
  }

  service(org: OrgDraft, input: ServiceInput): SvcDraft {
    const rng = this.rng
    let name = input.name
    for (let i = 2; this.#serviceNames.has(name); i++) name = `${input.name} (${i})`
    this.#serviceNames.add(name)
    const delivery = input.delivery ?? ['venue']
    const audiences = input.audiences ?? []
    if (audiences.includes('mental_health') && delivery.some((d) => d !== 'venue') && !input.pinned) {
      throw new Error(`${name}: only Jane's five services may be non-venue mental health services`)
    }
    const s: SvcDraft = {
      id: rng.uuid(),
      org,
      name,
      description: input.description,
      url: rng.chance(0.5) ? `https://${org.domain}/${slug(name)}` : null,
      email: rng.chance(0.3) ? `${slug(name).slice(0, 20).replace(/-+$/, '')}@${org.domain}` : null,
      fees: input.cost?.fees ?? null,
      alert: null,
      delivery: [...delivery],
      groupSize: input.groupSize,
      attendance: input.attendance ?? null,
      minAge: input.ages?.[0] ?? null,
      maxAge: input.ages?.[1] ?? null,
      gender: input.gender ?? 'none',
      audiences: [...audiences],
      languages: input.languages ?? ['en'],
      newcomer: input.newcomer ?? [],
      intensity: input.intensity ?? 'none',
      selfReferral: input.selfReferral ?? true,
      interpreter: input.interpreter ?? false,
      capacity: 'open',
      status: 'active',
      confirmedAt: '',
      pinned: input.pinned ?? false,
      terms: [...input.terms],
      sites: input.sites ?? [],
      areas: input.areas ?? [],
      schedules: input.schedules ?? [],
      costs: input.cost?.costs ?? [],
    }
    if (delivery.includes('venue') !== s.sites.length > 0) throw new Error(`${name}: venue delivery needs sites`)
    if (delivery.some((d) => d !== 'venue') && s.areas.length === 0) throw new Error(`${name}: needs a service area`)
    this.services.push(s)
    return s
  }

  // --- schedules -----------------------------------------------------------------------------

  weekly(days: Weekday[], opens: string, closes: string, extra: Partial<SchedDraft> = {}): SchedDraft {
    const sorted = sortDays(days)
    const dayText = sorted.length === 7 ? 'Every day' : `Every ${listText(sorted.map((d) => WEEKDAY_NAMES[d]))}`
    return {
      kind: 'weekly',
      byday: sorted,
      week: null,
      onDate: null,
      opens,
      closes,
      validFrom: null,
      validTo: null,
      description: `${dayText}, ${clock(opens)} to ${clock(closes)}`,
      ...extra,
    }
  }

  monthly(day: Weekday, week: 1 | 2 | 3 | 4 | -1, opens: string, closes: string): SchedDraft {
    return {
      kind: 'monthly',
      byday: [day],
      week,
      onDate: null,
      opens,
      closes,
      validFrom: null,
      validTo: null,
      description: `${ORDINALS[String(week)]} ${WEEKDAY_NAMES[day]} of the month, ${clock(opens)} to ${clock(closes)}`,
    }
  }

  nextMonthlyWeek(): 1 | 2 | 3 | 4 | -1 {
    const w = MONTHLY_WEEKS[this.#monthly % MONTHLY_WEEKS.length] as 1 | 2 | 3 | 4 | -1
    this.#monthly++
    return w
  }

  oneOff(daysAhead: number, opens: string, closes: string): SchedDraft {
    const d = this.daysFromNow(daysAhead)
    return {
      kind: 'one_off',
      byday: [],
      week: null,
      onDate: isoDate(d),
      opens,
      closes,
      validFrom: null,
      validTo: null,
      description: `${longDate(d)}, ${clock(opens)} to ${clock(closes)}`,
    }
  }

  byArrangement(description: string): SchedDraft {
    return {
      kind: 'by_arrangement',
      byday: [],
      week: null,
      onDate: null,
      opens: null,
      closes: null,
      validFrom: null,
      validTo: null,
      description,
    }
  }

  fromPlan(plan: SchedulePlan): SchedDraft {
    const rng = this.rng
    if (plan.kind === 'by_arrangement') return this.byArrangement('By appointment; ring to book a time.')
    const pool: readonly Weekday[] =
      plan.days === 'weekday'
        ? ['MO', 'TU', 'WE', 'TH', 'FR']
        : plan.days === 'weekend'
          ? ['SA', 'SU']
          : plan.days === 'sunday'
            ? ['SU']
            : WEEK_ORDER
    const [opens, closes] = rng.pick(SLOTS[plan.times])
    if (plan.kind === 'monthly') return this.monthly(rng.pick(pool), this.nextMonthlyWeek(), opens, closes)
    if (plan.kind === 'one_off') return this.oneOff(rng.int(14, 42), opens, closes)
    const days = rng.sample(pool, Math.min(plan.perWeek ?? 1, pool.length))
    if (plan.course) {
      const start = this.daysFromNow(rng.int(-14, 21))
      const course = this.weekly(days, opens, closes, {
        validFrom: isoDate(start),
        validTo: isoDate(new Date(start.getTime() + 35 * DAY_MS)),
      })
      // A schedule document has no notes: the course's words go in its description.
      return { ...course, description: `${course.description}. Six-week course; book a place.` }
    }
    return this.weekly(days, opens, closes)
  }

  // --- costs ---------------------------------------------------------------------------------

  free(): { costs: CostDraft[]; fees: string | null } {
    return { costs: [], fees: this.rng.chance(0.5) ? 'Free' : null }
  }

  donation(): { costs: CostDraft[]; fees: string | null } {
    return {
      costs: [{ option: 'Donation', amount: 0, amountDescription: 'Free; donations welcome', concessions: null }],
      fees: 'Free (donations welcome)',
    }
  }

  paid(amount: number, concessions: string | null, option = 'Per session'): { costs: CostDraft[]; fees: string | null } {
    const what = option === 'Per session' ? `${money(amount)} per session` : `${money(amount)} (${option.toLowerCase()})`
    return {
      costs: [{ option, amount, amountDescription: what, concessions }],
      fees: concessions ? `${what}; ${concessions.charAt(0).toLowerCase()}${concessions.slice(1)}` : what,
    }
  }

  fromCostPlan(plan: CostPlan, course: boolean): { costs: CostDraft[]; fees: string | null } {
    if (plan === 'free') return this.free()
    if (plan === 'donation') return this.donation()
    const [min, max] = plan
    const steps = Math.round((max - min) * 2)
    const amount = min + this.rng.int(0, steps) / 2
    const concessions = this.rng.chance(0.4)
      ? this.rng.pick([
          'Free for carers',
          '£1 for people on Pension Credit or Universal Credit',
          'Half price for over-65s',
          'First session free',
          'Pay what you can if money is tight',
        ])
      : null
    return course ? this.paid(amount * 6, concessions, 'Six-week course') : this.paid(amount, concessions)
  }

  // --- templates -----------------------------------------------------------------------------

  fromTemplate(
    org: OrgDraft,
    t: Template,
    venue: Venue,
    opts: { variant?: readonly [string, string]; area?: string; extraVenue?: Venue } = {},
  ): SvcDraft {
    const rng = this.rng
    const ward = venue.pc.wardName
    let variant = opts.variant ?? rng.pick(t.variants)
    let area = opts.area ?? this.area(ward)
    if (!opts.variant) {
      for (let i = 0; i < 8 && !this.serviceNameFree(fill(variant[0], { area, venue: venue.name })); i++) {
        variant = rng.pick(t.variants)
        area = this.area(ward)
      }
    }
    const vars = { area, venue: venue.name }
    const name = fill(variant[0], vars)
    const description = fill(variant[1], vars)
    const groupSize = rng.pick(t.groupSizes)
    let attendance: number | null = null
    if (groupSize !== 'one_to_one' && t.attendance) {
      const [lo, hi] = t.attendance
      attendance = groupSize === 'small' ? rng.int(Math.min(lo, 12), Math.min(hi, 12)) : rng.int(Math.max(lo, 15), Math.max(hi, 15))
    }
    const plan = rng.pick(t.schedules)
    const schedules = [this.fromPlan(plan)]
    const sites = [{ venue, schedules }]
    if (opts.extraVenue) sites.push({ venue: opts.extraVenue, schedules: [this.fromPlan(plan)] })
    const cost = this.fromCostPlan(rng.pick(t.cost), plan.kind === 'weekly' && plan.course === true)
    return this.service(org, {
      name,
      description,
      terms: [...t.terms],
      delivery: [...(t.delivery ?? ['venue'])],
      groupSize,
      attendance,
      ages: rng.pick(t.ages ?? [[null, null]]),
      gender: t.gender ?? 'none',
      audiences: [...(t.audiences ?? [])],
      languages: [...(t.languages ?? ['en'])],
      newcomer: [...rng.pick(t.newcomer ?? [[]])],
      intensity: rng.pick(t.intensity),
      selfReferral: rng.chance(t.selfReferral ?? 0.92),
      sites,
      cost,
    })
  }

  // --- contacts ------------------------------------------------------------------------------

  nextPhone(): string {
    const n = this.#phones[this.#phoneIndex++]
    if (n === undefined) throw new Error('ran out of fictional phone numbers')
    return n
  }

  // --- service areas ------------------------------------------------------------------------

  /** An area as a service document gives it: the borough, or one ward area per ward. */
  serviceAreas(area: AreaDraft): ServiceDocument['service_areas'] {
    if (area.kind === 'borough') return [{ kind: 'local_authority', code: CROYDON_CODE }]
    return area.wards.map((w) => {
      const code = this.#wardCodes.get(w)
      if (!code) throw new Error(`no ward called ${w}`)
      return { kind: 'ward', code }
    })
  }

  /** The nearest wards to a ward, by the mean of its postcodes. */
  nearbyWards(ward: string, count: number): string[] {
    const centre = (w: string) => {
      const list = this.#byWard.get(w) ?? []
      return {
        lat: list.reduce((a, p) => a + p.lat, 0) / list.length,
        lon: list.reduce((a, p) => a + p.lon, 0) / list.length,
      }
    }
    const c = centre(ward)
    return this.wardNames()
      .map((w) => ({ w, d: haversineMetres(c.lat, c.lon, centre(w).lat, centre(w).lon) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, count)
      .map((x) => x.w)
  }
}

// ---------------------------------------------------------------------------------------------
// Persona listings.

function derek(b: Builder): void {
  const home = b.postcode(PERSONA_POSTCODES.derek)
  const near = () => b.postcodeNear(home, 150, 1300)
  const centre = b.venue('centre', near(), { name: 'Waddon Marsh Community Centre', stepFree: true, features: ['step_free', 'accessible_toilet', 'seating', 'hearing_loop', 'near_bus_stop', 'parking'] })
  const hall = b.venue('church', near(), { name: 'Duppas Hill Free Church Hall', stepFree: true, features: ['step_free', 'seating', 'accessible_toilet', 'near_bus_stop'] })
  const library = b.venue('library', near(), { name: 'Waddon Community Library', stepFree: true, features: ['step_free', 'accessible_toilet', 'seating', 'quiet_space', 'hearing_loop', 'near_bus_stop'] })
  const cafe = b.venue('cafe', near(), { name: 'The Millstream Café', stepFree: true, features: ['step_free', 'seating', 'near_bus_stop'] })
  const estate = b.venue('centre', near(), { name: 'Waddon Estate Residents’ Room', stepFree: true, features: ['step_free', 'seating', 'quiet_space'] })
  const older: readonly [number, null] = [60, null]

  const goodCompany = b.org('Waddon Good Company', 'A volunteer-run charity tackling loneliness among older people in Waddon and Broad Green.', { charity: true })
  const duppas = b.org('Duppas Hill Residents’ Association', 'Residents running activities for neighbours on and around the Duppas Hill estates.', { charity: false })
  const broadGreen = b.org('Broad Green Neighbourhood Crafters', 'A small group of makers who share skills and company.', { charity: false })

  b.service(goodCompany, {
    name: 'Waddon Friendship Lunch Club',
    description: 'A two-course lunch for up to ten older neighbours, cooked by volunteers. A volunteer can meet you at home and walk round with you the first time.',
    terms: ['social-groups', 'food'],
    groupSize: 'small',
    attendance: 10,
    ages: older,
    newcomer: ['accompanied_first_visit', 'welcome_call'],
    sites: [{ venue: estate, schedules: [b.weekly(['TU'], '12:00', '14:00')] }],
    cost: b.paid(4.5, 'First visit free'),
    pinned: true,
  })
  b.service(duppas, {
    name: 'Duppas Hill Lunch Club',
    description: 'A two-course lunch for about ten older neighbours, cooked by volunteers, with tea and a chat afterwards.',
    terms: ['social-groups', 'food'],
    groupSize: 'small',
    attendance: 9,
    ages: older,
    newcomer: [],
    sites: [{ venue: hall, schedules: [b.weekly(['TH'], '12:00', '14:00')] }],
    cost: b.paid(4.5, 'First visit free'),
    pinned: true,
  })
  b.service(goodCompany, {
    name: 'Waddon Craft Corner',
    description: 'A small, quiet craft group of around eight: card making, knitting and simple sewing. A volunteer will come with you to your first session if you like.',
    terms: ['arts-and-crafts', 'social-groups'],
    groupSize: 'small',
    attendance: 8,
    ages: [55, null],
    newcomer: ['accompanied_first_visit'],
    sites: [{ venue: library, schedules: [b.weekly(['MO'], '10:00', '12:00')] }],
    cost: b.free(),
    pinned: true,
  })
  b.service(broadGreen, {
    name: 'Broad Green Make and Mend',
    description: 'A small, quiet craft group of around eight: card making, knitting and simple sewing over a cup of tea.',
    terms: ['arts-and-crafts', 'social-groups'],
    groupSize: 'small',
    attendance: 7,
    ages: [55, null],
    newcomer: [],
    sites: [{ venue: cafe, schedules: [b.weekly(['WE'], '10:00', '12:00')] }],
    cost: b.free(),
    pinned: true,
  })
  b.service(goodCompany, {
    name: 'Dominoes and Cards Afternoon',
    description: 'Six or so regulars play dominoes, cribbage and whist. A buddy will sit with you until you know everyone.',
    terms: ['social-groups'],
    groupSize: 'small',
    attendance: 6,
    ages: older,
    newcomer: ['volunteer_buddy'],
    sites: [{ venue: estate, schedules: [b.weekly(['FR'], '13:30', '15:30')] }],
    cost: b.donation(),
    pinned: true,
  })
  b.service(duppas, {
    name: 'Duppas Hill Pensioners’ Chat Club',
    description: 'A small circle of eight to ten older residents who meet for tea, a quiz and a natter.',
    terms: ['social-groups'],
    groupSize: 'small',
    attendance: 9,
    ages: older,
    newcomer: [],
    sites: [{ venue: hall, schedules: [b.weekly(['MO'], '14:00', '16:00')] }],
    cost: b.free(),
    pinned: true,
  })
  b.service(goodCompany, {
    name: 'Waddon Home Befriending',
    description: 'A trained volunteer visits you at home for an hour each week for a chat, a walk or a game of cards.',
    terms: ['befriending'],
    delivery: ['home_visit'],
    groupSize: 'one_to_one',
    ages: [65, null],
    newcomer: ['welcome_call'],
    selfReferral: true,
    areas: [{ kind: 'wards', wards: ['Waddon', 'Broad Green', 'Fairfield'] }],
    schedules: [b.byArrangement('Weekly visits at a time that suits you and your befriender.')],
    cost: b.free(),
    pinned: true,
  })
  b.service(goodCompany, {
    name: 'Waddon Friendly Phone Calls',
    description: 'A regular phone call from the same friendly volunteer, once or twice a week.',
    terms: ['befriending'],
    delivery: ['telephone'],
    groupSize: 'one_to_one',
    ages: [65, null],
    newcomer: ['welcome_call'],
    areas: [{ kind: 'wards', wards: ['Waddon', 'Broad Green'] }],
    schedules: [b.byArrangement('Calls arranged on days and times that suit you.')],
    cost: b.free(),
    pinned: true,
  })
  b.service(goodCompany, {
    name: 'Tech Buddies at Waddon Library',
    description: 'One-to-one help with your phone or tablet from a patient volunteer. A volunteer can meet you at the door.',
    terms: ['digital-skills'],
    groupSize: 'one_to_one',
    ages: [null, null],
    newcomer: ['accompanied_first_visit'],
    sites: [{ venue: library, schedules: [b.weekly(['TH'], '10:00', '12:00')] }],
    cost: b.free(),
    pinned: true,
  })
  // Large groups nearby.
  b.service(duppas, {
    name: 'Waddon Tea Dance',
    description: 'A big, lively tea dance with a live band and around sixty dancers. Tea and cake in the interval.',
    terms: ['social-groups', 'music-and-singing', 'exercise-and-sport'],
    groupSize: 'large',
    attendance: 60,
    ages: older,
    intensity: 'light',
    sites: [{ venue: centre, schedules: [b.monthly('WE', 2, '14:00', '16:00')] }],
    cost: b.paid(4, 'Carers free'),
    pinned: true,
  })
  b.service(duppas, {
    name: 'Broad Green Community Bingo',
    description: 'Bingo for forty or more with a raffle and a bar. Loud, busy and a lot of fun.',
    terms: ['social-groups'],
    groupSize: 'large',
    attendance: 45,
    ages: [18, null],
    sites: [{ venue: centre, schedules: [b.weekly(['TH'], '13:00', '15:00')] }],
    cost: b.paid(2, null),
    pinned: true,
  })
  b.service(goodCompany, {
    name: 'Big Sing Waddon',
    description: 'A big, no-audition community sing of thirty to forty voices. Song sheets provided.',
    terms: ['music-and-singing'],
    groupSize: 'large',
    attendance: 35,
    ages: [null, null],
    intensity: 'light',
    sites: [{ venue: centre, schedules: [b.weekly(['MO'], '18:30', '20:00')] }],
    cost: b.paid(3, 'Pay what you can'),
    pinned: true,
  })
}

function priti(b: Builder): void {
  const home = b.postcode(PERSONA_POSTCODES.priti)
  const near = () => b.postcodeNear(home, 150, 1100)
  const stepFree: AccessibilityFeature[] = ['step_free', 'accessible_toilet', 'seating', 'near_bus_stop']
  const library = b.venue('library', near(), { name: 'Thornton Heath Community Library', features: [...stepFree, 'quiet_space', 'hearing_loop', 'bsl'] })
  const hub = b.venue('family', near(), { name: 'Thornton Heath Family Hub', features: [...stepFree, 'changing_place', 'quiet_space'] })
  const centre = b.venue('centre', near(), { name: 'Bensham Lane Community Centre', features: [...stepFree, 'parking'] })
  const church = b.venue('church', near(), { name: 'Brigstock Parish Church Hall', features: ['step_free', 'seating'] })
  const upstairs = b.venue('church', near(), { name: 'Little Acorns Hall, Kilnworth Street', stepFree: false, features: ['seating', 'near_bus_stop'] })

  const bounce = b.org('Thornton Heath Baby Bounce', 'Volunteer parents running free baby and toddler sessions in Thornton Heath.', { charity: false })
  const hubOrg = b.org('Thornton Heath Families Together', 'A charity supporting families with children under five in north Croydon.', { charity: true })
  const acorns = b.org('Little Acorns Parents’ Group', 'A long-running parent and baby group.', { charity: false })
  const parent = { terms: ['parent-and-baby'] as TermCode[], audiences: ['new_parents'] as Audience[], pinned: true }

  b.service(bounce, {
    ...parent,
    name: 'Thornton Heath Baby Bounce',
    description: 'Songs, bounces and rhymes for babies up to 18 months, then a chat and a cuppa for the grown-ups. Buggy park inside.',
    terms: ['parent-and-baby', 'music-and-singing'],
    groupSize: 'large',
    attendance: 20,
    newcomer: ['welcome_call'],
    sites: [{ venue: library, schedules: [b.weekly(['TU'], '10:00', '11:00')] }],
    cost: b.free(),
  })
  b.service(hubOrg, {
    ...parent,
    name: 'Young Parents’ Drop-in',
    description: 'A relaxed afternoon for mums and dads aged 16 to 25 and their babies: play, peer support and a health visitor on hand.',
    terms: ['parent-and-baby', 'peer-support'],
    groupSize: 'small',
    attendance: 10,
    ages: [16, 25],
    newcomer: ['accompanied_first_visit', 'welcome_call'],
    sites: [{ venue: hub, schedules: [b.weekly(['WE'], '13:00', '15:00')] }],
    cost: b.free(),
  })
  b.service(hubOrg, {
    ...parent,
    name: 'Bumps, Babies and Brew',
    description: 'For expectant and new parents: meet others at the same stage over tea and toast. Pram-friendly, with space for feeding.',
    groupSize: 'small',
    attendance: 12,
    newcomer: ['volunteer_buddy'],
    sites: [{ venue: centre, schedules: [b.weekly(['TH'], '10:00', '12:00')] }],
    cost: b.free(),
  })
  b.service(bounce, {
    ...parent,
    name: 'Pram Pals Stay and Play',
    description: 'Free play, messy play and snacks for babies and toddlers, twice a week. Level access for prams and buggies.',
    groupSize: 'large',
    attendance: 18,
    sites: [{ venue: church, schedules: [b.weekly(['MO', 'FR'], '09:30', '11:30')] }],
    cost: b.donation(),
  })
  b.service(hubOrg, {
    ...parent,
    name: 'Tiny Steps Baby Massage',
    description: 'A gentle four-week baby massage course for babies from six weeks to crawling. Oils and towels provided.',
    groupSize: 'small',
    attendance: 8,
    sites: [{ venue: hub, schedules: [b.weekly(['WE'], '10:00', '11:30')] }],
    cost: b.paid(3, 'Free for families on Universal Credit'),
  })
  // Decoys: evening only, no step-free access, weekend only.
  b.service(hubOrg, {
    ...parent,
    name: 'After-Work Parents’ Meet-up',
    description: 'An evening get-together for working parents and their babies: a chance to compare notes after nursery pick-up.',
    groupSize: 'small',
    attendance: 10,
    sites: [{ venue: centre, schedules: [b.weekly(['TU'], '18:30', '20:00')] }],
    cost: b.free(),
  })
  b.service(acorns, {
    ...parent,
    name: 'Little Acorns Baby Group',
    description: 'A cosy parent and baby group in the upstairs hall, with toys, songs and biscuits. Prams have to be left downstairs.',
    groupSize: 'small',
    attendance: 12,
    sites: [{ venue: upstairs, schedules: [b.weekly(['TH'], '10:00', '11:30')] }],
    cost: b.paid(1.5, null),
  })
  b.service(bounce, {
    ...parent,
    name: 'Saturday Stay and Play',
    description: 'Weekend stay and play for babies, toddlers and both parents. Dads especially welcome.',
    groupSize: 'large',
    attendance: 20,
    sites: [{ venue: library, schedules: [b.weekly(['SA'], '10:00', '12:00')] }],
    cost: b.free(),
  })
}

function mike(b: Builder, advice: OrgDraft): void {
  const home = b.postcode(PERSONA_POSTCODES.mike)
  const near = () => b.postcodeNear(home, 150, 1300)
  const library = b.venue('library', near(), { name: 'Selhurst Community Library', features: ['step_free', 'accessible_toilet', 'seating', 'near_bus_stop'] })
  const centre = b.venue('centre', near(), { name: 'Whitehorse Road Community Centre', features: ['step_free', 'accessible_toilet', 'seating', 'hearing_loop', 'near_bus_stop'] })
  const shed = b.venue('park', near(), { name: 'Thornton Heath Shed, Brickfield Road', features: ['step_free', 'parking'] })
  const pub = b.venue('pub', near(), { name: 'The Weaver’s Arms', features: ['seating', 'near_bus_stop'] })
  const pub2 = b.venue('pub', near(), { name: 'The Quiet Heron', features: ['step_free', 'seating'] })
  const sports = b.venue('sports', near(), { name: 'Selhurst Sports Hall', features: ['step_free', 'accessible_toilet', 'parking', 'changing_place'] })

  b.service(advice, {
    name: 'Selhurst Housing Advice Drop-in',
    description: 'Free advice if you are behind on rent, have had a notice from your landlord or are worried about losing your home. Bring any letters.',
    terms: ['housing', 'practical-support'],
    groupSize: 'one_to_one',
    interpreter: true,
    ages: [18, null],
    sites: [{ venue: library, schedules: [b.weekly(['WE'], '10:00', '13:00')] }],
    cost: b.free(),
    pinned: true,
  })
  b.service(advice, {
    name: 'Eviction and Tenancy Clinic',
    description: 'Caseworkers and a duty solicitor help tenants facing eviction, possession hearings or disrepair. Appointments and walk-ins.',
    terms: ['housing', 'practical-support', 'debt-and-benefits'],
    groupSize: 'one_to_one',
    interpreter: true,
    ages: [18, null],
    sites: [{ venue: centre, schedules: [b.weekly(['TH'], '14:00', '17:00')] }],
    cost: b.free(),
    pinned: true,
  })
  const shedOrg = b.org('Thornton Heath Men’s Shed', 'A men’s shed where men make, mend and keep each other company.', { charity: true })
  const darts = b.org('Selhurst Darts and Dominoes Club', 'A social club for men who like a game of arrows and a chat.', { charity: false })
  const blokes = b.org('Blokes Together Croydon', 'Men supporting men through friendship, activity and a listening ear.', { charity: true })
  const men = { audiences: ['men'] as Audience[], pinned: true, ages: [18, null] as const }
  b.service(shedOrg, {
    ...men,
    name: 'Thornton Heath Men’s Shed',
    description: 'Woodwork, bike repairs and tea in a well-kitted shed. Come and make something or just come for the company.',
    terms: ['mens-groups', 'arts-and-crafts', 'volunteering'],
    groupSize: 'small',
    attendance: 10,
    gender: 'men_only',
    intensity: 'light',
    newcomer: ['volunteer_buddy'],
    sites: [{ venue: shed, schedules: [b.weekly(['TU', 'TH'], '10:00', '15:00')] }],
    cost: b.paid(2, 'Free if money is tight'),
  })
  b.service(darts, {
    ...men,
    name: 'Selhurst Darts and Dominoes Night',
    description: 'A men’s darts and dominoes night in the back room of the pub. No need to be any good at darts; soft drinks at the bar.',
    terms: ['mens-groups', 'social-groups'],
    groupSize: 'small',
    attendance: 12,
    gender: 'men_only',
    intensity: 'none',
    sites: [{ venue: pub, schedules: [b.weekly(['WE'], '19:00', '22:00')] }],
    cost: b.paid(2, null),
  })
  b.service(blokes, {
    ...men,
    name: 'Blokes’ Pub Quiz Night',
    description: 'A pub quiz for men who want a laugh and a chat with other blokes. Teams made up on the night.',
    terms: ['mens-groups', 'social-groups'],
    groupSize: 'large',
    attendance: 30,
    gender: 'none',
    intensity: 'none',
    newcomer: ['welcome_call'],
    sites: [{ venue: pub2, schedules: [b.monthly('TH', 1, '19:30', '22:00')] }],
    cost: b.paid(1, null),
  })
  b.service(blokes, {
    ...men,
    name: 'Men’s Brew and Banter',
    description: 'Bacon rolls, tea and talk for men: football, the week, whatever is on your mind. Quiet and friendly.',
    terms: ['mens-groups', 'peer-support'],
    groupSize: 'small',
    attendance: 8,
    gender: 'men_only',
    intensity: 'none',
    newcomer: ['accompanied_first_visit'],
    sites: [{ venue: centre, schedules: [b.weekly(['MO'], '11:00', '13:00')] }],
    cost: b.free(),
  })
  b.service(blokes, {
    ...men,
    name: 'Selhurst Men’s Five-a-Side',
    description: 'Fast, competitive five-a-side football for men. High intensity; you need to be fit to keep up.',
    terms: ['mens-groups', 'exercise-and-sport'],
    groupSize: 'small',
    attendance: 12,
    gender: 'men_only',
    intensity: 'vigorous',
    sites: [{ venue: sports, schedules: [b.weekly(['SU'], '10:00', '12:00')] }],
    cost: b.paid(5, null),
  })
}

/** Jane's five: the only services with audience mental_health and a non-venue delivery mode. */
function jane(b: Builder): void {
  const still = b.org('Stillwater Wellbeing Trust', 'A mental health charity offering listening and peer support to people across Croydon.', { charity: true })
  const openDoor = b.org('Open Door Home Visiting', 'Volunteers visiting people who find it hard to leave home because of their mental health.', { charity: true })
  const lantern = b.org('Lantern Peer Visitors', 'Peer workers with lived experience of mental ill health, visiting people at home.', { charity: true })
  const mh = { audiences: ['mental_health'] as Audience[], ages: [18, null] as const, pinned: true }
  b.service(still, {
    ...mh,
    name: 'Stillwater Listening Line',
    description: 'A confidential phone line staffed by trained volunteers for anyone struggling with their mental health. No referral needed.',
    terms: ['peer-support', 'befriending'],
    delivery: ['telephone'],
    groupSize: 'one_to_one',
    newcomer: [],
    areas: [{ kind: 'borough' }],
    schedules: [b.weekly(['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'], '17:00', '23:00')],
    cost: b.free(),
  })
  b.service(still, {
    ...mh,
    name: 'Stillwater Online Calm Circle',
    description: 'A small online peer support group for people with anxiety. Cameras optional; you can listen without speaking.',
    terms: ['peer-support'],
    delivery: ['online_video'],
    groupSize: 'small',
    attendance: 8,
    newcomer: ['welcome_call'],
    areas: [{ kind: 'borough' }],
    schedules: [b.weekly(['WE'], '19:00', '20:00')],
    cost: b.free(),
  })
  b.service(openDoor, {
    ...mh,
    name: 'Open Door Home Visits: Thornton Heath and Norbury',
    description: 'A volunteer visits you at home each week for company and gentle encouragement, at your pace. For people who find it hard to go out.',
    terms: ['befriending'],
    delivery: ['home_visit'],
    groupSize: 'one_to_one',
    newcomer: ['welcome_call'],
    selfReferral: false,
    areas: [{ kind: 'wards', wards: ['Thornton Heath', 'Bensham Manor', 'West Thornton', 'Norbury Park', 'Norbury & Pollards Hill'] }],
    schedules: [b.byArrangement('Weekly home visits arranged with you.')],
    cost: b.free(),
  })
  b.service(lantern, {
    ...mh,
    name: 'Lantern Peer Home Visiting',
    description: 'Peer workers who have been through it themselves visit you at home to talk, plan small steps and connect you with support.',
    terms: ['peer-support', 'befriending'],
    delivery: ['home_visit'],
    groupSize: 'one_to_one',
    newcomer: ['welcome_call'],
    areas: [{ kind: 'wards', wards: ['Bensham Manor', 'Broad Green', 'Selhurst', 'Fairfield', 'Addiscombe West', 'West Thornton', 'Thornton Heath'] }],
    schedules: [b.byArrangement('Fortnightly visits arranged with you.')],
    cost: b.free(),
  })
  b.service(openDoor, {
    ...mh,
    name: 'North Croydon Wellbeing Befrienders',
    description: 'Home visits and phone calls from a befriender trained in mental health awareness, for people who are anxious about leaving the house.',
    terms: ['befriending'],
    delivery: ['home_visit', 'telephone'],
    groupSize: 'one_to_one',
    newcomer: ['welcome_call'],
    areas: [{ kind: 'wards', wards: NORTH_CENTRAL_WARDS }],
    schedules: [b.byArrangement('Visits and calls arranged with you.')],
    cost: b.free(),
  })
}

// ---------------------------------------------------------------------------------------------
// Borough-wide organisations and showcase services.

function boroughWide(b: Builder): OrgDraft {
  const ward = (w: string, kind: VenueKind) => b.wardVenue(w, kind)

  const kind = b.org('Croydon Kindly Neighbours', 'A befriending charity matching volunteers with older and isolated people across the borough.', { charity: true })
  b.service(kind, {
    name: 'Kindly Neighbours Home Befriending (East)',
    description: 'A volunteer befriender visits you at home every week. For people over 65 who feel lonely or cut off.',
    terms: ['befriending'],
    delivery: ['home_visit'],
    groupSize: 'one_to_one',
    ages: [65, null],
    newcomer: ['welcome_call'],
    areas: [{ kind: 'wards', wards: ['Shirley North', 'Shirley South', 'Addiscombe East', 'Woodside'] }],
    schedules: [b.byArrangement('Weekly visits arranged to suit you.')],
    cost: b.free(),
    pinned: true,
  })
  b.service(kind, {
    name: 'Kindly Neighbours Home Befriending (South)',
    description: 'Weekly home visits from a volunteer for older people in the south of the borough, where buses are few.',
    terms: ['befriending'],
    delivery: ['home_visit'],
    groupSize: 'one_to_one',
    ages: [65, null],
    newcomer: ['welcome_call'],
    selfReferral: false,
    areas: [{ kind: 'wards', wards: ['Coulsdon Town', 'Old Coulsdon', 'Purley & Woodcote', 'Kenley', 'Purley Oaks & Riddlesdown', 'Sanderstead'] }],
    schedules: [b.byArrangement('Weekly visits arranged to suit you.')],
    cost: b.free(),
    pinned: true,
  })
  b.service(kind, {
    name: 'Kindly Neighbours Telephone Friendship',
    description: 'A weekly phone call from the same volunteer, wherever you live in Croydon.',
    terms: ['befriending'],
    delivery: ['telephone'],
    groupSize: 'one_to_one',
    ages: [60, null],
    areas: [{ kind: 'borough' }],
    schedules: [b.byArrangement('Calls on a day and time that suits you.')],
    cost: b.free(),
  })
  b.service(kind, {
    name: 'Telephone Chat Groups',
    description: 'Join five or six others on a group phone call for a chat and a quiz. Free to join from a landline or mobile.',
    terms: ['befriending', 'social-groups'],
    delivery: ['telephone'],
    groupSize: 'small',
    attendance: 6,
    ages: [60, null],
    newcomer: ['welcome_call'],
    areas: [{ kind: 'borough' }],
    schedules: [b.weekly(['TU'], '11:00', '12:00')],
    cost: b.free(),
  })

  const connected = b.org('Get Connected Croydon', 'Digital inclusion charity helping people get online with confidence.', { charity: true })
  b.service(connected, {
    name: 'Online Digital Skills Class',
    description: 'A small online class on the basics: email, video calls, online safety. We can lend you a tablet with data.',
    terms: ['digital-skills', 'learning-and-skills'],
    delivery: ['online_video'],
    groupSize: 'small',
    attendance: 8,
    ages: [18, null],
    areas: [{ kind: 'borough' }],
    schedules: [b.weekly(['WE'], '14:00', '15:30')],
    cost: b.free(),
    pinned: true,
  })
  b.service(connected, {
    name: 'Digital Help by Phone',
    description: 'Stuck with a device? Ring and a volunteer will talk you through it step by step.',
    terms: ['digital-skills'],
    delivery: ['telephone'],
    groupSize: 'one_to_one',
    areas: [{ kind: 'borough' }],
    schedules: [b.weekly(['MO', 'TU', 'WE', 'TH', 'FR'], '10:00', '16:00')],
    cost: b.free(),
  })
  b.service(connected, {
    name: 'Tablet Lending and Lessons',
    description: 'Borrow a tablet for three months and learn to use it in a small weekly session.',
    terms: ['digital-skills'],
    groupSize: 'small',
    attendance: 6,
    ages: [50, null],
    newcomer: ['volunteer_buddy'],
    sites: [
      { venue: ward('Fairfield', 'library'), schedules: [b.weekly(['MO'], '14:00', '16:00')] },
      { venue: ward('Norbury Park', 'library'), schedules: [b.weekly(['TH'], '14:00', '16:00')] },
    ],
    cost: b.free(),
    pinned: true,
  })

  const carers = b.org('Croydon Carers’ Circle', 'Peer support and breaks for unpaid carers.', { charity: true })
  b.service(carers, {
    name: 'Carers’ Text Support',
    description: 'Text a trained carer-volunteer for a listening ear, tips or signposting. Replies the same day.',
    terms: ['peer-support'],
    delivery: ['online_text'],
    groupSize: 'one_to_one',
    audiences: ['carers'],
    ages: [16, null],
    areas: [{ kind: 'borough' }],
    schedules: [b.weekly(['MO', 'TU', 'WE', 'TH', 'FR'], '09:00', '17:00')],
    cost: b.free(),
    pinned: true,
  })
  b.service(carers, {
    name: 'Carers’ Walk and Talk',
    description: 'A gentle walk and a coffee with other carers. The person you care for is welcome too.',
    terms: ['walking', 'peer-support'],
    groupSize: 'small',
    attendance: 8,
    audiences: ['carers'],
    intensity: 'light',
    sites: [{ venue: ward('South Croydon', 'park'), schedules: [b.monthly('SA', 3, '10:00', '12:00')] }],
    cost: b.free(),
  })

  const rainbow = b.org('Rainbow Roots Croydon', 'An LGBTQ+ community group for friendship and support.', { charity: false })
  b.service(rainbow, {
    name: 'Rainbow Roots Online Chat',
    description: 'A text-based group chat for LGBTQ+ adults, moderated by volunteers. Join anonymously if you prefer.',
    terms: ['social-groups', 'peer-support'],
    delivery: ['online_text'],
    groupSize: 'large',
    attendance: 25,
    audiences: ['lgbtq'],
    ages: [18, null],
    areas: [{ kind: 'borough' }],
    schedules: [b.weekly(['TH'], '19:00', '21:00')],
    cost: b.free(),
  })
  b.service(rainbow, {
    name: 'Rainbow Elders Coffee',
    description: 'Coffee, cake and conversation for LGBTQ+ people over 50.',
    terms: ['social-groups'],
    groupSize: 'small',
    attendance: 10,
    audiences: ['lgbtq'],
    ages: [50, null],
    newcomer: ['volunteer_buddy'],
    sites: [{ venue: ward('Fairfield', 'cafe'), schedules: [b.monthly('SA', 4, '14:00', '16:00')] }],
    cost: b.free(),
    pinned: true,
  })

  const memory = b.org('Memory Lane Friends', 'Activities for people living with dementia and their carers.', { charity: true })
  b.service(memory, {
    name: 'Memory Lane Singing Café',
    description: 'Singing, tea and reminiscence for people living with dementia and their carers. Runs in two places.',
    terms: ['music-and-singing', 'social-groups'],
    groupSize: 'large',
    attendance: 25,
    audiences: ['dementia', 'carers'],
    newcomer: ['welcome_call'],
    sites: [
      { venue: ward('Addiscombe East', 'centre'), schedules: [b.monthly('TU', 1, '14:00', '16:00')] },
      { venue: ward('Purley & Woodcote', 'church'), schedules: [b.monthly('FR', -1, '14:00', '16:00')] },
    ],
    cost: b.donation(),
    pinned: true,
  })

  const volunteers = b.org('Croydon Volunteer Exchange', 'Connecting people who want to volunteer with groups that need them.', { charity: true })
  b.service(volunteers, {
    name: 'Volunteer Drivers Scheme',
    description: 'Use your car to take older neighbours to appointments and groups. Mileage paid.',
    terms: ['volunteering'],
    groupSize: 'one_to_one',
    ages: [21, 80],
    sites: [{ venue: ward('Fairfield', 'centre'), schedules: [b.byArrangement('Induction by appointment.')] }],
    selfReferral: true,
    cost: b.free(),
  })
  b.service(volunteers, {
    name: 'Volunteering Taster Day',
    description: 'Meet twenty local groups looking for volunteers and try a few roles out on the day.',
    terms: ['volunteering', 'social-groups'],
    groupSize: 'large',
    attendance: 80,
    sites: [{ venue: ward('Fairfield', 'centre'), schedules: [b.oneOff(21, '10:00', '15:00')] }],
    cost: b.free(),
    pinned: true,
  })

  const paths = b.org('Quiet Paths Bereavement Support', 'Volunteers who have been bereaved themselves, supporting others through grief.', { charity: true })
  b.service(paths, {
    name: 'Bereavement Walk and Talk',
    description: 'A gentle monthly walk in the park with others who have lost someone, finishing with tea. Trained volunteers walk with you.',
    terms: ['bereavement', 'walking', 'peer-support'],
    groupSize: 'small',
    attendance: 10,
    ages: [18, null],
    intensity: 'light',
    newcomer: ['welcome_call'],
    sites: [{ venue: ward('Shirley North', 'park'), schedules: [b.monthly('SU', 3, '11:00', '12:30')] }],
    cost: b.free(),
    pinned: true,
  })

  const growing = b.org('Growing Well Croydon', 'Therapeutic gardening and conservation volunteering for adults.', { charity: true })
  b.service(growing, {
    name: 'Growing Well Community Garden',
    description: 'Digging, planting and harvesting in a walled community garden, with tea under the apple tree. Tools and gloves provided.',
    terms: ['gardening-and-nature', 'volunteering'],
    groupSize: 'small',
    attendance: 10,
    ages: [16, null],
    intensity: 'moderate',
    newcomer: ['volunteer_buddy'],
    sites: [{ venue: ward('Woodside', 'park'), schedules: [b.weekly(['TU', 'SA'], '10:00', '13:00')] }],
    cost: b.free(),
    pinned: true,
  })

  const advice = b.org('Hearthside Advice Collective', 'Free independent advice on housing, money and work, in community venues across Croydon.', { charity: true })
  b.service(advice, {
    name: 'Hearthside Housing Advice Line',
    description: 'Phone advice on rent arrears, eviction, repairs and homelessness. Callbacks within two working days.',
    terms: ['housing', 'practical-support'],
    delivery: ['telephone'],
    groupSize: 'one_to_one',
    interpreter: true,
    ages: [18, null],
    areas: [{ kind: 'borough' }],
    schedules: [b.weekly(['MO', 'TU', 'WE', 'TH', 'FR'], '09:30', '16:30')],
    cost: b.free(),
    pinned: true,
  })
  b.service(advice, {
    name: 'New Addington Money and Benefits Clinic',
    description: 'Benefits checks, debt help and form filling by appointment.',
    terms: ['debt-and-benefits', 'practical-support'],
    groupSize: 'one_to_one',
    interpreter: true,
    ages: [18, null],
    sites: [{ venue: ward('New Addington North', 'library'), schedules: [b.byArrangement('By appointment on Tuesdays and Fridays.')] }],
    cost: b.free(),
    selfReferral: false,
  })
  b.service(advice, {
    name: 'New Addington Job Club',
    description: 'Weekly help with CVs, applications and interviews, with computers to use.',
    terms: ['employment', 'learning-and-skills'],
    groupSize: 'small',
    attendance: 8,
    ages: [16, 64],
    sites: [{ venue: ward('New Addington South', 'centre'), schedules: [b.weekly(['TU'], '10:00', '12:00')] }],
    cost: b.free(),
  })
  return advice
}

/** Language community groups: one for each non-English language the demo uses. */
function languageGroups(b: Builder): void {
  const groups: {
    org: string
    community: string
    name: string
    description: string
    ward: string
    languages: string[]
    terms: TermCode[]
    audiences: Audience[]
    gender?: GenderRestriction
    ages?: readonly [number | null, number | null]
    intensity?: PhysicalIntensity
    kind: VenueKind
    schedule: (b: Builder) => SchedDraft
  }[] = [
    { org: 'Noor Women’s Circle', community: 'Urdu-speaking women', name: 'Noor Urdu Women’s Group', description: 'A women-only group held in Urdu and English: chat, crafts, health talks and chai.', ward: 'Thornton Heath', languages: ['ur', 'en'], terms: ['social-groups', 'faith-and-culture'], audiences: ['language_community', 'women'], gender: 'women_only', kind: 'centre', schedule: (b) => b.weekly(['TH'], '10:30', '12:30') },
    { org: 'Sunrise Tamil Elders Circle', community: 'Tamil elders', name: 'Sunrise Tamil Elders Lunch', description: 'Tamil elders meet for a vegetarian lunch, songs and news from home, in Tamil.', ward: 'West Thornton', languages: ['ta', 'en'], terms: ['faith-and-culture', 'social-groups', 'food'], audiences: ['language_community'], ages: [60, null], kind: 'faith', schedule: (b) => b.weekly(['WE'], '12:00', '14:00') },
    { org: 'Polish Friends’ Café', community: 'the Polish community', name: 'Polish Friends’ Saturday Café', description: 'Coffee, cake and conversation in Polish for newcomers and long-time residents alike.', ward: 'South Norwood', languages: ['pl'], terms: ['social-groups', 'faith-and-culture'], audiences: ['language_community'], kind: 'cafe', schedule: (b) => b.weekly(['SA'], '11:00', '13:00') },
    { org: 'Hooyo Mothers’ Network', community: 'Somali-speaking mothers', name: 'Hooyo Somali Mothers and Babies', description: 'A group for Somali-speaking mums and their babies, with play, support and advice in Somali and English.', ward: 'Broad Green', languages: ['so', 'en'], terms: ['parent-and-baby', 'faith-and-culture'], audiences: ['language_community', 'new_parents', 'women'], gender: 'women_only', kind: 'family', schedule: (b) => b.weekly(['FR'], '10:00', '12:00') },
    { org: 'Sakhi Gujarati Seniors', community: 'Gujarati-speaking older people', name: 'Gujarati Seniors’ Chair Yoga', description: 'Gentle chair yoga and breathing, taught in Gujarati, followed by tea and snacks.', ward: 'Norbury & Pollards Hill', languages: ['gu', 'en'], terms: ['exercise-and-sport', 'faith-and-culture'], audiences: ['language_community'], ages: [60, null], intensity: 'light', kind: 'centre', schedule: (b) => b.weekly(['MO'], '10:00', '11:30') },
    { org: 'Sangat Lunch Club', community: 'Punjabi-speaking elders', name: 'Sangat Punjabi Lunch Club', description: 'A hot vegetarian lunch and good company for Punjabi-speaking elders. Everyone welcome.', ward: 'Fairfield', languages: ['pa', 'en'], terms: ['food', 'social-groups', 'faith-and-culture'], audiences: ['language_community'], ages: [55, null], kind: 'faith', schedule: (b) => b.weekly(['TU', 'FR'], '12:00', '14:00') },
    { org: 'Akwaaba Ghanaian Community Group', community: 'the Ghanaian community', name: 'Akwaaba Twi Speakers’ Social', description: 'Music, food and conversation in Twi for the Ghanaian community and friends.', ward: 'Thornton Heath', languages: ['tw', 'en'], terms: ['faith-and-culture', 'social-groups'], audiences: ['language_community'], kind: 'centre', schedule: (b) => b.monthly('SU', 2, '14:00', '17:00') },
    { org: 'Yoruba Elders’ Forum', community: 'Yoruba-speaking elders', name: 'Yoruba Elders’ Circle', description: 'Elders meet to share stories, proverbs and a meal, in Yoruba and English.', ward: 'South Norwood', languages: ['yo', 'en'], terms: ['faith-and-culture', 'social-groups'], audiences: ['language_community'], ages: [60, null], kind: 'centre', schedule: (b) => b.monthly('SA', -1, '13:00', '16:00') },
    { org: 'Saudade Portuguese Speakers’ Club', community: 'Portuguese speakers', name: 'Saudade Portuguese Conversation Evening', description: 'A friendly evening for Portuguese speakers from Portugal, Brazil, Angola and Madeira.', ward: 'Addiscombe West', languages: ['pt'], terms: ['social-groups', 'faith-and-culture'], audiences: ['language_community'], kind: 'cafe', schedule: (b) => b.weekly(['TH'], '19:00', '21:00') },
    { org: 'Tertulia Croydon', community: 'Spanish speakers and learners', name: 'Tertulia Spanish Conversation Group', description: 'Spanish speakers and learners meet to chat, play games and share food. All levels.', ward: 'Fairfield', languages: ['es', 'en'], terms: ['learning-and-skills', 'social-groups'], audiences: ['language_community'], ages: [18, null], kind: 'library', schedule: (b) => b.weekly(['WE'], '18:30', '20:30') },
  ]
  for (const g of groups) {
    const org = b.org(g.org, `A volunteer group run by and for ${g.community} in Croydon.`, { charity: false })
    b.service(org, {
      name: g.name,
      description: g.description,
      terms: g.terms,
      groupSize: 'small',
      attendance: b.rng.int(8, 12),
      ages: g.ages ?? [null, null],
      gender: g.gender ?? 'none',
      audiences: g.audiences,
      languages: g.languages,
      intensity: g.intensity ?? 'none',
      newcomer: ['welcome_call'],
      sites: [{ venue: b.wardVenue(g.ward, g.kind), schedules: [g.schedule(b)] }],
      cost: b.free(),
      pinned: true,
    })
  }
}

/** Young adults' social groups (central Croydon) and arts and crafts in the south (no step-free). */
function showcase(b: Builder): void {
  const young = b.org('Croydon Young Adults Network', 'Social groups for 18 to 30 year olds who want to meet new people.', { charity: true })
  const farFromNA = (pc: CroydonPostcode) => b.distanceToNewAddington(pc.lat, pc.lon) >= YOUNG_ADULT_MARGIN_METRES
  b.service(young, {
    name: 'Twenty-Somethings Social Club',
    description: 'Board games, pizza and good company for 18 to 30 year olds. Come on your own; most people do.',
    terms: ['social-groups'],
    groupSize: 'small',
    attendance: 12,
    ages: [18, 30],
    newcomer: ['volunteer_buddy'],
    sites: [{ venue: b.venue('cafe', b.postcodeInWard('Fairfield', farFromNA), { name: 'The Lantern Yard Café' }), schedules: [b.weekly(['TH'], '18:30', '21:00')] }],
    cost: b.free(),
    pinned: true,
  })
  b.service(young, {
    name: 'Young Adults’ Board Games Night',
    description: 'A relaxed games night for 18 to 25 year olds. Snacks provided.',
    terms: ['social-groups'],
    groupSize: 'large',
    attendance: 20,
    ages: [18, 25],
    newcomer: ['welcome_call'],
    sites: [{ venue: b.venue('centre', b.postcodeInWard('Broad Green', farFromNA), { name: 'West Croydon Youth and Community Hall' }), schedules: [b.weekly(['FR'], '19:00', '21:30')] }],
    cost: b.paid(2, 'Free if you are not working'),
    pinned: true,
  })

  const south = [
    { org: 'Purley Patchwork Circle', ward: 'Purley & Woodcote', desc: 'Patchwork, quilting and appliqué; a friendly circle who meet in the church hall upstairs.', terms: ['arts-and-crafts', 'social-groups'] as TermCode[] },
    { org: 'Coulsdon Watercolour Society', ward: 'Coulsdon Town', desc: 'Painting sessions and demonstrations for watercolour painters of every level.', terms: ['arts-and-crafts', 'learning-and-skills'] as TermCode[] },
    { org: 'Sanderstead Pottery Club', ward: 'Sanderstead', desc: 'Hand-building and wheel work in a small studio. Clay and firing included.', terms: ['arts-and-crafts'] as TermCode[] },
  ]
  for (const s of south) {
    const org = b.org(s.org, s.desc, { charity: false })
    b.service(org, {
      name: s.org,
      description: s.desc,
      terms: s.terms,
      groupSize: 'small',
      attendance: b.rng.int(6, 12),
      ages: [18, null],
      sites: [{ venue: b.venue('church', b.postcodeInWard(s.ward), { stepFree: false }), schedules: [b.weekly([b.rng.pick(['MO', 'TU', 'WE', 'TH'] as Weekday[])], '10:00', '12:30')] }],
      cost: b.paid(b.rng.int(3, 6), b.rng.chance(0.5) ? 'Half price for over-65s' : null),
      pinned: true,
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Ward-level fill: a community association, a church and small groups in every ward.

const ORG_PATTERNS = ['{area} Community Association', '{area} Neighbourhood Trust', '{area} Community Partnership', '{area} Together'] as const

function fillWards(b: Builder): void {
  const rng = b.rng
  const youngAdultWards = YOUNG_ADULT_WARDS as readonly string[]
  const okFor = (t: Template, v: Venue): boolean =>
    !t.youngAdults ||
    (youngAdultWards.includes(v.pc.wardName) && b.distanceToNewAddington(v.pc.lat, v.pc.lon) >= YOUNG_ADULT_MARGIN_METRES)

  for (const ward of b.wardNames()) {
    const centre = b.wardVenue(ward, 'centre')
    const library = b.wardVenue(ward, 'library')
    const church = b.wardVenue(ward, 'church')
    const extraKinds = rng.sample(['pub', 'park', 'sports', 'cafe', 'faith', 'family'] as VenueKind[], rng.int(2, 3))
    for (const k of extraKinds) b.wardVenue(ward, k)
    const local = () => b.wardVenues.get(ward) ?? []

    // Community association at the centre.
    const area = b.area(ward)
    const assoc = b.org(
      fill(rng.pick(ORG_PATTERNS), { area }),
      `A resident-led charity running ${centre.name} and activities for all ages in ${area}.`,
    )
    const centreKeys = rng.shuffle(CENTRE_TEMPLATES)
    let made = 0
    const want = rng.int(4, 7)
    for (const key of centreKeys) {
      if (made >= want) break
      const t = templateByKey(key)
      if (!okFor(t, centre)) continue
      const second = !t.youngAdults && rng.chance(0.15) ? library : undefined
      b.fromTemplate(assoc, t, centre, { extraVenue: second })
      made++
    }

    // The church.
    const churchOrg = b.org(church.name.replace(/ Hall$/, ''), `A local church whose hall is home to community groups through the week.`)
    for (const key of rng.sample(CHURCH_TEMPLATES, rng.int(1, 3))) b.fromTemplate(churchOrg, templateByKey(key), church)

    // Small independent groups.
    const groups = rng.int(2, 3)
    let placed = 0
    for (const key of rng.shuffle(GROUP_TEMPLATES)) {
      if (placed >= groups) break
      const t = templateByKey(key)
      const options = local().filter((v) => t.venues.includes(v.kind) && okFor(t, v))
      if (options.length === 0) continue
      const venue = rng.pick(options)
      // The group is named after its activity, so never "... at {venue}".
      const variant = rng.pick(t.variants.filter((v) => !v[0].includes('{venue}')))
      const area = b.area(ward)
      const name = fill(variant[0], { area, venue: venue.name })
      if (!b.serviceNameFree(name)) continue
      const city = WARD_INFO[ward]?.city ?? 'Croydon'
      const org = b.org(name, `A volunteer-run group in ${city}, meeting at ${venue.name}.`, { charity: rng.chance(0.2) })
      b.fromTemplate(org, t, venue, { variant, area })
      if (rng.chance(0.35)) {
        // A second, related activity from the same group.
        const t2 = templateByKey(rng.pick(GROUP_TEMPLATES))
        const v2 = local().filter((v) => t2.venues.includes(v.kind) && okFor(t2, v))
        if (v2.length > 0) b.fromTemplate(org, t2, rng.pick(v2))
      }
      placed++
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Finishing: freshness, status, the holes, and documents.

function finalise(b: Builder): void {
  const rng = b.rng
  const verified = (minDays: number, maxDays: number) =>
    new Date(b.now.getTime() - rng.int(minDays * 24, maxDays * 24) * 3_600_000 - rng.int(0, 3599) * 1000).toISOString()

  // Creating a listing confirms it, so none is unconfirmed. Five were listed two years ago or
  // more and never confirmed since: fixed ages that take no draws from the seed, so the
  // statuses drawn below are the seed's as they have always been.
  const listedLongAgo = (k: number) => new Date(b.now.getTime() - (730 + 61 * k) * DAY_MS).toISOString()

  for (const s of b.services.filter((x) => x.pinned)) s.confirmedAt = verified(1, 60)

  const loose = rng.shuffle(b.services.filter((x) => !x.pinned))
  const buckets: [number, (k: number) => string][] = [
    [5, listedLongAgo],
    [8, () => verified(366, 720)],
    [22, () => verified(181, 364)],
    [30, () => verified(91, 179)],
  ]
  let i = 0
  for (const [count, make] of buckets) for (let k = 0; k < count; k++) (loose[i++] as SvcDraft).confirmedAt = make(k)
  for (; i < loose.length; i++) (loose[i] as SvcDraft).confirmedAt = verified(0, 89)

  const statusOrder = rng.shuffle(b.services.filter((x) => !x.pinned))
  const statuses: [ServiceStatus, number][] = [['inactive', 4], ['temporarily closed', 4], ['defunct', 3]]
  let j = 0
  for (const [status, count] of statuses) {
    for (let k = 0; k < count; k++) {
      const s = statusOrder[j++] as SvcDraft
      s.status = status
      if (status === 'temporarily closed') {
        const until = b.daysFromNow(rng.int(30, 90))
        s.alert = `Closed until ${until.getUTCDate()} ${MONTHS[until.getUTCMonth()]} ${until.getUTCFullYear()} while the hall is repaired.`
      } else if (status === 'defunct') {
        s.alert = 'This group has stopped meeting.'
      }
    }
  }
  const capacities: [ReferralCapacity, number][] = [['waiting_list', 14], ['full', 6]]
  for (const [capacity, count] of capacities) for (let k = 0; k < count; k++) (statusOrder[j++] as SvcDraft).capacity = capacity

  // Hole (a): no arts-and-crafts at a step-free venue in the south.
  for (const s of b.services) {
    if (!s.terms.includes('arts-and-crafts')) continue
    for (const site of s.sites) {
      if (site.venue.south) {
        site.venue.features.delete('step_free')
        site.venue.features.delete('changing_place')
      }
    }
  }

  // Guards for the holes and Jane's count (these hold by construction; fail loudly if not).
  for (const s of b.services) {
    if (s.terms.includes('social-groups') && s.maxAge !== null && s.maxAge <= 30) {
      if (s.areas.length > 0) throw new Error(`${s.name}: young adults' group with a service area`)
      for (const site of s.sites) {
        if (b.distanceToNewAddington(site.venue.pc.lat, site.venue.pc.lon) < YOUNG_ADULT_MARGIN_METRES) {
          throw new Error(`${s.name}: young adults' group too close to New Addington`)
        }
      }
    }
  }
  const janes = b.services.filter((s) => s.audiences.includes('mental_health') && s.delivery.some((d) => d !== 'venue'))
  if (janes.length !== 5) throw new Error(`expected 5 non-venue mental health services, got ${janes.length}`)
}

function locationDocument(v: Venue): ServiceDocument['locations'][number] {
  return {
    name: v.name,
    description: v.description,
    latitude: v.pc.lat,
    longitude: v.pc.lon,
    transport_notes: v.transportNotes,
    address: { address_1: v.address1, address_2: v.address2, city: v.city, postal_code: v.pc.postcode },
    accessibility: [...v.features].map(([feature, details]) => ({ feature, details })),
  }
}

function scheduleDocument(d: SchedDraft, locationIndex: number | null): ServiceDocument['schedules'][number] {
  return {
    location_index: locationIndex,
    kind: d.kind,
    byday: d.byday,
    week_of_month: d.week,
    on_date: d.onDate,
    opens_at: d.opens,
    closes_at: d.closes,
    valid_from: d.validFrom,
    valid_to: d.validTo,
    description: d.description,
  }
}

function serviceDocument(b: Builder, s: SvcDraft): ServiceDocument {
  const rng = b.rng
  const first = rng.pick(FIRST_NAMES)
  const surname = rng.pick(SURNAMES)
  const title = rng.pick(['Group organiser', 'Volunteer coordinator', 'Service lead', 'Centre manager', 'Project worker'])
  const email = rng.chance(0.8) ? `${first.toLowerCase()}.${surname.toLowerCase()}@${s.org.domain}` : null
  const phones = Array.from({ length: rng.chance(0.2) ? 2 : 1 }, (_, k) => {
    const number = b.nextPhone()
    return { number, description: number.startsWith('07700') ? 'Mobile (calls and texts)' : k === 0 ? 'Main line' : 'Office' }
  })
  return {
    name: s.name,
    description: s.description,
    url: s.url,
    email: s.email,
    status: s.status,
    fees: s.fees,
    alert: s.alert,
    delivery_modes: s.delivery,
    group_size: s.groupSize,
    typical_attendance: s.attendance,
    minimum_age: s.minAge,
    maximum_age: s.maxAge,
    gender_restriction: s.gender,
    audiences: s.audiences,
    languages: s.languages,
    interpreter_available: s.interpreter,
    newcomer_support: s.newcomer,
    physical_intensity: s.intensity,
    self_referral: s.selfReferral,
    referral_capacity: s.capacity,
    taxonomy_terms: s.terms,
    locations: s.sites.map((site) => locationDocument(site.venue)),
    schedules: [
      ...s.sites.flatMap((site, i) => site.schedules.map((d) => scheduleDocument(d, i))),
      ...s.schedules.map((d) => scheduleDocument(d, null)),
    ],
    service_areas: s.areas.flatMap((a) => b.serviceAreas(a)),
    cost_options: s.costs.map((c) => ({ option: c.option, amount: c.amount, amount_description: c.amountDescription, concessions: c.concessions })),
    contacts: [{ name: `${first} ${surname}`, title, email, phones }],
  }
}

function organizationDocument(o: OrgDraft): OrganizationDocument {
  return {
    name: o.name,
    description: o.description,
    email: `hello@${o.domain}`,
    website: `https://${o.domain}`,
    charity_number: o.charityNumber,
    local_authority: CROYDON_CODE,
  }
}

function toDirectory(b: Builder): DemoDirectory {
  const services = new Map<string, DemoService[]>()
  for (const s of b.services) {
    const list = services.get(s.org.id) ?? []
    list.push({ id: s.id, document: serviceDocument(b, s), confirmed_at: s.confirmedAt })
    services.set(s.org.id, list)
  }
  return { organizations: b.orgs.map((o) => ({ id: o.id, document: organizationDocument(o), services: services.get(o.id) ?? [] })) }
}

/** Build the demo directory. Pure: the same seed and `now` always give deep-equal documents. */
export function generateDemo(options: { seed: number; now: Date }): DemoDirectory {
  if (!Number.isFinite(options.now.getTime())) throw new Error('generateDemo: invalid now')
  const b = new Builder(options.seed, options.now)
  derek(b)
  priti(b)
  jane(b)
  const advice = boroughWide(b)
  mike(b, advice)
  languageGroups(b)
  showcase(b)
  fillWards(b)
  finalise(b)
  return toDirectory(b)
}
