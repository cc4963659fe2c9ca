/**
 * A database-wide consistency check: what the directory must hold whatever was written to it,
 * beyond what any one request's answer shows. The fuzz suite runs it during and after its
 * runs; an operator can run it against a live database. It only reads.
 *
 * Three families of checks:
 * - every foreign key the catalog declares actually holds (a key added NOT VALID, or rows
 *   loaded while it was dropped or disabled, is not enforced on the rows already there);
 * - references and ownership the schema cannot declare: a venue no listing uses any more, a
 *   venue with two addresses, a radius area drawn around another listing's venue, a version
 *   whose record is gone, a service with no search document, a search read model out of step
 *   with the listings, held listings that are offered or lost the status they wait to get back;
 *   and the owners of schedules, contacts, phones and areas, checked here even if their foreign
 *   keys went missing;
 * - referrals: sent to the organisation that runs the listing, with a history that starts at
 *   'sent', moves only as src/referrals/status.ts allows, and ends at the referral's status;
 * - every column holding a closed vocabulary (src/directory/vocabulary.ts) holds only its values.
 *
 * All checks run as one statement, so they see one snapshot and cost one round trip.
 */
import type { Queryable } from './db.ts'
import { ROLES, SERVICE_STATUSES, VOCABULARY_CONSTRAINTS } from '../directory/vocabulary.ts'
import { STATUS_MOVES } from '../referrals/status.ts'
import { DECLINE_REASONS, REFERRAL_VOCABULARY_CONSTRAINTS } from '../referrals/vocabulary.ts'

/** One kind of damage found: a stable key (to compare runs), how many rows, and what it means in words. */
export interface Inconsistency {
  check: string
  count: number
  detail: string
}

/** How many example keys a finding quotes. */
const EXAMPLES = 3

