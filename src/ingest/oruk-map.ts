/**
 * One Open Referral UK 3.0 service (full) as our documents: its organisation and its listing.
 * The inverse of `src/oruk/map.ts` for what ORUK carries; what it does not carry (group size,
 * languages, how a listing with no venue is delivered) comes from the source's settings or from
 * its terms through the admins' term map. A record that cannot be mapped or placed comes back
 * with its reasons, to be quarantined, never guessed.
 */
import type { Queryable } from '../db/db.ts'
import { ACCESSIBILITY_FEATURES, DELIVERY_MODES, type AccessibilityFeature, type DeliveryMode, type GroupSize, WEEKDAYS, type Weekday } from '../directory/vocabulary.ts'
import { parsePostcode } from '../geo/postcode.ts'
import { ENGLAND } from '../geo/boundaries.ts'
import { OrganizationDocumentSchema, ServiceDocumentSchema, type OrganizationDocument, type ServiceDocument } from '../manage/schemas.ts'
import { ACCESSIBILITY_LABELS, DELIVERY_TAXONOMY } from '../oruk/map.ts'
import { validate } from '../oruk/validate.ts'
import { unstorableText } from '../plugins/text-input.ts'

/** Why a record was not used: where in it (a JSON Pointer) and what is wrong, in plain words. */
export interface Reason {
  pointer: string
  reason: string
}

export class Unusable extends Error {
  constructor(readonly reasons: Reason[]) {
    super(reasons.map((r) => `${r.pointer}: ${r.reason}`).join('; '))
    this.name = 'Unusable'
  }
}

/** What the mapping reads from the database once per run. */
export interface MappingContext {
  /** Our activity types: term id → code. */
  ourTerms: Map<string, string>
  /** The admins' map: `${scheme}\n${external}` (both lower case) → values per field. */
  termMap: Map<string, TermValues>
  /** Boundaries we hold: code → kind. */
  boundaries: Map<string, string>
  remoteDeliveryModes: DeliveryMode[]
  defaultGroupSize: GroupSize
  /** Coordinates of a full postcode we hold, or undefined. */
  place(postcode: string): Promise<{ latitude: number; longitude: number } | undefined>
}

export interface TermValues {
  activity: string[]
  delivery_mode: DeliveryMode[]
  accessibility: AccessibilityFeature[]
}

export const termKey = (scheme: string, external: string) => `${scheme.trim().toLowerCase()}\n${external.trim().toLowerCase()}`

export async function loadMappingContext(db: Queryable, source: { remote_delivery_modes: DeliveryMode[]; default_group_size: GroupSize }): Promise<MappingContext> {
  const { rows: terms } = await db.query<{ id: string; code: string }>('SELECT id, code FROM taxonomy_term')
  const { rows: map } = await db.query<{ scheme: string; external: string; field: keyof TermValues; value: string }>('SELECT scheme, external, field, value FROM ingest_term_map')
  const { rows: boundaries } = await db.query<{ code: string; kind: string }>(`SELECT code, kind FROM boundary WHERE kind IN ('country', 'local_authority', 'ward')`)
  const termMap = new Map<string, TermValues>()
  for (const m of map) {
    const key = termKey(m.scheme, m.external)
    const entry = termMap.get(key) ?? { activity: [], delivery_mode: [], accessibility: [] }
    ;(entry[m.field] as string[]).push(m.value)
    termMap.set(key, entry)
  }
  return {
    ourTerms: new Map(terms.map((t) => [t.id, t.code])),
    termMap,
    boundaries: new Map(boundaries.map((b) => [b.code, b.kind])),
    remoteDeliveryModes: source.remote_delivery_modes,
    defaultGroupSize: source.default_group_size,
    async place(postcode) {
      const parsed = parsePostcode(postcode)
      if (parsed?.kind !== 'postcode') return undefined
      const { rows } = await db.query<{ latitude: number; longitude: number }>('SELECT latitude, longitude FROM postcode WHERE postcode = $1', [parsed.postcode])
      return rows[0]
    },
  }
}

// ---- The ORUK shapes we read (loosely typed: a feed is validated, not trusted) -----------------

type Obj = Record<string, unknown>
export const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null)
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null)
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x): x is Obj => x !== null && typeof x === 'object') : [])

/** A service record carries its children: a list that gives only summaries does not. */
export function isFullService(record: unknown): boolean {
  return record !== null && typeof record === 'object' && Array.isArray((record as Obj).service_at_locations) && Array.isArray((record as Obj).schedules)
}

