/**
 * Keeping listings fresh: reminders at 90 days without confirmation, stale at 180 (computed
 * where listings are read), hidden at 365 until confirmed; and confirmation itself, by an
 * editor in the app or by a signed link in the reminder that works without signing in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import type { Db, Queryable } from '../db/db.ts'
import { queueMail } from '../mail/outbox.ts'
import { readService, recordVersion } from '../manage/store.ts'
import { STALE_AFTER_DAYS } from '../search/postgres.ts'
import { IdSchema } from '../id.ts'
import { appSecret } from '../db/secrets.ts'

export const REMIND_AFTER_DAYS = 90
export const HIDE_AFTER_DAYS = 365
/** How long a confirmation link in a reminder works. */
export const LINK_DAYS = 30

/** The key that signs confirmation links: made on first use and kept in the database. */
export async function linkKey(db: Queryable): Promise<Buffer> {
  return appSecret(db, 'confirm_link')
}

function sign(key: Buffer, serviceId: string, expires: number): string {
  return createHmac('sha256', key).update(`confirm:${serviceId}:${expires}`).digest('base64url')
}

/** A signed "still running" link's parts, as the confirm API and the confirm page both check them. */
export const ConfirmLinkSchema = z.strictObject({ service: IdSchema, expires: z.number().int(), sig: z.string().min(10).max(100) })
export type ConfirmLink = z.infer<typeof ConfirmLinkSchema>

export function makeConfirmLink(key: Buffer, serviceId: string, now: Date): ConfirmLink {
  const expires = Math.floor(now.getTime() / 1000) + LINK_DAYS * 86_400
  return { service: serviceId, expires, sig: sign(key, serviceId, expires) }
}

/** Why a link is not good, or null when it is. */
export function checkConfirmLink(key: Buffer, link: ConfirmLink, now: Date): 'expired' | 'tampered' | null {
  const expected = Buffer.from(sign(key, link.service, link.expires))
  const given = Buffer.from(link.sig)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'tampered'
  if (link.expires * 1000 <= now.getTime()) return 'expired'
  return null
}

/**
 * Confirms a listing is still running: verified_at is now, a hidden listing comes back with
 * the status it had, and the confirmation is kept in its history. False when there is no such
 * service.
 */
export async function confirmService(db: Queryable, serviceId: string, by: string | null, now: Date): Promise<boolean> {
  // A hidden listing comes back with the status it had, unless its organisation still waits for
  // approval: then it stays held (inactive, its status kept) until the approval publishes it.
  const { rows } = await db.query<{ version: number; before: string | null }>(
    `UPDATE service s SET verified_at = $2, hidden_at = NULL,
            status = CASE WHEN o.moderation = 'pending' THEN s.status
                          WHEN s.hidden_at IS NOT NULL THEN coalesce(s.status_before_hidden, 'active') ELSE s.status END,
            status_before_hidden = CASE WHEN o.moderation = 'pending' THEN coalesce(s.status_before_hidden, 'active') END
       FROM organization o
      WHERE s.id = $1 AND o.id = s.organization_id
      RETURNING s.version, (SELECT verified_at FROM service WHERE id = $1)::text AS before`,
    [serviceId, now.toISOString()],
  )
  if (!rows[0]) return false
  const snapshot = (await readService(db, serviceId))!.document
  await recordVersion(db, { type: 'service', id: serviceId, version: rows[0].version, action: 'confirm', by, changes: { verified_at: { from: rows[0].before, to: now.toISOString() } }, snapshot }, now)
  return true
}

export interface FreshnessRun {
  reminded: number
  hidden: number
  stale: number
}

/**
 * The daily run. Reminds the editors of each listing unconfirmed for 90 days (once per
 * confirmation; the organisation's email when it has no editors), hides listings unconfirmed
 * for 365 days, and counts the stale ones. "Unconfirmed since" is verified_at, or when the
 * listing was created if it never was.
 */
