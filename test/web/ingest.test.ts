// The ingest pages as a browser without JavaScript sees them: /admin/ingest (adding a source,
// harvesting it now, its run, quarantine and retry), the organisation page saying which feed
// keeps a listing and offering no edit, and uploading a spreadsheet (checked first, then saved).
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { adminSession, invited, TEST_PASSWORD } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'
import { feedServer, orukPage, orukService } from '../ingest/feed-server.ts'
import { errorSummary, text, Visitor } from './helper.ts'

t.test('ingest pages', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty', deps: { ingestAllowLoopback: true } })
  const api = await adminSession(app)
  const feed = await feedServer(t)
  const org = { id: randomUUID(), name: 'Norbury Neighbours', description: 'Neighbours helping neighbours.', organization_identifiers: [] }
  const good = orukService('Norbury Knit and Natter', org)
  const esd = { id: randomUUID(), name: 'Lunch clubs', description: 'x', taxonomy: 'esdServiceTypes', term_uri: 'http://id.esd.org.uk/service/1024' }
  const lunch = orukService('Norbury Lunch Club', org, { attributes: [{ id: randomUUID(), taxonomy_term_id: esd.id, taxonomy_term: esd }] })
  feed.state.answer = feed.json(orukPage([good, lunch]))
  const admin = new Visitor(app)
  await admin.signIn('admin@example.org', TEST_PASSWORD)

  let sourceId = ''
  t.test('adding a feed source on the admin page, with its address checked', async (t) => {
    const empty = await admin.get('/admin/ingest')
    t.equal(empty.status, 200)
    t.match(text(empty.html), 'There are no sources yet. Add the first below.')
    t.match((await admin.get('/admin')).html, '<a href="/admin/ingest">Listings from other directories</a>')
    const missing = await admin.post('/admin/ingest/sources', { name: 'Norbury feed', kind: 'oruk', url: '' })
    t.equal(missing.status, 422)
    t.same(errorSummary(missing.html), ['source-url: Enter the feed’s address'])
    const plain = await admin.post('/admin/ingest/sources', { name: 'Norbury feed', kind: 'oruk', url: `${feed.base}/oruk` })
    t.same(errorSummary(plain.html), ['source-url: Enter the feed’s full address, starting https:// (or http:// when plain http is allowed)'])
    t.match(plain.html, `value="${feed.base}/oruk"`, 'what they typed is kept')
    const added = await admin.post('/admin/ingest/sources', { name: 'Norbury feed', kind: 'oruk', url: `${feed.base}/oruk`, allow_http: 'yes' })
    t.equal(added.status, 303)
    sourceId = /id=([\w-]+)/.exec(added.location!)![1]!
    const page = await admin.get(added.location!)
    t.match(text(page.html), 'Norbury feed is added.')
    t.match(text(page.html), `Norbury feed Open Referral UK feed ${feed.base}/oruk Never run 0 0 Harvest now : Norbury feed`)
  })

  t.test('harvesting now: the run with its counts, and the record it could not use in quarantine with why', async (t) => {
    const run = await admin.post(`/admin/ingest/sources/${sourceId}/run`)
    t.equal(run.status, 303)
    const page = await admin.get(run.location!)
    t.match(text(page.html), 'Norbury feed was harvested: see its run below.')
    const row = (id: string) => text(new RegExp(`<tr class="nhsuk-table__row" data-source-id="${id}">[\\s\\S]*?</tr>`).exec(page.html)![0])
    t.match(row(sourceId), /Succeeded, 1 Nov 2026, 10:00 2 read: 1 added, 0 changed, 0 unchanged, 0 withdrawn, 1 in quarantine 1 1 Harvest now/)
    t.match(text(/id="runs-table"[\s\S]*?<\/table>/.exec(page.html)![0]), '1 Nov 2026, 10:00 Norbury feed Succeeded 2 read: 1 added')
    const quarantine = text(/id="quarantine-table"[\s\S]*?<\/table>/.exec(page.html)![0])
    t.match(quarantine, `Norbury feed ${lunch.id}`)
    t.match(quarantine, '/attributes : none of its terms maps to an activity type (esdServiceTypes: Lunch clubs): add a mapping, then retry Try again')
    const id = /data-quarantine-id="(\d+)"/.exec(page.html)![1]!
    const still = await admin.post(`/admin/ingest/quarantine/${id}/retry`)
    t.equal(still.status, 200)
    t.match(text(still.html), 'That did not work It still cannot be imported: /attributes: none of its terms maps to an activity type')
  })

  t.test('the organisation page says which feed keeps a listing, and its editors cannot open its edit form', async (t) => {
    const { rows } = await app.db.query<{ id: string; organization_id: string }>(`SELECT s.id, s.organization_id FROM service s WHERE s.name = 'Norbury Knit and Natter'`)
    const listing = rows[0]!
    await invited(app, api, { email: 'editor@norbury.example.org', role: 'editor', organization_id: listing.organization_id })
    const editor = new Visitor(app)
    await editor.signIn('editor@norbury.example.org', TEST_PASSWORD)
    const home = await editor.get('/my-organisation')
    const card = text(new RegExp(`id="listing-${listing.id}"[\\s\\S]*?</form>`).exec(home.html)![0])
    t.match(card, 'Kept up to date from Norbury feed , so it is changed there, not here. To edit it here instead, ask the Connector team to hand it over to you.')
    t.notMatch(home.html, `/my-organisation/services/${listing.id}/edit`, 'no edit link')
    const form = await editor.get(`/my-organisation/services/${listing.id}/edit`)
    t.equal(form.status, 409)
    t.match(text(form.html), 'This listing is kept up to date from Norbury feed, so it cannot be edited here.')

    t.test('uploading a spreadsheet: checked first (nothing saved), then saved, row by row', async (t) => {
      const page = await editor.get(`/my-organisation/organisations/${listing.organization_id}/upload`)
      t.equal(page.status, 200)
      t.match(page.html, '<a href="/api/ingest/csv/template" download>Download the template</a>')
      t.match(text(/id="columns-table"[\s\S]*?<\/table>/.exec(page.html)![0]), 'ref listing, venue, schedule Required. Your own reference for the listing')
      t.match(home.html, `<a href="/my-organisation/organisations/${listing.organization_id}/upload">Add or update listings from a spreadsheet`)

      const none = await editor.postFile(`/my-organisation/organisations/${listing.organization_id}/upload`, { action: 'check' }, { field: 'file', filename: 'empty.csv', content: '' })
      t.equal(none.status, 422)
      t.same(errorSummary(none.html), ['file: Choose the spreadsheet to upload, saved as CSV'])
      const latin = await editor.postFile(`/my-organisation/organisations/${listing.organization_id}/upload`, { action: 'check' }, { field: 'file', filename: 'latin.csv', content: Buffer.from([0x72, 0x65, 0x66, 0x0a, 0xe9]) })
      t.same(errorSummary(latin.html), ['file: The file is not UTF-8 text: save it from your spreadsheet as &quot;CSV UTF-8&quot;.'])

      const csv = 'ref,name,activity_types,venue_name,address_1,town,postcode,days,opens,closes\nC1,Norbury Chess,social-groups,Norbury Hall,1 London Road,Norbury,SW16 4DH,MO,18:00,20:00\nC2,Norbury Darts,darts,Norbury Hall,1 London Road,Norbury,SW16 4DH,TU,19:00,21:00\n'
      const checked = await editor.postFile(`/my-organisation/organisations/${listing.organization_id}/upload`, { action: 'check' }, { field: 'file', filename: 'listings.csv', content: csv })
      t.equal(checked.status, 200)
      t.match(text(checked.html), 'What the upload would do Information: Nothing has been saved yet. To save, choose the file again and select Upload. 2 listings: 1 to add, 0 to change, 0 unchanged, 1 that cannot be saved.')
      const line = (html: string, n: number) => text(new RegExp(`<tr class="nhsuk-table__row" data-line="${n}">[\\s\\S]*?</tr>`).exec(html)![0])
      t.equal(line(checked.html, 2), '2 C1 listing Added')
      t.equal(line(checked.html, 3), '3 C2 listing Not saved activity_types : darts is not an activity type: use the codes in the template’s guide, or ask an admin to map it')
      t.equal((await app.db.query(`SELECT 1 FROM service WHERE name = 'Norbury Chess'`)).rowCount, 0, 'a check saves nothing')

      const saved = await editor.postFile(`/my-organisation/organisations/${listing.organization_id}/upload`, { action: 'upload' }, { field: 'file', filename: 'listings.csv', content: csv })
      t.match(text(saved.html), 'What the upload did 2 listings: 1 added, 0 changed, 0 unchanged, 1 not saved.')
      const chess = (await app.db.query<{ id: string }>(`SELECT id FROM service WHERE name = 'Norbury Chess'`)).rows[0]!
      t.match(line(saved.html, 2), `2 C1 listing Added: view the listing on line 2`)
      t.match(saved.html, `<a href="/services/${chess.id}">view`)
      const after = await editor.get('/my-organisation')
      t.match(after.html, `/my-organisation/services/${chess.id}/edit`, 'a listing from the organisation’s own spreadsheet is theirs to edit')
    })
  })
})
