/**
 * Reading and writing an organisation's own records as whole documents, each write checked
 * against the version the editor read (optimistic concurrency) and kept in `record_version`
 * with who, when and what changed.
 */
import { named, type Queryable } from '../db/db.ts'
import { Invalid, NotFound, Problem, ValidationProblem } from '../problem.ts'
import type { Principal } from '../auth/store.ts'
import { randomUUID } from 'node:crypto'
import { areasToStore, READ_AREAS_SQL, writeServiceAreas, type ServiceAreas } from './areas.ts'
import type { OrganizationDocument, ServiceDocument } from './schemas.ts'

export type RecordType = 'organization' | 'service'
export type VersionAction = 'create' | 'update' | 'confirm' | 'referral_status' | 'restore' | 'hide' | 'withdraw' | 'hand_over'

/** 412: the record changed since the editor read it; nothing was written. */
export class StaleVersion extends Problem {
  constructor(current: number) {
    super(412, 'stale-version', 'The record has changed', `Someone saved a newer version (${current}) since you read it. Reload, reapply your change and save again.`)
  }
}

/** 428: updates must say which version they change. */
export class VersionRequired extends Problem {
  constructor() {
    super(428, 'version-required', 'If-Match required', 'Send the version you read as If-Match: "<version>".')
  }
}

/** The version an If-Match header names ("3", W/"3" or 3); undefined when absent. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim())
  if (!m) {
    throw new ValidationProblem('If-Match must be a version number such as "3".', [
      { in: 'headers', pointer: '/if-match', detail: 'not a version' },
    ])
  }
  return Number(m[1])
}

/**
 * May this person edit this organisation's records? Admins may edit any; editors only their
 * own. Anyone else, and an organisation that does not exist, get the same 404.
 */
export function mayEdit(principal: Principal, organizationId: string): boolean {
  return principal.role === 'admin' || (principal.role === 'editor' && principal.organization_ids.includes(organizationId))
}

export async function organizationOf(db: Queryable, serviceId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ organization_id: string }>('SELECT organization_id FROM service WHERE id = $1', [serviceId])
  return rows[0]?.organization_id
}

export async function readOrganization(db: Queryable, id: string): Promise<{ version: number; document: OrganizationDocument } | undefined> {
  const { rows } = await db.query<OrganizationDocument & { version: number }>(
    'SELECT name, description, email, website, charity_number, local_authority, version FROM organization WHERE id = $1',
    [id],
  )
  if (!rows[0]) return undefined
  const { version, ...document } = rows[0]
  return { version, document }
}

export interface ServiceRowDoc {
  id: string
  organization_id: string
  version: number
  verified_at: Date | null
  document: ServiceDocument
}

/**
 * The statements of reading and writing a listing are named (kept prepared per connection):
 * planning them took longer than running them (bench/README.md, ingest).
 */
