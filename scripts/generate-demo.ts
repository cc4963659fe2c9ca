/**
 * Writes the Croydon demo directory as JSON: its organisations' documents, each with its
 * listings' service documents and when each was confirmed (what the loader creates them from).
 *   npx tsx scripts/generate-demo.ts [--seed N] [--now ISO] [--out FILE]
 * Without --out the JSON goes to stdout; counts always go to stderr.
 * Without --now the current time is used (the data's dates are relative to it).
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { DEMO_SEED, demoListings, generateDemo } from '../src/demo/generate.ts'

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    now: { type: 'string' },
    out: { type: 'string' },
  },
  strict: true,
})

const seed = values.seed === undefined ? DEMO_SEED : Number(values.seed)
if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`)
const now = values.now === undefined ? new Date() : new Date(values.now)
if (Number.isNaN(now.getTime())) throw new Error(`--now must be an ISO date-time, got ${values.now}`)

const data = generateDemo({ seed, now })
const json = `${JSON.stringify(data, null, 2)}\n`
if (values.out) writeFileSync(values.out, json)
else process.stdout.write(json)

process.stderr.write(`seed ${seed}, now ${now.toISOString()}\n`)
const services = demoListings(data).map((s) => s.document)
const counts = {
  organisations: data.organizations.length,
  listings: services.length,
  venues: services.reduce((n, s) => n + s.locations.length, 0),
  schedules: services.reduce((n, s) => n + s.schedules.length, 0),
  'service areas': services.reduce((n, s) => n + s.service_areas.length, 0),
}
for (const [what, n] of Object.entries(counts)) process.stderr.write(`${what.padEnd(14)} ${n}\n`)