const ONS_CODE = /statistical-geography\/([EWSN]\d{8})$/
const RADIUS_NAME = /^within (\d+(?:\.\d)?) km of (.+)$/
const ORUK_DAYS: Record<string, Weekday> = Object.fromEntries(WEEKDAYS.map((d) => [d, d]))
const FEATURE_BY_LABEL = new Map<string, AccessibilityFeature>(
  ACCESSIBILITY_FEATURES.flatMap((f) => [[ACCESSIBILITY_LABELS[f].toLowerCase(), f] as [string, AccessibilityFeature], [f.replaceAll('_', ' '), f] as [string, AccessibilityFeature]]),
)

export interface MappedRecord {
  externalId: string
  organization: { externalId: string; identifier: string | null; document: OrganizationDocument } | null
  service: ServiceDocument
  /** The feed's own date for when the listing was last checked, as verified_at. */
  assuredAt: Date | null
}

/** "HH:MM" from "HH:MM" or "HH:MM:SS". */
export const clock = (v: unknown) => {
  const s = str(v)
  return s && /^\d{2}:\d{2}(:\d{2})?$/.test(s) ? s.slice(0, 5) : null
}

/** Splits our own "description. Concessions: …" back into its parts (other feeds have no concessions). */
function costDescription(text: string | null): { amount_description: string | null; concessions: string | null } {
  if (!text) return { amount_description: null, concessions: null }
  const m = /^(?:(.*)\. )?Concessions: (.*)$/s.exec(text)
  return m ? { amount_description: m[1] ?? null, concessions: m[2]! } : { amount_description: text, concessions: null }
}

/**
 * Maps one record. Throws Unusable with every reason found (schema, text, terms, places,
 * schedules, and our own document rules).
 */
