import type { Queryable } from '../db/db.ts'
import type { Organization, ServiceDetail, ServiceListQuery, ServiceSummary, TaxonomyTerm } from './schemas.ts'

// The summary columns, shared by lists and details so they cannot drift apart.
const SUMMARY_COLUMNS = `
  s.id, s.name, s.description, s.status, s.delivery_modes, s.group_size, s.verified_at, s.updated_at,
  json_build_object('id', o.id, 'name', o.name) AS organization,
  COALESCE((SELECT array_agg(t.code ORDER BY t.code)
              FROM service_taxonomy_term st JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
             WHERE st.service_id = s.id), '{}') AS taxonomy_terms`

type Timestamps<T> = Omit<T, 'verified_at' | 'updated_at' | 'created_at'> & {
  verified_at: Date | null
  updated_at: Date
  created_at?: Date
}

function withIsoTimes<T extends ServiceSummary>(row: Timestamps<T>): T {
  return {
    ...row,
    verified_at: row.verified_at?.toISOString() ?? null,
    updated_at: row.updated_at.toISOString(),
    ...(row.created_at ? { created_at: row.created_at.toISOString() } : {}),
  } as T
}

export async function listServices(db: Queryable, q: ServiceListQuery): Promise<{ total: number; items: ServiceSummary[] }> {
  const where = `
    WHERE ($1::uuid IS NULL OR s.organization_id = $1)
      AND ($2::text IS NULL OR EXISTS (
            SELECT 1 FROM service_taxonomy_term st JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
             WHERE st.service_id = s.id AND (t.code = $2 OR t.parent_id = (SELECT id FROM taxonomy_term WHERE code = $2))))`
  const params = [q.organization_id ?? null, q.taxonomy_term ?? null]
  const total = await db.query<{ n: number }>(`SELECT count(*) AS n FROM service s ${where}`, params)
  const { rows } = await db.query<Timestamps<ServiceSummary>>(
    `SELECT ${SUMMARY_COLUMNS}
       FROM service s JOIN organization o ON o.id = s.organization_id
     ${where}
      ORDER BY s.name, s.id
      LIMIT $3 OFFSET $4`,
    [...params, q.per_page, (q.page - 1) * q.per_page],
  )
  return { total: total.rows[0]!.n, items: rows.map(withIsoTimes) }
}

export async function findService(db: Queryable, id: string): Promise<ServiceDetail | undefined> {
  const { rows } = await db.query<Timestamps<ServiceDetail>>(
    `SELECT ${SUMMARY_COLUMNS},
       s.url, s.email, s.fees, s.alert, s.typical_attendance, s.minimum_age, s.maximum_age,
       s.gender_restriction, s.audiences, s.languages, s.interpreter_available, s.newcomer_support, s.physical_intensity,
       s.self_referral, s.referral_capacity, s.created_at,
       COALESCE((SELECT json_agg(json_build_object(
           'id', l.id, 'name', l.name, 'description', l.description,
           'latitude', l.latitude, 'longitude', l.longitude, 'transport_notes', l.transport_notes,
           'address', (SELECT json_build_object('address_1', a.address_1, 'address_2', a.address_2,
                                                'city', a.city, 'postal_code', a.postal_code)
                         FROM address a WHERE a.location_id = l.id AND a.address_type = 'physical'
                        ORDER BY a.id LIMIT 1),
           'accessibility', COALESCE((SELECT json_agg(json_build_object('feature', x.feature, 'details', x.details)
                                                      ORDER BY x.feature)
                                        FROM accessibility x WHERE x.location_id = l.id), '[]'))
           ORDER BY l.name, l.id)
         FROM service_at_location sal JOIN location l ON l.id = sal.location_id
        WHERE sal.service_id = s.id), '[]') AS locations,
       COALESCE((SELECT json_agg(json_build_object(
           'id', sc.id, 'location_id', sal.location_id, 'kind', sc.kind, 'byday', sc.byday,
           'week_of_month', sc.week_of_month, 'on_date', sc.on_date,
           'opens_at', to_char(sc.opens_at, 'HH24:MI'), 'closes_at', to_char(sc.closes_at, 'HH24:MI'),
           'valid_from', sc.valid_from, 'valid_to', sc.valid_to, 'description', sc.description)
           ORDER BY sc.kind, sc.opens_at, sc.id)
         FROM schedule sc LEFT JOIN service_at_location sal ON sal.id = sc.service_at_location_id
        WHERE sc.service_id = s.id OR sal.service_id = s.id), '[]') AS schedules,
       COALESCE((SELECT json_agg(json_build_object('id', c.id, 'option', c.option, 'amount', c.amount,
                                                   'amount_description', c.amount_description,
                                                   'concessions', c.concessions) ORDER BY c.amount, c.id)
         FROM cost_option c WHERE c.service_id = s.id), '[]') AS cost_options,
       COALESCE((SELECT json_agg(json_build_object('id', ct.id, 'name', ct.name, 'title', ct.title, 'email', ct.email,
           'phones', COALESCE((SELECT json_agg(json_build_object('number', p.number, 'description', p.description)
                                               ORDER BY p.number)
                                 FROM phone p WHERE p.contact_id = ct.id), '[]')) ORDER BY ct.name, ct.id)
         FROM contact ct WHERE ct.service_id = s.id), '[]') AS contacts,
       COALESCE((SELECT json_agg(json_build_object('id', sa.id, 'kind', sa.kind, 'name', sa.name, 'service_area', sa.service_area)
                                 ORDER BY sa.ordinal, sa.id)
         FROM service_area sa WHERE sa.service_id = s.id), '[]') AS service_areas
     FROM service s JOIN organization o ON o.id = s.organization_id
    WHERE s.id = $1`,
    [id],
  )
  return rows[0] ? withIsoTimes(rows[0]) : undefined
}

export async function findOrganization(db: Queryable, id: string): Promise<Organization | undefined> {
  const { rows } = await db.query<Omit<Organization, 'services'>>(
    'SELECT id, name, description, email, website, charity_number FROM organization WHERE id = $1',
    [id],
  )
  const org = rows[0]
  if (!org) return undefined
  const services = await listServices(db, { organization_id: id, page: 1, per_page: 100 })
  return { ...org, services: services.items }
}

export async function listTaxonomyTerms(db: Queryable): Promise<TaxonomyTerm[]> {
  const { rows } = await db.query<TaxonomyTerm>(
    `SELECT id, code, name, description, parent_id, synonyms
       FROM taxonomy_term ORDER BY parent_id NULLS FIRST, name`,
  )
  return rows
}

/** The accessibility features of each of these venues (venues with none are absent). */
export async function locationAccessibility(db: Queryable, locationIds: string[]): Promise<Map<string, string[]>> {
  if (locationIds.length === 0) return new Map()
  const { rows } = await db.query<{ location_id: string; features: string[] }>(
    'SELECT location_id, array_agg(feature ORDER BY feature) AS features FROM accessibility WHERE location_id = ANY($1::uuid[]) GROUP BY location_id',
    [locationIds],
  )
  return new Map(rows.map((r) => [r.location_id, r.features]))
}
