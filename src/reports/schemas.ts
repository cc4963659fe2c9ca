/**
 * The commissioners' reports as the API gives them: each report is a set of tables, every
 * table of the same shape, so the JSON, the CSV and GeoJSON exports and the pages read one
 * structure. Counts of people in them have been through disclosure control.
 */
import { z } from 'zod'
import { BARRIERS } from '../directory/vocabulary.ts'

export const REPORTS = ['unmet-need', 'supply', 'demand', 'outcomes', 'freshness'] as const
export type ReportName = (typeof REPORTS)[number]

export const AREA_LEVELS = ['ward', 'lsoa'] as const
export type AreaLevel = (typeof AREA_LEVELS)[number]

/** The kinds of need a gap records: an interest (an activity), or practical help. */
export const NEED_KINDS = ['interest', 'practical'] as const

/** What a column holds, so pages and exports know how to show it. */
export const COLUMN_KINDS = ['people', 'count', 'share', 'mean', 'rate', 'decile', 'days', 'text'] as const

const date = z.iso.date()

/**
 * The filters every report takes. The period is inclusive; without one, the twelve months to
 * today. Filters a report cannot apply are refused rather than ignored.
 */
export const ReportQuerySchema = z.object({
  from: date.optional().meta({ description: 'First day of the period (default: a year before `to`)' }),
  to: date.optional().meta({ description: 'Last day of the period (default: today); snapshot reports (supply, freshness) are as at this day' }),
  activity_type: z.string().max(60).optional().meta({ description: 'An activity type code, e.g. arts-and-crafts' }),
  need: z.enum(NEED_KINDS).optional().meta({ description: 'Unmet need only: an interest or practical help' }),
  barrier: z.enum(BARRIERS).optional().meta({ description: 'Unmet need only: what excluded the near-miss listings' }),
  area: z.string().max(20).optional().meta({ description: 'A local authority or ward code: only the areas within it' }),
  area_level: z.enum(AREA_LEVELS).default('ward').meta({ description: 'Rows by ward or by LSOA, for the tables by area' }),
})
export type ReportQuery = z.infer<typeof ReportQuerySchema>

/** A published figure: a number, `*` for a hidden count, null where it is not given (too few people), or text. */
export const CellSchema = z.union([z.number(), z.string(), z.null()])
export type Cell = z.infer<typeof CellSchema>

export const ReportTableSchema = z.object({
  name: z.string().meta({ description: 'The table’s key, as the CSV export’s `table` parameter names it' }),
  title: z.string(),
  /** The tables whose rows are areas: the GeoJSON export and the map read these. */
  area_level: z.enum(AREA_LEVELS).nullable(),
  row_heading: z.string(),
  columns: z.array(z.object({ key: z.string(), label: z.string(), kind: z.enum(COLUMN_KINDS) })),
  rows: z.array(z.object({ key: z.string(), label: z.string(), cells: z.array(CellSchema) })),
  /** Column totals, where the table publishes them (a null for a column that has none). */
  totals: z.array(CellSchema).nullable(),
  notes: z.array(z.string()),
})
export type ReportTable = z.infer<typeof ReportTableSchema>

export const ReportSchema = z.object({
  report: z.enum(REPORTS),
  title: z.string(),
  period: z.object({ from: date, to: date }),
  filters: z.object({
    activity_type: z.object({ code: z.string(), name: z.string() }).nullable(),
    need: z.enum(NEED_KINDS).nullable(),
    barrier: z.enum(BARRIERS).nullable(),
    area: z.object({ code: z.string(), name: z.string() }).nullable(),
    area_level: z.enum(AREA_LEVELS),
  }),
  suppression: z.string(),
  tables: z.array(ReportTableSchema),
})
export type Report = z.infer<typeof ReportSchema>

export const ReportIndexSchema = z.array(z.object({ report: z.enum(REPORTS), title: z.string(), description: z.string(), tables: z.array(z.string()) }))
