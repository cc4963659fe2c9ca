/**
 * The ORUK API's queries. Lists are two steps: find a page of ids (filtered, counted, ordered),
 * then load those ids in one query that nests every child table with json_agg, so a page of
 * 500 fully nested services is still one round trip. Rows come back in our column names;
 * `map.ts` turns them into ORUK objects.
 */
import type { Queryable } from '../db/db.ts'
import type { AccessibilityRow, AddressRow, CostOptionRow, OrganizationRow } from '../directory/rows.ts'
import type { DeliveryMode, ScheduleKind, ServiceStatus, Weekday } from '../directory/vocabulary.ts'

export interface PageRequest {
  page: number
  per_page: number
}

/** Ids of one page (or of everything, when no page was asked for) and how many match in all. */
export interface IdPage {
  total: number
  ids: string[]
}

// ---- Rows as the queries return them ----------------------------------------------------------

export type { AccessibilityRow, AddressRow, CostOptionRow, OrganizationRow }

export interface TaxonomyRow {
  id: string
  name: string
  description: string
  uri: string | null
  version: string | null
}

export interface TermRow {
  id: string
  name: string
  description: string
  parent_id: string | null
  taxonomy_id: string
  taxonomy_name: string
  term_uri: string | null
}

export interface LocationRow {
  id: string
  location_type: 'physical' | 'postal' | 'virtual'
  name: string
  description: string
  latitude: number | null
  longitude: number | null
}

export interface FullLocationRow extends LocationRow {
  addresses: AddressRow[]
  accessibility: AccessibilityRow[]
}

export interface ScheduleRow {
  id: string
  service_id: string | null
  service_at_location_id: string | null
  kind: ScheduleKind
  byday: Weekday[]
  week_of_month: number | null
  on_date: string | null
  /** 'HH:MM' */
  opens_at: string | null
  closes_at: string | null
  valid_from: string | null
  valid_to: string | null
  description: string | null
  notes: string | null
}

export interface ServiceAreaRow {
  id: string
  service_id: string
  name: string
  service_area: string | null
  extent: string
  extent_type: string
  uri: string | null
}

export interface ContactRow {
  id: string
  service_id: string
  name: string | null
  title: string | null
}

export interface ServiceAtLocationRow {
  id: string
  service_id: string
  location_id: string
  location: FullLocationRow
}

export interface ServiceRow {
  id: string
  organization_id: string
  delivery_modes: DeliveryMode[]
  name: string
  description: string
  url: string | null
  email: string | null
  status: ServiceStatus
  fees: string | null
  minimum_age: number | null
  maximum_age: number | null
  alert: string | null
  /** The UK calendar date of verified_at. */
  assured_date: string | null
  updated_at: Date
  organization: OrganizationRow
}

export interface FullServiceRow extends ServiceRow {
  /** ISO 639 codes. */
  languages: string[]
  schedules: ScheduleRow[]
  service_areas: ServiceAreaRow[]
  service_at_locations: ServiceAtLocationRow[]
  cost_options: CostOptionRow[]
  contacts: ContactRow[]
  /** One per service_taxonomy_term row. */
  terms: { id: string; term: TermRow }[]
}

// ---- Shared SQL fragments ---------------------------------------------------------------------

const ORGANIZATION_JSON = (o: string) => `json_build_object(
  'id', ${o}.id, 'name', ${o}.name, 'description', ${o}.description, 'email', ${o}.email,
  'website', ${o}.website, 'logo', ${o}.logo, 'charity_number', ${o}.charity_number)`

const TERM_COLUMNS = `t.id, t.name, t.description, t.parent_id, t.taxonomy_id, tx.name AS taxonomy_name, t.term_uri`

const TERM_JSON = `json_build_object(
  'id', t.id, 'name', t.name, 'description', t.description, 'parent_id', t.parent_id,
  'taxonomy_id', t.taxonomy_id, 'taxonomy_name', tx.name, 'term_uri', t.term_uri)`

const LOCATION_JSON = (l: string) => `json_build_object(
  'id', ${l}.id, 'location_type', ${l}.location_type, 'name', ${l}.name, 'description', ${l}.description,
  'latitude', ${l}.latitude, 'longitude', ${l}.longitude,
  'addresses', COALESCE((SELECT json_agg(json_build_object(
      'id', a.id, 'location_id', a.location_id, 'attention', a.attention, 'address_1', a.address_1,
      'address_2', a.address_2, 'city', a.city, 'region', a.region, 'state_province', a.state_province,
      'postal_code', a.postal_code, 'country', a.country, 'address_type', a.address_type)
      ORDER BY a.address_type, a.id)
    FROM address a WHERE a.location_id = ${l}.id), '[]'),
  'accessibility', COALESCE((SELECT json_agg(json_build_object(
      'id', x.id, 'location_id', x.location_id, 'feature', x.feature, 'details', x.details, 'url', x.url)
      ORDER BY x.feature)
    FROM accessibility x WHERE x.location_id = ${l}.id), '[]'))`

