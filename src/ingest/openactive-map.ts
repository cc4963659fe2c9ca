/**
 * One OpenActive (Modelling Opportunity Data 2.x) item as our documents: a SessionSeries (its
 * eventSchedule, or its sessions) or a FacilityUse (its hours) at a Place becomes a listing at a
 * venue. Activities and accessibility support map through the admins' term map (OpenActive's
 * activity list is a vocabulary of its own); ages, gender restriction and prices map to our
 * typed fields. What cannot be mapped or placed is quarantined with its reasons.
 */
import { type AccessibilityFeature, type DeliveryMode, type PhysicalIntensity, WEEKDAYS, type Weekday } from '../directory/vocabulary.ts'
import { OrganizationDocumentSchema, ServiceDocumentSchema, type ServiceDocument } from '../manage/schemas.ts'
import { unstorableText } from '../plugins/text-input.ts'
import { cut } from '../problem.ts'
import { clock, str, termKey, Unusable, type MappedRecord, type MappingContext, type Reason } from './oruk-map.ts'

type Obj = Record<string, unknown>
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v])
const objects = (v: unknown): Obj[] => list(v).filter((x): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x))
const typeOf = (o: Obj) => str(o['@type']) ?? str(o.type)

/** The types of item this harvester makes listings of. */
export const LISTING_TYPES = ['SessionSeries', 'FacilityUse'] as const

