// npm run gen:types: writes src/client/api-types.ts from the OpenAPI document the app serves.
// The app is built over an in-memory embedded database (routes need one to register).
import { writeFileSync } from 'node:fs'
import { buildApp } from '../src/app.ts'
import { API_TYPES_FILE, generateApiTypes } from '../src/client/generate.ts'
import { loadConfig } from '../src/config.ts'
import { createPgliteDb } from '../src/db/pglite.ts'

const db = await createPgliteDb()
const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', DEMO_DATA: 'off' }), { db })
try {
  writeFileSync(API_TYPES_FILE, await generateApiTypes(app))
  console.log(`wrote ${API_TYPES_FILE.pathname}`)
} finally {
  await app.close()
  await db.close()
}
