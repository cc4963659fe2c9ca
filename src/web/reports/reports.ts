/**
 * The commissioners' report pages, for commissioners and admins. /reports lists the reports;
 * /reports/:name shows one: a filter form (GET, so a report's address can be bookmarked and
 * shared: it holds no personal details), the period and filters in words, each table as an NHS
 * table with its CSV (and, for tables by area, GeoJSON) download, a choropleth map of the first
 * table by area (unmet need, supply) and a small chart of each month-by-month table. The figures
 * are the reports API's own (`buildReport`), already through disclosure control; the map and
 * charts only draw what the tables beside them say.
 */
import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { listTaxonomyTerms } from '../../directory/store.ts'
import { BARRIERS } from '../../directory/vocabulary.ts'
import { NotFound, Problem } from '../../problem.ts'
import { buildReport, REPORT_KINDS } from '../../reports/routes.ts'
import { AREA_LEVELS, NEED_KINDS, REPORTS, ReportQuerySchema, type Cell, type Report, type ReportName, type ReportQuery, type ReportTable } from '../../reports/schemas.ts'
import { formErrors, formText, type FieldProblem } from '../api.ts'
import { label } from '../labels.ts'
import { places } from '../places.ts'
import { cellText, choropleth, monthChart, type Choropleth } from './charts.ts'

/** The reports with a map of their first table by area. */
const MAPPED: ReportName[] = ['unmet-need', 'supply']
const FIELDS = ['from', 'to', 'activity_type', 'need', 'barrier', 'area', 'area_level', 'map'] as const
type Form = Record<(typeof FIELDS)[number], string>

export const NEED_WORDS: Record<(typeof NEED_KINDS)[number], string> = { interest: 'An activity or interest', practical: 'Practical help' }
const LEVEL_WORDS: Record<(typeof AREA_LEVELS)[number], string> = { ward: 'Wards', lsoa: 'LSOAs (small areas)' }

/** What each field says when the query does not fit the API's schema (what the API's own words would be too technical for). */
const FIELD_WORDS: Record<string, string> = {
  from: 'Enter the start of the period as a real date, like 2026-04-01',
  to: 'Enter the end of the period as a real date, like 2027-03-31',
  activity_type: 'Choose an activity type from the list',
  need: 'Choose what people needed from the list',
  barrier: 'Choose a barrier from the list',
  area: 'Choose an area from the list',
  area_level: 'Choose wards or LSOAs',
}

/** The query the form asks for: empty fields left out; need and barrier only on unmet need. */
function queryOf(name: ReportName, form: Form): Record<string, string> {
  const out: Record<string, string> = {}
  for (const field of ['from', 'to', 'activity_type', 'need', 'barrier', 'area', 'area_level'] as const) {
    if ((field === 'need' || field === 'barrier') && name !== 'unmet-need') continue
    if (form[field] !== '') out[field] = form[field]
  }
  return out
}

const search = (query: Record<string, string>, extra: Record<string, string> = {}) => {
  const s = new URLSearchParams({ ...query, ...extra }).toString()
  return s ? `?${s}` : ''
}

/** The period and filters in words, for the top of the page. */
function inWords(report: Report) {
  const f = report.filters
  return {
    period: `${longDate(report.period.from)} to ${longDate(report.period.to)}`,
    filters: [
      f.activity_type ? `activity type: ${f.activity_type.name}` : 'all activity types',
      ...(report.report === 'unmet-need' ? [f.need ? `need: ${NEED_WORDS[f.need].toLowerCase()}` : 'every kind of need'] : []),
      ...(report.report === 'unmet-need' ? [f.barrier ? `barrier: ${label(f.barrier, 'barrier')}` : 'every barrier'] : []),
      f.area ? `area: ${f.area.name}` : 'all areas',
      `areas by ${f.area_level === 'lsoa' ? 'LSOA' : 'ward'}`,
    ],
  }
}

const longDate = (iso: string) => new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })

/** One table as the template draws it. */
function tableView(name: ReportName, table: ReportTable, query: Record<string, string>) {
  const numeric = table.columns.map((c) => c.kind !== 'text')
  const cells = (row: Cell[]) => row.map((c, i) => ({ text: cellText(c), numeric: numeric[i] }))
  return {
    name: table.name,
    title: table.title,
    rowHeading: table.row_heading,
    columns: table.columns.map((c, i) => ({ label: c.label, numeric: numeric[i] })),
    rows: table.rows.map((r) => ({ key: r.key, label: r.label, cells: cells(r.cells) })),
    totals: table.totals ? cells(table.totals) : null,
    notes: table.notes,
    csv: `/api/reports/${name}.csv${search(query, { table: table.name })}`,
    geojson: table.area_level !== null && MAPPED.includes(name) ? `/api/reports/${name}.geojson${search(query, { table: table.name })}` : null,
    chart: table.name === 'by_month' ? monthChart(table, `${REPORT_KINDS[name].title}: ${table.columns[0]!.label.toLowerCase()} by month`) : null,
  }
}

