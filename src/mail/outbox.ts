/**
 * Outgoing email. `queueMail` writes a message to the outbox in the caller's transaction;
 * `deliverMail` (a scheduled job) sends what is waiting over SMTP with nodemailer, or, when no
 * SMTP server is configured, writes each message to the log and marks it delivered there.
 */
import type { Transporter } from 'nodemailer'
import type { Queryable } from '../db/db.ts'

export interface Mail {
  to: string
  subject: string
  text: string
}

/** After this many failed attempts a message is left for a person to look at. */
export const MAX_ATTEMPTS = 8

export async function queueMail(db: Queryable, mail: Mail, now: Date): Promise<void> {
  await db.query('INSERT INTO mail_outbox (created_at, to_address, subject, body_text) VALUES ($1, $2, $3, $4)', [
    now.toISOString(),
    mail.to,
    mail.subject,
    mail.text,
  ])
}

export interface MailLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/** Sends (or logs) waiting messages, oldest first; returns how many went and how many failed. */
export async function deliverMail(
  db: Queryable,
  transport: Transporter | null,
  from: string,
  log: MailLog,
  now: Date,
  batch = 50,
): Promise<{ sent: number; failed: number }> {
  const { rows } = await db.query<{ id: number; to_address: string; subject: string; body_text: string }>(
    `SELECT id, to_address, subject, body_text FROM mail_outbox
      WHERE sent_at IS NULL AND attempts < $1 ORDER BY id LIMIT $2`,
    [MAX_ATTEMPTS, batch],
  )
  let sent = 0
  let failed = 0
  for (const m of rows) {
    try {
      if (transport) await transport.sendMail({ from, to: m.to_address, subject: m.subject, text: m.body_text })
      else log.info({ mail: { to: m.to_address, subject: m.subject, text: m.body_text } }, 'email (no SMTP configured: written to the log)')
      await db.query('UPDATE mail_outbox SET sent_at = $2, delivery = $3, attempts = attempts + 1 WHERE id = $1', [
        m.id,
        now.toISOString(),
        transport ? 'smtp' : 'log',
      ])
      sent++
    } catch (error) {
      failed++
      log.warn({ err: error, mail_id: m.id }, 'email not sent; will retry')
      await db.query('UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [m.id, (error as Error).message])
    }
  }
  return { sent, failed }
}
