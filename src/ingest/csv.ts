/**
 * Listings from a spreadsheet (CSV): one row per listing, then rows for its extra venues or
 * schedules pointing at it by `ref`. Each listing is written through the same document path as
 * an editor's (applyService), in one transaction for the whole upload with a savepoint per
 * listing, so a refused listing leaves the others in and a dry run (rolled back at the end)
 * reports exactly what the upload would do. A re-upload updates in place by `ref`; a listing
 * changed on Connector since its last upload is refused unless the uploader says to replace
 * those edits. The columns (CSV_COLUMNS) are the one source of the template and its guide.
 */
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import type { Db, Queryable } from '../db/db.ts'
import { ACCESSIBILITY_FEATURES, AUDIENCES, DELIVERY_MODES, GENDER_RESTRICTIONS, GROUP_SIZES, PHYSICAL_INTENSITIES, SERVICE_STATUSES, WEEKDAY_NAMES, WEEKDAYS } from '../directory/vocabulary.ts'
import { ServiceDocumentSchema, type ServiceDocument } from '../manage/schemas.ts'
import { readService } from '../manage/store.ts'
import { lockKey } from '../plugins/scheduler.ts'
import { unstorableText } from '../plugins/text-input.ts'
import { Invalid } from '../problem.ts'
import { LABELS } from '../web/labels.ts'
import { applyOrganization, applyService, Refused, type Outcome, type Run } from './apply.ts'
import { HarvestRunning, resolveQuarantine, storablePayload, type Source } from './harvest.ts'
import { loadMappingContext, termKey, type MappingContext, type Reason } from './oruk-map.ts'

export type RowKind = 'listing' | 'venue' | 'schedule'

export interface CsvColumn {
  name: string
  /** The rows it is read on. */
  rows: RowKind[]
  explain: string
}

const list = (values: readonly string[]) => values.join(', ')

