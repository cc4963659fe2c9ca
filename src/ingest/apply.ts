/**
 * Writing what a feed says into the directory through the same document path as an editor's
 * write (`writeService`, `writeOrganization`), kept in the same version history marked with the
 * run. Each imported record is found again by its source and external id, so harvesting the same
 * feed twice changes nothing: a document whose hash is the one last written is left alone.
 */
import { createHash, randomUUID } from 'node:crypto'
import { named, type Queryable } from '../db/db.ts'
import {
  claimVersion, claimVersions, createOrganization, createOrganizations, diff, readOrganization, readService, readServices, recordVersion, recordVersions, writeOrganization, writeService, writeServices,
  type ServiceRowDoc, type ServiceWrite, type VersionAction,
} from '../manage/store.ts'
import type { OrganizationDocument, ServiceDocument } from '../manage/schemas.ts'
import type { MappedRecord, Reason } from './oruk-map.ts'

export type Outcome = 'created' | 'updated' | 'unchanged' | 'withdrawn'

export interface Run {
  id: number
  sourceId: string
  /** Owner of a listing that arrives without an organisation. */
  defaultOrganizationId: string | null
  now: Date
  /** The account that uploaded the records (a spreadsheet); null for a harvest. */
  by?: string | null
}

export const documentHash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex')

/** A listing's hash: what the source said of it, whose it is, and when the source last checked it. */
const serviceHash = (document: ServiceDocument, organizationId: string | null, assuredAt: Date | null) =>
  documentHash({ document, organization: organizationId, assured: assuredAt })

type RecordType = 'organization' | 'service'
const linkKey = (type: RecordType, externalId: string) => `${type}\n${externalId}`
/** A mapped record's organisation (when it names one) and listing, as their types and external ids. */
const recordKeys = (r: MappedRecord): [RecordType, string][] =>
  r.organization ? [['organization', r.organization.externalId], ['service', r.externalId]] : [['service', r.externalId]]

/** A listing with this source and id that an organisation or admin now keeps by hand. */
interface Linked {
  record_id: string
  document_hash: string
  handed_over: boolean
  /** Already written (or seen) by this run. */
  this_run: boolean
}

/** Links of records, by type and external id: what each became when the page began. */
export type PageLinks = Map<string, Linked>

/**
 * One record's link, read and locked. A point lookup of its own rather than `pageLinks` of one
 * record: the planner may plan the page's semi-join as a scan of the source's rows, which costs a
 * record written one at a time 0.95 ms instead of 0.36 (bench/README.md, ingest).
 */
async function linked(db: Queryable, run: Run, type: RecordType, externalId: string): Promise<Linked | undefined> {
  const { rows } = await db.query<Linked>(
    named('ingest_linked', `SELECT record_id, document_hash, handed_over_at IS NOT NULL AS handed_over, last_seen_run IS NOT DISTINCT FROM $4 AS this_run FROM ingest_record
      WHERE source_id = $1 AND record_type = $2 AND external_id = $3 FOR UPDATE`),
    [run.sourceId, type, externalId, run.id],
  )
  return rows[0]
}

/**
 * The links of a page of mapped records (their organisations and listings), read and locked in
 * one statement, so that records the feed has not changed need no statement of their own.
 */
export async function pageLinks(db: Queryable, run: Run, records: MappedRecord[]): Promise<PageLinks> {
  const keys = records.flatMap(recordKeys)
  const { rows } = await db.query<Linked & { record_type: RecordType; external_id: string }>(
    named(
      'ingest_links',
      `SELECT record_type, external_id, record_id, document_hash, handed_over_at IS NOT NULL AS handed_over, last_seen_run IS NOT DISTINCT FROM $2 AS this_run
         FROM ingest_record
        WHERE source_id = $1 AND (record_type, external_id) IN (SELECT * FROM unnest($3::text[], $4::text[]))
        ORDER BY record_type, external_id FOR UPDATE`,
    ),
    [run.sourceId, run.id, keys.map((k) => k[0]), keys.map((k) => k[1])],
  )
  return new Map(rows.map((r) => [linkKey(r.record_type, r.external_id), r]))
}

interface NewLink {
  type: RecordType
  externalId: string
  recordId: string
  hash: string
  /** Linked to a record kept by hand (an organisation we held already). */
  handedOver?: boolean
}

