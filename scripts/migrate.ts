// npm run migrate: applies pending migrations in sql/ to the configured database and exits.
// Fails loudly: any error exits non-zero with the reason.
import { ConfigError, loadConfig } from '../src/config.ts'
import { migrate, readMigrations } from '../src/db/migrate.ts'
import { openDb } from '../src/db/open.ts'

try {
  const config = loadConfig()
  const db = await openDb(config.database)
  try {
    const applied = await migrate(db)
    const total = readMigrations().length
    console.log(
      applied.length === 0
        ? `Database is up to date (${total} migrations).`
        : `Applied ${applied.length} migration(s): ${applied.map((m) => `${m.version}_${m.name}`).join(', ')}. ${total} in all.`,
    )
  } finally {
    await db.close()
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`)
  process.exit(1)
}
