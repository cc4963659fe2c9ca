/**
 * Pure mapping from our rows to Open Referral UK 3.0 objects. Absent values are left out
 * (ORUK types them as plain strings), and objects we keep no id for (languages, organisation
 * identifiers) get UUIDs derived from what they describe, so a listing's ids never change.
 */
import { createHash } from 'node:crypto'
import type { AccessibilityFeature, DeliveryMode } from '../directory/vocabulary.ts'
import { WEEKDAYS } from '../directory/vocabulary.ts'
import type {
  OrukAccessibility,
  OrukAddress,
  OrukAttribute,
  OrukCostOption,
  OrukLocation,
  OrukLocationFull,
  OrukOrganization,
  OrukOrganizationFull,
  OrukOrganizationWithServices,
  OrukSchedule,
  OrukService,
  OrukServiceAtLocationFull,
  OrukServiceAtLocationListItem,
  OrukServiceFull,
  OrukServiceListItem,
  OrukServiceMinimal,
  OrukTaxonomy,
  OrukTaxonomyTerm,
} from './schemas.ts'
import type {
  AccessibilityRow,
  AddressRow,
  CostOptionRow,
  FullLocationRow,
  FullServiceRow,
  LocationRow,
  OrganizationRow,
  PageRequest,
  ScheduleRow,
  ServiceAtLocationRow,
  ServiceRow,
  TaxonomyRow,
  TermRow,
} from './store.ts'

/** Our namespace for UUID v5 ids of ORUK objects we do not store with an id. */
const ID_NAMESPACE = 'e54014ec-1cf7-430b-869d-9b67a70752e5'

/** RFC 9562 UUID version 5 (SHA-1 of namespace and name). */
export function uuidV5(name: string, namespace: string = ID_NAMESPACE): string {
  const bytes = createHash('sha1').update(Buffer.from(namespace.replaceAll('-', ''), 'hex')).update(name, 'utf8').digest().subarray(0, 16)
  bytes[6] = (bytes[6]! & 0x0f) | 0x50
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** `{ key: value }`, or nothing when the value is absent: spread it into an object. */
function opt<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

/** Sentences joined into one, or undefined when there are none. */
function sentences(...parts: (string | null | undefined)[]): string | undefined {
  const present = parts.filter((p): p is string => typeof p === 'string' && p.trim() !== '')
  return present.length > 0 ? present.join(' ') : undefined
}

export const ACCESSIBILITY_LABELS: Record<AccessibilityFeature, string> = {
  step_free: 'Step-free access',
  accessible_toilet: 'Accessible toilet',
  seating: 'Seating',
  hearing_loop: 'Hearing loop',
  bsl: 'British Sign Language (BSL)',
  quiet_space: 'Quiet space',
  changing_place: 'Changing Places toilet',
  parking: 'Parking',
  near_bus_stop: 'Near a bus stop',
}

// ---- Taxonomies -------------------------------------------------------------------------------

/**
 * How people take part (at a venue, by telephone, online, at home) is not a field of ORUK 3.0:
 * it is published as attributes under a taxonomy of our own, so a consumer (another Connector's
 * ingest) can read it. Its ids are fixed on every install.
 */
export const DELIVERY_TAXONOMY = { id: uuidV5('taxonomy/delivery_modes'), name: 'Connector ways of taking part' } as const
const DELIVERY_WORDS: Record<DeliveryMode, string> = {
  venue: 'At a venue',
  home_visit: 'Home visits',
  telephone: 'By telephone',
  online_video: 'Online (video)',
  online_text: 'Online (messages)',
}

function deliveryAttribute(serviceId: string, mode: DeliveryMode): OrukAttribute {
  const termId = uuidV5(`delivery_mode/${mode}`)
  return {
    id: uuidV5(`${serviceId}/delivery_mode/${mode}`),
    link_id: serviceId,
    taxonomy_term_id: termId,
    taxonomy_term: { id: termId, name: DELIVERY_WORDS[mode], description: DELIVERY_WORDS[mode], taxonomy: DELIVERY_TAXONOMY.name, taxonomy_id: DELIVERY_TAXONOMY.id, term: mode },
  }
}

export function orukTaxonomy(row: TaxonomyRow): OrukTaxonomy {
  return { id: row.id, name: row.name, description: row.description, ...opt('uri', row.uri), ...opt('version', row.version) }
}

export function orukTaxonomyTerm(row: TermRow): OrukTaxonomyTerm {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    ...opt('parent_id', row.parent_id),
    taxonomy: row.taxonomy_name,
    taxonomy_id: row.taxonomy_id,
    ...opt('term_uri', row.term_uri),
    term: row.name,
  }
}

