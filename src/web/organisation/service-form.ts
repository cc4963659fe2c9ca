/**
 * Editors' listing forms: one long page covering every field of a service's editable document,
 * to change a listing (PUT with the version read, as If-Match) or to add one to an organisation.
 * Repeating groups (venues, schedules, costs, contacts and their phones) work without JavaScript:
 * every item is shown, plus one empty "add another"; an item left empty is dropped, and an item
 * whose "Remove" box is ticked is left out. Field names carry indices (`locations[0][name]`),
 * which `nestForm` turns back into a tree.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { listTaxonomyTerms } from '../../directory/store.ts'
import { ACCESSIBILITY_FEATURES, DELIVERY_MODES, WEEKDAYS } from '../../directory/vocabulary.ts'
import type { Queryable } from '../../db/db.ts'
import { locatePostcode } from '../../geo/locate.ts'
import { normalisePostcode } from '../../geo/postcode.ts'
import { ServiceAreaDocumentSchema, ServiceDocumentSchema, type OrganizationDocument, type ServiceAreaDocument, type ServiceDocument } from '../../manage/schemas.ts'
import { Invalid, type FieldError } from '../../problem.ts'
import { callApi, fieldProblems, formErrors, formList, formText, idOr404, maxLengthAt, readForm, type FieldProblem } from '../api.ts'
import { areaName } from '../../directory/area-words.ts'
import { choices, label, LABELS } from '../labels.ts'
import { doneAt, organisationHome } from './organisation.ts'
import { places, wardGroups, type Places } from '../places.ts'
import { whenText } from '../present.ts'
import { ManagedByFeed, managingSource } from '../../ingest/routes.ts'

// ---------------------------------------------------------------------------------------------
// The form parser: flat url-encoded keys into a tree.

/** A parsed form: text, a list of texts (ticked boxes), or named parts. */
export type FormNode = string | string[] | FormTree
export interface FormTree {
  [key: string]: FormNode
}

// Segments that would reach an object's prototype are never used as keys.
const UNSAFE = new Set(['__proto__', 'prototype', 'constructor'])

/** The path a field name stands for: `a[0][b]`, `a.0.b` and `a[0].b` are all ['a', '0', 'b']. */
export function fieldPath(name: string): string[] {
  return name.replace(/\]/g, '').split(/[.[]/).filter((s) => s !== '')
}

/**
 * Turns @fastify/formbody's flat keys into a tree: `locations[0][name]=Hall` becomes
 * `{ locations: { 0: { name: 'Hall' } } }` (indices stay keys, so each item keeps the index its
 * fields were named with). A key that clashes with another (both text and parts) is ignored.
 */
export function nestForm(flat: Record<string, unknown>): FormTree {
  const root: FormTree = Object.create(null) as FormTree
  for (const [name, raw] of Object.entries(flat)) {
    const path = fieldPath(name)
    if (path.length === 0 || path.some((s) => UNSAFE.has(s))) continue
    const value: string | string[] = Array.isArray(raw) ? raw.map(String) : String(raw ?? '')
    let node = root
    let clash = false
    for (const segment of path.slice(0, -1)) {
      const next = node[segment]
      if (next === undefined) node = node[segment] = Object.create(null) as FormTree
      else if (typeof next === 'object' && !Array.isArray(next)) node = next
      else {
        clash = true
        break
      }
    }
    const leaf = path[path.length - 1]!
    if (clash || (node[leaf] !== undefined && typeof node[leaf] === 'object' && !Array.isArray(node[leaf]))) continue
    node[leaf] = value
  }
  return root
}

/** The items of a repeating group, by the index they were named with, in order. */
export function formItems(node: FormNode | undefined): Array<{ index: number; item: FormTree }> {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return []
  return Object.entries(node)
    .filter(([k, v]) => /^\d{1,3}$/.test(k) && typeof v === 'object' && !Array.isArray(v))
    .map(([k, v]) => ({ index: Number(k), item: v as FormTree }))
    .sort((a, b) => a.index - b.index)
}

/** Fields that say what an item is, not what the person typed: they do not make an item non-empty. */
const CONTROL_FIELDS = new Set(['id', 'remove'])

/** Has the person typed or chosen anything in this item (its nested items included)? */
export function isBlank(node: FormNode | undefined): boolean {
  if (node === undefined) return true
  if (typeof node === 'string') return node.trim() === ''
  if (Array.isArray(node)) return node.every((v) => v.trim() === '')
  return Object.entries(node).every(([k, v]) => CONTROL_FIELDS.has(k) || isBlank(v))
}

/** The items a person filled in (blank ones dropped), each marked whether it is to be removed. */
export function keptItems(node: FormNode | undefined): Array<{ index: number; item: FormTree; removed: boolean }> {
  return formItems(node)
    .filter(({ item }) => !isBlank(item))
    .map(({ index, item }) => ({ index, item, removed: str(item.remove) !== '' }))
}

// The shared readers, except that a group of fields (named parts) is never read as text.
const isTree = (v: FormNode | undefined): v is FormTree => typeof v === 'object' && !Array.isArray(v)
const str = (v: FormNode | undefined): string => (isTree(v) ? '' : formText(v))
const list = (v: FormNode | undefined): string[] => (isTree(v) ? [] : formList(v).map((x) => x.trim()).filter((x) => x !== ''))
const orNull = (v: FormNode | undefined): string | null => str(v) || null

/** Commas only as thousands separators: "1,000" or "12,500.50" (never "2,50"). */
const THOUSANDS = /^-?\d{1,3}(,\d{3})+(\.\d+)?$/

/** A number typed as a number ("£1,250.50" too); other text, like "2,50", is passed on for the schema to refuse. */
export function numberOr(v: FormNode | undefined): number | string | null {
  let s = str(v).replace(/^£\s*/, '')
  if (s === '') return null
  if (THOUSANDS.test(s)) s = s.replace(/,/g, '')
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s
}

/** "9:30", "09.30" or "9" as "09:30" / "09:00"; anything else as typed. */
export function normaliseTime(v: string): string {
  const m = /^(\d{1,2})(?:[:.](\d{2}))?$/.exec(v.trim())
  return m ? `${m[1]!.padStart(2, '0')}:${m[2] ?? '00'}` : v.trim()
}

/** How a date is asked for (the hints on the page give the same example). */
const REAL_DATE = 'Enter a real date, like 27/3/2027'

/** A stored "2027-03-27" as the page asks for dates: "27/3/2027". */
export function ukDate(iso: string | null): string {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso) : null
  return m ? `${Number(m[3])}/${Number(m[2])}/${m[1]}` : (iso ?? '')
}

/** "2027-03-27" or "27/3/2027" as "2027-03-27"; undefined when it is not a real date. */
export function normaliseDate(v: string): string | undefined {
  const s = v.trim()
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s)
  const uk = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s)
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : uk ? [uk[3], uk[2], uk[1]] : []
  if (!y || !m || !d) return undefined
  const date = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
  const parsed = new Date(`${date}T00:00:00Z`)
  return Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date ? undefined : date
}

// ---------------------------------------------------------------------------------------------
// From the form to the document the API takes.

/** Which form item each document item came from, so the API's pointers find their fields. */
export interface IndexMap {
  locations: number[]
  schedules: number[]
  cost_options: number[]
  contacts: number[]
  /** For each document contact, its phones' form indices. */
  phones: number[][]
  /** For each document service area, the id its form controls start with (`areas-radius-0`). */
  areas: string[]
  /** The index the empty "add a venue" item has on the page. */
  nextLocation: number
}