export async function mapOrukService(record: unknown, ctx: MappingContext): Promise<MappedRecord> {
  const reasons: Reason[] = []
  const text = unstorableText(record, 'body')
  if (text.length > 0) throw new Unusable(text.map((e) => ({ pointer: e.pointer, reason: e.detail })))
  const schemaErrors = validate('service', record)
  if (schemaErrors.length > 0) {
    throw new Unusable(
      schemaErrors.slice(0, 10).map((e) => ({ pointer: e.instancePath || '/', reason: `does not meet ORUK 3.0: ${e.message ?? 'invalid'}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}` })),
    )
  }
  const s = record as Obj
  const externalId = String(s.id)

  // Activity types and ways of taking part, from its attributes' terms.
  const activities = new Set<string>()
  const modes = new Set<DeliveryMode>()
  const unmapped: string[] = []
  for (const a of arr(s.attributes)) {
    const term = (a.taxonomy_term ?? {}) as Obj
    const termId = str(a.taxonomy_term_id) ?? str(term.id)
    const ours = termId ? ctx.ourTerms.get(termId) : undefined
    if (ours) {
      activities.add(ours)
      continue
    }
    if (str(term.taxonomy_id) === DELIVERY_TAXONOMY.id && (DELIVERY_MODES as readonly unknown[]).includes(term.term)) {
      if (term.term !== 'venue') modes.add(term.term as DeliveryMode)
      continue
    }
    const scheme = str(term.taxonomy) ?? str(term.taxonomy_id) ?? 'unknown'
    const keys = [str(term.term_uri), str(term.term), str(term.name), termId].filter((k): k is string => k !== null)
    const hit = keys.map((k) => ctx.termMap.get(termKey(scheme, k))).find((h) => h !== undefined)
    if (hit) {
      hit.activity.forEach((c) => activities.add(c))
      hit.delivery_mode.forEach((m) => modes.add(m))
    } else unmapped.push(`${scheme}: ${str(term.name) ?? keys[0] ?? '?'}`)
  }
  if (activities.size === 0) {
    reasons.push({
      pointer: '/attributes',
      reason: unmapped.length > 0 ? `none of its terms maps to an activity type (${unmapped.slice(0, 5).join('; ')}): add a mapping, then retry` : 'it has no terms to tell what kind of activity it is',
    })
  }

  // Venues: physical locations with an address; coordinates from the feed or the postcode.
  const sals = arr(s.service_at_locations)
  const salIndex = new Map<string, number>()
  const locations: ServiceDocument['locations'] = []
  for (const [i, sal] of sals.entries()) {
    const l = (sal.location ?? {}) as Obj
    const at = `/service_at_locations/${i}/location`
    if (l.location_type === 'virtual') {
      modes.add('online_video')
      continue
    }
    if (l.location_type === 'postal') continue
    const address = arr(l.addresses).find((a) => a.address_type !== 'postal') ?? arr(l.addresses)[0]
    const postcode = str(address?.postal_code)
    let latitude = num(l.latitude)
    let longitude = num(l.longitude)
    if ((latitude === null || longitude === null) && postcode) {
      const placed = await ctx.place(postcode)
      latitude = placed?.latitude ?? null
      longitude = placed?.longitude ?? null
    }
    if (latitude === null || longitude === null) {
      reasons.push({ pointer: at, reason: postcode ? `it has no coordinates and the postcode ${postcode} is not one we hold` : 'it has no coordinates and no postcode to place it by' })
      continue
    }
    if (!address || !str(address.address_1) || !str(address.city) || !postcode) {
      reasons.push({ pointer: `${at}/addresses`, reason: 'a venue needs an address with a first line, a town and a postcode' })
      continue
    }
    const accessibility: ServiceDocument['locations'][number]['accessibility'] = []
    for (const x of arr(l.accessibility)) {
      const feature = FEATURE_BY_LABEL.get((str(x.accessibility) ?? str(x.description) ?? '').toLowerCase())
      if (feature && !accessibility.some((y) => y.feature === feature)) accessibility.push({ feature, details: str(x.details) })
    }
    salIndex.set(String(sal.id), locations.length)
    locations.push({
      name: str(l.name) ?? str(address.address_1)!,
      description: str(l.description) ?? '',
      latitude,
      longitude,
      transport_notes: null,
      address: { address_1: str(address.address_1)!, address_2: null, city: str(address.city)!, postal_code: postcode.toUpperCase() },
      accessibility: accessibility.sort((a, b) => a.feature.localeCompare(b.feature)),
    })
  }
  if (locations.length > 0) modes.add('venue')
  if (!['home_visit', 'telephone', 'online_video', 'online_text'].some((m) => modes.has(m as DeliveryMode))) {
    if (locations.length === 0 && ctx.remoteDeliveryModes.length === 0 && reasons.length === 0) {
      reasons.push({ pointer: '/service_at_locations', reason: 'it has no venue and nothing says how people take part (telephone, online, home visits): map one of its terms to a way of taking part, or set the source’s remote delivery' })
    }
    if (locations.length === 0) ctx.remoteDeliveryModes.forEach((m) => modes.add(m))
  }

  // Schedules.
  const schedules: ServiceDocument['schedules'] = []
  for (const [i, x] of arr(s.schedules).entries()) {
    const at = `/schedules/${i}`
    const salId = str(x.service_at_location_id)
    const location_index = salId === null ? null : (salIndex.get(salId) ?? null)
    if (salId !== null && location_index === null && sals.some((sal) => String(sal.id) === salId)) continue // at a venue not used (virtual)
    const base = { location_index, opens_at: clock(x.opens_at), closes_at: clock(x.closes_at), valid_from: str(x.valid_from), valid_to: str(x.valid_to), description: str(x.description) ?? str(x.notes) }
    const freq = str(x.freq)?.toUpperCase() ?? null
    const interval = num(x.interval) ?? 1
    const byday = (str(x.byday) ?? '').toUpperCase().split(',').map((d) => d.trim()).filter(Boolean)
    if (freq === 'WEEKLY' && interval === 1 && byday.length > 0 && byday.every((d) => ORUK_DAYS[d])) {
      schedules.push({ ...base, kind: 'weekly', byday: byday as Weekday[], week_of_month: null, on_date: null })
    } else if (freq === 'MONTHLY' && interval === 1 && byday.length === 1 && /^(-1|[1-4])(MO|TU|WE|TH|FR|SA|SU)$/.test(byday[0]!)) {
      const m = /^(-1|[1-4])(\w\w)$/.exec(byday[0]!)!
      schedules.push({ ...base, kind: 'monthly', byday: [m[2] as Weekday], week_of_month: Number(m[1]) as 1 | 2 | 3 | 4 | -1, on_date: null })
    } else if (freq === null && base.valid_from !== null && base.valid_from === base.valid_to && base.opens_at) {
      schedules.push({ ...base, kind: 'one_off', byday: [], week_of_month: null, on_date: base.valid_from, valid_from: null, valid_to: null })
    } else if (freq === null && !x.byday && !x.dtstart) {
      const words = str(x.notes) ?? (str(x.description)?.toLowerCase() === 'by arrangement' ? null : str(x.description))
      schedules.push({ ...base, kind: 'by_arrangement', byday: [], week_of_month: null, on_date: null, opens_at: null, closes_at: null, description: words })
    } else {
      reasons.push({ pointer: at, reason: `a ${freq?.toLowerCase() ?? 'dated'} schedule${interval !== 1 ? ` every ${interval}` : ''} (${str(x.byday) ?? 'no days'}) is not one we can hold: weekly, monthly on one day, one date, or by arrangement` })
    }
  }

  // Where its remote offer is available.
  const service_areas: ServiceDocument['service_areas'] = []
  const remote = [...modes].some((m) => m !== 'venue')
  for (const [i, a] of (remote ? arr(s.service_areas) : []).entries()) {
    const code = ONS_CODE.exec(str(a.uri) ?? '')?.[1]
    const kind = code ? ctx.boundaries.get(code) : undefined
    const name = str(a.name)
    const radius = name ? RADIUS_NAME.exec(name) : null
    const venue = radius ? locations.findIndex((l) => l.name === radius[2]) : -1
    if (code === ENGLAND || kind === 'country') service_areas.push({ kind: 'england' })
    else if (code && (kind === 'local_authority' || kind === 'ward')) service_areas.push({ kind, code })
    else if (radius && venue >= 0) service_areas.push({ kind: 'radius', km: Number(radius[1]), location_index: venue })
    else {
      let geojson: unknown
      try {
        geojson = str(a.extent) ? JSON.parse(String(a.extent)) : undefined
      } catch {
        geojson = undefined
      }
      if (geojson && name) service_areas.push({ kind: 'geometry', name, geojson: geojson as never })
      else reasons.push({ pointer: `/service_areas/${i}`, reason: code ? `the area ${code} is not one we hold, and it has no outline` : 'an area needs an ONS code we hold, or a name and a GeoJSON outline' })
    }
  }

  const costs: ServiceDocument['cost_options'] = []
  for (const [i, c] of arr(s.cost_options).entries()) {
    const amount = num(c.amount)
    if (amount === null) reasons.push({ pointer: `/cost_options/${i}/amount`, reason: 'a cost needs an amount (0 for free)' })
    else costs.push({ option: str(c.option) ?? 'Cost', amount, ...costDescription(str(c.amount_description)) })
  }

  if (reasons.length > 0) throw new Unusable(reasons)

  const candidate = {
    name: s.name,
    description: str(s.description) ?? '',
    url: str(s.url),
    email: str(s.email),
    status: s.status,
    fees: str(s.fees),
    alert: str(s.alert),
    delivery_modes: DELIVERY_MODES.filter((m) => modes.has(m)),
    group_size: ctx.defaultGroupSize,
    minimum_age: num(s.minimum_age),
    maximum_age: num(s.maximum_age),
    taxonomy_terms: [...activities].sort().slice(0, 5),
    locations,
    schedules,
    service_areas,
    cost_options: costs,
    contacts: arr(s.contacts).map((c) => ({ name: str(c.name), title: str(c.title) })),
  }
  const parsed = ServiceDocumentSchema.safeParse(candidate)
  if (!parsed.success) throw new Unusable(parsed.error.issues.slice(0, 10).map((i) => ({ pointer: `/${i.path.join('/')}`, reason: i.message })))

  let organization: MappedRecord['organization'] = null
  const o = s.organization as Obj | undefined
  if (o && typeof o === 'object') {
    const identifier = str(arr(o.organization_identifiers)[0]?.identifier)
    const org = OrganizationDocumentSchema.safeParse({
      name: o.name,
      description: str(o.description) ?? '',
      email: str(o.email),
      website: str(o.website),
      charity_number: identifier,
      local_authority: null,
    })
    if (!org.success) throw new Unusable(org.error.issues.slice(0, 10).map((i) => ({ pointer: `/organization/${i.path.join('/')}`, reason: i.message })))
    organization = { externalId: String(o.id ?? s.organization_id), identifier, document: org.data }
  }
  const assured = str(s.assured_date)
  return { externalId, organization, service: parsed.data, assuredAt: assured && /^\d{4}-\d{2}-\d{2}$/.test(assured) ? new Date(`${assured}T12:00:00Z`) : null }
}