const readServiceSql = (where: string) => `SELECT s.id, s.organization_id, s.version, s.verified_at, json_build_object(
       'name', s.name, 'description', s.description, 'url', s.url, 'email', s.email,
       'status', coalesce(s.status_before_hidden, s.status),
       'fees', s.fees, 'alert', s.alert, 'delivery_modes', s.delivery_modes, 'group_size', s.group_size,
       'typical_attendance', s.typical_attendance, 'minimum_age', s.minimum_age, 'maximum_age', s.maximum_age,
       'gender_restriction', s.gender_restriction, 'audiences', s.audiences, 'languages', s.languages,
       'interpreter_available', s.interpreter_available,
       'newcomer_support', s.newcomer_support, 'physical_intensity', s.physical_intensity,
       'self_referral', s.self_referral, 'referral_capacity', s.referral_capacity,
       'taxonomy_terms', ARRAY(SELECT t.code FROM service_taxonomy_term st JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
                                WHERE st.service_id = s.id ORDER BY t.code),
       'locations', coalesce((SELECT json_agg(json_build_object(
            'id', l.id, 'name', l.name, 'description', l.description, 'latitude', l.latitude, 'longitude', l.longitude,
            'transport_notes', l.transport_notes,
            'address', (SELECT json_build_object('address_1', a.address_1, 'address_2', a.address_2, 'city', a.city, 'postal_code', a.postal_code)
                          FROM address a WHERE a.location_id = l.id ORDER BY a.id LIMIT 1),
            'accessibility', coalesce((SELECT json_agg(json_build_object('feature', x.feature, 'details', x.details) ORDER BY x.feature)
                                         FROM accessibility x WHERE x.location_id = l.id), '[]'))
            ORDER BY sal.ordinal, sal.id)
          FROM service_at_location sal JOIN location l ON l.id = sal.location_id WHERE sal.service_id = s.id), '[]'),
       'schedules', coalesce((SELECT json_agg(json_build_object(
            'location_index', (SELECT i - 1 FROM (SELECT sal2.id, row_number() OVER (ORDER BY sal2.ordinal, sal2.id) AS i
                                                    FROM service_at_location sal2 WHERE sal2.service_id = s.id) o
                                WHERE o.id = sc.service_at_location_id),
            'kind', sc.kind, 'byday', sc.byday, 'week_of_month', sc.week_of_month, 'on_date', sc.on_date::text,
            'opens_at', to_char(sc.opens_at, 'HH24:MI'), 'closes_at', to_char(sc.closes_at, 'HH24:MI'),
            'valid_from', sc.valid_from::text, 'valid_to', sc.valid_to::text, 'description', sc.description)
            ORDER BY (SELECT sal4.ordinal FROM service_at_location sal4 WHERE sal4.id = sc.service_at_location_id) NULLS FIRST, sc.service_at_location_id, sc.kind, sc.opens_at, sc.on_date, sc.byday, sc.id)
          FROM schedule sc
         -- ANY (ARRAY(...)) rather than IN (SELECT ...), so both schedule indexes are used
         -- instead of a scan of every schedule in the directory.
         WHERE sc.service_id = s.id
            OR sc.service_at_location_id = ANY (ARRAY(SELECT id FROM service_at_location WHERE service_id = s.id))), '[]'),
       'cost_options', coalesce((SELECT json_agg(json_build_object('option', c.option, 'amount', c.amount,
            'amount_description', c.amount_description, 'concessions', c.concessions) ORDER BY c.amount, c.option, c.id)
          FROM cost_option c WHERE c.service_id = s.id), '[]'),
       'contacts', coalesce((SELECT json_agg(json_build_object('name', ct.name, 'title', ct.title, 'email', ct.email,
            'phones', coalesce((SELECT json_agg(json_build_object('number', p.number, 'description', p.description) ORDER BY p.id)
                                  FROM phone p WHERE p.contact_id = ct.id), '[]')) ORDER BY ct.id)
          FROM contact ct WHERE ct.service_id = s.id), '[]'),
       'service_areas', ${READ_AREAS_SQL('s', 'SELECT sal3.location_id, row_number() OVER (ORDER BY sal3.ordinal, sal3.id) AS i FROM service_at_location sal3 WHERE sal3.service_id = s.id')}
     ) AS document
     FROM service s WHERE ${where}`
const READ_SERVICE = named('read_service', readServiceSql('s.id = $1'))
const READ_SERVICES = named('read_services', readServiceSql('s.id = ANY ($1::uuid[])'))

export async function readService(db: Queryable, id: string): Promise<ServiceRowDoc | undefined> {
  const { rows } = await db.query<ServiceRowDoc>(READ_SERVICE, [id])
  return rows[0]
}

/** Listings as `readService` reads each, by id (those that exist). */
export async function readServices(db: Queryable, ids: string[]): Promise<Map<string, ServiceRowDoc>> {
  if (ids.length === 0) return new Map()
  const { rows } = await db.query<ServiceRowDoc>(READ_SERVICES, [ids])
  return new Map(rows.map((r) => [r.id, r]))
}

/** Top-level fields whose values differ: { field: { from, to } }. */
export function diff(before: object | null, after: object): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {}
  const b = (before ?? {}) as Record<string, unknown>
  for (const [k, v] of Object.entries(after)) {
    if (JSON.stringify(b[k] ?? null) !== JSON.stringify(v ?? null)) changes[k] = { from: b[k] ?? null, to: v }
  }
  return changes
}