export interface Built {
  /** The document as typed; the schema and the API judge it. */
  document: Record<string, unknown>
  map: IndexMap
  /** What the page itself found wrong (postcodes it cannot place, dates that do not exist). */
  problems: FieldProblem[]
}

type StoredLocation = ServiceDocument['locations'][number]
type GeometryArea = Extract<ServiceAreaDocument, { kind: 'geometry' }>

/** A stored listing's areas of its own (from a feed): the form cannot edit them, only keep or remove them. */
export const geometryAreas = (areas: readonly ServiceAreaDocument[]): GeometryArea[] => areas.filter((a): a is GeometryArea => a.kind === 'geometry')

const nextIndex = (items: Array<{ index: number }>) => (items.length ? Math.max(...items.map((i) => i.index)) + 1 : 0)

/**
 * Builds the service document from the parsed form. Venues get their coordinates from their
 * postcode: kept from the stored venue while its postcode is unchanged, otherwise looked up.
 * The stored listing's own-geometry areas are kept unless their "Remove" box is ticked.
 */
export async function documentFromForm(db: Queryable, form: FormTree, stored: StoredLocation[] = [], storedAreas: readonly ServiceAreaDocument[] = []): Promise<Built> {
  const problems: FieldProblem[] = []
  const date = (v: FormNode | undefined, field: string): string | null => {
    const s = str(v)
    if (s === '') return null
    const d = normaliseDate(s)
    if (!d) problems.push({ field, text: REAL_DATE })
    return d ?? s
  }

  const allLocations = keptItems(form.locations)
  const locationItems = allLocations.filter((l) => !l.removed)
  const locations: Record<string, unknown>[] = []
  for (const { index, item } of locationItems) {
    const id = str(item.id)
    const before = stored.find((l) => l.id === id)
    const typed = str(item.postal_code)
    const postcode = normalisePostcode(typed) ?? typed.toUpperCase()
    const details = (item.access_details && typeof item.access_details === 'object' && !Array.isArray(item.access_details) ? item.access_details : {}) as FormTree
    const location: Record<string, unknown> = {
      ...(before ? { id: before.id } : {}),
      name: str(item.name),
      description: str(item.description),
      transport_notes: orNull(item.transport_notes),
      address: { address_1: str(item.address_1), address_2: orNull(item.address_2), city: str(item.city), postal_code: postcode },
      accessibility: list(item.accessibility).map((feature) => ({ feature, details: orNull(details[feature]) })),
    }
    if (before && normalisePostcode(before.address.postal_code) === postcode) {
      location.latitude = before.latitude
      location.longitude = before.longitude
    } else if (typed !== '') {
      const place = await placePostcode(db, typed)
      if (place) {
        location.latitude = place.latitude
        location.longitude = place.longitude
      } else problems.push({ field: `locations-${index}-postal_code`, text: 'Enter a real postcode for the venue, like CR0 1AA' })
    }
    locations.push(location)
  }

  // The areas section comes after the venues on the page, so its complaints do too.
  const areas = areasFromForm(form, locationItems, storedAreas)
  problems.push(...areas.problems)

  const scheduleItems = keptItems(form.schedules).filter((s) => !s.removed)
  const schedules = scheduleItems.map(({ index, item }) => {
    const where = str(item.location)
    let location_index: number | null = null
    if (where !== '') {
      location_index = locationItems.findIndex((l) => String(l.index) === where)
      if (location_index < 0) {
        problems.push({ field: `schedules-${index}-location`, text: 'Choose a venue that is staying on the listing, or none' })
        location_index = null
      }
    }
    const week = str(item.week_of_month)
    return {
      location_index,
      kind: str(item.kind) || undefined,
      byday: list(item.byday),
      week_of_month: week === '' ? null : /^-?\d$/.test(week) ? Number(week) : week,
      on_date: date(item.on_date, `schedules-${index}-on_date`),
      opens_at: str(item.opens_at) ? normaliseTime(str(item.opens_at)) : null,
      closes_at: str(item.closes_at) ? normaliseTime(str(item.closes_at)) : null,
      valid_from: date(item.valid_from, `schedules-${index}-valid_from`),
      valid_to: date(item.valid_to, `schedules-${index}-valid_to`),
      description: orNull(item.description),
    }
  })

  const costItems = keptItems(form.cost_options).filter((c) => !c.removed)
  const cost_options = costItems.map(({ index, item }) => {
    const amount = numberOr(item.amount) ?? ''
    // "2,50" is not £250: a comma that is not a thousands separator is asked about, not guessed at.
    if (typeof amount === 'string' && amount.includes(',')) problems.push({ field: `cost_options-${index}-amount`, text: 'Enter an amount in pounds, like 2.50' })
    return { option: str(item.option), amount, amount_description: orNull(item.amount_description), concessions: orNull(item.concessions) }
  })

  const contactItems = keptItems(form.contacts).filter((c) => !c.removed)
  const phones: number[][] = []
  const contacts = contactItems.map(({ item }) => {
    const kept = keptItems(item.phones).filter((p) => !p.removed)
    phones.push(kept.map((p) => p.index))
    return {
      name: orNull(item.name),
      title: orNull(item.title),
      email: orNull(item.email),
      phones: kept.map(({ item: p }) => ({ number: str(p.number), description: orNull(p.description) })),
    }
  })

  const selfReferral = str(form.self_referral)
  const languages = str(form.languages).toLowerCase().split(/[\s,;]+/).filter(Boolean)
  const document: Record<string, unknown> = {
    name: str(form.name),
    description: str(form.description),
    url: orNull(form.url),
    email: orNull(form.email),
    status: str(form.status) || undefined,
    fees: orNull(form.fees),
    alert: orNull(form.alert),
    delivery_modes: list(form.delivery_modes),
    group_size: str(form.group_size) || undefined,
    typical_attendance: numberOr(form.typical_attendance),
    minimum_age: numberOr(form.minimum_age),
    maximum_age: numberOr(form.maximum_age),
    gender_restriction: str(form.gender_restriction) || undefined,
    audiences: list(form.audiences),
    languages: languages.length ? languages : undefined,
    interpreter_available: str(form.interpreter_available) === 'yes',
    newcomer_support: list(form.newcomer_support),
    physical_intensity: str(form.physical_intensity) || undefined,
    self_referral: selfReferral === 'yes' ? true : selfReferral === 'no' ? false : undefined,
    referral_capacity: str(form.referral_capacity) || undefined,
    taxonomy_terms: list(form.taxonomy_terms),
    locations,
    schedules,
    service_areas: areas.areas,
    cost_options,
    contacts,
  }
  for (const k of Object.keys(document)) if (document[k] === undefined) delete document[k]
  const map: IndexMap = {
    locations: locationItems.map((l) => l.index),
    schedules: scheduleItems.map((s) => s.index),
    cost_options: costItems.map((c) => c.index),
    contacts: contactItems.map((c) => c.index),
    phones,
    areas: areas.fields,
    nextLocation: nextIndex(allLocations),
  }
  return { document, map, problems }
}

