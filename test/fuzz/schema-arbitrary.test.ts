// The fuzz suite's JSON Schema → fast-check mapping, checked against an independent validator
// (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it): what it generates for every request body
// and parameter of the service's OpenAPI document is valid by that schema. Hints are left out:
// they stand in real values (activity codes, postcodes) on purpose, valid or not.
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import fc from 'fast-check'
import t from 'tap'
import { buildTestApp } from '../helper.ts'
import { operationsOf, type OpenApiDocument } from './requests.ts'
import { arbitraryFor } from './schema-arbitrary.ts'

// ajv-formats is CommonJS with `exports.default`: under NodeNext the default import is the module.
const addFormats = addFormatsModule.default

t.test('every request schema of the OpenAPI document: generated values are valid by it', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  // multipleOf 0.1 in floating point (0.3 / 0.1 = 2.9999…) needs a tolerance, as zod has.
  const ajv = new Ajv2020({ strict: false, allErrors: true, multipleOfPrecision: 9 })
  addFormats(ajv)
  const schemas = operationsOf(app.swagger() as unknown as OpenApiDocument).flatMap((op) => [
    ...(op.body ? [{ where: `${op.key} body`, schema: op.body }] : []),
    ...op.query.map((p) => ({ where: `${op.key} ?${p.name}`, schema: p.schema })),
  ])
  t.ok(schemas.length >= 50, `${schemas.length} request body and query parameter schemas`)
  for (const { where, schema } of schemas) {
    const validate = ajv.compile(schema)
    const invalid = fc.sample(arbitraryFor(schema), { seed: 16, numRuns: 30 }).filter((v) => !validate(v))
    t.same(invalid.map((v) => ({ value: JSON.stringify(v)?.slice(0, 300), errors: (validate(v), ajv.errorsText(validate.errors)) })), [], where)
  }
})
