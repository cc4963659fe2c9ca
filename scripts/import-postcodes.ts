// npm run import:postcodes -- FILE [FILE...]
// Imports the ONS Postcode Directory (or NSPL, or an outcode-centroid CSV) into the configured
// database. Each file is one transaction; a file with an unknown header is refused whole.
import { ConfigError, loadConfig } from '../src/config.ts'
import { migrate } from '../src/db/migrate.ts'
import { openDb } from '../src/db/open.ts'
import { importPostcodeFile } from '../src/geo/import.ts'

const files = process.argv.slice(2)
if (files.length === 0) {
  console.error('usage: npm run import:postcodes -- FILE.csv [FILE.csv ...]')
  process.exit(2)
}
try {
  const db = await openDb(loadConfig().database)
  try {
    await migrate(db)
    for (const file of files) {
      const started = Date.now()
      const r = await importPostcodeFile(db, file)
      const reasons = Object.entries(r.reasons).map(([reason, n]) => `${n} ${reason}`).join(', ')
      console.log(`${file}: ${r.layout}, ${r.imported} imported, ${r.skipped} skipped${reasons ? ` (${reasons})` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    }
  } finally {
    await db.close()
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Import failed: ${(error as Error).message}`)
  process.exit(1)
}
