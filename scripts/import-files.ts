// The shared shape of the import commands: each file named on the command line is imported
// into the configured database (migrated first), one at a time; any failure exits non-zero.
import { ConfigError, loadConfig } from '../src/config.ts'
import type { Db } from '../src/db/db.ts'
import { migrate } from '../src/db/migrate.ts'
import { openDb } from '../src/db/open.ts'

export async function importFiles(usage: string, importOne: (db: Db, file: string) => Promise<string>): Promise<void> {
  const files = process.argv.slice(2)
  if (files.length === 0) {
    console.error(`usage: ${usage}`)
    process.exit(2)
  }
  try {
    const db = await openDb(loadConfig().database)
    try {
      await migrate(db)
      for (const file of files) console.log(`${file}: ${await importOne(db, file)}`)
    } finally {
      await db.close()
    }
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : `Import failed: ${(error as Error).message}`)
    process.exit(1)
  }
}