/** One check: SQL answering one row of `n` (rows at fault) and `examples` (some of their keys, text[]). */
interface Probe {
  check: string
  sql: string
  /** The finding in words, given how many rows are at fault. */
  detail: (n: number) => string
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`

/** "(e.g. a, b, c)" for a finding's examples; nothing when there are none. */
const eg = (examples: string[] | null) => (examples && examples.length > 0 ? ` (e.g. ${examples.join(', ')})` : '')

const rows = (n: number, table: string) => `${n} ${table} row${n === 1 ? '' : 's'}`
/** The verb for n rows: one row "is", two rows "are". */
const verb = (n: number, one: string, many: string) => (n === 1 ? one : many)

/** Counts the rows of `from` matching `where`, quoting a few values of `key` (text). */
const counting = (from: string, where: string, key: string) =>
  `SELECT count(*)::int AS n, (array_agg(DISTINCT ${key} ORDER BY ${key}))[1:${EXAMPLES}]::text[] AS examples FROM ${from} WHERE ${where}`

/** A row with no owner: `table.column` names no `owner.id`. */
const ownerGone = (table: string, column: string, owner: string): Probe => ({
  check: `orphan:${table}.${column}`,
  sql: counting(`${table} t`, `t.${column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${owner} o WHERE o.id = t.${column})`, 't.id::text'),
  detail: (n) => `${rows(n, table)} ${verb(n, 'belongs', 'belong')} to no ${owner}: ${column} names one that does not exist`,
})

/** What the schema cannot forbid, each rule counting the rows that break it. */
const RULES: Probe[] = [
  {
    check: 'orphan:location',
    // Venues are written only through listings: one no listing holds was left behind by a write.
    sql: counting(
      'location l',
      `NOT EXISTS (SELECT 1 FROM service_at_location sal WHERE sal.location_id = l.id)
       AND NOT EXISTS (SELECT 1 FROM service_area sa WHERE sa.location_id = l.id)`,
      'l.id::text',
    ),
    detail: (n) => `${rows(n, 'location')} (venues) ${verb(n, 'is', 'are')} used by no listing`,
  },
  {
    check: 'orphan:address',
    // A venue's document has one address; readers take the first, so a second is unseen and stale.
    sql: `SELECT coalesce(sum(d.n), 0)::int AS n, (array_agg(d.location_id::text ORDER BY d.location_id))[1:${EXAMPLES}]::text[] AS examples
            FROM (SELECT location_id, count(*) AS n FROM address GROUP BY location_id HAVING count(*) > 1) d`,
    detail: (n) => `${rows(n, 'address')} belong to venues with more than one address`,
  },
  // The owners of what a service document holds, whether or not their foreign keys exist.
  ownerGone('schedule', 'service_id', 'service'),
  ownerGone('schedule', 'service_at_location_id', 'service_at_location'),
  ownerGone('contact', 'service_id', 'service'),
  ownerGone('phone', 'contact_id', 'contact'),
  ownerGone('service_area', 'service_id', 'service'),
  ownerGone('cost_option', 'service_id', 'service'),
  ownerGone('service_at_location', 'service_id', 'service'),
  ownerGone('service_at_location', 'location_id', 'location'),
  ownerGone('address', 'location_id', 'location'),
  ownerGone('accessibility', 'location_id', 'location'),
  {
    check: 'orphan:schedule-owner',
    sql: counting('schedule sc', 'num_nonnulls(sc.service_id, sc.service_at_location_id) <> 1', 'sc.id::text'),
    detail: (n) => `${rows(n, 'schedule')} ${verb(n, 'belongs', 'belong')} to both or neither of a service and a venue of a service`,
  },
  {
    check: 'orphan:radius-area-venue',
    // A radius is drawn around one of the listing's own venues; its document names it by position.
    sql: counting(
      'service_area sa',
      `sa.location_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM service_at_location sal WHERE sal.service_id = sa.service_id AND sal.location_id = sa.location_id)`,
      'sa.id::text',
    ),
    detail: (n) => `${rows(n, 'service_area')} (radius areas) ${verb(n, 'is', 'are')} drawn around a venue that is not one of the service's own venues`,
  },
  {
    check: 'orphan:record_version',
    // record_id points into one of two tables, so no foreign key can say so.
    sql: counting(
      'record_version rv',
      `(rv.record_type = 'organization' AND NOT EXISTS (SELECT 1 FROM organization o WHERE o.id = rv.record_id))
       OR (rv.record_type = 'service' AND NOT EXISTS (SELECT 1 FROM service s WHERE s.id = rv.record_id))`,
      `rv.record_type || ' ' || rv.record_id::text`,
    ),
    detail: (n) => `${rows(n, 'record_version')} ${verb(n, 'is', 'are')} the history of a record that does not exist`,
  },
  {
    check: 'missing:service_search',
    sql: counting('service s', 'NOT EXISTS (SELECT 1 FROM service_search ss WHERE ss.service_id = s.id)', 's.id::text'),
    detail: (n) => `${rows(n, 'service')} ${verb(n, 'has', 'have')} no search document, so no search finds ${verb(n, 'it', 'them')}`,
  },
  {
    check: 'stale:search_entry',
    // The search read model (sql/024) against what it should hold now: a row missing, left
    // over or different is a listing a search near a place finds wrongly or not at all.
    sql: `SELECT n, examples FROM search_entry_drift(${EXAMPLES})`,
    detail: (n) => `${rows(n, 'search_entry')} (the search read model) ${verb(n, 'differs', 'differ')} from the listings' venues as they stand`,
  },
  {
    check: 'held:offered',
    sql: counting(
      'service s JOIN organization o ON o.id = s.organization_id',
      `(o.moderation = 'pending' OR s.hidden_at IS NOT NULL) AND s.status <> 'inactive'`,
      's.id::text',
    ),
    detail: (n) => `${rows(n, 'service')} of a pending organisation, or hidden until confirmed, ${verb(n, 'is', 'are')} offered (status is not inactive)`,
  },
  {
    check: 'held:status-lost',
    // Approval and confirmation put status_before_hidden back: a held listing without one has
    // lost the status its editors chose; one kept while not held is stale.
    sql: counting(
      'service s JOIN organization o ON o.id = s.organization_id',
      `(o.moderation = 'pending' OR s.hidden_at IS NOT NULL) <> (s.status_before_hidden IS NOT NULL)`,
      's.id::text',
    ),
    detail: (n) => `${rows(n, 'service')} ${verb(n, 'is', 'are')} held without the status to get back, or ${verb(n, 'keeps', 'keep')} one while not held`,
  },
  {
    check: 'referral:organisation',
    // The organisation is copied from the listing when the referral is made, for its editors' list.
    sql: counting('referral r JOIN service s ON s.id = r.service_id', 'r.organization_id <> s.organization_id', 'r.reference'),
    detail: (n) => `${rows(n, 'referral')} ${verb(n, 'names', 'name')} an organisation other than the one running the listing`,
  },
  {
    check: 'referral:history',
    // The history is the referral: it starts at 'sent' and its last entry is the status now.
    sql: counting(
      `referral r LEFT JOIN LATERAL (SELECT (array_agg(v.status ORDER BY v.at, v.id))[1] AS first,
                                            (array_agg(v.status ORDER BY v.at DESC, v.id DESC))[1] AS last
                                       FROM referral_event v WHERE v.referral_id = r.id) h ON true`,
      `h.first IS DISTINCT FROM 'sent' OR h.last IS DISTINCT FROM r.status`,
      'r.reference',
    ),
    detail: (n) => `${rows(n, 'referral')} ${verb(n, 'has', 'have')} a history that does not start at sent or does not end at ${verb(n, 'its', 'their')} status`,
  },
  {
    check: 'referral:illegal-move',
    sql: counting(
      `(SELECT v.referral_id, v.status, lag(v.status) OVER (PARTITION BY v.referral_id ORDER BY v.at, v.id) AS before FROM referral_event v) m
       JOIN referral r ON r.id = m.referral_id`,
      `m.before IS NOT NULL AND (m.before, m.status) NOT IN (${Object.entries(STATUS_MOVES)
        .flatMap(([from, moves]) => Object.keys(moves).map((to) => `('${from}', '${to}')`))
        .join(', ')})`,
      'r.reference',
    ),
    detail: (n) => `${rows(n, 'referral_event')} ${verb(n, 'records', 'record')} a status move the referral status machine does not allow`,
  },
]