/** The form's "areas" part: its ticked boxes, distances from venues and kept areas of its own. */
const areasPart = (form: FormTree): FormTree => (isTree(form.areas) ? form.areas : {})
/** The ticked "Remove" boxes of the stored areas of its own, by their place among them. */
const removedGeometry = (form: FormTree): Set<number> => {
  const own = areasPart(form).geometry
  return new Set(formItems(own).filter(({ item }) => str(item.remove) !== '').map(({ index }) => index))
}

/**
 * The service areas the form chose, in a fixed order: England, local authorities, wards (their
 * checkboxes are named by the local authority they are grouped under), distances from a venue,
 * then the stored areas of its own that are not removed. `fields` says which controls each came from.
 */
function areasFromForm(form: FormTree, venues: Array<{ index: number }>, stored: readonly ServiceAreaDocument[]) {
  const part = areasPart(form)
  const areas: Record<string, unknown>[] = []
  const fields: string[] = []
  const problems: FieldProblem[] = []
  const add = (area: Record<string, unknown>, field: string) => {
    areas.push(area)
    fields.push(field)
  }
  if (str(part.england) !== '') add({ kind: 'england' }, 'areas-england')
  for (const code of list(part.local_authority)) add({ kind: 'local_authority', code }, 'areas-local_authority')
  for (const [group, codes] of Object.entries(isTree(part.ward) ? part.ward : {})) {
    for (const code of list(codes)) add({ kind: 'ward', code }, `areas-ward-${group}`)
  }
  for (const { index, item } of keptItems(part.radius)) {
    const at = `areas-radius-${index}`
    const where = str(item.location)
    const km = numberOr(item.km)
    const location_index = venues.findIndex((l) => String(l.index) === where)
    if (km === null) problems.push({ field: `${at}-km`, text: 'Enter how many kilometres from the venue it reaches, like 5' })
    if (where === '') problems.push({ field: `${at}-location`, text: 'Choose the venue the distance is measured from' })
    else if (location_index < 0) problems.push({ field: `${at}-location`, text: 'Choose a venue that is staying on the listing' })
    add({ kind: 'radius', km: km ?? '', location_index: location_index < 0 ? null : location_index }, at)
  }
  const removed = removedGeometry(form)
  geometryAreas(stored).forEach((area, i) => {
    if (!removed.has(i)) add(area, `areas-geometry-${i}-remove`)
  })
  return { areas, fields, problems }
}

/** A venue's postcode on the map: only a postcode we hold exactly (a district's centre is too rough for a venue). */
async function placePostcode(db: Queryable, postcode: string) {
  try {
    const place = await locatePostcode(db, postcode)
    return place.precision === 'postcode' ? place : undefined
  } catch (error) {
    if (error instanceof Invalid) return undefined
    throw error
  }
}

// ---------------------------------------------------------------------------------------------
// From the API's (or the schema's) pointers to the page's fields, in plain words.

/** The most characters (or items) the service document allows at a path. */
export const maxAt = (...path: string[]): number => maxLengthAt(ServiceDocumentSchema, ...path)

/** The limits the messages below quote. */
const MAX = {
  name: maxAt('name'),
  description: maxAt('description'),
  fees: maxAt('fees'),
  alert: maxAt('alert'),
  taxonomy_terms: maxAt('taxonomy_terms'),
  location_name: maxAt('locations', 'name'),
  location_description: maxAt('locations', 'description'),
  transport_notes: maxAt('locations', 'transport_notes'),
  address_1: maxAt('locations', 'address', 'address_1'),
  address_2: maxAt('locations', 'address', 'address_2'),
  city: maxAt('locations', 'address', 'city'),
  access_details: maxAt('locations', 'accessibility', 'details'),
  schedule_description: maxAt('schedules', 'description'),
  option: maxAt('cost_options', 'option'),
  amount_description: maxAt('cost_options', 'amount_description'),
  concessions: maxAt('cost_options', 'concessions'),
  contact_name: maxAt('contacts', 'name'),
  contact_title: maxAt('contacts', 'title'),
  number: maxAt('contacts', 'phones', 'number'),
  phone_description: maxAt('contacts', 'phones', 'description'),
}
/** The number of activity types a listing may have, for the page's hint. */
export const MAX_TYPES = MAX.taxonomy_terms
/** The nearest and furthest a "within some kilometres of a venue" area may reach, read off the schema. */
const RADIUS_KM = (() => {
  const radius = ServiceAreaDocumentSchema.options.find((o) => o.shape.kind.value === 'radius')
  const km = radius && 'km' in radius.shape ? radius.shape.km : undefined
  if (km?.minValue == null || km.maxValue == null) throw new Error('The service area schema sets no limits for km')
  return { min: km.minValue, max: km.maxValue }
})()
const MAX_AREAS = maxAt('service_areas')

/** The words for the one complaint about the areas as a whole: none where one is needed, or too many. */
const NO_AREA = 'Choose where its home visits, telephone or online sessions are available: your organisation has not set its local authority, and none could be found from the listing’s venues'

/** The words for areas chosen on a listing that is only held at venues. */
const ONLY_REMOTE = 'Untick the areas, or choose home visits, telephone or online as a way it is offered: a listing only at venues has no area'

/** The page's field and words for a complaint about one service area (`rest`: the pointer after its index). */
function areaProblem(at: string | undefined, rest: string | undefined, error: FieldError): FieldProblem | undefined {
  if (at === undefined) return undefined
  if (at === 'areas-england') return { field: at, text: 'Anywhere in England cannot be chosen: the outline of England is not loaded. Choose local authorities instead' }
  if (at === 'areas-local_authority') return { field: at, text: 'Choose local authorities from the list' }
  if (at.startsWith('areas-ward-')) return { field: at, text: 'Choose wards from the list' }
  const outside = /outside England/.test(error.detail)
  if (at.startsWith('areas-radius-')) {
    if (rest === 'km') return { field: `${at}-km`, text: `Enter a distance from ${RADIUS_KM.min} to ${RADIUS_KM.max} km, like 5 or 2.5` }
    return { field: `${at}-location`, text: outside ? 'Choose a venue in England, or a shorter distance' : 'Choose a venue that is staying on the listing' }
  }
  return { field: at, text: outside ? 'This area lies outside England: remove it' : 'This area is not a shape we can use: remove it' }
}

const tooLong = (e: FieldError) => /too big|<=|at most|maximum/i.test(e.detail)
const fewer = (what: string, max: number) => `${what} must be ${max} characters or fewer`
const lengthOr = (e: FieldError, max: number, what: string, otherwise: string) => (tooLong(e) ? fewer(what, max) : otherwise)

/** What to ask for when a schedule as a whole does not add up, by its kind. */
function scheduleAsk(s: Record<string, unknown> | undefined, at: string): FieldProblem {
  const kind = s?.kind
  const days = (s?.byday as string[] | undefined) ?? []
  if (kind === 'weekly' && days.length === 0) return { field: `${at}-byday`, text: 'Choose the days it runs' }
  if (kind === 'monthly' && days.length !== 1) return { field: `${at}-byday`, text: 'Choose the one day of the week it runs each month' }
  if (kind === 'monthly' && s?.week_of_month === null) return { field: `${at}-week_of_month`, text: 'Choose which week of the month it runs' }
  if (kind === 'one_off' && !s?.on_date) return { field: `${at}-on_date`, text: 'Enter the date, like 27/3/2027' }
  if (kind !== 'by_arrangement' && !s?.opens_at) return { field: `${at}-opens_at`, text: 'Enter the time it starts, like 10:00' }
  if (kind !== 'by_arrangement' && !s?.closes_at) return { field: `${at}-closes_at`, text: 'Enter the time it finishes, like 12:00' }
  if (kind === 'weekly') return { field: `${at}-week_of_month`, text: 'Leave the week of the month empty for a weekly session, or choose ‘Once a month’' }
  if (kind === 'one_off') return { field: `${at}-byday`, text: 'Leave the days empty for a session on one date' }
  if (kind === 'monthly') return { field: `${at}-on_date`, text: 'Leave the date empty for a monthly session' }
  return { field: `${at}-byday`, text: 'Leave the days, week and date empty for a session by arrangement' }
}

