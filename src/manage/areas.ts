/**
 * Service areas as editors write them: each area of a service document turned into a
 * service_area row holding the choice (kind, code, radius, venue), its name and description in
 * words, and its outline as GeoJSON, from which PostGIS derives the geometry search and
 * matching test. Only the manage store calls this, inside the service's write.
 */
import { named, type Queryable } from '../db/db.ts'
import { areaName, areaSentence } from '../directory/area-words.ts'
import { REMOTE_DELIVERY_MODES } from '../directory/vocabulary.ts'
import { ENGLAND } from '../geo/boundaries.ts'
import { Invalid, type FieldError } from '../problem.ts'
import type { ServiceAreaDocument, ServiceDocument } from './schemas.ts'

/** An area must lie at least this much inside England (the outline is approximate at the borders). */
const MIN_SHARE_IN_ENGLAND = 0.5

/** Where ONS publishes each area code, given as the ORUK service area's uri. */
const ONS_URI = 'http://statistics.data.gov.uk/id/statistical-geography/'

interface AreaRow {
  service_id: string
  /** Its place among its service's areas (error pointers name it). */
  ordinal: number
  kind: ServiceAreaDocument['kind']
  code: string | null
  radius_km: number | null
  location_id: string | null
  name: string
  service_area: string
  /** GeoJSON text; boundary and radius areas are filled in by SQL. */
  extent: string | null
  uri: string | null
}

const field = (pointer: string, detail: string): FieldError => ({ in: 'body', pointer, detail })

/**
 * The local authority a remote service saved without an area is given: its organisation's;
 * else the one its first venue is in; else the one most of its organisation's venues are in
 * (not counting those of `notYet`: listings written with it but after it, in a batch).
 * Undefined when none can be found.
 */
async function defaultAuthority(db: Queryable, organizationId: string, doc: ServiceDocument, notYet: string[]): Promise<string | undefined> {
  const venues = doc.locations.map((l) => ({ latitude: l.latitude, longitude: l.longitude }))
  const { rows } = await db.query<{ code: string | null }>(
    `SELECT coalesce(
       (SELECT o.local_authority FROM organization o WHERE o.id = $1),
       (SELECT b.code FROM json_array_elements($2::json) WITH ORDINALITY AS v (venue, n)
          JOIN boundary b ON b.kind = 'local_authority'
                         AND ST_Covers(b.geom, ST_SetSRID(ST_MakePoint((v.venue->>'longitude')::float8, (v.venue->>'latitude')::float8), 4326)::geography)
         ORDER BY v.n LIMIT 1),
       (SELECT b.code FROM service s
          JOIN service_at_location sal ON sal.service_id = s.id
          JOIN location l ON l.id = sal.location_id
          JOIN boundary b ON b.kind = 'local_authority' AND ST_Covers(b.geom, l.geom)
         WHERE s.organization_id = $1 AND NOT (s.id = ANY ($3::uuid[]))
         GROUP BY b.code ORDER BY count(*) DESC, b.code LIMIT 1)) AS code`,
    [organizationId, JSON.stringify(venues), notYet],
  )
  return rows[0]?.code ?? undefined
}

/**
 * The areas to store for a service: those its document names, or for a home-visiting,
 * telephone or online service that names none, its organisation's local authority (else that
 * of its venues). A remote service whose default cannot be found is refused, never left
 * available nowhere; so is an area on a listing with no way of taking part from home.
 */
export async function areasToStore(db: Queryable, organizationId: string, doc: ServiceDocument, notYet: string[] = []): Promise<ServiceAreaDocument[]> {
  const remote = doc.delivery_modes.some((m) => (REMOTE_DELIVERY_MODES as readonly string[]).includes(m))
  if (!remote && doc.service_areas.length > 0) {
    throw new Invalid('Only home visits, telephone and online sessions have an area where they are available: a listing only at venues has none.', [
      field('/service_areas', 'only for a listing with home visits, telephone or online sessions'),
    ])
  }
  if (doc.service_areas.length > 0 || !remote) return doc.service_areas
  const code = await defaultAuthority(db, organizationId, doc, notYet)
  if (!code) {
    throw new Invalid('Say where this service is available: its organisation has no local authority set and it has no venue to take one from.', [
      field('/service_areas', 'a home-visiting, telephone or online service needs an area: choose England, local authorities, wards or a distance from a venue'),
    ])
  }
  return [{ kind: 'local_authority', code }]
}

/** A service's areas to store; `locationIds` are the ids its document's locations were stored under, in document order. */
export interface ServiceAreas {
  serviceId: string
  areas: ServiceAreaDocument[]
  doc: ServiceDocument
  locationIds: string[]
}

/**
 * Replaces services' areas (a radius area names one of its venues by index). Unknown codes,
 * geometry PostGIS finds invalid, and areas mostly outside England are refused with the field
 * named.
 */
