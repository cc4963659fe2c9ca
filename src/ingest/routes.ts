/**
 * Admins manage feed sources, run a harvest, read runs and quarantine, fix the term map and
 * retry, confirm withdrawals held back, and hand a listing over to its organisation.
 */
import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { audit } from '../auth/store.ts'
import type { Queryable } from '../db/db.ts'
import { ACCESSIBILITY_FEATURES, REMOTE_DELIVERY_MODES } from '../directory/vocabulary.ts'
import { IdSchema } from '../id.ts'
import { mayEdit, readService, recordVersion } from '../manage/store.ts'
import { Conflict, Invalid, NotFound, ProblemSchema } from '../problem.ts'
import type { Run } from './apply.ts'
import { CSV_COLUMNS, csvTemplate, importCsv } from './csv.ts'
import { harvest, readRun, readSource, retryRecord, RUN_COLUMNS, SOURCE_COLUMNS, withdrawListings, type RunRow, type Source } from './harvest.ts'
import { Unusable } from './oruk-map.ts'
import {
  CsvColumnSchema,
  CsvReportSchema,
  CsvUploadQuerySchema,
  QuarantineSchema,
  RunSchema,
  SourceDocumentSchema,
  SourceSchema,
  TermMapEntrySchema,
  type SourceDocument,
} from './schemas.ts'

const Errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema }
const WriteErrors = { ...Errors, 409: ProblemSchema, 422: ProblemSchema }
const Id = z.object({ id: IdSchema })
const RunId = z.object({ id: z.coerce.number().int().min(1).max(2 ** 53) })
/** The largest spreadsheet taken in one upload. */
export const CSV_BODY_LIMIT = 5 * 1024 * 1024

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null)
export const runJson = (r: RunRow) => ({ ...r, started_at: iso(r.started_at)!, finished_at: iso(r.finished_at) })

declare module 'fastify' {
  interface FastifyInstance {
    /** Harvests a source now (the scheduler, the admin API and the command all call this). */
    harvestSource: (sourceId: string, trigger: RunRow['triggered_by']) => Promise<RunRow>
  }
}

/** SQL for the name of the feed that manages the listing `serviceId` (an SQL expression), or null. */
export const managingSourceSql = (serviceId: string) =>
  `(SELECT src.name FROM ingest_record r JOIN ingest_source src ON src.id = r.source_id
     WHERE r.record_type = 'service' AND r.record_id = ${serviceId} AND r.handed_over_at IS NULL AND src.kind <> 'csv' LIMIT 1)`

/** The feed source that manages a listing, while it does (not yet handed over; a spreadsheet never does). */
export async function managingSource(db: Queryable, serviceId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ name: string | null }>(`SELECT ${managingSourceSql('$1')} AS name`, [serviceId])
  return rows[0]?.name ?? undefined
}

/** Refuses an editor's write to a listing a feed manages: 409 naming the source. */
export class ManagedByFeed extends Conflict {
  constructor(source: string) {
    super(`This listing is kept up to date from ${source}, so it cannot be edited here. Change it at the source, or ask an admin to hand it over to your organisation.`)
  }
}

/**
 * The harvest as `app.harvestSource`, and each enabled source with a schedule harvested on it
 * (rescheduled when an admin changes the source). Each harvest takes its source's advisory
 * lock, so only one instance harvests a source at a time.
 */
