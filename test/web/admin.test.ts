// The admin page over the demo directory: who may see it, approving a self-registered
// organisation, stale listings (checked against SQL of the test's own), old problem reports.
import t from 'tap'
import { createAdmin } from '../../src/auth/admin.ts'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { STALE_PER_PAGE } from '../../src/web/admin/admin.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'
import { text, Visitor } from './helper.ts'

const PASSWORD = 'a long and unusual passphrase'
const DAY = 86_400_000

t.test('admin page', async (t) => {
  const app = await buildTestApp(t)
  await createAdmin(app.db, 'admin@example.org', PASSWORD, FIXED_NOW)
  await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: await hashPassword(PASSWORD) })
  const admin = new Visitor(app)
  t.equal(await admin.signIn('admin@example.org', PASSWORD), '/admin', 'an admin starts here')

  t.test('GET /admin: anonymous → sign-in; a link worker → 403 page', async (t) => {
    const anonymous = await new Visitor(app).get('/admin')
    t.equal(anonymous.status, 303)
    t.equal(anonymous.location, '/sign-in?next=%2Fadmin')
    const worker = new Visitor(app)
    await worker.signIn('worker@example.org', PASSWORD)
    const refused = await worker.get('/admin')
    t.equal(refused.status, 403)
    t.match(text(refused.html), 'You cannot do this')
    t.notMatch(refused.html, 'Organisations waiting for approval')
    const approve = await worker.post('/admin/organisations/00000000-0000-4000-8000-000000000000/approve')
    t.equal(approve.status, 403)
  })

  t.test('a self-registered organisation is listed and approved from the page', async (t) => {
    const registered = await app.inject({
      method: 'POST',
      url: '/api/organizations/register',
      payload: { organization: { name: 'Quillfeather Writers Circle', website: 'https://quill.example.org', charity_number: '1234567' }, email: 'me@quill.example.org' },
    })
    t.equal(registered.statusCode, 202)
    const orgId = registered.json().organization_id as string
    const page = await admin.get('/admin')
    t.equal(page.status, 200)
    const row = new RegExp(`<tr[^>]*data-organisation-id="${orgId}"[\\s\\S]*?</tr>`).exec(page.html)?.[0] ?? ''
    t.match(text(row), 'Quillfeather Writers Circle https://quill.example.org 1234567 0 Approve Quillfeather Writers Circle')
    t.match(row, `action="/admin/organisations/${orgId}/approve"`)

    const approved = await admin.post(`/admin/organisations/${orgId}/approve`)
    t.equal(approved.status, 303)
    t.match(approved.location, `/admin?approved=${orgId}`)
    const moderation = (await app.db.query<{ moderation: string; approved_at: Date }>('SELECT moderation, approved_at FROM organization WHERE id = $1', [orgId])).rows[0]
    t.same(moderation, { moderation: 'approved', approved_at: FIXED_NOW })
    const after = await admin.get(approved.location!)
    t.match(text(after.html), 'Quillfeather Writers Circle is approved. Listings its editors add will go live at once.')
    t.notMatch(after.html, `data-organisation-id="${orgId}"`)
    t.match(text(after.html), 'No organisations are waiting for approval.')
    const twice = await admin.post(`/admin/organisations/${orgId}/approve`)
    t.equal(twice.status, 303, 'a second click is not an error page')
    t.equal(twice.location, '/admin')
  })

  t.test('stale listings: exactly those unconfirmed for 180 days at FIXED_NOW, oldest first, hidden ones flagged', async (t) => {
    // One listing hidden for going unconfirmed, and one confirmed just inside the limit.
    const [hidden, fresh] = (await app.db.query<{ id: string; name: string }>(`SELECT id, name FROM service WHERE status = 'active' AND verified_at > $1 ORDER BY name LIMIT 2`, [new Date(FIXED_NOW.getTime() - 100 * DAY).toISOString()])).rows
    await app.db.query(`UPDATE service SET verified_at = $2, hidden_at = $3, status_before_hidden = status, status = 'inactive' WHERE id = $1`, [hidden!.id, new Date(FIXED_NOW.getTime() - 400 * DAY).toISOString(), FIXED_NOW.toISOString()])
    await app.db.query('UPDATE service SET verified_at = $2 WHERE id = $1', [fresh!.id, new Date(FIXED_NOW.getTime() - 179 * DAY).toISOString()])

    const { rows: expected } = await app.db.query<{ id: string; name: string }>(
      `SELECT id, name FROM service
        WHERE (status IN ('active', 'temporarily closed') OR hidden_at IS NOT NULL)
          AND (verified_at IS NULL OR verified_at < $1::timestamptz - interval '180 days')
        ORDER BY verified_at NULLS FIRST, name, id`,
      [FIXED_NOW.toISOString()],
    )
    t.ok(expected.length > STALE_PER_PAGE, `the demo has ${expected.length} stale listings: more than a page`)
    const page1 = await admin.get('/admin')
    const page2 = await admin.get('/admin?stale_page=2')
    t.match(text(page1.html), `${expected.length} listings have not been confirmed by their organisation for 180 days or more, or never.`)
    t.match(text(page1.html), `Showing 1 to ${STALE_PER_PAGE} of ${expected.length}`)
    const staleIds = (html: string) => [...html.matchAll(/<tr[^>]*data-service-id="([^"]+)"/g)].map((m) => m[1])
    t.same(staleIds(page1.html), expected.slice(0, STALE_PER_PAGE).map((r) => r.id), 'the first page: the oldest, in order')
    t.same([...staleIds(page1.html), ...staleIds(page2.html)], expected.map((r) => r.id), 'both pages: every stale listing once')
    t.match(page1.html, `href="/admin?stale_page=2#stale"`)
    const firstRow = /<tr[^>]*data-service-id="[^"]+"[\s\S]*?<\/tr>/.exec(page1.html)![0]
    t.match(text(firstRow), `Edit ${expected[0]!.name}`, 'the link says what it does')
    t.match(firstRow, `href="/my-organisation/services/${expected[0]!.id}/edit"`, 'each listing links to its edit page')
    const edit = await admin.get(`/my-organisation/services/${expected[0]!.id}/edit`)
    t.equal(edit.status, 200, 'and an admin may open it, whoever’s listing it is')
    t.match(text(edit.html), expected[0]!.name)

    const hiddenRow = new RegExp(`<tr[^>]*data-service-id="${hidden!.id}"[\\s\\S]*?</tr>`).exec(page1.html + page2.html)?.[0] ?? ''
    const when = new Date(FIXED_NOW.getTime() - 400 * DAY).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })
    t.match(text(hiddenRow), `${hidden!.name}`)
    t.match(text(hiddenRow), `${when} (400 days ago) Hidden until confirmed`)
    t.notMatch(page1.html + page2.html, `data-service-id="${fresh!.id}"`, '179 days is not stale')
    const never = expected.filter((r) => /Never/.test(text(new RegExp(`<tr[^>]*data-service-id="${r.id}"[\\s\\S]*?</tr>`).exec(page1.html + page2.html)![0])))
    const { rows: unconfirmed } = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM service WHERE status IN ('active', 'temporarily closed') AND verified_at IS NULL`)
    t.equal(never.length, unconfirmed[0]!.n, 'never-confirmed listings say so')
  })

  t.test('My organisation tells an admin with no organisation of their own where the listings are; the link leads there', async (t) => {
    const page = await admin.get('/my-organisation')
    t.equal(page.status, 200)
    t.match(page.html, 'href="/admin#stale"')
    t.match(text(page.html), 'The admin page’s list of listings not confirmed for 180 days links each listing to its edit page')
  })

  t.test('GET /admin with its query repeated or garbled is the page, never a 500', async (t) => {
    const page = await admin.get('/admin?stale_page=2&stale_page=x&approved=a&approved=b&published=1&published=2')
    t.equal(page.status, 200)
    t.match(text(page.html), `Showing 1 to ${STALE_PER_PAGE} of`, 'the first page')
    t.notMatch(page.html, 'nhsuk-notification-banner')
  })

  t.test('problem reports unresolved for more than 14 days are listed with listing, kind and age', async (t) => {
    const [old, recent] = (await app.db.query<{ id: string; name: string }>(`SELECT id, name FROM service WHERE status = 'active' ORDER BY name DESC LIMIT 2`)).rows
    await app.db.query(`INSERT INTO problem_report (service_id, kind, note, created_at) VALUES ($1, 'wrong_time', 'Now on Thursdays', $2), ($3, 'closed', '', $4)`, [
      old!.id,
      new Date(FIXED_NOW.getTime() - 20 * DAY).toISOString(),
      recent!.id,
      new Date(FIXED_NOW.getTime() - 3 * DAY).toISOString(),
    ])
    const page = await admin.get('/admin')
    const table = /<table[^>]*id="reports-table"[\s\S]*?<\/table>/.exec(page.html)?.[0] ?? ''
    t.match(text(table), `${old!.name} The days or times are wrong Now on Thursdays 20 days ago`)
    t.match(table, `href="/services/${old!.id}"`)
    t.notMatch(table, recent!.id, 'a 3-day-old report is not listed yet')
    t.match(text(page.html), 'Problem reports unresolved for more than 14 days (1)')
  })
})
