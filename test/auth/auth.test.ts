// Accounts: sign-in and sign-out with a session cookie, API tokens, password rules and
// changes, sign-in rate limits that cannot lock a real person out, and the audit log.
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { AdminCreateError, createAdmin } from '../../src/auth/admin.ts'
import { hashPassword, passwordProblem } from '../../src/auth/passwords.ts'
import { MAX_FAILURES, SIGN_INS_PER_MINUTE } from '../../src/auth/routes.ts'
import { createAccount } from '../../src/auth/store.ts'
import { DATABASE_URL, FIXED_NOW, buildTestApp, testDatabase, usingPostgres } from '../helper.ts'

const PASSWORD = 'a long and unusual passphrase'

t.test('password rules: length and the common-password list, no composition rules', async (t) => {
  t.equal(passwordProblem('short', 'a@example.org'), 'must be at least 8 characters')
  t.equal(passwordProblem('password1', 'a@example.org'), 'is one of the most commonly used passwords; choose another')
  t.equal(passwordProblem('Qwerty123', 'a@example.org'), 'is one of the most commonly used passwords; choose another', 'case does not hide a common one')
  t.equal(passwordProblem('jo.bloggs', 'jo.bloggs@example.org'), 'must not be your email address')
  t.equal(passwordProblem('x'.repeat(257), 'a@example.org'), 'must be at most 256 characters')
  t.equal(passwordProblem('all lower case words only', 'a@example.org'), null, 'no rule demands digits or symbols')
  t.equal(passwordProblem('ü'.repeat(64), 'a@example.org'), null, '64 characters and beyond are fine')
  t.match(await hashPassword(PASSWORD), /^\$argon2id\$/)
})

