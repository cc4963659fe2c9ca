/** What the ingest admin API reads and writes. */
import cron from 'node-cron'
import { z } from 'zod'
import { GROUP_SIZES, REMOTE_DELIVERY_MODES } from '../directory/vocabulary.ts'
import { IdSchema } from '../id.ts'

/** The kinds of feed this version harvests. */
export const HARVESTABLE_KINDS = ['oruk', 'openactive'] as const

export const SourceDocumentSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    kind: z
      .enum(HARVESTABLE_KINDS)
      .describe('oruk: an Open Referral UK 3.0 API (the URL is its base, before /services); openactive: an RPDE feed of SessionSeries or FacilityUse (the URL is its first page)'),
    url: z.url({ protocol: /^https?$/ }).max(2000),
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
  .refine((s) => s.allow_http || s.url.startsWith('https:'), { error: 'a feed URL must be https, unless plain http is allowed for it', path: ['url'] })
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
  triggered_by: z.enum(['schedule', 'admin', 'command', 'retry']),
})

export const SourceSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(['oruk', 'openactive', 'csv']),
  url: z.string(),
  schedule: z.string().nullable(),
  enabled: z.boolean(),
  allow_http: z.boolean(),
  default_organization_id: z.uuid().nullable(),
  remote_delivery_modes: z.array(z.string()),
  default_group_size: z.enum(GROUP_SIZES),
  feed_next_url: z.string().nullable().describe('RPDE: the page the next harvest starts from'),
  feed_synced_at: z.iso.datetime().nullable().describe('RPDE: when the feed was last read to its end'),
  feed_retry_after: z.iso.datetime().nullable().describe('RPDE: the feed asked us to wait until then (503 or 429); scheduled harvests wait'),
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