/** Every column, in the template's order, with what it means. */
export const CSV_COLUMNS: CsvColumn[] = [
  { name: 'ref', rows: ['listing', 'venue', 'schedule'], explain: 'Required. Your own reference for the listing, unique in the file (say W1). Upload the same ref again to change that listing; a venue or schedule row names the listing it belongs to by its ref.' },
  { name: 'row', rows: ['listing', 'venue', 'schedule'], explain: 'listing (or blank) for the listing’s own row; venue for another venue of the listing above; schedule for another time it meets.' },
  { name: 'name', rows: ['listing'], explain: 'Required. The listing’s name, as people know it (up to 200 characters).' },
  { name: 'description', rows: ['listing'], explain: 'What happens there and who it is for, in plain words (up to 5,000 characters).' },
  { name: 'organisation', rows: ['listing'], explain: 'Admins: the organisation that runs it (blank: the source’s organisation). Editors: blank or your own organisation’s name.' },
  { name: 'charity_number', rows: ['listing'], explain: 'Admins: the organisation’s charity or company number; an organisation we hold with that number is used as it is.' },
  { name: 'activity_types', rows: ['listing'], explain: 'Required. One to five activity types, separated by ; (codes such as social-groups or exercise-and-sport, or their names).' },
  { name: 'ways_of_taking_part', rows: ['listing'], explain: `How people take part, separated by ;: ${list(DELIVERY_MODES)}. Blank: venue, when it has a venue.` },
  { name: 'available_in', rows: ['listing'], explain: 'For home visits, telephone and online: where it is available, separated by ; (england, or ONS codes of local authorities such as E09000008, or wards). Blank: its organisation’s local authority.' },
  { name: 'group_size', rows: ['listing'], explain: `${list(GROUP_SIZES)} (small is about 12 or fewer). Blank: large.` },
  { name: 'minimum_age', rows: ['listing'], explain: 'The youngest age it takes, in whole years. Blank: no minimum.' },
  { name: 'maximum_age', rows: ['listing'], explain: 'The oldest age it takes, in whole years. Blank: no maximum.' },
  { name: 'gender', rows: ['listing'], explain: `${list(GENDER_RESTRICTIONS)}. Blank: none (anyone).` },
  { name: 'audiences', rows: ['listing'], explain: `Groups it is designed for, separated by ;: ${list(AUDIENCES)}.` },
  { name: 'languages', rows: ['listing'], explain: 'ISO 639 codes of the languages it is held in, separated by ; (en, pl, ur...). Blank: en.' },
  { name: 'physical_intensity', rows: ['listing'], explain: `${list(PHYSICAL_INTENSITIES)}. Blank: none.` },
  { name: 'fees', rows: ['listing'], explain: 'What it costs, in words (Free, or £3 a session, concessions £1). Blank: not said.' },
  { name: 'price', rows: ['listing'], explain: 'The usual price of a session in pounds, as a number (3.50). Blank: none given.' },
  { name: 'self_referral', rows: ['listing'], explain: 'yes if people may come without a referral, no if not. Blank: yes.' },
  { name: 'website', rows: ['listing'], explain: 'Its web page (https://...).' },
  { name: 'email', rows: ['listing'], explain: 'An email address for enquiries.' },
  { name: 'phone', rows: ['listing'], explain: 'A telephone number for enquiries.' },
  { name: 'status', rows: ['listing'], explain: `${list(SERVICE_STATUSES)}. Blank: active. inactive withdraws a listing uploaded before.` },
  { name: 'venue_name', rows: ['listing', 'venue', 'schedule'], explain: 'The venue’s name. On a schedule row: which of the listing’s venues it meets at (blank: its first).' },
  { name: 'address_1', rows: ['listing', 'venue'], explain: 'The venue’s street address (needed for a venue).' },
  { name: 'address_2', rows: ['listing', 'venue'], explain: 'A second address line.' },
  { name: 'town', rows: ['listing', 'venue'], explain: 'The venue’s town (needed for a venue).' },
  { name: 'postcode', rows: ['listing', 'venue'], explain: 'The venue’s postcode (needed for a venue); it is placed on the map from it unless latitude and longitude are given.' },
  { name: 'latitude', rows: ['listing', 'venue'], explain: 'Optional: the venue’s latitude (51.3762), when the postcode is new or not precise enough.' },
  { name: 'longitude', rows: ['listing', 'venue'], explain: 'Optional: the venue’s longitude (-0.0982).' },
  { name: 'accessibility', rows: ['listing', 'venue'], explain: `The venue’s access, separated by ;: ${list(ACCESSIBILITY_FEATURES)}.` },
  { name: 'transport_notes', rows: ['listing', 'venue'], explain: 'How to get there: buses, trams, parking.' },
  { name: 'days', rows: ['listing', 'venue', 'schedule'], explain: 'The days it meets, separated by ; (MO;TH or Monday;Thursday). With week_of_month: the one day it meets that week.' },
  { name: 'week_of_month', rows: ['listing', 'venue', 'schedule'], explain: 'For a monthly meeting: 1, 2, 3, 4, or -1 for the last week of the month.' },
  { name: 'date', rows: ['listing', 'venue', 'schedule'], explain: 'For a one-off meeting: its date (2026-12-24 or 24/12/2026), instead of days.' },
  { name: 'opens', rows: ['listing', 'venue', 'schedule'], explain: 'When it starts, 24-hour (10:00).' },
  { name: 'closes', rows: ['listing', 'venue', 'schedule'], explain: 'When it ends, 24-hour (12:00).' },
  { name: 'from', rows: ['listing', 'venue', 'schedule'], explain: 'Optional: the first date of a run of weekly or monthly meetings.' },
  { name: 'to', rows: ['listing', 'venue', 'schedule'], explain: 'Optional: the last date of a run of weekly or monthly meetings.' },
  { name: 'schedule_notes', rows: ['listing', 'venue', 'schedule'], explain: 'Anything else about when (term time only, not bank holidays).' },
]
const COLUMN_NAMES = new Set(CSV_COLUMNS.map((c) => c.name))
/** A row's reasons are reported in the order of its columns. */
const columnOrder = (column: string | null) => (column === null ? CSV_COLUMNS.length : CSV_COLUMNS.findIndex((c) => c.name === column) + 1 || CSV_COLUMNS.length)

/** A listing at two venues, meeting at each: the template's example rows. */
const EXAMPLE: Record<string, string>[] = [
  {
    ref: 'W1', row: 'listing', name: 'Thornton Heath Knit and Natter', description: 'Bring your knitting or learn: tea, biscuits and good company.', activity_types: 'arts-and-crafts;social-groups',
    group_size: 'small', minimum_age: '18', fees: 'Free', self_referral: 'yes', website: 'https://example.org/knit', phone: '020 7946 0000', venue_name: 'Thornton Heath Library',
    address_1: '190 Brigstock Road', town: 'Thornton Heath', postcode: 'CR7 7JE', accessibility: 'step_free;accessible_toilet', transport_notes: 'Buses 198 and 250 stop outside.', days: 'TU', opens: '10:00', closes: '12:00',
  },
  { ref: 'W1', row: 'venue', venue_name: 'Norbury Library', address_1: 'Beatrice Avenue', town: 'Norbury', postcode: 'SW16 4UW', accessibility: 'step_free', days: 'TH', opens: '14:00', closes: '16:00' },
  { ref: 'W1', row: 'schedule', venue_name: 'Thornton Heath Library', days: 'SA', week_of_month: '1', opens: '10:00', closes: '13:00', schedule_notes: 'A longer session on the first Saturday' },
]

