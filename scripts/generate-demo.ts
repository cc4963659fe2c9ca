/**
 * Writes the Croydon demo directory as JSON.
 *   npx tsx scripts/generate-demo.ts [--seed N] [--now ISO] [--out FILE]
 * Without --out the JSON goes to stdout; row counts per table always go to stderr.
 * Without --now the current time is used (the data's dates are relative to it).
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { DEMO_SEED, DEMO_TABLES, generateDemo } from '../src/demo/generate.ts'

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
for (const table of DEMO_TABLES) process.stderr.write(`${table.padEnd(22)} ${data[table].length}\n`)
