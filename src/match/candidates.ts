/**
 * Gathers what the matcher needs from the database: the listings near a place (or whose home,
 * phone or online service covers it) that serve one of the person's interests or needs, as
 * plain Candidate objects. Nothing about the person is written anywhere.
 */
import type { Queryable } from '../db/db.ts'
import { REMOTE_DELIVERY_MODES } from '../directory/vocabulary.ts'
import type { Place } from '../geo/locate.ts'
import type { Candidate } from '../matching/candidate.ts'
import { correctQuery } from '../search/correct.ts'

/** At most this many listings are weighed for one match: those covering the place, then the nearest. */
export const MAX_CANDIDATES = 200
/** Besides them, at most this many home, phone and online services whose area stops short of the place, to name as near-misses. */
const MAX_OUTSIDE_AREA = 20
/** At most this many of the nearest venues are looked at (bounds a search for something rare in a dense area). */
const MAX_VENUES_SCANNED = 10_000

/**
 * How far around the place to look: half as far again as they can reach (at least 3 km more,
 * and 5 km in all), so the nearest near-misses beyond their reach can be named.
 */
export function gatherKm(reachKm: number): number {
  return Math.round(Math.min(50, Math.max(5, reachKm * 1.5, reachKm + 3)) * 10) / 10
}

/** Listing s is active and serves one of the needs (or none were named). */
const SERVES_A_NEED = `s.status = 'active'
       AND ((cardinality($4::text[]) = 0 AND cardinality($5::text[]) = 0)
            OR EXISTS (SELECT 1 FROM service_taxonomy_term st
                        WHERE st.service_id = s.id AND st.taxonomy_term_id IN (SELECT id FROM wanted))
            OR EXISTS (SELECT 1 FROM queries q
                        WHERE numnode(q.tsq) > 0 AND to_tsvector('english', s.name || ' ' || s.description) @@ q.tsq))`

/** Ways of taking part from home, as an SQL array (a constant of the code, never a request's). */
const REMOTE = `ARRAY[${REMOTE_DELIVERY_MODES.map((m) => `'${m}'`).join(', ')}]`

// The person's place, spelt out where an index scan needs it as a constant.
const HERE = 'ST_SetSRID(ST_MakePoint($2::float8, $1::float8), 4326)::geography'