interface VocabularyColumn {
  table: string
  column: string
  values: readonly string[]
}

/**
 * The columns holding a closed vocabulary: each CHECK constraint of VOCABULARY_CONSTRAINTS is
 * named `<table>_<column>_check`, so that table lists them; plus columns no such constraint guards.
 */
const VOCABULARY_COLUMNS: VocabularyColumn[] = [
  ...Object.entries({ ...VOCABULARY_CONSTRAINTS, ...REFERRAL_VOCABULARY_CONSTRAINTS }).map(([key, values]) => {
    const [table, constraint] = key.split('.') as [string, string]
    return { table, column: constraint.slice(table.length + 1, -'_check'.length), values }
  }),
  { table: 'service', column: 'status_before_hidden', values: SERVICE_STATUSES },
  { table: 'invitation', column: 'role', values: ROLES },
  { table: 'referral_event', column: 'reason', values: DECLINE_REASONS },
]

interface ForeignKey {
  name: string
  child: string
  child_columns: string[]
  parent: string
  parent_columns: string[]
}

interface Catalog {
  foreign_keys: ForeignKey[] | null
  /** The vocabulary columns that exist, and whether each is an array. */
  columns: Array<{ table: string; column: string; is_array: boolean }> | null
}

/** Every foreign key outside PostgreSQL's own schemas (columns in order), and the vocabulary columns' types. */
async function readCatalog(db: Queryable): Promise<Catalog> {
  const columns = (rel: string, keys: string) =>
    `ARRAY(SELECT a.attname::text FROM unnest(c.${keys}) WITH ORDINALITY AS k (attnum, i)
             JOIN pg_attribute a ON a.attrelid = c.${rel} AND a.attnum = k.attnum ORDER BY k.i)`
  // Tables in the current schema by name alone (it is on the search path), others qualified.
  const table = (ns: string, rel: string) => `CASE WHEN ${ns}.nspname = current_schema() THEN format('%I', ${rel}.relname) ELSE format('%I.%I', ${ns}.nspname, ${rel}.relname) END`
  const { rows: catalog } = await db.query<Catalog>(
    `SELECT
       (SELECT json_agg(json_build_object(
                 'name', c.conname, 'child', ${table('cn', 'cl')}, 'child_columns', ${columns('conrelid', 'conkey')},
                 'parent', ${table('pn', 'pl')}, 'parent_columns', ${columns('confrelid', 'confkey')})
               ORDER BY cl.relname, c.conname)
          FROM pg_constraint c
          JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = cl.relnamespace
          JOIN pg_class pl ON pl.oid = c.confrelid JOIN pg_namespace pn ON pn.oid = pl.relnamespace
         WHERE c.contype = 'f' AND cn.nspname NOT IN ('pg_catalog', 'information_schema')) AS foreign_keys,
       (SELECT json_agg(json_build_object('table', cl.relname, 'column', a.attname, 'is_array', t.typcategory = 'A'))
          FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
         WHERE cl.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
           AND (cl.relname::text, a.attname::text) IN (SELECT * FROM unnest($1::text[], $2::text[]))) AS columns`,
    [VOCABULARY_COLUMNS.map((v) => v.table), VOCABULARY_COLUMNS.map((v) => v.column)],
  )
  return catalog[0] ?? { foreign_keys: null, columns: null }
}

