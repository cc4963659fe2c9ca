/**
 * Passwords as NCSC and NIST SP 800-63B advise: at least 8 characters, long ones welcome (up
 * to 256), no composition rules, refused when on a list of common passwords; stored as
 * argon2id hashes.
 */
import { dictionary } from '@zxcvbn-ts/language-common'
import argon2 from 'argon2'
import { Invalid } from '../problem.ts'

export const MIN_PASSWORD = 8
export const MAX_PASSWORD = 256

// About 49,000 of the most common passwords, from zxcvbn-ts's maintained list.
const COMMON = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()))

/** Why a new password is not acceptable, or null when it is. */
export function passwordProblem(password: string, email: string): string | null {
  const length = [...password].length
  if (length < MIN_PASSWORD) return `must be at least ${MIN_PASSWORD} characters`
  if (length > MAX_PASSWORD) return `must be at most ${MAX_PASSWORD} characters`
  const lower = password.toLowerCase()
  if (COMMON.has(lower)) return 'is one of the most commonly used passwords; choose another'
  if (lower === email.toLowerCase() || lower === email.toLowerCase().split('@')[0]) return 'must not be your email address'
  return null
}

/** Throws a 422 naming the body field when a new password is not acceptable. */
export function assertPasswordAcceptable(password: string, email: string, field: 'password' | 'new_password'): void {
  const problem = passwordProblem(password, email)
  if (problem) {
    throw new Invalid(`The ${field === 'new_password' ? 'new password' : 'password'} ${problem}.`, [{ in: 'body', pointer: `/${field}`, detail: problem }])
  }
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id })
}

// Verified against when the account does not exist, so a wrong email costs as long as a wrong password.
const DUMMY_HASH = hashPassword('not a real password, only for timing')

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (hash === null) {
    await argon2.verify(await DUMMY_HASH, password)
    return false
  }
  return argon2.verify(hash, password)
}
