// Where a listing's home visits, telephone and online sessions are available, as an editor sets
// it on the listing form without JavaScript (England, local authorities, wards, a distance from a
// venue, areas of its own kept or removed), the organisation's local authority when none is
// chosen, the words the listing page shows, and "an interpreter can be arranged". Over an empty
// directory (shipped postcodes and boundaries) built through the API.
import t from 'tap'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { listBoundaries } from '../../src/geo/boundaries.ts'
import { readService } from '../../src/manage/store.ts'
import { DirectoryBuilder, venueAt, type ServiceInput } from '../directory.ts'
import { buildTestApp } from '../helper.ts'
import { errorSummary, formFields, text, Visitor, type FormValue } from './helper.ts'

const PASSWORD = 'a long and unusual passphrase'
const CROYDON = 'E09000008'
const SUTTON = 'E09000029'

t.test('service areas on the listing form', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const dir = await DirectoryBuilder.start(app)
  const befrienders = await dir.organization({ name: 'Croydon Befrienders', local_authority: CROYDON })
  const nowhere = await dir.organization({ name: 'Roaming Listeners' })
  await createAccount(app.db, { email: 'ed@example.org', role: 'editor', passwordHash: await hashPassword(PASSWORD), organizationIds: [befrienders.id, nowhere.id] })
  await createAccount(app.db, { email: 'ed2@example.org', role: 'editor', passwordHash: await hashPassword(PASSWORD), organizationIds: [befrienders.id] })
  const ed = new Visitor(app)
  await ed.signIn('ed@example.org', PASSWORD)

  const wards = (await listBoundaries(app.db, 'ward')).filter((w) => w.parent_code === CROYDON)
  const [bensham, selhurst] = [wards.find((w) => w.code === 'E05011464')!, wards.find((w) => w.name === 'Selhurst')!]
  t.ok(bensham && selhurst, 'Bensham Manor and Selhurst wards are shipped')
  const { rows: places } = await app.db.query<{ postcode: string }>('SELECT postcode FROM postcode ORDER BY postcode LIMIT 1')
  const postcode = places[0]!.postcode

  const stored = async (id: string) => (await readService(app.db, id))!.document
  const listingsOf = async (org: string) => (await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM service WHERE organization_id = $1', [org])).rows[0]!.n
  /** The new-listing form filled in for a telephone befriending listing, plus `more`. */
  const newListing = async (org: string, name: string, more: Record<string, FormValue> = {}) => {
    const form = formFields((await ed.get(`/my-organisation/organisations/${org}/services/new`)).html)
    return ed.post(`/my-organisation/organisations/${org}/services/new`, {
      ...form,
      name,
      taxonomy_terms: 'befriending',
      delivery_modes: 'telephone',
      group_size: 'one_to_one',
      'schedules[0][kind]': 'by_arrangement',
      ...more,
    })
  }
  const createdId = (location: string | undefined) => new URL(location!, 'http://x').searchParams.get('id')!

  t.test('two wards ticked on a new telephone listing → the document holds exactly those wards; the edit page shows them ticked', async (t) => {
    const page = await ed.get(`/my-organisation/organisations/${befrienders.id}/services/new`)
    const words = text(page.html)
    t.match(words, 'Where it is available (home visits, telephone and online)')
    t.match(words, 'If you choose none, its home visits, telephone and online sessions are available in Croydon, your organisation’s local authority.')
    t.match(page.html, /<legend[^>]*>\s*Wards in Croydon\s*<\/legend>/, 'wards are grouped under their local authority')
    const res = await newListing(befrienders.id, 'Ward phone friends', { [`areas[ward][${CROYDON}]`]: [bensham.code, selhurst.code] })
    t.equal(res.status, 303, errorSummary(res.html).join('; '))
    const id = createdId(res.location)
    t.same((await stored(id)).service_areas, [{ kind: 'ward', code: bensham.code }, { kind: 'ward', code: selhurst.code }])

    const form = formFields((await ed.get(`/my-organisation/services/${id}/edit`)).html)
    t.same([form[`areas[ward][${CROYDON}]`]].flat().sort(), [bensham.code, selhurst.code].sort(), 'both wards ticked')
    t.equal(form['areas[local_authority]'], undefined, 'no local authority ticked')
    t.equal(form['areas[england]'], undefined, 'not England')
    const listing = text((await ed.get(`/services/${id}`)).html)
    t.match(listing, 'Available to anyone living in Bensham Manor ward, Croydon, by phone')
    t.match(listing, 'Available to anyone living in Selhurst ward, Croydon, by phone')
  })

  t.test('nothing ticked on a telephone listing → saved with the organisation’s local authority, shown ticked, and in words on the listing page', async (t) => {
    const res = await newListing(befrienders.id, 'Borough phone friends')
    t.equal(res.status, 303, errorSummary(res.html).join('; '))
    const id = createdId(res.location)
    t.same((await stored(id)).service_areas, [{ kind: 'local_authority', code: CROYDON }])
    const page = await ed.get(`/my-organisation/services/${id}/edit`)
    t.equal(formFields(page.html)['areas[local_authority]'], CROYDON, 'Croydon is ticked')
    t.match(page.html, new RegExp(`<input[^>]*name="areas\\[local_authority\\]"[^>]*value="${CROYDON}"[^>]*checked`))
    const listing = await ed.get(`/services/${id}`)
    t.match(text(listing.html), 'Where By telephone only: no venue to travel to. Available to anyone living in Croydon, by phone')
  })

  t.test('England and a local authority ticked, saved, then changed to another: the document follows the boxes', async (t) => {
    const res = await newListing(befrienders.id, 'National line', { 'areas[england]': 'yes', 'areas[local_authority]': SUTTON })
    t.equal(res.status, 303, errorSummary(res.html).join('; '))
    const id = createdId(res.location)
    t.same((await stored(id)).service_areas, [{ kind: 'england' }, { kind: 'local_authority', code: SUTTON }])
    t.match(text((await ed.get(`/services/${id}`)).html), 'Anywhere in England by phone')
    const form = formFields((await ed.get(`/my-organisation/services/${id}/edit`)).html)
    t.equal(form['areas[england]'], 'yes')
    delete form['areas[england]']
    form['areas[local_authority]'] = [CROYDON, SUTTON]
    const saved = await ed.post(`/my-organisation/services/${id}/edit`, form)
    t.equal(saved.status, 303, errorSummary(saved.html).join('; '))
    t.same((await stored(id)).service_areas, [{ kind: 'local_authority', code: CROYDON }, { kind: 'local_authority', code: SUTTON }])
  })

  t.test('a ward or local authority we do not hold, or a malformed code → the error summary in words, nothing saved', async (t) => {
    const before = await listingsOf(befrienders.id)
    const unknownWard = await newListing(befrienders.id, 'Tampered wards', { [`areas[ward][${CROYDON}]`]: [bensham.code, 'E05999999'] })
    t.equal(unknownWard.status, 422)
    t.same(errorSummary(unknownWard.html), [`areas-ward-${CROYDON}: Choose wards from the list`])
    t.match(unknownWard.html, new RegExp(`id="areas-ward-${CROYDON}-error"`), 'the message is on the ward boxes too')
    t.match(unknownWard.html, new RegExp(`value="${bensham.code}"[^>]*checked`), 'the ward ticked stays ticked')
    const malformed = await newListing(befrienders.id, 'Tampered authority', { 'areas[local_authority]': 'Croydon' })
    t.equal(malformed.status, 422)
    t.same(errorSummary(malformed.html), ['areas-local_authority: Choose local authorities from the list'])
    const unknownAuthority = await newListing(befrienders.id, 'Tampered authority', { 'areas[local_authority]': 'E09999999' })
    t.same(errorSummary(unknownAuthority.html), ['areas-local_authority: Choose local authorities from the list'])
    t.equal(await listingsOf(befrienders.id), before, 'nothing saved')
  })

  t.test('nothing ticked, and no local authority to fall back on → 422 asking where it is available, nothing saved', async (t) => {
    const page = await ed.get(`/my-organisation/organisations/${nowhere.id}/services/new`)
    t.match(text(page.html), 'Your organisation has not set one, so the local authority of the listing’s venue is used; a listing without a venue must choose here.')
    const res = await newListing(nowhere.id, 'Phone friends from nowhere')
    t.equal(res.status, 422)
    t.same(errorSummary(res.html), [
      'areas-england: Choose where its home visits, telephone or online sessions are available: your organisation has not set its local authority, and none could be found from the listing’s venues',
    ])
    t.equal(await listingsOf(nowhere.id), 0, 'nothing saved')
  })

  t.test('within some kilometres of a venue: saved against that venue, shown again; a distance out of range or without a venue is asked about', async (t) => {
    const venue = {
      'locations[0][name]': 'Bensham Hall',
      'locations[0][address_1]': '1 Hall Road',
      'locations[0][city]': 'Croydon',
      'locations[0][postal_code]': postcode,
      delivery_modes: ['venue', 'home_visit'],
    }
    const before = await listingsOf(befrienders.id)
    const far = await newListing(befrienders.id, 'Visits from the hall', { ...venue, 'areas[radius][0][km]': '500', 'areas[radius][0][location]': '0' })
    t.equal(far.status, 422)
    t.same(errorSummary(far.html), ['areas-radius-0-km: Enter a distance from 0.5 to 100 km, like 5 or 2.5'])
    t.match(far.html, /id="areas-radius-0-km"[^>]*value="500"/, 'the distance as typed')
    const noVenue = await newListing(befrienders.id, 'Visits from the hall', { ...venue, 'areas[radius][0][km]': '3' })
    t.same(errorSummary(noVenue.html), ['areas-radius-0-location: Choose the venue the distance is measured from'])
    t.equal(await listingsOf(befrienders.id), before, 'nothing saved')

    const res = await newListing(befrienders.id, 'Visits from the hall', { ...venue, 'areas[radius][0][km]': '2.5', 'areas[radius][0][location]': '0' })
    t.equal(res.status, 303, errorSummary(res.html).join('; '))
    const id = createdId(res.location)
    t.same((await stored(id)).service_areas, [{ kind: 'radius', km: 2.5, location_index: 0 }])
    const form = formFields((await ed.get(`/my-organisation/services/${id}/edit`)).html)
    t.same([form['areas[radius][0][km]'], form['areas[radius][0][location]']], ['2.5', '0'])
    t.match(text((await ed.get(`/services/${id}`)).html), 'Available to anyone living within 2.5 km of Bensham Hall, with home visits')
    // Removing the venue the distance is measured from is asked about, not guessed at.
    const removed = await ed.post(`/my-organisation/services/${id}/edit`, { ...form, 'locations[0][remove]': 'yes', delivery_modes: 'home_visit' })
    t.equal(removed.status, 422)
    t.same(errorSummary(removed.html), ['areas-radius-0-location: Choose a venue that is staying on the listing'])
  })

  t.test('an area of its own (from a feed) is listed by name and kept on save; ticking “Remove” removes it', async (t) => {
    const hall = await venueAt(app, postcode, 'Feed Hall')
    const [x, y] = [hall.longitude, hall.latitude]
    const square = { type: 'Polygon' as const, coordinates: [[[x - 0.01, y - 0.01], [x + 0.01, y - 0.01], [x + 0.01, y + 0.01], [x - 0.01, y + 0.01], [x - 0.01, y - 0.01]] as Array<[number, number]>] }
    const document: ServiceInput = {
      name: 'Fed in from a feed',
      delivery_modes: ['online_video'],
      group_size: 'small',
      taxonomy_terms: ['befriending'],
      service_areas: [{ kind: 'local_authority', code: CROYDON }, { kind: 'geometry', name: 'Around the old market', geojson: square }],
    }
    const listing = await dir.service(befrienders, document)
    const edit = `/my-organisation/services/${listing.id}/edit`
    const page = await ed.get(edit)
    t.match(text(page.html), 'Areas of its own These areas came with the listing and cannot be changed here. They stay unless you remove them. Around the old market Remove Around the old market')
    const form = formFields(page.html)
    form.description = 'Now with a description'
    t.equal((await ed.post(edit, form)).status, 303)
    t.same((await stored(listing.id)).service_areas, listing.document.service_areas, 'kept as it was')
    const again = formFields((await ed.get(edit)).html)
    t.equal((await ed.post(edit, { ...again, 'areas[geometry][0][remove]': 'yes' })).status, 303)
    t.same((await stored(listing.id)).service_areas, [{ kind: 'local_authority', code: CROYDON }], 'removed')
    t.notMatch(text((await ed.get(edit)).html), 'Around the old market')
  })

  t.test('“an interpreter can be arranged”: ticked, stored, shown on the listing and ticked again on the form', async (t) => {
    const res = await newListing(befrienders.id, 'Friends with interpreters', { languages: 'en, ta', interpreter_available: 'yes' })
    t.equal(res.status, 303, errorSummary(res.html).join('; '))
    const id = createdId(res.location)
    t.match(await stored(id), { languages: ['en', 'ta'], interpreter_available: true })
    t.match(text((await ed.get(`/services/${id}`)).html), 'Languages English, Tamil An interpreter can be arranged')
    const form = formFields((await ed.get(`/my-organisation/services/${id}/edit`)).html)
    t.equal(form.interpreter_available, 'yes')
    delete form.interpreter_available
    t.equal((await ed.post(`/my-organisation/services/${id}/edit`, form)).status, 303)
    t.equal((await stored(id)).interpreter_available, false, 'unticked, no longer')
  })

  t.test('someone else saved in between → the areas and interpreter this editor chose are in “what you entered”, in words', async (t) => {
    const res = await newListing(befrienders.id, 'Contested line')
    const id = createdId(res.location)
    const other = new Visitor(app)
    await other.signIn('ed2@example.org', PASSWORD)
    const edit = `/my-organisation/services/${id}/edit`
    const mine = formFields((await ed.get(edit)).html)
    const theirs = formFields((await other.get(edit)).html)
    t.equal((await other.post(edit, { ...theirs, description: 'Theirs first' })).status, 303)
    const late = await ed.post(edit, { ...mine, 'areas[local_authority]': [], [`areas[ward][${CROYDON}]`]: bensham.code, 'areas[england]': 'yes', interpreter_available: 'yes' })
    t.equal(late.status, 409)
    const words = text(late.html)
    t.match(words, 'Where it is available Anywhere in England; Bensham Manor ward')
    t.match(words, 'Interpreter Can be arranged')
    t.same((await stored(id)).service_areas, [{ kind: 'local_authority', code: CROYDON }], 'nothing of theirs overwritten')
  })
})