const link = (db: Queryable, run: Run, type: RecordType, externalId: string, recordId: string, hash: string, handedOver = false) =>
  linkAll(db, run, [{ type, externalId, recordId, hash, handedOver }])

/** Records what records became, as seen by this run, in one statement. */
async function linkAll(db: Queryable, run: Run, links: NewLink[]): Promise<void> {
  if (links.length === 0) return
  await db.query(
    named('ingest_link_all', `INSERT INTO ingest_record (source_id, record_type, external_id, record_id, document_hash, last_seen_run, handed_over_at, withdrawal_held_by)
     SELECT $1, l.type, l.external_id, l.record_id, l.hash, $2, CASE WHEN l.handed_over THEN $3::timestamptz END, NULL
       FROM unnest($4::text[], $5::text[], $6::uuid[], $7::text[], $8::boolean[]) AS l (type, external_id, record_id, hash, handed_over)
     ON CONFLICT (source_id, record_type, external_id) DO UPDATE SET
       record_id = EXCLUDED.record_id, document_hash = EXCLUDED.document_hash, last_seen_run = EXCLUDED.last_seen_run, withdrawal_held_by = NULL`),
    [
      run.sourceId, run.id, run.now.toISOString(), links.map((l) => l.type), links.map((l) => l.externalId), links.map((l) => l.recordId),
      links.map((l) => l.hash), links.map((l) => l.handedOver ?? false),
    ],
  )
}

/**
 * True when the page's links show a record as it was last written, or kept by hand: its
 * organisation and its listing each unchanged, handed over, or (the organisation) already
 * written by this run. `applyOrganization` and `applyService` would write nothing for it.
 */
export function unchangedByLinks(links: PageLinks, mapped: MappedRecord): boolean {
  let organizationId: string | null = null
  if (mapped.organization) {
    const org = links.get(linkKey('organization', mapped.organization.externalId))
    if (!org || !(org.handed_over || org.this_run || org.document_hash === documentHash(mapped.organization.document))) return false
    organizationId = org.record_id
  }
  const service = links.get(linkKey('service', mapped.externalId))
  return service !== undefined && (service.handed_over || service.document_hash === serviceHash(mapped.service, organizationId, mapped.assuredAt))
}

/** Drops a record's links from the page's: it is about to be written, and what follows must read them afresh. */
export function forgetLinks(links: PageLinks, mapped: MappedRecord): void {
  for (const [type, externalId] of recordKeys(mapped)) links.delete(linkKey(type, externalId))
}

/** Marks records (their organisations and listings) as present in this run without changing them, in one statement. */
export const seenAll = (db: Queryable, run: Run, records: MappedRecord[]) => seenKeys(db, run, records.flatMap(recordKeys))

