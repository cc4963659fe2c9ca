// npm run import:boundaries -- FILE.geojson [FILE.geojson ...]
// Adds or replaces boundaries (England, local authority districts, wards) from ONS-style GeoJSON:
// features with CTRYnnCD/NM, LADnnCD/NM, or WDnnCD/NM and LADnnCD properties. Import a local
// authority file before its wards. Each file is one transaction.
import { readFileSync } from 'node:fs'
import { ConfigError, loadConfig } from '../src/config.ts'
import { migrate } from '../src/db/migrate.ts'
import { openDb } from '../src/db/open.ts'
import { importBoundaries } from '../src/geo/boundaries.ts'

const files = process.argv.slice(2)
if (files.length === 0) {
  console.error('usage: npm run import:boundaries -- FILE.geojson [FILE.geojson ...]')
  process.exit(2)
}
try {
  const db = await openDb(loadConfig().database)
  try {
    await migrate(db)
    for (const file of files) {
      const r = await importBoundaries(db, readFileSync(file, 'utf8'))
      console.log(`${file}: ${r.imported} ${r.kind.replace('_', ' ')} boundaries`)
    }
  } finally {
    await db.close()
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Import failed: ${(error as Error).message}`)
  process.exit(1)
}
