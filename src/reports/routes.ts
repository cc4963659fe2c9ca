/**
 * The commissioners' reports, for commissioners and admins: each as JSON, each table as CSV,
 * and the tables by area as GeoJSON.
 */
import type { FastifyInstance } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Db } from '../db/db.ts'
import { ukNow } from '../matching/sessions.ts'
import { Invalid, ProblemSchema } from '../problem.ts'
import { demand } from './demand.ts'
import { SUPPRESSION_RULE } from './disclosure.ts'
import { filename, toCsv, toGeoJson } from './exports.ts'
import { refuseValidation, resolveFilters, wants, type Filters } from './filters.ts'
import { freshness } from './freshness.ts'
import { outcomes } from './outcomes.ts'
import { REPORTS, ReportIndexSchema, ReportQuerySchema, ReportSchema, type Report, type ReportName, type ReportQuery, type ReportTable } from './schemas.ts'
import { supply } from './supply.ts'
import { unmetNeed } from './unmet-need.ts'

/** Each report: its title, what it tells, how it is built, its tables, and those by area (the first is the map's). */
export const REPORT_KINDS: Record<ReportName, { title: string; description: string; tables: string[]; areaTables: string[]; build: (db: Db, f: Filters) => Promise<ReportTable[]> }> = {
  'unmet-need': {
    title: 'Unmet need',
    description: 'People whose need found fewer than three fitting listings, by area, team, primary care network, need, barrier and month; searches that found nothing, by area.',
    tables: ['by_area', 'empty_searches_by_area', 'by_team', 'by_pcn', 'by_need', 'by_barrier', 'by_month'],
    areaTables: ['by_area', 'empty_searches_by_area'],
    build: unmetNeed,
  },
  supply: {
    title: 'Supply',
    description: 'Current listings per resident by area and activity type, beside deprivation; areas with none of an activity type.',
    tables: ['by_area', 'by_area_and_activity', 'areas_without'],
    areaTables: ['by_area', 'by_area_and_activity'],
    build: supply,
  },
  demand: {
    title: 'Demand on the voluntary sector',
    description: 'Referrals by organisation, listing and month, what became of them, time spent full, and searches that found nothing.',
    tables: ['by_organisation', 'by_listing', 'by_month', 'decline_reasons', 'capacity', 'empty_searches'],
    areaTables: [],
    build: demand,
  },
  outcomes: {
    title: 'Outcomes',
    description: 'Change in loneliness (UCLA-3) between baseline and latest follow-up, by referral route and activity type.',
    tables: ['by_route', 'by_activity'],
    areaTables: [],
    build: outcomes,
  },
  freshness: {
    title: 'Freshness',
    description: 'The share of each organisation’s listings confirmed within 90, 180 and 365 days.',
    tables: ['by_organisation'],
    areaTables: [],
    build: freshness,
  },
}

/**
 * Builds one report for the query (or only its table `only`, for a download), refusing what it
 * cannot answer with a 422 naming the parameter.
 */
export async function buildReport(app: FastifyInstance, name: ReportName, query: ReportQuery, only?: string): Promise<Report> {
  const f: Filters = { ...(await resolveFilters(app.db, name, query, ukNow(app.now()).date)), only }
  const kind = REPORT_KINDS[name]
  return {
    report: name,
    title: kind.title,
    period: { from: f.from, to: f.to },
    filters: {
      activity_type: f.activity,
      need: f.need,
      barrier: f.barrier,
      area: f.area && { code: f.area.code, name: f.area.name },
      area_level: f.level,
    },
    suppression: SUPPRESSION_RULE,
    tables: (await kind.build(app.db, f)).filter((t) => wants(f, t.name)),
  }
}

/** The table a download names, or the report's first (for GeoJSON, its first table by area); a 422 for one it does not have. */
function chooseTable(name: ReportName, table: string | undefined, areas: boolean): string {
  const candidates = areas ? REPORT_KINDS[name].areaTables : REPORT_KINDS[name].tables
  const chosen = table === undefined ? candidates[0] : candidates.find((t) => t === table)
  if (!chosen) {
    const detail = `The ${name} report has no ${areas ? 'table by area' : 'table'} named "${table}": choose one of ${candidates.join(', ')}.`
    throw new Invalid(detail, [{ in: 'querystring', pointer: '/table', detail }])
  }
  return chosen
}

const Errors = { 401: ProblemSchema, 403: ProblemSchema, 422: ProblemSchema }
const DownloadQuerySchema = ReportQuerySchema.extend({ table: z.string().max(40).optional().meta({ description: 'Which table (default: the first)' }) })

/** A download of one table: its extension, media type and how its body is made. */
interface Download {
  ext: 'csv' | 'geojson'
  type: string
  summary: string
  /** Whether only tables by area can be downloaded this way. */
  areas: boolean
  body: (report: Report, table: ReportTable) => Promise<string>
}

const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  const commissioners = app.authorize('commissioner', 'admin')
  const tags = ['reports']

  app.get(
    '/reports',
    { preHandler: commissioners, schema: { tags, summary: 'The reports there are, and their tables', response: { 200: ReportIndexSchema, ...Errors } } },
    async () => REPORTS.map((report) => ({ report, title: REPORT_KINDS[report].title, description: REPORT_KINDS[report].description, tables: REPORT_KINDS[report].tables })),
  )

  for (const name of REPORTS) {
    const kind = REPORT_KINDS[name]
    app.get(
      `/reports/${name}`,
      {
        preHandler: commissioners,
        attachValidation: true,
        schema: { tags, summary: `${kind.title}: ${kind.description}`, querystring: ReportQuerySchema, response: { 200: ReportSchema, ...Errors } },
      },
      async (request) => {
        refuseValidation(request)
        return buildReport(app, name, request.query)
      },
    )
    const formats: Download[] = [
      {
        ext: 'csv',
        type: 'text/csv; charset=utf-8',
        summary: 'one table as CSV (a line saying the period, filters and suppression rule, then a header row)',
        areas: false,
        body: async (report, table) => toCsv(report, table),
      },
    ]
    if (kind.areaTables.length > 0) {
      formats.push({
        ext: 'geojson',
        type: 'application/geo+json',
        summary: "one table by area as GeoJSON (RFC 7946): each area's outline with its figures as properties",
        areas: true,
        body: async (report, table) => JSON.stringify(await toGeoJson(app.db, report, table)),
      })
    }
    for (const format of formats) {
      app.get(
        `/reports/${name}.${format.ext}`,
        {
          preHandler: commissioners,
          attachValidation: true,
          schema: {
            tags,
            summary: `${kind.title}, ${format.summary}`,
            querystring: DownloadQuerySchema,
            produces: [format.type.split(';')[0]!],
            response: { 200: z.string().meta({ description: format.ext === 'csv' ? 'CSV' : 'GeoJSON FeatureCollection' }), ...Errors },
          },
        },
        async (request, reply) => {
          refuseValidation(request)
          // Only the table downloaded is built.
          const report = await buildReport(app, name, request.query, chooseTable(name, request.query.table, format.areas))
          const table = report.tables[0]!
          const body = await format.body(report, table)
          return reply.type(format.type).header('content-disposition', `attachment; filename="${filename(report, table, format.ext)}"`).send(body)
        },
      )
    }
  }
}

export default reportRoutes
