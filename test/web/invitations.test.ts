// The pages emailed links open (invitation, password reset, "still running?"), and registering
// an organisation, as a browser without JavaScript uses them. Tokens come from the real outbox.
import t from 'tap'
import { createInvitation, INVITATION_DAYS, RESET_MINUTES } from '../../src/auth/invitations.ts'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { linkKey, LINK_DAYS, makeConfirmLink, REMIND_AFTER_DAYS } from '../../src/freshness/freshness.ts'
import type { FieldError, ProblemBody } from '../../src/problem.ts'
import { refusalOf } from '../../src/web/accounts/invitations.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'
import { errorSummary, text, Visitor } from './helper.ts'

const PASSWORD = 'a long and unusual passphrase'
const DAY = 86_400_000

/** The hidden fields of the page's form (besides the CSRF token), as a browser would send them. */
function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) if (m[1] !== '_csrf') out[m[1]!] = m[2]!.replace(/&amp;/g, '&')
  return out
}

t.test('emailed-link pages and registration', async (t) => {
  const app = await buildTestApp(t)
  const [orgA, orgB] = (await app.db.query<{ id: string; name: string }>('SELECT id, name FROM organization ORDER BY name LIMIT 2')).rows
  await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: await hashPassword(PASSWORD) })
  const lastMailTo = async (to: string) =>
    (await app.db.query<{ subject: string; body_text: string }>('SELECT subject, body_text FROM mail_outbox WHERE to_address = $1 ORDER BY id DESC LIMIT 1', [to])).rows[0]
  const tokenIn = (body: string) => /token=([A-Za-z0-9_-]+)/.exec(body)![1]!
  const pathIn = (body: string) => /^http:\/\/connector\.test(\/\S+)$/m.exec(body)![1]!
  const invite = async (email: string, role: 'editor' | 'commissioner', organization?: { id: string; name: string }) => {
    await createInvitation(app.db, { email, role, organization_id: organization?.id ?? null, team_id: null, invited_by: null, organization_name: organization?.name ?? null }, 'http://connector.test', FIXED_NOW)
    return pathIn((await lastMailTo(email))!.body_text)
  }

  t.test('GET /invitations/accept → "Set up your account"; POST refuses bad passwords with 422 on the field, then signs the new editor in once', async (t) => {
    const link = await invite('newed@example.org', 'editor', orgA)
    t.match(link, /^\/invitations\/accept\?token=/)
    const token = tokenIn(link)
    const person = new Visitor(app)
    const page = await person.get(link)
    t.equal(page.status, 200)
    t.match(text(page.html), `Set up your account You have been invited to keep ${orgA!.name}’s listings on Connector up to date`)
    t.match(page.html, `<input type="hidden" name="token" value="${token}">`, 'the token rides in a hidden field')
    t.match(page.html, /<input[^>]*id="password"[^>]*autocomplete="new-password"/)
    const username = /<input[^>]*id="username"[^>]*>/.exec(page.html)?.[0] ?? ''
    t.match(username, 'value="newed@example.org"', 'the account’s email sits beside the new password')
    t.match(username, 'autocomplete="username"', 'so a password manager saves the right sign-in')
    t.match(username, / readonly[ >]/, 'and it cannot be changed')
    t.match(page.html, /<label[^>]*for="username"[^>]*>\s*Email address\s*<\/label>/, 'it is labelled')

    const tries: Array<[string, string]> = [
      ['', 'password: Enter a password'],
      ['short', 'password: Your password must be at least 8 characters'],
      ['password', 'password: Your password is one of the most commonly used passwords. Choose a different one'],
      ['newed@example.org', 'password: Your password must not be your email address'],
    ]
    for (const [password, complaint] of tries) {
      const refused = await person.post('/invitations/accept', { ...hiddenFields(page.html), password })
      t.equal(refused.status, 422, `"${password}" refused`)
      t.same(errorSummary(refused.html), [complaint])
      t.match(refused.html, /<title>Error: Set up your account/)
      t.match(refused.html, `name="token" value="${token}"`, 'the form keeps the token')
    }
    t.notOk((await app.db.query(`SELECT 1 FROM account WHERE email = 'newed@example.org'`)).rows[0], 'no account from refused passwords')

    const ok = await person.post('/invitations/accept', { token, password: PASSWORD })
    t.equal(ok.status, 303)
    t.equal(ok.location, '/my-organisation', 'an editor starts at their organisation')
    t.ok(person.hasCookie('connector_session'), 'signed in')
    const me = await app.inject({ url: '/api/auth/me', headers: { cookie: person.cookieHeader } })
    t.match(me.json(), { email: 'newed@example.org', role: 'editor', organization_ids: [orgA!.id] })

    const again = await new Visitor(app).get(link)
    t.equal(again.status, 410)
    t.match(text(again.html), 'This invitation link cannot be used It has been used already')
    const replay = await person.post('/invitations/accept', { token, password: PASSWORD })
    t.equal(replay.status, 410, 'a second use is explained, not a 500')
    t.match(text(replay.html), 'It has been used already')
  })

  t.test('an existing account accepts with one button, no password; expired and unknown links explain themselves', async (t) => {
    const link = await invite('newed@example.org', 'editor', orgB)
    const person = new Visitor(app)
    const page = await person.get(link)
    t.equal(page.status, 200)
    t.match(text(page.html), 'Accept your invitation')
    t.notMatch(page.html, 'id="password"', 'no password to choose')
    const ok = await person.post('/invitations/accept', hiddenFields(page.html))
    t.equal(ok.status, 303)
    const { rows } = await app.db.query<{ organization_id: string }>(
      `SELECT m.organization_id FROM organization_member m JOIN account a ON a.id = m.account_id WHERE a.email = 'newed@example.org' ORDER BY 1`,
    )
    t.same(rows.map((r) => r.organization_id), [orgA!.id, orgB!.id].sort())

    const late = await invite('late@example.org', 'commissioner')
    await app.db.query(`UPDATE invitation SET expires_at = created_at WHERE email = 'late@example.org'`)
    const expired = await new Visitor(app).get(late)
    t.equal(expired.status, 410)
    t.match(text(expired.html), `It has expired. Invitations work once, for ${INVITATION_DAYS} days. If you still need an account, ask the person who invited you to send a new invitation.`)
    const unknown = await new Visitor(app).get('/invitations/accept?token=not-a-token-we-ever-sent-anyone')
    t.equal(unknown.status, 410)
    t.match(text(unknown.html), 'It is not a link we sent')
    t.equal((await new Visitor(app).get('/invitations/accept')).status, 410, 'no token at all')
  })

  t.test('password reset through the pages: the same answer for any email, a new password from the emailed link, once', async (t) => {
    const person = new Visitor(app)
    const form = await person.get('/password-reset')
    t.equal(form.status, 200)
    t.match(text(form.html), 'Reset your password')
    const empty = await person.post('/password-reset', { email: '' })
    t.equal(empty.status, 422)
    t.same(errorSummary(empty.html), ['email: Enter your email address'])
    const unknown = await person.post('/password-reset', { email: 'nobody@example.org' })
    const known = await person.post('/password-reset', { email: 'worker@example.org' })
    t.equal(known.status, 303)
    t.equal(known.location, unknown.location, 'nothing tells whether the account exists')
    t.equal(known.location, '/password-reset/sent')
    const sentPage = text((await person.get('/password-reset/sent')).html)
    t.match(sentPage, 'If an account exists for that email address, we have sent it a link')
    t.match(sentPage, `The link works once, for ${RESET_MINUTES} minutes.`)
    t.notOk(await lastMailTo('nobody@example.org'))

    const link = pathIn((await lastMailTo('worker@example.org'))!.body_text)
    t.match(link, /^\/password-reset\?token=/)
    const page = await person.get(link)
    t.equal(page.status, 200)
    t.match(text(page.html), 'Choose a new password')
    const common = await person.post('/password-reset/complete', { ...hiddenFields(page.html), password: '12345678' })
    t.equal(common.status, 422)
    t.same(errorSummary(common.html), ['password: Your password is one of the most commonly used passwords. Choose a different one'])
    const done = await person.post('/password-reset/complete', { ...hiddenFields(page.html), password: 'a brand new passphrase' })
    t.equal(done.status, 303)
    t.equal(done.location, '/password-reset/done')
    t.match(text((await person.get('/password-reset/done')).html), 'Your password has been changed')
    t.equal(await new Visitor(app).signIn('worker@example.org', 'a brand new passphrase'), '/search', 'the new password works')
    const reused = await person.post('/password-reset/complete', { ...hiddenFields(page.html), password: 'yet another passphrase' })
    t.equal(reused.status, 410)
    t.match(text(reused.html), 'This password reset link cannot be used It has been used already')
    t.equal((await new Visitor(app).get(link)).status, 410)
  })

  t.test('GET /confirm from a real signed link shows the button and changes nothing; POST confirms it', async (t) => {
    const { rows } = await app.db.query<{ id: string; name: string }>(`SELECT id, name FROM service WHERE status = 'active' ORDER BY name LIMIT 2`)
    const [X, Y] = rows
    const OLD = new Date(FIXED_NOW.getTime() - 200 * DAY)
    await app.db.query('UPDATE service SET verified_at = $2 WHERE id = ANY ($1::uuid[])', [[X!.id, Y!.id], OLD.toISOString()])
    const state = async (id: string) =>
      (await app.db.query<{ verified_at: Date; versions: number }>('SELECT verified_at, (SELECT count(*)::int FROM record_version WHERE record_id = $1) AS versions FROM service WHERE id = $1', [id])).rows[0]!
    // However the listings were loaded, the versions they already have stay as they are until it is confirmed.
    const [historyX, historyY] = [(await state(X!.id)).versions, (await state(Y!.id)).versions]
    const key = await linkKey(app.db)
    const link = makeConfirmLink(key, X!.id, FIXED_NOW)
    const url = `/confirm?service=${link.service}&expires=${link.expires}&sig=${link.sig}`

    const person = new Visitor(app)
    const page = await person.get(url)
    t.equal(page.status, 200)
    t.match(text(page.html), `Is ${X!.name} still running?`)
    t.match(page.html, /<button[^>]*>\s*Yes, it is still running\s*<\/button>/)
    t.same(hiddenFields(page.html), { service: X!.id, expires: String(link.expires), sig: link.sig })
    t.same(await state(X!.id), { verified_at: OLD, versions: historyX }, 'opening the link changes nothing')

    const done = await person.post('/confirm', hiddenFields(page.html))
    t.equal(done.status, 200)
    t.match(text(done.html), `Thank you for confirming ${X!.name} is shown as confirmed on 1 November 2026`)
    t.match(text(done.html), `If nobody confirms it again for ${REMIND_AFTER_DAYS} days, we will email to ask again.`)
    const after = await state(X!.id)
    t.same(after.verified_at, FIXED_NOW)
    t.equal(after.versions, historyX + 1, 'kept in the listing’s history')

    const good = makeConfirmLink(key, Y!.id, FIXED_NOW)
    const last = good.sig.at(-1) === 'A' ? 'B' : 'A'
    const tampered = `/confirm?service=${Y!.id}&expires=${good.expires}&sig=${good.sig.slice(0, -1)}${last}`
    const refused = await person.get(tampered)
    t.equal(refused.status, 400)
    t.match(text(refused.html), 'This confirmation link is not valid')
    t.match(refused.html, 'href="/sign-in?next=%2Fmy-organisation"', 'a way to confirm after signing in')
    const posted = await person.post('/confirm', { service: Y!.id, expires: good.expires, sig: `${good.sig.slice(0, -1)}${last}` })
    t.equal(posted.status, 400)
    const otherService = await person.get(`/confirm?service=${Y!.id}&expires=${link.expires}&sig=${link.sig}`)
    t.equal(otherService.status, 400, 'a good signature for another listing is refused')
    const old = makeConfirmLink(key, Y!.id, new Date(FIXED_NOW.getTime() - (LINK_DAYS + 1) * DAY))
    const expired = await person.get(`/confirm?service=${Y!.id}&expires=${old.expires}&sig=${old.sig}`)
    t.equal(expired.status, 410)
    t.match(text(expired.html), `This confirmation link has expired Links in reminder emails work for ${LINK_DAYS} days. Nothing has been changed.`)
    t.equal((await person.get('/confirm?service=x&expires=y')).status, 400, 'a mangled link is explained, not a 500')
    t.same(await state(Y!.id), { verified_at: OLD, versions: historyY }, 'nothing changed by refused links')
  })

  t.test('GET/POST /register: errors in the NHS pattern keep the values; success holds the organisation and emails its editor', async (t) => {
    const person = new Visitor(app)
    const form = await person.get('/register')
    t.equal(form.status, 200)
    t.match(text(form.html), 'Register your organisation')
    const empty = await person.post('/register', {})
    t.equal(empty.status, 422)
    t.same(errorSummary(empty.html), ['name: Enter the name of your organisation', 'email: Enter your email address'])
    const values = { name: 'Quillfeather Writers Circle', description: 'A writing group.', 'org-email': 'hello@quill', website: 'quill.example.org', 'charity-number': '', email: 'me@quill.example.org' }
    const bad = await person.post('/register', values)
    t.equal(bad.status, 422)
    t.same(errorSummary(bad.html), [
      'org-email: Enter the organisation’s email address in the right format, like hello@example.org',
      'website: Enter the website address in full, starting with https://, like https://www.example.org',
    ])
    t.match(bad.html, /<input[^>]*id="name"[^>]*value="Quillfeather Writers Circle"/, 'values kept')
    t.notOk((await app.db.query(`SELECT 1 FROM organization WHERE name = 'Quillfeather Writers Circle'`)).rows[0], 'nothing written')

    const ok = await person.post('/register', { ...values, 'org-email': 'hello@quill.example.org', website: 'https://quill.example.org' })
    t.equal(ok.status, 303)
    t.equal(ok.location, '/register/sent')
    const sent = await person.get('/register/sent')
    t.match(text(sent.html), 'We will check your organisation')
    t.match(text(sent.html), `The link works for ${INVITATION_DAYS} days.`)
    t.match(text(sent.html), 'They are held, and not shown to anyone, while we check your organisation')
    const org = (await app.db.query<{ moderation: string; email: string; website: string; description: string }>(
      `SELECT moderation, email, website, description FROM organization WHERE name = 'Quillfeather Writers Circle'`,
    )).rows[0]
    t.same(org, { moderation: 'pending', email: 'hello@quill.example.org', website: 'https://quill.example.org', description: 'A writing group.' })
    const mail = (await lastMailTo('me@quill.example.org'))!
    t.match(pathIn(mail.body_text), /^\/invitations\/accept\?token=/, 'the editor is invited to choose a password')
    const accept = await new Visitor(app).get(pathIn(mail.body_text))
    t.match(text(accept.html), 'keep Quillfeather Writers Circle’s listings on Connector up to date')
  })
  t.test('POST /register: the website and email are checked as the API checks them, so https://localhost:8080 is taken', async (t) => {
    const person = new Visitor(app)
    await person.get('/register')
    const ok = await person.post('/register', { name: 'Localhost Knitters', 'org-email': 'knit@example.org', website: 'https://localhost:8080', email: 'me@knit.example.org' })
    t.equal(ok.status, 303, 'the page no longer refuses what the API takes')
    const org = (await app.db.query<{ website: string }>(`SELECT website FROM organization WHERE name = 'Localhost Knitters'`)).rows[0]
    t.same(org, { website: 'https://localhost:8080' })
    const tooLong = await person.post('/register', { name: 'x'.repeat(201), 'charity-number': '1'.repeat(41), email: 'me@knit.example.org' })
    t.equal(tooLong.status, 422)
    t.same(errorSummary(tooLong.html), ['name: The name must be 200 characters or fewer', 'charity-number: The charity number must be 40 characters or fewer'])
  })

  t.test('POST /register with the local authority it mainly works in → held with the organisation; one we do not hold is refused in words', async (t) => {
    const person = new Visitor(app)
    const form = await person.get('/register')
    t.match(form.html, /<select[^>]*id="local-authority"[^>]*name="local-authority"/)
    t.match(form.html, /<option value="E09000008"[^>]*>Croydon<\/option>/)
    const values = { name: 'Norbury Bridge Club', email: 'me@bridge.example.org' }
    const malformed = await person.post('/register', { ...values, 'local-authority': 'Croydon' })
    t.equal(malformed.status, 422)
    t.same(errorSummary(malformed.html), ['local-authority: Choose a local authority from the list'])
    const unknown = await person.post('/register', { ...values, 'local-authority': 'E09999999' })
    t.equal(unknown.status, 422)
    t.same(errorSummary(unknown.html), ['local-authority: Choose a local authority from the list'])
    t.notOk((await app.db.query(`SELECT 1 FROM organization WHERE name = 'Norbury Bridge Club'`)).rows[0], 'nothing registered')
    const ok = await person.post('/register', { ...values, 'local-authority': 'E09000008' })
    t.equal(ok.status, 303)
    const org = (await app.db.query<{ local_authority: string }>(`SELECT local_authority FROM organization WHERE name = 'Norbury Bridge Club'`)).rows[0]
    t.same(org, { local_authority: 'E09000008' })
  })

  t.test('input no browser of ours sends (a repeated field, a 1000-character token) is a 4xx page in words, never a 500', async (t) => {
    const long = 'x'.repeat(1000)
    const person = new Visitor(app)
    for (const url of [`/invitations/accept?token=${long}`, `/password-reset?token=${long}`]) {
      const page = await person.get(url)
      t.equal(page.status, 410, url.slice(0, 30))
      t.match(text(page.html), 'It is not a link we sent, or part of it is missing')
    }
    await person.get('/password-reset')
    for (const url of ['/invitations/accept', '/password-reset/complete']) {
      const page = await person.post(url, { token: long, password: PASSWORD })
      t.equal(page.status, 410, `POST ${url} with a long token`)
      t.match(text(page.html), 'It is not a link we sent')
    }
    const repeated: Array<[string, Record<string, string[]>]> = [
      ['/password-reset', { email: ['a@example.org', 'b@example.org'] }],
      ['/invitations/accept', { token: ['one', 'two'], password: [PASSWORD] }],
      ['/password-reset/complete', { token: ['one', 'two'], password: [PASSWORD] }],
      ['/register', { name: ['One', 'Two'], email: ['me@example.org'] }],
    ]
    for (const [url, form] of repeated) {
      const page = await person.post(url, form)
      t.equal(page.status, 400, `POST ${url} with a field repeated`)
      t.match(text(page.html), 'The form could not be read')
    }
    t.notOk((await app.db.query(`SELECT 1 FROM organization WHERE name IN ('One', 'Two')`)).rows[0], 'nothing registered')
    const link = await person.get('/invitations/accept?token=a&token=b')
    t.equal(link.status, 400, 'a link with its token twice')
    const confirm = await person.get('/confirm?service=a&service=b&expires=1&sig=x')
    t.equal(confirm.status, 400)
    t.match(text(confirm.html), 'This confirmation link is not valid')
  })

  t.test('the API’s refusals of an emailed link, each to its own page: 429 is "too many attempts" on the form, not "link used"', async (t) => {
    const problem = (errors?: FieldError[]): ProblemBody => ({ type: 'about:blank', title: 'Refused', status: 400, detail: 'Refused', ...(errors ? { errors } : {}) })
    t.same(refusalOf(429, problem()), { kind: 'rate' })
    t.same(refusalOf(409, problem()), { kind: 'conflict' })
    t.same(refusalOf(400, problem()), { kind: 'link' })
    t.same(refusalOf(422, problem([{ in: 'body', pointer: '/password', detail: 'must be at least 8 characters' }])), {
      kind: 'password',
      complaint: { field: 'password', text: 'Your password must be at least 8 characters' },
    })
    t.same(refusalOf(422, problem()), { kind: 'password', complaint: { field: 'password', text: 'Refused' } }, 'a 422 is about the password')
    t.throws(() => refusalOf(418, problem()), 'anything else is our fault, not a "link used" page')

    // The API takes 20 tries a minute from one address: the 21st is refused with 429.
    const fromAddress = (ip: string) => async (person: Visitor, url: string, form: Record<string, string>) => {
      const res = await app.inject({
        method: 'POST',
        url,
        remoteAddress: ip,
        headers: { accept: 'text/html', cookie: person.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: person.csrf, ...form }).toString(),
      })
      return { status: res.statusCode, html: res.body }
    }
    const link = await invite('hasty@example.org', 'commissioner')
    const token = tokenIn(link)
    const person = new Visitor(app)
    await person.get(link)
    const post = fromAddress('198.51.100.7')
    for (let i = 0; i < 20; i++) t.equal((await post(person, '/invitations/accept', { token, password: 'short' })).status, 422)
    const limited = await post(person, '/invitations/accept', { token, password: PASSWORD })
    t.equal(limited.status, 429)
    t.same(errorSummary(limited.html), ['password: Too many attempts. Wait a minute and try again'])
    t.match(limited.html, `name="token" value="${token}"`, 'the form keeps the token')
    t.notMatch(text(limited.html), 'used already')
    t.notOk((await app.db.query(`SELECT 1 FROM account WHERE email = 'hasty@example.org'`)).rows[0])
    const elsewhere = await fromAddress('198.51.100.8')(person, '/invitations/accept', { token, password: PASSWORD })
    t.equal(elsewhere.status, 303, 'the link was not used up by the refused tries')

    const reset = new Visitor(app)
    await reset.get('/password-reset')
    t.equal((await reset.post('/password-reset', { email: 'hasty@example.org' })).status, 303)
    const resetLink = pathIn((await lastMailTo('hasty@example.org'))!.body_text)
    const page = await reset.get(resetLink)
    const resetToken = tokenIn(resetLink)
    const postReset = fromAddress('198.51.100.9')
    for (let i = 0; i < 20; i++) t.equal((await postReset(reset, '/password-reset/complete', { token: resetToken, password: 'short' })).status, 422)
    const limitedReset = await postReset(reset, '/password-reset/complete', { token: resetToken, password: 'a brand new passphrase' })
    t.equal(limitedReset.status, 429)
    t.same(errorSummary(limitedReset.html), ['password: Too many attempts. Wait a minute and try again'])
    t.match(limitedReset.html, `name="token" value="${resetToken}"`)
    t.match(page.html, `name="token" value="${resetToken}"`)
  })
})
