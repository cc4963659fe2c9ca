// /admin/teams, as an admin's browser without JavaScript sees it: the teams and how many link
// workers each has, adding a team, putting a link worker in a team (who can then record
// episodes through the API), and inviting a link worker into a team. Accounts by invitation.
import t from 'tap'
import { adminSession, invited, teamNamed, TEST_PASSWORD } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'
import { errorSummary, text, Visitor } from './helper.ts'

/** A team's name, network and link workers: the first three cells of its row. */
const teamRow = (html: string, id: string) =>
  [...(new RegExp(`<tr class="nhsuk-table__row" data-team-id="${id}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].slice(0, 3).map((m) => text(m[1]!)).join(' | ')

const row = (html: string, attr: string, id: string) => text(new RegExp(`<tr class="nhsuk-table__row" ${attr}="${id}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '')

t.test('admin teams pages', async (t) => {
  const app = await buildTestApp(t)
  const admin = await adminSession(app)
  const purley = await teamNamed(admin, 'Purley PCN')
  await invited(app, admin, { email: 'lw.purley@example.org', role: 'link_worker', team_id: purley })
  const loose = await invited(app, admin, { email: 'lw.new@example.org', role: 'link_worker' })
  const episode = { case_number: 'EMIS-1001', referral_route: 'self', age_band: '35-44', postcode: 'CR0 1NX' }
  t.equal((await loose.inject({ method: 'POST', url: '/api/episodes', payload: episode })).statusCode, 403, 'a link worker in no team cannot record episodes')

  const browser = new Visitor(app)
  await browser.signIn('admin@example.org', TEST_PASSWORD)

  t.test('/admin links to the teams page; others may not see it', async (t) => {
    t.match((await browser.get('/admin')).html, '<a href="/admin/teams">Link workers’ teams</a>')
    const worker = new Visitor(app)
    await worker.signIn('lw.new@example.org', TEST_PASSWORD)
    t.equal((await worker.get('/admin/teams')).status, 403)
    t.equal((await new Visitor(app).get('/admin/teams')).status, 303, 'anonymous people are sent to sign in')
  })

  t.test('the teams with their counts, and the link workers, those in no team first', async (t) => {
    const page = await browser.get('/admin/teams')
    t.equal(page.status, 200)
    t.equal(teamRow(page.html, purley), 'Purley PCN | None | 1')
    const workers = [...page.html.matchAll(/data-account-id="([^"]+)"/g)].map((m) => m[1])
    t.equal(workers[0], loose.account_id, 'the link worker in no team comes first')
    t.match(row(page.html, 'data-account-id', loose.account_id), /^lw\.new@example\.org No team Team for lw\.new@example\.org No team Purley PCN Save team for lw\.new@example\.org$/)
    t.match(row(page.html, 'data-account-id', workers[1]!), /^lw\.purley@example\.org Purley PCN /)
    t.notMatch(page.html, 'admin@example.org</td>', 'only link workers are listed')
  })

  let norbury = ''
  t.test('adding a team: a name is needed, and one no team has', async (t) => {
    await browser.get('/admin/teams')
    const empty = await browser.post('/admin/teams', { name: '  ' })
    t.equal(empty.status, 422)
    t.same(errorSummary(empty.html), ['team-name: Enter the team’s name'])
    const same = await browser.post('/admin/teams', { name: 'purley pcn' })
    t.equal(same.status, 409)
    t.same(errorSummary(same.html), ['team-name: A team already has this name: choose another, or use that team'])
    t.match(same.html, 'value="purley pcn"', 'what they typed is kept')
    const long = await browser.post('/admin/teams', { name: 'x'.repeat(121) })
    t.same(errorSummary(long.html), ['team-name: Team name must be 120 characters or fewer'])

    const added = await browser.post('/admin/teams', { name: 'Norbury PCN' })
    t.equal(added.status, 303)
    norbury = new URL(added.location!, 'http://x').searchParams.get('id')!
    t.equal(added.location, `/admin/teams?done=team-added&id=${norbury}`)
    const page = await browser.get(added.location!)
    t.match(text(page.html), 'Norbury PCN is added. Put link workers in it below, or invite them.')
    t.equal(teamRow(page.html, norbury), 'Norbury PCN | None | 0')
    const teams = (await admin.inject({ url: '/api/admin/teams' })).json() as Array<{ name: string; link_workers: number }>
    t.same(teams.map((x) => [x.name, x.link_workers]), [['Norbury PCN', 0], ['Purley PCN', 1]])
  })

  t.test('putting a link worker in a team: the count follows, and they can record episodes', async (t) => {
    await browser.get('/admin/teams')
    const res = await browser.post(`/admin/link-workers/${loose.account_id}/team`, { team_id: norbury })
    t.equal(res.status, 303)
    const page = await browser.get(res.location!)
    t.match(text(page.html), 'lw.new@example.org is now in Norbury PCN.')
    t.equal(teamRow(page.html, norbury), 'Norbury PCN | None | 1')
    t.match(row(page.html, 'data-account-id', loose.account_id), /^lw\.new@example\.org Norbury PCN /)
    t.match(page.html, new RegExp(`<option value="${norbury}" selected>Norbury PCN</option>`), 'their select shows their team')
    const opened = await loose.inject({ method: 'POST', url: '/api/episodes', payload: episode })
    t.equal(opened.statusCode, 201, opened.body)
    t.match(opened.json(), { team: { id: norbury, name: 'Norbury PCN' } })

    const unknown = await browser.post(`/admin/link-workers/${loose.account_id}/team`, { team_id: '00000000-0000-4000-8000-000000000000' })
    t.equal(unknown.status, 422)
    t.same(errorSummary(unknown.html), [`team-${loose.account_id}: Choose a team from the list`])
    const editorId = (await invited(app, admin, { email: 'ed@example.org', role: 'editor', organization_id: (await app.db.query<{ id: string }>('SELECT id FROM organization LIMIT 1')).rows[0]!.id })).account_id
    const editor = await browser.post(`/admin/link-workers/${editorId}/team`, { team_id: norbury })
    t.equal(editor.status, 422, 'only link workers belong to a team')
    t.equal((await browser.post('/admin/link-workers/not-an-id/team', { team_id: norbury })).status, 404)

    const out = await browser.post(`/admin/link-workers/${loose.account_id}/team`, { team_id: '' })
    t.equal(out.status, 303)
    t.match(text((await browser.get(out.location!)).html), 'lw.new@example.org is now in no team.')
    t.equal((await loose.inject({ method: 'POST', url: '/api/episodes', payload: { ...episode, case_number: 'EMIS-1002' } })).statusCode, 403, 'out of a team, no more episodes')
  })

  t.test('inviting a link worker into a team', async (t) => {
    await browser.get('/admin/teams')
    const missing = await browser.post('/admin/teams/invite', { email: '', team_id: '' })
    t.equal(missing.status, 422)
    t.same(errorSummary(missing.html), ['invite-email: Enter the link worker’s email address', 'invite-team: Choose the team the link worker works in'])
    const badEmail = await browser.post('/admin/teams/invite', { email: 'not an address', team_id: norbury })
    t.same(errorSummary(badEmail.html), ['invite-email: Enter an email address in the right format, like name@example.org'])
    t.match(badEmail.html, new RegExp(`<option value="${norbury}" selected>Norbury PCN</option>`), 'the team chosen is kept')

    const sent = await browser.post('/admin/teams/invite', { email: 'lw.invited@example.org', team_id: norbury })
    t.equal(sent.status, 200)
    t.match(text(sent.html), 'Invitation sent to lw.invited@example.org')
    const { rows } = await app.db.query<{ body_text: string }>('SELECT body_text FROM mail_outbox WHERE to_address = $1', ['lw.invited@example.org'])
    t.equal(rows.length, 1, 'the invitation is emailed')
    const token = /token=([\w-]+)/.exec(rows[0]!.body_text)![1]!
    const accepted = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, password: TEST_PASSWORD } })
    t.equal(accepted.statusCode, 200)
    t.match(accepted.json(), { role: 'link_worker', team: { id: norbury, name: 'Norbury PCN' } })
    t.equal(teamRow((await browser.get('/admin/teams')).html, norbury), 'Norbury PCN | None | 1')
  })

  t.test('the primary care network a team serves: chosen from the shipped GP practices’ PCNs, on adding or later', async (t) => {
    const pcns = (await admin.inject({ url: '/api/admin/pcns' })).json() as Array<{ code: string; name: string; practices: number }>
    t.equal(pcns.length, 9, 'the nine named Croydon PCNs (the unallocated practice is in none)')
    t.same(pcns.find((p) => p.code === 'U92836'), { code: 'U92836', name: 'CROYDON LINK PCN', practices: 3 })
    t.equal(pcns.reduce((n, p) => n + p.practices, 0), 48, 'every Croydon practice but the unallocated one')

    const page = await browser.get('/admin/teams')
    t.match(page.html, /<select[^>]*id="team-pcn"[^>]*name="pcn_code"/, 'adding a team offers its PCN')
    const added = await browser.post('/admin/teams', { name: 'Link Team', pcn_code: 'U92836' })
    t.equal(added.status, 303)
    const link = new URL(added.location!, 'http://x').searchParams.get('id')!
    t.equal(teamRow((await browser.get(added.location!)).html, link), 'Link Team | CROYDON LINK PCN (U92836) | 0')
    const tampered = await browser.post('/admin/teams', { name: 'Nowhere Team', pcn_code: 'U00000' })
    t.equal(tampered.status, 422)
    t.same(errorSummary(tampered.html), ['team-pcn: Choose a primary care network from the list'])

    const set = await browser.post(`/admin/teams/${purley}/pcn`, { pcn_code: 'U38734' })
    t.equal(set.status, 303)
    const after = await browser.get(set.location!)
    t.match(text(after.html), 'Purley PCN now serves SELSDON PURLEY & COULSDON HEALTH PCN.')
    t.equal(teamRow(after.html, purley), 'Purley PCN | SELSDON PURLEY & COULSDON HEALTH PCN (U38734) | 1')
    t.match(after.html, /<option value="U38734" selected>SELSDON PURLEY &amp; COULSDON HEALTH PCN \(U38734\)<\/option>/, 'its select shows its network')
    const teams = (await admin.inject({ url: '/api/admin/teams' })).json() as Array<{ id: string; pcn: unknown }>
    t.same(teams.find((x) => x.id === purley)!.pcn, { code: 'U38734', name: 'SELSDON PURLEY & COULSDON HEALTH PCN' })

    t.equal((await browser.post(`/admin/teams/${purley}/pcn`, { pcn_code: 'U12345' })).status, 422, 'a PCN not held')
    const unknown = await admin.inject({ method: 'PUT', url: `/api/admin/teams/${purley}/pcn`, payload: { pcn_code: 'U12345' } })
    t.equal(unknown.statusCode, 422)
    t.match(unknown.json(), { errors: [{ pointer: '/pcn_code' }] })
    t.equal((await admin.inject({ method: 'PUT', url: `/api/admin/teams/${purley}/pcn`, payload: { pcn_code: 'Purley' } })).statusCode, 400, 'not a PCN code')
    t.equal((await admin.inject({ method: 'PUT', url: '/api/admin/teams/00000000-0000-4000-8000-000000000000/pcn', payload: { pcn_code: null } })).statusCode, 404)
    t.equal((await browser.post('/admin/teams/00000000-0000-4000-8000-000000000000/pcn', { pcn_code: '' })).status, 404)

    const none = await browser.post(`/admin/teams/${purley}/pcn`, { pcn_code: '' })
    t.match(text((await browser.get(none.location!)).html), 'Purley PCN now serves no primary care network.')
  })
})