/** The page's field and words for one complaint about the document. */
export function fieldFor(built: Pick<Built, 'document' | 'map'>) {
  const doc = built.document
  const map = built.map
  return (pointer: string, error: FieldError): FieldProblem | undefined => {
    const [top, a, b, c, d] = pointer.split('/').slice(1)
    const simple: Record<string, FieldProblem> = {
      name: { field: 'name', text: lengthOr(error, MAX.name, 'The name', 'Enter the name of the listing') },
      description: { field: 'description', text: fewer('The description', MAX.description) },
      url: { field: 'url', text: 'Enter the website’s full address, like https://www.example.org' },
      email: { field: 'email', text: 'Enter an email address, like name@example.org' },
      status: { field: 'status', text: 'Choose whether it is running' },
      fees: { field: 'fees', text: fewer('What it costs', MAX.fees) },
      alert: { field: 'alert', text: fewer('The notice', MAX.alert) },
      delivery_modes: { field: 'delivery_modes', text: 'Choose at least one way it is offered' },
      group_size: { field: 'group_size', text: 'Choose the size of group' },
      typical_attendance: { field: 'typical_attendance', text: 'Enter how many people usually come as a number, like 12' },
      minimum_age: { field: 'minimum_age', text: 'Enter the youngest age as a whole number, like 18' },
      maximum_age: {
        field: 'maximum_age',
        text: /above/.test(error.detail) ? 'Enter an oldest age that is the same as or above the youngest age' : 'Enter the oldest age as a whole number, like 65',
      },
      gender_restriction: { field: 'gender_restriction', text: 'Choose who may come' },
      audiences: { field: 'audiences', text: 'Choose from the groups listed' },
      languages: { field: 'languages', text: 'Enter language codes separated by commas, like en, pl' },
      interpreter_available: { field: 'interpreter_available', text: 'Choose whether an interpreter can be arranged' },
      newcomer_support: { field: 'newcomer_support', text: 'Choose from the kinds of help listed' },
      physical_intensity: { field: 'physical_intensity', text: 'Choose how physical it is' },
      self_referral: { field: 'self_referral', text: 'Choose whether people can refer themselves' },
      referral_capacity: { field: 'referral_capacity', text: 'Choose whether it is taking referrals' },
      taxonomy_terms: {
        field: 'taxonomy_terms',
        text: a === undefined && tooLong(error) ? `Choose up to ${MAX.taxonomy_terms} types of activity` : a === undefined ? 'Choose at least one type of activity' : 'Choose types of activity from the list',
      },
    }
    if (top === undefined) return undefined
    if (top === 'service_areas') {
      if (a === undefined) {
        if (tooLong(error)) return { field: 'areas-local_authority', text: `Choose ${MAX_AREAS} areas or fewer` }
        if (/only for a listing with home visits/.test(error.detail)) return { field: 'areas-england', text: ONLY_REMOTE }
        return { field: 'areas-england', text: NO_AREA }
      }
      return areaProblem(map.areas[Number(a)], b, error)
    }
    if (a === undefined || top === 'taxonomy_terms' || top === 'audiences' || top === 'newcomer_support' || top === 'delivery_modes' || top === 'languages') {
      if (top === 'locations') return { field: `locations-${map.nextLocation}-name`, text: 'Enter the venue’s details, or untick ‘At a venue’' }
      if (top === 'schedules') return { field: 'schedules', text: 'Choose a venue for each session from the venues listed' }
      if (top === 'cost_options' || top === 'contacts') return undefined
      return simple[top]
    }
    const i = Number(a)
    if (top === 'locations') {
      const at = `locations-${map.locations[i] ?? i}`
      if (b === 'name') return { field: `${at}-name`, text: lengthOr(error, MAX.location_name, 'The venue’s name', 'Enter the name of the venue') }
      if (b === 'description') return { field: `${at}-description`, text: fewer('The description of the venue', MAX.location_description) }
      if (b === 'transport_notes') return { field: `${at}-transport_notes`, text: fewer('How to get there', MAX.transport_notes) }
      if (b === 'latitude' || b === 'longitude') return { field: `${at}-postal_code`, text: 'Enter a real postcode for the venue, like CR0 1AA' }
      if (b === 'address') {
        if (c === 'address_1') return { field: `${at}-address_1`, text: lengthOr(error, MAX.address_1, 'The first line of the address', 'Enter the first line of the venue’s address') }
        if (c === 'address_2') return { field: `${at}-address_2`, text: fewer('The second line of the address', MAX.address_2) }
        if (c === 'city') return { field: `${at}-city`, text: lengthOr(error, MAX.city, 'The town or city', 'Enter the town or city') }
        return { field: `${at}-postal_code`, text: 'Enter the venue’s postcode, like CR0 1AA' }
      }
      if (b === 'accessibility') {
        const access = ((doc.locations as Array<{ accessibility?: Array<{ feature: string }> }> | undefined)?.[i]?.accessibility ?? [])[Number(c)]
        if (d === 'details' && access) return { field: `${at}-access-${access.feature}`, text: fewer('Details of access', MAX.access_details) }
        return { field: `${at}-accessibility`, text: 'Choose access features from the list' }
      }
      return undefined
    }
    if (top === 'schedules') {
      const at = `schedules-${map.schedules[i] ?? i}`
      const s = (doc.schedules as Array<Record<string, unknown>> | undefined)?.[i]
      if (b === undefined) return scheduleAsk(s, at)
      if (b === 'kind') return { field: `${at}-kind`, text: 'Choose how often it runs' }
      if (b === 'byday') return { field: `${at}-byday`, text: 'Choose the days it runs' }
      if (b === 'week_of_month') return { field: `${at}-week_of_month`, text: 'Choose which week of the month it runs' }
      if (b === 'opens_at') return { field: `${at}-opens_at`, text: 'Enter the time it starts, like 10:00' }
      if (b === 'closes_at') {
        return /before/.test(error.detail)
          ? { field: `${at}-closes_at`, text: AFTER_START }
          : { field: `${at}-closes_at`, text: 'Enter the time it finishes, like 12:00' }
      }
      if (b === 'on_date' || b === 'valid_from' || b === 'valid_to') return { field: `${at}-${b}`, text: REAL_DATE }
      if (b === 'description') return { field: `${at}-description`, text: fewer('The note about the session', MAX.schedule_description) }
      if (b === 'location_index') return { field: `${at}-location`, text: 'Choose a venue from the list, or none' }
      return undefined
    }
    if (top === 'cost_options') {
      const at = `cost_options-${map.cost_options[i] ?? i}`
      if (b === 'option') return { field: `${at}-option`, text: lengthOr(error, MAX.option, 'What the cost is for', 'Enter what the cost is for, like Per session') }
      if (b === 'amount') return { field: `${at}-amount`, text: 'Enter the amount in pounds, like 4.50 (0 if it is free)' }
      if (b === 'amount_description') return { field: `${at}-amount_description`, text: fewer('How the amount is described', MAX.amount_description) }
      if (b === 'concessions') return { field: `${at}-concessions`, text: fewer('Concessions', MAX.concessions) }
      return undefined
    }
    if (top === 'contacts') {
      const at = `contacts-${map.contacts[i] ?? i}`
      if (b === 'email') return { field: `${at}-email`, text: 'Enter the contact’s email address, like name@example.org' }
      if (b === 'name' || b === 'title') return { field: `${at}-${b}`, text: b === 'name' ? fewer('The contact’s name', MAX.contact_name) : fewer('The contact’s role', MAX.contact_title) }
      if (b === 'phones' && c !== undefined) {
        const ph = `${at}-phones-${map.phones[i]?.[Number(c)] ?? c}`
        if (d === 'description') return { field: `${ph}-description`, text: fewer('What the number is for', MAX.phone_description) }
        return { field: `${ph}-number`, text: lengthOr(error, MAX.number, 'The phone number', 'Enter the phone number') }
      }
      return undefined
    }
    return undefined
  }
}

