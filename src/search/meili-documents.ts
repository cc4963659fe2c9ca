import type { Queryable } from '../db/db.ts'

/**
 * One Meilisearch document per way a service can be reached: one per venue (with `_geo`),
 * and one "remote" document for a service delivered at home, by phone or online. The index's
 * distinct attribute, `service_id`, folds them back into one hit per service.
 */
export interface MeiliDocument {
  id: string
  service_id: string
  doc_kind: 'venue' | 'remote'
  name: string
  description: string
  organization_name: string
  /** Activity type codes, with each term's parent, so a filter on a parent finds children. */
  terms: string[]
  /** Activity type names and their everyday synonyms, searchable. */
  term_words: string
  delivery_modes: string[]
  group_size: string
  audiences: string[]
  /** 0 and 200 stand for "no lower / upper limit", so range filters need no null handling. */
  min_age: number
  max_age: number
  free: boolean
  self_referral: boolean
  referral_capacity: string
  status: string
  /** Unix seconds; 0 when never confirmed. */
  verified_at: number
  /** Weekdays with sessions, and ANY for "by arrangement". */
  days: string[]
  accessibility: string[]
  location_id: string | null
  _geo?: { lat: number; lng: number }
}

const DOCUMENTS_SQL = `
WITH svc AS (
  SELECT s.id, s.name, s.description, o.name AS organization_name, s.delivery_modes, s.group_size, s.audiences,
         coalesce(s.minimum_age, 0) AS min_age, coalesce(s.maximum_age, 200) AS max_age,
         s.self_referral, s.referral_capacity, s.status,
         coalesce(extract(epoch FROM s.verified_at)::bigint, 0) AS verified_at,
         NOT EXISTS (SELECT 1 FROM cost_option c WHERE c.service_id = s.id AND c.amount > 0) AS free,
         coalesce((SELECT array_agg(DISTINCT term_code) FROM service_taxonomy_term st
                     JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
                     LEFT JOIN taxonomy_term p ON p.id = t.parent_id
                     CROSS JOIN unnest(ARRAY[t.code, p.code]) AS tc (term_code)
                    WHERE st.service_id = s.id AND term_code IS NOT NULL), '{}') AS terms,
         coalesce((SELECT string_agg(t.name || ' ' || array_to_string(t.synonyms, ' '), ' ' ORDER BY t.code)
                     FROM service_taxonomy_term st JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
                    WHERE st.service_id = s.id), '') AS term_words
    FROM service s JOIN organization o ON o.id = s.organization_id
   WHERE s.id = ANY ($1::uuid[])
),
days AS (
  -- Weekdays of each schedule, per service and per service_at_location.
  SELECT sc.service_id, sc.service_at_location_id,
         CASE sc.kind WHEN 'by_arrangement' THEN ARRAY['ANY']
                      WHEN 'one_off' THEN ARRAY[(ARRAY['MO','TU','WE','TH','FR','SA','SU'])[extract(isodow FROM sc.on_date)::int]]
                      ELSE sc.byday END AS days
    FROM schedule sc
)
SELECT json_build_object(
         'id', sal.id, 'service_id', svc.id, 'doc_kind', 'venue', 'location_id', l.id,
         '_geo', json_build_object('lat', l.latitude, 'lng', l.longitude),
         'accessibility', coalesce((SELECT array_agg(a.feature ORDER BY a.feature) FROM accessibility a WHERE a.location_id = l.id), '{}'),
         'days', coalesce((SELECT array_agg(DISTINCT d) FROM days, unnest(days.days) AS d
                            WHERE days.service_at_location_id = sal.id OR days.service_id = svc.id), '{}')
       )::jsonb || to_jsonb(svc) - 'id' AS doc
  FROM svc JOIN service_at_location sal ON sal.service_id = svc.id JOIN location l ON l.id = sal.location_id
 WHERE l.latitude IS NOT NULL
UNION ALL
SELECT json_build_object(
         'id', svc.id, 'service_id', svc.id, 'doc_kind', 'remote', 'location_id', NULL,
         'accessibility', '{}'::text[],
         'days', coalesce((SELECT array_agg(DISTINCT d) FROM days, unnest(days.days) AS d WHERE days.service_id = svc.id), '{}')
       )::jsonb || to_jsonb(svc) - 'id' AS doc
  FROM svc
 WHERE svc.delivery_modes && ARRAY['home_visit', 'telephone', 'online_video', 'online_text']
`

/** The documents of the given services as they stand in the database (none for a deleted one). */
export async function documentsFor(db: Queryable, serviceIds: string[]): Promise<MeiliDocument[]> {
  if (serviceIds.length === 0) return []
  const { rows } = await db.query<{ doc: MeiliDocument & { id?: string } }>(DOCUMENTS_SQL, [serviceIds])
  return rows.map((r) => r.doc)
}

/** Ids of every service, in pages, for a full rebuild. */
export async function* allServiceIds(db: Queryable, pageSize = 5000): AsyncGenerator<string[]> {
  let after = '00000000-0000-0000-0000-000000000000'
  for (;;) {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM service WHERE id > $1 ORDER BY id LIMIT $2', [after, pageSize])
    if (rows.length === 0) return
    yield rows.map((r) => r.id)
    after = rows[rows.length - 1]!.id
  }
}