/** The template: every column, and the example listing's rows. */
export function csvTemplate(): string {
  return stringify([CSV_COLUMNS.map((c) => c.name), ...EXAMPLE.map((r) => CSV_COLUMNS.map((c) => r[c.name] ?? ''))])
}

export interface LineReport {
  /** Where the row starts in the file (the header is line 1). */
  line: number
  ref: string | null
  row: RowKind | null
  /** A listing's outcome; a venue or schedule row is part of its listing's. */
  outcome: 'created' | 'updated' | 'unchanged' | 'withdrawn' | 'refused' | 'part_of_listing'
  /** The line of the listing row it belongs to. */
  listing_line: number | null
  listing_id: string | null
  reasons: { column: string | null; reason: string }[]
}

export interface CsvReport {
  dry_run: boolean
  run_id: number | null
  listings: number
  created: number
  updated: number
  unchanged: number
  withdrawn: number
  refused: number
  lines: LineReport[]
}

export const MAX_CSV_ROWS = 5_000

interface Row {
  line: number
  cells: Record<string, string>
  report: LineReport
}

interface Group {
  ref: string
  listing: Row
  extra: Row[]
}

/** Reads the file into rows keyed by column; refuses the whole file when it cannot be read. */
function readRows(text: string): Row[] {
  let records: { record: string[]; info: { lines: number } }[]
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true, max_record_size: 100_000 }) as unknown as typeof records
  } catch (e) {
    const line = (e as { lines?: number }).lines
    throw new Invalid(`The file could not be read as CSV${line ? ` (line ${line})` : ''}: ${(e as Error).message.replace(/^Invalid Record Length: /, '')}`, [{ in: 'body', pointer: '/', detail: 'not CSV' }])
  }
  const header = records.shift()
  if (!header) throw new Invalid('The file is empty: download the template and fill it in.', [{ in: 'body', pointer: '/', detail: 'empty' }])
  const names = header.record.map((h) => h.trim().toLowerCase().replace(/\s+/g, '_'))
  const unknown = names.filter((n) => n !== '' && !COLUMN_NAMES.has(n))
  const missing = ['ref', 'name', 'activity_types'].filter((n) => !names.includes(n))
  const twice = names.filter((n, i) => n !== '' && names.indexOf(n) !== i)
  const problems = [
    ...unknown.map((n) => `${n.slice(0, 50)} is not a column we know`),
    ...missing.map((n) => `the ${n} column is missing`),
    ...[...new Set(twice)].map((n) => `the ${n} column appears twice`),
  ]
  if (problems.length > 0) throw new Invalid(`The first line must name the template’s columns: ${problems.slice(0, 10).join('; ')}.`, problems.slice(0, 20).map((p) => ({ in: 'body', pointer: '/', detail: p })))
  if (records.length > MAX_CSV_ROWS) throw new Invalid(`The file has ${records.length} rows; upload at most ${MAX_CSV_ROWS} at a time.`, [{ in: 'body', pointer: '/', detail: 'too many rows' }])
  return records
    .map(({ record, info }) => {
      // info.lines is where the record ends; a quoted cell may span lines.
      const line = info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0)
      const cells: Record<string, string> = {}
      names.forEach((n, i) => {
        if (n !== '' && record[i] !== undefined) cells[n] = record[i]!.trim()
      })
      return { line, cells, report: { line, ref: cells.ref || null, row: null, outcome: 'refused' as const, listing_line: null, listing_id: null, reasons: [] } }
    })
    .filter((r) => Object.values(r.cells).some((v) => v !== ''))
}