/** The schema's complaints about a document, as the API would word them (same pointers). */
export function schemaErrors(document: unknown): FieldError[] {
  const parsed = ServiceDocumentSchema.safeParse(document)
  if (parsed.success) return []
  return parsed.error.issues.map((issue) => ({ in: 'body' as const, pointer: `/${issue.path.map(String).join('/')}`, detail: issue.message }))
}

// ---------------------------------------------------------------------------------------------
// What the page shows: the form's values as text, from a stored document or from a posted form.

export interface LocationView {
  index: number
  existing: boolean
  removed: boolean
  id: string
  name: string
  description: string
  address_1: string
  address_2: string
  city: string
  postal_code: string
  transport_notes: string
  accessibility: string[]
  access_details: Record<string, string>
}
export interface ScheduleView {
  index: number
  existing: boolean
  removed: boolean
  kind: string
  byday: string[]
  week_of_month: string
  on_date: string
  opens_at: string
  closes_at: string
  valid_from: string
  valid_to: string
  description: string
  location: string
}
export interface CostView {
  index: number
  existing: boolean
  removed: boolean
  option: string
  amount: string
  amount_description: string
  concessions: string
}
export interface PhoneView {
  index: number
  existing: boolean
  removed: boolean
  number: string
  description: string
}
export interface ContactView {
  index: number
  existing: boolean
  removed: boolean
  name: string
  title: string
  email: string
  phones: PhoneView[]
}
export interface RadiusView {
  index: number
  km: string
  /** The form index of the venue it is measured from. */
  location: string
}
export interface AreasView {
  england: boolean
  local_authorities: string[]
  wards: string[]
  radius: RadiusView[]
  /** The stored areas of its own, by name; `index` is their place among them. */
  geometry: Array<{ index: number; name: string; removed: boolean }>
}
export interface FormView {
  fields: Record<string, string>
  lists: Record<string, string[]>
  locations: LocationView[]
  schedules: ScheduleView[]
  areas: AreasView
  cost_options: CostView[]
  contacts: ContactView[]
}

const SINGLE_FIELDS = [
  'name', 'description', 'url', 'email', 'status', 'fees', 'alert', 'group_size', 'typical_attendance', 'minimum_age', 'maximum_age',
  'gender_restriction', 'languages', 'physical_intensity', 'self_referral', 'referral_capacity',
] as const
const LIST_FIELDS = ['delivery_modes', 'audiences', 'newcomer_support', 'taxonomy_terms'] as const

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v))

/** An empty listing's form: the defaults the schema would give, and nothing chosen that matters. */
export function emptyView(): FormView {
  return {
    fields: { status: 'active', gender_restriction: 'none', physical_intensity: 'none', self_referral: 'yes', referral_capacity: 'open', languages: 'en' },
    lists: {},
    locations: [],
    schedules: [],
    areas: { england: false, local_authorities: [], wards: [], radius: [], geometry: [] },
    cost_options: [],
    contacts: [],
  }
}

/** The areas as a stored document has them (a venue's form index is its place in the document). */
function areasFromDocument(areas: readonly ServiceAreaDocument[]): AreasView {
  const codes = (kind: 'local_authority' | 'ward') => areas.flatMap((a) => (a.kind === kind ? [a.code] : []))
  return {
    england: areas.some((a) => a.kind === 'england'),
    local_authorities: codes('local_authority'),
    wards: codes('ward'),
    radius: areas.flatMap((a) => (a.kind === 'radius' ? [{ km: String(a.km), location: String(a.location_index) }] : [])).map((r, index) => ({ index, ...r })),
    geometry: geometryAreas(areas).map((a, index) => ({ index, name: a.name, removed: false })),
  }
}

/** The form as a stored document fills it. */
export function viewFromDocument(doc: ServiceDocument): FormView {
  const fields: Record<string, string> = {}
  for (const k of SINGLE_FIELDS) fields[k] = text(doc[k])
  fields.languages = doc.languages.join(', ')
  fields.self_referral = doc.self_referral ? 'yes' : 'no'
  fields.interpreter_available = doc.interpreter_available ? 'yes' : ''
  const lists: Record<string, string[]> = {}
  for (const k of LIST_FIELDS) lists[k] = [...doc[k]]
  const flags = (index: number) => ({ index, existing: true, removed: false })
  return {
    fields,
    lists,
    locations: doc.locations.map((l, i) => ({
      ...flags(i),
      id: l.id ?? '',
      name: l.name,
      description: l.description,
      address_1: l.address.address_1,
      address_2: text(l.address.address_2),
      city: l.address.city,
      postal_code: l.address.postal_code,
      transport_notes: text(l.transport_notes),
      accessibility: l.accessibility.map((a) => a.feature),
      access_details: Object.fromEntries(l.accessibility.map((a) => [a.feature, text(a.details)])),
    })),
    schedules: doc.schedules.map((s, i) => ({
      ...flags(i),
      kind: s.kind,
      byday: [...s.byday],
      week_of_month: text(s.week_of_month),
      on_date: ukDate(s.on_date),
      opens_at: text(s.opens_at),
      closes_at: text(s.closes_at),
      valid_from: ukDate(s.valid_from),
      valid_to: ukDate(s.valid_to),
      description: text(s.description),
      location: text(s.location_index),
    })),
    areas: areasFromDocument(doc.service_areas),
    cost_options: doc.cost_options.map((c, i) => ({
      ...flags(i),
      option: c.option,
      amount: c.amount.toFixed(2),
      amount_description: text(c.amount_description),
      concessions: text(c.concessions),
    })),
    contacts: doc.contacts.map((c, i) => ({
      ...flags(i),
      name: text(c.name),
      title: text(c.title),
      email: text(c.email),
      phones: c.phones.map((p, j) => ({ ...flags(j), number: p.number, description: text(p.description) })),
    })),
  }
}

/**
 * The form as the person posted it (blank items dropped; ticked "Remove" boxes stay ticked).
 * `storedAreas`: the listing's stored areas, whose areas of its own the form lists by name.
 */