t.test('accounts over HTTP', async (t) => {
  const app = await buildTestApp(t, { config: { secureCookies: true } })
  const { id: adminId } = await createAdmin(app.db, 'Admin@Example.org', PASSWORD, FIXED_NOW)
  const workerHash = await hashPassword(PASSWORD)
  await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: workerHash })
  const signIn = (email: string, password: string, remoteAddress = '10.0.0.1') =>
    app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password }, remoteAddress })
  const cookieOf = (res: Awaited<ReturnType<typeof signIn>>) => `connector_session=${res.cookies.find((c) => c.name === 'connector_session')!.value}`
  const auditRows = async () =>
    (await app.db.query<{ action: string; outcome: string; email: string | null; ip: string | null; account_id: string | null; detail: Record<string, unknown> }>(
      'SELECT action, outcome, email, ip, account_id, detail FROM audit_log ORDER BY id',
    )).rows

  t.test('sign in → a fresh HttpOnly, Secure, SameSite=Lax cookie; sign out ends the session on the server', async (t) => {
    const res = await signIn('admin@example.org', PASSWORD)
    t.equal(res.statusCode, 200)
    t.match(res.json(), { account_id: adminId, email: 'admin@example.org', role: 'admin', organization_ids: [], via: 'session' })
    const cookie = res.cookies.find((c) => c.name === 'connector_session')!
    t.match(cookie, { httpOnly: true, secure: true, sameSite: 'Lax', path: '/' })
    t.ok(cookie.value.length >= 40, 'a long random secret')
    const again = await signIn('admin@example.org', PASSWORD)
    t.not(cookieOf(again), cookieOf(res), 'each sign-in issues a new session')
    const { rows } = await app.db.query<{ token_hash: string }>('SELECT token_hash FROM auth_session')
    t.notOk(rows.some((r) => r.token_hash === cookie.value), 'only a hash of the secret is stored')

    t.equal((await app.inject({ url: '/api/auth/me', headers: { cookie: cookieOf(res) } })).json().email, 'admin@example.org')
    const out = await app.inject({ method: 'POST', url: '/api/auth/sign-out', headers: { cookie: cookieOf(res) } })
    t.equal(out.statusCode, 204)
    t.match(out.cookies.find((c) => c.name === 'connector_session'), { value: '' }, 'the cookie is cleared')
    const after = await app.inject({ url: '/api/auth/me', headers: { cookie: cookieOf(res) } })
    t.equal(after.statusCode, 401, 'the old cookie no longer works')
    t.equal(after.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.equal((await app.inject({ url: '/api/auth/me', headers: { cookie: cookieOf(again) } })).statusCode, 200, 'the other session still does')
  })

  t.test('a wrong password or an unknown email: the same 401, audited without the password', async (t) => {
    const wrong = await signIn('worker@example.org', 'not the password at all')
    const unknown = await signIn('nobody@example.org', 'not the password at all')
    t.equal(wrong.statusCode, 401)
    t.same(unknown.json().detail, wrong.json().detail, 'nothing tells which accounts exist')
    const rows = (await auditRows()).filter((r) => r.action === 'sign_in' && r.outcome === 'failure')
    t.match(rows, [{ email: 'worker@example.org', ip: '10.0.0.1' }, { email: 'nobody@example.org', account_id: null }])
    const { rows: dump } = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log a WHERE strpos(a::text, 'not the password') > 0`)
    t.equal(dump[0]!.n, 0)
  })

  t.test(`after ${MAX_FAILURES} failures from one address, that address is refused for that account; the owner elsewhere is not`, async (t) => {
    await app.db.query('DELETE FROM audit_log')
    for (let i = 0; i < MAX_FAILURES; i++) t.equal((await signIn('worker@example.org', `guess number ${i}`, '203.0.113.9')).statusCode, 401)
    const blocked = await signIn('worker@example.org', PASSWORD, '203.0.113.9')
    t.equal(blocked.statusCode, 429, 'even the right password, from the guessing address')
    t.match(blocked.json(), { status: 429, detail: /Too many failed sign-ins/ })
    t.equal((await signIn('worker@example.org', PASSWORD, '198.51.100.7')).statusCode, 200, 'the real person, from their own address')
    t.equal((await signIn('admin@example.org', PASSWORD, '203.0.113.9')).statusCode, 200, 'other accounts from that address')
    t.match((await auditRows()).filter((r) => r.outcome === 'refused'), [{ action: 'sign_in', email: 'worker@example.org', ip: '203.0.113.9' }])
  })

  t.test(`more than ${SIGN_INS_PER_MINUTE} sign-ins a minute from one address → 429 problem`, async (t) => {
    let last = 0
    for (let i = 0; i <= SIGN_INS_PER_MINUTE; i++) last = (await signIn(`someone${i}@example.org`, 'whatever it is', '192.0.2.50')).statusCode
    t.equal(last, 429)
    t.equal((await signIn('worker@example.org', PASSWORD, '192.0.2.51')).statusCode, 200, 'other addresses are unaffected')
  })

  t.test('API tokens: shown once, stored hashed, work as Bearer, revocable', async (t) => {
    const cookie = cookieOf(await signIn('worker@example.org', PASSWORD, '10.1.1.1'))
    const made = await app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { name: 'referral system' } })
    t.equal(made.statusCode, 201)
    const { id, token } = made.json()
    t.match(token, /^cnr_[A-Za-z0-9_-]{40,}$/)
    const list = await app.inject({ url: '/api/auth/tokens', headers: { cookie } })
    t.match(list.json(), [{ id, name: 'referral system', last_used_at: null, revoked_at: null }])
    t.notOk(list.body.includes(token), 'the secret is never shown again')
    const me = await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })
    t.match(me.json(), { email: 'worker@example.org', role: 'link_worker', via: 'token' })
    t.equal((await app.inject({ method: 'DELETE', url: `/api/auth/tokens/${id}`, headers: { cookie } })).statusCode, 204)
    const revoked = await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })
    t.equal(revoked.statusCode, 401)
    t.equal((await app.inject({ url: '/api/services?per_page=1', headers: { authorization: 'Bearer nonsense' } })).statusCode, 401, 'a bad token is refused, not treated as anonymous')
    t.equal((await app.inject({ method: 'DELETE', url: `/api/auth/tokens/${id}`, headers: { cookie } })).statusCode, 404, 'already revoked')
    const { rows } = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_token t WHERE strpos(t::text, $1) > 0`, [token])
    t.equal(rows[0]!.n, 0, 'only a hash is stored')
  })

  t.test('changing a password: needs the current one, checks the new one, ends the other sessions', async (t) => {
    const first = cookieOf(await signIn('worker@example.org', PASSWORD, '10.2.2.2'))
    const second = cookieOf(await signIn('worker@example.org', PASSWORD, '10.2.2.3'))
    const change = (payload: object) => app.inject({ method: 'PUT', url: '/api/auth/password', headers: { cookie: first }, payload })
    t.equal((await change({ current_password: 'wrong wrong wrong', new_password: 'another fine passphrase' })).statusCode, 401)
    const weak = await change({ current_password: PASSWORD, new_password: 'iloveyou' })
    t.equal(weak.statusCode, 422)
    t.match(weak.json().errors, [{ in: 'body', pointer: '/new_password', detail: /commonly used/ }])
    t.equal((await change({ current_password: PASSWORD, new_password: 'another fine passphrase' })).statusCode, 204)
    t.equal((await app.inject({ url: '/api/auth/me', headers: { cookie: first } })).statusCode, 200, 'this session goes on')
    t.equal((await app.inject({ url: '/api/auth/me', headers: { cookie: second } })).statusCode, 401, 'the other one has ended')
    t.equal((await signIn('worker@example.org', 'another fine passphrase', '10.2.2.4')).statusCode, 200)
  })

  t.test('the audit log: admins only; refusals are in it; no secrets anywhere', async (t) => {
    const admin = cookieOf(await signIn('admin@example.org', PASSWORD, '10.3.3.3'))
    const worker = cookieOf(await signIn('worker@example.org', 'another fine passphrase', '10.3.3.4'))
    t.equal((await app.inject({ url: '/api/admin/audit' })).statusCode, 401)
    const refused = await app.inject({ url: '/api/admin/audit', headers: { cookie: worker } })
    t.equal(refused.statusCode, 403)
    const res = await app.inject({ url: '/api/admin/audit?per_page=200', headers: { cookie: admin } })
    t.equal(res.statusCode, 200)
    const items = res.json().items as { action: string; outcome: string; detail: { route?: string; reason?: string }; at: string }[]
    t.ok(items.some((i) => i.action === 'access' && i.outcome === 'refused' && i.detail.route === '/api/admin/audit' && i.detail.reason === 'role link_worker'))
    t.ok(items.some((i) => i.action === 'access' && i.outcome === 'refused' && i.detail.reason === 'not signed in'))
    t.ok(items.some((i) => i.action === 'token_revoke'))
    t.ok(items.every((i) => i.at.endsWith('Z')), 'times in UTC')
    for (const secret of [PASSWORD, 'another fine passphrase', 'cnr_', admin.split('=')[1]!]) t.notOk(res.body.includes(secret), 'no password, token or cookie in the log')
  })
})

