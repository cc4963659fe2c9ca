import type { Queryable } from '../db/db.ts'
import type { Place } from '../geo/locate.ts'
import type { SearchQuery, SearchResponse, SearchResult } from './schemas.ts'

/** Days without confirmation after which a listing is stale: ranked lower and marked. */
export const STALE_AFTER_DAYS = 180

export interface PostgresSearchInput {
  query: SearchQuery
  place: Place | null
  /** The query text after typo correction, when it differs. */
  correctedQ: string | undefined
  sort: SearchResponse['sort']
  now: Date
  /** Only the ranked ids of this page (no results, no facets): for harvesting APIs. */
  idsOnly?: boolean
}

type Facets = SearchResponse['facets']

interface Row {
  total: number
  ids: string[] | null
  results: RawResult[] | null
  facets: { [K in keyof Facets]: Facets[K] | null } | null
}

/**
 * The JSON array of search results for a relation of ranked hits (id, location_id, distance,
 * reach, stale, score, free, ord): shared by the PostgreSQL engine and by Meilisearch's
 * hits, which are filled in from the database so both engines answer in the same shape.
 */
function resultRows(from: string): string {
  return `(SELECT json_agg(json_build_object(
      'id', s.id, 'name', s.name, 'description', s.description, 'status', s.status,
      'organization', json_build_object('id', o.id, 'name', o.name),
      'delivery_modes', s.delivery_modes, 'group_size', s.group_size,
      'typical_attendance', s.typical_attendance,
      'taxonomy_terms', coalesce((SELECT array_agg(t.code ORDER BY t.code) FROM service_taxonomy_term st
                                   JOIN taxonomy_term t ON t.id = st.taxonomy_term_id WHERE st.service_id = s.id), '{}'),
      'verified_at', s.verified_at, 'updated_at', s.updated_at,
      'distance_m', round(p.distance)::int, 'reach', p.reach, 'stale', p.stale, 'score', round(p.score::numeric, 4)::float8,
      'free', p.free,
      'location', (SELECT json_build_object('id', l.id, 'name', l.name, 'latitude', l.latitude, 'longitude', l.longitude,
                                            'postcode', (SELECT a.postal_code FROM address a WHERE a.location_id = l.id ORDER BY a.id LIMIT 1))
                     FROM location l WHERE l.id = p.location_id),
      'schedules', coalesce((SELECT json_agg(json_build_object(
            'kind', sc.kind, 'byday', sc.byday, 'week_of_month', sc.week_of_month, 'on_date', sc.on_date,
            'opens_at', to_char(sc.opens_at, 'HH24:MI'), 'closes_at', to_char(sc.closes_at, 'HH24:MI'),
            'description', sc.description) ORDER BY sc.kind, sc.opens_at, sc.id)
          FROM (SELECT * FROM schedule WHERE service_id = s.id
                UNION ALL
                SELECT sc2.* FROM service_at_location ssal JOIN schedule sc2 ON sc2.service_at_location_id = ssal.id
                 WHERE ssal.service_id = s.id AND (p.location_id IS NULL OR ssal.location_id = p.location_id)) sc), '[]'))
     ORDER BY p.ord)
     FROM ${from} p
     JOIN service s ON s.id = p.id JOIN organization o ON o.id = s.organization_id)`
}