/** Listing rows with the venue and schedule rows that follow them; misplaced rows get reasons. */
function group(rows: Row[]): Group[] {
  const groups = new Map<string, Group>()
  for (const r of rows) {
    const kind = (r.cells.row ?? '').toLowerCase() || 'listing'
    const refuse = (column: string | null, reason: string) => r.report.reasons.push({ column, reason })
    if (kind !== 'listing' && kind !== 'venue' && kind !== 'schedule') {
      refuse('row', `${kind.slice(0, 50)} is not a kind of row: listing, venue or schedule`)
      continue
    }
    r.report.row = kind
    const ref = r.cells.ref ?? ''
    if (ref === '') {
      refuse('ref', 'every row needs the ref of its listing')
      continue
    }
    if (ref.length > 200) {
      refuse('ref', 'a ref is at most 200 characters')
      continue
    }
    const g = groups.get(ref)
    if (kind === 'listing') {
      if (g) refuse('ref', `ref ${ref} is already the listing on line ${g.listing.line}: each listing row needs its own ref`)
      else groups.set(ref, { ref, listing: r, extra: [] })
    } else if (!g) {
      refuse('ref', `a ${kind} row belongs to a listing row above it with the same ref; there is none with ref ${ref}`)
    } else {
      r.report.listing_line = g.listing.line
      g.extra.push(r)
    }
  }
  return [...groups.values()]
}

const split = (v: string | undefined) => (v ?? '').split(';').map((x) => x.trim()).filter((x) => x !== '')
const norm = (v: string) => v.trim().toLowerCase().replace(/[\s-]+/g, '_')

/** A code from its code or its words ("Home visits", "home visit", "home_visit"). */
function vocabulary<T extends string>(codes: readonly T[], words: Record<string, string> | undefined, value: string): T | undefined {
  const n = norm(value)
  return codes.find((c) => c === n || norm(words?.[c] ?? '') === n || norm(c).replace(/s$/, '') === n.replace(/s$/, ''))
}

const DAY_BY_NAME = new Map<string, (typeof WEEKDAYS)[number]>(
  WEEKDAYS.flatMap((d) => [[d.toLowerCase(), d] as const, [WEEKDAY_NAMES[d].toLowerCase(), d] as const, [WEEKDAY_NAMES[d].slice(0, 3).toLowerCase(), d] as const]),
)

/** A date as YYYY-MM-DD, from that or the UK's DD/MM/YYYY. */
function isoDate(v: string): string | null {
  const uk = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v)
  return uk ? `${uk[3]}-${uk[2]!.padStart(2, '0')}-${uk[1]!.padStart(2, '0')}` : /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null
}

/** Which column (and line) a document's field came from, for a reason from the schema. */
const FIELD_COLUMN: Record<string, string> = {
  url: 'website', delivery_modes: 'ways_of_taking_part', gender_restriction: 'gender', taxonomy_terms: 'activity_types', service_areas: 'available_in', cost_options: 'price', contacts: 'phone',
  address_1: 'address_1', address_2: 'address_2', city: 'town', postal_code: 'postcode', byday: 'days', opens_at: 'opens', closes_at: 'closes', on_date: 'date', valid_from: 'from', valid_to: 'to',
  description: 'description', location_index: 'venue_name',
}