/** Marks records, by type and external id, as present in this run without changing them. */
export async function seenKeys(db: Queryable, run: Run, keys: (readonly [RecordType, string])[]): Promise<void> {
  if (keys.length === 0) return
  if (keys.length === 1) return seen(db, run, ...keys[0]!)
  await db.query(
    named(
      'ingest_seen_all',
      `UPDATE ingest_record SET last_seen_run = $2, withdrawal_held_by = NULL
        WHERE source_id = $1 AND (record_type, external_id) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
    ),
    [run.sourceId, run.id, keys.map((k) => k[0]), keys.map((k) => k[1])],
  )
}

/** Marks a record as present in this run without changing it (a point update, as `linked` is a point lookup). */
export async function seen(db: Queryable, run: Run, type: RecordType, externalId: string): Promise<void> {
  await db.query(named('ingest_seen', 'UPDATE ingest_record SET last_seen_run = $4, withdrawal_held_by = NULL WHERE source_id = $1 AND record_type = $2 AND external_id = $3'), [
    run.sourceId,
    type,
    externalId,
    run.id,
  ])
}

/**
 * The organisation a listing belongs to: the one this source's record became; else an
 * organisation with the same charity or company number (from any source, or typed in by hand:
 * that one is linked, never overwritten); else a new one.
 */
export async function applyOrganization(
  db: Queryable,
  run: Run,
  org: { externalId: string; identifier: string | null; document: OrganizationDocument },
): Promise<string> {
  const hash = documentHash(org.document)
  const known = await linked(db, run, 'organization', org.externalId)
  if (known) {
    // Written once per run: records that disagree about an organisation they share would
    // otherwise rewrite it back and forth on every harvest (the first copy in the feed wins).
    if (known.handed_over || known.document_hash === hash || known.this_run) {
      await seen(db, run, 'organization', org.externalId)
      return known.record_id
    }
    const before = await readOrganization(db, known.record_id)
    if (before) {
      const next = await claimVersion(db, 'organization', known.record_id, before.version)
      await writeOrganization(db, known.record_id, org.document, next)
      await recordVersion(db, { type: 'organization', id: known.record_id, version: next, action: 'update', by: run.by ?? null, changes: diff(before.document, org.document), snapshot: org.document, run: run.id }, run.now)
      await link(db, run, 'organization', org.externalId, known.record_id, hash)
      return known.record_id
    }
  }
  if (org.identifier) {
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM organization WHERE upper(regexp_replace(charity_number, '\\s', '', 'g')) = upper(regexp_replace($1, '\\s', '', 'g')) ORDER BY created_at, id LIMIT 1`,
      [org.identifier],
    )
    if (rows[0]) {
      // The same organisation as one we hold already: theirs stays as it is.
      await link(db, run, 'organization', org.externalId, rows[0].id, hash, true)
      return rows[0].id
    }
  }
  const id = randomUUID()
  await createOrganization(db, { id, document: org.document, moderation: 'approved', by: run.by ?? null, now: run.now, run: run.id })
  await link(db, run, 'organization', org.externalId, id, hash)
  return id
}

/** What a page written at once leaves to do for its organisations, in one statement each. */
export interface PageOrganizations {
  /** External ids of organisations found unchanged, to be marked seen. */
  seen: string[]
  /** New organisations without a charity or company number (no other record can be matched to one by it). */
  created: (NewLink & { document: OrganizationDocument })[]
}

/**
 * `applyOrganization` for a page written at once, answered from the page's links where they
 * show the organisation unchanged, kept by hand or already written by this run. A new one with
 * no number to match by is given its id now and added with the page's others
 * (`addPageOrganizations`). The links then show it as written by this run, so a later record's
 * different copy of it leaves it as it is.
 */
export async function pageOrganization(
  db: Queryable,
  run: Run,
  links: PageLinks,
  org: { externalId: string; identifier: string | null; document: OrganizationDocument },
  page: PageOrganizations,
): Promise<string> {
  const key = linkKey('organization', org.externalId)
  const known = links.get(key)
  let recordId: string
  if (known && (known.handed_over || known.this_run || known.document_hash === documentHash(org.document))) {
    page.seen.push(org.externalId)
    recordId = known.record_id
  } else if (!known && !org.identifier) {
    recordId = randomUUID()
    page.created.push({ type: 'organization', externalId: org.externalId, recordId, hash: documentHash(org.document), document: org.document })
  } else recordId = await applyOrganization(db, run, org)
  links.set(key, { record_id: recordId, document_hash: known?.document_hash ?? '', handed_over: known?.handed_over ?? false, this_run: true })
  return recordId
}

/** Marks the page's unchanged organisations seen, and adds its new ones with their links. */
export async function addPageOrganizations(db: Queryable, run: Run, page: PageOrganizations): Promise<void> {
  await seenKeys(db, run, page.seen.map((id) => ['organization', id]))
  await createOrganizations(db, page.created.map((o) => ({ id: o.recordId, document: o.document, moderation: 'approved', by: run.by ?? null, run: run.id })), run.now)
  await linkAll(db, run, page.created)
}

/** A listing that cannot be written as it came: the reasons go to quarantine. */
export class Refused extends Error {
  constructor(readonly reasons: Reason[]) {
    super(reasons.map((r) => r.reason).join('; '))
    this.name = 'Refused'
  }
}

/** A listing as a feed gives it, with the organisation it belongs to. */
export interface ServiceInput {
  externalId: string
  organizationId: string | null
  document: ServiceDocument
  assuredAt: Date | null
  /** What the source said, when the document written adds to it what the listing has now (its hash tells whether the source changed). */
  said?: ServiceDocument
}

