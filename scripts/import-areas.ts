// npm run import:areas -- FILE.geojson|FILE.csv [...]
// Adds or replaces a local authority's areas: ONS-style GeoJSON boundaries (local authority
// districts with LADnnCD/NM; wards with WDnnCD/NM and LADnnCD; LSOAs with LSOAnnCD/NM) and
// profile CSVs (an area code column and population, population_65_plus, imd_rank, imd_decile;
// see src/geo/profiles.ts), and GP practice CSVs with their PCNs (NHS Digital's practice
// mapping file as it is; see src/geo/practices.ts). Name the files parents first: the
// authority, its wards and LSOAs, then their profiles. Each file is one transaction.
// (`npm run import:boundaries` is the same.)
import { readFileSync } from 'node:fs'
import { importBoundaries } from '../src/geo/boundaries.ts'
import { importPractices, isPracticeFile } from '../src/geo/practices.ts'
import { importProfiles } from '../src/geo/profiles.ts'
import { importFiles } from './import-files.ts'

await importFiles('npm run import:areas -- FILE.geojson|FILE.csv [...]', async (db, file) => {
  const text = readFileSync(file, 'utf8')
  if (/\.csv$/i.test(file) && isPracticeFile(text)) {
    const r = await importPractices(db, text)
    return `${r.practices} GP practices in ${r.pcns} primary care networks${r.unallocated ? ` (${r.unallocated} in none, left out)` : ''}`
  }
  if (/\.csv$/i.test(file)) {
    const r = await importProfiles(db, text)
    return `${r.imported} area profiles (${Object.entries(r.columns).map(([k, v]) => (k === v ? k : `${k} from ${v}`)).join(', ')})`
  }
  const r = await importBoundaries(db, text)
  return `${r.imported} ${r.kind === 'lsoa' ? 'LSOA' : r.kind.replace('_', ' ')} boundaries`
})
