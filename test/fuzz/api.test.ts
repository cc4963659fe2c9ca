// The fuzz suite in `npm test`: requests generated from the OpenAPI document for every
// operation, valid and hostile, anonymous and as each role, and the web pages' forms posted
// back mutated, against the demo directory. Seeded and bounded (about 2,000 requests, some 30 s
// on two busy cores); `npm run fuzz -- --requests 50000` runs the same generator for longer.
// FUZZ_SEED and FUZZ_REQUESTS override the seed and the count.
import t from 'tap'
import { buildTestApp } from '../helper.ts'
import { prepareFuzz } from './context.ts'
import { operationsOf, type OpenApiDocument } from './requests.ts'
import { captureLog, formatReport, runFuzz } from './run.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 16_2026)
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2_000)

t.test('fuzz: every operation and form answers below 500, every error is problem+json (a page for forms), the database stays consistent', async (t) => {
  const log = captureLog()
  const app = await buildTestApp(t, { demo: true, config: { logLevel: 'warn' }, deps: { logStream: log.stream } })
  const ctx = await prepareFuzz(app)
  t.comment(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} FUZZ_REQUESTS=${REQUESTS} to repeat this run)`)
  const report = await runFuzz(app, ctx, log, { seed: SEED, requests: REQUESTS, consistency: 'every-write' })
  t.comment(formatReport(report))

  for (const [target, counts] of Object.entries(report.byTarget)) {
    const sent = Object.values(counts).reduce((a, b) => a + b, 0)
    const failures = report.failures.filter((f) => f.target === target).map((f) => `${f.signature}\n  ${f.reproduction}`)
    const rules = target.startsWith('FORM ') ? 'every error a page' : 'every error problem+json'
    t.same(failures, [], `${target}: ${sent} requests, none answered 5xx, ${rules}, none left damage`)
  }
  const operations = operationsOf(app.swagger() as unknown as OpenApiDocument).map((op) => op.key)
  t.same(operations.filter((op) => !(op in report.byTarget)), [], `every one of the ${operations.length} operations was sent requests`)
  t.same(report.consistency, [], 'the database is consistent after the run')
})
