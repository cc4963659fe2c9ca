// npm run import:boundaries -- FILE.geojson [FILE.geojson ...]
// Adds or replaces England's boundaries (local authority districts, wards) from ONS-style
// GeoJSON: features with LADnnCD/NM, or WDnnCD/NM and LADnnCD properties. Import a local
// authority file before its wards. Each file is one transaction.
import { readFileSync } from 'node:fs'
import { importBoundaries } from '../src/geo/boundaries.ts'
import { importFiles } from './import-files.ts'

await importFiles('npm run import:boundaries -- FILE.geojson [FILE.geojson ...]', async (db, file) => {
  const r = await importBoundaries(db, readFileSync(file, 'utf8'))
  return `${r.imported} ${r.kind.replace('_', ' ')} boundaries`
})