export interface VersionEntry {
  type: RecordType
  id: string
  version: number
  action: VersionAction
  by: string | null
  changes: object
  snapshot: object
  run?: number
}

export async function recordVersion(db: Queryable, v: VersionEntry, now: Date): Promise<void> {
  await recordVersions(db, [v], now)
}

/** Keeps versions in the history, in one statement. */
export async function recordVersions(db: Queryable, versions: VersionEntry[], now: Date): Promise<void> {
  if (versions.length === 0) return
  await db.query(
    named('record_versions', `INSERT INTO record_version (record_type, record_id, version, action, changed_at, changed_by, changes, snapshot, ingest_run_id)
     SELECT v.type, v.id, v.version, v.action, $2::timestamptz, v.by, v.changes, v.snapshot, v.run
       FROM jsonb_to_recordset($1::jsonb) AS v (type text, id uuid, version int, action text, by uuid, changes jsonb, snapshot jsonb, run bigint)`),
    [JSON.stringify(versions.map((v) => ({ ...v, run: v.run ?? null }))), now.toISOString()],
  )
}

/** Locks the row and checks the version the editor read; returns the new version number. */
export async function claimVersion(db: Queryable, type: RecordType, id: string, expected: number): Promise<number> {
  await claimVersions(db, type, [{ id, expected }])
  return expected + 1
}

/** Locks the rows (in the order of their ids) and checks each is at the version read. */
export async function claimVersions(db: Queryable, type: RecordType, claims: { id: string; expected: number }[]): Promise<void> {
  if (claims.length === 0) return
  const { rows } = await db.query<{ id: string; version: number }>(
    named(`claim_versions_${type}`, `SELECT id, version FROM ${type} WHERE id = ANY ($1::uuid[]) ORDER BY id FOR UPDATE`),
    [claims.map((c) => c.id)],
  )
  for (const c of claims) {
    const row = rows.find((r) => r.id === c.id)
    if (!row) throw new NotFound(`No such ${type}.`)
    if (row.version !== c.expected) throw new StaleVersion(row.version)
  }
}

/** A local authority the organisation names must be one whose boundary we hold. */
async function checkAuthority(db: Queryable, doc: OrganizationDocument, pointer: string): Promise<void> {
  if (doc.local_authority === null) return
  const { rowCount } = await db.query(`SELECT 1 FROM boundary WHERE code = $1 AND kind = 'local_authority'`, [doc.local_authority])
  if (rowCount === 0) {
    throw new Invalid(`There is no local authority with the code ${doc.local_authority}.`, [{ in: 'body', pointer, detail: 'not a local authority we hold' }])
  }
}

export async function writeOrganization(db: Queryable, id: string, doc: OrganizationDocument, version: number, pointer = '/local_authority'): Promise<void> {
  await checkAuthority(db, doc, pointer)
  await db.query(
    'UPDATE organization SET name = $2, description = $3, email = $4, website = $5, charity_number = $6, local_authority = $7, version = $8 WHERE id = $1',
    [id, doc.name, doc.description, doc.email, doc.website, doc.charity_number, doc.local_authority, version],
  )
}

/** An organisation to add: approved (created by an admin, a feed, or the demo), or pending until an admin approves it. */
export interface NewOrganization {
  id: string
  document: OrganizationDocument
  moderation: 'pending' | 'approved'
  by: string | null
  now: Date
  run?: number
}

/**
 * Adds an organisation: approved (created by an admin, or the demo), or pending until an admin
 * approves it (registered by itself). Its first version is kept in its history.
 */
export async function createOrganization(db: Queryable, o: NewOrganization, pointer = '/local_authority'): Promise<void> {
  await createOrganizations(db, [o], o.now, pointer)
}

