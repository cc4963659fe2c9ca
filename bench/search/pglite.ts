/**
 * npm run bench:search:pglite [-- --runs 100 --seconds 20]
 *
 * Search and match on the embedded database (PGlite), as a small deployment runs them: the
 * Croydon demo directory loaded as `npm start` loads it, then each search shape (GET /api/search
 * query strings, as `searchDirectory` runs them) and each match profile (`matchForProfile`)
 * timed one at a time. Writes bench/results/search-pglite-<date>.md.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { migrate } from '../../src/db/migrate.ts'
import { createPgliteDb } from '../../src/db/pglite.ts'
import { DEMO_SEED, generateDemo } from '../../src/demo/generate.ts'
import { loadDemoIfEmpty } from '../../src/demo/load.ts'
import { loadShippedBoundariesIfEmpty } from '../../src/geo/boundaries.ts'
import { loadShippedPostcodesIfEmpty } from '../../src/geo/import.ts'
import { matchForProfile } from '../../src/match/service.ts'
import { MatchProfileSchema } from '../../src/matching/schemas.ts'
import { searchDirectory } from '../../src/search/search.ts'
import { machine } from '../lib/machine.ts'
import { codeState, timeRuns } from '../lib/runs.ts'
import { ms, summarize, type Summary } from '../lib/stats.ts'
import { parseShapeQuery } from './measure.ts'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
  },
})
const budget = { runs: Number(values.runs), seconds: Number(values.seconds), minRuns: 10, warmup: 5 }
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`)

/** The search benchmark's shapes, in central Croydon, where the demo directory is. */
const SHAPES = [
  { label: 'postcode + text + filters', query: 'postcode=CR0%201AA&q=knitting&radius_km=5&free=true&day=TU' },
  { label: 'postcode only', query: 'postcode=CR0%201AA&radius_km=5' },
  { label: 'text only', query: 'q=knitting' },
  { label: 'text with a typo', query: 'q=knittng' },
  { label: 'postcode + accessibility + age', query: 'postcode=CR0%201AA&accessibility=step_free,hearing_loop&age=75' },
]

/** The match benchmark's first three profiles, in central Croydon. */
const PROFILES = [
  {
    label: 'older, small groups, walk + bus',
    profile: { postcode: 'CR0 1AA', travel: { walk_km: 1.5, public_transport_minutes: 20 }, age: 75, interests: { terms: ['social-groups', 'arts-and-crafts'] }, preferences: { group_size: 'small', accompanied_first_visit: true } },
  },
  {
    label: 'new parent, pram, weekdays',
    profile: { postcode: 'CR0 1AA', travel: { walk_km: 1.2 }, age: 20, access: ['step_free'], availability: [{ days: ['MO', 'TU', 'WE', 'TH', 'FR'], from: '09:00', to: '17:00' }], interests: { terms: ['parent-and-baby'] }, preferences: { audiences: ['new_parents'] } },
  },
  {
    label: "men's groups + darts + housing",
    profile: { postcode: 'CR0 1AA', travel: { walk_km: 1, public_transport_minutes: 20 }, age: 50, gender: 'man', max_physical_intensity: 'moderate', practical_needs: ['housing'], interests: { terms: ['mens-groups'], text: ['darts', 'the pub'] }, preferences: { audiences: ['men'] } },
  },
]

const now = new Date()
const db = await createPgliteDb()
const rows: string[] = []
try {
  const t0 = performance.now()
  await migrate(db)
  await loadShippedPostcodesIfEmpty(db)
  await loadShippedBoundariesIfEmpty(db)
  const counts = await loadDemoIfEmpty(db, generateDemo({ seed: DEMO_SEED, now }))
  await db.query('ANALYZE')
  log(`demo directory loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`)
  const row = (kind: string, label: string, found: string, s: Summary) => {
    rows.push(`| ${kind} | ${label} | ${found} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${s.n} |`)
    log(`${kind} ${label}: ${found}; p50 ${ms(s.p50)} ms, p95 ${ms(s.p95)} ms (${s.n} runs)`)
  }
  for (const shape of SHAPES) {
    const q = parseShapeQuery(shape.query)
    const first = await searchDirectory(db, q, now)
    row('search', shape.label, `${first.total}${first.total_exact ? '' : ' or more'} listings`, summarize(await timeRuns(budget, () => searchDirectory(db, q, now))))
  }
  for (const p of PROFILES) {
    const profile = MatchProfileSchema.parse(p.profile)
    const first = await matchForProfile(db, profile, now, null)
    row('match', p.label, `${first.results.length} results, ${first.gaps.length} gaps`, summarize(await timeRuns(budget, () => matchForProfile(db, profile, now, null))))
  }
} finally {
  await db.close()
}

const m = machine()
const code = codeState()
const date = now.toISOString().slice(0, 10)
const markdown = [
  `# Search and match on PGlite, ${date}`,
  [
    `- Machine: ${m.cpus} × ${m.model}, ${m.memoryGb} GB memory, ${m.os}; Node ${m.node}`,
    `- Code: commit ${code.commit}` + (code.uncommitted.length === 0 ? '' : `, plus uncommitted changes to ${code.uncommitted.join(', ')}`),
    `- The embedded database in memory with the Croydon demo directory (seed ${DEMO_SEED}), loaded as \`npm start\` loads it; ` +
      `each search (\`searchDirectory\`: postcode lookup, typo correction, the search statement) and match (\`matchForProfile\`) ` +
      `one at a time, up to ${budget.runs} runs in ${budget.seconds} s after ${budget.warmup} warm-up runs.`,
  ].join('\n'),
  ['| kind | shape or profile | found | p50 (ms) | p95 | p99 | runs |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n'),
].join('\n\n') + '\n'
writeFileSync(new URL(`../results/search-pglite-${date}.md`, import.meta.url), markdown)
console.log(`\n${markdown}`)