/**
 * Creates or updates the listing an external record became. A listing handed over to its
 * organisation is left as they keep it. Venues are kept by position, so a changed listing keeps
 * its venues' ids where it still has them.
 */
export async function applyService(db: Queryable, run: Run, s: ServiceInput): Promise<Outcome> {
  const known = await linked(db, run, 'service', s.externalId)
  const links: PageLinks = new Map(known ? [[linkKey('service', s.externalId), known]] : [])
  return (await applyServices(db, run, [s], links))[0]!
}

/**
 * Creates or updates the listings of several records at once (a page of a feed), each as
 * `applyService` would, given their links as the page read them; each table is written in one
 * statement for all of them. Their external ids must differ. Throws as `applyService` does,
 * for the first listing that cannot be written.
 */
export async function applyServices(db: Queryable, run: Run, items: ServiceInput[], links: PageLinks): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  const unchanged: string[] = []
  const known = items.map((s) => links.get(linkKey('service', s.externalId)))
  const hashes = items.map((s) => serviceHash(s.said ?? s.document, s.organizationId, s.assuredAt))
  const before = await readServices(
    db,
    known.flatMap((k, i) => (k && !(k.handed_over || k.document_hash === hashes[i]) ? [k.record_id] : [])),
  )
  const writes: (ServiceWrite & { externalId: string; hash: string; action: VersionAction; before?: ServiceRowDoc })[] = []
  for (const [i, s] of items.entries()) {
    const k = known[i]
    if (k && (k.handed_over || k.document_hash === hashes[i])) {
      unchanged.push(s.externalId)
      outcomes.push('unchanged')
      continue
    }
    const prior = k ? before.get(k.record_id) : undefined
    if (prior) {
      const withdrawing = (s.document.status === 'inactive' || s.document.status === 'defunct') && prior.document.status !== s.document.status
      const document = { ...s.document, locations: s.document.locations.map((l, j) => ({ ...l, id: prior.document.locations[j]?.id })) }
      writes.push({
        id: prior.id, organizationId: prior.organization_id, document, version: prior.version + 1, confirmedAt: s.assuredAt ?? undefined,
        externalId: s.externalId, hash: hashes[i]!, action: withdrawing ? 'withdraw' : 'update', before: prior,
      })
      outcomes.push(withdrawing ? 'withdrawn' : 'updated')
      continue
    }
    const organizationId = s.organizationId ?? run.defaultOrganizationId
    if (!organizationId) throw new Refused([{ pointer: '/organization', reason: 'it names no organisation and the source has no organisation for listings that arrive without one' }])
    writes.push({ id: randomUUID(), organizationId, document: s.document, version: 1, confirmedAt: s.assuredAt ?? run.now, externalId: s.externalId, hash: hashes[i]!, action: 'create' })
    outcomes.push('created')
  }
  await seenKeys(db, run, unchanged.map((id) => ['service', id]))
  await claimVersions(db, 'service', writes.flatMap((w) => (w.before ? [{ id: w.id, expected: w.before.version }] : [])))
  await writeServices(db, writes)
  const after = await readServices(db, writes.map((w) => w.id))
  await recordVersions(
    db,
    writes.map((w) => {
      const stored = after.get(w.id)!.document
      return { type: 'service', id: w.id, version: w.version, action: w.action, by: run.by ?? null, changes: diff(w.before?.document ?? null, stored), snapshot: stored, run: run.id }
    }),
    run.now,
  )
  await linkAll(db, run, writes.map((w) => ({ type: 'service', externalId: w.externalId, recordId: w.id, hash: w.hash })))
  return outcomes
}

/** Sets a listing the feed no longer holds to inactive (kept, never deleted), as a version. */
export async function withdrawService(db: Queryable, run: Run, recordId: string): Promise<boolean> {
  const before = await readService(db, recordId)
  if (!before || before.document.status === 'inactive') return false
  const next = await claimVersion(db, 'service', recordId, before.version)
  const document = { ...before.document, status: 'inactive' as const }
  await writeService(db, recordId, before.organization_id, document, next)
  const after = (await readService(db, recordId))!.document
  await recordVersion(db, { type: 'service', id: recordId, version: next, action: 'withdraw', by: run.by ?? null, changes: diff(before.document, after), snapshot: after, run: run.id }, run.now)
  return true
}