/** Builds one listing's document from its rows, adding reasons (by line and column) where it cannot. */
async function listingDocument(g: Group, ctx: MappingContext, terms: Map<string, string>): Promise<{ document: ServiceDocument } | undefined> {
  const c = g.listing.cells
  const reasonAt = (row: Row, column: string | null, reason: string) => row.report.reasons.push({ column, reason })
  const reason = (column: string | null, why: string) => reasonAt(g.listing, column, why)
  for (const row of [g.listing, ...g.extra]) for (const e of unstorableText(row.cells, 'body')) reasonAt(row, e.pointer.slice(1) || null, e.detail)

  const number = (row: Row, column: string, options: { integer?: boolean } = {}): number | null => {
    const v = row.cells[column] ?? ''
    if (v === '') return null
    const n = Number(v.replace(/^£/, ''))
    if (!Number.isFinite(n) || (options.integer && !Number.isInteger(n))) {
      reasonAt(row, column, `${v.slice(0, 50)} is not ${options.integer ? 'a whole number' : 'a number'}`)
      return null
    }
    return n
  }
  const codes = <T extends string>(row: Row, column: string, values: readonly T[], words?: Record<string, string>): T[] =>
    split(row.cells[column]).flatMap((v) => {
      const code = vocabulary(values, words, v)
      if (!code) reasonAt(row, column, `${v.slice(0, 50)} is not one of ${list(values)}`)
      return code ? [code] : []
    })
  const one = <T extends string>(column: string, values: readonly T[], fallback: T, words?: Record<string, string>): T => codes(g.listing, column, values, words)[0] ?? fallback

  // Activity types: our codes or names, or the admins' term map (scheme "csv").
  const activities = new Set<string>()
  for (const v of split(c.activity_types)) {
    const code = terms.get(v.toLowerCase()) ?? ctx.termMap.get(termKey('csv', v))?.activity[0]
    if (code) activities.add(code)
    else reason('activity_types', `${v.slice(0, 50)} is not an activity type: use the codes in the template’s guide, or ask an admin to map it`)
  }
  if (split(c.activity_types).length === 0) reason('activity_types', 'say what kind of activity it is (one to five activity types)')

  // Venues: the listing row's, then each venue row's; a venue row or listing row may carry a schedule there.
  const locations: unknown[] = []
  const locationRows: Row[] = []
  const venueNames: string[] = []
  const VENUE_COLUMNS = ['venue_name', 'address_1', 'address_2', 'town', 'postcode', 'latitude', 'longitude', 'accessibility', 'transport_notes']
  for (const row of [g.listing, ...g.extra.filter((r) => r.report.row === 'venue')]) {
    const v = row.cells
    if (row === g.listing && !VENUE_COLUMNS.some((k) => (v[k] ?? '') !== '')) continue
    let latitude = number(row, 'latitude')
    let longitude = number(row, 'longitude')
    if ((latitude === null) !== (longitude === null)) reasonAt(row, latitude === null ? 'latitude' : 'longitude', 'give both latitude and longitude, or neither')
    if (latitude === null || longitude === null) {
      if (!v.postcode) reasonAt(row, 'postcode', 'a venue needs a postcode')
      else {
        const placed = await ctx.place(v.postcode)
        if (placed) ({ latitude, longitude } = placed)
        else reasonAt(row, 'postcode', `${v.postcode.slice(0, 20)} is not a postcode we can place: check it, or give latitude and longitude`)
      }
    }
    venueNames.push((v.venue_name || v.address_1 || '').toLowerCase())
    locationRows.push(row)
    locations.push({
      name: v.venue_name || v.address_1 || '',
      description: '',
      latitude: latitude ?? 0,
      longitude: longitude ?? 0,
      transport_notes: v.transport_notes || null,
      address: { address_1: v.address_1 ?? '', address_2: v.address_2 || null, city: v.town ?? '', postal_code: v.postcode ?? '' },
      accessibility: codes(row, 'accessibility', ACCESSIBILITY_FEATURES, LABELS.accessibility).map((feature) => ({ feature, details: null })),
    })
  }

  // Schedules: on the listing row (at its first venue), on venue rows (there), on schedule rows (at the venue they name).
  const schedules: unknown[] = []
  const scheduleRows: Row[] = []
  const SCHEDULE_COLUMNS = ['days', 'week_of_month', 'date', 'opens', 'closes', 'from', 'to', 'schedule_notes']
  for (const row of [g.listing, ...g.extra]) {
    const v = row.cells
    if (!SCHEDULE_COLUMNS.some((k) => (v[k] ?? '') !== '')) {
      if (row.report.row === 'schedule') reasonAt(row, 'days', 'a schedule row needs days or a date, and times')
      continue
    }
    let at: number | null = locationRows.indexOf(row)
    if (at < 0) at = locations.length > 0 ? 0 : null
    if (row.report.row === 'schedule' && v.venue_name) {
      at = venueNames.indexOf(v.venue_name.toLowerCase())
      if (at < 0) reasonAt(row, 'venue_name', `${v.venue_name.slice(0, 100)} is not one of this listing’s venues`)
    }
    const byday = split(v.days).flatMap((d) => {
      const day = DAY_BY_NAME.get(d.toLowerCase())
      if (!day) reasonAt(row, 'days', `${d.slice(0, 20)} is not a day (MO, TU… or Monday, Tuesday…)`)
      return day ? [day] : []
    })
    const week = v.week_of_month ? Number(v.week_of_month) : null
    if (week !== null && ![1, 2, 3, 4, -1].includes(week)) reasonAt(row, 'week_of_month', 'the week of the month is 1, 2, 3, 4 or -1 (the last)')
    const dates = Object.fromEntries(['date', 'from', 'to'].map((k) => {
      const d = v[k] ? isoDate(v[k]!) : null
      if (v[k] && !d) reasonAt(row, k, `${v[k]!.slice(0, 20)} is not a date (2026-12-24 or 24/12/2026)`)
      return [k, d]
    }))
    const clock = (k: string) => {
      const t = v[k] ?? ''
      if (t === '') return null
      const m = /^([01]?\d|2[0-3])[:.]([0-5]\d)$/.exec(t)
      if (!m) reasonAt(row, k, `${t.slice(0, 20)} is not a time (10:00)`)
      return m ? `${m[1]!.padStart(2, '0')}:${m[2]}` : null
    }
    scheduleRows.push(row)
    schedules.push({
      location_index: at !== null && at >= 0 ? at : null,
      kind: dates.date ? 'one_off' : week !== null ? 'monthly' : byday.length > 0 ? 'weekly' : 'by_arrangement',
      byday: dates.date ? [] : byday,
      week_of_month: dates.date ? null : week,
      on_date: dates.date,
      opens_at: clock('opens'),
      closes_at: clock('closes'),
      valid_from: dates.from,
      valid_to: dates.to,
      description: v.schedule_notes || null,
    })
  }

  // Where home, telephone and online offers are available.
  const service_areas = split(c.available_in).flatMap((a): ServiceDocument['service_areas'] => {
    if (a.toLowerCase() === 'england') return [{ kind: 'england' as const }]
    const kind = ctx.boundaries.get(a.toUpperCase())
    if (kind === 'local_authority' || kind === 'ward') return [{ kind, code: a.toUpperCase() }]
    reason('available_in', `${a.slice(0, 20)} is not england or the ONS code of a local authority or ward we hold`)
    return []
  })
  let modes = codes(g.listing, 'ways_of_taking_part', DELIVERY_MODES, LABELS.delivery_mode)
  if (modes.length === 0 && !c.ways_of_taking_part) {
    if (locations.length > 0) modes = ['venue']
    else reason('ways_of_taking_part', 'say how people take part: it has no venue')
  }
  const price = number(g.listing, 'price')
  const yes = (c.self_referral ?? '').toLowerCase()
  if (yes !== '' && !['yes', 'no', 'y', 'n', 'true', 'false'].includes(yes)) reason('self_referral', 'yes or no')

  const draft = {
    name: c.name ?? '',
    description: c.description ?? '',
    url: c.website || null,
    email: c.email || null,
    status: one('status', SERVICE_STATUSES, 'active', LABELS.status),
    fees: c.fees || null,
    delivery_modes: modes,
    group_size: one('group_size', GROUP_SIZES, 'large', LABELS.group_size),
    minimum_age: number(g.listing, 'minimum_age', { integer: true }),
    maximum_age: number(g.listing, 'maximum_age', { integer: true }),
    gender_restriction: one('gender', GENDER_RESTRICTIONS, 'none', LABELS.gender_restriction),
    audiences: codes(g.listing, 'audiences', AUDIENCES, LABELS.audience),
    languages: split(c.languages).map((l) => l.toLowerCase()).length > 0 ? split(c.languages).map((l) => l.toLowerCase()) : undefined,
    physical_intensity: one('physical_intensity', PHYSICAL_INTENSITIES, 'none', LABELS.physical_intensity),
    self_referral: !['no', 'n', 'false'].includes(yes),
    taxonomy_terms: [...activities],
    locations,
    schedules,
    service_areas,
    cost_options: price === null ? [] : [{ option: 'A session', amount: price, amount_description: null, concessions: null }],
    contacts: c.phone ? [{ name: null, title: null, email: null, phones: [{ number: c.phone, description: null }] }] : [],
  }
  // A row with a bad value has its reason already: the schema's objections to what stood in for
  // the value (a venue at 0°N, say) would only repeat it.
  const reasoned = new Set([g.listing, ...g.extra].filter((r) => r.report.reasons.length > 0))
  const parsed = ServiceDocumentSchema.safeParse(draft)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [top, index, ...rest] = issue.path.map(String)
      const rows = top === 'locations' ? locationRows : top === 'schedules' ? scheduleRows : undefined
      const row = rows && index !== undefined ? rows[Number(index)] ?? g.listing : g.listing
      const field = rows ? (rest.filter((p) => !/^\d+$/.test(p)).at(-1) ?? (top === 'schedules' ? 'days' : 'venue_name')) : top ?? null
      const column = field === null ? null : field === 'name' && top === 'locations' ? 'venue_name' : (FIELD_COLUMN[field] ?? field)
      if (!reasoned.has(row) && !row.report.reasons.some((r) => r.column === column)) reasonAt(row, column, issue.message)
    }
  }
  if ([g.listing, ...g.extra].some((r) => r.report.reasons.length > 0) || !parsed.success) return undefined
  return { document: parsed.data }
}

