import {
  Meilisearch,
  MeilisearchApiError,
  MeilisearchRequestError,
  MeilisearchRequestTimeOutError,
  type Hit,
  type SearchParams,
} from 'meilisearch'
import type { Queryable } from '../db/db.ts'
import { REMOTE_DELIVERY_MODES } from '../directory/vocabulary.ts'
import type { Place } from '../geo/locate.ts'
import { allServiceIds, documentsFor, type MeiliDocument } from './meili-documents.ts'
import { STALE_AFTER_DAYS, hydrateHits, type RankedHit } from './postgres.ts'
import type { SearchQuery, SearchResponse } from './schemas.ts'

export const MEILI_SETTINGS = {
  distinctAttribute: 'service_id',
  searchableAttributes: ['name', 'term_words', 'organization_name', 'description'],
  filterableAttributes: [
    'service_id', 'doc_kind', 'terms', 'delivery_modes', 'group_size', 'audiences', 'min_age', 'max_age', 'free',
    'self_referral', 'referral_capacity', 'status', 'verified_at', 'days', 'accessibility', '_geo',
  ],
  sortableAttributes: ['_geo', 'name', 'verified_at'],
  faceting: { maxValuesPerFacet: 100 },
}

/** A stored document as a search returns it: with its distance when sorted by `_geoPoint`. */
type IndexedDocument = MeiliDocument & { _geoDistance?: number }

const FACETS = ['terms', 'delivery_modes', 'group_size', 'days', 'accessibility', 'free'] as const

/** True for errors that mean Meilisearch could not be reached or is failing, not a bad query. */
export function isMeiliUnavailable(error: unknown): boolean {
  if (error instanceof MeilisearchRequestError || error instanceof MeilisearchRequestTimeOutError) return true
  return error instanceof MeilisearchApiError && (error.response?.status ?? 0) >= 500
}

const quote = (v: string) => JSON.stringify(v) // Meilisearch filter strings use double quotes
const list = (values: readonly string[]) => `[${values.map(quote).join(', ')}]`

export interface FilterInput {
  query: SearchQuery
  place: Place | null
  /** Remote services whose service area covers the place (found in PostGIS). */
  coveringServiceIds: string[]
}

/**
 * The Meilisearch filter for a search: the same rules as the PostgreSQL engine, in Meilisearch's
 * filter language. Each element of the returned array must hold (they are ANDed).
 */
export function meiliFilter({ query: q, place, coveringServiceIds }: FilterInput): string[] {
  const f: string[] = ['status = "active"']
  if (place) {
    const nearby = `(doc_kind = "venue" AND _geoRadius(${place.latitude}, ${place.longitude}, ${Math.round(q.radius_km * 1000)}))`
    f.push(coveringServiceIds.length > 0 ? `(${nearby} OR (doc_kind = "remote" AND service_id IN ${list(coveringServiceIds)}))` : nearby)
  }
  if (q.accessibility) {
    f.push(`(doc_kind = "remote" OR (${q.accessibility.map((a) => `accessibility = ${quote(a)}`).join(' AND ')}))`)
  }
  if (q.taxonomy_term) f.push(`terms IN ${list(q.taxonomy_term)}`)
  if (q.day) f.push(`days IN ${list([...q.day, 'ANY'])}`)
  if (q.free !== undefined) f.push(`free = ${q.free}`)
  if (q.delivery_mode) f.push(`delivery_modes IN ${list(q.delivery_mode)}`)
  if (q.age !== undefined) f.push(`min_age <= ${q.age} AND max_age >= ${q.age}`)
  if (q.audience) f.push(`audiences IN ${list(q.audience)}`)
  if (q.group_size) f.push(`group_size IN ${list(q.group_size)}`)
  if (q.self_referral !== undefined) f.push(`self_referral = ${q.self_referral}`)
  if (q.taking_referrals !== undefined) f.push(q.taking_referrals ? 'referral_capacity = "open"' : 'referral_capacity != "open"')
  return f
}

/** Day and hour windows need schedule-by-schedule checks that only PostgreSQL does exactly. */
export function meiliCanAnswer(query: SearchQuery): boolean {
  return query.time_from === undefined && query.time_to === undefined
}

/** The optional search engine for large directories. PostgreSQL stays the source of truth. */
export class MeiliEngine {
  readonly client: Meilisearch

  constructor(
    host: string,
    apiKey: string | undefined,
    readonly indexUid: string,
    timeoutMs = 2000,
  ) {
    this.client = new Meilisearch({ host, apiKey, timeout: timeoutMs })
  }

  private index() {
    return this.client.index<MeiliDocument>(this.indexUid)
  }

  /** Replaces every document of these services with their current documents (none if deleted). */
  async replaceServices(serviceIds: string[], docs: MeiliDocument[]): Promise<void> {
    if (serviceIds.length === 0) return
    await this.index().deleteDocuments({ filter: `service_id IN ${list(serviceIds)}` }).waitTask()
    if (docs.length > 0) await this.index().addDocuments(docs, { primaryKey: 'id' }).waitTask()
  }