/** Adds organisations as `createOrganization` adds one, at the same moment, in one statement for all of them. */
export async function createOrganizations(db: Queryable, orgs: Omit<NewOrganization, 'now'>[], now: Date, pointer = '/local_authority'): Promise<void> {
  if (orgs.length === 0) return
  for (const o of orgs) await checkAuthority(db, o.document, pointer)
  await db.query(
    named('create_organizations', `INSERT INTO organization (id, name, description, email, website, charity_number, local_authority, moderation, approved_at)
     SELECT o.id, o.name, o.description, o.email, o.website, o.charity_number, o.local_authority, o.moderation, o.approved_at
       FROM jsonb_to_recordset($1::jsonb) AS o (id uuid, name text, description text, email text, website text, charity_number text, local_authority text,
                                                moderation text, approved_at timestamptz)`),
    [JSON.stringify(orgs.map(({ id, document: d, moderation }) => ({ id, ...d, moderation, approved_at: moderation === 'approved' ? now.toISOString() : null })))],
  )
  await recordVersions(db, orgs.map((o) => ({ type: 'organization', id: o.id, version: 1, action: 'create', by: o.by, changes: diff(null, o.document), snapshot: o.document, run: o.run })), now)
}

/**
 * Adds a service to an organisation. A listing is confirmed as running at the moment it is
 * created (it cannot be staler than its own creation); its first version is kept.
 */
export async function createService(
  db: Queryable,
  s: { id: string; organizationId: string; document: ServiceDocument; by: string | null; now: Date },
): Promise<void> {
  await writeService(db, s.id, s.organizationId, s.document, 1, { confirmedAt: s.now })
  const stored = (await readService(db, s.id))!.document
  await recordVersion(db, { type: 'service', id: s.id, version: 1, action: 'create', by: s.by, changes: diff(null, stored), snapshot: stored }, s.now)
}

/** One listing to write: its document as a whole, under the version it becomes. */
export interface ServiceWrite {
  id: string
  organizationId: string
  document: ServiceDocument
  version: number
  /** When the write also confirms the listing is running (brings a hidden one back). */
  confirmedAt?: Date
}

/**
 * Writes a whole service document: its fields, activity types, venues (a venue another
 * organisation also uses is copied rather than changed under them), schedules, costs and
 * contacts. Venues no longer listed are unlinked, and removed when nothing else uses them.
 */
export async function writeService(
  db: Queryable,
  id: string,
  organizationId: string,
  doc: ServiceDocument,
  version: number,
  options: { confirmedAt?: Date } = {},
): Promise<void> {
  await writeServices(db, [{ id, organizationId, document: doc, version, confirmedAt: options.confirmedAt }])
}

/**
 * Writes listings as `writeService` writes one, each table in one statement for all of them
 * (a harvest writes a page of a feed this way). A listing that cannot be written throws, as
 * `writeService` does, and the caller's transaction holds whatever was written before.
 */
