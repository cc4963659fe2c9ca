/**
 * The benchmark directory: N services spread over England, as column arrays ready for
 * `INSERT ... SELECT FROM unnest(...)`. A pure function of (seed, size): every draw comes from
 * one pure-rand stream (the demo's Rng) consumed in service order, so batch k is the same on
 * every run. Names, descriptions, terms, group sizes, ages, schedules and costs follow the
 * Croydon demo's activity templates, so text search sees the same words (knitting, choir,
 * zumba, lunch club, darts...) in the same proportions as the demo.
 */
import { readFileSync } from 'node:fs'
import { ACCESSIBILITY_FEATURES, type Weekday } from '../../src/directory/vocabulary.ts'
import { STREETS } from '../../src/demo/places.ts'
import { Rng } from '../../src/demo/random.ts'
import { TEMPLATES, type SchedulePlan, type Template, type TimeSlot } from '../../src/demo/templates.ts'
import { ENGLISH_POSTCODE_AREAS } from './areas.ts'

export interface Outcode {
  outcode: string
  area: string
  town: string
  latitude: number
  longitude: number
}

/** The shipped outcode centroids in England's postcode areas. */
export function readEnglishOutcodes(): Outcode[] {
  const file = new URL('../../src/geo/data/uk_outcode_centroids.csv', import.meta.url)
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n')
  const cols = header!.split(',')
  const at = (name: string) => {
    const i = cols.indexOf(name)
    if (i < 0) throw new Error(`uk_outcode_centroids.csv has no ${name} column`)
    return i
  }
  const [iOut, iArea, iLat, iLon] = [at('outcode'), at('postcode_area'), at('lat'), at('lon')]
  const out: Outcode[] = []
  for (const line of lines) {
    const f = line.split(',')
    const area = f[iArea]!
    const town = ENGLISH_POSTCODE_AREAS[area]
    const latitude = Number(f[iLat])
    const longitude = Number(f[iLon])
    if (!town || !(latitude >= 49.8 && latitude <= 55.9 && longitude >= -6 && longitude <= 2)) continue
    out.push({ outcode: f[iOut]!, area, town, latitude, longitude })
  }
  return out
}

/** Column arrays of one batch, one array per column, in the order the loader's SQL unnests them. */
export interface Batch {
  organization: { idx: number[]; name: string[]; description: string[] }
  /** One location, address, service_at_location and accessibility set per service (same index). */
  location: { idx: number[]; name: string[]; latitude: number[]; longitude: number[]; address1: string[]; city: string[]; postcode: string[]; accessMask: number[] }
  service: {
    idx: number[]
    orgIdx: number[]
    name: string[]
    description: string[]
    status: string[]
    fees: (string | null)[]
    deliveryModes: string[]
    groupSize: string[]
    typicalAttendance: (number | null)[]
    minimumAge: (number | null)[]
    maximumAge: (number | null)[]
    genderRestriction: string[]
    audiences: string[]
    physicalIntensity: string[]
    selfReferral: boolean[]
    referralCapacity: string[]
    /** verified_at = load time minus this many days; null for never verified. */
    verifiedDaysAgo: (number | null)[]
  }
  schedule: { serviceIdx: number[]; kind: string[]; byday: string[]; weekOfMonth: (number | null)[]; onDateInDays: (number | null)[]; opensAt: (string | null)[]; closesAt: (string | null)[]; description: string[] }
  cost: { serviceIdx: number[]; option: string[]; amount: number[]; description: string[] }
  term: { serviceIdx: number[]; code: string[] }
}

const SLOTS: Record<TimeSlot, readonly (readonly [string, string])[]> = {
  morning: [['09:30', '11:30'], ['10:00', '12:00'], ['10:00', '11:30'], ['10:30', '12:00']],
  lunch: [['12:00', '14:00'], ['12:30', '14:00'], ['12:00', '13:30']],
  afternoon: [['13:30', '15:30'], ['14:00', '16:00'], ['13:00', '15:00'], ['14:00', '15:30']],
  evening: [['18:00', '20:00'], ['18:30', '20:30'], ['19:00', '21:00'], ['19:30', '21:30']],
  long: [['10:00', '15:00'], ['09:30', '13:00'], ['10:00', '14:00']],
}
const WEEK: readonly Weekday[] = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU']
const DAY_NAMES: Record<Weekday, string> = { MO: 'Mondays', TU: 'Tuesdays', WE: 'Wednesdays', TH: 'Thursdays', FR: 'Fridays', SA: 'Saturdays', SU: 'Sundays' }

