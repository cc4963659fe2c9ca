// Also used by ingest: each record harvested from an ORUK feed is checked before it is used.
// The Open Referral UK 3.0 JSON Schemas, as the official validator uses them, loaded into ajv.
// The schemas declare no $schema; ORUK's OpenAPI document sets jsonSchemaDialect to 2020-12.
// Their $refs are absolute (https://openreferraluk.org/specifications/3.0/schema/<name>.json),
// so each file is registered under that URL and nothing is fetched.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

export const ORUK_DIR = fileURLToPath(new URL('./standard/', import.meta.url))
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