const SERVICE_COLUMNS = `
  s.id, s.organization_id, s.name, s.description, s.url, s.email, s.status, s.fees,
  s.minimum_age, s.maximum_age, s.alert, s.updated_at, s.delivery_modes,
  (s.verified_at AT TIME ZONE 'Europe/London')::date AS assured_date,
  ${ORGANIZATION_JSON('o')} AS organization`

// A schedule hangs off the service or off one of its service_at_location rows; the UNION ALL
// lets each half use its index.
const SERVICE_NESTED_COLUMNS = `,
  s.languages,
  COALESCE((SELECT json_agg(json_build_object(
      'id', sc.id, 'service_id', sc.service_id, 'service_at_location_id', sc.service_at_location_id,
      'kind', sc.kind, 'byday', sc.byday, 'week_of_month', sc.week_of_month, 'on_date', sc.on_date,
      'opens_at', to_char(sc.opens_at, 'HH24:MI'), 'closes_at', to_char(sc.closes_at, 'HH24:MI'),
      'valid_from', sc.valid_from, 'valid_to', sc.valid_to, 'description', sc.description, 'notes', sc.notes)
      ORDER BY sc.service_at_location_id NULLS FIRST, sc.kind, sc.on_date, sc.opens_at, sc.id)
    FROM (SELECT * FROM schedule WHERE service_id = s.id
          UNION ALL
          SELECT sch.* FROM service_at_location sal2 JOIN schedule sch ON sch.service_at_location_id = sal2.id
           WHERE sal2.service_id = s.id) sc), '[]') AS schedules,
  COALESCE((SELECT json_agg(json_build_object(
      'id', sa.id, 'service_id', sa.service_id, 'name', sa.name, 'service_area', sa.service_area,
      'extent', sa.extent, 'extent_type', sa.extent_type, 'uri', sa.uri) ORDER BY sa.ordinal, sa.id)
    FROM service_area sa WHERE sa.service_id = s.id), '[]') AS service_areas,
  COALESCE((SELECT json_agg(json_build_object(
      'id', sal.id, 'service_id', sal.service_id, 'location_id', sal.location_id, 'location', ${LOCATION_JSON('l')})
      ORDER BY l.name, sal.id)
    FROM service_at_location sal JOIN location l ON l.id = sal.location_id
   WHERE sal.service_id = s.id), '[]') AS service_at_locations,
  COALESCE((SELECT json_agg(json_build_object(
      'id', c.id, 'service_id', c.service_id, 'option', c.option, 'amount', c.amount,
      'amount_description', c.amount_description, 'concessions', c.concessions,
      'valid_from', c.valid_from, 'valid_to', c.valid_to) ORDER BY c.amount, c.id)
    FROM cost_option c WHERE c.service_id = s.id), '[]') AS cost_options,
  COALESCE((SELECT json_agg(json_build_object('id', ct.id, 'service_id', ct.service_id, 'name', ct.name, 'title', ct.title)
      ORDER BY ct.name, ct.id)
    FROM contact ct WHERE ct.service_id = s.id), '[]') AS contacts,
  COALESCE((SELECT json_agg(json_build_object('id', st.id, 'term', ${TERM_JSON}) ORDER BY t.name, t.id)
    FROM service_taxonomy_term st
    JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
    JOIN taxonomy tx ON tx.id = t.taxonomy_id
   WHERE st.service_id = s.id), '[]') AS terms`

function offsetOf(page: PageRequest | undefined): [number | null, number] {
  return page ? [page.per_page, (page.page - 1) * page.per_page] : [null, 0]
}

/** Duplicates would repeat rows in the `unnest` joins below. */
function distinct(ids: readonly string[] | undefined): string[] | null {
  return ids ? [...new Set(ids)] : null
}

// ---- Services ---------------------------------------------------------------------------------

export interface ServiceFilter {
  organization_id?: string
  taxonomy_term_id?: string
  taxonomy_id?: string
  /** ISO date-time: services whose updated_at is at or after it. */
  modified_after?: string
  /**
   * Only these services, in this order (a search engine's ranking, nearest first...). Omitted:
   * every service, by name. The other filters still apply.
   */
  restrict_to?: readonly string[]
}

