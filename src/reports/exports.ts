/**
 * A report table as a download: CSV (a line saying what it is, then a header row, the rows and
 * any totals) or, for tables whose rows are areas, GeoJSON (RFC 7946: each area's outline with
 * the table's figures as properties). The figures are the JSON report's, already protected.
 */
import { stringify } from 'csv-stringify/sync'
import type { Queryable } from '../db/db.ts'
import { label } from '../web/labels.ts'
import type { Report, ReportTable } from './schemas.ts'

/** The period, the filters and the suppression rule, in one line of words. */
export function describe(report: Report, table: ReportTable): string {
  const f = report.filters
  const filters = [
    f.activity_type && `activity type ${f.activity_type.name}`,
    f.need && `need ${f.need}`,
    f.barrier && `barrier ${label(f.barrier, 'barrier')}`,
    f.area && `area ${f.area.name}`,
  ].filter(Boolean)
  return `${report.title}: ${table.title}. Period ${report.period.from} to ${report.period.to}. Filters: ${filters.length ? filters.join('; ') : 'none'}. ${report.suppression}`
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')

/** report-table-area-from-to.ext: what the file holds, for whom and when. */
export function filename(report: Report, table: ReportTable, ext: 'csv' | 'geojson'): string {
  const area = report.filters.area ? slug(report.filters.area.name) : 'all-areas'
  return `${report.report}-${slug(table.name)}-${area}-${report.period.from}-to-${report.period.to}.${ext}`
}

export function toCsv(report: Report, table: ReportTable): string {
  const cell = (c: unknown) => (c === null || c === undefined ? '' : c)
  const records: unknown[][] = [
    [describe(report, table)],
    ['code', table.row_heading, ...table.columns.map((c) => c.label)],
    ...table.rows.map((r) => [r.key, r.label, ...r.cells.map(cell)]),
    ...(table.totals ? [['total', 'Total', ...table.totals.map(cell)]] : []),
  ]
  return stringify(records)
}

export interface AreaFeatureCollection {
  type: 'FeatureCollection'
  report: string
  table: string
  period: Report['period']
  suppression: string
  features: { type: 'Feature'; id: string; geometry: unknown; properties: Record<string, unknown> }[]
}

/** The table's areas as features, their figures as properties keyed as the table's columns. */
export async function toGeoJson(db: Queryable, report: Report, table: ReportTable): Promise<AreaFeatureCollection> {
  const { rows } = await db.query<{ code: string; geometry: unknown }>(
    `SELECT code, ST_AsGeoJSON(ST_ForcePolygonCCW(geom::geometry), 6)::json AS geometry FROM boundary WHERE code = ANY ($1::text[])`,
    [table.rows.map((r) => r.key)],
  )
  const outline = new Map(rows.map((r) => [r.code, r.geometry]))
  return {
    type: 'FeatureCollection',
    report: report.report,
    table: table.name,
    period: report.period,
    suppression: report.suppression,
    features: table.rows
      .filter((r) => outline.has(r.key))
      .map((r) => ({
        type: 'Feature',
        id: r.key,
        geometry: outline.get(r.key),
        properties: { code: r.key, name: r.label, ...Object.fromEntries(table.columns.map((c, i) => [c.key, r.cells[i] ?? null])) },
      })),
  }
}