export async function runFreshness(db: Db, publicUrl: string, now: Date): Promise<FreshnessRun> {
  const key = await linkKey(db)
  return db.transaction(async (tx) => {
    const since = `coalesce(s.verified_at, s.created_at)`
    const { rows: due } = await tx.query<{ id: string; name: string; organization: string; recipients: string[] }>(
      `SELECT s.id, s.name, o.name AS organization,
              coalesce(nullif(ARRAY(SELECT a.email FROM organization_member m JOIN account a ON a.id = m.account_id
                                     WHERE m.organization_id = o.id AND a.role = 'editor' AND a.disabled_at IS NULL ORDER BY a.email), '{}'),
                       CASE WHEN o.email IS NULL THEN '{}'::text[] ELSE ARRAY[o.email] END) AS recipients
         FROM service s JOIN organization o ON o.id = s.organization_id
        WHERE s.status IN ('active', 'temporarily closed') AND s.hidden_at IS NULL
          AND ${since} <= $1::timestamptz - make_interval(days => $2)
          AND (s.reminded_at IS NULL OR s.reminded_at < ${since})
        ORDER BY s.id`,
      [now.toISOString(), REMIND_AFTER_DAYS],
    )
    for (const s of due) {
      const link = makeConfirmLink(key, s.id, now)
      const url = `${publicUrl}/confirm?service=${link.service}&expires=${link.expires}&sig=${link.sig}`
      for (const to of s.recipients) {
        await queueMail(
          tx,
          {
            to,
            subject: `Is "${s.name}" still running?`,
            text:
              `Connector lists "${s.name}" (${s.organization}), and nobody has confirmed it is still running for ${REMIND_AFTER_DAYS} days or more.\n\n` +
              `If it is, confirm with one click (no need to sign in; the link works for ${LINK_DAYS} days):\n${url}\n\n` +
              `If something has changed, sign in and update the listing. Listings not confirmed for ${STALE_AFTER_DAYS} days are shown as out of date, ` +
              `and after ${HIDE_AFTER_DAYS} days they are hidden until someone confirms them.\n`,
          },
          now,
        )
      }
      await tx.query('UPDATE service SET reminded_at = $2 WHERE id = $1', [s.id, now.toISOString()])
    }
    const { rows: hidden } = await tx.query<{ id: string; version: number }>(
      `UPDATE service s SET status_before_hidden = s.status, status = 'inactive', hidden_at = $1
        WHERE s.status IN ('active', 'temporarily closed') AND s.hidden_at IS NULL
          AND ${since} <= $1::timestamptz - make_interval(days => $2)
        RETURNING s.id, s.version`,
      [now.toISOString(), HIDE_AFTER_DAYS],
    )
    for (const h of hidden) {
      const snapshot = (await readService(tx, h.id))!.document
      await recordVersion(tx, { type: 'service', id: h.id, version: h.version, action: 'hide', by: null, changes: { status: { from: null, to: 'inactive' } }, snapshot }, now)
    }
    const { rows: stale } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM service s WHERE s.status = 'active' AND ${since} <= $1::timestamptz - make_interval(days => $2)`,
      [now.toISOString(), STALE_AFTER_DAYS],
    )
    return { reminded: due.length, hidden: hidden.length, stale: stale[0]!.n }
  })
}

/**
 * Which listings count as stale for the admin: those people can find (or that were hidden for
 * going unconfirmed) whose last confirmation is older than STALE_AFTER_DAYS, or that were never
 * confirmed, as search marks them. Closed-for-good and deliberately inactive ones are left out.
 */
const STALE_WHERE = `(s.status IN ('active', 'temporarily closed') OR s.hidden_at IS NOT NULL)
  AND (s.verified_at IS NULL OR s.verified_at < $1::timestamptz - make_interval(days => $2))`

export interface StaleListing {
  id: string
  name: string
  organization: string
  verified_at: string | null
  hidden: boolean
  status: string
}

/** One page of stale listings, oldest confirmation first (never confirmed before all), and how many in all. */
export async function staleListings(db: Queryable, now: Date, page: { limit: number; offset: number }): Promise<{ total: number; rows: StaleListing[] }> {
  const params = [now.toISOString(), STALE_AFTER_DAYS]
  const { rows: count } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM service s WHERE ${STALE_WHERE}`, params)
  const { rows } = await db.query<StaleListing>(
    `SELECT s.id, s.name, o.name AS organization, to_char(s.verified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS verified_at,
            s.hidden_at IS NOT NULL AS hidden, s.status
       FROM service s JOIN organization o ON o.id = s.organization_id
      WHERE ${STALE_WHERE}
      ORDER BY s.verified_at NULLS FIRST, s.name, s.id
      LIMIT $3 OFFSET $4`,
    [...params, page.limit, page.offset],
  )
  return { total: count[0]!.n, rows }
}
