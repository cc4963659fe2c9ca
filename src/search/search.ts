import type { Queryable } from '../db/db.ts'
import { locatePostcode, placeAt, type Place } from '../geo/locate.ts'
import { Invalid } from '../problem.ts'
import { correctQuery } from './correct.ts'
import { isMeiliUnavailable, meiliCanAnswer, type MeiliEngine } from './meili.ts'
import { searchPostgres, searchServiceIds } from './postgres.ts'
import type { SearchQuery, SearchResponse } from './schemas.ts'
import { ukNow } from '../matching/sessions.ts'

/** Where a search starts from: a postcode, coordinates, or nowhere in particular. */
export async function resolvePlace(db: Queryable, query: Pick<SearchQuery, 'postcode' | 'lat' | 'lon'>): Promise<Place | null> {
  if (query.postcode) return locatePostcode(db, query.postcode)
  if (query.lat !== undefined && query.lon !== undefined) return placeAt(query.lat, query.lon)
  return null
}

/**
 * Runs a search: on Meilisearch when it is configured and can answer the query, falling back
 * to PostgreSQL (marked degraded) when Meilisearch is unreachable; otherwise on PostgreSQL,
 * the default engine, complete on its own.
 */
export async function searchDirectory(
  db: Queryable,
  query: SearchQuery,
  now: Date,
  engine: MeiliEngine | null = null,
  onDegraded: (error: unknown) => void = () => undefined,
): Promise<SearchResponse> {
  const place = await resolvePlace(db, query)
  const sort = query.sort ?? (query.q ? 'relevance' : place ? 'distance' : 'name')
  if (sort === 'distance' && !place) {
    throw new Invalid('Sorting by distance needs a postcode or lat/lon', [
      { in: 'querystring', pointer: '/sort', detail: 'give a postcode to sort by distance' },
    ])
  }
  let degraded = false
  if (engine && meiliCanAnswer(query)) {
    try {
      const result = await engine.search(db, { query, place, sort, now })
      await countUnmetSearch(db, query, place, result.total, now)
      return { ...result, engine: 'meilisearch', degraded: false }
    } catch (error) {
      if (!isMeiliUnavailable(error)) throw error
      onDegraded(error)
      degraded = true
    }
  }
  const correctedQ = query.q ? await correctQuery(db, query.q) : undefined
  const result = await searchPostgres(db, { query, place, correctedQ, sort, now })
  await countUnmetSearch(db, query, place, result.total, now)
  return { ...result, engine: 'postgres', degraded }
}

/**
 * A search from a postcode that found nothing is demand: counted per postcode district, ward
 * and LSOA ('' where only a district was given), activity type named ('' for none) and day. Never the words, the postcode or who searched;
 * later pages of the same search are not counted again.
 */
async function countUnmetSearch(db: Queryable, query: SearchQuery, place: Place | null, total: number, now: Date): Promise<void> {
  if (total > 0 || query.page !== 1 || !query.postcode || !place?.outcode) return
  await db.query(
    `INSERT INTO search_demand (day, outcode, activity_type, ward_code, lsoa_code, searches)
     SELECT $1::date, $2, t, $4, $5, 1 FROM unnest($3::text[]) AS t
     ON CONFLICT (day, outcode, activity_type, ward_code, lsoa_code) DO UPDATE SET searches = search_demand.searches + 1`,
    [ukNow(now).date, place.outcode, [...new Set(query.taxonomy_term ?? [''])], place.ward_code ?? '', place.lsoa_code ?? ''],
  )
}

/**
 * Every service a search matches, ranked (most relevant, or nearest, first), from PostgreSQL:
 * the exact engine, for APIs that harvest whole result sets (Open Referral UK).
 */
export async function rankedServiceIds(db: Queryable, query: SearchQuery, now: Date): Promise<{ ids: string[]; place: Place | null }> {
  const place = await resolvePlace(db, query)
  const sort = query.q ? 'relevance' : place ? 'distance' : 'name'
  const correctedQ = query.q ? await correctQuery(db, query.q) : undefined
  return { ids: await searchServiceIds(db, { query, place, correctedQ, sort, now }), place }
}

/** The venues of these services, nearest first, within radius of a place (all of them without one). */
export async function serviceAtLocationIds(db: Queryable, serviceIds: string[], place: Place | null, radiusKm: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT sal.id
       FROM unnest($1::uuid[]) WITH ORDINALITY AS r (service_id, rank)
       JOIN service_at_location sal ON sal.service_id = r.service_id
       JOIN location l ON l.id = sal.location_id
      WHERE $2::float8 IS NULL
         OR ST_DWithin(l.geom, ST_SetSRID(ST_MakePoint($3::float8, $2::float8), 4326)::geography, $4::float8 * 1000)
      ORDER BY CASE WHEN $2::float8 IS NULL THEN NULL
                    ELSE ST_Distance(l.geom, ST_SetSRID(ST_MakePoint($3::float8, $2::float8), 4326)::geography) END,
               r.rank, sal.id`,
    [serviceIds, place?.latitude ?? null, place?.longitude ?? null, radiusKm],
  )
  return rows.map((r) => r.id)
}
