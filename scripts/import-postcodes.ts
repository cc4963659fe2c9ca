// npm run import:postcodes -- FILE [FILE...]
// Imports the ONS Postcode Directory (or NSPL, or an outcode-centroid CSV) into the configured
// database. Each file is one transaction; a file with an unknown header is refused whole.
import { importPostcodeFile } from '../src/geo/import.ts'
import { importFiles } from './import-files.ts'

await importFiles('npm run import:postcodes -- FILE.csv [FILE.csv ...]', async (db, file) => {
  const started = Date.now()
  const r = await importPostcodeFile(db, file)
  const reasons = Object.entries(r.reasons).map(([reason, n]) => `${n} ${reason}`).join(', ')
  return `${r.layout}, ${r.imported} imported, ${r.skipped} skipped${reasons ? ` (${reasons})` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`
})