  /**
   * Rebuilds the whole index from the database into a new index, then swaps it in atomically:
   * searches see the old index until the new one is complete.
   */
  async rebuild(db: Queryable, now: Date): Promise<number> {
    const building = `${this.indexUid}_rebuild_${now.getTime()}`
    await this.client.createIndex(building, { primaryKey: 'id' }).waitTask()
    await this.client.index(building).updateSettings(MEILI_SETTINGS).waitTask()
    let count = 0
    for await (const ids of allServiceIds(db)) {
      const docs = await documentsFor(db, ids)
      await this.client.index(building).addDocuments(docs, { primaryKey: 'id' }).waitTask()
      count += docs.length
    }
    const exists = await this.client
      .getIndex(this.indexUid)
      .then(() => true)
      .catch((error: unknown) => {
        if (error instanceof MeilisearchApiError && error.cause?.code === 'index_not_found') return false
        throw error
      })
    if (!exists) await this.client.createIndex(this.indexUid, { primaryKey: 'id' }).waitTask()
    await this.client.swapIndexes([{ indexes: [this.indexUid, building], rename: false }]).waitTask()
    await this.client.deleteIndex(building).waitTask() // after the swap, this is the old index
    return count
  }

  /** A search answered by Meilisearch, its hits filled in from the database. */
  async search(db: Queryable, input: { query: SearchQuery; place: Place | null; sort: SearchResponse['sort']; now: Date }) {
    const { query, place, sort, now } = input
    const coveringServiceIds = place ? await servicesCovering(db, place) : []
    const filter = meiliFilter({ query, place, coveringServiceIds })
    const cutoff = Math.floor(now.getTime() / 1000) - STALE_AFTER_DAYS * 86_400
    const geoSort = place ? [`_geoPoint(${place.latitude}, ${place.longitude}):asc`] : []
    const sortBy = sort === 'name' ? ['name:asc'] : geoSort
    const q = query.q ?? ''
    const common: SearchParams = { q, sort: sortBy.length > 0 ? sortBy : undefined, showRankingScore: true }
    const offset = (query.page - 1) * query.per_page
    // Fresh listings rank above stale ones: page through the fresh, then the stale (sort=name mixes them).
    const split = sort !== 'name'
    const [all, first] = (
      await this.client.multiSearch({
        queries: [
          { indexUid: this.indexUid, q, filter, facets: [...FACETS], page: 1, hitsPerPage: 0 },
          {
            indexUid: this.indexUid,
            ...common,
            filter: split ? [...filter, `verified_at >= ${cutoff}`] : filter,
            page: query.page,
            hitsPerPage: query.per_page,
          },
        ],
      })
    ).results
    const total = all!.totalHits ?? 0
    const firstTotal = first!.totalHits ?? 0
    let hits = first!.hits as Hit<IndexedDocument>[]
    if (split && hits.length < query.per_page && total > firstTotal) {
      const stale = await this.index().search(q, {
        ...common,
        filter: [...filter, `verified_at < ${cutoff}`],
        offset: Math.max(0, offset - firstTotal),
        limit: query.per_page - hits.length,
      })
      hits = [...hits, ...(stale.hits as Hit<IndexedDocument>[])]
    }
    const ranked: RankedHit[] = hits.map((h) => ({
      id: h.service_id,
      location_id: h.location_id,
      distance: place && h.doc_kind === 'venue' && typeof h._geoDistance === 'number' ? h._geoDistance : null,
      reach: !place ? 'anywhere' : h.doc_kind === 'venue' ? 'venue' : 'service_area',
      stale: h.verified_at < cutoff,
      score: h._rankingScore ?? 0,
    }))
    const distribution = all!.facetDistribution ?? {}
    const facet = (name: (typeof FACETS)[number]) =>
      Object.entries(distribution[name] ?? {})
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
    return {
      total, // totalHits: exhaustive when paging by page and hitsPerPage
      total_exact: true,
      facets_exact: true,
      page: query.page,
      per_page: query.per_page,
      sort,
      place,
      radius_km: place ? query.radius_km : null,
      corrected_q: null, // Meilisearch corrects typos itself and does not say how
      facets: {
        taxonomy_term: facet('terms'),
        delivery_mode: facet('delivery_modes'),
        group_size: facet('group_size'),
        day: facet('days').filter((f) => f.value !== 'ANY'),
        accessibility: facet('accessibility'),
        free: facet('free'),
      },
      results: await hydrateHits(db, ranked),
    }
  }
}

/** Remote services whose service area covers a place: PostGIS answers this, not Meilisearch. */
export async function servicesCovering(db: Queryable, place: Place): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT DISTINCT sa.service_id AS id
       FROM service_area sa JOIN service s ON s.id = sa.service_id
      WHERE ST_Covers(sa.geom, ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography)
        AND s.delivery_modes && $3::text[]`,
    [place.latitude, place.longitude, REMOTE_DELIVERY_MODES],
  )
  return rows.map((r) => r.id)
}