// One statement: every filter is a parameter that is NULL when not asked for, so the SQL text
// never depends on the request. $1..$5 place and text, $6.. filters, then sort and paging.
const SEARCH_SQL = `
WITH input AS (
  SELECT CASE WHEN $1::float8 IS NULL THEN NULL
              ELSE ST_SetSRID(ST_MakePoint($2::float8, $1::float8), 4326)::geography END AS here,
         $3::float8 * 1000 AS radius_m,
         CASE WHEN $4::text IS NULL THEN NULL
              ELSE websearch_to_tsquery('english', $4) || websearch_to_tsquery('english', coalesce($5, $4)) END AS tsq,
         ($21::timestamptz AT TIME ZONE 'Europe/London')::date AS today,
         ($7::text[] IS NOT NULL OR $8::time IS NOT NULL OR $9::time IS NOT NULL) AS when_filtered
),
text_query AS (
  -- A query of stop words only ("the") has no terms: treat it as no text at all.
  SELECT CASE WHEN tsq IS NULL OR numnode(tsq) = 0 THEN NULL ELSE tsq END AS tsq FROM input
),
named_term AS (
  -- Activity types the words name, by their name or an everyday synonym ("blokes", "knitting").
  SELECT t.id FROM taxonomy_term t CROSS JOIN text_query tq
   WHERE tq.tsq IS NOT NULL
     AND to_tsvector('english', t.name || ' ' || array_to_string(t.synonyms, ' ')) @@ tq.tsq
),
fitting AS (
  -- Schedules with a session on an asked-for day, inside the asked-for hours; "by arrangement" fits any.
  SELECT sc.service_id, sc.service_at_location_id
    FROM schedule sc CROSS JOIN input i
   WHERE i.when_filtered
     AND (sc.valid_to IS NULL OR sc.valid_to >= i.today)
     AND (sc.kind = 'by_arrangement' OR (
           (sc.kind <> 'one_off' OR sc.on_date >= i.today)
           AND ($7::text[] IS NULL
                OR (sc.kind IN ('weekly', 'monthly') AND sc.byday && $7::text[])
                OR (sc.kind = 'one_off'
                    AND (ARRAY['MO','TU','WE','TH','FR','SA','SU'])[extract(isodow FROM sc.on_date)::int] = ANY ($7)))
           AND ($8::time IS NULL OR sc.opens_at >= $8)
           AND ($9::time IS NULL OR sc.closes_at <= $9)))
),
fitting_sal AS (SELECT DISTINCT service_at_location_id AS id FROM fitting WHERE service_at_location_id IS NOT NULL),
fitting_service AS (
  -- Services with a fitting session anywhere: at the service itself or at one of its venues.
  SELECT service_id AS id FROM fitting WHERE service_id IS NOT NULL
  UNION
  SELECT sal.service_id FROM fitting_sal f JOIN service_at_location sal ON sal.id = f.id
),
venue AS (
  -- The nearest venue of each service within the radius that has every asked-for feature
  -- and, when days or hours are asked for, a session that fits there (or at the service).
  SELECT DISTINCT ON (sal.service_id) sal.service_id, l.id AS location_id,
         ST_Distance(l.geom, i.here) AS distance
    FROM input i
    JOIN location l ON ST_DWithin(l.geom, i.here, i.radius_m)
    JOIN service_at_location sal ON sal.location_id = l.id
   WHERE i.here IS NOT NULL
     AND ($12::text[] IS NULL OR NOT EXISTS (
           SELECT 1 FROM unnest($12::text[]) AS f (feature)
            WHERE NOT EXISTS (SELECT 1 FROM accessibility a WHERE a.location_id = l.id AND a.feature = f.feature)))
     AND (NOT i.when_filtered OR sal.id IN (SELECT id FROM fitting_sal)
          OR sal.service_id IN (SELECT service_id FROM fitting WHERE service_id IS NOT NULL))
   ORDER BY sal.service_id, distance, l.id
),
area AS (
  -- Home visiting, telephone and online services whose service area covers the place.
  SELECT DISTINCT sa.service_id
    FROM input i JOIN service_area sa ON ST_Covers(sa.geom, i.here)
   WHERE i.here IS NOT NULL
),
candidates AS MATERIALIZED (
  -- Where to start: the venues and service areas near the place, else the text's index hits,
  -- else every service. Keeps a search near a postcode from reading the whole directory.
  SELECT service_id AS id FROM venue
  UNION
  SELECT service_id FROM area
  UNION
  -- The query is spelt out from the parameters (not taken from a CTE) so the GIN index serves it.
  SELECT ss.service_id FROM service_search ss
   WHERE $1::float8 IS NULL AND $4::text IS NOT NULL
     AND ss.document @@ (websearch_to_tsquery('english', $4) || websearch_to_tsquery('english', coalesce($5, $4)))
  UNION
  SELECT s.id FROM service s CROSS JOIN text_query tq
   WHERE $1::float8 IS NULL AND tq.tsq IS NULL
),
any_venue AS (
  -- Without a place: any venue of the service with every asked-for feature.
  SELECT DISTINCT ON (sal.service_id) sal.service_id, l.id AS location_id, NULL::float8 AS distance
    FROM input i
    JOIN candidates c ON i.here IS NULL
    JOIN service_at_location sal ON sal.service_id = c.id
    JOIN location l ON l.id = sal.location_id
   WHERE ($12::text[] IS NULL OR NOT EXISTS (
           SELECT 1 FROM unnest($12::text[]) AS f (feature)
            WHERE NOT EXISTS (SELECT 1 FROM accessibility a WHERE a.location_id = l.id AND a.feature = f.feature)))
     AND (NOT i.when_filtered OR sal.id IN (SELECT id FROM fitting_sal)
          OR sal.service_id IN (SELECT service_id FROM fitting WHERE service_id IS NOT NULL))
   ORDER BY sal.service_id, l.name, l.id
),
matches AS (
  SELECT s.id, s.name, s.delivery_modes, s.group_size,
         coalesce(v.location_id, av.location_id) AS location_id,
         v.distance,
         CASE WHEN v.service_id IS NOT NULL THEN 'venue'
              WHEN i.here IS NOT NULL THEN 'service_area'
              ELSE 'anywhere' END AS reach,
         (s.verified_at IS NULL OR s.verified_at < $21::timestamptz - make_interval(days => $22)) AS stale,
         -- Text rank, plus 1 when one of the service's activity types is what the words name.
         CASE WHEN tq.tsq IS NULL THEN 0
              ELSE (SELECT ts_rank(ss.document, tq.tsq) FROM service_search ss WHERE ss.service_id = s.id)
                   + CASE WHEN EXISTS (SELECT 1 FROM service_taxonomy_term st JOIN named_term nt ON nt.id = st.taxonomy_term_id
                                        WHERE st.service_id = s.id) THEN 1 ELSE 0 END
         END AS score,
         NOT EXISTS (SELECT 1 FROM cost_option c WHERE c.service_id = s.id AND c.amount > 0) AS free
    FROM candidates c
    JOIN service s ON s.id = c.id
    CROSS JOIN input i
    CROSS JOIN text_query tq
    LEFT JOIN venue v ON v.service_id = s.id
    LEFT JOIN any_venue av ON av.service_id = s.id
    LEFT JOIN area a ON a.service_id = s.id
                    AND s.delivery_modes && ARRAY['home_visit', 'telephone', 'online_video', 'online_text']
   WHERE s.status = 'active'
     -- Reachable: a venue within the radius, or a remote service covering the place.
     AND (i.here IS NULL OR v.service_id IS NOT NULL OR a.service_id IS NOT NULL)
     -- Without a place, an accessibility filter still needs a qualifying venue, unless remote.
     AND (i.here IS NOT NULL OR $12::text[] IS NULL OR av.service_id IS NOT NULL
          OR s.delivery_modes && ARRAY['home_visit', 'telephone', 'online_video', 'online_text'])
     AND (tq.tsq IS NULL OR EXISTS (SELECT 1 FROM service_search ss WHERE ss.service_id = s.id AND ss.document @@ tq.tsq))
     AND ($6::text[] IS NULL OR EXISTS (
           SELECT 1 FROM service_taxonomy_term st
             JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
             LEFT JOIN taxonomy_term p ON p.id = t.parent_id
            WHERE st.service_id = s.id AND (t.code = ANY ($6) OR p.code = ANY ($6))))
     -- Runs when the person can go: a session that fits at the chosen venue, or at the service.
     AND (NOT i.when_filtered OR v.service_id IS NOT NULL OR av.service_id IS NOT NULL
          OR s.id IN (SELECT id FROM fitting_service))
     AND ($10::boolean IS NULL OR $10 = NOT EXISTS (SELECT 1 FROM cost_option c WHERE c.service_id = s.id AND c.amount > 0))
     AND ($11::text[] IS NULL OR s.delivery_modes && $11::text[])
     AND ($13::int IS NULL OR ((s.minimum_age IS NULL OR s.minimum_age <= $13) AND (s.maximum_age IS NULL OR s.maximum_age >= $13)))
     AND ($14::text[] IS NULL OR s.audiences && $14::text[])
     AND ($15::text[] IS NULL OR s.group_size = ANY ($15))
     AND ($16::boolean IS NULL OR s.self_referral = $16)
     AND ($17::boolean IS NULL OR (s.referral_capacity = 'open') = $17)
),
page AS (
  SELECT m.id, m.location_id, m.distance, m.reach, m.stale, m.score, m.free,
         row_number() OVER (ORDER BY
           CASE WHEN $18 = 'name' THEN NULL ELSE m.stale END,
           CASE WHEN $18 = 'relevance' THEN m.score END DESC,
           CASE WHEN $18 IN ('relevance', 'distance') THEN m.distance END NULLS LAST,
           CASE WHEN $18 = 'distance' THEN m.score END DESC,
           m.name, m.id) AS ord
    FROM matches m
   ORDER BY ord
   LIMIT $19 OFFSET $20
)
SELECT
  (SELECT count(*) FROM matches) AS total,
  CASE WHEN $23 THEN (SELECT json_agg(id ORDER BY ord) FROM page) END AS ids,
  CASE WHEN NOT $23 THEN ${resultRows('page')} END AS results,
  CASE WHEN NOT $23 THEN json_build_object(
    'taxonomy_term', (SELECT json_agg(json_build_object('value', code, 'count', n) ORDER BY n DESC, code) FROM (
        SELECT t.code, count(DISTINCT m.id) AS n FROM matches m
          JOIN service_taxonomy_term st ON st.service_id = m.id JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
         GROUP BY t.code) f),
    'delivery_mode', (SELECT json_agg(json_build_object('value', mode, 'count', n) ORDER BY n DESC, mode) FROM (
        SELECT mode, count(*) AS n FROM matches m, unnest(m.delivery_modes) AS mode GROUP BY mode) f),
    'group_size', (SELECT json_agg(json_build_object('value', group_size, 'count', n) ORDER BY n DESC, group_size) FROM (
        SELECT group_size, count(*) AS n FROM matches GROUP BY group_size) f),
    'day', (SELECT json_agg(json_build_object('value', day, 'count', n) ORDER BY array_position(ARRAY['MO','TU','WE','TH','FR','SA','SU'], day)) FROM (
        SELECT day, count(DISTINCT service_id) AS n FROM (
          SELECT m.id AS service_id, sc.byday FROM matches m JOIN schedule sc ON sc.service_id = m.id
          UNION ALL
          SELECT m.id, sc.byday FROM matches m
            JOIN service_at_location sal ON sal.service_id = m.id
            JOIN schedule sc ON sc.service_at_location_id = sal.id) ms
          CROSS JOIN unnest(ms.byday) AS day
         GROUP BY day) f),
    'accessibility', (SELECT json_agg(json_build_object('value', feature, 'count', n) ORDER BY n DESC, feature) FROM (
        SELECT a.feature, count(*) AS n FROM matches m JOIN accessibility a ON a.location_id = m.location_id GROUP BY a.feature) f),
    'free', (SELECT json_agg(json_build_object('value', CASE WHEN free THEN 'true' ELSE 'false' END, 'count', n) ORDER BY free DESC) FROM (
        SELECT free, count(*) AS n FROM matches GROUP BY free) f)
  ) END AS facets
`

