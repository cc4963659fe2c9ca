/**
 * One harvest of one source: a run, recorded with counts that add up (fetched = created +
 * updated + unchanged + withdrawn + quarantined), its timing and its error if it failed. Only
 * one instance harvests a source at a time (an advisory lock). Each page of a feed is written in
 * one transaction (a savepoint per record, so a refused record is quarantined and the rest
 * kept), so a run stopped at any point leaves every page either as it was or as the feed says,
 * and running again finishes the job.
 */
import { named, type Db, type Queryable } from '../db/db.ts'
import type { DeliveryMode, GroupSize } from '../directory/vocabulary.ts'
import { lockKey } from '../plugins/scheduler.ts'
import { Conflict, NotFound, Problem } from '../problem.ts'
import {
  applyOrganization, applyService, applyServices, forgetLinks, pageLinks, pageOrganization, addPageOrganizations, Refused, seen, seenAll, seenKeys, unchangedByLinks, withdrawService,
  type Outcome, type PageLinks, type PageOrganizations, type Run, type ServiceInput,
} from './apply.ts'
import { DEFAULT_POLICY, FetchError, parseJsonBody, safeFetch, type FetchPolicy } from './fetch.ts'
import { mapOpenActive } from './openactive-map.ts'
import { isFullService, loadMappingContext, mapOrukService, Unusable, type MappedRecord, type MappingContext, type Reason } from './oruk-map.ts'

export type SourceKind = 'oruk' | 'openactive' | 'csv'
export type Trigger = 'schedule' | 'admin' | 'command' | 'retry' | 'upload'

export interface Source {
  id: string
  name: string
  kind: SourceKind
  /** A feed's address; null for a csv source. */
  url: string | null
  schedule: string | null
  enabled: boolean
  allow_http: boolean
  default_organization_id: string | null
  remote_delivery_modes: DeliveryMode[]
  default_group_size: GroupSize
  feed_next_url: string | null
  feed_synced_at: Date | null
  feed_retry_after: Date | null
  /** A csv source through which this organisation's editors upload their own listings. */
  upload_organization_id: string | null
}

export interface RunCounts {
  pages: number
  fetched: number
  created: number
  updated: number
  unchanged: number
  withdrawn: number
  quarantined: number
  missing: number
  held_withdrawals: number
}

export interface RunRow extends RunCounts {
  id: number
  source_id: string
  started_at: Date
  finished_at: Date | null
  status: 'running' | 'succeeded' | 'failed' | 'held'
  complete: boolean
  error: string | null
  triggered_by: Trigger
}

export interface HarvestOptions {
  now: () => Date
  /** Fetch limits; `allowHttp` comes from the source. */
  policy?: Partial<Omit<FetchPolicy, 'allowHttp'>>
  trigger: Trigger
  /** Where progress lines go (the command prints them). */
  log?: (line: string) => void
}

/** More than this share of a source's listings missing at once is held for an admin. */
export const WITHDRAWAL_HOLD_SHARE = 0.2
/** Services asked for per page of an ORUK feed. */
export const ORUK_PER_PAGE = 100
/** A page with more items than this is refused as hostile (ORUK servers cap pages far lower). */
export const MAX_ITEMS_PER_PAGE = 5_000
/** A feed with more pages than this is refused: a server that never says it is on the last page. */
export const MAX_PAGES = 100_000

export const SOURCE_COLUMNS =
  'id, name, kind, url, schedule, enabled, allow_http, default_organization_id, remote_delivery_modes, default_group_size, feed_next_url, feed_synced_at, feed_retry_after, upload_organization_id'
export const RUN_COLUMNS =
  'id, source_id, started_at, finished_at, status, complete, pages, fetched, created, updated, unchanged, withdrawn, quarantined, missing, held_withdrawals, error, triggered_by'

export async function readSource(db: Queryable, id: string): Promise<Source | undefined> {
  const { rows } = await db.query<Source>(`SELECT ${SOURCE_COLUMNS} FROM ingest_source WHERE id = $1`, [id])
  return rows[0]
}

/** The source named, by id or by name (the command takes either). */
export async function findSource(db: Queryable, idOrName: string): Promise<Source | undefined> {
  const { rows } = await db.query<Source>(
    `SELECT ${SOURCE_COLUMNS} FROM ingest_source WHERE id::text = $1 OR lower(name) = lower($1) ORDER BY (id::text = $1) DESC LIMIT 1`,
    [idOrName],
  )
  return rows[0]
}