export const CANDIDATES_SQL = `
WITH here AS (SELECT ${HERE} AS g),
wanted AS (
  -- The activity types asked for, and their children (practical support includes housing).
  SELECT t.id FROM taxonomy_term t LEFT JOIN taxonomy_term p ON p.id = t.parent_id
   WHERE t.code = ANY ($4::text[]) OR p.code = ANY ($4::text[])
),
queries AS (
  SELECT q.i::int - 1 AS i, plainto_tsquery('english', q.t) AS tsq
    FROM unnest($5::text[]) WITH ORDINALITY AS q (t, i)
),
relevant AS (
  -- Active listings that serve one of the needs (every active listing when none is named):
  -- the venues within the radius, nearest first, walked in distance order by the spatial
  -- index (a KNN scan, so the work grows with the listings returned, not with the area),
  -- then the home, phone and online services whose area covers the place.
  SELECT * FROM (
    SELECT sal.service_id, nl.distance
      FROM (SELECT l.id, l.geom <-> ${HERE} AS knn, ST_Distance(l.geom, ${HERE}) AS distance
              FROM location l
             ORDER BY l.geom <-> ${HERE}
             LIMIT ${MAX_VENUES_SCANNED}) nl
      JOIN service_at_location sal ON sal.location_id = nl.id
      JOIN service s ON s.id = sal.service_id
     WHERE nl.distance <= $3::float8 AND ${SERVES_A_NEED}
     ORDER BY nl.knn
     LIMIT $6) nearest
  UNION ALL
  SELECT * FROM (
    SELECT DISTINCT s.id, NULL::float8
      FROM here h
      JOIN service_area sa ON ST_Covers(sa.geom, h.g)
      JOIN service s ON s.id = sa.service_id
     WHERE s.delivery_modes && ${REMOTE} AND ${SERVES_A_NEED}
     LIMIT $6) covering
),
nearby_areas AS (
  -- Home, phone and online services whose area does not cover the place but comes within the
  -- radius: not for this person, but worth naming as a near-miss that says where they serve.
  SELECT sa.service_id, min(ST_Distance(sa.geom, h.g)) AS distance
    FROM here h
    JOIN service_area sa ON ST_DWithin(sa.geom, h.g, $3::float8)
    JOIN service s ON s.id = sa.service_id
   WHERE s.delivery_modes && ${REMOTE}
     AND s.id NOT IN (SELECT service_id FROM relevant WHERE distance IS NULL)
     AND ${SERVES_A_NEED}
   GROUP BY sa.service_id
   ORDER BY 2, 1
   LIMIT ${MAX_OUTSIDE_AREA}
),
picked AS (
  -- Covering services first, then venues nearest first: at most $6 in all.
  SELECT service_id, bool_or(distance IS NULL) AS area_covers, min(coalesce(distance, -1)) AS ord
    FROM relevant
   GROUP BY service_id
   ORDER BY 3, 1
   LIMIT $6
),
chosen AS (
  -- And beyond that limit, the services whose area ends nearby, nearest first.
  SELECT s.*, r.area_covers, r.ord
    FROM (SELECT * FROM picked
          UNION ALL
          SELECT n.service_id, false, 1e9 + n.distance FROM nearby_areas n
           WHERE n.service_id NOT IN (SELECT service_id FROM picked)) r
    JOIN service s ON s.id = r.service_id
),
venues AS (
  -- The chosen listings' venues within the radius, nearest first, with their features.
  -- (Found by id, then measured: the spatial index would scan the whole radius per listing.)
  SELECT c.id AS service_id,
         json_agg(json_build_object(
           'id', l.id, 'name', l.name, 'latitude', l.latitude, 'longitude', l.longitude,
           'postcode', (SELECT a.postal_code FROM address a WHERE a.location_id = l.id ORDER BY a.id LIMIT 1),
           'distance_m', ST_Distance(l.geom, h.g),
           'features', ARRAY(SELECT ac.feature FROM accessibility ac WHERE ac.location_id = l.id ORDER BY ac.feature))
           ORDER BY ST_Distance(l.geom, h.g), l.id) AS venues
    FROM chosen c
    CROSS JOIN here h
    JOIN service_at_location sal ON sal.service_id = c.id
    JOIN location l ON l.id = sal.location_id
   WHERE l.geom IS NOT NULL AND ST_Distance(l.geom, h.g) <= $3::float8
   GROUP BY c.id
)
SELECT coalesce(json_agg(json_build_object(
  'id', c.id, 'name', c.name, 'description', c.description,
  'organization', (SELECT json_build_object('id', o.id, 'name', o.name) FROM organization o WHERE o.id = c.organization_id),
  'delivery_modes', c.delivery_modes, 'group_size', c.group_size, 'typical_attendance', c.typical_attendance,
  'minimum_age', c.minimum_age, 'maximum_age', c.maximum_age, 'gender_restriction', c.gender_restriction,
  'audiences', c.audiences, 'languages', c.languages, 'newcomer_support', c.newcomer_support,
  'physical_intensity', c.physical_intensity, 'referral_capacity', c.referral_capacity, 'verified_at', c.verified_at,
  'terms', ARRAY(SELECT DISTINCT x FROM service_taxonomy_term st
                   JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
                   LEFT JOIN taxonomy_term p ON p.id = t.parent_id
                   CROSS JOIN LATERAL unnest(ARRAY[t.code, p.code]) AS x
                  WHERE st.service_id = c.id AND x IS NOT NULL ORDER BY x),
  'price', coalesce((SELECT min(co.amount) FROM cost_option co WHERE co.service_id = c.id AND co.amount > 0), 0),
  'area_covers', c.area_covers,
  'interpreter_available', c.interpreter_available,
  'areas', coalesce((SELECT json_agg(json_build_object('kind', sa.kind, 'name', sa.name) ORDER BY sa.ordinal, sa.id)
                        FROM service_area sa WHERE sa.service_id = c.id), '[]'),
  'venues', coalesce(v.venues, '[]'),
  'schedules', coalesce((
     SELECT json_agg(json_build_object(
              'location_id', x.location_id, 'kind', x.kind, 'byday', x.byday, 'week_of_month', x.week_of_month,
              'on_date', x.on_date::text, 'opens_at', to_char(x.opens_at, 'HH24:MI'), 'closes_at', to_char(x.closes_at, 'HH24:MI'),
              'valid_from', x.valid_from::text, 'valid_to', x.valid_to::text)
            ORDER BY x.location_id NULLS FIRST, x.opens_at, x.id)
       FROM (SELECT NULL::uuid AS location_id, sc.* FROM schedule sc WHERE sc.service_id = c.id
             UNION ALL
             SELECT sal.location_id, sc.* FROM service_at_location sal
               JOIN schedule sc ON sc.service_at_location_id = sal.id WHERE sal.service_id = c.id) x), '[]'),
  'text_hits', ARRAY(SELECT q.i FROM queries q
                      WHERE numnode(q.tsq) > 0 AND to_tsvector('english', c.name || ' ' || c.description) @@ q.tsq ORDER BY q.i)
) ORDER BY c.ord, c.id), '[]') AS candidates
  FROM chosen c
  LEFT JOIN venues v ON v.service_id = c.id
`

export interface Vocabulary {
  /** Activity type names by code. */
  termNames: Record<string, string>
  /** For each free-text interest (typo-corrected), the activity types its words name. */
  textTerms: string[][]
  /** The free-text interests after typo correction, as searched. */
  texts: string[]
}

/**
 * What the person's words mean to the directory: each free-text interest corrected for typos
 * ("knittng") and mapped to the activity types whose names or everyday synonyms it uses.
 */
export async function interpretInterests(db: Queryable, texts: string[]): Promise<Vocabulary> {
  const corrected = await Promise.all(texts.map(async (t) => (await correctQuery(db, t)) ?? t))
  const { rows } = await db.query<{ code: string; name: string; hits: number[] }>(
    `SELECT t.code, t.name,
            ARRAY(SELECT q.i::int - 1 FROM unnest($1::text[]) WITH ORDINALITY AS q (t, i)
                   WHERE numnode(plainto_tsquery('english', q.t)) > 0
                     AND to_tsvector('english', t.name || ' ' || array_to_string(t.synonyms, ' ')) @@ plainto_tsquery('english', q.t)
                   ORDER BY 1) AS hits
       FROM taxonomy_term t ORDER BY t.code`,
    [corrected],
  )
  return {
    termNames: Object.fromEntries(rows.map((r) => [r.code, r.name])),
    textTerms: corrected.map((_, i) => rows.filter((r) => r.hits.includes(i)).map((r) => r.code)),
    texts: corrected,
  }
}

/** The listings worth weighing for these interests near this place, nearest first. */
export async function gatherCandidates(
  db: Queryable,
  place: Place,
  radiusKm: number,
  terms: string[],
  texts: string[],
  limit = MAX_CANDIDATES,
): Promise<Candidate[]> {
  const { rows } = await db.query<{ candidates: Candidate[] }>(CANDIDATES_SQL, [
    place.latitude,
    place.longitude,
    radiusKm * 1000,
    terms,
    texts,
    limit,
  ])
  return rows[0]!.candidates
}
