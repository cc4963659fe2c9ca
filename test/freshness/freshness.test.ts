// Freshness over the demo directory with a clock the test moves: a reminder at 90 days (once
// per confirmation), stale at 180, hidden at 365, and back on confirmation by the signed link.
import t from 'tap'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { LINK_DAYS } from '../../src/freshness/freshness.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'

const DAY = 86_400_000

t.test('reminders, stale, hidden, and confirmation by signed link', async (t) => {
  let now = FIXED_NOW
  const app = await buildTestApp(t, { deps: { now: () => now } })
  const { rows } = await app.db.query<{ id: string; name: string; organization_id: string }>(
    `SELECT id, name, organization_id FROM service WHERE status = 'active' AND delivery_modes = '{venue}' ORDER BY id LIMIT 1`,
  )
  const X = rows[0]!
  const T0 = FIXED_NOW
  await app.db.query('UPDATE service SET verified_at = $2 WHERE id = $1', [X.id, T0.toISOString()])
  await createAccount(app.db, { email: 'editor@example.org', role: 'editor', passwordHash: await hashPassword('a long and unusual passphrase'), organizationIds: [X.organization_id] })
  const at = (days: number) => {
    now = new Date(T0.getTime() + days * DAY)
  }
  const mails = async () =>
    (await app.db.query<{ body_text: string }>(`SELECT body_text FROM mail_outbox WHERE to_address = 'editor@example.org' AND body_text LIKE '%' || $1 || '%' ORDER BY id`, [X.id])).rows
  const state = async () => (await app.db.query<{ status: string; hidden_at: Date | null; verified_at: Date }>('SELECT status, hidden_at, verified_at FROM service WHERE id = $1', [X.id])).rows[0]!
  const found = async () => {
    const body = (await app.inject({ url: `/api/search?q=${encodeURIComponent(`"${X.name}"`)}&per_page=100` })).json()
    return body.results.find((r: { id: string }) => r.id === X.id) as { stale: boolean } | undefined
  }

  t.test('day 89: no reminder; day 91: one reminder to the editors, with a signed link; not again', async (t) => {
    at(89)
    await app.runFreshness()
    t.same(await mails(), [])
    at(91)
    const run = await app.runFreshness()
    t.ok(run.reminded >= 1)
    const sent = await mails()
    t.equal(sent.length, 1)
    t.match(sent[0]!.body_text, new RegExp(`^http://connector\\.test/confirm\\?service=${X.id}&expires=\\d+&sig=[A-Za-z0-9_-]{20,}$`, 'm'))
    at(120)
    await app.runFreshness()
    t.equal((await mails()).length, 1, 'once per confirmation')
    t.same((await found())?.stale, false, 'still fresh at 120 days')
  })

  t.test('day 181: stale in search; day 366: hidden until confirmed', async (t) => {
    at(181)
    await app.runFreshness()
    t.same((await found())?.stale, true, 'marked stale')
    t.equal((await state()).status, 'active')
    at(366)
    const run = await app.runFreshness()
    t.ok(run.hidden >= 1)
    t.match(await state(), { status: 'inactive', hidden_at: now })
    t.equal(await found(), undefined, 'no longer offered by search')
    const history = (await app.db.query<{ action: string }>(`SELECT action FROM record_version WHERE record_id = $1 ORDER BY id`, [X.id])).rows
    t.same(history.map((h) => h.action), ['create', 'hide'], 'created (by the demo, through the editing path), then hidden')
  })

  t.test('the signed link: tampered and expired links fail; a good one confirms and brings it back', async (t) => {
    const link = new URL(/^http\S+$/m.exec((await mails())[0]!.body_text)![0])
    const body = { service: link.searchParams.get('service'), expires: Number(link.searchParams.get('expires')), sig: link.searchParams.get('sig') }
    const confirm = (b: object) => app.inject({ method: 'POST', url: '/api/confirm', payload: b })
    // The link was made on day 91 and works for LINK_DAYS: day 366 is long past.
    const expired = await confirm(body)
    t.equal(expired.statusCode, 422)
    t.match(expired.json().detail, /expired/)
    const tampered = await confirm({ ...body, expires: body.expires + 365 * 86_400 })
    t.equal(tampered.statusCode, 422)
    t.match(tampered.json().detail, /not valid/)
    t.equal((await confirm({ ...body, sig: `${body.sig!.slice(0, -2)}xx` })).statusCode, 422)
    // A fresh reminder cycle: confirm with a link still in date.
    at(91 + LINK_DAYS - 1)
    const ok = await confirm(body)
    t.equal(ok.statusCode, 200, ok.body)
    t.same(ok.json(), { service: { id: X.id, name: X.name }, verified_at: now.toISOString() })
    t.match(await state(), { status: 'active', hidden_at: null, verified_at: now })
    t.same((await found())?.stale, false, 'back in search, fresh')
    const refused = (await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'service_confirm_link' AND outcome = 'refused'`)).rows[0]!.n
    t.equal(refused, 3, 'the refused links are audited')
  })

  t.test('after confirming, the next reminder comes 90 days later', async (t) => {
    const confirmedAt = now.getTime()
    now = new Date(confirmedAt + 89 * DAY)
    await app.runFreshness()
    t.equal((await mails()).length, 1)
    now = new Date(confirmedAt + 91 * DAY)
    await app.runFreshness()
    t.equal((await mails()).length, 2)
  })
})
