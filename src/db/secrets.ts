import { randomBytes } from 'node:crypto'
import type { Queryable } from './db.ts'

/**
 * A 32-byte key the service makes for itself on first use and keeps in the database
 * (`app_secret`), so every instance and every restart uses the same one.
 */
export async function appSecret(db: Queryable, name: string): Promise<Buffer> {
  await db.query(`INSERT INTO app_secret (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [name, randomBytes(32).toString('hex')])
  const { rows } = await db.query<{ value: string }>(`SELECT value FROM app_secret WHERE name = $1`, [name])
  return Buffer.from(rows[0]!.value, 'hex')
}