export async function readRun(db: Queryable, id: number): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM ingest_run WHERE id = $1`, [id])
  return rows[0]
}

/** Thrown when a harvest of the source is already running here or on another instance. */
export class HarvestRunning extends Conflict {
  constructor(name: string) {
    super(`A harvest of ${name} is running now; wait for it to finish.`)
  }
}

/** Harvests the source now. Resolves with the finished run (failed runs too: see `status`). */
export async function harvest(db: Db, sourceId: string, options: HarvestOptions): Promise<RunRow> {
  const source = await readSource(db, sourceId)
  if (!source) throw new NotFound('No such source.')
  let runId: number | undefined
  const locked = await db.withTryLock(lockKey(`ingest:${source.id}`), async () => {
    // Holding the lock, any run still marked running was stopped before it could say so.
    await db.query(
      `UPDATE ingest_run SET status = 'failed', finished_at = $2, error = coalesce(error, 'stopped before it finished (the process ended)') WHERE source_id = $1 AND status = 'running'`,
      [source.id, options.now().toISOString()],
    )
    const { rows } = await db.query<{ id: number }>(`INSERT INTO ingest_run (source_id, started_at, triggered_by) VALUES ($1, $2, $3) RETURNING id`, [
      source.id,
      options.now().toISOString(),
      options.trigger,
    ])
    runId = rows[0]!.id
    await runHarvest(db, source, runId, options)
  })
  if (!locked) throw new HarvestRunning(source.name)
  return (await readRun(db, runId!))!
}

async function saveCounts(db: Queryable, runId: number, counts: RunCounts): Promise<void> {
  await db.query(
    `UPDATE ingest_run SET pages = $2, fetched = $3, created = $4, updated = $5, unchanged = $6, withdrawn = $7, quarantined = $8, missing = $9, held_withdrawals = $10 WHERE id = $1`,
    [runId, counts.pages, counts.fetched, counts.created, counts.updated, counts.unchanged, counts.withdrawn, counts.quarantined, counts.missing, counts.held_withdrawals],
  )
}

async function runHarvest(db: Db, source: Source, runId: number, options: HarvestOptions): Promise<void> {
  const counts: RunCounts = { pages: 0, fetched: 0, created: 0, updated: 0, unchanged: 0, withdrawn: 0, quarantined: 0, missing: 0, held_withdrawals: 0 }
  const policy: FetchPolicy = { ...DEFAULT_POLICY, ...options.policy, allowHttp: source.allow_http }
  const run: Run = { id: runId, sourceId: source.id, defaultOrganizationId: source.default_organization_id, now: options.now() }
  const log = options.log ?? (() => {})
  let status: RunRow['status'] = 'succeeded'
  let error: string | null = null
  let complete = false
  try {
    const ctx = await loadMappingContext(db, source)
    if (source.kind === 'oruk') {
      await harvestOruk(db, source, run, ctx, counts, policy, log)
      complete = true
    } else if (source.kind === 'openactive') {
      complete = await harvestRpde(db, source, run, ctx, counts, policy, options, log)
    } else throw new FetchError(`A ${source.kind} source is uploaded, not harvested`)
    if (complete && (await withdrawMissing(db, run, counts)) > 0) status = 'held'
  } catch (e) {
    if (!(e instanceof FetchError)) {
      // Not the feed's fault (the database went away, a bug): recorded if it can be, and raised.
      await finish(db, runId, counts, 'failed', complete, e instanceof Error ? e.message : String(e), options.now).catch(() => {})
      throw e
    }
    status = 'failed'
    error = e.message
  }
  await finish(db, runId, counts, status, complete, error, options.now)
  log(`${source.name}: ${status}${error ? ` (${error})` : ''}; ${counts.fetched} fetched, ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.withdrawn} withdrawn, ${counts.quarantined} quarantined, ${counts.missing} missing${counts.held_withdrawals ? `, ${counts.held_withdrawals} withdrawals held` : ''}`)
}

async function finish(db: Queryable, runId: number, counts: RunCounts, status: RunRow['status'], complete: boolean, error: string | null, now: () => Date): Promise<void> {
  await saveCounts(db, runId, counts)
  await db.query('UPDATE ingest_run SET status = $2, complete = $3, error = $4, finished_at = $5 WHERE id = $1', [runId, status, complete, error, now().toISOString()])
}

/** The ORUK feed's base (…/oruk), with `path` after it. */
const orukUrl = (source: Source, path: string) => `${(source.url ?? '').replace(/\/+$/, '')}${path}`

async function fetchJson(url: string, policy: FetchPolicy): Promise<unknown> {
  return parseJsonBody(await safeFetch(url, policy, ['application/json']))
}

/**
 * Pages through `/services`, fetching `/services/{id}` for any item given only as a summary.
 * The next page is fetched while this one is written (mapped after: mapping may look up
 * postcodes, and a harvest's statements keep one order, which `npm run ingest:crash` kills at).
 */
async function harvestOruk(db: Db, source: Source, run: Run, ctx: MappingContext, counts: RunCounts, policy: FetchPolicy, log: (l: string) => void): Promise<void> {
  const statistics = await Statistics.of(db)
  let reading = prefetch(readOrukPage(source, 1, policy))
  for (let page = 1; ; page++) {
    const { body, records } = await reading
    const totalPages = typeof body.total_pages === 'number' ? body.total_pages : undefined
    const last = body.last_page === true || body.contents.length === 0 || (totalPages !== undefined && page >= totalPages)
    if (!last) reading = prefetch(readOrukPage(source, page + 1, policy))
    const mapped = await Promise.all(records.map((record) => mapOrukRecord(record, ctx)))
    await writePage(db, run, counts, async (tx) => {
      // Records the feed has not changed since they were written are found in one statement and
      // marked seen in another; the rest are written together, or when that fails (a record
      // refused when written), each in its savepoint.
      const links = await pageLinks(tx, run, mapped.flatMap((m) => (Array.isArray(m.mapped) ? [] : [m.mapped])))
      if (!(await writeOrukPageAtOnce(tx, run, mapped, new Map(links), counts))) await writeOrukPageByRecord(tx, run, mapped, links, counts)
      counts.pages = page
    })
    await statistics.after(db, counts)
    log(`page ${page}: ${counts.fetched} records so far`)
    if (last) break
  }
}

/** A promise read later: until then its failure is held for whoever awaits it, not reported as unhandled. */
function prefetch<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {})
  return p
}

/**
 * One page of an ORUK feed fetched, with the full record of any item given only as a summary,
 * before any transaction begins: no transaction waits on the network.
 */
async function readOrukPage(source: Source, page: number, policy: FetchPolicy): Promise<{ body: { contents: unknown[]; last_page?: unknown; total_pages?: unknown }; records: unknown[] }> {
  if (page > MAX_PAGES) throw new FetchError(`The feed did not end within ${MAX_PAGES} pages`)
  const url = orukUrl(source, `/services?page=${page}&per_page=${ORUK_PER_PAGE}&full=true`)
  const body = (await fetchJson(url, policy)) as { contents?: unknown; last_page?: unknown; total_pages?: unknown } | null
  if (!body || typeof body !== 'object' || !Array.isArray(body.contents)) throw new FetchError(`${url} is not an ORUK page: it has no contents list`)
  if (body.contents.length > MAX_ITEMS_PER_PAGE) throw new FetchError(`${url} has ${body.contents.length} items on one page, over the limit of ${MAX_ITEMS_PER_PAGE}`)
  const records: unknown[] = []
  for (const item of body.contents as unknown[]) {
    const id = item && typeof item === 'object' ? (item as { id?: unknown }).id : undefined
    records.push(isFullService(item) || typeof id !== 'string' ? item : await fetchJson(orukUrl(source, `/services/${encodeURIComponent(id)}`), policy))
  }
  return { body: body as { contents: unknown[] }, records }
}

/**
 * Writes a page's records in order, marking those it has not changed seen together: an
 * organisation is written by the first record that changed it (each at most once per run), and
 * a record that saw an organisation unchanged keeps it so. Calls `write` for each other record.
 */
async function walkOrukPage(
  tx: Queryable,
  run: Run,
  mapped: Mapping[],
  links: PageLinks,
  counts: RunCounts,
  write: (m: Mapping) => Promise<void>,
): Promise<void> {
  let unchanged: MappedRecord[] = []
  // Marks the unchanged records so far seen, and settles their quarantine entries (a record
  // in quarantine that arrives unchanged again was written before).
  const flush = async () => {
    await seenAll(tx, run, unchanged)
    await resolveQuarantines(tx, run.sourceId, unchanged.map((u) => u.externalId), 'superseded', run.now)
    unchanged = []
  }
  for (const m of mapped) {
    counts.fetched += 1
    if (!Array.isArray(m.mapped) && unchangedByLinks(links, m.mapped)) {
      unchanged.push(m.mapped)
      counts.unchanged += 1
      continue
    }
    // What the earlier records saw is marked first: an organisation one of them saw is not
    // rewritten by this one.
    await flush()
    await write(m)
  }
  await flush()
}

/** Each record written, or quarantined, in its own savepoint; what follows reads its links afresh. */
const writeOrukPageByRecord = (tx: Queryable, run: Run, mapped: Mapping[], links: PageLinks, counts: RunCounts) =>
  walkOrukPage(tx, run, mapped, links, counts, async (m) => {
    if (!Array.isArray(m.mapped)) forgetLinks(links, m.mapped)
    counts[await writeOrQuarantine(tx, run, m.externalId, m.record, m.mapped)] += 1
  })

/**
 * The page's organisations written one by one in the feed's order, then its listings together,
 * each table in one statement (`applyServices`). Returns false, having written nothing, when the
 * page names a record twice or a record is refused as it is written: the page is then written
 * record by record, so that only the refused ones are quarantined.
 */
async function writeOrukPageAtOnce(tx: Queryable, run: Run, mapped: Mapping[], links: PageLinks, counts: RunCounts): Promise<boolean> {
  const ids = mapped.flatMap((m) => (m.externalId === null ? [] : [m.externalId]))
  if (new Set(ids).size !== ids.length) return false
  return inPageSavepoint(tx, counts, async (page) => {
    const listings: ServiceInput[] = []
    const organizations: PageOrganizations = { seen: [], created: [] }
    await walkOrukPage(tx, run, mapped, links, page, async (m) => {
      if (Array.isArray(m.mapped)) {
        await quarantine(tx, run, m.externalId, m.record, m.mapped)
        page.quarantined += 1
        return
      }
      const organizationId = m.mapped.organization ? await pageOrganization(tx, run, links, m.mapped.organization, organizations) : null
      listings.push({ externalId: m.mapped.externalId, organizationId, document: m.mapped.service, assuredAt: m.mapped.assuredAt })
    })
    await writePageListings(tx, run, links, organizations, listings, page)
  })
}

/**
 * Writes a page at once in a savepoint, counting into a copy of the run's counts. Returns false,
 * having written nothing, when that fails: whatever the error, the record by record path meets
 * it again where it is a record's fault (and quarantines it) or raises it where it is not.
 */
async function inPageSavepoint(tx: Queryable, counts: RunCounts, write: (page: RunCounts) => Promise<void>): Promise<boolean> {
  const page = { ...counts }
  await tx.query('SAVEPOINT ingest_page')
  try {
    await write(page)
    await tx.query('RELEASE SAVEPOINT ingest_page')
  } catch {
    await tx.query('ROLLBACK TO SAVEPOINT ingest_page')
    return false
  }
  Object.assign(counts, page)
  return true
}

/** A page's new organisations added, then its listings written together, their quarantine entries settled. */
async function writePageListings(tx: Queryable, run: Run, links: PageLinks, organizations: PageOrganizations, listings: ServiceInput[], page: RunCounts): Promise<void> {
  await addPageOrganizations(tx, run, organizations)
  for (const outcome of await applyServices(tx, run, listings, links)) page[outcome] += 1
  await resolveQuarantines(tx, run.sourceId, listings.map((l) => l.externalId), 'superseded', run.now)
}

// ---- OpenActive RPDE --------------------------------------------------------------------------

/** RPDE keeps deletions at least 7 days: a consumer further behind must start again. */
export const RPDE_RESYNC_AFTER_DAYS = 7
/** On 503 or 429, the spec asks for a wait of 60 to 120 minutes. */
export const RPDE_BACKOFF_MINUTES = { min: 60, max: 120 }

interface RpdeItem {
  state: 'updated' | 'deleted'
  kind: string
  id: string
  /** The 64-bit integer, as digits. */
  modified: string
  data?: unknown
}

/** An item as RPDE defines it, or the reasons it is not one. */
function rpdeItem(raw: unknown): RpdeItem | Reason[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return [{ pointer: '/', reason: 'an item must be an object' }]
  const o = raw as Record<string, unknown>
  const reasons: Reason[] = []
  if (o.state !== 'updated' && o.state !== 'deleted') reasons.push({ pointer: '/state', reason: 'state must be "updated" or "deleted"' })
  if (typeof o.kind !== 'string' || o.kind === '') reasons.push({ pointer: '/kind', reason: 'kind must be a string' })
  const id = typeof o.id === 'string' || (typeof o.id === 'number' && Number.isSafeInteger(o.id)) ? String(o.id) : ''
  if (id === '' || id.length > 500) reasons.push({ pointer: '/id', reason: 'id must be a string or an integer' })
  // modified is a 64-bit integer: beyond 2^53 a JSON number has already lost digits, so feeds
  // that need them send it as a string of digits.
  const modified = typeof o.modified === 'number' && Number.isSafeInteger(o.modified) ? String(o.modified) : typeof o.modified === 'string' && /^-?\d{1,19}$/.test(o.modified) ? o.modified : ''
  if (modified === '') reasons.push({ pointer: '/modified', reason: 'modified must be an integer (64-bit; as a string of digits beyond 2^53)' })
  if (o.state === 'deleted' && o.data !== undefined && o.data !== null) reasons.push({ pointer: '/data', reason: 'a deleted item carries no data' })
  return reasons.length > 0 ? reasons : { state: o.state as RpdeItem['state'], kind: o.kind as string, id, modified, data: o.data }
}

/** The UK calendar date of an instant. */
const ukDate = (at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(at)

/**
 * Follows the feed's `next` URLs from where the last run stopped (from the start when it has
 * no position, or has not caught up for RPDE_RESYNC_AFTER_DAYS), one transaction per page that
 * also saves the position. The end is an empty page whose `next` is its own URL (an empty page
 * alone is not the end). Resolves true when this run read the whole feed from its start.
 */
async function harvestRpde(db: Db, source: Source, run: Run, ctx: MappingContext, counts: RunCounts, policy: FetchPolicy, options: HarvestOptions, log: (l: string) => void): Promise<boolean> {
  const { rows } = await db.query<{ feed_next_url: string | null; feed_position_at: Date | null; feed_synced_at: Date | null }>(
    'SELECT feed_next_url, feed_position_at, feed_synced_at FROM ingest_source WHERE id = $1',
    [source.id],
  )
  const now = options.now()
  const state = rows[0]!
  // Deleted items stay in a feed for at least RPDE_RESYNC_AFTER_DAYS: a position last caught
  // up (or, on a first read never finished, last moved) longer ago than that may have missed
  // some, so the feed is read again from its start. A first read cut short resumes.
  const since = state.feed_synced_at ?? state.feed_position_at
  const fromStart = !state.feed_next_url || !since || now.getTime() - since.getTime() > RPDE_RESYNC_AFTER_DAYS * 86_400_000
  let url = fromStart ? source.url! : state.feed_next_url!
  const statistics = await Statistics.of(db)
  const today = ukDate(now)
  // The next page is fetched while this one is written.
  let reading = prefetch(fetchJson(url, policy))
  for (let page = 1; ; page++) {
    if (page > MAX_PAGES) throw new FetchError(`The feed did not end within ${MAX_PAGES} pages`)
    let body: { items?: unknown; next?: unknown } | null
    try {
      body = (await reading) as typeof body
    } catch (e) {
      if (e instanceof FetchError && (e.status === 503 || e.status === 429)) {
        const wait = Math.min(Math.max(e.retryAfter ?? 0, RPDE_BACKOFF_MINUTES.min * 60), RPDE_BACKOFF_MINUTES.max * 60)
        const until = new Date(options.now().getTime() + wait * 1000)
        await db.query('UPDATE ingest_source SET feed_retry_after = $2 WHERE id = $1', [source.id, until.toISOString()])
        throw new FetchError(`${e.message}; backing off until ${until.toISOString()}`, e.status)
      }
      if (e instanceof FetchError && (e.status === 404 || e.status === 410)) throw new FetchError(`${e.message}: the feed is gone, so harvesting stopped; check its URL`, e.status)
      throw e
    }
    if (!body || typeof body !== 'object' || !Array.isArray(body.items) || typeof body.next !== 'string') throw new FetchError(`${url.slice(0, 200)} is not an RPDE page: it needs items and next`)
    if (body.items.length > MAX_ITEMS_PER_PAGE) throw new FetchError(`${url.slice(0, 200)} has ${body.items.length} items on one page, over the limit of ${MAX_ITEMS_PER_PAGE}`)
    let next: string
    try {
      next = new URL(body.next, url).href
    } catch {
      throw new FetchError(`${url.slice(0, 200)} gives a next URL that is not a URL`)
    }
    const items = body.items as unknown[]
    const end = items.length === 0 && next === url
    if (!end) reading = prefetch(fetchJson(next, policy))
    const prepared = await prepareRpdePage(items, ctx, today)
    await writePage(db, run, counts, async (tx) => {
      if (!(await writeRpdePageAtOnce(tx, run, prepared, counts))) {
        for (const raw of items) {
          counts.fetched += 1
          counts[await applyRpdeItem(tx, run, ctx, raw, today)] += 1
        }
      }
      await tx.query('UPDATE ingest_source SET feed_next_url = $2, feed_position_at = $3, feed_retry_after = NULL WHERE id = $1', [source.id, next, options.now().toISOString()])
      counts.pages = page
    })
    await statistics.after(db, counts)
    log(`page ${page}: ${counts.fetched} items so far`)
    if (end) {
      await db.query('UPDATE ingest_source SET feed_synced_at = $2 WHERE id = $1', [source.id, options.now().toISOString()])
      return fromStart
    }
    url = next
  }
}

/** The tables a harvest writes listings into and plans on (not the version history, only appended to). */
const LISTING_TABLES = [
  'organization', 'service', 'service_taxonomy_term', 'location', 'address', 'accessibility', 'service_at_location', 'service_area', 'schedule',
  'cost_option', 'contact', 'phone', 'service_search', 'search_word', 'ingest_record',
]

/**
 * PostgreSQL keeps a statement's plan on its connection, foreign-key checks and prepared
 * statements included, made for the table sizes of when it was planned; only new statistics
 * replan it. A first harvest into an empty directory would otherwise go on checking each new
 * venue by reading every venue (bench/README.md, ingest), and the embedded database has no
 * autovacuum to gather them. So the tables a harvest writes are analyzed each time the listings
 * in the directory have doubled with the ones it created (from the first hundred).
 */
class Statistics {
  private next: number
  private constructor(private held: number) {
    this.next = Math.max(100, 2 * held)
  }

  /** For a harvest into a directory holding the listings it holds now. */
  static async of(db: Queryable): Promise<Statistics> {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM service')
    return new Statistics(rows[0]!.n)
  }

  async after(db: Queryable, counts: RunCounts): Promise<void> {
    const listings = this.held + counts.created
    if (listings < this.next) return
    await db.query(`ANALYZE ${LISTING_TABLES.join(', ')}`)
    this.next = 2 * listings
  }
}

/**
 * One page in one transaction with the run's counts so far; counts go back to what they were
 * when the page's transaction fails.
 */
async function writePage(db: Db, run: Run, counts: RunCounts, write: (tx: Queryable) => Promise<void>): Promise<void> {
  const before = { ...counts }
  try {
    await db.transaction(async (tx) => {
      await write(tx)
      await saveCounts(tx, run.id, counts)
    })
  } catch (e) {
    Object.assign(counts, before)
    throw e
  }
}

/** One item, inside its page's transaction. */
async function applyRpdeItem(tx: Queryable, run: Run, ctx: MappingContext, raw: unknown, today: string): Promise<Outcome | 'quarantined'> {
  const item = rpdeItem(raw)
  if (Array.isArray(item)) {
    await quarantine(tx, run, rawId(raw), raw, item)
    return 'quarantined'
  }
  const known = (await appliedItems(tx, run, [item.id])).get(item.id)
  // An older copy of an item than the one applied (a feed replaying) changes nothing.
  if (olderThanApplied(item, known)) {
    await seen(tx, run, 'service', item.id)
    return 'unchanged'
  }
  if (item.state === 'deleted') return known ? applyRpdeDeletion(tx, run, item, known.record_id) : 'unchanged'
  return writeOrQuarantine(tx, run, item.id, raw, await mapOrRefuse(() => mapOpenActive(item.id, item.data, ctx, today)), item.modified)
}

interface AppliedItem {
  record_id: string
  modified: string | null
}

/** What the source's items with these ids became, and the `modified` of each last applied. */
async function appliedItems(tx: Queryable, run: Run, ids: string[]): Promise<Map<string, AppliedItem>> {
  const { rows } = await tx.query<AppliedItem & { external_id: string }>(
    named('ingest_applied_items', `SELECT external_id, record_id, modified FROM ingest_record WHERE source_id = $1 AND record_type = 'service' AND external_id = ANY ($2::text[])`),
    [run.sourceId, ids],
  )
  return new Map(rows.map((r) => [r.external_id, r]))
}

/** An older copy of an item than the one applied (a feed replaying): it changes nothing. */
const olderThanApplied = (item: RpdeItem, known: AppliedItem | undefined) => known?.modified != null && BigInt(item.modified) < BigInt(known.modified)

/** A deleted item's listing withdrawn (kept); the item's next copy is written afresh. */
async function applyRpdeDeletion(tx: Queryable, run: Run, item: RpdeItem, recordId: string): Promise<Outcome> {
  const withdrawn = await withdrawService(tx, run, recordId)
  await tx.query(`UPDATE ingest_record SET document_hash = '', last_seen_run = $3 WHERE source_id = $1 AND record_type = 'service' AND external_id = $2`, [run.sourceId, item.id, run.id])
  await stampModified(tx, run, [{ externalId: item.id, modified: item.modified }])
  return withdrawn ? 'withdrawn' : 'unchanged'
}

/** A page's items read as RPDE items, and those that carry data mapped, before its transaction begins. */
interface PreparedRpdePage {
  parsed: { raw: unknown; item: RpdeItem | Reason[] }[]
  mapped: (MappedRecord | Reason[] | undefined)[]
}

async function prepareRpdePage(items: unknown[], ctx: MappingContext, today: string): Promise<PreparedRpdePage> {
  const parsed = items.map((raw) => ({ raw, item: rpdeItem(raw) }))
  const mapped = await Promise.all(
    parsed.map(({ item }) => (Array.isArray(item) || item.state === 'deleted' ? undefined : mapOrRefuse(() => mapOpenActive(item.id, item.data, ctx, today)))),
  )
  return { parsed, mapped }
}

/**
 * An RPDE page as `applyRpdeItem` writes each item, its organisations one by one in the
 * feed's order and its listings together (`applyServices`). Returns false, having written
 * nothing, when the page names an item twice or an item is refused as it is written.
 */
async function writeRpdePageAtOnce(tx: Queryable, run: Run, { parsed, mapped }: PreparedRpdePage, counts: RunCounts): Promise<boolean> {
  const ids = parsed.flatMap((p) => (Array.isArray(p.item) ? [] : [p.item.id]))
  if (new Set(ids).size !== ids.length) return false
  return inPageSavepoint(tx, counts, async (page) => {
    const known = await appliedItems(tx, run, ids)
    const links = await pageLinks(tx, run, mapped.flatMap((m) => (m === undefined || Array.isArray(m) ? [] : [m])))
    const listings: (ServiceInput & { modified: string })[] = []
    const older: string[] = []
    const organizations: PageOrganizations = { seen: [], created: [] }
    for (const [i, { raw, item }] of parsed.entries()) {
      page.fetched += 1
      const m = mapped[i]
      if (Array.isArray(item)) {
        await quarantine(tx, run, rawId(raw), raw, item)
        page.quarantined += 1
      } else if (olderThanApplied(item, known.get(item.id))) {
        older.push(item.id)
        page.unchanged += 1
      } else if (item.state === 'deleted') {
        const k = known.get(item.id)
        page[k ? await applyRpdeDeletion(tx, run, item, k.record_id) : 'unchanged'] += 1
      } else if (Array.isArray(m)) {
        await quarantine(tx, run, item.id, raw, m)
        page.quarantined += 1
      } else {
        const organizationId = m!.organization ? await pageOrganization(tx, run, links, m!.organization, organizations) : null
        listings.push({ externalId: item.id, organizationId, document: m!.service, assuredAt: m!.assuredAt, modified: item.modified })
      }
    }
    await seenKeys(tx, run, older.map((id) => ['service', id]))
    await writePageListings(tx, run, links, organizations, listings, page)
    await stampModified(tx, run, listings.map((l) => ({ externalId: l.externalId, modified: l.modified })))
  })
}

/** An item's id as far as it can be read, for its quarantine entry. */
function rawId(raw: unknown): string | null {
  const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined
  return typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 500) : null
}

/** A record, and what it mapped to or the reasons it could not be mapped. */
interface Mapping {
  record: unknown
  externalId: string | null
  mapped: MappedRecord | Reason[]
}

async function mapOrukRecord(record: unknown, ctx: MappingContext): Promise<Mapping> {
  const externalId = record && typeof record === 'object' && typeof (record as { id?: unknown }).id === 'string' ? ((record as { id: string }).id.slice(0, 500) || null) : null
  return { record, externalId, mapped: await mapOrRefuse(() => mapOrukService(record, ctx)) }
}

/** A record mapped, or the reasons it cannot be; an error that is not about the record is raised. */
async function mapOrRefuse(map: () => Promise<MappedRecord>): Promise<MappedRecord | Reason[]> {
  try {
    return await map()
  } catch (e) {
    return refusal(e)
  }
}

/** The reasons a record is refused for; an error that is not about the record is raised. */
function refusal(e: unknown): Reason[] {
  if (e instanceof Unusable || e instanceof Refused) return e.reasons
  if (e instanceof Problem && e.status < 500) return e.errors?.length ? e.errors.map((f) => ({ pointer: f.pointer, reason: f.detail })) : [{ pointer: '/', reason: e.detail ?? e.title }]
  throw e
}

/**
 * Writes one mapped record inside its page's transaction, or quarantines it with its reasons
 * (those it could not be mapped for, or written for): a savepoint keeps a refused record's
 * partial writes from the rest of the page.
 */
async function writeOrQuarantine(tx: Queryable, run: Run, externalId: string | null, raw: unknown, mapped: MappedRecord | Reason[], modified?: string): Promise<Outcome | 'quarantined'> {
  if (Array.isArray(mapped)) {
    await quarantine(tx, run, externalId, raw, mapped)
    return 'quarantined'
  }
  await tx.query('SAVEPOINT ingest_record')
  try {
    const outcome = await writeMapped(tx, run, mapped, 'superseded', modified)
    await tx.query('RELEASE SAVEPOINT ingest_record')
    return outcome
  } catch (e) {
    const reasons = refusal(e)
    await tx.query('ROLLBACK TO SAVEPOINT ingest_record')
    await quarantine(tx, run, externalId, raw, reasons)
    return 'quarantined'
  }
}

/**
 * A quarantined record mapped again (after an admin fixed the term map or the source) and
 * written; throws Unusable when it still cannot be. An RPDE item keeps its `modified`.
 */
export async function retryRecord(db: Db, source: Source, run: Run, payload: unknown): Promise<Outcome> {
  const ctx = await loadMappingContext(db, source)
  let mapped: MappedRecord
  let modified: string | undefined
  if (source.kind === 'openactive') {
    const item = rpdeItem(payload)
    if (Array.isArray(item)) throw new Unusable(item)
    if (item.state === 'deleted') throw new Unusable([{ pointer: '/state', reason: 'a deletion has nothing to import' }])
    mapped = await mapOpenActive(item.id, item.data, ctx, ukDate(run.now))
    modified = item.modified
  } else mapped = await mapOrukService(payload, ctx)
  return db.transaction((tx) => writeMapped(tx, run, mapped, 'imported', modified))
}

/** RPDE items' `modified`, as applied. */
async function stampModified(tx: Queryable, run: Run, items: { externalId: string; modified: string }[]): Promise<void> {
  if (items.length === 0) return
  await tx.query(
    named('ingest_modified', `UPDATE ingest_record r SET modified = i.modified FROM unnest($2::text[], $3::text[]) AS i (external_id, modified)
      WHERE r.source_id = $1 AND r.record_type = 'service' AND r.external_id = i.external_id`),
    [run.sourceId, items.map((i) => i.externalId), items.map((i) => i.modified)],
  )
}

/**
 * Writes a mapped record (its organisation, then its listing), stamps an RPDE item's
 * `modified`, and settles any quarantine entry of the record, all in the caller's transaction.
 */
async function writeMapped(tx: Queryable, run: Run, mapped: MappedRecord, settled: 'imported' | 'superseded', modified?: string): Promise<Outcome> {
  const organizationId = mapped.organization ? await applyOrganization(tx, run, mapped.organization) : null
  const outcome = await applyService(tx, run, { externalId: mapped.externalId, organizationId, document: mapped.service, assuredAt: mapped.assuredAt })
  if (modified !== undefined) await stampModified(tx, run, [{ externalId: mapped.externalId, modified }])
  await resolveQuarantine(tx, run.sourceId, mapped.externalId, settled, run.now)
  return outcome
}

/** Keeps a record that could not be used, with its reasons; it stays counted as in the feed. */
async function quarantine(tx: Queryable, run: Run, externalId: string | null, record: unknown, reasons: Reason[]): Promise<void> {
  if (externalId) {
    await resolveQuarantine(tx, run.sourceId, externalId, 'superseded', run.now)
    // Still in the feed, so not to be withdrawn as missing.
    await tx.query(`UPDATE ingest_record SET last_seen_run = $3, withdrawal_held_by = NULL WHERE source_id = $1 AND external_id = $2`, [run.sourceId, externalId, run.id])
  }
  await tx.query(
    `INSERT INTO ingest_quarantine (source_id, run_id, external_id, payload, reasons, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [run.sourceId, run.id, externalId, JSON.stringify(storablePayload(record)), JSON.stringify(reasons), run.now.toISOString()],
  )
}