export const ingestJobs = fp<{ fetchPolicy?: { allowLoopback?: boolean } }>(
  async (app, opts) => {
    app.decorate('harvestSource', (sourceId: string, trigger: RunRow['triggered_by']) =>
      harvest(app.db, sourceId, { now: app.now, trigger, policy: opts.fetchPolicy, log: (line) => app.log.info({ source: sourceId }, line) }),
    )
    /** A scheduled harvest waits while the feed has asked us to (503, 429); an admin's does not. */
    const scheduled = async (sourceId: string) => {
      const { rows } = await app.db.query<{ wait: boolean }>('SELECT coalesce(feed_retry_after > $2, false) AS wait FROM ingest_source WHERE id = $1', [sourceId, app.now().toISOString()])
      if (rows[0]?.wait) return app.log.info({ source: sourceId }, 'harvest skipped: the feed asked us to wait')
      return app.harvestSource(sourceId, 'schedule')
    }
    const stops = new Map<string, () => Promise<void>>()
    const reschedule = async (source: Pick<Source, 'id' | 'schedule' | 'enabled'>) => {
      await stops.get(source.id)?.()
      stops.delete(source.id)
      if (!source.enabled || !source.schedule) return
      stops.set(source.id, await app.scheduleJob({ name: `ingest:${source.id}`, schedule: source.schedule, lock: false, run: () => scheduled(source.id) }))
    }
    app.decorate('rescheduleSource', reschedule)
    app.addHook('onReady', async () => {
      const { rows } = await app.db.query<Source>(`SELECT ${SOURCE_COLUMNS} FROM ingest_source WHERE enabled AND schedule IS NOT NULL`)
      for (const s of rows) await reschedule(s)
    })
  },
  { name: 'ingest', dependencies: ['db', 'scheduler'] },
)

declare module 'fastify' {
  interface FastifyInstance {
    rescheduleSource: (source: Pick<Source, 'id' | 'schedule' | 'enabled'>) => Promise<void>
  }
}