const DAYS: Record<string, Weekday> = {
  monday: 'MO', tuesday: 'TU', wednesday: 'WE', thursday: 'TH', friday: 'FR', saturday: 'SA', sunday: 'SU',
}
/** "https://schema.org/Tuesday" (or "Tuesday") as TU. */
const weekday = (v: unknown) => DAYS[(str(v) ?? '').replace(/^https?:\/\/schema\.org\//, '').toLowerCase()]

const LONDON = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
/** A date-time as the UK calendar date and clock time. */
function london(iso: string): { date: string; time: string } | null {
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return null
  const p = Object.fromEntries(LONDON.formatToParts(at).map((x) => [x.type, x.value]))
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` }
}

const GENDER: Record<string, ServiceDocument['gender_restriction']> = {
  'https://openactive.io/NoRestriction': 'none',
  'https://openactive.io/MaleOnly': 'men_only',
  'https://openactive.io/FemaleOnly': 'women_only',
}

/** Concepts' keys to look up: the concept's @id, then its label. */
const conceptKeys = (c: Obj) => [str(c['@id']) ?? str(c.id), str(c.prefLabel)].filter((k): k is string => k !== null)

/**
 * Maps one RPDE item's data. `externalId` is the item's id. Throws Unusable with every reason
 * found.
 */
export async function mapOpenActive(externalId: string, data: unknown, ctx: MappingContext, today: string): Promise<MappedRecord> {
  const text = unstorableText(data, 'body')
  if (text.length > 0) throw new Unusable(text.map((e) => ({ pointer: e.pointer, reason: e.detail })))
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Unusable([{ pointer: '/data', reason: 'an updated item needs its data' }])
  const d = data as Obj
  const type = typeOf(d)
  if (!type || !(LISTING_TYPES as readonly string[]).includes(type)) {
    throw new Unusable([{ pointer: '/data/@type', reason: `a ${type ?? 'thing with no type'} is not a listing: harvest a SessionSeries or FacilityUse feed` }])
  }
  const reasons: Reason[] = []

  // Activities (and ways of taking part, accessibility) through the term map.
  const activities = new Set<string>()
  const modes = new Set<DeliveryMode>()
  const access = new Set<AccessibilityFeature>()
  const unmapped: string[] = []
  const concepts = [...objects(d.activity), ...objects(d.facilityType)]
  for (const c of concepts) {
    const scheme = str(c.inScheme) ?? 'https://openactive.io/activity-list'
    const hit = conceptKeys(c).map((k) => ctx.termMap.get(termKey(scheme, k))).find((h) => h !== undefined)
    if (hit) {
      hit.activity.forEach((a) => activities.add(a))
      hit.delivery_mode.forEach((m) => modes.add(m))
    } else unmapped.push(str(c.prefLabel) ?? conceptKeys(c)[0] ?? '?')
  }
  if (activities.size === 0) {
    reasons.push({
      pointer: '/data/activity',
      reason: unmapped.length > 0 ? `none of its activities maps to an activity type (${unmapped.slice(0, 5).join('; ')}): add a mapping, then retry` : 'it names no activity',
    })
  }
  for (const c of objects(d.accessibilitySupport)) {
    const scheme = str(c.inScheme) ?? 'https://openactive.io/accessibility-support'
    const hit = conceptKeys(c).map((k) => ctx.termMap.get(termKey(scheme, k))).find((h) => h !== undefined)
    hit?.accessibility.forEach((f) => access.add(f))
  }

  // The venue.
  const locations: ServiceDocument['locations'] = []
  const place = objects(d.location)[0]
  if (place) {
    const address = objects(place.address)[0] ?? {}
    const postcode = str(address.postalCode)
    const geo = objects(place.geo)[0] ?? {}
    let latitude = num(geo.latitude)
    let longitude = num(geo.longitude)
    if ((latitude === null || longitude === null) && postcode) {
      const placed = await ctx.place(postcode)
      latitude = placed?.latitude ?? null
      longitude = placed?.longitude ?? null
    }
    const line1 = str(address.streetAddress)
    const city = str(address.addressLocality) ?? str(address.addressRegion)
    if (latitude === null || longitude === null) {
      reasons.push({ pointer: '/data/location', reason: postcode ? `it has no coordinates and the postcode ${postcode} is not one we hold` : 'it has no coordinates and no postcode to place it by' })
    } else if (!line1 || !city || !postcode) {
      reasons.push({ pointer: '/data/location/address', reason: 'a venue needs a street address, a town and a postcode' })
    } else {
      for (const a of objects(place.amenityFeature)) if (a.value === true && typeOf(a) === 'Parking') access.add('parking')
      locations.push({
        name: str(place.name) ?? line1,
        description: cut(str(place.description) ?? '', 2000),
        latitude,
        longitude,
        transport_notes: null,
        address: { address_1: line1, address_2: null, city, postal_code: postcode.toUpperCase() },
        accessibility: [...access].sort().map((feature) => ({ feature, details: null })),
      })
      modes.add('venue')
    }
  }
  if (str(d.eventAttendanceMode)?.endsWith('OnlineEventAttendanceMode') || str(d.eventAttendanceMode)?.endsWith('MixedEventAttendanceMode')) modes.add('online_video')
  if (modes.size === 0 && reasons.length === 0) reasons.push({ pointer: '/data/location', reason: 'it has no venue and is not online' })

  // When.
  const schedules: ServiceDocument['schedules'] = []
  const at = locations.length > 0 ? 0 : null
  if (type === 'SessionSeries') {
    for (const [i, s] of objects(d.eventSchedule).entries()) {
      const days = list(s.byDay).map(weekday)
      const opens = clock(s.startTime)
      const closes = clock(s.endTime)
      if (str(s.repeatFrequency) === 'P1W' && days.length > 0 && days.every(Boolean) && opens && closes) {
        schedules.push({ location_index: at, kind: 'weekly', byday: days as Weekday[], week_of_month: null, on_date: null, opens_at: opens, closes_at: closes, valid_from: str(s.startDate), valid_to: str(s.endDate), description: null })
      } else {
        reasons.push({ pointer: `/data/eventSchedule/${i}`, reason: `a schedule repeating ${str(s.repeatFrequency) ?? 'with no frequency'} on ${list(s.byDay).length} day(s) is not one we can hold: weekly on given days with start and end times` })
      }
    }
    if (schedules.length === 0) {
      // No schedule given: its sessions still to come, as dates (at most 50).
      const sessions = objects(d.subEvent)
        .map((e) => ({ start: london(str(e.startDate) ?? ''), end: london(str(e.endDate) ?? '') }))
        .filter((e) => e.start && e.end && e.start.date >= today && e.start.date === e.end.date && e.start.time < e.end.time)
        .sort((a, b) => `${a.start!.date}${a.start!.time}`.localeCompare(`${b.start!.date}${b.start!.time}`))
        .slice(0, 50)
      for (const e of sessions) schedules.push({ location_index: at, kind: 'one_off', byday: [], week_of_month: null, on_date: e.start!.date, opens_at: e.start!.time, closes_at: e.end!.time, valid_from: null, valid_to: null, description: null })
    }
  } else {
    for (const [i, h] of objects(d.hoursAvailable).entries()) {
      const days = list(h.dayOfWeek).map(weekday)
      const opens = clock(h.opens)
      const closes = clock(h.closes)
      if (days.length > 0 && days.every(Boolean) && opens && closes && opens < closes) {
        schedules.push({ location_index: at, kind: 'weekly', byday: [...new Set(days as Weekday[])].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b)), week_of_month: null, on_date: null, opens_at: opens, closes_at: closes, valid_from: str(h.validFrom)?.slice(0, 10) ?? null, valid_to: str(h.validThrough)?.slice(0, 10) ?? null, description: null })
      } else reasons.push({ pointer: `/data/hoursAvailable/${i}`, reason: 'opening hours need days and an opening time before the closing time' })
    }
  }

  // Who may come, and what it costs.
  const age = objects(d.ageRange)[0] ?? {}
  const gender = GENDER[str(d.genderRestriction) ?? 'https://openactive.io/NoRestriction']
  if (!gender) reasons.push({ pointer: '/data/genderRestriction', reason: `${str(d.genderRestriction)} is not an OpenActive gender restriction` })
  const offers = objects(d.offers).filter((o) => num(o.price) !== null && (str(o.priceCurrency) ?? 'GBP') === 'GBP')
  const cost_options = offers.slice(0, 20).map((o) => ({ option: str(o.name) ?? 'Price', amount: num(o.price)!, amount_description: null, concessions: null }))
  const free = offers.length > 0 && offers.every((o) => num(o.price) === 0)
  const levels = list(d.level).map((l) => (str(l) ?? str((l as Obj | null)?.prefLabel) ?? '').toLowerCase())
  // Physical activity by definition: light when it says it is for beginners.
  const physical_intensity: PhysicalIntensity = levels.some((l) => l.includes('beginner')) ? 'light' : 'moderate'
  const capacities = objects(d.subEvent).map((e) => num(e.maximumAttendeeCapacity)).filter((n): n is number => n !== null)

  if (reasons.length > 0) throw new Unusable(reasons)

  const parsed = ServiceDocumentSchema.safeParse({
    name: d.name,
    description: cut(str(d.description) ?? '', 5000),
    url: str(d.url),
    status: 'active',
    fees: free ? 'Free' : null,
    delivery_modes: [...modes],
    group_size: capacities.length > 0 && Math.max(...capacities) <= 12 ? 'small' : ctx.defaultGroupSize,
    typical_attendance: null,
    minimum_age: num(age.minValue),
    maximum_age: num(age.maxValue),
    gender_restriction: gender,
    physical_intensity,
    taxonomy_terms: [...activities].sort().slice(0, 5),
    locations,
    schedules,
    cost_options,
  })
  if (!parsed.success) throw new Unusable(parsed.error.issues.slice(0, 10).map((i) => ({ pointer: `/data/${i.path.join('/')}`, reason: i.message })))

  // Who runs it: the organiser (or facility provider) when it is an organisation.
  const who = objects(d.organizer)[0] ?? objects(d.provider)[0]
  let organization: MappedRecord['organization'] = null
  if (who && typeOf(who) === 'Organization' && str(who.name)) {
    const org = OrganizationDocumentSchema.safeParse({ name: who.name, description: str(who.description) ?? '', email: str(who.email), website: str(who.url), charity_number: null, local_authority: null })
    if (!org.success) throw new Unusable(org.error.issues.slice(0, 10).map((i) => ({ pointer: `/data/organizer/${i.path.join('/')}`, reason: i.message })))
    organization = { externalId: str(who['@id']) ?? str(who.identifier) ?? `name:${str(who.name)}`, identifier: null, document: org.data }
  }
  return { externalId, organization, service: parsed.data, assuredAt: null }
}
