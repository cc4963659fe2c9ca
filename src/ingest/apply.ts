/**
 * Writing what a feed says into the directory through the same document path as an editor's
 * write (`writeService`, `writeOrganization`), kept in the same version history marked with the
 * run. Each imported record is found again by its source and external id, so harvesting the same
 * feed twice changes nothing: a document whose hash is the one last written is left alone.
 */
import { createHash, randomUUID } from 'node:crypto'
import { named, type Queryable } from '../db/db.ts'
import { claimVersion, createOrganization, diff, readOrganization, readService, recordVersion, writeOrganization, writeService } from '../manage/store.ts'
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

async function link(db: Queryable, run: Run, type: RecordType, externalId: string, recordId: string, hash: string, handedOver = false): Promise<void> {
  await db.query(
    named('ingest_link', `INSERT INTO ingest_record (source_id, record_type, external_id, record_id, document_hash, last_seen_run, handed_over_at, withdrawal_held_by)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN $8::timestamptz END, NULL)
     ON CONFLICT (source_id, record_type, external_id) DO UPDATE SET
       record_id = EXCLUDED.record_id, document_hash = EXCLUDED.document_hash, last_seen_run = EXCLUDED.last_seen_run, withdrawal_held_by = NULL`),
    [run.sourceId, type, externalId, recordId, hash, run.id, handedOver, run.now.toISOString()],
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
export async function seenAll(db: Queryable, run: Run, records: MappedRecord[]): Promise<void> {
  const keys = records.flatMap(recordKeys)
  if (keys.length === 0) return
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

/** A listing that cannot be written as it came: the reasons go to quarantine. */
export class Refused extends Error {
  constructor(readonly reasons: Reason[]) {
    super(reasons.map((r) => r.reason).join('; '))
    this.name = 'Refused'
  }
}

/**
 * Creates or updates the listing an external record became. A listing handed over to its
 * organisation is left as they keep it. Venues are kept by position, so a changed listing keeps
 * its venues' ids where it still has them.
 */
export async function applyService(
  db: Queryable,
  run: Run,
  s: {
    externalId: string
    organizationId: string | null
    document: ServiceDocument
    assuredAt: Date | null
    /** What the source said, when the document written adds to it what the listing has now (its hash tells whether the source changed). */
    said?: ServiceDocument
  },
): Promise<Outcome> {
  const withdrawing = s.document.status === 'inactive' || s.document.status === 'defunct'
  const hash = serviceHash(s.said ?? s.document, s.organizationId, s.assuredAt)
  const known = await linked(db, run, 'service', s.externalId)
  if (known && (known.handed_over || known.document_hash === hash)) {
    await seen(db, run, 'service', s.externalId)
    return 'unchanged'
  }
  const before = known ? await readService(db, known.record_id) : undefined
  if (before) {
    const next = await claimVersion(db, 'service', known!.record_id, before.version)
    const document = { ...s.document, locations: s.document.locations.map((l, i) => ({ ...l, id: before.document.locations[i]?.id })) }
    await writeService(db, known!.record_id, before.organization_id, document, next, s.assuredAt ? { confirmedAt: s.assuredAt } : {})
    const after = (await readService(db, known!.record_id))!.document
    const action = withdrawing && before.document.status !== s.document.status ? 'withdraw' : 'update'
    await recordVersion(db, { type: 'service', id: known!.record_id, version: next, action, by: run.by ?? null, changes: diff(before.document, after), snapshot: after, run: run.id }, run.now)
    await link(db, run, 'service', s.externalId, known!.record_id, hash)
    return action === 'withdraw' ? 'withdrawn' : 'updated'
  }
  const organizationId = s.organizationId ?? run.defaultOrganizationId
  if (!organizationId) throw new Refused([{ pointer: '/organization', reason: 'it names no organisation and the source has no organisation for listings that arrive without one' }])
  const id = randomUUID()
  await writeService(db, id, organizationId, s.document, 1, { confirmedAt: s.assuredAt ?? run.now })
  const stored = (await readService(db, id))!.document
  await recordVersion(db, { type: 'service', id, version: 1, action: 'create', by: run.by ?? null, changes: diff(null, stored), snapshot: stored, run: run.id }, run.now)
  await link(db, run, 'service', s.externalId, id, hash)
  return 'created'
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