/** How likely a venue is to have each accessibility feature (bit i of the mask = ACCESSIBILITY_FEATURES[i]). */
const FEATURE_CHANCE: Record<(typeof ACCESSIBILITY_FEATURES)[number], number> = {
  step_free: 0.6, accessible_toilet: 0.45, seating: 0.7, hearing_loop: 0.2, bsl: 0.05,
  quiet_space: 0.25, changing_place: 0.05, parking: 0.4, near_bus_stop: 0.65,
}

const SAINTS = ['Mary', 'John', 'Peter', 'Andrew', 'Michael', 'Luke', 'Mark', 'James', 'Anne', 'Margaret', 'Paul', 'George', 'Matthew', 'Barnabas', 'Alban', 'Chad']
const ORG_PATTERNS = [
  '{area} Community Association', '{area} Neighbourhood Trust', 'Friends of {area}', "St {saint}'s Church",
  '{area} Methodist Church', '{area} Good Neighbours', '{area} Community Centre', '{area} Together',
  '{area} Wellbeing CIC', '{area} Age Well', '{area} Carers Network', '{area} Village Hall Committee',
] as const
const ORG_DESCRIPTIONS = [
  'A volunteer-run charity bringing neighbours together in {town}.',
  'Runs groups, clubs and drop-ins for people of all ages across {area}.',
  'A community organisation working with local people in {town} since {year}.',
  'Local charity supporting older and isolated people in {area}.',
] as const
const VENUE_PATTERNS = [
  '{area} Community Centre', "St {saint}'s Church Hall", '{area} Library', '{area} Methodist Hall',
  '{area} Village Hall', '{street} Pavilion', '{area} Leisure Centre', '{street} Family Hub', 'The {street} Rooms',
] as const
const EXTRA_SENTENCES = [
  'Tea and biscuits provided.', 'Bring a friend if you like.', 'Wheelchair users welcome.', 'No need to book.',
  'Please ring ahead the first time.', 'Everyone welcome, whatever your experience.', 'Free parking nearby.',
  'A volunteer will meet you at the door.', 'Run by local volunteers.', 'Large-print materials available.',
  'We meet all year round except bank holidays.', 'Refreshments included.', 'Carers come free.',
] as const
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ'

function fill(pattern: string, vars: Record<string, string>): string {
  return pattern.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? '')
}

/** A point within `km` of (lat, lon), uniform over the disc. */
function jitter(rng: Rng, lat: number, lon: number, km: number): [number, number] {
  const r = km * Math.sqrt(rng.int(0, 1_000_000) / 1_000_000)
  const theta = (rng.int(0, 1_000_000) / 1_000_000) * 2 * Math.PI
  const dLat = (r * Math.cos(theta)) / 111.32
  const dLon = (r * Math.sin(theta)) / (111.32 * Math.cos((lat * Math.PI) / 180))
  return [Math.round((lat + dLat) * 1e6) / 1e6, Math.round((lon + dLon) * 1e6) / 1e6]
}

function emptyBatch(): Batch {
  return {
    organization: { idx: [], name: [], description: [] },
    location: { idx: [], name: [], latitude: [], longitude: [], address1: [], city: [], postcode: [], accessMask: [] },
    service: {
      idx: [], orgIdx: [], name: [], description: [], status: [], fees: [], deliveryModes: [], groupSize: [],
      typicalAttendance: [], minimumAge: [], maximumAge: [], genderRestriction: [], audiences: [],
      physicalIntensity: [], selfReferral: [], referralCapacity: [], verifiedDaysAgo: [],
    },
    schedule: { serviceIdx: [], kind: [], byday: [], weekOfMonth: [], onDateInDays: [], opensAt: [], closesAt: [], description: [] },
    cost: { serviceIdx: [], option: [], amount: [], description: [] },
    term: { serviceIdx: [], code: [] },
  }
}

