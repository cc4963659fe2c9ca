/** What the ingest admin API reads and writes. */
import cron from 'node-cron'
import { z } from 'zod'
import { GROUP_SIZES, REMOTE_DELIVERY_MODES } from '../directory/vocabulary.ts'
import { IdSchema } from '../id.ts'

/** The kinds of feed this version harvests. */
export const HARVESTABLE_KINDS = ['oruk', 'openactive'] as const
export const SOURCE_KINDS = [...HARVESTABLE_KINDS, 'csv'] as const

export const SourceDocumentSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    kind: z
      .enum(SOURCE_KINDS)
      .describe('oruk: an Open Referral UK 3.0 API (the URL is its base, before /services); openactive: an RPDE feed of SessionSeries or FacilityUse (the URL is its first page); csv: spreadsheets uploaded to it (no URL, no schedule)'),
    url: z.url({ protocol: /^https?$/ }).max(2000).nullable().default(null),
    schedule: z
      .string()
      .trim()
      .max(100)
      .refine((s) => cron.validate(s), { error: 'must be a cron expression, such as "0 15 3 * * *" (03:15 every day)' })
      .nullable()
      .default(null)
      .describe('when to harvest (node-cron, seconds optional); null: only when asked'),
    enabled: z.boolean().default(true),
    allow_http: z.boolean().default(false).describe('allow plain http (only for a feed that has no https)'),
    default_organization_id: IdSchema.nullable().default(null).describe('owns listings that arrive without an organisation'),
    remote_delivery_modes: z
      .array(z.enum(REMOTE_DELIVERY_MODES))
      .max(4)
      .default([])
      .describe('how a listing with no venue is delivered when its record does not say; empty: such listings are quarantined'),
    default_group_size: z.enum(GROUP_SIZES).default('large').describe('the group size of listings from formats that do not give one (ORUK)'),
  })
  .refine((s) => s.kind === 'csv' || s.url !== null, { error: 'a feed needs its URL', path: ['url'] })
  .refine((s) => s.allow_http || s.url === null || s.url.startsWith('https:'), { error: 'a feed URL must be https, unless plain http is allowed for it', path: ['url'] })
  .refine((s) => s.kind !== 'csv' || s.schedule === null, { error: 'a csv source is uploaded to, not harvested on a schedule', path: ['schedule'] })
export type SourceDocument = z.infer<typeof SourceDocumentSchema>

const Counts = {
  pages: z.number().int(),
  fetched: z.number().int().describe('records read; = created + updated + unchanged + withdrawn + quarantined'),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  withdrawn: z.number().int().describe('records saying the listing has ended'),
  quarantined: z.number().int(),
  missing: z.number().int().describe('listings withdrawn because a complete harvest no longer held them'),
  held_withdrawals: z.number().int().describe('listings missing from the feed, held for an admin to confirm (too many at once)'),
}

export const RunSchema = z.object({
  id: z.number().int(),
  source_id: z.uuid(),
  started_at: z.iso.datetime(),
  finished_at: z.iso.datetime().nullable(),
  status: z.enum(['running', 'succeeded', 'failed', 'held']),
  complete: z.boolean().describe('every record of the feed was read'),
  ...Counts,
  error: z.string().nullable(),
  triggered_by: z.enum(['schedule', 'admin', 'command', 'retry', 'upload']),
})

export const SourceSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(SOURCE_KINDS),
  url: z.string().nullable(),
  schedule: z.string().nullable(),
  enabled: z.boolean(),
  allow_http: z.boolean(),
  default_organization_id: z.uuid().nullable(),
  remote_delivery_modes: z.array(z.string()),
  default_group_size: z.enum(GROUP_SIZES),
  feed_next_url: z.string().nullable().describe('RPDE: the page the next harvest starts from'),
  feed_synced_at: z.iso.datetime().nullable().describe('RPDE: when the feed was last read to its end'),
  feed_retry_after: z.iso.datetime().nullable().describe('RPDE: the feed asked us to wait until then (503 or 429); scheduled harvests wait'),
  upload_organization_id: z.uuid().nullable().describe('csv: the organisation whose editors upload their own listings through it'),
  listings: z.number().int().describe('listings it manages now'),
  open_quarantine: z.number().int(),
  last_run: RunSchema.nullable(),
})

export const QuarantineSchema = z.object({
  id: z.number().int(),
  source_id: z.uuid(),
  run_id: z.number().int(),
  external_id: z.string().nullable(),
  reasons: z.array(z.object({ pointer: z.string(), reason: z.string() })),
  payload: z.unknown().describe('the record as the feed sent it'),
  created_at: z.iso.datetime(),
  resolved_at: z.iso.datetime().nullable(),
  resolution: z.enum(['imported', 'superseded', 'dismissed']).nullable(),
})

export const TermMapEntrySchema = z.strictObject({
  scheme: z.string().trim().min(1).max(200).describe('the taxonomy as the feed names it (an ORUK term’s taxonomy, e.g. "esdServiceTypes")'),
  external: z.string().trim().min(1).max(500).describe('the term: its term_uri, code or name'),
  field: z.enum(['activity', 'delivery_mode', 'accessibility']),
  value: z.string().trim().min(1).max(100).describe('an activity type code, a way of taking part (telephone, online_video…), or an accessibility feature (step_free, hearing_loop…)'),
})

export const CsvColumnSchema = z.object({
  name: z.string(),
  rows: z.array(z.enum(['listing', 'venue', 'schedule'])).describe('the kinds of row it is read on'),
  explain: z.string(),
})

export const CsvUploadQuerySchema = z.object({
  dry_run: z.enum(['true', 'false']).default('false').describe('true: report what the upload would do, row by row, and write nothing'),
  replace_edited: z.enum(['true', 'false']).default('false').describe('true: replace listings changed on Connector since they were last uploaded (their history keeps the edits)'),
})

export const CsvReportSchema = z.object({
  dry_run: z.boolean().describe('nothing was written: this is what the upload would do'),
  run_id: z.number().int().nullable().describe('the run recording the upload (null for a dry run)'),
  listings: z.number().int().describe('listing rows read'),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  withdrawn: z.number().int().describe('listings uploaded before, now with status inactive'),
  refused: z.number().int().describe('listings not written: see the reasons on their lines'),
  lines: z.array(
    z.object({
      line: z.number().int().describe('where the row starts in the file (the header is line 1)'),
      ref: z.string().nullable(),
      row: z.enum(['listing', 'venue', 'schedule']).nullable(),
      outcome: z.enum(['created', 'updated', 'unchanged', 'withdrawn', 'refused', 'part_of_listing']).describe('a listing row’s outcome; its venue and schedule rows are part_of_listing, or refused with it'),
      listing_line: z.number().int().nullable().describe('the line of the listing row it belongs to'),
      listing_id: z.uuid().nullable(),
      reasons: z.array(z.object({ column: z.string().nullable(), reason: z.string() })),
    }),
  ),
})