const ingestRoutes: FastifyPluginAsyncZod = async (app) => {
  const admins = app.authorize('admin')
  const tags = ['ingest']
  const log = (account: string, ip: string, action: string, type: string, id: string, detail: Record<string, unknown> = {}) =>
    audit(app.db, { account_id: account, action, outcome: 'success', ip, target_type: type, target_id: id, detail }, app.now())

  const sourceJson = async (ids?: string[]) => {
    const { rows } = await app.db.query<z.infer<typeof SourceSchema> & { last_run: RunRow | null }>(
      `SELECT ${SOURCE_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')},
              (SELECT count(*) FROM ingest_record r WHERE r.source_id = s.id AND r.record_type = 'service' AND r.handed_over_at IS NULL)::int AS listings,
              (SELECT count(*) FROM ingest_quarantine q WHERE q.source_id = s.id AND q.resolved_at IS NULL)::int AS open_quarantine,
              (SELECT row_to_json(r) FROM (SELECT ${RUN_COLUMNS} FROM ingest_run WHERE source_id = s.id ORDER BY id DESC LIMIT 1) r) AS last_run
         FROM ingest_source s WHERE $1::uuid[] IS NULL OR s.id = ANY ($1::uuid[]) ORDER BY s.name`,
      [ids ?? null],
    )
    return rows.map((s) => ({ ...s, feed_synced_at: iso(s.feed_synced_at as unknown as Date | null), feed_retry_after: iso(s.feed_retry_after as unknown as Date | null), last_run: s.last_run && runJson({ ...s.last_run, started_at: new Date(s.last_run.started_at), finished_at: s.last_run.finished_at && new Date(s.last_run.finished_at) }) }))
  }

  const checkOrganization = async (doc: SourceDocument) => {
    if (!doc.default_organization_id) return
    const { rowCount } = await app.db.query('SELECT 1 FROM organization WHERE id = $1', [doc.default_organization_id])
    if (rowCount === 0) throw new Invalid('There is no such organisation.', [{ in: 'body', pointer: '/default_organization_id', detail: 'not an organisation' }])
  }
  const nameTaken = (e: unknown) => (e as { code?: string }).code === '23505' ? new Conflict('There is already a source with that name.') : e

  app.get('/admin/ingest/sources', { preHandler: admins, schema: { tags, summary: 'Feed sources, each with its last run', response: { 200: z.array(SourceSchema), ...Errors } } }, async () =>
    sourceJson(),
  )

  app.post(
    '/admin/ingest/sources',
    { preHandler: admins, schema: { tags, summary: 'Add a feed source', body: SourceDocumentSchema, response: { 201: SourceSchema, ...WriteErrors } } },
    async (request, reply) => {
      const d = request.body
      await checkOrganization(d)
      const id = randomUUID()
      const now = app.now().toISOString()
      await app.db
        .query(
          `INSERT INTO ingest_source (id, name, kind, url, schedule, enabled, allow_http, default_organization_id, remote_delivery_modes, default_group_size, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
          [id, d.name, d.kind, d.url, d.schedule, d.enabled, d.allow_http, d.default_organization_id, d.remote_delivery_modes, d.default_group_size, now],
        )
        .catch((e) => Promise.reject(nameTaken(e)))
      await app.rescheduleSource({ id, schedule: d.schedule, enabled: d.enabled })
      await log(request.principal!.account_id, request.ip, 'ingest_source_create', 'ingest_source', id, { name: d.name })
      reply.code(201)
      return (await sourceJson([id]))[0]!
    },
  )

  app.put(
    '/admin/ingest/sources/:id',
    { preHandler: admins, schema: { tags, summary: 'Change a feed source', params: Id, body: SourceDocumentSchema, response: { 200: SourceSchema, ...WriteErrors } } },
    async (request) => {
      const d = request.body
      await checkOrganization(d)
      const { rowCount } = await app.db
        .query(
          // A feed at another address (or of another kind) is read from its start.
          `UPDATE ingest_source SET name = $2, kind = $3, url = $4, schedule = $5, enabled = $6, allow_http = $7, default_organization_id = $8,
                  remote_delivery_modes = $9, default_group_size = $10, updated_at = $11,
                  feed_next_url = CASE WHEN url = $4 AND kind = $3 THEN feed_next_url END,
                  feed_position_at = CASE WHEN url = $4 AND kind = $3 THEN feed_position_at END,
                  feed_synced_at = CASE WHEN url = $4 AND kind = $3 THEN feed_synced_at END
            WHERE id = $1`,
          [request.params.id, d.name, d.kind, d.url, d.schedule, d.enabled, d.allow_http, d.default_organization_id, d.remote_delivery_modes, d.default_group_size, app.now().toISOString()],
        )
        .catch((e) => Promise.reject(nameTaken(e)))
      if (rowCount === 0) throw new NotFound('No such source.')
      await app.rescheduleSource({ id: request.params.id, schedule: d.schedule, enabled: d.enabled })
      await log(request.principal!.account_id, request.ip, 'ingest_source_update', 'ingest_source', request.params.id)
      return (await sourceJson([request.params.id]))[0]!
    },
  )

  app.post(
    '/admin/ingest/sources/:id/runs',
    {
      preHandler: admins,
      schema: {
        tags,
        summary: 'Harvest the source now; answers when the run has finished (a failed run is still a 201: see its status and error)',
        params: Id,
        response: { 201: RunSchema, ...WriteErrors },
      },
    },
    async (request, reply) => {
      const source = await readSource(app.db, request.params.id)
      if (!source) throw new NotFound('No such source.')
      if (source.kind === 'csv') throw new Conflict('A csv source is not harvested: upload a spreadsheet to it.')
      const run = await app.harvestSource(request.params.id, 'admin')
      await log(request.principal!.account_id, request.ip, 'ingest_run', 'ingest_source', request.params.id, { run: run.id, status: run.status })
      reply.code(201)
      return runJson(run)
    },
  )

  app.get(
    '/admin/ingest/sources/:id/runs',
    { preHandler: admins, schema: { tags, summary: 'The source’s runs, newest first (the last 100)', params: Id, response: { 200: z.array(RunSchema), ...Errors } } },
    async (request) => {
      if (!(await readSource(app.db, request.params.id))) throw new NotFound('No such source.')
      const { rows } = await app.db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM ingest_run WHERE source_id = $1 ORDER BY id DESC LIMIT 100`, [request.params.id])
      return rows.map(runJson)
    },
  )

  app.post(
    '/admin/ingest/runs/:id/withdrawals',
    {
      preHandler: admins,
      schema: {
        tags,
        summary: 'Confirm the withdrawals a run held back (too many listings missing at once): those still missing are withdrawn',
        params: RunId,
        response: { 200: RunSchema, ...WriteErrors },
      },
    },
    async (request) => {
      const run = await readRun(app.db, request.params.id)
      if (!run) throw new NotFound('No such run.')
      if (run.status !== 'held') throw new Conflict('This run has no withdrawals waiting.')
      const { rows } = await app.db.query<{ record_id: string }>(`SELECT record_id FROM ingest_record WHERE withdrawal_held_by = $1 AND record_type = 'service'`, [run.id])
      const source = (await readSource(app.db, run.source_id))!
      const n = await withdrawListings(app.db, { id: run.id, sourceId: source.id, defaultOrganizationId: source.default_organization_id, now: app.now() }, rows.map((r) => r.record_id))
      await app.db.query(`UPDATE ingest_run SET status = 'succeeded', missing = missing + $2, held_withdrawals = 0 WHERE id = $1`, [run.id, n])
      await log(request.principal!.account_id, request.ip, 'ingest_withdrawals_confirm', 'ingest_run', String(run.id), { withdrawn: n })
      return runJson((await readRun(app.db, run.id))!)
    },
  )

  app.get(
    '/admin/ingest/quarantine',
    {
      preHandler: admins,
      schema: {
        tags,
        summary: 'Quarantined records, each with its payload and reasons (open ones unless all=true)',
        querystring: z.object({ source: IdSchema.optional(), all: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.array(QuarantineSchema), ...Errors },
      },
    },
    async (request) => {
      const { rows } = await app.db.query<z.infer<typeof QuarantineSchema> & { created_at: Date; resolved_at: Date | null }>(
        `SELECT id, source_id, run_id, external_id, reasons, payload, created_at, resolved_at, resolution FROM ingest_quarantine
          WHERE ($1::uuid IS NULL OR source_id = $1) AND ($2 OR resolved_at IS NULL) ORDER BY id DESC LIMIT 500`,
        [request.query.source ?? null, request.query.all === 'true'],
      )
      return rows.map((q) => ({ ...q, created_at: iso(q.created_at)!, resolved_at: iso(q.resolved_at) }))
    },
  )

  app.post(
    '/admin/ingest/quarantine/:id/retry',
    {
      preHandler: admins,
      schema: {
        tags,
        summary: 'Map a quarantined record again (after the term map or the source was fixed) and import it if it now can be',
        params: RunId,
        response: { 200: QuarantineSchema, ...WriteErrors },
      },
    },
    async (request) => {
      const { rows } = await app.db.query<{ source_id: string; run_id: number; payload: unknown; resolved_at: Date | null }>(
        'SELECT source_id, run_id, payload, resolved_at FROM ingest_quarantine WHERE id = $1',
        [request.params.id],
      )
      const q = rows[0]
      if (!q) throw new NotFound('No such quarantined record.')
      if (q.resolved_at) throw new Conflict('This record is no longer in quarantine.')
      const source = (await readSource(app.db, q.source_id))!
      if (source.kind === 'csv') throw new Conflict('A spreadsheet’s rows are not retried here: correct them in the spreadsheet and upload it again.')
      const run: Run = { id: q.run_id, sourceId: source.id, defaultOrganizationId: source.default_organization_id, now: app.now() }
      try {
        await retryRecord(app.db, source, run, q.payload)
        // A record with no id of its own is resolved by its entry here.
        await app.db.query(`UPDATE ingest_quarantine SET resolved_at = $2, resolution = 'imported' WHERE id = $1 AND resolved_at IS NULL`, [request.params.id, app.now().toISOString()])
      } catch (e) {
        if (e instanceof Unusable) {
          await app.db.query('UPDATE ingest_quarantine SET reasons = $2 WHERE id = $1', [request.params.id, JSON.stringify(e.reasons)])
          throw new Invalid(`It still cannot be imported: ${e.reasons.map((r) => `${r.pointer}: ${r.reason}`).join('; ')}`.slice(0, 2000))
        }
        throw e
      }
      await log(request.principal!.account_id, request.ip, 'ingest_quarantine_retry', 'ingest_quarantine', String(request.params.id))
      const { rows: after } = await app.db.query<z.infer<typeof QuarantineSchema> & { created_at: Date; resolved_at: Date | null }>(
        'SELECT id, source_id, run_id, external_id, reasons, payload, created_at, resolved_at, resolution FROM ingest_quarantine WHERE id = $1',
        [request.params.id],
      )
      return { ...after[0]!, created_at: iso(after[0]!.created_at)!, resolved_at: iso(after[0]!.resolved_at) }
    },
  )

  app.get('/admin/ingest/term-map', { preHandler: admins, schema: { tags, summary: 'How feeds’ terms map to our activity types and ways of taking part', response: { 200: z.array(TermMapEntrySchema), ...Errors } } }, async () => {
    const { rows } = await app.db.query<z.infer<typeof TermMapEntrySchema>>('SELECT scheme, external, field, value FROM ingest_term_map ORDER BY scheme, external, field')
    return rows
  })

  app.put(
    '/admin/ingest/term-map',
    { preHandler: admins, schema: { tags, summary: 'Add or change one mapping (then retry the records it was missing for)', body: TermMapEntrySchema, response: { 200: TermMapEntrySchema, ...WriteErrors } } },
    async (request) => {
      const e = request.body
      const ok =
        e.field === 'activity'
          ? (await app.db.query('SELECT 1 FROM taxonomy_term WHERE code = $1', [e.value])).rowCount > 0
          : e.field === 'delivery_mode'
            ? (REMOTE_DELIVERY_MODES as readonly string[]).includes(e.value)
            : (ACCESSIBILITY_FEATURES as readonly string[]).includes(e.value)
      const what = { activity: 'an activity type code', delivery_mode: 'a way of taking part from home', accessibility: 'an accessibility feature' }[e.field]
      if (!ok) throw new Invalid(`${e.value} is not ${what}.`, [{ in: 'body', pointer: '/value', detail: 'not a known value' }])
      await app.db.query(
        `INSERT INTO ingest_term_map (scheme, external, field, value) VALUES ($1, $2, $3, $4)
         ON CONFLICT (scheme, external, field) DO UPDATE SET value = EXCLUDED.value`,
        [e.scheme, e.external, e.field, e.value],
      )
      await log(request.principal!.account_id, request.ip, 'ingest_term_map', 'ingest_term_map', `${e.scheme}/${e.external}`.slice(0, 200), { field: e.field, value: e.value })
      return e
    },
  )

  app.post(
    '/admin/services/:id/hand-over',
    {
      preHandler: admins,
      schema: {
        tags,
        summary: 'Hand a listing a feed manages over to its organisation: its editors may edit it, and the feed no longer overwrites it',
        params: Id,
        response: { 200: z.object({ id: z.uuid(), source: z.string(), version: z.number().int() }), ...WriteErrors },
      },
    },
    async (request) => {
      const id = request.params.id
      if (!(await readService(app.db, id))) throw new NotFound('No such listing.')
      const source = await managingSource(app.db, id)
      if (!source) throw new Conflict('No feed manages this listing: its organisation edits it already.')
      const version = await app.db.transaction(async (tx) => {
        await tx.query(`UPDATE ingest_record SET handed_over_at = $2 WHERE record_type = 'service' AND record_id = $1 AND handed_over_at IS NULL`, [id, app.now().toISOString()])
        const s = (await readService(tx, id))!
        const { rows } = await tx.query<{ version: number }>('UPDATE service SET version = version + 1 WHERE id = $1 RETURNING version', [id])
        await recordVersion(tx, { type: 'service', id, version: rows[0]!.version, action: 'hand_over', by: request.principal!.account_id, changes: { managed_by: { from: source, to: null } }, snapshot: s.document }, app.now())
        return rows[0]!.version
      })
      await log(request.principal!.account_id, request.ip, 'service_hand_over', 'service', id, { source })
      return { id, source, version }
    },
  )

  // ---- Spreadsheets ---------------------------------------------------------------------------

  // A CSV body, as UTF-8 text (a file in another encoding is refused, not garbled).
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'buffer', bodyLimit: CSV_BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, new TextDecoder('utf-8', { fatal: true }).decode(body as Buffer))
    } catch {
      done(new Invalid('The file is not UTF-8 text: save it from your spreadsheet as "CSV UTF-8".', [{ in: 'body', pointer: '/', detail: 'not UTF-8' }]), undefined)
    }
  })
  const csvBody = z.string().describe('the spreadsheet as CSV (UTF-8), its first line the template’s column names')
  const upload = { consumes: ['text/csv'], querystring: CsvUploadQuerySchema, body: csvBody, response: { 200: CsvReportSchema, ...WriteErrors, 413: ProblemSchema } }
  const uploadDescription =
    'One row per listing, then rows for its other venues and times pointing at it by ref (see GET /api/ingest/csv/columns). Good listings are written and bad ones refused, each with its line numbers and reasons; dry_run=true reports the same without writing. Uploading a ref again updates that listing.'

  app.get(
    '/ingest/csv/template',
    { schema: { tags, summary: 'The spreadsheet template: every column, and an example listing at two venues', produces: ['text/csv'], response: { 200: z.string() } } },
    async (_request, reply) => {
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="connector-listings.csv"')
      return csvTemplate()
    },
  )

  app.get('/ingest/csv/columns', { schema: { tags, summary: 'What each column of the spreadsheet template means', response: { 200: z.array(CsvColumnSchema) } } }, async () => CSV_COLUMNS)

  app.post(
    '/admin/ingest/sources/:id/upload',
    { preHandler: admins, schema: { tags, summary: 'Upload a spreadsheet of listings to a csv source', description: uploadDescription, params: Id, ...upload } },
    async (request) => {
      const source = await readSource(app.db, request.params.id)
      if (!source) throw new NotFound('No such source.')
      if (source.kind !== 'csv') throw new Conflict(`${source.name} is a feed, harvested from its URL: upload spreadsheets to a csv source.`)
      const report = await importCsv(app.db, source, request.body, {
        dryRun: request.query.dry_run === 'true',
        uploader: { accountId: request.principal!.account_id, replaceEdited: request.query.replace_edited === 'true' },
        now: app.now(),
      })
      if (!report.dry_run) await log(request.principal!.account_id, request.ip, 'ingest_upload', 'ingest_source', source.id, { run: report.run_id, created: report.created, updated: report.updated, refused: report.refused })
      return report
    },
  )

  app.post(
    '/manage/organizations/:id/upload',
    {
      preHandler: app.authorize('editor', 'admin'),
      schema: { tags: ['self-service'], summary: 'Upload a spreadsheet of your organisation’s listings', description: `${uploadDescription} Every listing goes to this organisation.`, params: Id, ...upload },
    },
    async (request) => {
      const organizationId = request.params.id
      if (!mayEdit(request.principal!, organizationId)) throw new NotFound('No such record.')
      const { rows } = await app.db.query<{ name: string }>('SELECT name FROM organization WHERE id = $1', [organizationId])
      if (!rows[0]) throw new NotFound('No such record.')
      const source = await organizationUploads(organizationId, rows[0].name)
      const report = await importCsv(app.db, source, request.body, {
        dryRun: request.query.dry_run === 'true',
        uploader: { accountId: request.principal!.account_id, organization: { id: organizationId, name: rows[0].name }, replaceEdited: request.query.replace_edited === 'true' },
        now: app.now(),
      })
      if (!report.dry_run) await log(request.principal!.account_id, request.ip, 'ingest_upload', 'organization', organizationId, { run: report.run_id, created: report.created, updated: report.updated, refused: report.refused })
      return report
    },
  )

  /** The csv source an organisation's editors upload through, made the first time. */
  const organizationUploads = async (organizationId: string, name: string): Promise<Source> => {
    const find = () => app.db.query<Source>(`SELECT ${SOURCE_COLUMNS} FROM ingest_source WHERE upload_organization_id = $1`, [organizationId])
    for (const label of [`${name}: spreadsheets`, `${name}: spreadsheets (${organizationId.slice(0, 8)})`]) {
      const found = (await find()).rows[0]
      if (found) return found
      const now = app.now().toISOString()
      await app.db.query(
        `INSERT INTO ingest_source (name, kind, url, enabled, default_organization_id, upload_organization_id, created_at, updated_at)
         VALUES ($1, 'csv', NULL, true, $2, $2, $3, $3) ON CONFLICT DO NOTHING`,
        [label.slice(0, 200), organizationId, now],
      )
    }
    const made = (await find()).rows[0]
    if (!made) throw new Conflict('Could not set up uploads for this organisation; try again.')
    return made
  }
}

export default ingestRoutes
