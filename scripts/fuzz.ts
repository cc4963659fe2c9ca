// npm run fuzz -- --requests 50000 [--seed N] [--consistency every-write|end] [--only TEXT]: the fuzz suite's
// generator run long against the demo directory, in an embedded database in memory, or in
// DATABASE_URL's database (which it writes to: use one kept for fuzzing). Prints counts by
// status and operation, every failure class with a reproduction, and the consistency check;
// exits 1 on any failure. --only runs just the operations whose key ('POST /api/auth/tokens') contains TEXT.
import { parseArgs } from 'node:util'
import { buildApp } from '../src/app.ts'
import { openDb } from '../src/db/open.ts'
import { createPgliteDb } from '../src/db/pglite.ts'
import { prepareFuzz } from '../test/fuzz/context.ts'
import { captureLog, formatReport, runFuzz } from '../test/fuzz/run.ts'
import { DATABASE_URL, FIXED_NOW, pgDatabase, testConfig } from '../test/helper.ts'

function usage(problem: string): never {
  console.error(`${problem}\nUsage: npm run fuzz -- [--requests N] [--seed N] [--consistency every-write|end] [--only 'POST /api/auth/tokens']`)
  process.exit(2)
}

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    seed: { type: 'string' },
    consistency: { type: 'string', default: 'every-write' },
    only: { type: 'string' },
  },
})
const requests = Number(values.requests)
if (!Number.isInteger(requests) || requests < 1) usage(`--requests must be a whole number above 0 (got ${values.requests})`)
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed)
if (!Number.isInteger(seed)) usage(`--seed must be a whole number (got ${values.seed})`)
const consistency = values.consistency
if (consistency !== 'every-write' && consistency !== 'end') usage(`--consistency must be every-write or end (got ${consistency})`)

const database = DATABASE_URL ? pgDatabase(DATABASE_URL) : ({ kind: 'pglite', dataDir: '(in memory)' } as const)
console.log(`fuzz: seed ${seed}, ${requests} requests, on ${DATABASE_URL ? new URL(DATABASE_URL).pathname.slice(1) : 'an embedded database in memory'}`)
console.log(`repeat with: npm run fuzz -- --requests ${requests} --seed ${seed}${consistency === 'end' ? ' --consistency end' : ''}`)

const started = Date.now()
// The app migrates, loads the shipped postcodes and boundaries, and (into an empty directory)
// the demo, as a first start does; the clock is the tests' fixed one, as the demo assumes.
const db = DATABASE_URL ? await openDb(database) : await createPgliteDb()
const log = captureLog()
const app = await buildApp(testConfig(database, { logLevel: 'warn', demoData: { enabled: true, seed: undefined } }), {
  db,
  now: () => FIXED_NOW,
  logStream: log.stream,
})
try {
  await app.ready()
  const ctx = await prepareFuzz(app)
  console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const report = await runFuzz(app, ctx, log, { seed, requests, consistency, only: values.only, progress: (line) => console.log(line) })
  console.log(formatReport(report))
  process.exitCode = report.failures.length > 0 || report.consistency.length > 0 ? 1 : 0
} finally {
  await app.close()
  await db.close()
}