const SERVICE_WHERE = `
    FROM service s
    LEFT JOIN unnest($5::uuid[]) WITH ORDINALITY AS r(id, rank) ON r.id = s.id
   WHERE ($5::uuid[] IS NULL OR r.id IS NOT NULL)
     AND ($1::uuid IS NULL OR s.organization_id = $1)
     AND ($2::uuid IS NULL OR EXISTS (
           SELECT 1 FROM service_taxonomy_term st WHERE st.service_id = s.id AND st.taxonomy_term_id = $2))
     AND ($3::uuid IS NULL OR EXISTS (
           SELECT 1 FROM service_taxonomy_term st JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
            WHERE st.service_id = s.id AND t.taxonomy_id = $3))
     AND ($4::timestamptz IS NULL OR s.updated_at >= $4)`

function serviceParams(f: ServiceFilter): unknown[] {
  return [f.organization_id ?? null, f.taxonomy_term_id ?? null, f.taxonomy_id ?? null, f.modified_after ?? null, distinct(f.restrict_to)]
}

/** The ids of the services matching `filter`: one page of them, or all when `page` is omitted. */
export async function findServiceIds(db: Queryable, filter: ServiceFilter, page?: PageRequest): Promise<IdPage> {
  const params = serviceParams(filter)
  const total = await db.query<{ n: number }>(`SELECT count(*) AS n ${SERVICE_WHERE}`, params)
  const { rows } = await db.query<{ id: string }>(
    `SELECT s.id ${SERVICE_WHERE} ORDER BY r.rank, s.name, s.id LIMIT $6 OFFSET $7`,
    [...params, ...offsetOf(page)],
  )
  return { total: total.rows[0]!.n, ids: rows.map((r) => r.id) }
}

async function queryServices<R>(db: Queryable, ids: readonly string[], nested: boolean): Promise<R[]> {
  if (ids.length === 0) return []
  const { rows } = await db.query<R>(
    `SELECT ${SERVICE_COLUMNS}${nested ? SERVICE_NESTED_COLUMNS : ''}
       FROM unnest($1::uuid[]) WITH ORDINALITY AS r(id, ord)
       JOIN service s ON s.id = r.id
       JOIN organization o ON o.id = s.organization_id
      ORDER BY r.ord`,
    [distinct(ids)],
  )
  return rows
}

/** Services' one-to-one fields and organisation, in the order of `ids` (unknown ids skipped). */
export function loadServices(db: Queryable, ids: readonly string[]): Promise<ServiceRow[]> {
  return queryServices<ServiceRow>(db, ids, false)
}

/** Services with every related table nested, in the order of `ids`, in one query. */
export function loadFullServices(db: Queryable, ids: readonly string[]): Promise<FullServiceRow[]> {
  return queryServices<FullServiceRow>(db, ids, true)
}

// ---- Service at location ----------------------------------------------------------------------

export interface ServiceAtLocationFilter {
  organization_id?: string
  taxonomy_term_id?: string
  taxonomy_id?: string
  /** ISO date-time: rows whose service or location changed at or after it. */
  modified_after?: string
  /** Only these service_at_location ids, in this order (nearest first, say). */
  restrict_to?: readonly string[]
}

const SAL_WHERE = `
    FROM service_at_location sal
    JOIN service s ON s.id = sal.service_id
    JOIN location l ON l.id = sal.location_id
    LEFT JOIN unnest($5::uuid[]) WITH ORDINALITY AS r(id, rank) ON r.id = sal.id
   WHERE ($5::uuid[] IS NULL OR r.id IS NOT NULL)
     AND ($1::uuid IS NULL OR s.organization_id = $1)
     AND ($2::uuid IS NULL OR EXISTS (
           SELECT 1 FROM service_taxonomy_term st WHERE st.service_id = s.id AND st.taxonomy_term_id = $2))
     AND ($3::uuid IS NULL OR EXISTS (
           SELECT 1 FROM service_taxonomy_term st JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
            WHERE st.service_id = s.id AND t.taxonomy_id = $3))
     AND ($4::timestamptz IS NULL OR GREATEST(s.updated_at, l.updated_at) >= $4)`

export async function findServiceAtLocationIds(db: Queryable, filter: ServiceAtLocationFilter, page?: PageRequest): Promise<IdPage> {
  const params = [
    filter.organization_id ?? null,
    filter.taxonomy_term_id ?? null,
    filter.taxonomy_id ?? null,
    filter.modified_after ?? null,
    distinct(filter.restrict_to),
  ]
  const total = await db.query<{ n: number }>(`SELECT count(*) AS n ${SAL_WHERE}`, params)
  const { rows } = await db.query<{ id: string }>(
    `SELECT sal.id ${SAL_WHERE} ORDER BY r.rank, s.name, l.name, sal.id LIMIT $6 OFFSET $7`,
    [...params, ...offsetOf(page)],
  )
  return { total: total.rows[0]!.n, ids: rows.map((r) => r.id) }
}

