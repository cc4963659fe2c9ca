// npm run ingest -- SOURCE [--allow-loopback]: harvests one feed source (its id or its name)
// now, printing progress and the run's counts; exits 1 if the run failed. --allow-loopback lets
// a feed served on this machine (127.0.0.1) be harvested, for trying a feed out locally.
import { ConfigError, loadConfig } from '../src/config.ts'
import { migrate } from '../src/db/migrate.ts'
import { openDb } from '../src/db/open.ts'
import { findSource, harvest } from '../src/ingest/harvest.ts'

const args = process.argv.slice(2)
const name = args.find((a) => !a.startsWith('--'))
if (!name) {
  console.error('Usage: npm run ingest -- SOURCE [--allow-loopback]   (SOURCE: the id or name of a source an admin added)')
  process.exit(2)
}
try {
  const config = loadConfig()
  const db = await openDb(config.database)
  try {
    await migrate(db)
    const source = await findSource(db, name)
    if (!source) throw new Error(`There is no source called ${name}.`)
    const run = await harvest(db, source.id, { now: () => new Date(), trigger: 'command', policy: { allowLoopback: args.includes('--allow-loopback') }, log: (line) => console.log(line) })
    if (run.status === 'failed') process.exitCode = 1
  } finally {
    await db.close()
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Ingest failed: ${(error as Error).message}`)
  process.exit(1)
}
