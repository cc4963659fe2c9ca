import type { Queryable } from '../db/db.ts'
import type { Place } from '../geo/locate.ts'
import type { SearchQuery, SearchResponse, SearchResult } from './schemas.ts'

/** Days without confirmation after which a listing is stale: ranked lower and marked. */
export const STALE_AFTER_DAYS = 180

/**
 * How much of a place's neighbourhood one search reads (bench/README.md, search): at most
 * `walk` venues, nearest first, that pass the tests of the read model. When the walk stops
 * short of the radius, the answer comes from those venues only if at least `exactTotal`
 * listings match among them (so every total below that is exact) and, sorted by distance, the
 * page is the true nearest (see `walkAnswers`); otherwise the whole radius is read.
 */
export interface SearchBounds {
  walk: number
  exactTotal: number
}
export const SEARCH_BOUNDS: SearchBounds = { walk: 2_000, exactTotal: 1_000 }

/**
 * The walk orders venues by spherical distance, results by spheroidal distance (ST_Distance on
 * geography); the two differ by well under 1%. A venue beyond the walk is at least this share
 * of the walk's last distance away.
 */
const SPHERE_MARGIN = 0.99

export interface PostgresSearchInput {
  query: SearchQuery
  place: Place | null
  /** The query text after typo correction, when it differs. */
  correctedQ: string | undefined
  sort: SearchResponse['sort']
  now: Date
  /** Only the ranked ids of this page (no results, no facets): for harvesting APIs. */
  idsOnly?: boolean
  /** Bounded work per request (default SEARCH_BOUNDS); null reads the whole radius. */
  bounds?: SearchBounds | null
}

type Facets = SearchResponse['facets']

