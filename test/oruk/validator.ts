// The ORUK 3.0 schema check (src/oruk/validate.ts) and the checks the schemas cannot make.
import { describeErrors, validate } from '../../src/oruk/validate.ts'

export { describeErrors, ORUK_DIR, SCHEMA_NAMES, validate } from '../../src/oruk/validate.ts'

/**
 * What the schemas cannot say: no object is its own parent, and a service_at_location is not
 * its location. Returns the problems found; empty when there are none.
 */
export function checkIdentities(data: unknown): string[] {
  const problems: string[] = []
  const walk = (value: unknown, pointer: string): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${pointer}/${i}`))
    if (!value || typeof value !== 'object') return
    const o = value as Record<string, unknown>
    if (o.id !== undefined && (o.parent_id === o.id || o.parent_organization_id === o.id)) problems.push(`${pointer || '/'} is its own parent`)
    const location = o.location as { id?: unknown } | undefined
    if (o.id !== undefined && location && (location.id === o.id || o.location_id === o.id)) {
      problems.push(`${pointer || '/'} has the id of its location`)
    }
    for (const [key, v] of Object.entries(o)) walk(v, `${pointer}/${key}`)
  }
  walk(data, '')
  return problems
}

export interface Page {
  total_items: number
  total_pages: number
  page_number: number
  size: number
  first_page: boolean
  last_page: boolean
  empty: boolean
  contents: unknown[]
}

/**
 * Our own rule for the page envelope, stricter than ORUK's fixtures (which do not add up):
 * the numbers agree with each other, with the items on the page and with per_page.
 */
export function checkPage(page: Page, perPage: number): string[] {
  const problems: string[] = []
  const n = page.contents.length
  const pages = Math.ceil(page.total_items / perPage)
  if (page.total_pages !== pages) problems.push(`total_pages ${page.total_pages}, expected ${pages}`)
  if (page.size !== n) problems.push(`size ${page.size} but ${n} items`)
  if (page.empty !== (n === 0)) problems.push(`empty ${page.empty} with ${n} items`)
  if (page.first_page !== (page.page_number === 1)) problems.push(`first_page ${page.first_page} on page ${page.page_number}`)
  if (page.last_page !== page.page_number >= page.total_pages) {
    problems.push(`last_page ${page.last_page} on page ${page.page_number} of ${page.total_pages}`)
  }
  const expected = Math.max(0, Math.min(perPage, page.total_items - (page.page_number - 1) * perPage))
  if (n !== expected) problems.push(`${n} items on page ${page.page_number}, expected ${expected}`)
  return problems
}

/** The check: schema errors and identity problems, as text; empty when the document conforms. */
export function conformance(schemaName: string, data: unknown): string {
  const errors = validate(schemaName, data)
  return [errors.length ? describeErrors(errors, data) : '', ...checkIdentities(data)].filter(Boolean).join('\n')
}
