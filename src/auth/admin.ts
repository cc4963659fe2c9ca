/** Creating the first admin, from the command line (`npm run admin:create -- email`). */
import type { Db } from '../db/db.ts'
import { hashPassword, passwordProblem } from './passwords.ts'
import { audit, createAccount, findAccountByEmail, newSecret } from './store.ts'

export class AdminCreateError extends Error {
  override name = 'AdminCreateError'
}

/**
 * Creates an admin account. Without a password one is generated (shown once, to be changed
 * after signing in). Refuses an email that already has an account, and a weak password.
 */
export async function createAdmin(db: Db, email: string, password: string | undefined, now: Date): Promise<{ id: string; password: string }> {
  const address = email.trim().toLowerCase()
  if (!/^[^@\s]+@[^@\s]+$/.test(address)) throw new AdminCreateError(`"${email}" is not an email address`)
  const chosen = password ?? newSecret().slice(0, 20)
  const problem = passwordProblem(chosen, address)
  if (problem) throw new AdminCreateError(`The password ${problem}`)
  const hash = await hashPassword(chosen)
  return db.transaction(async (tx) => {
    if (await findAccountByEmail(tx, address)) throw new AdminCreateError(`${address} already has an account`)
    const id = await createAccount(tx, { email: address, role: 'admin', passwordHash: hash })
    await audit(tx, { account_id: id, action: 'account_create', outcome: 'success', target_type: 'account', target_id: id, detail: { role: 'admin', by: 'command line' } }, now)
    return { id, password: chosen }
  })
}