// ---- Organisations ----------------------------------------------------------------------------

export function orukOrganization(row: OrganizationRow): OrukOrganization {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    ...opt('email', row.email),
    ...opt('website', row.website),
    ...opt('logo', row.logo),
  }
}

export function orukOrganizationFull(row: OrganizationRow): OrukOrganizationFull {
  return {
    ...orukOrganization(row),
    // The column holds a charity, CIO or company number without saying which register it is
    // from, so no org-id.guide scheme is claimed.
    organization_identifiers: row.charity_number
      ? [
          {
            id: uuidV5(`${row.id}/organization_identifier/charity_number`),
            organization_id: row.id,
            identifier_type: 'Registered charity or company number',
            identifier: row.charity_number,
          },
        ]
      : [],
  }
}

export function orukOrganizationWithServices(
  row: OrganizationRow,
  services: OrukOrganizationWithServices['services'],
): OrukOrganizationWithServices {
  return { ...orukOrganizationFull(row), services }
}

// ---- Locations --------------------------------------------------------------------------------

export function orukAddress(row: AddressRow): OrukAddress {
  return {
    id: row.id,
    location_id: row.location_id,
    ...opt('attention', row.attention),
    // The UK profile drops address_2; a second line is kept by appending it to the first.
    address_1: row.address_2 ? `${row.address_1}, ${row.address_2}` : row.address_1,
    city: row.city,
    ...opt('region', row.region),
    state_province: row.state_province,
    postal_code: row.postal_code,
    country: row.country,
    address_type: row.address_type,
  }
}

export function orukAccessibility(row: AccessibilityRow): OrukAccessibility {
  const label = ACCESSIBILITY_LABELS[row.feature]
  return {
    id: row.id,
    location_id: row.location_id,
    description: label,
    accessibility: label,
    ...opt('details', row.details),
    ...opt('url', row.url),
  }
}

export function orukLocation(row: LocationRow): OrukLocation {
  return {
    id: row.id,
    location_type: row.location_type,
    name: row.name,
    description: row.description,
    ...opt('latitude', row.latitude),
    ...opt('longitude', row.longitude),
  }
}

export function orukLocationFull(row: FullLocationRow): OrukLocationFull {
  return { ...orukLocation(row), addresses: row.addresses.map(orukAddress), accessibility: row.accessibility.map(orukAccessibility) }
}

// ---- Services ---------------------------------------------------------------------------------

/**
 * Our typed schedule as an iCalendar-style ORUK schedule: weekly → WEEKLY with "MO,WE";
 * monthly → MONTHLY with "2TU" or "-1FR"; one-off → valid_from = valid_to = dtstart = the
 * date; by arrangement → no recurrence, described as such (our own words go to notes).
 */
export function orukSchedule(row: ScheduleRow): OrukSchedule {
  const base = {
    id: row.id,
    ...opt('service_id', row.service_id),
    ...opt('service_at_location_id', row.service_at_location_id),
    ...opt('valid_from', row.valid_from),
    ...opt('valid_to', row.valid_to),
  }
  const times = { ...opt('opens_at', row.opens_at), ...opt('closes_at', row.closes_at) }
  const ownWords = { ...opt('description', row.description), ...opt('notes', row.notes) }
  switch (row.kind) {
    case 'weekly': {
      const days = [...row.byday].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b))
      return { ...base, freq: 'WEEKLY', interval: 1, byday: days.join(','), ...times, ...ownWords }
    }
    case 'monthly':
      return { ...base, freq: 'MONTHLY', interval: 1, byday: `${row.week_of_month}${row.byday[0]}`, ...times, ...ownWords }
    case 'one_off':
      return { ...base, valid_from: row.on_date!, valid_to: row.on_date!, dtstart: row.on_date!, ...times, ...ownWords }
    case 'by_arrangement':
      return { ...base, description: 'By arrangement', ...times, ...opt('notes', sentences(row.description, row.notes)) }
  }
}