/** The column the map shows: the form's choice, else the barrier filtered by, else people (unmet need) or listings per 10,000 (supply). */
function mapColumn(name: ReportName, table: ReportTable, form: Form, report: Report): string {
  const mappable = table.columns.filter((c) => c.kind !== 'text').map((c) => c.key)
  if (mappable.includes(form.map)) return form.map
  if (name === 'unmet-need') return report.filters.barrier && mappable.includes(report.filters.barrier) ? report.filters.barrier : 'people'
  return mappable.includes('per_10k') ? 'per_10k' : mappable[0]!
}

const reportPages: FastifyPluginAsync = async (app) => {
  const commissioners = app.authorize('commissioner', 'admin')

  app.get('/reports', { preHandler: commissioners, schema: { hide: true } }, async (_request, reply) =>
    reply.page('reports/reports-home.njk', {
      title: 'Reports',
      reports: REPORTS.map((name) => ({ name, title: REPORT_KINDS[name].title, description: REPORT_KINDS[name].description })),
    }),
  )

  app.get('/reports/:name', { preHandler: commissioners, schema: { hide: true } }, async (request, reply) => {
    const name = REPORTS.find((r) => r === (request.params as { name: string }).name)
    if (!name) throw new NotFound('There is no report at this address. The reports page lists them all.')
    const raw = (request.query ?? {}) as Record<string, unknown>
    const form = Object.fromEntries(FIELDS.map((f) => [f, formText(raw[f]).slice(0, 60)])) as Form
    const query = queryOf(name, form)

    let problems: FieldProblem[] = []
    let report: Report | undefined
    const parsed = ReportQuerySchema.safeParse(query)
    if (!parsed.success) {
      const seen = new Set<string>()
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? 'from')
        if (seen.has(field)) continue
        seen.add(field)
        problems.push({ field, text: FIELD_WORDS[field] ?? issue.message })
      }
    } else {
      try {
        report = await buildReport(app, name, parsed.data as ReportQuery)
      } catch (error) {
        if (!(error instanceof Problem) || error.status !== 422) throw error
        problems = (error.errors ?? [{ pointer: '/from', detail: error.detail ?? error.title }]).map((e) => {
          const field = e.pointer.slice(1)
          return { field: field in FIELD_WORDS ? field : 'from', text: e.detail.replace(/\.$/, '') }
        })
      }
    }

    const [terms, p] = await Promise.all([listTaxonomyTerms(app.db), places(app.db)])
    const option = (value: string, text: string, chosen: string) => ({ value, text, selected: value === chosen })
    const kind = REPORT_KINDS[name]
    const tables = report ? report.tables.map((t) => tableView(name, t, query)) : []
    const areaTable = report && MAPPED.includes(name) ? report.tables.find((t) => t.area_level !== null) : undefined
    let map: (Choropleth & { columns: { value: string; text: string; selected: boolean }[] }) | null = null
    if (report && areaTable) {
      const column = mapColumn(name, areaTable, form, report)
      map = {
        ...choropleth(areaTable, column, `/api/reports/${name}.geojson${search(query, { table: areaTable.name })}`),
        columns: areaTable.columns.filter((c) => c.kind !== 'text').map((c) => option(c.key, c.label, column)),
      }
    }

    const errors = problems.length ? formErrors(problems) : { errorList: [], errors: {} as Record<string, { text: string }> }
    return reply.code(problems.length ? 422 : 200).page('reports/report.njk', {
      title: kind.title,
      name,
      description: kind.description,
      form,
      ...errors,
      options: {
        activity: [option('', 'All activity types', form.activity_type), ...terms.map((t) => option(t.code, t.name, form.activity_type))],
        need: [option('', 'Every kind of need', form.need), ...NEED_KINDS.map((n) => option(n, NEED_WORDS[n], form.need))],
        barrier: [option('', 'Every barrier', form.barrier), ...BARRIERS.map((b) => option(b, label(b, 'barrier'), form.barrier))],
        area: [
          option('', 'All areas', form.area),
          ...p.authorities.map((a) => option(a.code, `${a.name} (local authority)`, form.area)),
          ...p.wards.map((w) => option(w.code, p.names.get(w.code) ?? w.name, form.area)),
        ],
        level: AREA_LEVELS.map((l) => ({ value: l, text: LEVEL_WORDS[l], checked: (form.area_level || 'ward') === l })),
      },
      report,
      words: report ? inWords(report) : null,
      tables,
      choro: map,
    })
  })
}

export default reportPages