interface Org {
  idx: number
  outcode: Outcode
  area: string
  remaining: number
}

/**
 * Generates the directory in batches of `batchSize` services. Organisations run 1-7 services
 * (4 on average) in one postcode district; each service has its own venue within 3 km of the
 * district's centre. Every batch carries its own organisations.
 */
export function* generateDirectory(opts: { seed: number; size: number; batchSize: number }): Generator<Batch> {
  const rng = new Rng(opts.seed)
  const outcodes = readEnglishOutcodes()
  const streetWords = STREETS.map((s) => s.split(' ')[0]!.replace(/[’']s$/, ''))
  let org: Org | undefined
  let orgCount = 0
  let batch = emptyBatch()

  const newOrg = (): Org => {
    const outcode = rng.pick(outcodes)
    const area = rng.chance(0.5) ? outcode.town : rng.pick(streetWords)
    const o: Org = { idx: orgCount++, outcode, area, remaining: rng.int(1, 7) }
    const vars = { area, town: outcode.town, saint: rng.pick(SAINTS), year: String(rng.int(1950, 2022)) }
    batch.organization.idx.push(o.idx)
    batch.organization.name.push(fill(rng.pick(ORG_PATTERNS), vars))
    batch.organization.description.push(fill(rng.pick(ORG_DESCRIPTIONS), vars))
    return o
  }

  for (let i = 0; i < opts.size; i++) {
    if (!org || org.remaining === 0) org = newOrg()
    org.remaining--
    const t: Template = rng.pick(TEMPLATES)
    const street = rng.pick(STREETS)
    const vars = { area: rng.chance(0.6) ? org.area : rng.pick(streetWords), town: org.outcode.town, saint: rng.pick(SAINTS), street: rng.pick(streetWords) }
    const venue = fill(rng.pick(VENUE_PATTERNS), vars)
    const [nameTpl, descTpl] = rng.pick(t.variants)

    // The venue.
    const [lat, lon] = jitter(rng, org.outcode.latitude, org.outcode.longitude, 3)
    let mask = 0
    ACCESSIBILITY_FEATURES.forEach((f, bit) => {
      if (rng.chance(FEATURE_CHANCE[f])) mask |= 1 << bit
    })
    const L = batch.location
    L.idx.push(i)
    L.name.push(venue)
    L.latitude.push(lat)
    L.longitude.push(lon)
    L.address1.push(`${rng.int(1, 240)} ${street}`)
    L.city.push(org.outcode.town)
    L.postcode.push(`${org.outcode.outcode} ${rng.int(1, 9)}${rng.pick([...INWARD_LETTERS])}${rng.pick([...INWARD_LETTERS])}`)
    L.accessMask.push(mask)

    // The service.
    const S = batch.service
    const ages = t.ages ? rng.pick(t.ages) : [null, null]
    const [attMin, attMax] = t.attendance ?? [4, 12]
    const delivery = new Set(['venue', ...(t.delivery ?? [])])
    const roll = rng.int(0, 99)
    S.idx.push(i)
    S.orgIdx.push(org.idx)
    S.name.push(fill(nameTpl, { area: vars.area, venue }))
    S.description.push(`${fill(descTpl, { area: vars.area, venue })} Meets at ${venue}, ${org.outcode.town}. ${rng.pick(EXTRA_SENTENCES)}`)
    S.status.push(roll < 95 ? 'active' : roll < 97 ? 'inactive' : roll < 99 ? 'temporarily closed' : 'defunct')
    S.deliveryModes.push([...delivery].join(','))
    const groupSize = rng.pick(t.groupSizes)
    S.groupSize.push(groupSize)
    S.typicalAttendance.push(groupSize === 'one_to_one' ? 1 : rng.int(attMin, attMax))
    S.minimumAge.push(ages[0] ?? null)
    S.maximumAge.push(ages[1] ?? null)
    S.genderRestriction.push(t.gender ?? 'none')
    S.audiences.push(t.audiences && t.audiences.length > 0 && rng.chance(0.7) ? rng.pick(t.audiences) : '')
    S.physicalIntensity.push(rng.pick(t.intensity))
    S.selfReferral.push(rng.chance(t.selfReferral ?? 0.92))
    const cap = rng.int(0, 99)
    S.referralCapacity.push(cap < 85 ? 'open' : cap < 95 ? 'waiting_list' : 'full')
    S.verifiedDaysAgo.push(rng.chance(0.02) ? null : rng.int(0, 400 * 24) / 24)

    // Its activity types: the template's first one or two.
    for (const code of t.terms.slice(0, rng.chance(0.7) ? 2 : 1)) {
      batch.term.serviceIdx.push(i)
      batch.term.code.push(code)
    }

    // When it runs, at its venue.
    schedule(rng, batch, i, rng.pick(t.schedules))

    // What it costs: the template's plan ('free' is no cost_option at all), thinned so about
    // 30% of services have a cost option, as the benchmark's brief asks.
    const plan = rng.pick(t.cost)
    const cost = plan !== 'free' && rng.chance(0.28) ? 'free' : plan
    if (cost === 'donation') {
      batch.cost.serviceIdx.push(i)
      batch.cost.option.push('Donation')
      batch.cost.amount.push(0)
      batch.cost.description.push('Free; donations welcome')
      S.fees.push('Free (donations welcome)')
    } else if (cost !== 'free') {
      const amount = cost[0] + rng.int(0, Math.round((cost[1] - cost[0]) * 2)) / 2
      batch.cost.serviceIdx.push(i)
      batch.cost.option.push('Per session')
      batch.cost.amount.push(amount)
      batch.cost.description.push(`£${amount.toFixed(2)} per session`)
      S.fees.push(`£${amount.toFixed(2)} per session`)
    } else {
      S.fees.push(rng.chance(0.5) ? 'Free' : null)
    }

    if (S.idx.length === opts.batchSize) {
      yield batch
      batch = emptyBatch()
      // Batches load concurrently: an organisation never spans two, so its row is always in
      // the same transaction as its services when their search documents are built.
      org = undefined
    }
  }
  if (batch.service.idx.length > 0) yield batch
}

function schedule(rng: Rng, batch: Batch, serviceIdx: number, plan: SchedulePlan): void {
  const C = batch.schedule
  C.serviceIdx.push(serviceIdx)
  C.kind.push(plan.kind)
  if (plan.kind === 'by_arrangement') {
    C.byday.push('')
    C.weekOfMonth.push(null)
    C.onDateInDays.push(null)
    C.opensAt.push(null)
    C.closesAt.push(null)
    C.description.push('By appointment; ring to book a time.')
    return
  }
  const pool: readonly Weekday[] =
    plan.days === 'weekday' ? WEEK.slice(0, 5) : plan.days === 'weekend' ? ['SA', 'SU'] : plan.days === 'sunday' ? ['SU'] : WEEK
  const [opens, closes] = rng.pick(SLOTS[plan.times])
  const perWeek = plan.kind === 'weekly' ? Math.min(plan.perWeek ?? 1, pool.length) : 1
  const days = rng.sample(pool, plan.kind === 'one_off' ? 0 : perWeek).sort((a, b) => WEEK.indexOf(a) - WEEK.indexOf(b))
  C.byday.push(days.join(','))
  C.weekOfMonth.push(plan.kind === 'monthly' ? rng.pick([1, 2, 3, 4, -1]) : null)
  C.onDateInDays.push(plan.kind === 'one_off' ? rng.int(14, 42) : null)
  C.opensAt.push(opens)
  C.closesAt.push(closes)
  C.description.push(
    plan.kind === 'one_off' ? `One-off, ${opens} to ${closes}` : `${days.map((d) => DAY_NAMES[d]).join(' and ')}, ${opens} to ${closes}`,
  )
}