/** service_at_location rows with their location fully nested, in the order of `ids`. */
export async function loadServicesAtLocations(db: Queryable, ids: readonly string[]): Promise<ServiceAtLocationRow[]> {
  if (ids.length === 0) return []
  const { rows } = await db.query<ServiceAtLocationRow>(
    `SELECT sal.id, sal.service_id, sal.location_id, ${LOCATION_JSON('l')} AS location
       FROM unnest($1::uuid[]) WITH ORDINALITY AS r(id, ord)
       JOIN service_at_location sal ON sal.id = r.id
       JOIN location l ON l.id = sal.location_id
      ORDER BY r.ord`,
    [distinct(ids)],
  )
  return rows
}

// ---- Organisations ----------------------------------------------------------------------------

export async function findOrganizationIds(db: Queryable, page?: PageRequest): Promise<IdPage> {
  const total = await db.query<{ n: number }>('SELECT count(*) AS n FROM organization')
  const { rows } = await db.query<{ id: string }>('SELECT id FROM organization ORDER BY name, id LIMIT $1 OFFSET $2', offsetOf(page))
  return { total: total.rows[0]!.n, ids: rows.map((r) => r.id) }
}

export async function loadOrganizations(db: Queryable, ids: readonly string[]): Promise<OrganizationRow[]> {
  if (ids.length === 0) return []
  const { rows } = await db.query<OrganizationRow>(
    `SELECT o.id, o.name, o.description, o.email, o.website, o.logo, o.charity_number
       FROM unnest($1::uuid[]) WITH ORDINALITY AS r(id, ord) JOIN organization o ON o.id = r.id
      ORDER BY r.ord`,
    [distinct(ids)],
  )
  return rows
}

/** The services of each organisation, by name. */
export async function findServiceIdsByOrganization(db: Queryable, organizationIds: readonly string[]): Promise<Map<string, string[]>> {
  const byOrganization = new Map<string, string[]>(organizationIds.map((id) => [id, []]))
  if (organizationIds.length === 0) return byOrganization
  const { rows } = await db.query<{ id: string; organization_id: string }>(
    'SELECT id, organization_id FROM service WHERE organization_id = ANY($1::uuid[]) ORDER BY name, id',
    [distinct(organizationIds)],
  )
  for (const row of rows) byOrganization.get(row.organization_id)?.push(row.id)
  return byOrganization
}

// ---- Taxonomies -------------------------------------------------------------------------------

export async function listTaxonomies(db: Queryable, page?: PageRequest): Promise<{ total: number; rows: TaxonomyRow[] }> {
  const total = await db.query<{ n: number }>('SELECT count(*) AS n FROM taxonomy')
  const { rows } = await db.query<TaxonomyRow>(
    'SELECT id, name, description, uri, version FROM taxonomy ORDER BY name, id LIMIT $1 OFFSET $2',
    offsetOf(page),
  )
  return { total: total.rows[0]!.n, rows }
}

export async function findTaxonomy(db: Queryable, id: string): Promise<TaxonomyRow | undefined> {
  const { rows } = await db.query<TaxonomyRow>('SELECT id, name, description, uri, version FROM taxonomy WHERE id = $1', [id])
  return rows[0]
}

export interface TermFilter {
  taxonomy_id?: string
  parent_id?: string
  /** Only terms with no parent. */
  top_only?: boolean
}

const TERM_WHERE = `
    FROM taxonomy_term t JOIN taxonomy tx ON tx.id = t.taxonomy_id
   WHERE ($1::uuid IS NULL OR t.taxonomy_id = $1)
     AND ($2::uuid IS NULL OR t.parent_id = $2)
     AND (NOT $3::boolean OR t.parent_id IS NULL)`

/** Terms by taxonomy, then parents before their children, then name. */
export async function listTaxonomyTerms(db: Queryable, filter: TermFilter, page?: PageRequest): Promise<{ total: number; rows: TermRow[] }> {
  const params = [filter.taxonomy_id ?? null, filter.parent_id ?? null, filter.top_only ?? false]
  const total = await db.query<{ n: number }>(`SELECT count(*) AS n ${TERM_WHERE}`, params)
  const { rows } = await db.query<TermRow>(
    `SELECT ${TERM_COLUMNS} ${TERM_WHERE}
      ORDER BY tx.name, COALESCE((SELECT p.name FROM taxonomy_term p WHERE p.id = t.parent_id), t.name),
               t.parent_id IS NOT NULL, t.name, t.id
      LIMIT $4 OFFSET $5`,
    [...params, ...offsetOf(page)],
  )
  return { total: total.rows[0]!.n, rows }
}

export async function findTaxonomyTerm(db: Queryable, id: string): Promise<TermRow | undefined> {
  const { rows } = await db.query<TermRow>(
    `SELECT ${TERM_COLUMNS} FROM taxonomy_term t JOIN taxonomy tx ON tx.id = t.taxonomy_id WHERE t.id = $1`,
    [id],
  )
  return rows[0]
}
