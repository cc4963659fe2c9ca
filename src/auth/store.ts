/** Accounts, sessions, API tokens and the audit log in the database. */
import { createHash, randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import type { Queryable } from '../db/db.ts'
import { ROLES, type Role } from '../directory/vocabulary.ts'

export { ROLES, type Role }

/** Who is making a request: the account and, for editors, their organisations. */
export interface Principal {
  account_id: string
  email: string
  role: Role
  organization_ids: string[]
  /** A link worker's team (their episodes are the team's), or null. */
  team: { id: string; name: string } | null
  via: 'session' | 'token'
}

export interface AccountRow {
  id: string
  email: string
  role: Role
  password_hash: string | null
  disabled_at: Date | null
}

/** Hours a sign-in lasts. */
export const SESSION_HOURS = 8

export function newSecret(): string {
  return randomBytes(32).toString('base64url')
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

export async function findAccountByEmail(db: Queryable, email: string): Promise<AccountRow | undefined> {
  const { rows } = await db.query<AccountRow>(
    'SELECT id, email, role, password_hash, disabled_at FROM account WHERE email = $1',
    [email.trim().toLowerCase()],
  )
  return rows[0]
}

export async function createAccount(
  db: Queryable,
  a: { email: string; role: Role; passwordHash: string | null; organizationIds?: string[]; teamId?: string | null },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO account (email, role, password_hash, team_id) VALUES ($1, $2, $3, $4) RETURNING id',
    [a.email.trim().toLowerCase(), a.role, a.passwordHash, a.teamId ?? null],
  )
  const id = rows[0]!.id
  if (a.organizationIds?.length) {
    await db.query('INSERT INTO organization_member (account_id, organization_id) SELECT $1, unnest($2::uuid[])', [id, a.organizationIds])
  }
  return id
}

export async function setPassword(db: Queryable, accountId: string, passwordHash: string): Promise<void> {
  await db.query('UPDATE account SET password_hash = $2 WHERE id = $1', [accountId, passwordHash])
}

/** Starts a session; returns the secret for the cookie (only its hash is kept). */
export async function createSession(db: Queryable, accountId: string, now: Date): Promise<string> {
  const secret = newSecret()
  await db.query(
    `INSERT INTO auth_session (token_hash, account_id, created_at, expires_at)
     VALUES ($1, $2, $3, $3::timestamptz + make_interval(hours => $4))`,
    [hashSecret(secret), accountId, now.toISOString(), SESSION_HOURS],
  )
  return secret
}

export async function revokeSession(db: Queryable, secret: string, now: Date): Promise<void> {
  await db.query('UPDATE auth_session SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL', [hashSecret(secret), now.toISOString()])
}

/** Ends every live session of the account, except the one with this secret (if given). */
export async function revokeSessions(db: Queryable, accountId: string, now: Date, exceptSecret?: string): Promise<void> {
  await db.query(
    'UPDATE auth_session SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL AND token_hash IS DISTINCT FROM $3',
    [accountId, now.toISOString(), exceptSecret ? hashSecret(exceptSecret) : null],
  )
}

const PRINCIPAL_COLUMNS = `a.id AS account_id, a.email, a.role,
  ARRAY(SELECT m.organization_id FROM organization_member m WHERE m.account_id = a.id ORDER BY m.organization_id) AS organization_ids,
  (SELECT json_build_object('id', t.id, 'name', t.name) FROM team t WHERE t.id = a.team_id) AS team`

/** The account behind a live session cookie, if any. */
export async function principalForSession(db: Queryable, secret: string, now: Date): Promise<Principal | undefined> {
  const { rows } = await db.query<Omit<Principal, 'via'>>(
    `SELECT ${PRINCIPAL_COLUMNS}
       FROM auth_session s JOIN account a ON a.id = s.account_id
      WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND a.disabled_at IS NULL`,
    [hashSecret(secret), now.toISOString()],
  )
  return rows[0] && { ...rows[0], via: 'session' }
}

/** The account behind a live API token, if any; notes when it was last used. */
export async function principalForToken(db: Queryable, secret: string, now: Date): Promise<Principal | undefined> {
  const { rows } = await db.query<Omit<Principal, 'via'>>(
    `UPDATE api_token t SET last_used_at = $2
       FROM account a
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.id = t.account_id AND a.disabled_at IS NULL
      RETURNING ${PRINCIPAL_COLUMNS}`,
    [hashSecret(secret), now.toISOString()],
  )
  return rows[0] && { ...rows[0], via: 'token' }
}

export interface TokenSummary {
  id: string
  name: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

export async function createToken(db: Queryable, accountId: string, name: string, now: Date): Promise<{ id: string; token: string }> {
  // A recognisable prefix helps secret scanners spot a leaked token.
  const token = `cnr_${newSecret()}`
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO api_token (account_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
    [accountId, name, hashSecret(token), now.toISOString()],
  )
  return { id: rows[0]!.id, token }
}

export async function listTokens(db: Queryable, accountId: string): Promise<TokenSummary[]> {
  const { rows } = await db.query<{ id: string; name: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }>(
    'SELECT id, name, created_at, last_used_at, revoked_at FROM api_token WHERE account_id = $1 ORDER BY created_at, id',
    [accountId],
  )
  const iso = (d: Date | null) => (d === null ? null : d.toISOString())
  return rows.map((r) => ({ id: r.id, name: r.name, created_at: r.created_at.toISOString(), last_used_at: iso(r.last_used_at), revoked_at: iso(r.revoked_at) }))
}

/** Revokes one of the account's own tokens; false when it has no such live token. */
export async function revokeToken(db: Queryable, accountId: string, tokenId: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE api_token SET revoked_at = $3 WHERE id = $2 AND account_id = $1 AND revoked_at IS NULL',
    [accountId, tokenId, now.toISOString()],
  )
  return rowCount > 0
}

export interface AuditEntry {
  account_id?: string | null
  action: string
  outcome: 'success' | 'failure' | 'refused'
  email?: string | null
  ip?: string | null
  target_type?: string | null
  target_id?: string | null
  detail?: Record<string, unknown>
}

export async function audit(db: Queryable, e: AuditEntry, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (at, account_id, action, outcome, email, ip, target_type, target_id, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [now.toISOString(), e.account_id ?? null, e.action, e.outcome, e.email ?? null, e.ip ?? null, e.target_type ?? null, e.target_id ?? null, JSON.stringify(e.detail ?? {})],
  )
}

/** Rows an hour that refusals of nobody signed in may add before they are counted in one. */
export const ANONYMOUS_REFUSAL_ROWS_PER_HOUR = 1000

/**
 * Where a request came from, as anonymous refusals are counted: an IPv4 address, or an IPv6
 * address's /64 network (one household or host holds a whole /64 and can change addresses in it).
 */
export function clientNetwork(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped) return mapped[1]!
  if (isIP(ip) !== 6) return ip
  const [head = '', tail = ''] = ip.split('::')
  const left = head ? head.split(':') : []
  const right = ip.includes('::') && tail ? tail.split(':') : []
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`
}

/**
 * A refused request from nobody signed in: counted into the row of its network (clientNetwork)
 * for the same reason within the hour (detail.count, detail.last_at), or a new row; once an hour
 * has ANONYMOUS_REFUSAL_ROWS_PER_HOUR of them, into one row for every other address ('*').
 * Signed-in refusals are written one row each by `audit`. Two refusals at the same instant may
 * both start a row: a row or two more, never one per request.
 */
export async function auditAnonymousRefusal(db: Queryable, e: { ip: string; reason: string; method: string; route: string }, now: Date): Promise<void> {
  const count = (network: string) =>
    db.query(
      `UPDATE audit_log SET detail = detail || jsonb_build_object('count', coalesce((detail->>'count')::int, 1) + 1, 'last_at', $3::text)
        WHERE id = (SELECT id FROM audit_log
                     WHERE action = 'access' AND account_id IS NULL AND ip = $1 AND outcome = 'refused'
                       AND detail->>'reason' = $2 AND at > $3::timestamptz - interval '1 hour'
                     ORDER BY at DESC LIMIT 1)`,
      [network, e.reason, now.toISOString()],
    )
  let network = clientNetwork(e.ip)
  if ((await count(network)).rowCount > 0) return
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_log WHERE action = 'access' AND account_id IS NULL AND at > $1::timestamptz - interval '1 hour'`,
    [now.toISOString()],
  )
  if (rows[0]!.n >= ANONYMOUS_REFUSAL_ROWS_PER_HOUR) {
    network = '*'
    if ((await count(network)).rowCount > 0) return
  }
  await audit(db, { action: 'access', outcome: 'refused', ip: network, detail: { method: e.method, route: e.route, reason: e.reason, count: 1 } }, now)
}

/** Failed sign-ins for this email from this address in the last `minutes`. */
export async function recentFailures(db: Queryable, email: string, ip: string, now: Date, minutes: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_log
      WHERE action = 'sign_in' AND outcome = 'failure' AND email = $1 AND ip = $2
        AND at > $3::timestamptz - make_interval(mins => $4)`,
    [email.trim().toLowerCase(), ip, now.toISOString(), minutes],
  )
  return rows[0]!.n
}
