/** Invitations and password resets: single-use, expiring links sent by email. */
import type { Queryable } from '../db/db.ts'
import { queueMail } from '../mail/outbox.ts'
import { hashSecret, newSecret, type Role } from './store.ts'

export const INVITATION_DAYS = 7
export const RESET_MINUTES = 60

export interface InvitationRow {
  email: string
  role: Role
  organization_id: string | null
  /** A link worker's team, chosen by the admin who invited them. */
  team_id: string | null
}

export async function createInvitation(
  db: Queryable,
  inv: InvitationRow & { invited_by: string | null; organization_name: string | null },
  publicUrl: string,
  now: Date,
): Promise<void> {
  const secret = newSecret()
  await db.query(
    `INSERT INTO invitation (token_hash, email, role, organization_id, team_id, invited_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7::timestamptz + make_interval(days => $8))`,
    [hashSecret(secret), inv.email, inv.role, inv.organization_id, inv.team_id, inv.invited_by, now.toISOString(), INVITATION_DAYS],
  )
  const what = inv.organization_name ? `keep ${inv.organization_name}'s listings up to date` : `use Connector as ${inv.role.replace('_', ' ')}`
  await queueMail(
    db,
    {
      to: inv.email,
      subject: 'You are invited to Connector',
      text:
        `You have been invited to ${what}.\n\n` +
        `Accept the invitation and choose a password here (the link works once, for ${INVITATION_DAYS} days):\n` +
        `${publicUrl}/invitations/accept?token=${secret}\n\n` +
        'If you were not expecting this, ignore this email.\n',
    },
    now,
  )
}

/** Takes a live invitation (marks it used); undefined when unknown, expired or already used. */
export async function takeInvitation(db: Queryable, secret: string, now: Date): Promise<InvitationRow | undefined> {
  const { rows } = await db.query<InvitationRow>(
    `UPDATE invitation SET accepted_at = $2
      WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2
      RETURNING email, role, organization_id, team_id`,
    [hashSecret(secret), now.toISOString()],
  )
  return rows[0]
}

export async function createPasswordReset(db: Queryable, account: { id: string; email: string }, publicUrl: string, now: Date): Promise<void> {
  const secret = newSecret()
  await db.query(
    `INSERT INTO password_reset (token_hash, account_id, created_at, expires_at)
     VALUES ($1, $2, $3, $3::timestamptz + make_interval(mins => $4))`,
    [hashSecret(secret), account.id, now.toISOString(), RESET_MINUTES],
  )
  await queueMail(
    db,
    {
      to: account.email,
      subject: 'Reset your Connector password',
      text:
        `Someone asked to reset the password of your Connector account. Choose a new one here (the link works once, for ${RESET_MINUTES} minutes):\n` +
        `${publicUrl}/password-reset?token=${secret}\n\n` +
        'If it was not you, ignore this email: your password has not changed.\n',
    },
    now,
  )
}

/** Takes a live reset link (marks it used); the account id, or undefined. */
export async function takePasswordReset(db: Queryable, secret: string, now: Date): Promise<string | undefined> {
  const { rows } = await db.query<{ account_id: string }>(
    `UPDATE password_reset SET used_at = $2
      WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
      RETURNING account_id`,
    [hashSecret(secret), now.toISOString()],
  )
  return rows[0]?.account_id
}

export type LinkState = 'live' | 'used' | 'expired' | 'unknown'

export interface InvitationPreview {
  state: LinkState
  email?: string
  role?: string
  organization?: string | null
  /** The invited email already has an account: accepting only joins the organisation. */
  existingAccount?: boolean
}

/** What an invitation link is for, without using it up. */
export async function previewInvitation(db: Queryable, secret: string, now: Date): Promise<InvitationPreview> {
  const { rows } = await db.query<{ email: string; role: string; organization: string | null; accepted: boolean; expired: boolean; existing: boolean }>(
    `SELECT i.email, i.role, o.name AS organization, i.accepted_at IS NOT NULL AS accepted, i.expires_at <= $2 AS expired,
            EXISTS (SELECT 1 FROM account a WHERE a.email = lower(i.email)) AS existing
       FROM invitation i LEFT JOIN organization o ON o.id = i.organization_id
      WHERE i.token_hash = $1`,
    [hashSecret(secret), now.toISOString()],
  )
  const row = rows[0]
  if (!row) return { state: 'unknown' }
  const state: LinkState = row.accepted ? 'used' : row.expired ? 'expired' : 'live'
  return { state, email: row.email, role: row.role, organization: row.organization, existingAccount: row.existing }
}

/** Whether a password reset link is still good, without using it up. */
export async function passwordResetState(db: Queryable, secret: string, now: Date): Promise<LinkState> {
  const { rows } = await db.query<{ used: boolean; expired: boolean }>(
    'SELECT used_at IS NOT NULL AS used, expires_at <= $2 AS expired FROM password_reset WHERE token_hash = $1',
    [hashSecret(secret), now.toISOString()],
  )
  const row = rows[0]
  return !row ? 'unknown' : row.used ? 'used' : row.expired ? 'expired' : 'live'
}
