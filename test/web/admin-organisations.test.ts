// The admin's organisation pages over an empty directory built through the API: every
// organisation with its approval, local authority and listings; adding one (approved at once, its
// editor invited by email); and adding and editing a listing for any organisation from its page.
import t from 'tap'
import { createAdmin } from '../../src/auth/admin.ts'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { readService } from '../../src/manage/store.ts'
import { DirectoryBuilder } from '../directory.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'
import { errorSummary, formFields, text, Visitor } from './helper.ts'

const PASSWORD = 'a long and unusual passphrase'
const CROYDON = 'E09000008'

interface Row {
  id: string
  name: string
  moderation: string
  local_authority: { code: string; name: string } | null
  services: number
}

t.test('admin organisation pages', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const dir = await DirectoryBuilder.start(app)
  const listed = await dir.organization({ name: 'Addiscombe Lunch Club', local_authority: CROYDON })
  await dir.service(listed, { name: 'Tuesday lunch by phone', delivery_modes: ['telephone'], group_size: 'small', taxonomy_terms: ['befriending'] })
  const registered = await app.inject({ method: 'POST', url: '/api/organizations/register', payload: { organization: { name: 'Waiting Room Choir' }, email: 'choir@example.org' } })
  t.equal(registered.statusCode, 202)
  await createAdmin(app.db, 'admin@example.org', PASSWORD, FIXED_NOW)
  await createAccount(app.db, { email: 'ed@example.org', role: 'editor', passwordHash: await hashPassword(PASSWORD), organizationIds: [listed.id] })
  const admin = new Visitor(app)
  await admin.signIn('admin@example.org', PASSWORD)
  const organisations = async () => (await dir.call('GET', '/api/admin/organizations', dir.adminCookie)).body as Row[]
  const rowOf = (html: string, id: string) => text(new RegExp(`<tr[^>]*data-organisation-id="${id}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '')

  t.test('GET /admin/organisations → every organisation, approved or waiting, with its local authority, listings and links; editors are refused', async (t) => {
    const page = await admin.get('/admin/organisations')
    t.equal(page.status, 200)
    const all = await organisations()
    t.same([...page.html.matchAll(/<tr[^>]*data-organisation-id="([^"]+)"/g)].map((m) => m[1]), all.map((o) => o.id), 'every organisation, in the API’s order')
    t.match(rowOf(page.html, listed.id), 'Addiscombe Lunch Club Approved Croydon 1 listing of Addiscombe Lunch Club Add a listing for Addiscombe Lunch Club')
    const waiting = all.find((o) => o.name === 'Waiting Room Choir')!
    t.match(rowOf(page.html, waiting.id), 'Waiting Room Choir Waiting for approval Not set None Add a listing')
    t.match(page.html, `href="/admin/organisations/${listed.id}#listings"`)
    t.match(page.html, `href="/my-organisation/organisations/${listed.id}/services/new"`)
    t.match(page.html, 'href="/admin/organisations/new"')
    t.match((await admin.get('/admin')).html, 'href="/admin/organisations"', 'the admin page leads here')

    const editor = new Visitor(app)
    await editor.signIn('ed@example.org', PASSWORD)
    for (const url of ['/admin/organisations', '/admin/organisations/new', `/admin/organisations/${listed.id}`]) t.equal((await editor.get(url)).status, 403, url)
    t.equal((await editor.post('/admin/organisations/new', { name: 'Sneaky' })).status, 403)
    t.equal((await new Visitor(app).get('/admin/organisations')).status, 303, 'signed out: to sign in')
  })

  t.test('add an organisation with an editor’s email → approved, its local authority kept, the editor invited; its page offers to add a listing', async (t) => {
    const form = formFields((await admin.get('/admin/organisations/new')).html)
    t.same(Object.keys(form).sort(), ['_csrf', 'charity_number', 'description', 'editor_email', 'email', 'local_authority', 'name', 'website'])
    const res = await admin.post('/admin/organisations/new', {
      ...form,
      name: 'Thornton Heath Men’s Shed',
      description: 'Woodwork and a cup of tea.',
      email: 'shed@example.org',
      website: 'https://shed.example.org',
      charity_number: '1180000',
      local_authority: CROYDON,
      editor_email: 'shed.editor@example.org',
    })
    t.equal(res.status, 303, errorSummary(res.html).join('; '))
    const created = (await organisations()).find((o) => o.name === 'Thornton Heath Men’s Shed')!
    t.match(created, { moderation: 'approved', local_authority: { code: CROYDON, name: 'Croydon' }, services: 0 })
    t.equal(res.location, `/admin/organisations/${created.id}?done=added-invited&id=${created.id}`)
    const mail = (await app.db.query<{ subject: string; body_text: string }>(`SELECT subject, body_text FROM mail_outbox WHERE to_address = 'shed.editor@example.org'`)).rows
    t.equal(mail.length, 1, 'one email to the editor')
    t.match(mail[0]!.body_text, /\/invitations\/accept\?token=/, 'an invitation to choose a password')
    t.match(mail[0]!.body_text, 'Thornton Heath Men’s Shed')

    const page = await admin.get(res.location!)
    t.equal(page.status, 200)
    const words = text(page.html)
    t.match(words, 'Thornton Heath Men’s Shed is added and approved, and its editor has been emailed an invitation.')
    t.match(words, 'Approved Yes Local authority Croydon Email address shed@example.org Website https://shed.example.org Charity number 1180000')
    t.match(words, 'Thornton Heath Men’s Shed has no listings yet.')
    t.match(page.html, `href="/my-organisation/organisations/${created.id}/services/new"`)
  })

  t.test('add an organisation with mistakes → the error summary in words, values kept, nothing added', async (t) => {
    const before = (await organisations()).length
    const form = formFields((await admin.get('/admin/organisations/new')).html)
    const bad = await admin.post('/admin/organisations/new', { ...form, name: '', website: 'shed.example.org', editor_email: 'not an email' })
    t.equal(bad.status, 422)
    t.same(errorSummary(bad.html), [
      'name: Enter the organisation’s name',
      'website: Enter a web address starting with https://, like https://www.example.org',
      'editor_email: Enter the editor’s email address in the right format, like name@example.org',
    ])
    t.match(bad.html, /id="editor_email"[^>]*value="not an email"/, 'values kept')
    const unknown = await admin.post('/admin/organisations/new', { ...form, name: 'Nowhere Knitters', local_authority: 'E09999999' })
    t.equal(unknown.status, 422)
    t.same(errorSummary(unknown.html), ['local_authority: Choose a local authority from the list'])
    t.equal((await organisations()).length, before, 'nothing added')
    t.equal((await app.db.query(`SELECT 1 FROM mail_outbox WHERE to_address = 'not an email'`)).rowCount, 0)
  })

  t.test('an admin adds and edits a listing for an organisation from its page, and comes back to it', async (t) => {
    const orgPage = await admin.get(`/admin/organisations/${listed.id}`)
    t.match(text(orgPage.html), 'Tuesday lunch by phone')
    const newUrl = `/my-organisation/organisations/${listed.id}/services/new`
    const blank = await admin.get(newUrl)
    t.equal(blank.status, 200)
    t.match(blank.html, `href="/admin/organisations/${listed.id}"`, 'the back link leads to the organisation’s page')
    const res = await admin.post(newUrl, {
      ...formFields(blank.html),
      name: 'Knit and natter online',
      taxonomy_terms: 'befriending',
      delivery_modes: 'online_video',
      group_size: 'small',
    })
    t.equal(res.status, 303, errorSummary(res.html).join('; '))
    const id = new URL(res.location!, 'http://x').searchParams.get('id')!
    t.equal(res.location, `/admin/organisations/${listed.id}?done=created&id=${id}`)
    t.same((await readService(app.db, id))!.document.service_areas, [{ kind: 'local_authority', code: CROYDON }], 'the organisation’s local authority by default')
    const back = await admin.get(res.location!)
    t.match(text(back.html), 'Knit and natter online is added to Addiscombe Lunch Club’s listings.')
    t.match(back.html, `href="/my-organisation/services/${id}/edit"`)

    const edit = `/my-organisation/services/${id}/edit`
    const saved = await admin.post(edit, { ...formFields((await admin.get(edit)).html), name: 'Knit and natter on video' })
    t.equal(saved.status, 303, errorSummary(saved.html).join('; '))
    t.equal(saved.location, `/admin/organisations/${listed.id}?done=listing-saved&id=${id}`)
    t.match(text((await admin.get(saved.location!)).html), 'Your changes to Knit and natter on video are saved.')
    t.equal((await organisations()).find((o) => o.id === listed.id)!.services, 2)

    const details = `/my-organisation/organisations/${listed.id}/edit`
    const org = await admin.post(details, formFields((await admin.get(details)).html))
    t.equal(org.location, `/admin/organisations/${listed.id}?done=saved&id=${listed.id}`, 'the details form comes back here too')
  })

  t.test('GET /admin/organisations/{id} for no organisation → 404 page', async (t) => {
    t.equal((await admin.get('/admin/organisations/00000000-0000-4000-8000-000000000000')).status, 404)
    t.equal((await admin.get('/admin/organisations/not-an-id')).status, 404)
  })
})
