/**
 * A report's filters made real: the period (default the year to today), the activity type and
 * area looked up, and every refusal a 422 problem naming the parameter.
 */
import type { FastifyError, FastifyRequest } from 'fastify'
import type { Queryable } from '../db/db.ts'
import { addDays } from '../matching/sessions.ts'
import { Invalid, validationErrors } from '../problem.ts'
import type { AreaLevel, ReportName, ReportQuery } from './schemas.ts'

export interface Filters {
  from: string
  to: string
  activity: { code: string; name: string } | null
  need: NonNullable<ReportQuery['need']> | null
  barrier: NonNullable<ReportQuery['barrier']> | null
  area: { code: string; name: string; kind: 'local_authority' | 'ward' } | null
  level: AreaLevel
  /** The one table wanted (a download), or undefined for all of them: the others' queries are not run. */
  only?: string
}

/** Whether the report's table of this name is wanted. */
export const wants = (f: Filters, table: string): boolean => f.only === undefined || f.only === table

/** The longest period a report covers. */
export const MAX_YEARS = 5

const refuse = (parameter: string, detail: string) => new Invalid(detail, [{ in: 'querystring', pointer: `/${parameter}`, detail }])

/** The reports that can take each filter beyond the period, activity type and area. */
const ONLY_UNMET_NEED = ['need', 'barrier'] as const

/** A query that did not match its schema (an unknown barrier, a date that is not one): 422 naming each parameter. */
export function refuseValidation(request: FastifyRequest): void {
  const error = request.validationError
  if (!error) return
  const errors = validationErrors({ validation: (error as { validation?: FastifyError['validation'] }).validation, validationContext: 'querystring' })
  const names = [...new Set(errors.map((e) => e.pointer.slice(1) || 'the query'))]
  throw new Invalid(`Not a value this report knows: ${names.join(', ')}.`, errors)
}

const addYears = (date: string, years: number) => {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCFullYear(d.getUTCFullYear() + years)
  return d.toISOString().slice(0, 10)
}

export async function resolveFilters(db: Queryable, report: ReportName, query: ReportQuery, today: string): Promise<Filters> {
  const to = query.to ?? today
  const from = query.from ?? addDays(addYears(to, -1), 1)
  if (from > to) throw refuse('to', `The period ends (${to}) before it starts (${from}).`)
  if (from < addYears(to, -MAX_YEARS)) throw refuse('from', `The period is longer than ${MAX_YEARS} years: choose a later start.`)
  for (const name of ONLY_UNMET_NEED) {
    if (query[name] !== undefined && report !== 'unmet-need') throw refuse(name, `The ${report} report cannot be filtered by ${name}: only the unmet need report can.`)
  }
  let activity: Filters['activity'] = null
  if (query.activity_type !== undefined) {
    const { rows } = await db.query<{ code: string; name: string }>('SELECT code, name FROM taxonomy_term WHERE code = $1', [query.activity_type])
    if (!rows[0]) throw refuse('activity_type', `There is no activity type with the code "${query.activity_type}".`)
    activity = rows[0]
  }
  let area: Filters['area'] = null
  if (query.area !== undefined) {
    const { rows } = await db.query<NonNullable<Filters['area']>>(`SELECT code, name, kind FROM boundary WHERE code = $1 AND kind IN ('local_authority', 'ward')`, [query.area])
    if (!rows[0]) throw refuse('area', `There is no local authority or ward with the code "${query.area}".`)
    area = rows[0]
  }
  return { from, to, activity, need: query.need ?? null, barrier: query.barrier ?? null, area, level: query.area_level }
}