/** Who is uploading: an admin into a source, or an organisation's editor into its own. */
export interface Uploader {
  accountId: string
  /** An editor's organisation: every listing goes to it, and naming another is refused. */
  organization?: { id: string; name: string }
  /** Replace listings changed on Connector since they were last uploaded. */
  replaceEdited: boolean
}

class DryRun extends Error {
  constructor(readonly report: CsvReport) {
    super('dry run')
  }
}

/**
 * When the listing's content was last changed other than by an upload through this source, if
 * it was after the last upload. Confirming it and setting its referral capacity do not count:
 * those are kept through an upload (the spreadsheet has no columns for them).
 */
async function editedSince(db: Queryable, sourceId: string, recordId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ by_upload: boolean; changed_at: Date }>(
    `SELECT r.source_id IS NOT DISTINCT FROM $2 AS by_upload, v.changed_at FROM record_version v LEFT JOIN ingest_run r ON r.id = v.ingest_run_id
      WHERE v.record_type = 'service' AND v.record_id = $1 AND v.action NOT IN ('confirm', 'referral_status', 'hand_over') ORDER BY v.version DESC LIMIT 1`,
    [recordId, sourceId],
  )
  const last = rows[0]
  return last && !last.by_upload ? last.changed_at.toISOString().slice(0, 10) : undefined
}