export function viewFromForm(form: FormTree, storedAreas: readonly ServiceAreaDocument[] = []): FormView {
  const fields: Record<string, string> = {}
  for (const k of SINGLE_FIELDS) fields[k] = str(form[k])
  fields.interpreter_available = str(form.interpreter_available) === 'yes' ? 'yes' : ''
  const part = areasPart(form)
  const removed = removedGeometry(form)
  const lists: Record<string, string[]> = {}
  for (const k of LIST_FIELDS) lists[k] = list(form[k])
  const flags = (k: { index: number; removed: boolean }) => ({ index: k.index, existing: true, removed: k.removed })
  const details = (v: FormNode | undefined): Record<string, string> =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, str(x)])) : {}
  return {
    fields,
    lists,
    locations: keptItems(form.locations).map((k) => ({
      ...flags(k),
      id: str(k.item.id),
      name: str(k.item.name),
      description: str(k.item.description),
      address_1: str(k.item.address_1),
      address_2: str(k.item.address_2),
      city: str(k.item.city),
      postal_code: str(k.item.postal_code),
      transport_notes: str(k.item.transport_notes),
      accessibility: list(k.item.accessibility),
      access_details: details(k.item.access_details),
    })),
    schedules: keptItems(form.schedules).map((k) => ({
      ...flags(k),
      kind: str(k.item.kind),
      byday: list(k.item.byday),
      week_of_month: str(k.item.week_of_month),
      on_date: str(k.item.on_date),
      opens_at: str(k.item.opens_at),
      closes_at: str(k.item.closes_at),
      valid_from: str(k.item.valid_from),
      valid_to: str(k.item.valid_to),
      description: str(k.item.description),
      location: str(k.item.location),
    })),
    areas: {
      england: str(part.england) !== '',
      local_authorities: list(part.local_authority),
      wards: Object.values(isTree(part.ward) ? part.ward : {}).flatMap((codes) => list(codes)),
      radius: keptItems(part.radius).map(({ index, item }) => ({ index, km: str(item.km), location: str(item.location) })),
      geometry: geometryAreas(storedAreas).map((a, index) => ({ index, name: a.name, removed: removed.has(index) })),
    },
    cost_options: keptItems(form.cost_options).map((k) => ({
      ...flags(k),
      option: str(k.item.option),
      amount: str(k.item.amount),
      amount_description: str(k.item.amount_description),
      concessions: str(k.item.concessions),
    })),
    contacts: keptItems(form.contacts).map((k) => ({
      ...flags(k),
      name: str(k.item.name),
      title: str(k.item.title),
      email: str(k.item.email),
      phones: keptItems(k.item.phones).map((p) => ({ ...flags(p), number: str(p.item.number), description: str(p.item.description) })),
    })),
  }
}

/** Adds the one empty "add another" item to each repeating group (and to each contact's phones). */
export function withBlanks(view: FormView): FormView {
  const blank = { existing: false, removed: false }
  const phone = (phones: PhoneView[]): PhoneView[] => [...phones, { ...blank, index: nextIndex(phones), number: '', description: '' }]
  return {
    ...view,
    locations: [
      ...view.locations,
      { ...blank, index: nextIndex(view.locations), id: '', name: '', description: '', address_1: '', address_2: '', city: '', postal_code: '', transport_notes: '', accessibility: [], access_details: {} },
    ],
    schedules: [
      ...view.schedules,
      { ...blank, index: nextIndex(view.schedules), kind: '', byday: [], week_of_month: '', on_date: '', opens_at: '', closes_at: '', valid_from: '', valid_to: '', description: '', location: '' },
    ],
    // One distance from a venue to fill in when there is none.
    areas: view.areas.radius.length ? view.areas : { ...view.areas, radius: [{ index: 0, km: '', location: '' }] },
    cost_options: [...view.cost_options, { ...blank, index: nextIndex(view.cost_options), option: '', amount: '', amount_description: '', concessions: '' }],
    contacts: [
      ...view.contacts.map((c) => ({ ...c, phones: phone(c.phones) })),
      { ...blank, index: nextIndex(view.contacts), name: '', title: '', email: '', phones: phone([]) },
    ],
  }
}

// ---------------------------------------------------------------------------------------------
// After a 412: what the person entered that differs from the listing as now saved.

const FIELD_NAMES: Record<string, string> = {
  name: 'Name', description: 'Description', url: 'Website', email: 'Email', status: 'Running', fees: 'What it costs',
  alert: 'Notice', delivery_modes: 'How it is offered', group_size: 'Size of group', typical_attendance: 'How many usually come',
  minimum_age: 'Youngest age', maximum_age: 'Oldest age', gender_restriction: 'Who may come', audiences: 'Designed for',
  languages: 'Languages', interpreter_available: 'Interpreter', newcomer_support: 'Help for newcomers', physical_intensity: 'How physical',
  self_referral: 'Self-referral', referral_capacity: 'Taking referrals', taxonomy_terms: 'Types of activity', locations: 'Venues',
  service_areas: 'Where it is available', schedules: 'When it runs', cost_options: 'Costs', contacts: 'Contacts',
}

/** One service area in words: "Anywhere in England", "Croydon", "Within 5 km of St Mark’s Hall". */
function areaWords(area: Record<string, unknown>, names: Map<string, string>, venues: Array<{ name?: unknown }>): string {
  switch (area.kind) {
    case 'england': return 'Anywhere in England'
    case 'local_authority':
    case 'ward': return names.get(String(area.code)) ?? String(area.code)
    case 'radius': return areaName({ kind: 'radius', km: Number(area.km), venue: String(venues[Number(area.location_index)]?.name ?? 'a venue') })
    default: return String(area.name ?? 'An area of its own')
  }
}

/**
 * A field's value in words. `names`: activity types, local authorities and wards by code;
 * `doc`: the document it is from (a distance names its venue).
 */
function describe(key: string, value: unknown, names: Map<string, string>, doc: Record<string, unknown>): string {
  if (key === 'service_areas' && Array.isArray(value) && value.length === 0) return 'None chosen (its organisation’s local authority)'
  if (key === 'interpreter_available') return value ? 'Can be arranged' : 'Cannot be arranged'
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return 'Nothing'
  const codes = value as string[]
  switch (key) {
    case 'delivery_modes': return codes.map((c) => label(c, 'delivery_mode')).join(', ')
    case 'audiences': return codes.map((c) => label(c, 'audience')).join(', ')
    case 'newcomer_support': return codes.map((c) => label(c, 'newcomer_support')).join(', ')
    case 'taxonomy_terms': return codes.map((c) => names.get(c) ?? c).join(', ')
    case 'service_areas': {
      const venues = Array.isArray(doc.locations) ? (doc.locations as Array<{ name?: unknown }>) : []
      return (value as Array<Record<string, unknown>>).map((a) => areaWords(a, names, venues)).join('; ')
    }
    case 'languages': return codes.join(', ')
    case 'status': return label(value, 'status')
    case 'group_size': return label(value, 'group_size')
    case 'gender_restriction': return label(value, 'gender_restriction')
    case 'physical_intensity': return label(value, 'physical_intensity')
    case 'referral_capacity': return label(value, 'referral_capacity')
    case 'self_referral': return value ? 'Yes' : 'No'
    case 'locations': return (value as Array<{ name: string; address: { postal_code: string } }>).map((l) => `${l.name} (${l.address.postal_code})`).join('; ')
    case 'schedules': {
      const ok = (value as Array<Record<string, unknown>>).filter((s) => typeof s.kind === 'string')
      return whenText(ok.map((s) => ({ byday: [], week_of_month: null, on_date: null, opens_at: null, closes_at: null, ...s }) as unknown as Parameters<typeof whenText>[0][number])).join('; ')
    }
    case 'cost_options': return (value as Array<{ option: string; amount: unknown }>).map((c) => `${c.option}: £${typeof c.amount === 'number' ? c.amount.toFixed(2) : String(c.amount)}`).join('; ')
    case 'contacts':
      return (value as Array<{ name: string | null; email: string | null; phones: Array<{ number: string }> }>)
        .map((c) => [c.name, c.email, ...c.phones.map((p) => p.number)].filter(Boolean).join(', '))
        .join('; ')
    default: return String(value)
  }
}