/** The payload as jsonb can hold it: text it cannot (NUL, lone surrogates) escaped visibly. */
export function storablePayload(record: unknown): unknown {
  return JSON.parse(
    JSON.stringify(record ?? null, (_k, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '\\u0000').replace(/[\uD800-\uDFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`) : v)),
  )
}

/** Settles the open quarantine entries of these records, in one statement. */
async function resolveQuarantines(db: Queryable, sourceId: string, externalIds: string[], resolution: 'imported' | 'superseded', now: Date): Promise<void> {
  if (externalIds.length === 0) return
  await db.query(
    named('ingest_quarantine_settle_all', `UPDATE ingest_quarantine SET resolved_at = $3, resolution = $4 WHERE source_id = $1 AND external_id = ANY ($2::text[]) AND resolved_at IS NULL`),
    [sourceId, externalIds, now.toISOString(), resolution],
  )
}

export const resolveQuarantine = (db: Queryable, sourceId: string, externalId: string, resolution: 'imported' | 'superseded', now: Date) =>
  resolveQuarantines(db, sourceId, [externalId], resolution, now)

/**
 * After a complete harvest: listings of this source the feed no longer holds are withdrawn
 * (inactive, kept). When more than WITHDRAWAL_HOLD_SHARE of its listings would go at once, they
 * are held for an admin instead; returns how many were held.
 */
async function withdrawMissing(db: Db, run: Run, counts: RunCounts): Promise<number> {
  const { rows } = await db.query<{ record_id: string; missing: boolean }>(
    `SELECT r.record_id, r.last_seen_run IS DISTINCT FROM $2 AS missing
       FROM ingest_record r JOIN service s ON s.id = r.record_id
      WHERE r.source_id = $1 AND r.record_type = 'service' AND r.handed_over_at IS NULL AND s.status <> 'inactive'`,
    [run.sourceId, run.id],
  )
  const missing = rows.filter((r) => r.missing).map((r) => r.record_id)
  if (missing.length === 0) return 0
  if (missing.length > WITHDRAWAL_HOLD_SHARE * rows.length) {
    await db.query(`UPDATE ingest_record SET withdrawal_held_by = $2 WHERE source_id = $1 AND record_type = 'service' AND record_id = ANY ($3::uuid[])`, [
      run.sourceId,
      run.id,
      missing,
    ])
    counts.held_withdrawals = missing.length
    return missing.length
  }
  counts.missing += await withdrawListings(db, run, missing)
  return 0
}

/** Withdraws each listing in its own transaction; the feed's next copy of it is written afresh. */
export async function withdrawListings(db: Db, run: Run, recordIds: string[]): Promise<number> {
  let n = 0
  for (const id of recordIds) {
    const done = await db.transaction(async (tx) => {
      const withdrawn = await withdrawService(tx, run, id)
      await tx.query(`UPDATE ingest_record SET document_hash = '', withdrawal_held_by = NULL WHERE source_id = $1 AND record_type = 'service' AND record_id = $2`, [run.sourceId, id])
      return withdrawn
    })
    if (done) n += 1
  }
  return n
}