export interface RankedHit {
  id: string
  location_id: string | null
  distance: number | null
  reach: SearchResult['reach']
  stale: boolean
  score: number
}

type RawResult = Omit<SearchResult, 'verified_at' | 'updated_at'> & { verified_at: string | null; updated_at: string }

function withIsoTimes(r: RawResult): SearchResult {
  return {
    ...r,
    verified_at: r.verified_at === null ? null : new Date(r.verified_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  }
}

/** Fills in ranked hits found elsewhere (Meilisearch) from the database, in their order. */
export async function hydrateHits(db: Queryable, hits: RankedHit[]): Promise<SearchResult[]> {
  if (hits.length === 0) return []
  const { rows } = await db.query<{ results: RawResult[] | null }>(
    `SELECT ${resultRows(`(SELECT h.*, NOT EXISTS (SELECT 1 FROM cost_option c WHERE c.service_id = h.id AND c.amount > 0) AS free
                             FROM json_to_recordset($1::json) AS h (id uuid, location_id uuid, distance float8, reach text,
                                                                   stale boolean, score float8, ord int))`)} AS results`,
    [JSON.stringify(hits.map((h, i) => ({ ...h, ord: i })))],
  )
  return (rows[0]!.results ?? []).map(withIsoTimes)
}

function searchParams(input: PostgresSearchInput): unknown[] {
  const { query: q, place } = input
  return [
    place?.latitude ?? null,
    place?.longitude ?? null,
    q.radius_km,
    q.q || null,
    input.correctedQ ?? null,
    q.taxonomy_term ?? null,
    q.day ?? null,
    q.time_from ?? null,
    q.time_to ?? null,
    q.free ?? null,
    q.delivery_mode ?? null,
    q.accessibility ?? null,
    q.age ?? null,
    q.audience ?? null,
    q.group_size ?? null,
    q.self_referral ?? null,
    q.taking_referrals ?? null,
    input.sort,
    q.per_page,
    (q.page - 1) * q.per_page,
    input.now.toISOString(),
    STALE_AFTER_DAYS,
    input.idsOnly ?? false,
  ]
}

/** The ranked ids of every service a search matches, nearest or most relevant first. */
export async function searchServiceIds(db: Queryable, input: Omit<PostgresSearchInput, 'idsOnly'>): Promise<string[]> {
  const everything = { ...input, query: { ...input.query, page: 1, per_page: 1_000_000 } }
  const { rows } = await db.query<Row>(SEARCH_SQL, searchParams({ ...everything, idsOnly: true }))
  return rows[0]!.ids ?? []
}

/** The complete search, on PostgreSQL alone: full text, typo correction, distance, filters, facets. */
export async function searchPostgres(db: Queryable, input: PostgresSearchInput): Promise<Omit<SearchResponse, 'engine' | 'degraded'>> {
  const { query: q, place } = input
  const { rows } = await db.query<Row>(SEARCH_SQL, searchParams(input))
  const row = rows[0]!
  const facets = Object.fromEntries(Object.entries(row.facets ?? {}).map(([k, v]) => [k, v ?? []])) as Facets
  return {
    total: row.total,
    page: q.page,
    per_page: q.per_page,
    sort: input.sort,
    place,
    radius_km: place ? q.radius_km : null,
    corrected_q: input.correctedQ ?? null,
    facets,
    results: (row.results ?? []).map(withIsoTimes),
  }
}
