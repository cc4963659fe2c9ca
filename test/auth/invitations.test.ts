// Invitations, password reset by emailed link, and the mail outbox (nodemailer's JSON
// transport stands in for an SMTP server, which this machine does not run).
import { PassThrough } from 'node:stream'
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer'
import t from 'tap'
import { createAdmin } from '../../src/auth/admin.ts'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { deliverMail, MAX_ATTEMPTS, queueMail } from '../../src/mail/outbox.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'

const PASSWORD = 'a long and unusual passphrase'

t.test('invitations and password reset', async (t) => {
  const logs: string[] = []
  const logStream = new PassThrough()
  logStream.on('data', (c: Buffer) => logs.push(c.toString()))
  const app = await buildTestApp(t, { deps: { logStream }, config: { logLevel: 'info' } })
  const [orgA, orgB] = (await app.db.query<{ id: string; name: string }>('SELECT id, name FROM organization ORDER BY name LIMIT 2')).rows
  await createAdmin(app.db, 'admin@example.org', PASSWORD, FIXED_NOW)
  await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: await hashPassword(PASSWORD) })
  const cookieFor = async (email: string, password = PASSWORD) => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password } })
    t.equal(res.statusCode, 200, `${email} signs in`)
    return `connector_session=${res.cookies.find((c) => c.name === 'connector_session')!.value}`
  }
  const invite = (cookie: string | null, payload: object) =>
    app.inject({ method: 'POST', url: '/api/invitations', headers: cookie ? { cookie } : {}, payload })
  const lastMailTo = async (to: string) =>
    (await app.db.query<{ subject: string; body_text: string }>('SELECT subject, body_text FROM mail_outbox WHERE to_address = $1 ORDER BY id DESC LIMIT 1', [to])).rows[0]
  const tokenIn = (body: string) => /token=([A-Za-z0-9_-]+)/.exec(body)![1]!
  const admin = await cookieFor('admin@example.org')

  t.test('an admin invites an organisation’s first editor, who chooses a password and is signed in', async (t) => {
    t.equal((await invite(admin, { email: 'Ed@Example.org', role: 'editor', organization_id: orgA!.id })).statusCode, 202)
    const mail = (await lastMailTo('ed@example.org'))!
    t.equal(mail.subject, 'You are invited to Connector')
    t.match(mail.body_text, `keep ${orgA!.name}'s listings up to date`)
    t.match(mail.body_text, /^http:\/\/connector\.test\/invitations\/accept\?token=[A-Za-z0-9_-]{40,}$/m)
    const token = tokenIn(mail.body_text)
    const weak = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, password: 'password' } })
    t.equal(weak.statusCode, 422)
    const ok = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, password: PASSWORD } })
    t.equal(ok.statusCode, 200, 'a refused password does not use the link up')
    t.match(ok.json(), { email: 'ed@example.org', role: 'editor', organization_ids: [orgA!.id] })
    t.ok(ok.cookies.some((c) => c.name === 'connector_session' && c.value), 'signed in')
    t.equal((await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, password: PASSWORD } })).statusCode, 422, 'single use')
  })

  t.test('an editor invites colleagues to their own organisation only; others may not invite', async (t) => {
    const ed = await cookieFor('ed@example.org')
    t.equal((await invite(ed, { email: 'colleague@example.org', role: 'editor', organization_id: orgA!.id })).statusCode, 202)
    const other = await invite(ed, { email: 'x@example.org', role: 'editor', organization_id: orgB!.id })
    t.equal(other.statusCode, 404, 'another organisation: as if it did not exist')
    t.equal((await invite(ed, { email: 'x@example.org', role: 'editor', organization_id: '00000000-0000-4000-8000-000000000000' })).statusCode, 404)
    t.equal((await invite(ed, { email: 'x@example.org', role: 'link_worker' })).statusCode, 403, 'editors invite editors only')
    t.equal((await invite(await cookieFor('worker@example.org'), { email: 'x@example.org', role: 'link_worker' })).statusCode, 403)
    t.equal((await invite(null, { email: 'x@example.org', role: 'link_worker' })).statusCode, 401)
    t.equal((await invite(admin, { email: 'x@example.org', role: 'editor' })).statusCode, 422, 'an editor needs an organisation')
    t.equal((await invite(admin, { email: 'x@example.org', role: 'commissioner', organization_id: orgA!.id })).statusCode, 422)
    t.notOk(await lastMailTo('x@example.org'), 'no mail for refused invitations')
  })

  t.test('an existing editor invited to a second organisation joins it; an expired invitation is refused', async (t) => {
    await invite(admin, { email: 'ed@example.org', role: 'editor', organization_id: orgB!.id })
    const joined = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token: tokenIn((await lastMailTo('ed@example.org'))!.body_text) } })
    t.equal(joined.statusCode, 200)
    t.same(joined.json().organization_ids.sort(), [orgA!.id, orgB!.id].sort())
    await invite(admin, { email: 'late@example.org', role: 'commissioner' })
    await app.db.query(`UPDATE invitation SET expires_at = created_at WHERE email = 'late@example.org'`)
    const late = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token: tokenIn((await lastMailTo('late@example.org'))!.body_text), password: PASSWORD } })
    t.equal(late.statusCode, 422)
    t.match(late.json().detail, /expired or been used/)
  })

  t.test('password reset: the same answer for any email; a single-use link that ends every session', async (t) => {
    const session = await cookieFor('worker@example.org')
    const ask = (email: string) => app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { email } })
    const known = await ask('worker@example.org')
    const unknown = await ask('nobody@example.org')
    t.equal(known.statusCode, 202)
    t.same(unknown.json(), known.json(), 'nothing tells whether the account exists')
    t.notOk(await lastMailTo('nobody@example.org'))
    const mail = (await lastMailTo('worker@example.org'))!
    t.match(mail.body_text, /^http:\/\/connector\.test\/password-reset\?token=/m)
    const token = tokenIn(mail.body_text)
    const complete = (password: string) => app.inject({ method: 'POST', url: '/api/auth/password-reset/complete', payload: { token, password } })
    t.equal((await complete('12345678')).statusCode, 422, 'a common password is refused, and the link survives')
    t.equal((await complete('a brand new passphrase')).statusCode, 204)
    t.equal((await complete('a brand new passphrase')).statusCode, 422, 'used once only')
    t.equal((await app.inject({ url: '/api/auth/me', headers: { cookie: session } })).statusCode, 401, 'old sessions end')
    await cookieFor('worker@example.org', 'a brand new passphrase')
    await ask('worker@example.org')
    await app.db.query(`UPDATE password_reset SET expires_at = created_at WHERE used_at IS NULL`)
    const expired = await app.inject({ method: 'POST', url: '/api/auth/password-reset/complete', payload: { token: tokenIn((await lastMailTo('worker@example.org'))!.body_text), password: 'yet another passphrase' } })
    t.equal(expired.statusCode, 422)
  })

  t.test('without SMTP, waiting email is written to the log and marked delivered there', async (t) => {
    const before = (await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox WHERE sent_at IS NULL')).rows[0]!.n
    t.ok(before >= 5)
    t.same(await app.deliverMail(), { sent: before, failed: 0 })
    const log = logs.join('')
    t.match(log, /email \(no SMTP configured: written to the log\)/)
    t.match(log, /"to":"colleague@example.org"/)
    const { rows } = await app.db.query<{ delivery: string; n: number }>('SELECT delivery, count(*)::int AS n FROM mail_outbox GROUP BY delivery')
    t.same(rows, [{ delivery: 'log', n: before }])
    t.same(await app.deliverMail(), { sent: 0, failed: 0 }, 'nothing is sent twice')
  })
})

