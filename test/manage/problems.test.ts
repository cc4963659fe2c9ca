// Problem reports: link workers report, the organisation's editors resolve, admins see old ones.
import t from 'tap'
import { createAdmin } from '../../src/auth/admin.ts'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'

const PASSWORD = 'a long and unusual passphrase'
const DAY = 86_400_000

t.test('reporting a problem with a listing', async (t) => {
  let now = FIXED_NOW
  const app = await buildTestApp(t, { deps: { now: () => now } })
  const { rows } = await app.db.query<{ id: string; organization_id: string; name: string }>(
    'SELECT DISTINCT ON (organization_id) id, organization_id, name FROM service ORDER BY organization_id, id LIMIT 2',
  )
  const [a, b] = rows as [(typeof rows)[0], (typeof rows)[0]]
  const hash = await hashPassword(PASSWORD)
  await createAdmin(app.db, 'admin@example.org', PASSWORD, FIXED_NOW)
  await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: hash })
  await createAccount(app.db, { email: 'ed.a@example.org', role: 'editor', passwordHash: hash, organizationIds: [a.organization_id] })
  await createAccount(app.db, { email: 'ed.b@example.org', role: 'editor', passwordHash: hash, organizationIds: [b.organization_id] })
  const cookie = async (email: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password: PASSWORD } })
    return { cookie: `connector_session=${res.cookies.find((c) => c.name === 'connector_session')!.value}` }
  }
  const worker = await cookie('worker@example.org')
  const edA = await cookie('ed.a@example.org')
  const edB = await cookie('ed.b@example.org')
  const report = (headers: Record<string, string>, serviceId: string, payload: object) => app.inject({ method: 'POST', url: `/api/services/${serviceId}/problems`, headers, payload })

  const made = await report(worker, a.id, { kind: 'wrong_time', note: 'Now meets on Thursdays, not Tuesdays.' })
  t.equal(made.statusCode, 201)
  t.equal((await report({}, a.id, { kind: 'closed' })).statusCode, 401)
  t.equal((await report(edA, a.id, { kind: 'closed' })).statusCode, 403, 'editors do not report, they edit')
  t.equal((await report(worker, a.id, { kind: 'moved' })).statusCode, 400)
  t.equal((await report(worker, '00000000-0000-4000-8000-000000000000', { kind: 'closed' })).statusCode, 404)

  const listA = (await app.inject({ url: '/api/manage/problems', headers: edA })).json()
  t.match(listA, [{ id: made.json().id, kind: 'wrong_time', note: 'Now meets on Thursdays, not Tuesdays.', service: { id: a.id, name: a.name }, resolved_at: null }])
  t.same((await app.inject({ url: '/api/manage/problems', headers: edB })).json(), [], 'other organisations do not see it')
  t.equal((await app.inject({ method: 'POST', url: `/api/manage/problems/${made.json().id}/resolve`, headers: edB, payload: {} })).statusCode, 404)

  now = new Date(FIXED_NOW.getTime() + 10 * DAY)
  const old = await report(await cookie('worker@example.org'), b.id, { kind: 'closed', note: 'The hall is shut.' })
  t.equal(old.statusCode, 201)
  now = new Date(FIXED_NOW.getTime() + 15 * DAY)
  // Sessions last 8 hours: sign in again on the later days.
  const admin = await cookie('admin@example.org')
  const edA2 = await cookie('ed.a@example.org')
  const admins = (await app.inject({ url: '/api/admin/problems', headers: admin })).json()
  t.same(admins.map((r: { id: string }) => r.id), [made.json().id], 'only the unresolved report older than 14 days')
  t.equal((await app.inject({ url: '/api/admin/problems', headers: edA2 })).statusCode, 403)

  const resolved = await app.inject({ method: 'POST', url: `/api/manage/problems/${made.json().id}/resolve`, headers: edA2, payload: { resolution_note: 'Schedule updated.' } })
  t.equal(resolved.statusCode, 200)
  t.match(resolved.json(), { resolved_at: now.toISOString(), resolution_note: 'Schedule updated.' })
  now = new Date(FIXED_NOW.getTime() + 30 * DAY)
  t.same((await app.inject({ url: '/api/admin/problems', headers: await cookie('admin@example.org') })).json().map((r: { id: string }) => r.id), [old.json().id])
})
