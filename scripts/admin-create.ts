// npm run admin:create -- email [--password-from-env]
// Creates an admin account on the configured database (applying migrations first). The
// password is generated and printed once, unless ADMIN_PASSWORD is set. With the embedded
// database, stop the service first: only one process may open its data directory.
import { AdminCreateError, createAdmin } from '../src/auth/admin.ts'
import { ConfigError, loadConfig } from '../src/config.ts'
import { migrate } from '../src/db/migrate.ts'
import { openDb } from '../src/db/open.ts'

const email = process.argv[2]
if (!email) {
  console.error('Usage: npm run admin:create -- email@example.org   (ADMIN_PASSWORD=... to choose the password)')
  process.exit(64)
}
try {
  const config = loadConfig()
  const db = await openDb(config.database)
  try {
    await migrate(db)
    const { password } = await createAdmin(db, email, process.env.ADMIN_PASSWORD || undefined, new Date())
    console.log(`Created admin ${email.trim().toLowerCase()}.`)
    if (!process.env.ADMIN_PASSWORD) console.log(`Password (shown once; change it after signing in): ${password}`)
  } finally {
    await db.close()
  }
} catch (error) {
  const known = error instanceof ConfigError || error instanceof AdminCreateError
  console.error(known ? (error as Error).message : `Could not create the admin: ${(error as Error).message}`)
  process.exit(1)
}