export function orukCostOption(row: CostOptionRow): OrukCostOption {
  // ORUK has no concessions field: they are kept in the description of the amount.
  const concessions = row.concessions ? `Concessions: ${row.concessions}` : undefined
  const description = row.amount_description && concessions ? `${row.amount_description}. ${concessions}` : (row.amount_description ?? concessions)
  return {
    id: row.id,
    service_id: row.service_id,
    option: row.option,
    amount: row.amount,
    ...opt('amount_description', description),
    ...opt('valid_from', row.valid_from),
    ...opt('valid_to', row.valid_to),
  }
}

function lastModified(row: ServiceRow): string {
  return new Date(row.updated_at).toISOString()
}

export function orukServiceMinimal(row: ServiceRow): OrukServiceMinimal {
  return { id: row.id, name: row.name, status: row.status, last_modified: lastModified(row) }
}

export function orukService(row: ServiceRow): OrukService {
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    description: row.description,
    ...opt('url', row.url),
    ...opt('email', row.email),
    status: row.status,
    ...opt('fees', row.fees),
    ...opt('minimum_age', row.minimum_age),
    ...opt('maximum_age', row.maximum_age),
    ...opt('assured_date', row.assured_date),
    ...opt('alert', row.alert),
    last_modified: lastModified(row),
  }
}

export function orukServiceListItem(row: ServiceRow): OrukServiceListItem {
  return { ...orukService(row), organization: orukOrganization(row.organization) }
}

export function orukServiceAtLocation(row: ServiceAtLocationRow): OrukServiceFull['service_at_locations'][number] {
  return { id: row.id, service_id: row.service_id, location_id: row.location_id, location: orukLocationFull(row.location) }
}

export function orukServiceFull(row: FullServiceRow): OrukServiceFull {
  const attributes: OrukAttribute[] = [
    ...row.terms.map(({ id, term }) => ({ id, link_id: row.id, taxonomy_term_id: term.id, taxonomy_term: orukTaxonomyTerm(term) })),
    ...row.delivery_modes.map((m) => deliveryAttribute(row.id, m)),
  ]
  return {
    ...orukService(row),
    organization: orukOrganizationFull(row.organization),
    schedules: row.schedules.map(orukSchedule),
    service_areas: row.service_areas.map((a) => ({
      id: a.id,
      service_id: a.service_id,
      name: a.name,
      ...opt('service_area', a.service_area),
      extent: a.extent,
      extent_type: a.extent_type,
      ...opt('uri', a.uri),
    })),
    service_at_locations: row.service_at_locations.map(orukServiceAtLocation),
    languages: row.languages.map((code) => ({ id: uuidV5(`${row.id}/language/${code}`), service_id: row.id })),
    funding: [],
    cost_options: row.cost_options.map(orukCostOption),
    contacts: row.contacts.map((c) => ({ id: c.id, service_id: c.service_id, ...opt('name', c.name), ...opt('title', c.title) })),
    attributes,
  }
}

export function orukServiceAtLocationListItem(row: ServiceAtLocationRow, service: ServiceRow): OrukServiceAtLocationListItem {
  return {
    id: row.id,
    service_id: row.service_id,
    location_id: row.location_id,
    location: orukLocation(row.location),
    service: orukServiceListItem(service),
  }
}

export function orukServiceAtLocationFull(row: ServiceAtLocationRow, service: FullServiceRow): OrukServiceAtLocationFull {
  const { service_at_locations: _nestedHere, ...rest } = orukServiceFull(service)
  return { ...orukServiceAtLocation(row), service: rest }
}

// ---- Pages ------------------------------------------------------------------------------------

/** ORUK's page envelope. `size` counts the items on this page, as ORUK's Page describes it. */
export function orukPage<T>(total: number, request: PageRequest, contents: T[]) {
  const totalPages = Math.ceil(total / request.per_page)
  return {
    total_items: total,
    total_pages: totalPages,
    page_number: request.page,
    size: contents.length,
    first_page: request.page === 1,
    last_page: request.page >= totalPages,
    empty: contents.length === 0,
    contents,
  }
}
