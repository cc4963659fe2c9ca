// The "my organisation" pages over the demo directory, as an editor's browser without JavaScript
// sees them: listings and their freshness, confirm / referral status / resolve forms, the
// organisation's details with versions, inviting a colleague; other organisations are 404.
import t from 'tap'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { INVITATION_DAYS } from '../../src/auth/invitations.ts'
import { HIDE_AFTER_DAYS } from '../../src/freshness/freshness.ts'
import { STALE_AFTER_DAYS } from '../../src/search/postgres.ts'
import { freshnessTag } from '../../src/web/present.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'
import { errorSummary, formFields, text, Visitor } from './helper.ts'

const PASSWORD = 'a long and unusual passphrase'

/** The value an input shows, as a person reads it. */
const fieldValue = (html: string, id: string) => text(new RegExp(`<input[^>]*id="${id}"[^>]*value="([^"]*)"`).exec(html)?.[1] ?? '')

t.test('my organisation pages', async (t) => {
  const app = await buildTestApp(t)
  // Organisation A: the one with the most listings (ties by id); B: any other with a listing.
  const { rows: orgs } = await app.db.query<{ org: string; n: number }>(
    'SELECT organization_id AS org, count(*)::int AS n FROM service GROUP BY organization_id ORDER BY count(*) DESC, organization_id LIMIT 1',
  )
  const A = orgs[0]!.org
  const { rows: others } = await app.db.query<{ org: string; service: string }>(
    'SELECT organization_id AS org, id AS service FROM service WHERE organization_id <> $1 ORDER BY id LIMIT 1',
    [A],
  )
  const B = others[0]!
  const servicesOf = async (org: string) =>
    (await app.db.query<{ id: string; name: string; verified_at: Date | null; referral_capacity: string }>(
      'SELECT id, name, verified_at, referral_capacity FROM service WHERE organization_id = $1 ORDER BY name',
      [org],
    )).rows
  const orgRow = async (id: string) =>
    (await app.db.query<{ name: string; description: string; email: string | null; website: string | null; charity_number: string | null; version: number }>(
      'SELECT name, description, email, website, charity_number, version FROM organization WHERE id = $1',
      [id],
    )).rows[0]!

  // One of A's listings not confirmed for over a year, so the page has one to flag.
  await app.db.query(
    `UPDATE service SET verified_at = '2025-06-01T09:00:00Z' WHERE id = (SELECT id FROM service WHERE organization_id = $1 ORDER BY name LIMIT 1)`,
    [A],
  )
  const hash = await hashPassword(PASSWORD)
  await createAccount(app.db, { email: 'ed.a@example.org', role: 'editor', passwordHash: hash, organizationIds: [A] })
  await createAccount(app.db, { email: 'ed.a2@example.org', role: 'editor', passwordHash: hash, organizationIds: [A] })
  await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: hash })
  const signedIn = async (email: string) => {
    const v = new Visitor(app)
    await v.signIn(email, PASSWORD)
    return v
  }
  const edA = await signedIn('ed.a@example.org')

  t.test('GET /my-organisation → anonymous people are sent to sign in; link workers get the 403 page', async (t) => {
    const anon = await new Visitor(app).get('/my-organisation')
    t.equal(anon.status, 303)
    t.equal(decodeURIComponent(anon.location!), '/sign-in?next=/my-organisation')
    const worker = await (await signedIn('worker@example.org')).get('/my-organisation')
    t.equal(worker.status, 403)
    t.match(text(worker.html), 'You cannot do this')
  })

  t.test('GET /my-organisation → the editor sees exactly their organisation’s listings with their freshness', async (t) => {
    const page = await edA.get('/my-organisation')
    t.equal(page.status, 200)
    const mine = await servicesOf(A)
    const shown = [...page.html.matchAll(/data-service-id="([^"]+)"/g)].map((m) => m[1])
    t.same(shown, mine.map((s) => s.id), 'every listing of A, in name order, and nothing else')
    t.notOk(shown.includes(B.service))
    t.same([...page.html.matchAll(/data-organisation-id="([^"]+)"/g)].map((m) => m[1]), [A])
    for (const s of mine) {
      const card = text(new RegExp(`id="listing-${s.id}"[\\s\\S]*?Change referral status`).exec(page.html)![0])
      const fresh = freshnessTag(s.verified_at && s.verified_at.toISOString(), FIXED_NOW)
      t.match(card, s.name)
      t.match(card, fresh.text, `${s.name}: ${fresh.text}`)
      t.equal(card.includes('Needs confirming'), fresh.stale, `${s.name} flagged only when stale`)
      t.match(page.html, `href="/my-organisation/services/${s.id}/edit"`)
      t.match(page.html, `href="/services/${s.id}"`)
    }
    t.ok(mine.some((s) => freshnessTag(s.verified_at && s.verified_at.toISOString(), FIXED_NOW).stale), 'one of them needs confirming')
    t.match(text(page.html), `${mine[0]!.name} Needs confirming Not confirmed since 1 June 2025`)
    t.match(page.html, `href="/my-organisation/organisations/${A}/services/new"`)
    t.match(page.html, `href="/my-organisation/organisations/${A}/edit"`)
    t.match(text(page.html), 'There are no problems to resolve.')
    t.match(text(page.html), `A listing not confirmed for ${STALE_AFTER_DAYS} days is marked “Needs confirming” and searches show it as out of date. After ${HIDE_AFTER_DAYS} days it is hidden from searches until you confirm it.`)
  })

  t.test('POST /my-organisation/services/:id/confirm → verified now, success banner naming the listing', async (t) => {
    const s = (await servicesOf(A))[0]!
    const before = await edA.get('/my-organisation')
    t.match(text(new RegExp(`id="listing-${s.id}"[\\s\\S]*?Change referral status`).exec(before.html)![0]), 'Needs confirming')
    const res = await edA.post(`/my-organisation/services/${s.id}/confirm`)
    t.equal(res.status, 303)
    t.equal(res.location, `/my-organisation?done=confirmed&id=${s.id}`)
    const after = (await servicesOf(A)).find((x) => x.id === s.id)!
    t.equal(after.verified_at!.toISOString(), FIXED_NOW.toISOString())
    const page = await edA.get(res.location!)
    t.match(page.html, 'nhsuk-notification-banner--success')
    t.match(text(page.html), `Thank you. ${s.name} is marked as still running.`)
    const card = text(new RegExp(`id="listing-${s.id}"[\\s\\S]*?Change referral status`).exec(page.html)![0])
    t.match(card, 'Confirmed 1 November 2026')
    t.notMatch(card, 'Needs confirming')
  })

  t.test('GET /my-organisation?done=<anything else> shows no banner and never echoes the address', async (t) => {
    const page = await edA.get('/my-organisation?done=%3Cb%3Ehacked%3C%2Fb%3E&id=nonsense')
    t.equal(page.status, 200)
    t.notMatch(page.html, 'nhsuk-notification-banner')
    t.notMatch(page.html, 'hacked')
  })

  t.test('POST /my-organisation/services/:id/referrals → "full" stored; no choice → 422 with the error linked to the radios', async (t) => {
    const s = (await servicesOf(A))[0]!
    await edA.get('/my-organisation')
    const res = await edA.post(`/my-organisation/services/${s.id}/referrals`, { referral_capacity: 'full' })
    t.equal(res.status, 303)
    t.equal((await servicesOf(A)).find((x) => x.id === s.id)!.referral_capacity, 'full')
    const page = await edA.get(res.location!)
    t.match(text(page.html), `${s.name} now shows: Full.`)
    t.match(page.html, new RegExp(`id="referral-${s.id}-3" name="referral_capacity" type="radio" value="full" checked`))

    const none = await edA.post(`/my-organisation/services/${s.id}/referrals`, {})
    t.equal(none.status, 422)
    t.same(errorSummary(none.html), [`referral-${s.id}: Select whether the listing is taking referrals, has a waiting list or is full`])
    const odd = await edA.post(`/my-organisation/services/${s.id}/referrals`, { referral_capacity: 'closed' })
    t.equal(odd.status, 422)
    t.equal((await servicesOf(A)).find((x) => x.id === s.id)!.referral_capacity, 'full', 'nothing changed')
  })

  t.test('another organisation’s records are 404 pages, and stay unchanged', async (t) => {
    const before = await orgRow(B.org)
    const beforeService = (await servicesOf(B.org)).find((x) => x.id === B.service)!
    t.equal((await edA.get(`/my-organisation/organisations/${B.org}/edit`)).status, 404)
    t.equal((await edA.get(`/my-organisation/organisations/${B.org}/invite`)).status, 404)
    t.equal((await edA.get('/my-organisation/organisations/not-a-uuid/edit')).status, 404)
    await edA.get('/my-organisation')
    const edit = await edA.post(`/my-organisation/organisations/${B.org}/edit`, { name: 'Taken over', version: before.version })
    t.equal(edit.status, 404)
    t.match(text(edit.html), 'Page not found')
    const confirm = await edA.post(`/my-organisation/services/${B.service}/confirm`)
    t.equal(confirm.status, 404)
    t.equal((await edA.post(`/my-organisation/services/${B.service}/referrals`, { referral_capacity: 'full' })).status, 404)
    t.equal((await edA.post('/my-organisation/services/not-a-uuid/confirm')).status, 404)
    t.same(await orgRow(B.org), before)
    t.same((await servicesOf(B.org)).find((x) => x.id === B.service), beforeService)
  })

  t.test('GET/POST /my-organisation/organisations/:id/edit: field errors in words, a valid edit saved as a new version', async (t) => {
    const before = await orgRow(A)
    const form = await edA.get(`/my-organisation/organisations/${A}/edit`)
    t.equal(form.status, 200)
    t.match(form.html, `name="version" value="${before.version}"`)
    t.equal(fieldValue(form.html, 'name'), before.name)
    t.match(form.html, /<input[^>]*id="email"[^>]*autocomplete="off"/, 'the organisation’s email is not filled in with the editor’s own')
    t.match(form.html, /data-maxlength="5000"/, 'the description’s limit is the API’s')

    const empty = await edA.post(`/my-organisation/organisations/${A}/edit`, { name: '  ', description: 'New words', email: '', website: '', charity_number: '', version: before.version })
    t.equal(empty.status, 422)
    t.same(errorSummary(empty.html), ['name: Enter the organisation’s name'])
    t.match(empty.html, 'New words', 'what they typed is kept')
    t.same(await orgRow(A), before, 'nothing stored')

    const bad = await edA.post(`/my-organisation/organisations/${A}/edit`, { name: 'Fine', description: '', email: 'not an email', website: 'www.example.org', charity_number: '', version: before.version })
    t.equal(bad.status, 422)
    t.same(errorSummary(bad.html), [
      'email: Enter an email address in the right format, like name@example.org',
      'website: Enter a web address starting with https://, like https://www.example.org',
    ])
    t.same(await orgRow(A), before, 'nothing stored')

    const ok = await edA.post(`/my-organisation/organisations/${A}/edit`, {
      name: 'Croydon Friends Together',
      description: ' We run groups. ',
      email: 'hello@friends.example.org',
      website: 'https://friends.example.org',
      charity_number: '',
      version: before.version,
    })
    t.equal(ok.status, 303)
    t.equal(ok.location, `/my-organisation?done=saved&id=${A}`)
    t.same(await orgRow(A), {
      name: 'Croydon Friends Together',
      description: 'We run groups.',
      email: 'hello@friends.example.org',
      website: 'https://friends.example.org',
      charity_number: null,
      version: before.version + 1,
    })
    const page = await edA.get(ok.location!)
    t.match(text(page.html), 'Your organisation’s details are saved.')
    t.match(text(page.html), 'Croydon Friends Together')
  })

  t.test('the local authority it mainly works in: chosen from the list, saved, shown chosen; one we do not hold is refused in words', async (t) => {
    const authority = async () => (await app.db.query<{ local_authority: string | null; version: number }>('SELECT local_authority, version FROM organization WHERE id = $1', [A])).rows[0]!
    const url = `/my-organisation/organisations/${A}/edit`
    const page = await edA.get(url)
    t.match(text(page.html), 'Local authority it mainly works in (optional)')
    t.match(page.html, /<option value="E09000029"[^>]*>Sutton<\/option>/, 'the local authorities held, by name')
    const form = formFields(page.html)
    const before = await authority()
    t.equal(form.local_authority, before.local_authority ?? '', 'the stored one is chosen')

    const unknown = await edA.post(url, { ...form, local_authority: 'E09999999' })
    t.equal(unknown.status, 422)
    t.same(errorSummary(unknown.html), ['local_authority: Choose a local authority from the list'])
    t.same(await authority(), before, 'nothing saved')

    const ok = await edA.post(url, { ...form, local_authority: 'E09000029' })
    t.equal(ok.status, 303)
    t.same(await authority(), { local_authority: 'E09000029', version: before.version + 1 })
    t.equal(formFields((await edA.get(url)).html).local_authority, 'E09000029', 'shown chosen')
    const none = await edA.post(url, { ...formFields((await edA.get(url)).html), local_authority: '' })
    t.equal(none.status, 303)
    t.equal((await authority()).local_authority, null, '“Not set” clears it')
  })

  t.test('POST /my-organisation/organisations/:id/edit with a stale version → the "someone else changed it" message and nothing overwritten', async (t) => {
    const edA2 = await signedIn('ed.a2@example.org')
    const read = await orgRow(A)
    await edA.get(`/my-organisation/organisations/${A}/edit`)
    await edA2.get(`/my-organisation/organisations/${A}/edit`)
    const first = await edA.post(`/my-organisation/organisations/${A}/edit`, { name: 'Saved first', description: '', email: '', website: '', charity_number: '', version: read.version })
    t.equal(first.status, 303)
    const late = await edA2.post(`/my-organisation/organisations/${A}/edit`, { name: 'Saved second', description: 'Mine', email: '', website: '', charity_number: '', version: read.version })
    t.equal(late.status, 409)
    t.match(text(late.html), 'Someone else changed these details while you were editing. The form now shows what is saved')
    t.match(late.html, `name="version" value="${read.version + 1}"`, 'the form now carries the current version')
    t.equal(fieldValue(late.html, 'name'), 'Saved first', 'the form shows what is stored')
    t.match(text(late.html), 'Your changes that were not saved')
    t.match(text(late.html), 'Saved second')
    const now = await orgRow(A)
    t.same([now.name, now.version], ['Saved first', read.version + 1])
  })

  t.test('POST /my-organisation/organisations/:id/edit with no version, or a garbled one → "this form was out of date", nothing saved', async (t) => {
    const read = await orgRow(A)
    await edA.get(`/my-organisation/organisations/${A}/edit`)
    for (const version of [undefined, 'abc', '1'.repeat(40)]) {
      const res = await edA.post(`/my-organisation/organisations/${A}/edit`, { name: 'Without a version', description: '', email: '', website: '', charity_number: '', version })
      t.equal(res.status, 409, `version ${String(version).slice(0, 10)}`)
      t.same(errorSummary(res.html), ['name: This form was out of date. Here are the details as they are now; make your change again.'])
      t.notMatch(text(res.html), 'Someone else changed', 'nobody else did')
      t.match(res.html, `name="version" value="${read.version}"`)
      t.equal(fieldValue(res.html, 'name'), read.name, 'the form shows what is stored')
      t.match(text(res.html), 'Without a version', 'what they tried is shown')
    }
    t.same(await orgRow(A), read, 'nothing saved')
  })

  t.test('repeated fields are read as their first value, never a 500', async (t) => {
    const read = await orgRow(A)
    await edA.get(`/my-organisation/organisations/${A}/edit`)
    const res = await edA.post(`/my-organisation/organisations/${A}/edit`, { name: ['First name', 'Second name'], description: '', email: '', website: '', charity_number: '', version: [read.version, 99] })
    t.equal(res.status, 303)
    t.equal((await orgRow(A)).name, 'First name')
    const s = (await servicesOf(A))[0]!
    const referrals = await edA.post(`/my-organisation/services/${s.id}/referrals`, { referral_capacity: ['nonsense', 'full'] })
    t.equal(referrals.status, 422, 'the first value is the one chosen, and it is not a choice')
  })

  t.test('POST /my-organisation/problems/:id/resolve → the report is resolved with what was done', async (t) => {
    const s = (await servicesOf(A))[1] ?? (await servicesOf(A))[0]!
    const worker = await signedIn('worker@example.org')
    await worker.get(`/services/${s.id}/report-problem`)
    t.equal((await worker.post(`/services/${s.id}/report-problem`, { kind: 'wrong_time', note: 'It starts at 11 now' })).status, 303)
    const { rows } = await app.db.query<{ id: string }>('SELECT id FROM problem_report WHERE service_id = $1', [s.id])
    const report = rows[0]!.id

    const page = await edA.get('/my-organisation')
    const card = text(new RegExp(`id="report-${report}"[\\s\\S]*?</form>`).exec(page.html)![0])
    t.match(page.html, 'data-maxlength="1000"', 'the note’s limit is the API’s: 1000 characters')
    t.match(card, `${s.name} What is wrong The days or times are wrong Details It starts at 11 now Reported 1 November 2026`)

    const tooLong = await edA.post(`/my-organisation/problems/${report}/resolve`, { resolution_note: 'x'.repeat(1001) })
    t.equal(tooLong.status, 422)
    t.same(errorSummary(tooLong.html), [`resolution-${report}: What you did must be 1000 characters or fewer`])

    const res = await edA.post(`/my-organisation/problems/${report}/resolve`, { resolution_note: 'Changed the time to 11:00' })
    t.equal(res.status, 303)
    const stored = (await app.db.query<{ resolved_at: Date; resolution_note: string }>('SELECT resolved_at, resolution_note FROM problem_report WHERE id = $1', [report])).rows[0]!
    t.same([stored.resolved_at.toISOString(), stored.resolution_note], [FIXED_NOW.toISOString(), 'Changed the time to 11:00'])
    const after = await edA.get(res.location!)
    t.match(text(after.html), `The problem with ${s.name} is marked as resolved.`)
    t.notMatch(after.html, `id="report-${report}"`, 'no longer listed to resolve')
    t.match(text(after.html), 'Problems resolved recently')
    t.match(text(after.html), 'Changed the time to 11:00')
    t.equal((await edA.post('/my-organisation/problems/00000000-0000-4000-8000-000000000000/resolve', {})).status, 404)
  })

  t.test('GET/POST /my-organisation/organisations/:id/invite → an invitation mail is queued; bad addresses are refused in words', async (t) => {
    const lastMailTo = async (to: string) =>
      (await app.db.query<{ subject: string; body_text: string }>('SELECT subject, body_text FROM mail_outbox WHERE to_address = $1 ORDER BY id DESC LIMIT 1', [to])).rows[0]
    const form = await edA.get(`/my-organisation/organisations/${A}/invite`)
    t.equal(form.status, 200)
    t.match(text(form.html), `The link works once, for ${INVITATION_DAYS} days.`)
    const empty = await edA.post(`/my-organisation/organisations/${A}/invite`, { email: ' ' })
    t.equal(empty.status, 422)
    t.same(errorSummary(empty.html), ['email: Enter your colleague’s email address'])
    const bad = await edA.post(`/my-organisation/organisations/${A}/invite`, { email: 'colleague at example' })
    t.equal(bad.status, 422)
    t.same(errorSummary(bad.html), ['email: Enter an email address in the right format, like name@example.org'])
    t.match(bad.html, 'value="colleague at example"')

    const sent = await edA.post(`/my-organisation/organisations/${A}/invite`, { email: 'Colleague@Example.org' })
    t.equal(sent.status, 200)
    t.match(sent.html, 'nhsuk-notification-banner--success')
    t.match(text(sent.html), 'Invitation sent to colleague@example.org')
    const mail = await lastMailTo('colleague@example.org')
    t.equal(mail?.subject, 'You are invited to Connector')
    t.match(mail?.body_text, `keep ${(await orgRow(A)).name}'s listings up to date`)
    const { rows } = await app.db.query<{ role: string; organization_id: string }>("SELECT role, organization_id FROM invitation WHERE email = 'colleague@example.org'")
    t.same(rows, [{ role: 'editor', organization_id: A }])
  })
})
