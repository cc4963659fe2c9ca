import type { Queryable } from '../db/db.ts'
import { locatePostcode, placeAt, type Place } from '../geo/locate.ts'
import { Invalid } from '../problem.ts'
import { correctQuery } from './correct.ts'
import { searchPostgres } from './postgres.ts'
import type { SearchQuery, SearchResponse } from './schemas.ts'

/** Where a search starts from: a postcode, coordinates, or nowhere in particular. */
export async function resolvePlace(db: Queryable, query: Pick<SearchQuery, 'postcode' | 'lat' | 'lon'>): Promise<Place | null> {
  if (query.postcode) return locatePostcode(db, query.postcode)
  if (query.lat !== undefined && query.lon !== undefined) return placeAt(query.lat, query.lon)
  return null
}

/** Runs a search on PostgreSQL: the default engine, complete on its own. */
export async function searchDirectory(db: Queryable, query: SearchQuery, now: Date): Promise<SearchResponse> {
  const place = await resolvePlace(db, query)
  const sort = query.sort ?? (query.q ? 'relevance' : place ? 'distance' : 'name')
  if (sort === 'distance' && !place) {
    throw new Invalid('Sorting by distance needs a postcode or lat/lon', [
      { in: 'querystring', pointer: '/sort', detail: 'give a postcode to sort by distance' },
    ])
  }
  const correctedQ = query.q ? await correctQuery(db, query.q) : undefined
  const result = await searchPostgres(db, { query, place, correctedQ, sort, now })
  return { ...result, engine: 'postgres', degraded: false }
}
