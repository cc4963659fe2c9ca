import fp from 'fastify-plugin'
import nodemailer, { type Transporter } from 'nodemailer'
import type { Config } from '../config.ts'
import { deliverMail } from './outbox.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Sends what waits in the mail outbox now (the scheduled job does this every 10 seconds). */
    deliverMail: () => Promise<{ sent: number; failed: number }>
  }
}

/** Email: nodemailer over SMTP when SMTP_URL is set; otherwise the log. Either way via the outbox. */
export default fp<{ mail: Config['mail']; transport?: Transporter }>(
  async (app, opts) => {
    const transport = opts.transport ?? (opts.mail.smtpUrl ? nodemailer.createTransport(opts.mail.smtpUrl) : null)
    if (!transport) app.log.info('no SMTP_URL: email will be written to the log')
    app.decorate('deliverMail', () => deliverMail(app.db, transport, opts.mail.from, app.log, app.now()))
    app.addJob({ name: 'mail-outbox', schedule: '*/10 * * * * *', run: () => app.deliverMail() })
    app.addHook('onClose', async () => transport?.close())
  },
  { name: 'mail', dependencies: ['db', 'scheduler'] },
)
