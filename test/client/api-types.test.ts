import { readFileSync } from 'node:fs'
import t from 'tap'
import { API_TYPES_FILE, generateApiTypes } from '../../src/client/generate.ts'
import { buildTestApp } from '../helper.ts'

t.test('src/client/api-types.ts is what openapi-typescript makes of /docs/openapi.json today', async (t) => {
  const app = await buildTestApp(t)
  const fresh = await generateApiTypes(app)
  const committed = readFileSync(API_TYPES_FILE, 'utf8')
  t.ok(fresh === committed, 'up to date (if not: npm run gen:types, and commit the result)')
  t.match(committed, /"\/api\/search": \{/)
  t.match(committed, /group_size: "one_to_one" \| "small" \| "large"/)
})