/** A field's value to compare: venues without their coordinates, areas in any order. */
function comparable(key: string, v: unknown): string {
  if (key === 'locations' && Array.isArray(v)) {
    return JSON.stringify(v.map((l: unknown) => (l !== null && typeof l === 'object' ? { ...l, latitude: undefined, longitude: undefined } : l)))
  }
  if (key === 'service_areas' && Array.isArray(v)) return JSON.stringify(v.map((a) => JSON.stringify(a)).sort())
  return JSON.stringify(v ?? null)
}

/**
 * Each top-level field where what they entered differs from what is saved now, in words. What
 * they entered may not be a valid document (that is why it is shown): each field is put in words
 * only when it reads as that field, and is otherwise said to need entering again.
 */
export function yourChanges(entered: Record<string, unknown>, saved: ServiceDocument, names: Map<string, string>) {
  const now = ServiceDocumentSchema.safeParse(entered)
  const mine = (now.success ? now.data : entered) as Record<string, unknown>
  const fields = ServiceDocumentSchema.shape as Record<string, z.ZodType>
  return Object.keys(FIELD_NAMES)
    .filter((k) => k in mine && comparable(k, mine[k]) !== comparable(k, (saved as Record<string, unknown>)[k]))
    .map((k) => {
      const field = fields[k]!.safeParse(mine[k])
      const text = field.success ? describe(k, field.data, names, mine) : 'What you entered here could not be read: please enter it again'
      return { key: { text: FIELD_NAMES[k]! }, value: { text } }
    })
}

// ---------------------------------------------------------------------------------------------
// The pages.

/** The form as @fastify/formbody gives it: each field once (text) or repeated (a list). */
const FormBody = z.record(z.string(), z.union([z.string(), z.array(z.string())]))
const readBody = (request: FastifyRequest): FormTree => nestForm(readForm(FormBody, request.body))
/** The version the edit page was read at, as its hidden field carries it. */
const VERSION = /^[1-9]\d{0,9}$/
interface Versioned {
  id: string
  organization_id: string
  version: number
  document: ServiceDocument
}

const WEEKS = ['1', '2', '3', '4', '-1'] as const

async function termGroups(app: FastifyInstance, chosen: string[]) {
  const terms = await listTaxonomyTerms(app.db)
  const item = (t: { code: string; name: string; description?: string | null }) => ({ value: t.code, text: t.name, checked: chosen.includes(t.code) })
  const top = terms.filter((t) => t.parent_id === null)
  return {
    names: new Map(terms.map((t) => [t.code, t.name])),
    top: top.map(item),
    groups: top
      .map((p) => ({ code: p.code, name: p.name, items: terms.filter((t) => t.parent_id === p.id).map(item) }))
      .filter((g) => g.items.length > 0),
  }
}

/** The organisation a listing belongs to, as the form needs it: its name and its default area. */
interface FormOrganisation {
  id: string
  name: string
  local_authority: string | null
}

interface FormPage {
  title: string
  caption: string
  action: string
  version?: number
  button: string
  view: FormView
  organisation: FormOrganisation
  problems?: FieldProblem[]
  conflict?: Array<{ key: { text: string }; value: { text: string } }>
  status?: number
}

/** What the form says happens when no area is chosen: the organisation's local authority, named. */
function defaultAreaHint(organisation: FormOrganisation, p: Places): string {
  const authority = organisation.local_authority ? p.names.get(organisation.local_authority) : undefined
  return authority
    ? `If you choose none, its home visits, telephone and online sessions are available in ${authority}, your organisation’s local authority.`
    : 'If you choose none, its home visits, telephone and online sessions are available in your organisation’s local authority. Your organisation has not set one, so the local authority of the listing’s venue is used; a listing without a venue must choose here.'
}

/** The "where it is available" section's controls, from the form's areas and the boundaries held. */
function areaControls(areas: AreasView, p: Places, venues: (chosen: string) => Array<{ value: string; text: string; selected: boolean }>) {
  return {
    england: [{ value: 'yes', text: 'Anywhere in England', checked: areas.england }],
    authorities: p.authorities.map((b) => ({ value: b.code, text: b.name, checked: areas.local_authorities.includes(b.code) })),
    wardGroups: wardGroups(p, areas.wards),
    radius: areas.radius.map((r) => ({ ...r, venues: [{ value: '', text: 'Choose a venue', selected: r.location === '' }, ...venues(r.location).slice(1)] })),
    geometry: areas.geometry,
  }
}

async function showForm(app: FastifyInstance, reply: FastifyReply, page: FormPage) {
  const view = withBlanks(page.view)
  const [terms, held] = await Promise.all([termGroups(app, view.lists.taxonomy_terms ?? []), places(app.db)])
  const venues = view.locations.filter((l) => !l.removed)
  const venueName = (l: LocationView, n: number) => (l.existing ? l.name || `Venue ${n + 1}` : 'The new venue added above')
  const options = (chosen: string) => [
    { value: '', text: 'No particular venue (or not at a venue)', selected: chosen === '' },
    ...venues.map((l, n) => ({ value: String(l.index), text: venueName(l, n), selected: chosen === String(l.index) })),
  ]
  const listed = (k: string) => view.lists[k] ?? []
  return reply.code(page.status ?? (page.problems?.length ? 422 : 200)).page('organisation/service-form.njk', {
    title: page.title,
    caption: page.caption,
    action: page.action,
    version: page.version,
    buttonText: page.button,
    home: organisationHome(reply.request, page.organisation),
    maxTypes: MAX_TYPES,
    values: view.fields,
    conflict: page.conflict,
    choices: {
      status: choices('status', [view.fields.status]),
      delivery_modes: choices('delivery_mode', listed('delivery_modes'), DELIVERY_MODES),
      group_size: choices('group_size', [view.fields.group_size]),
      gender_restriction: choices('gender_restriction', [view.fields.gender_restriction]),
      audiences: choices('audience', listed('audiences')),
      newcomer_support: choices('newcomer_support', listed('newcomer_support')),
      physical_intensity: choices('physical_intensity', [view.fields.physical_intensity]),
      referral_capacity: choices('referral_capacity', [view.fields.referral_capacity]),
      self_referral: [
        { value: 'yes', text: 'Yes, people can contact it themselves', checked: view.fields.self_referral === 'yes' },
        { value: 'no', text: 'No, only through a referral', checked: view.fields.self_referral === 'no' },
      ],
      interpreter_available: [{ value: 'yes', text: 'An interpreter can be arranged for someone who speaks another language', checked: view.fields.interpreter_available === 'yes' }],
    },
    terms,
    locations: view.locations.map((l, n) => ({
      ...l,
      heading: l.existing ? `Venue ${n + 1}${l.name ? `: ${l.name}` : ''}` : view.locations.length > 1 ? 'Add another venue' : 'Add a venue',
      features: ACCESSIBILITY_FEATURES.map((f) => ({ value: f, text: label(f, 'accessibility'), checked: l.accessibility.includes(f), details: l.access_details[f] ?? '' })),
    })),
    areas: areaControls(view.areas, held, options),
    areaHint: defaultAreaHint(page.organisation, held),
    schedules: view.schedules.map((s, n) => ({
      ...s,
      heading: s.existing ? `Session ${n + 1}` : view.schedules.length > 1 ? 'Add another session' : 'Add a session',
      kinds: choices('schedule_kind', [s.kind]),
      days: choices('day', s.byday, WEEKDAYS),
      weeks: [
        { value: '', text: 'Not monthly', selected: s.week_of_month === '' },
        ...WEEKS.map((w) => ({ value: w, text: `The ${LABELS.week_of_month[w]} week of the month`, selected: s.week_of_month === w })),
      ],
      venues: options(s.location),
    })),
    cost_options: view.cost_options.map((c, n) => ({ ...c, heading: c.existing ? `Cost ${n + 1}` : view.cost_options.length > 1 ? 'Add another cost' : 'Add a cost' })),
    contacts: view.contacts.map((c, n) => ({
      ...c,
      heading: c.existing ? `Contact ${n + 1}` : view.contacts.length > 1 ? 'Add another contact' : 'Add a contact',
      phones: c.phones.map((p, m) => ({ ...p, heading: p.existing ? `Phone number ${m + 1}` : c.phones.length > 1 ? 'Add another phone number' : 'Add a phone number' })),
    })),
    ...formErrors(page.problems ?? []),
  })
}

