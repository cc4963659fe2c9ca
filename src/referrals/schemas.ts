/**
 * Episodes, UCLA-3 scores and referrals as the API takes and gives them. Nothing here can hold
 * a name, an NHS number, a date of birth, an address, a phone number or notes: every shape is
 * strict, and the case number is taken only to be turned into a keyed hash.
 */
import { z } from 'zod'
import { IdSchema } from '../id.ts'
import {
  AGE_BANDS,
  CLOSE_REASONS,
  DECLINE_REASONS,
  DIRECT_LONELINESS,
  DIRECT_QUESTION,
  REFERRAL_ROUTES,
  REFERRAL_SOURCES,
  REFERRAL_STATUSES,
  SCORE_KINDS,
  UCLA3_QUESTIONS,
} from './vocabulary.ts'

/**
 * The link worker's own case number for the person, from their clinical system. Read without
 * spaces and in capitals, so "ab 123" and "AB123" are the same person. Never stored or logged.
 */
export const CaseNumberSchema = z
  .string()
  .transform((v) => v.replace(/\s+/g, '').toUpperCase())
  .pipe(
    z
      .string()
      .min(1, { error: 'enter the case number' })
      .max(40, { error: 'must be at most 40 characters' })
      .regex(/^[0-9A-Z/._-]+$/, { error: 'may hold only letters, digits and / . _ -' }),
  )
  .describe("your own case number for the person (from your clinical system); Connector keeps only a keyed hash of it, scoped to your team")

const isoDate = z.iso.date().describe('YYYY-MM-DD')

export const AreaSchema = z.object({
  outcode: z.string().nullable().describe('postcode district'),
  ward_code: z.string().nullable(),
  ward_name: z.string().nullable(),
  lsoa_code: z.string().nullable(),
})

export const EpisodeCreateSchema = z.strictObject({
  case_number: CaseNumberSchema,
  referral_route: z.enum(REFERRAL_ROUTES).describe('who referred the person into social prescribing'),
  age_band: z.enum(AGE_BANDS),
  postcode: z.string().max(16).describe("the person's home postcode: only its district, ward and LSOA are kept"),
  opened_on: isoDate.optional().describe('default today; not in the future'),
})

export const CaseLookupSchema = z.strictObject({ case_number: CaseNumberSchema })

export const EpisodeCloseSchema = z.strictObject({
  reason: z.enum(CLOSE_REASONS),
  closed_on: isoDate.optional().describe('default today; not before the episode opened, not in the future'),
})

/** One UCLA-3 item: 1 hardly ever or never, 2 some of the time, 3 often (checked: outside is a 422). */
const item = (question: string) => z.number().int().describe(`"${question}" 1 hardly ever or never, 2 some of the time, 3 often`)

export const ScoreInputSchema = z.strictObject({
  kind: z.enum(SCORE_KINDS),
  recorded_on: isoDate.optional().describe('default today'),
  companionship: item(UCLA3_QUESTIONS[0].question),
  left_out: item(UCLA3_QUESTIONS[1].question),
  isolated: item(UCLA3_QUESTIONS[2].question),
  direct: z.enum(DIRECT_LONELINESS).optional().describe(`"${DIRECT_QUESTION}" (ONS direct measure), if asked`),
})

export const ScoreSchema = z.object({
  id: z.uuid(),
  kind: z.enum(SCORE_KINDS),
  recorded_on: isoDate,
  companionship: z.number().int(),
  left_out: z.number().int(),
  isolated: z.number().int(),
  total: z.number().int().describe('3 (least lonely) to 9 (most)'),
  direct: z.enum(DIRECT_LONELINESS).nullable(),
})

export const ReferralEventSchema = z.object({
  status: z.enum(REFERRAL_STATUSES),
  reason: z.enum(DECLINE_REASONS).nullable(),
  at: z.iso.datetime(),
})

const ListingRefSchema = z.object({ id: z.uuid(), name: z.string() })

/** A referral as the link worker sees it. */
export const ReferralSchema = z.object({
  id: z.uuid(),
  reference: z.string().describe('short code the organisation also sees'),
  episode_id: z.uuid(),
  episode_reference: z.string(),
  service: ListingRefSchema,
  organization: ListingRefSchema,
  source: z.enum(REFERRAL_SOURCES),
  status: z.enum(REFERRAL_STATUSES),
  decline_reason: z.enum(DECLINE_REASONS).nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  history: z.array(ReferralEventSchema),
})

/** A referral as the listing's organisation sees it: its code, date, listing and status, nothing about the person. */
export const IncomingReferralSchema = z.object({
  id: z.uuid(),
  reference: z.string(),
  created_at: z.iso.datetime(),
  service: ListingRefSchema,
  status: z.enum(REFERRAL_STATUSES),
  decline_reason: z.enum(DECLINE_REASONS).nullable(),
  updated_at: z.iso.datetime(),
})

export const EpisodeSummarySchema = z.object({
  id: z.uuid(),
  reference: z.string().describe('short code of the episode, to note in your own records'),
  team: z.object({ id: z.uuid(), name: z.string() }),
  referral_route: z.enum(REFERRAL_ROUTES),
  age_band: z.enum(AGE_BANDS),
  area: AreaSchema,
  opened_on: isoDate,
  closed_on: isoDate.nullable(),
  close_reason: z.enum(CLOSE_REASONS).nullable(),
  opened_by_you: z.boolean(),
  baseline_total: z.number().int().nullable(),
  latest_total: z.number().int().nullable().describe('the latest follow-up total, if any'),
  referrals: z.number().int(),
})

export const EpisodeSchema = EpisodeSummarySchema.extend({
  scores: z.array(ScoreSchema),
  referral_list: z.array(ReferralSchema),
})

export const ReferralCreateSchema = z.strictObject({
  service_id: IdSchema,
  source: z.enum(REFERRAL_SOURCES).describe('where you found the listing'),
})

export const StatusChangeSchema = z.strictObject({
  status: z.enum(REFERRAL_STATUSES),
  reason: z.enum(DECLINE_REASONS).optional().describe('why, when declining (required then, refused otherwise)'),
})

const PcnCodeSchema = z.string().regex(/^U\d{5}$/, 'a PCN code: U and five digits, like U74798').describe("an NHS primary care network's code")
export const PcnSchema = z.object({ code: z.string(), name: z.string(), practices: z.number().int().describe('GP practices held in it') })
export const TeamSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  pcn: z.object({ code: z.string(), name: z.string() }).nullable().describe('the primary care network it serves; null: none (a service, or not set)'),
  link_workers: z.number().int(),
})
export const LinkWorkerSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  team: z.object({ id: z.uuid(), name: z.string() }).nullable().describe('null: not in a team yet, so they cannot record episodes'),
})
export const TeamCreateSchema = z.strictObject({ name: z.string().trim().min(1).max(120), pcn_code: PcnCodeSchema.optional() })
export const TeamPcnSchema = z.strictObject({ pcn_code: PcnCodeSchema.nullable().describe('null: no PCN') })
export const AccountTeamSchema = z.strictObject({ team_id: IdSchema.nullable().describe('null: no team') })

export type EpisodeCreate = z.infer<typeof EpisodeCreateSchema>
export type EpisodeSummary = z.infer<typeof EpisodeSummarySchema>
export type Episode = z.infer<typeof EpisodeSchema>
export type ScoreInput = z.infer<typeof ScoreInputSchema>
export type Score = z.infer<typeof ScoreSchema>
export type Referral = z.infer<typeof ReferralSchema>
export type IncomingReferral = z.infer<typeof IncomingReferralSchema>
export type Area = z.infer<typeof AreaSchema>