t.test('createAdmin (npm run admin:create): refuses a weak password and a taken email', async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  const made = await createAdmin(db, 'first@example.org', undefined, FIXED_NOW)
  t.ok(made.password.length >= 20, 'a generated password')
  t.equal(passwordProblem(made.password, 'first@example.org'), null)
  await t.rejects(createAdmin(db, 'FIRST@example.org', PASSWORD, FIXED_NOW), new AdminCreateError('first@example.org already has an account'))
  await t.rejects(createAdmin(db, 'second@example.org', 'password123', FIXED_NOW), { message: /most commonly used/ })
  const { rows } = await db.query<{ role: string }>('SELECT role FROM account ORDER BY email')
  t.same(rows, [{ role: 'admin' }])
})

t.test('npm run admin:create -- email: the command line', { skip: !usingPostgres && 'runs against PostgreSQL (DATABASE_URL); the embedded run covers createAdmin' }, async (t) => {
  const { url } = await testDatabase(t, { demo: false })
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/admin-create.ts', ...args], {
      env: { ...process.env, DATABASE_URL: url!, DEMO_DATA: 'off', ...env },
      encoding: 'utf8',
      timeout: 120_000,
    })
  const ok = run(['boss@example.org'])
  t.equal(ok.status, 0, ok.stderr)
  t.match(ok.stdout, /Created admin boss@example\.org\.\nPassword \(shown once; change it after signing in\): \S{20}/)
  const again = run(['boss@example.org'])
  t.equal(again.status, 1)
  t.match(again.stderr, /boss@example\.org already has an account/)
  t.equal(run([]).status, 64, 'usage')
  t.ok(DATABASE_URL)
})