interface Row {
  total: number
  /** How many venues the walk near the place took; how far it went (m). */
  walked: number
  edge: number | null
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

// The words as a tsquery, and whether there are none: no q, or stop words only ("the"), which
// count as no text at all.
// Spelt out from the parameters rather than read from a CTE, so that the planner folds them to
// constants: the GIN index can serve them and the row estimates come from the column statistics.
const WORDS = `(websearch_to_tsquery('english', $4) || websearch_to_tsquery('english', coalesce($5, $4)))`
const NO_WORDS = `($4::text IS NULL OR numnode(${WORDS}) = 0)`
// The place, spelt out for the same reason: the location index's statistics estimate the venues near it.
const HERE = `ST_SetSRID(ST_MakePoint($2::float8, $1::float8), 4326)::geography`
// Days or hours are asked for.
const WHEN_ASKED = `($7::text[] IS NOT NULL OR $8::time IS NOT NULL OR $9::time IS NOT NULL)`

/** The location has every asked-for accessibility feature. */
function hasFeatures(locationId: string): string {
  return `($12::text[] IS NULL OR NOT EXISTS (
           SELECT 1 FROM unnest($12::text[]) AS f (feature)
            WHERE NOT EXISTS (SELECT 1 FROM accessibility a WHERE a.location_id = ${locationId} AND a.feature = f.feature)))`
}

/** When days or hours are asked for, a session fits at this venue of the service, or at the service itself. */
function sessionFits(salId: string, serviceId: string): string {
  return `(NOT ${WHEN_ASKED} OR ${salId} IN (SELECT sal_id FROM fitting)
          OR ${serviceId} IN (SELECT service_id FROM fitting WHERE sal_id IS NULL))`
}

// One statement: every filter is a parameter that is NULL when not asked for, so the SQL text
// never depends on the request. $1..$5 place and text, $6.. filters, then sort and paging.
const SEARCH_SQL = `
WITH input AS (
  SELECT ($21::timestamptz AT TIME ZONE 'Europe/London')::date AS today
),
text_query AS (
  SELECT CASE WHEN ${NO_WORDS} THEN NULL ELSE ${WORDS} END AS tsq
),
named_term AS (
  -- Activity types the words name, by their name or an everyday synonym ("blokes", "knitting").
  SELECT t.id FROM taxonomy_term t CROSS JOIN text_query tq
   WHERE tq.tsq IS NOT NULL
     AND to_tsvector('english', t.name || ' ' || array_to_string(t.synonyms, ' ')) @@ tq.tsq
),
near AS MATERIALIZED (
  -- The venues within the radius whose listing passes every test its row of the read model
  -- holds (search_entry: activity type, price, days, ages, ... and the venue's features),
  -- walked nearest first through its spatial index and stopping at $24 of them (every one when
  -- $24 is null): so a search near a place reads its neighbourhood, and in a dense one only the
  -- nearest part of it (sql/025). \`knn\` is the walk's own (spherical) distance, to tell how far it went.
  SELECT w.* FROM text_query tq,
         search_walk($1::float8, $2::float8, $3::float8 * 1000, $24::int, tq.tsq, $6::text[], $7::text[], $10::boolean,
                     $11::text[], $12::text[], $13::int, $14::text[], $15::text[], $16::boolean, $17::boolean) AS w
),
area AS MATERIALIZED (
  -- Home visiting, telephone and online services whose service area covers the place.
  SELECT DISTINCT sa.service_id
    FROM service_area sa
   WHERE $1::float8 IS NOT NULL AND ST_Covers(sa.geom, ${HERE})
),
candidates AS MATERIALIZED (
  -- Where to start: the services near the place that match the words, else the text's index
  -- hits, else every service; with the text rank, taken while each document is at hand.
  -- A service near the place carries its venues there, so they need not be looked up again.
  SELECT g.id, ts_rank(ss.document, ${WORDS}) AS rank, g.sal_ids, g.location_ids, g.geoms
    FROM (SELECT id, array_agg(sal_id) FILTER (WHERE sal_id IS NOT NULL) AS sal_ids,
                 array_agg(location_id) FILTER (WHERE sal_id IS NOT NULL) AS location_ids,
                 array_agg(geom) FILTER (WHERE sal_id IS NOT NULL) AS geoms
            FROM (SELECT service_id AS id, sal_id, location_id, geom FROM near
                  UNION ALL
                  SELECT service_id, NULL, NULL, NULL FROM area) u
           GROUP BY id) g
    LEFT JOIN service_search ss ON NOT ${NO_WORDS} AND ss.service_id = g.id
   WHERE ${NO_WORDS} OR ss.document @@ ${WORDS}
  UNION ALL
  SELECT ss.service_id, ts_rank(ss.document, ${WORDS}), NULL, NULL, NULL
    FROM service_search ss
   WHERE $1::float8 IS NULL AND NOT ${NO_WORDS} AND ss.document @@ ${WORDS}
  UNION ALL
  SELECT s.id, NULL, NULL, NULL, NULL FROM service s
   WHERE $1::float8 IS NULL AND ${NO_WORDS}
),
eligible AS MATERIALIZED (
  -- The candidates that pass every test of the service itself (activity type, price, ages,
  -- ...), before any venue or session is looked at.
  SELECT s.id, s.name, s.delivery_modes, s.group_size, c.sal_ids, c.location_ids, c.geoms,
         (s.verified_at IS NULL OR s.verified_at < $21::timestamptz - make_interval(days => $22)) AS stale,
         -- Text rank, plus 1 when one of the service's activity types is what the words name.
         CASE WHEN tq.tsq IS NULL THEN 0
              ELSE c.rank
                   + CASE WHEN EXISTS (SELECT 1 FROM service_taxonomy_term st JOIN named_term nt ON nt.id = st.taxonomy_term_id
                                        WHERE st.service_id = s.id) THEN 1 ELSE 0 END
         END AS score,
         NOT EXISTS (SELECT 1 FROM cost_option co WHERE co.service_id = s.id AND co.amount > 0) AS free
    FROM candidates c
    JOIN service s ON s.id = c.id
    CROSS JOIN text_query tq
   WHERE s.status = 'active'
     AND ($6::text[] IS NULL OR EXISTS (
           SELECT 1 FROM service_taxonomy_term st
             JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
             LEFT JOIN taxonomy_term p ON p.id = t.parent_id
            WHERE st.service_id = s.id AND (t.code = ANY ($6) OR p.code = ANY ($6))))
     AND ($10::boolean IS NULL OR $10 = NOT EXISTS (SELECT 1 FROM cost_option co WHERE co.service_id = s.id AND co.amount > 0))
     AND ($11::text[] IS NULL OR s.delivery_modes && $11::text[])
     AND ($13::int IS NULL OR ((s.minimum_age IS NULL OR s.minimum_age <= $13) AND (s.maximum_age IS NULL OR s.maximum_age >= $13)))
     AND ($14::text[] IS NULL OR s.audiences && $14::text[])
     AND ($15::text[] IS NULL OR s.group_size = ANY ($15))
     AND ($16::boolean IS NULL OR s.self_referral = $16)
     AND ($17::boolean IS NULL OR (s.referral_capacity = 'open') = $17)
),
fitting AS MATERIALIZED (
  -- When days or hours are asked for: the eligible services' schedules with a session on an
  -- asked-for day, inside the asked-for hours, at the service itself (sal_id NULL) or at one
  -- of its venues; "by arrangement" fits any.
  SELECT sc.service_id, sc.sal_id
    FROM input i
    CROSS JOIN (
      SELECT e.id AS service_id, NULL::uuid AS sal_id, s1.kind, s1.byday, s1.on_date, s1.opens_at, s1.closes_at, s1.valid_to
        FROM eligible e JOIN schedule s1 ON s1.service_id = e.id
      UNION ALL
      SELECT e.id, sal.id, s2.kind, s2.byday, s2.on_date, s2.opens_at, s2.closes_at, s2.valid_to
        FROM eligible e
        JOIN service_at_location sal ON sal.service_id = e.id
        JOIN schedule s2 ON s2.service_at_location_id = sal.id) sc
   WHERE ${WHEN_ASKED}
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
matches AS (
  SELECT e.id, e.name, e.delivery_modes, e.group_size,
         coalesce(v.location_id, av.location_id) AS location_id, v.distance,
         CASE WHEN v.location_id IS NOT NULL THEN 'venue'
              WHEN $1::float8 IS NOT NULL THEN 'service_area'
              ELSE 'anywhere' END AS reach,
         e.stale, e.score, e.free
    FROM eligible e
    -- With a place: the nearest of the service's venues it carries (within the radius, with
    -- every asked-for feature) where, when days or hours are asked for, a session fits (or at
    -- the service). Per service, so the cost stays in proportion to the services that pass
    -- the other tests.
    LEFT JOIN LATERAL (
      SELECT n.location_id, ST_Distance(n.geom, ${HERE}) AS distance
        FROM unnest(e.sal_ids, e.location_ids, e.geoms) AS n (sal_id, location_id, geom)
       WHERE ${sessionFits('n.sal_id', 'e.id')}
       ORDER BY distance, n.location_id
       LIMIT 1) v ON true
    -- Without a place: the first such venue of the service by name.
    LEFT JOIN LATERAL (
      SELECT l.id AS location_id
        FROM service_at_location sal
        JOIN location l ON l.id = sal.location_id
       WHERE $1::float8 IS NULL AND sal.service_id = e.id
         AND ${hasFeatures('l.id')} AND ${sessionFits('sal.id', 'e.id')}
       ORDER BY l.name, l.id
       LIMIT 1) av ON true
     -- Reachable: a venue within the radius, or a remote service covering the place.
   WHERE ($1::float8 IS NULL OR v.location_id IS NOT NULL
          OR (e.delivery_modes && ARRAY['home_visit', 'telephone', 'online_video', 'online_text']
              AND e.id IN (SELECT service_id FROM area)))
     -- Without a place, an accessibility filter still needs a qualifying venue, unless remote.
     AND ($1::float8 IS NOT NULL OR $12::text[] IS NULL OR av.location_id IS NOT NULL
          OR e.delivery_modes && ARRAY['home_visit', 'telephone', 'online_video', 'online_text'])
     -- Runs when the person can go: a session that fits at the chosen venue, or at the service.
     AND (NOT ${WHEN_ASKED} OR v.location_id IS NOT NULL OR av.location_id IS NOT NULL
          OR e.id IN (SELECT service_id FROM fitting))
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
  (SELECT count(*) FROM near) AS walked,
  (SELECT max(knn) FROM near) AS edge,
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
    input.bounds?.walk ?? null,
  ]
}

/**
 * Whether a walk that stopped short of the radius can answer: enough listings matched among
 * its venues to say "at least" rather than guess a small total. Then relevance and name order
 * rank those listings, on every page alike, so paging never switches between two rankings. By
 * distance the page must also be the true one: it is filled, every listing on it is fresh (a
 * stale one ranks below every fresh one, which might lie beyond the walk), and it is nearer
 * than anything the walk left out; otherwise (a later page, say) the whole radius is read, which
 * ranks by distance the same way.
 */
function walkAnswers(row: Row, input: PostgresSearchInput, bounds: SearchBounds): boolean {
  const { query: q } = input
  if (row.total < bounds.exactTotal) return false
  if (input.sort !== 'distance') return true
  const results = row.results ?? []
  const last = results[results.length - 1]
  return (
    row.total >= q.page * q.per_page &&
    row.edge !== null &&
    results.every((r) => !r.stale) &&
    last !== undefined &&
    last.distance_m !== null &&
    last.distance_m < row.edge * SPHERE_MARGIN
  )
}

/** The ranked ids of every service a search matches, nearest or most relevant first. */
export async function searchServiceIds(db: Queryable, input: Omit<PostgresSearchInput, 'idsOnly'>): Promise<string[]> {
  const everything = { ...input, query: { ...input.query, page: 1, per_page: 1_000_000 } }
  const { rows } = await db.query<Row>(SEARCH_SQL, searchParams({ ...everything, idsOnly: true, bounds: null }))
  return rows[0]!.ids ?? []
}

/** The complete search, on PostgreSQL alone: full text, typo correction, distance, filters, facets. */
export async function searchPostgres(db: Queryable, input: PostgresSearchInput): Promise<Omit<SearchResponse, 'engine' | 'degraded'>> {
  const { query: q, place } = input
  const bounds = input.bounds === undefined ? SEARCH_BOUNDS : input.bounds
  let row = (await db.query<Row>(SEARCH_SQL, searchParams({ ...input, bounds }))).rows[0]!
  // The walk stopped short of the radius: answer from it, or read the whole radius.
  let partial = bounds !== null && row.walked >= bounds.walk
  if (partial && !walkAnswers(row, input, bounds!)) {
    row = (await db.query<Row>(SEARCH_SQL, searchParams({ ...input, bounds: null }))).rows[0]!
    partial = false
  }
  const facets = Object.fromEntries(Object.entries(row.facets ?? {}).map(([k, v]) => [k, v ?? []])) as Facets
  return {
    total: row.total,
    total_exact: !partial,
    facets_exact: !partial,
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
