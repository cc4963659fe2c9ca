/**
 * Reading and writing an organisation's own records as whole documents, each write checked
 * against the version the editor read (optimistic concurrency) and kept in `record_version`
 * with who, when and what changed.
 */
import { named, type Queryable } from '../db/db.ts'
import { Invalid, NotFound, Problem, ValidationProblem } from '../problem.ts'
import type { Principal } from '../auth/store.ts'
import { areasToStore, READ_AREAS_SQL, writeServiceAreas } from './areas.ts'
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

interface ServiceRowDoc {
  organization_id: string
  version: number
  verified_at: Date | null
  document: ServiceDocument
}

/**
 * The statements of reading and writing a listing are named (kept prepared per connection):
 * planning them took longer than running them (bench/README.md, ingest).
 */
const READ_SERVICE = named(
  'read_service',
  `SELECT s.organization_id, s.version, s.verified_at, json_build_object(
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
     FROM service s WHERE s.id = $1`,
)

export async function readService(db: Queryable, id: string): Promise<ServiceRowDoc | undefined> {
  const { rows } = await db.query<ServiceRowDoc>(READ_SERVICE, [id])
  return rows[0]
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

export async function recordVersion(
  db: Queryable,
  v: { type: RecordType; id: string; version: number; action: VersionAction; by: string | null; changes: object; snapshot: object; run?: number },
  now: Date,
): Promise<void> {
  await db.query(
    named('record_version', `INSERT INTO record_version (record_type, record_id, version, action, changed_at, changed_by, changes, snapshot, ingest_run_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`),
    [v.type, v.id, v.version, v.action, now.toISOString(), v.by, JSON.stringify(v.changes), JSON.stringify(v.snapshot), v.run ?? null],
  )
}

/** Locks the row and checks the version the editor read; returns the new version number. */
export async function claimVersion(db: Queryable, type: RecordType, id: string, expected: number): Promise<number> {
  const { rows } = await db.query<{ version: number }>(named(`claim_version_${type}`, `SELECT version FROM ${type} WHERE id = $1 FOR UPDATE`), [id])
  if (!rows[0]) throw new NotFound(`No such ${type}.`)
  if (rows[0].version !== expected) throw new StaleVersion(rows[0].version)
  return expected + 1
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

/**
 * Adds an organisation: approved (created by an admin, or the demo), or pending until an admin
 * approves it (registered by itself). Its first version is kept in its history.
 */
export async function createOrganization(
  db: Queryable,
  o: { id: string; document: OrganizationDocument; moderation: 'pending' | 'approved'; by: string | null; now: Date; run?: number },
  pointer = '/local_authority',
): Promise<void> {
  await checkAuthority(db, o.document, pointer)
  const d = o.document
  await db.query(
    `INSERT INTO organization (id, name, description, email, website, charity_number, local_authority, moderation, approved_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 = 'approved' THEN $9::timestamptz END)`,
    [o.id, d.name, d.description, d.email, d.website, d.charity_number, d.local_authority, o.moderation, o.now.toISOString()],
  )
  await recordVersion(db, { type: 'organization', id: o.id, version: 1, action: 'create', by: o.by, changes: diff(null, d), snapshot: d, run: o.run }, o.now)
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
  const { rows: terms } = await db.query<{ id: string; code: string }>(named('write_service_terms', 'SELECT id, code FROM taxonomy_term WHERE code = ANY ($1)'), [doc.taxonomy_terms])
  const unknown = doc.taxonomy_terms.filter((c) => !terms.some((t) => t.code === c))
  if (unknown.length > 0) {
    throw new Invalid(`Unknown activity type: ${unknown.join(', ')}`, unknown.map((c) => ({ in: 'body' as const, pointer: `/taxonomy_terms/${doc.taxonomy_terms.indexOf(c)}`, detail: `${c} is not a taxonomy term code` })))
  }
  // A pending organisation's services, and hidden (long unconfirmed) ones, are held inactive;
  // the chosen status waits for approval or confirmation. A write that confirms the listing
  // is running brings a hidden one back.
  const confirmedAt = options.confirmedAt?.toISOString() ?? null
  const { rows: held } = await db.query<{ held: boolean }>(
    named('write_service_held', `SELECT (SELECT moderation = 'pending' FROM organization WHERE id = $2)
            OR ($3::timestamptz IS NULL AND coalesce((SELECT hidden_at IS NOT NULL FROM service WHERE id = $1), false)) AS held`),
    [id, organizationId, confirmedAt],
  )
  const pending = held[0]!.held
  await db.query(
    named('write_service_row', `INSERT INTO service (id, organization_id, name, description, url, email, status, fees, alert, delivery_modes, group_size,
                          typical_attendance, minimum_age, maximum_age, gender_restriction, audiences, languages, newcomer_support,
                          physical_intensity, self_referral, referral_capacity, version, status_before_hidden,
                          interpreter_available, verified_at)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $23 THEN 'inactive' ELSE $7 END, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
             CASE WHEN $23 THEN $7 END, $24, $25)
     ON CONFLICT (id) DO UPDATE SET
       name = EXCLUDED.name, description = EXCLUDED.description, url = EXCLUDED.url, email = EXCLUDED.email,
       status = EXCLUDED.status, fees = EXCLUDED.fees, alert = EXCLUDED.alert, delivery_modes = EXCLUDED.delivery_modes,
       group_size = EXCLUDED.group_size, typical_attendance = EXCLUDED.typical_attendance, minimum_age = EXCLUDED.minimum_age,
       maximum_age = EXCLUDED.maximum_age, gender_restriction = EXCLUDED.gender_restriction, audiences = EXCLUDED.audiences,
       languages = EXCLUDED.languages, newcomer_support = EXCLUDED.newcomer_support, physical_intensity = EXCLUDED.physical_intensity,
       self_referral = EXCLUDED.self_referral, referral_capacity = EXCLUDED.referral_capacity, version = EXCLUDED.version,
       status_before_hidden = EXCLUDED.status_before_hidden, interpreter_available = EXCLUDED.interpreter_available,
       verified_at = coalesce($25, service.verified_at),
       hidden_at = CASE WHEN $25::timestamptz IS NULL THEN service.hidden_at END`),
    [id, organizationId, doc.name, doc.description, doc.url, doc.email, doc.status, doc.fees, doc.alert, doc.delivery_modes, doc.group_size,
      doc.typical_attendance, doc.minimum_age, doc.maximum_age, doc.gender_restriction, doc.audiences, doc.languages, doc.newcomer_support,
      doc.physical_intensity, doc.self_referral, doc.referral_capacity, version, pending, doc.interpreter_available, confirmedAt],
  )
  await db.query(named('write_service_terms_drop', 'DELETE FROM service_taxonomy_term WHERE service_id = $1 AND NOT (taxonomy_term_id = ANY ($2::uuid[]))'), [id, terms.map((t) => t.id)])
  await db.query(
    named('write_service_terms_add', 'INSERT INTO service_taxonomy_term (service_id, taxonomy_term_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING'),
    [id, terms.map((t) => t.id)],
  )

  // Venues.
  const { rows: linked } = await db.query<{ sal_id: string; location_id: string; shared: boolean }>(
    named('write_service_venues', `SELECT sal.id AS sal_id, sal.location_id,
            EXISTS (SELECT 1 FROM service_at_location o JOIN service os ON os.id = o.service_id
                     WHERE o.location_id = sal.location_id AND os.organization_id <> $2) AS shared
       FROM service_at_location sal WHERE sal.service_id = $1`),
    [id, organizationId],
  )
  const salIds: string[] = []
  const locationIds: string[] = []
  for (const [i, loc] of doc.locations.entries()) {
    const current = loc.id === undefined ? undefined : linked.find((l) => l.location_id === loc.id)
    if (loc.id !== undefined && !current) {
      throw new Invalid('A location id must be one of this service’s venues; leave it out to add a venue.', [{ in: 'body', pointer: `/locations/${i}/id`, detail: 'not a venue of this service' }])
    }
    let locationId: string
    if (current && !current.shared) {
      locationId = current.location_id
      await db.query(
        named('write_service_venue_update', `WITH a AS (DELETE FROM address WHERE location_id = $1), x AS (DELETE FROM accessibility WHERE location_id = $1)
         UPDATE location SET name = $2, description = $3, latitude = $4, longitude = $5, transport_notes = $6 WHERE id = $1`),
        [locationId, loc.name, loc.description, loc.latitude, loc.longitude, loc.transport_notes],
      )
    } else {
      // A new venue, or a copy of one another organisation also uses (theirs stays as it is):
      // a venue written through this path belongs to this listing alone.
      const { rows } = await db.query<{ id: string }>(
        named('write_service_venue_add', `WITH l AS (INSERT INTO location (name, description, latitude, longitude, transport_notes) VALUES ($2, $3, $4, $5, $6) RETURNING id),
              moved AS (UPDATE service_at_location SET location_id = (SELECT id FROM l) WHERE id = $1)
         SELECT id FROM l`),
        [current?.sal_id ?? null, loc.name, loc.description, loc.latitude, loc.longitude, loc.transport_notes],
      )
      locationId = rows[0]!.id
    }
    // Its address and access, and its place in the listing's order of venues.
    const a = loc.address
    const { rows: sal } = await db.query<{ id: string }>(
      named('write_service_venue_link', `WITH a AS (INSERT INTO address (location_id, address_1, address_2, city, state_province, postal_code) VALUES ($2, $4, $5, $6, $6, $7)),
            x AS (INSERT INTO accessibility (location_id, feature, details)
                  SELECT $2, f.feature, f.details FROM json_to_recordset($8::json) AS f (feature text, details text) ON CONFLICT DO NOTHING)
       INSERT INTO service_at_location (service_id, location_id, ordinal) VALUES ($1, $2, $3)
       ON CONFLICT (service_id, location_id) DO UPDATE SET ordinal = EXCLUDED.ordinal RETURNING id`),
      [id, locationId, i, a.address_1, a.address_2, a.city, a.postal_code.replace(/^(\S+?)\s?(\d[A-Z]{2})$/, '$1 $2'), JSON.stringify(loc.accessibility)],
    )
    salIds.push(sal[0]!.id)
    locationIds.push(locationId)
  }
  const dropped = linked.filter((l) => !salIds.includes(l.sal_id)).map((l) => l.sal_id)
  if (dropped.length > 0) {
    await db.query('DELETE FROM service_at_location WHERE id = ANY ($1::uuid[])', [dropped])
    await db.query(
      `DELETE FROM location l WHERE l.id = ANY ($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM service_at_location sal WHERE sal.location_id = l.id)`,
      [linked.filter((l) => dropped.includes(l.sal_id)).map((l) => l.location_id)],
    )
  }

  await writeServiceAreas(db, id, await areasToStore(db, organizationId, doc), doc, locationIds)

  // Schedules, costs and contacts: replaced whole.
  await db.query(named('write_service_schedules_drop', 'DELETE FROM schedule WHERE service_id = $1 OR service_at_location_id = ANY ($2::uuid[])'), [id, salIds])
  await db.query(
    named('write_service_schedules_add', `INSERT INTO schedule (service_id, service_at_location_id, kind, byday, week_of_month, on_date, opens_at, closes_at, valid_from, valid_to, description)
     SELECT CASE WHEN s.sal IS NULL THEN $1::uuid END, s.sal, s.kind, s.byday, s.week_of_month, s.on_date, s.opens_at::time, s.closes_at::time,
            s.valid_from, s.valid_to, s.description
       FROM json_to_recordset($2::json) AS s (sal uuid, kind text, byday text[], week_of_month int, on_date date, opens_at text, closes_at text,
                                              valid_from date, valid_to date, description text)`),
    [id, JSON.stringify(doc.schedules.map((x) => ({ ...x, sal: x.location_index === null ? null : salIds[x.location_index]! })))],
  )
  await db.query(
    named('write_service_costs', `WITH gone AS (DELETE FROM cost_option WHERE service_id = $1)
     INSERT INTO cost_option (service_id, option, amount, amount_description, concessions)
     SELECT $1, c.option, c.amount, c.amount_description, c.concessions
       FROM json_to_recordset($2::json) AS c (option text, amount numeric, amount_description text, concessions text)`),
    [id, JSON.stringify(doc.cost_options)],
  )
  await db.query(named('write_service_contacts_drop', 'DELETE FROM contact WHERE service_id = $1'), [id])
  await db.query(
    named('write_service_contacts_add', `WITH c AS (SELECT gen_random_uuid() AS id, c.* FROM json_to_recordset($2::json) AS c (name text, title text, email text, phones json)),
          added AS (INSERT INTO contact (id, service_id, name, title, email) SELECT c.id, $1, c.name, c.title, c.email FROM c)
     INSERT INTO phone (contact_id, number, description)
     SELECT c.id, p.number, p.description FROM c, json_to_recordset(c.phones) AS p (number text, description text)`),
    [id, JSON.stringify(doc.contacts)],
  )
}
