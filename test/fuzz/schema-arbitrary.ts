/**
 * JSON Schema → fast-check arbitrary: values a schema accepts, or nearly (oneOf is treated as
 * anyOf, and formats are approximated), for the keywords the service's OpenAPI document uses:
 * type, properties, required, enum, const, anyOf/oneOf, items/prefixItems, minItems/maxItems,
 * format (uuid, email, date, date-time, uri), minLength/maxLength, pattern, minimum/maximum,
 * exclusiveMinimum/exclusiveMaximum and multipleOf. There is no well-kept library for this.
 *
 * Hints give realistic values by property name (real activity codes for `taxonomy_terms`, real
 * postcodes for `postcode`): a random string matching /^[a-z][a-z0-9-]*$/ almost never names
 * a real activity, and requests that only ever fail validation never reach the code behind it.
 */
import fc from 'fast-check'

/** The part of JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it) this module reads. */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  items?: JsonSchema | false
  prefixItems?: JsonSchema[]
  minItems?: number
  maxItems?: number
  format?: string
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  multipleOf?: number
  default?: unknown
  description?: string
}

/** Realistic values by property (or parameter) name; array items take their array's name. */
export type Hints = Readonly<Record<string, fc.Arbitrary<unknown>>>

export interface SchemaOptions {
  hints?: Hints
  /** The property or parameter name the schema is for (to look up a hint). */
  name?: string
}

/** Arrays are kept short and strings modest: huge ones are the hostile values' job. */
const MAX_ITEMS = 4
const MAX_STRING = 40

/** A simple address both the service's email patterns accept. */
const email = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,9}(\.[a-z0-9]{1,6})?$/), fc.stringMatching(/^[a-z]{2,10}$/), fc.constantFrom('org', 'org.uk', 'com'))
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`)

const instant = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-12-31T23:59:59Z'), noInvalidDate: true })

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0
  const maxLength = schema.maxLength ?? Math.max(minLength, MAX_STRING)
  const fits = (s: string) => s.length >= minLength && s.length <= maxLength
  switch (schema.format) {
    case 'uuid':
      return fc.uuid()
    case 'email':
      return email.filter(fits)
    case 'date-time':
      return instant.map((d) => d.toISOString())
    case 'date':
      return instant.map((d) => d.toISOString().slice(0, 10))
    case 'uri':
      return fc.webUrl().filter(fits)
  }
  if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern)).filter(fits)
  const capped = { minLength, maxLength: Math.min(maxLength, Math.max(minLength, MAX_STRING)) }
  // Mostly readable text, sometimes any Unicode: both are valid, and both reach the database.
  return fc.oneof({ arbitrary: fc.string(capped), weight: 3 }, { arbitrary: fc.string({ ...capped, unit: 'grapheme' }), weight: 1 })
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const low = schema.exclusiveMinimum ?? schema.minimum
  const high = schema.exclusiveMaximum ?? schema.maximum
  if (integer || schema.multipleOf !== undefined) {
    const step = schema.multipleOf ?? 1
    // Safe integers only: the document spells "any integer" as ±(2^53 - 1).
    let min = Math.ceil((low ?? -1_000_000) / step)
    let max = Math.floor((high ?? 1_000_000) / step)
    if (schema.exclusiveMinimum !== undefined && min * step <= schema.exclusiveMinimum) min++
    if (schema.exclusiveMaximum !== undefined && max * step >= schema.exclusiveMaximum) max--
    const decimals = (String(step).split('.')[1] ?? '').length
    return fc.integer({ min, max }).map((k) => (decimals > 0 ? Number((k * step).toFixed(decimals)) : k * step))
  }
  return fc.double({
    min: low ?? -1e6,
    max: high ?? 1e6,
    minExcluded: schema.exclusiveMinimum !== undefined,
    maxExcluded: schema.exclusiveMaximum !== undefined,
    noNaN: true,
    noDefaultInfinity: true,
  })
}

function arrayArbitrary(schema: JsonSchema, options: SchemaOptions): fc.Arbitrary<unknown[]> {
  if (schema.prefixItems && schema.items === false) return fc.tuple(...schema.prefixItems.map((s) => arbitraryFor(s, options)))
  const item = schema.items ? arbitraryFor(schema.items, options) : fc.jsonValue({ maxDepth: 1 })
  const minLength = schema.minItems ?? 0
  return fc.array(item, { minLength, maxLength: Math.min(schema.maxItems ?? MAX_ITEMS, Math.max(minLength, MAX_ITEMS)) })
}

function objectArbitrary(schema: JsonSchema, options: SchemaOptions): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {}
  const model = Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, arbitraryFor(s, { ...options, name: key })]))
  return fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in properties) })
}

function byType(type: string, schema: JsonSchema, options: SchemaOptions): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null)
    case 'boolean':
      return fc.boolean()
    case 'integer':
      return numberArbitrary(schema, true)
    case 'number':
      return numberArbitrary(schema, false)
    case 'string':
      return stringArbitrary(schema)
    case 'array':
      return arrayArbitrary(schema, options)
    case 'object':
      return objectArbitrary(schema, options)
    default:
      throw new Error(`JSON Schema type ${type} is not one this generator knows`)
  }
}

/** Values for `schema`: by its keywords, mixed with the hint for its name when there is one. */
export function arbitraryFor(schema: JsonSchema, options: SchemaOptions = {}): fc.Arbitrary<unknown> {
  const fromSchema = schemaOnly(schema, options)
  const hint = options.name === undefined ? undefined : options.hints?.[options.name]
  // Leave arrays and objects to their items and properties: hints are for single values.
  const scalar = schema.type !== 'array' && schema.type !== 'object'
  return hint && scalar ? fc.oneof({ arbitrary: hint, weight: 3 }, { arbitrary: fromSchema, weight: 1 }) : fromSchema
}

function schemaOnly(schema: JsonSchema, options: SchemaOptions): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...schema.enum)
  const choices = schema.anyOf ?? schema.oneOf
  if (choices) return fc.oneof(...choices.map((s) => arbitraryFor(s, options)))
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((t) => byType(t, schema, options)))
  if (schema.type !== undefined) return byType(schema.type, schema, options)
  if (schema.properties) return objectArbitrary(schema, options)
  return fc.jsonValue({ maxDepth: 2 })
}