/**
 * Rows whose foreign key names no row, counted by hand rather than trusted to the constraint.
 * A key with a NULL column holds (MATCH SIMPLE, PostgreSQL's default).
 */
function foreignKeyProbe(fk: ForeignKey): Probe {
  const present = fk.child_columns.map((c) => `c.${ident(c)} IS NOT NULL`).join(' AND ')
  const joined = fk.child_columns.map((c, i) => `p.${ident(fk.parent_columns[i]!)} = c.${ident(c)}`).join(' AND ')
  const key = fk.child_columns.map((c) => `c.${ident(c)}::text`).join(` || ',' || `)
  return {
    check: `foreign-key:${fk.name}`,
    sql: counting(`${fk.child} c`, `${present} AND NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE ${joined})`, key),
    detail: (n) => `${rows(n, fk.child)} ${verb(n, 'names', 'name')} a ${fk.parent} that does not exist in ${fk.child_columns.join(', ')} (foreign key ${fk.name})`,
  }
}

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`

/** Values outside a vocabulary, for text and text[] columns alike; the examples are the values. */
function vocabularyProbe(v: VocabularyColumn, isArray: boolean): Probe {
  const allowed = `ARRAY[${v.values.map(literal).join(', ')}]::text[]`
  const col = `t.${ident(v.column)}`
  return {
    check: `vocabulary:${v.table}.${v.column}`,
    sql: isArray
      ? `SELECT count(*)::int AS n,
                (SELECT (array_agg(DISTINCT x ORDER BY x))[1:${EXAMPLES}] FROM ${ident(v.table)} u, unnest(u.${ident(v.column)}) x
                  WHERE NOT (x = ANY (${allowed})))::text[] AS examples
           FROM ${ident(v.table)} t WHERE NOT (${col} <@ ${allowed})`
      : counting(`${ident(v.table)} t`, `${col} IS NOT NULL AND NOT (${col} = ANY (${allowed}))`, col),
    detail: (n) => `${rows(n, v.table)} ${verb(n, 'holds', 'hold')} ${v.column} values outside its vocabulary`,
  }
}

/**
 * Everything inconsistent in the database, as structured findings (empty when clean). Reads
 * only; run when nothing is writing, or it may see half of a change.
 */
export async function findInconsistencies(db: Queryable): Promise<Inconsistency[]> {
  const catalog = await readCatalog(db)
  const found: Inconsistency[] = []
  const probes: Probe[] = [...(catalog.foreign_keys ?? []).map(foreignKeyProbe), ...RULES]
  for (const v of VOCABULARY_COLUMNS) {
    const column = catalog.columns?.find((c) => c.table === v.table && c.column === v.column)
    if (column) probes.push(vocabularyProbe(v, column.is_array))
    else found.push({ check: `vocabulary:${v.table}.${v.column}`, count: 0, detail: `${v.table}.${v.column}, which holds a vocabulary, is missing from the database` })
  }
  const { rows: results } = await db.query<{ i: number; n: number; examples: string[] | null }>(
    probes.map((p, i) => `SELECT ${i} AS i, x.n, x.examples FROM (${p.sql}) x`).join('\nUNION ALL\n'),
  )
  for (const r of results.sort((a, b) => a.i - b.i)) {
    const probe = probes[r.i]!
    if (r.n > 0) found.push({ check: probe.check, count: r.n, detail: probe.detail(r.n) + eg(r.examples) })
  }
  return found
}

/** The database's consistency problems in plain words; an empty list means it is clean. */
export async function checkConsistency(db: Queryable): Promise<string[]> {
  return (await findInconsistencies(db)).map((f) => f.detail)
}