const AFTER_START = 'Enter a finishing time after the start time'

/** Drops knock-on complaints: "finish after the start" says nothing while a time itself is wrong. */
export function tidy(problems: FieldProblem[]): FieldProblem[] {
  const fields = new Set(problems.map((p) => p.field))
  return problems.filter((p) => !(p.text === AFTER_START && fields.has(p.field.replace(/-closes_at$/, '-opens_at'))))
}

/** The page's complaints before anything is sent: its own, then the schema's. */
function complaints(built: Built): FieldProblem[] {
  const errors = schemaErrors(built.document)
  const fromSchema = errors.length ? fieldProblems({ type: '', title: '', status: 400, errors }, fieldFor(built), 'name') : []
  const seen = new Set(built.problems.map((p) => p.field))
  return tidy([...built.problems, ...fromSchema.filter((p) => !seen.has(p.field))])
}

const serviceFormPages: FastifyPluginAsync = async (app) => {
  const editors = app.authorize('editor', 'admin')

  const read = async (request: FastifyRequest, id: string) => {
    idOr404(id, 'There is no listing at this address.')
    return (await callApi<Versioned>(app, request, 'GET', `/api/manage/services/${id}`)).body
  }
  const organisation = async (request: FastifyRequest, id: string): Promise<FormOrganisation> => {
    idOr404(id, 'There is no organisation at this address.')
    const org = (await callApi<{ id: string; document: OrganizationDocument }>(app, request, 'GET', `/api/manage/organizations/${id}`)).body
    return { id: org.id, name: org.document.name, local_authority: org.document.local_authority }
  }
  /** Activity types, local authorities and wards by code, for the "your changes" summary. */
  const names = async () => new Map([...(await termGroups(app, [])).names, ...(await places(app.db)).names])

  app.get('/my-organisation/services/:id/edit', { preHandler: editors, schema: { hide: true } }, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const current = await read(request, request.params.id)
    // A listing a feed keeps up to date is not edited here (the API would refuse the save).
    const feed = request.principal!.role === 'admin' ? undefined : await managingSource(app.db, current.id)
    if (feed) throw new ManagedByFeed(feed)
    return showForm(app, reply, {
      title: `Edit ${current.document.name}`,
      caption: 'Edit a listing',
      action: `/my-organisation/services/${current.id}/edit`,
      version: current.version,
      button: 'Save changes',
      view: viewFromDocument(current.document),
      organisation: await organisation(request, current.organization_id),
    })
  })

  app.post('/my-organisation/services/:id/edit', { preHandler: editors, schema: { hide: true } }, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const current = await read(request, request.params.id)
    const form = readBody(request)
    const built = await documentFromForm(app.db, form, current.document.locations, current.document.service_areas)
    const org = await organisation(request, current.organization_id)
    const page = {
      title: `Edit ${current.document.name}`,
      caption: 'Edit a listing',
      action: `/my-organisation/services/${current.id}/edit`,
      button: 'Save changes',
      organisation: org,
    }
    // Show the listing as it is saved now (with its version), and what this person entered, to re-apply.
    const conflict = async (now: Versioned) =>
      showForm(app, reply, {
        ...page,
        version: now.version,
        view: viewFromDocument(now.document),
        status: 409,
        conflict: yourChanges(built.document, now.document, await names()),
        problems: [{ field: 'your-changes', text: 'Someone else saved a change to this listing while you were editing' }],
      })
    // Without the version the form was read at, nobody can tell whether someone saved in between:
    // treated as stale, never as "the version saved now" (which would overwrite their change).
    const version = str(form.version)
    if (!VERSION.test(version)) return conflict(current)
    const reshow = (problems: FieldProblem[]) =>
      showForm(app, reply, { ...page, version: Number(version), view: viewFromForm(form, current.document.service_areas), problems })
    const found = complaints(built)
    if (found.length) return reshow(found)
    const answer = await callApi<Versioned>(app, request, 'PUT', `/api/manage/services/${current.id}`, built.document, { 'if-match': `"${version}"` })
    // Someone saved in between.
    if (answer.status === 412) return conflict(await read(request, current.id))
    if (answer.problem) return reshow(tidy(fieldProblems(answer.problem, fieldFor(built), 'name')))
    return reply.redirect(doneAt(organisationHome(request, org), 'listing-saved', current.id), 303)
  })

  app.get('/my-organisation/organisations/:id/services/new', { preHandler: editors, schema: { hide: true } }, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const org = await organisation(request, request.params.id)
    return showForm(app, reply, { title: 'Add a listing', caption: org.name, action: `/my-organisation/organisations/${org.id}/services/new`, button: 'Add the listing', view: emptyView(), organisation: org })
  })

  app.post('/my-organisation/organisations/:id/services/new', { preHandler: editors, schema: { hide: true } }, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const org = await organisation(request, request.params.id)
    const form = readBody(request)
    const built = await documentFromForm(app.db, form)
    const reshow = (problems: FieldProblem[]) =>
      showForm(app, reply, { title: 'Add a listing', caption: org.name, action: `/my-organisation/organisations/${org.id}/services/new`, button: 'Add the listing', view: viewFromForm(form), organisation: org, problems })
    const found = complaints(built)
    if (found.length) return reshow(found)
    const answer = await callApi<Versioned>(app, request, 'POST', `/api/manage/organizations/${org.id}/services`, built.document)
    if (answer.problem) return reshow(tidy(fieldProblems(answer.problem, fieldFor(built), 'name')))
    return reply.redirect(doneAt(organisationHome(request, org), 'created', answer.body.id), 303)
  })
}

export default serviceFormPages