/**
 * Imports (or, with dryRun, only reports) a CSV file into a csv source. Resolves with a line by
 * line report; the whole file is refused with a 4xx when it cannot be read as the template.
 */
export async function importCsv(db: Db, source: Source, text: string, options: { dryRun: boolean; uploader: Uploader; now: Date }): Promise<CsvReport> {
  const rows = readRows(text)
  const groups = group(rows)
  let report: CsvReport | undefined
  const locked = await db.withTryLock(lockKey(`ingest:${source.id}`), async () => {
    try {
      report = await db.transaction(async (tx) => {
        const ctx = await loadMappingContext(tx, source)
        const { rows: termRows } = await tx.query<{ code: string; name: string }>('SELECT code, name FROM taxonomy_term')
        const terms = new Map(termRows.flatMap((t) => [[t.code.toLowerCase(), t.code] as [string, string], [t.name.toLowerCase(), t.code] as [string, string]]))
        const { rows: runRows } = await tx.query<{ id: number }>(`INSERT INTO ingest_run (source_id, started_at, triggered_by) VALUES ($1, $2, 'upload') RETURNING id`, [source.id, options.now.toISOString()])
        const run: Run = { id: runRows[0]!.id, sourceId: source.id, defaultOrganizationId: options.uploader.organization?.id ?? source.default_organization_id, now: options.now, by: options.uploader.accountId }
        const counts = { created: 0, updated: 0, unchanged: 0, withdrawn: 0, refused: 0 }
        for (const g of groups) {
          // This upload's word on the listing replaces what an earlier one left in quarantine.
          await resolveQuarantine(tx, source.id, g.ref, 'superseded', options.now)
          const outcome = await importListing(tx, run, g, ctx, terms, options.uploader)
          for (const r of [g.listing, ...g.extra]) r.report.reasons.sort((x, y) => columnOrder(x.column) - columnOrder(y.column))
          if (outcome === 'refused') {
            counts.refused += 1
            const reasons: Reason[] = [g.listing, ...g.extra].flatMap((r) => r.report.reasons.map((x) => ({ pointer: `line ${r.line}${x.column ? `, ${x.column}` : ''}`, reason: x.reason })))
            await tx.query(
              `INSERT INTO ingest_quarantine (source_id, run_id, external_id, payload, reasons, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
              [source.id, run.id, g.ref, JSON.stringify(storablePayload({ rows: [g.listing, ...g.extra].map((r) => ({ line: r.line, cells: r.cells })) })), JSON.stringify(reasons), options.now.toISOString()],
            )
          } else counts[outcome] += 1
          for (const r of [g.listing, ...g.extra]) {
            r.report.outcome = r === g.listing ? outcome : outcome === 'refused' ? 'refused' : 'part_of_listing'
            r.report.listing_line = g.listing.line
          }
        }
        // Rows outside any listing (a venue row with no listing above it) are refused on their own.
        const stray = rows.filter((r) => r.report.listing_line === null && r.report.reasons.length > 0).length
        const result: CsvReport = { dry_run: options.dryRun, run_id: options.dryRun ? null : run.id, listings: groups.length, ...counts, lines: rows.map((r) => r.report) }
        await tx.query(
          `UPDATE ingest_run SET status = 'succeeded', complete = false, finished_at = $2, pages = 1, fetched = $3, created = $4, updated = $5, unchanged = $6, withdrawn = $7, quarantined = $8,
                  error = CASE WHEN $9 > 0 THEN $9 || ' row(s) belonged to no listing' END WHERE id = $1`,
          [run.id, options.now.toISOString(), groups.length, counts.created, counts.updated, counts.unchanged, counts.withdrawn, counts.refused, stray],
        )
        if (options.dryRun) throw new DryRun(result)
        return result
      })
    } catch (e) {
      if (e instanceof DryRun) report = e.report
      else throw e
    }
  })
  if (!locked) throw new HarvestRunning(source.name)
  return report!
}

/** Fields of a listing the spreadsheet does not carry: an upload leaves them as they are. */
const KEPT_FIELDS = ['alert', 'typical_attendance', 'interpreter_available', 'newcomer_support', 'referral_capacity'] as const satisfies readonly (keyof ServiceDocument)[]

/** One listing, under a savepoint: written, or refused with its reasons on its lines. */
async function importListing(tx: Queryable, run: Run, g: Group, ctx: MappingContext, terms: Map<string, string>, uploader: Uploader): Promise<Outcome | 'refused'> {
  if ([g.listing, ...g.extra].some((r) => r.report.reasons.length > 0)) {
    await listingDocument(g, ctx, terms)
    return 'refused'
  }
  const built = await listingDocument(g, ctx, terms)
  const c = g.listing.cells
  const named = c.organisation ?? ''
  if (uploader.organization && named !== '' && named.toLowerCase() !== uploader.organization.name.toLowerCase()) {
    g.listing.report.reasons.push({ column: 'organisation', reason: `you can upload listings for your own organisation (${uploader.organization.name}) only` })
    return 'refused'
  }
  if (!built) return 'refused'
  const { rows } = await tx.query<{ record_id: string }>(`SELECT record_id FROM ingest_record WHERE source_id = $1 AND record_type = 'service' AND external_id = $2`, [run.sourceId, g.ref])
  let document = built.document
  if (rows[0]) {
    const edited = uploader.replaceEdited ? undefined : await editedSince(tx, run.sourceId, rows[0].record_id)
    if (edited) {
      g.listing.report.reasons.push({ column: 'ref', reason: `this listing was changed on Connector on ${edited}, after it was last uploaded: upload again choosing to replace those changes, or leave it out` })
      g.listing.report.listing_id = rows[0].record_id
      return 'refused'
    }
    // What the spreadsheet has no column for stays as the listing has it.
    const current = (await readService(tx, rows[0].record_id))?.document
    if (current) document = { ...document, ...Object.fromEntries(KEPT_FIELDS.map((k) => [k, current[k]])) }
  }
  await tx.query('SAVEPOINT csv_listing')
  try {
    const organizationId =
      !uploader.organization && named !== ''
        ? await applyOrganization(tx, run, {
            externalId: c.charity_number ? `charity:${c.charity_number.replace(/\s/g, '').toUpperCase()}` : `name:${named.toLowerCase()}`,
            identifier: c.charity_number || null,
            document: { name: named, description: '', email: null, website: null, charity_number: c.charity_number || null, local_authority: null },
          })
        : (uploader.organization?.id ?? null)
    const outcome = await applyService(tx, run, { externalId: g.ref, organizationId, document, assuredAt: null, said: built.document })
    const { rows: linked } = await tx.query<{ record_id: string }>(`SELECT record_id FROM ingest_record WHERE source_id = $1 AND record_type = 'service' AND external_id = $2`, [run.sourceId, g.ref])
    g.listing.report.listing_id = linked[0]?.record_id ?? null
    await tx.query('RELEASE SAVEPOINT csv_listing')
    return outcome
  } catch (e) {
    await tx.query('ROLLBACK TO SAVEPOINT csv_listing')
    const reasons = e instanceof Refused ? e.reasons : (e as { status?: number }).status !== undefined && (e as { status: number }).status < 500 ? [{ pointer: '/', reason: (e as Error).message }] : undefined
    if (!reasons) throw e
    for (const r of reasons) g.listing.report.reasons.push({ column: r.pointer === '/organization' ? 'organisation' : null, reason: r.reason })
    return 'refused'
  }
}