t.test('the outbox over nodemailer: sent mail is marked; a failing transport retries, then gives up', async (t) => {
  const app = await buildTestApp(t, { demo: false })
  const log = { info: () => undefined, warn: () => undefined }
  await queueMail(app.db, { to: 'a@example.org', subject: 'Hello', text: 'Body' }, FIXED_NOW)
  const sent: string[] = []
  const json = nodemailer.createTransport({ jsonTransport: true })
  const transport = {
    sendMail: async (m: SendMailOptions) => {
      const info = await json.sendMail(m)
      sent.push(String(info.message))
      return info
    },
  } as unknown as Transporter
  t.same(await deliverMail(app.db, transport, 'Connector <no-reply@connector.test>', log, FIXED_NOW), { sent: 1, failed: 0 })
  t.match(JSON.parse(sent[0]!), { subject: 'Hello', text: 'Body', to: [{ address: 'a@example.org' }], from: { address: 'no-reply@connector.test' } })
  t.same((await app.db.query('SELECT delivery, attempts FROM mail_outbox')).rows, [{ delivery: 'smtp', attempts: 1 }])

  await queueMail(app.db, { to: 'b@example.org', subject: 'Again', text: 'Body' }, FIXED_NOW)
  const broken = { sendMail: async () => Promise.reject(new Error('connection refused')) } as unknown as Transporter
  for (let i = 0; i < MAX_ATTEMPTS + 2; i++) await deliverMail(app.db, broken, 'x@example.org', log, FIXED_NOW)
  t.same((await app.db.query(`SELECT sent_at, attempts, last_error FROM mail_outbox WHERE to_address = 'b@example.org'`)).rows, [
    { sent_at: null, attempts: MAX_ATTEMPTS, last_error: 'connection refused' },
  ])
})