export async function writeServices(db: Queryable, writes: ServiceWrite[]): Promise<void> {
  if (writes.length === 0) return
  const serviceIds = writes.map((w) => w.id)
  const { rows: terms } = await db.query<{ id: string; code: string }>(named('write_services_terms', 'SELECT id, code FROM taxonomy_term WHERE code = ANY ($1)'), [
    [...new Set(writes.flatMap((w) => w.document.taxonomy_terms))],
  ])
  const termIds = new Map(terms.map((t) => [t.code, t.id]))
  for (const { document: doc } of writes) {
    const unknown = doc.taxonomy_terms.filter((c) => !termIds.has(c))
    if (unknown.length > 0) {
      throw new Invalid(`Unknown activity type: ${unknown.join(', ')}`, unknown.map((c) => ({ in: 'body' as const, pointer: `/taxonomy_terms/${doc.taxonomy_terms.indexOf(c)}`, detail: `${c} is not a taxonomy term code` })))
    }
  }
  // A pending organisation's services, and hidden (long unconfirmed) ones, are held inactive;
  // the chosen status waits for approval or confirmation. A write that confirms the listing
  // is running brings a hidden one back. (Subqueries read the rows as they were before.)
  await db.query(
    named('write_services_rows', `INSERT INTO service (id, organization_id, name, description, url, email, status, fees, alert, delivery_modes, group_size,
                          typical_attendance, minimum_age, maximum_age, gender_restriction, audiences, languages, newcomer_support,
                          physical_intensity, self_referral, referral_capacity, version, status_before_hidden,
                          interpreter_available, verified_at)
     SELECT r.id, r.organization_id, r.name, r.description, r.url, r.email, CASE WHEN h.held THEN 'inactive' ELSE r.status END, r.fees, r.alert,
            r.delivery_modes, r.group_size, r.typical_attendance, r.minimum_age, r.maximum_age, r.gender_restriction, r.audiences, r.languages,
            r.newcomer_support, r.physical_intensity, r.self_referral, r.referral_capacity, r.version, CASE WHEN h.held THEN r.status END,
            r.interpreter_available, r.verified_at
       FROM jsonb_populate_recordset(NULL::service, $1::jsonb) AS r,
            LATERAL (SELECT (SELECT moderation = 'pending' FROM organization WHERE id = r.organization_id)
                            OR (r.verified_at IS NULL AND coalesce((SELECT hidden_at IS NOT NULL FROM service WHERE id = r.id), false)) AS held) AS h
     ON CONFLICT (id) DO UPDATE SET
       name = EXCLUDED.name, description = EXCLUDED.description, url = EXCLUDED.url, email = EXCLUDED.email,
       status = EXCLUDED.status, fees = EXCLUDED.fees, alert = EXCLUDED.alert, delivery_modes = EXCLUDED.delivery_modes,
       group_size = EXCLUDED.group_size, typical_attendance = EXCLUDED.typical_attendance, minimum_age = EXCLUDED.minimum_age,
       maximum_age = EXCLUDED.maximum_age, gender_restriction = EXCLUDED.gender_restriction, audiences = EXCLUDED.audiences,
       languages = EXCLUDED.languages, newcomer_support = EXCLUDED.newcomer_support, physical_intensity = EXCLUDED.physical_intensity,
       self_referral = EXCLUDED.self_referral, referral_capacity = EXCLUDED.referral_capacity, version = EXCLUDED.version,
       status_before_hidden = EXCLUDED.status_before_hidden, interpreter_available = EXCLUDED.interpreter_available,
       verified_at = coalesce(EXCLUDED.verified_at, service.verified_at),
       hidden_at = CASE WHEN EXCLUDED.verified_at IS NULL THEN service.hidden_at END`),
    [
      JSON.stringify(
        writes.map(({ id, organizationId, document: d, version, confirmedAt }) => ({
          id, organization_id: organizationId, name: d.name, description: d.description, url: d.url, email: d.email, status: d.status, fees: d.fees,
          alert: d.alert, delivery_modes: d.delivery_modes, group_size: d.group_size, typical_attendance: d.typical_attendance,
          minimum_age: d.minimum_age, maximum_age: d.maximum_age, gender_restriction: d.gender_restriction, audiences: d.audiences,
          languages: d.languages, newcomer_support: d.newcomer_support, physical_intensity: d.physical_intensity, self_referral: d.self_referral,
          referral_capacity: d.referral_capacity, version, interpreter_available: d.interpreter_available, verified_at: confirmedAt?.toISOString() ?? null,
        })),
      ),
    ],
  )
  const links = writes.flatMap((w) => w.document.taxonomy_terms.map((c) => [w.id, termIds.get(c)!] as const))
  const linkArrays = [links.map((l) => l[0]), links.map((l) => l[1])]
  await db.query(
    named('write_services_terms_drop', `DELETE FROM service_taxonomy_term WHERE service_id = ANY ($1::uuid[])
       AND (service_id, taxonomy_term_id) NOT IN (SELECT * FROM unnest($2::uuid[], $3::uuid[]))`),
    [serviceIds, ...linkArrays],
  )
  await db.query(named('write_services_terms_add', 'INSERT INTO service_taxonomy_term (service_id, taxonomy_term_id) SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING'), linkArrays)

  // Venues: kept where the document names one of the listing's own, copied where another
  // organisation also uses it (theirs stays as it is), added otherwise. A venue written
  // through this path belongs to this listing alone.
  const { rows: linked } = await db.query<{ service_id: string; sal_id: string; location_id: string; shared: boolean }>(
    named('write_services_venues', `SELECT sal.service_id, sal.id AS sal_id, sal.location_id,
            EXISTS (SELECT 1 FROM service_at_location o JOIN service os ON os.id = o.service_id
                     WHERE o.location_id = sal.location_id AND os.organization_id <> w.organization_id) AS shared
       FROM unnest($1::uuid[], $2::uuid[]) AS w (service_id, organization_id)
       JOIN service_at_location sal ON sal.service_id = w.service_id`),
    [serviceIds, writes.map((w) => w.organizationId)],
  )
  const kept: object[] = []
  const added: object[] = []
  const venues: { service_id: string; location_id: string; ordinal: number; address_1: string; address_2: string | null; city: string; postal_code: string; accessibility: object[] }[] = []
  /** Each listing's venues as stored, in its document's order. */
  const locationIds = new Map(writes.map((w) => [w.id, [] as string[]]))
  for (const w of writes) {
    for (const [i, loc] of w.document.locations.entries()) {
      const current = loc.id === undefined ? undefined : linked.find((l) => l.service_id === w.id && l.location_id === loc.id)
      if (loc.id !== undefined && !current) {
        throw new Invalid('A location id must be one of this service’s venues; leave it out to add a venue.', [{ in: 'body', pointer: `/locations/${i}/id`, detail: 'not a venue of this service' }])
      }
      if (current && linked.some((l) => l.location_id === current.location_id && l.service_id !== w.id)) {
        // Written one at a time, the second listing would see the first one's change; here both
        // would be written from the venue as it was. (No harvest shares venues between listings.)
        throw new Error('Two listings written together share a venue: write them one at a time.')
      }
      const fields = { name: loc.name, description: loc.description, latitude: loc.latitude, longitude: loc.longitude, transport_notes: loc.transport_notes }
      let locationId: string
      if (current && !current.shared) {
        locationId = current.location_id
        kept.push({ id: locationId, ...fields })
      } else {
        locationId = randomUUID()
        added.push({ id: locationId, sal_id: current?.sal_id ?? null, ...fields })
      }
      const a = loc.address
      locationIds.get(w.id)!.push(locationId)
      venues.push({
        service_id: w.id, location_id: locationId, ordinal: i, address_1: a.address_1, address_2: a.address_2, city: a.city,
        postal_code: a.postal_code.replace(/^(\S+?)\s?(\d[A-Z]{2})$/, '$1 $2'), accessibility: loc.accessibility,
      })
    }
  }
  const VENUE_COLUMNS = 'name text, description text, latitude float8, longitude float8, transport_notes text'
  if (kept.length > 0) {
    await db.query(
      named('write_services_venues_keep', `WITH v AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS v (id uuid, ${VENUE_COLUMNS})),
            a AS (DELETE FROM address WHERE location_id IN (SELECT id FROM v)),
            x AS (DELETE FROM accessibility WHERE location_id IN (SELECT id FROM v))
       UPDATE location l SET name = v.name, description = v.description, latitude = v.latitude, longitude = v.longitude, transport_notes = v.transport_notes
         FROM v WHERE l.id = v.id`),
      [JSON.stringify(kept)],
    )
  }
  if (added.length > 0) {
    await db.query(
      named('write_services_venues_add', `WITH v AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS v (id uuid, sal_id uuid, ${VENUE_COLUMNS})),
            l AS (INSERT INTO location (id, name, description, latitude, longitude, transport_notes)
                  SELECT id, name, description, latitude, longitude, transport_notes FROM v)
       UPDATE service_at_location sal SET location_id = v.id FROM v WHERE sal.id = v.sal_id`),
      [JSON.stringify(added)],
    )
  }
  // Each venue's address and access, and its place in its listing's order of venues.
  const { rows: placed } = venues.length === 0 ? { rows: [] } : await db.query<{ id: string; service_id: string; location_id: string }>(
    named('write_services_venues_link', `WITH v AS (SELECT * FROM jsonb_to_recordset($1::jsonb)
                      AS v (service_id uuid, location_id uuid, ordinal int, address_1 text, address_2 text, city text, postal_code text, accessibility jsonb)),
          a AS (INSERT INTO address (location_id, address_1, address_2, city, state_province, postal_code)
                SELECT location_id, address_1, address_2, city, city, postal_code FROM v),
          x AS (INSERT INTO accessibility (location_id, feature, details)
                SELECT v.location_id, f.feature, f.details FROM v, jsonb_to_recordset(v.accessibility) AS f (feature text, details text) ON CONFLICT DO NOTHING)
     INSERT INTO service_at_location (service_id, location_id, ordinal) SELECT service_id, location_id, ordinal FROM v
     ON CONFLICT (service_id, location_id) DO UPDATE SET ordinal = EXCLUDED.ordinal RETURNING id, service_id, location_id`),
    [JSON.stringify(venues)],
  )
  const salOf = new Map(placed.map((p) => [`${p.service_id} ${p.location_id}`, p.id]))
  const salIds = new Map(writes.map((w) => [w.id, locationIds.get(w.id)!.map((l) => salOf.get(`${w.id} ${l}`)!)]))
  const allSalIds = [...salIds.values()].flat()
  const dropped = linked.filter((l) => !allSalIds.includes(l.sal_id))
  if (dropped.length > 0) {
    await db.query('DELETE FROM service_at_location WHERE id = ANY ($1::uuid[])', [dropped.map((l) => l.sal_id)])
    await db.query(`DELETE FROM location l WHERE l.id = ANY ($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM service_at_location sal WHERE sal.location_id = l.id)`, [
      dropped.map((l) => l.location_id),
    ])
  }

  // A listing's default area may come from its organisation's venues: those of the listings
  // before it in the batch count, as they would written one at a time, and those after it not.
  const areas: ServiceAreas[] = []
  for (const [i, w] of writes.entries()) {
    const defaults = await areasToStore(db, w.organizationId, w.document, serviceIds.slice(i + 1))
    areas.push({ serviceId: w.id, areas: defaults, doc: w.document, locationIds: locationIds.get(w.id)! })
  }
  await writeServiceAreas(db, areas)

  // Schedules, costs and contacts: replaced whole.
  await db.query(named('write_services_schedules_drop', 'DELETE FROM schedule WHERE service_id = ANY ($1::uuid[]) OR service_at_location_id = ANY ($2::uuid[])'), [serviceIds, allSalIds])
  await db.query(
    named('write_services_schedules_add', `INSERT INTO schedule (service_id, service_at_location_id, kind, byday, week_of_month, on_date, opens_at, closes_at, valid_from, valid_to, description)
     SELECT CASE WHEN s.sal IS NULL THEN s.service_id END, s.sal, s.kind, s.byday, s.week_of_month, s.on_date, s.opens_at::time, s.closes_at::time,
            s.valid_from, s.valid_to, s.description
       FROM jsonb_to_recordset($1::jsonb) AS s (service_id uuid, sal uuid, kind text, byday text[], week_of_month int, on_date date, opens_at text, closes_at text,
                                               valid_from date, valid_to date, description text)`),
    [JSON.stringify(writes.flatMap((w) => w.document.schedules.map((x) => ({ ...x, service_id: w.id, sal: x.location_index === null ? null : salIds.get(w.id)![x.location_index]! }))))],
  )
  await db.query(
    named('write_services_costs', `WITH gone AS (DELETE FROM cost_option WHERE service_id = ANY ($1::uuid[]))
     INSERT INTO cost_option (service_id, option, amount, amount_description, concessions)
     SELECT c.service_id, c.option, c.amount, c.amount_description, c.concessions
       FROM jsonb_to_recordset($2::jsonb) AS c (service_id uuid, option text, amount numeric, amount_description text, concessions text)`),
    [serviceIds, JSON.stringify(writes.flatMap((w) => w.document.cost_options.map((c) => ({ ...c, service_id: w.id }))))],
  )
  await db.query(named('write_services_contacts_drop', 'DELETE FROM contact WHERE service_id = ANY ($1::uuid[])'), [serviceIds])
  await db.query(
    named('write_services_contacts_add', `WITH c AS (SELECT gen_random_uuid() AS id, c.* FROM jsonb_to_recordset($1::jsonb) AS c (service_id uuid, name text, title text, email text, phones jsonb)),
          added AS (INSERT INTO contact (id, service_id, name, title, email) SELECT c.id, c.service_id, c.name, c.title, c.email FROM c)
     INSERT INTO phone (contact_id, number, description)
     SELECT c.id, p.number, p.description FROM c, jsonb_to_recordset(c.phones) AS p (number text, description text)`),
    [JSON.stringify(writes.flatMap((w) => w.document.contacts.map((c) => ({ ...c, service_id: w.id }))))],
  )
}