export async function writeServiceAreas(db: Queryable, services: ServiceAreas[]): Promise<void> {
  const codes = [...new Set(services.flatMap((s) => s.areas.flatMap((a) => (a.kind === 'local_authority' || a.kind === 'ward' ? [a.code] : a.kind === 'england' ? [ENGLAND] : []))))]
  const { rows: known } =
    codes.length === 0
      ? { rows: [] }
      : await db.query<{ code: string; kind: string; name: string; parent: string | null }>(
          named('write_service_areas_codes', `SELECT b.code, b.kind, b.name, p.name AS parent FROM boundary b LEFT JOIN boundary p ON p.code = b.parent_code WHERE b.code = ANY ($1::text[])`),
          [codes],
        )
  const rows: AreaRow[] = []
  for (const { serviceId, areas, doc, locationIds } of services) {
    for (const [i, a] of areas.entries()) {
      const at = `/service_areas/${i}`
      const none = { service_id: serviceId, ordinal: i, code: null, radius_km: null, location_id: null, extent: null, uri: null }
      if (a.kind === 'radius') {
        const name = areaName({ kind: 'radius', km: a.km, venue: doc.locations[a.location_index]!.name })
        rows.push({ ...none, kind: 'radius', radius_km: a.km, location_id: locationIds[a.location_index]!, name, service_area: areaSentence('radius', name, doc.delivery_modes) })
      } else if (a.kind === 'geometry') {
        rows.push({ ...none, kind: 'geometry', name: a.name, service_area: areaSentence('geometry', a.name, doc.delivery_modes), extent: JSON.stringify(a.geojson) })
      } else {
        const code = a.kind === 'england' ? ENGLAND : a.code
        const b = known.find((k) => k.code === code && k.kind === (a.kind === 'england' ? 'country' : a.kind))
        if (!b) {
          const what = a.kind === 'ward' ? 'ward' : a.kind === 'england' ? 'outline of England' : 'local authority'
          throw new Invalid(`There is no ${what} with the code ${code}.`, [field(`${at}/code`, `not a ${what} we hold`)])
        }
        const name = a.kind === 'england' ? b.name : areaName({ kind: a.kind, name: b.name, parent: b.parent })
        rows.push({ ...none, kind: a.kind, code, name, service_area: areaSentence(a.kind, name, doc.delivery_modes), uri: `${ONS_URI}${code}` })
      }
    }
  }
  await checkInEngland(db, rows)
  await db.query(named('write_service_areas_drop', 'DELETE FROM service_area WHERE service_id = ANY ($1::uuid[])'), [services.map((s) => s.serviceId)])
  if (rows.length === 0) return
  await db.query(
    named('write_service_areas_add', `INSERT INTO service_area (service_id, ordinal, kind, code, radius_km, location_id, name, service_area, extent, uri)
     SELECT r.service_id, r.ordinal, r.kind, r.code, r.radius_km, r.location_id, r.name, r.service_area,
            coalesce(r.extent,
                     (SELECT ST_AsGeoJSON(b.geom, 5) FROM boundary b WHERE b.code = r.code),
                     (SELECT ST_AsGeoJSON(ST_Buffer(l.geom, r.radius_km * 1000), 5) FROM location l WHERE l.id = r.location_id)),
            r.uri
       FROM json_to_recordset($1::json) AS r (service_id uuid, ordinal int, kind text, code text, radius_km numeric, location_id uuid, name text, service_area text, extent text, uri text)`),
    [JSON.stringify(rows)],
  )
}

/** Radius and geometry areas must be valid and lie mostly in England (boundaries are England's own). */
async function checkInEngland(db: Queryable, rows: AreaRow[]): Promise<void> {
  const drawn = rows.map((r, i) => ({ i, extent: r.extent, location_id: r.location_id, radius_km: r.radius_km })).filter((r) => r.extent !== null || r.location_id !== null)
  if (drawn.length === 0) return
  const { rows: checked } = await db.query<{ i: number; valid: boolean; reason: string; share: number | null }>(
    `WITH area AS (
       SELECT d.i,
              CASE WHEN d.extent IS NOT NULL THEN ST_SetSRID(ST_GeomFromGeoJSON(d.extent), 4326)
                   ELSE (SELECT ST_Buffer(l.geom, d.radius_km * 1000)::geometry FROM location l WHERE l.id = d.location_id) END AS g
         FROM json_to_recordset($1::json) AS d (i int, extent text, location_id uuid, radius_km float8)
     )
     SELECT a.i, ST_IsValid(a.g) AS valid, ST_IsValidReason(a.g) AS reason,
            CASE WHEN ST_IsValid(a.g) AND ST_Area(a.g) > 0
                 THEN ST_Area(ST_Intersection(a.g, (SELECT e.geom::geometry FROM boundary e WHERE e.code = $2))) / ST_Area(a.g) END AS share
       FROM area a ORDER BY a.i`,
    [JSON.stringify(drawn), ENGLAND],
  )
  for (const c of checked) {
    const at = `/service_areas/${rows[c.i]!.ordinal}`
    if (!c.valid) throw new Invalid(`That area is not a valid shape: ${c.reason}.`, [field(`${at}/geojson`, `not a valid geometry (${c.reason})`)])
    if (c.share === null || c.share < MIN_SHARE_IN_ENGLAND) {
      throw new Invalid('That area lies outside England.', [field(rows[c.i]!.kind === 'radius' ? `${at}/location_index` : `${at}/geojson`, 'lies outside England')])
    }
  }
}

/** The areas of a stored service as its document gives them back (a radius names its venue by index). */
export const READ_AREAS_SQL = (serviceAlias: string, locationOrder: string) => `
  coalesce((SELECT json_agg(CASE sa.kind
        WHEN 'england' THEN json_build_object('kind', 'england')
        WHEN 'radius' THEN json_build_object('kind', 'radius', 'km', sa.radius_km,
          'location_index', (SELECT o.i - 1 FROM (${locationOrder}) o WHERE o.location_id = sa.location_id))
        WHEN 'geometry' THEN json_build_object('kind', 'geometry', 'name', sa.name, 'geojson', sa.extent::json)
        ELSE json_build_object('kind', sa.kind, 'code', sa.code) END ORDER BY sa.ordinal, sa.id)
     FROM service_area sa WHERE sa.service_id = ${serviceAlias}.id), '[]')`
