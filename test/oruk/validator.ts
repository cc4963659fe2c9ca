// The Open Referral UK 3.0 JSON Schemas, as the official validator uses them, loaded into ajv.
// The schemas declare no $schema; ORUK's OpenAPI document sets jsonSchemaDialect to 2020-12.
// Their $refs are absolute (https://openreferraluk.org/specifications/3.0/schema/<name>.json),
// so each file is registered under that URL and nothing is fetched.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

export const ORUK_DIR = fileURLToPath(new URL('../../src/oruk/standard/', import.meta.url))
const SCHEMA_DIR = `${ORUK_DIR}3.0/schema/`
const SCHEMA_BASE = 'https://openreferraluk.org/specifications/3.0/schema/'

// ajv-formats is CommonJS with `exports.default`: under NodeNext the default import is the module.
const addFormats = addFormatsModule.default

// strict: false because the schemas carry Frictionless Data keywords (name, constraints, core...).
const ajv = new Ajv2020({ strict: false, allErrors: true })
addFormats(ajv)

export const SCHEMA_NAMES = readdirSync(SCHEMA_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort()

for (const name of SCHEMA_NAMES) {
  ajv.addSchema(JSON.parse(readFileSync(`${SCHEMA_DIR}${name}.json`, 'utf8')), `${SCHEMA_BASE}${name}.json`)
}

/** Errors of `data` against ORUK's `<schemaName>.json` (e.g. 'service'); empty when it conforms. */
export function validate(schemaName: string, data: unknown): ErrorObject[] {
  const check = ajv.getSchema(`${SCHEMA_BASE}${schemaName}.json`)
  if (!check) throw new Error(`No ORUK schema named ${schemaName}; have ${SCHEMA_NAMES.join(', ')}`)
  return check(data) ? [] : [...(check.errors ?? [])]
}

/** The value at a JSON Pointer, to show what an error is about. */
function at(data: unknown, pointer: string): unknown {
  let value = data
  for (const part of pointer.split('/').slice(1)) {
    value = (value as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')]
  }
  return value
}

/** One line per error: where, what is wrong, and the offending value. */
export function describeErrors(errors: readonly ErrorObject[], data: unknown, limit = 5): string {
  const lines = errors.slice(0, limit).map((e) => {
    const value = JSON.stringify(at(data, e.instancePath)) ?? 'undefined'
    return `${e.instancePath || '/'} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)} (schema ${e.schemaPath}); value: ${value.slice(0, 200)}`
  })
  if (errors.length > limit) lines.push(`... and ${errors.length - limit} more`)
  return lines.join('\n')
}

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
