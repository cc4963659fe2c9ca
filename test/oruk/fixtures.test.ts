// The conformance check itself, on the official validator's own fixtures: the passing set
// passes and the failing set fails, so a green run over our API means something.
import { readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { conformance, ORUK_DIR, SCHEMA_NAMES, validate } from './validator.ts'

const FIXTURES = `${ORUK_DIR}validator-fixtures/`

function read(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'))
}

/** The ORUK schema a fixture file answers to: service_full.json → service, and so on. */
function schemaOf(file: string): string | undefined {
  const name = file.replace(/\.json$/, '').replace(/_full$/, '')
  return SCHEMA_NAMES.includes(name) ? name : undefined
}

/**
 * Failing fixtures no check of one document can fail: each is identical to a passing fixture
 * or to ORUK's own published example (the official validator fails them by comparing across
 * requests, e.g. the id asked for against the id returned).
 */
const INDISTINGUISHABLE: Record<string, string> = {
  'organization_full.json': 'V3.0-UK-Default/organization.json',
  'taxonomy.json': 'V3.0-UK-Default/taxonomy.json',
  'taxonomy_list.json': 'V3.0-UK-Default/taxonomy_list.json',
  'organization_list.json': '../3.0/examples/organization_list.json',
  'service_at_location_list.json': '../3.0/examples/service_at_location_list.json',
}

t.test('every ORUK 3.0 schema file loads and compiles', async (t) => {
  t.ok(SCHEMA_NAMES.length >= 25, `${SCHEMA_NAMES.length} schemas`)
  for (const name of SCHEMA_NAMES) t.doesNotThrow(() => validate(name, {}), name)
})

t.test('V3.0-UK-Default fixtures pass the check', async (t) => {
  const files = readdirSync(`${FIXTURES}V3.0-UK-Default`).filter((f) => schemaOf(f))
  t.ok(files.length >= 11, `${files.length} fixtures`)
  for (const file of files) {
    t.equal(conformance(schemaOf(file)!, read(`${FIXTURES}V3.0-UK-Default/${file}`)), '', `${file} conforms`)
  }
})

t.test('V3.0-UK-Fail fixtures fail the check, unless no single document can show it', async (t) => {
  const files = readdirSync(`${FIXTURES}V3.0-UK-Fail`)
  const failing: string[] = []
  for (const file of files) {
    const schema = schemaOf(file)
    t.ok(schema, `${file} has a schema`)
    const data = read(`${FIXTURES}V3.0-UK-Fail/${file}`)
    const twin = INDISTINGUISHABLE[file]
    if (twin) {
      t.same(data, read(`${FIXTURES}${twin}`), `${file} is identical to ${twin}`)
      t.equal(conformance(schema!, data), '', `${file} conforms, as its twin does`)
      continue
    }
    const report = conformance(schema!, data)
    t.not(report, '', `${file} fails: ${report.split('\n')[0]}`)
    failing.push(file)
  }
  t.same(failing.sort(), [
    'api_details.json',
    'service_at_location_full.json',
    'service_full.json',
    'service_list.json',
    'taxonomy_term.json',
    'taxonomy_term_list.json',
  ])
})

t.test('the check names the place and the value that fail', async (t) => {
  const report = conformance('service', read(`${FIXTURES}V3.0-UK-Fail/service_full.json`))
  t.match(report, /\/url must match format "uri".*value: "example\/counselling"/)
  t.match(report, /\/email must match format "email"/)
  t.match(conformance('taxonomy_term_list', read(`${FIXTURES}V3.0-UK-Fail/taxonomy_term_list.json`)), /\/contents\/0 is its own parent/)
})
