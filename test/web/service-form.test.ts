// The listing edit and create forms, as a browser without JavaScript uses them: every value of
// the stored document in the form, saving through the self-service API with the version read,
// plain-words errors, another editor's save in between, and other organisations' listings.
import t from 'tap'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { readService } from '../../src/manage/store.ts'
import { documentFromForm, fieldFor, fieldPath, isBlank, keptItems, maxAt, nestForm, normaliseDate, normaliseTime, numberOr, ukDate } from '../../src/web/organisation/service-form.ts'
import { buildTestApp } from '../helper.ts'
import { errorSummary, formFields, text, Visitor } from './helper.ts'

const PASSWORD = 'a long and unusual passphrase'

t.test('form parser', async (t) => {
  t.test('nestForm: bracket and dot names nest by index; ticked boxes stay lists; prototype keys are ignored', async (t) => {
    const tree = nestForm({
      name: ' Lunch club ',
      'locations[1][name]': 'Hall',
      'locations.0.name': 'Church',
      'locations[0].accessibility': ['step_free', 'seating'],
      'contacts[0][phones][2][number]': '020 7946 0000',
      '__proto__[polluted]': 'yes',
      'a[constructor][x]': 'no',
    })
    t.same(fieldPath('contacts[0][phones][2][number]'), ['contacts', '0', 'phones', '2', 'number'])
    t.same(JSON.parse(JSON.stringify(tree)), {
      name: ' Lunch club ',
      locations: { 0: { name: 'Church', accessibility: ['step_free', 'seating'] }, 1: { name: 'Hall' } },
      contacts: { 0: { phones: { 2: { number: '020 7946 0000' } } } },
    })
    t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was touched')
  })

  t.test('keptItems: empty items dropped (ids and remove boxes do not count), removed ones marked, in index order', async (t) => {
    const tree = nestForm({
      'schedules[3][opens_at]': '10:00',
      'schedules[0][kind]': 'weekly',
      'schedules[0][remove]': 'yes',
      'schedules[1][opens_at]': '  ',
      'schedules[1][byday]': [],
      'schedules[2][location]': '',
      'contacts[0][phones][0][number]': '',
      'contacts[0][name]': '',
      'locations[0][id]': '2b1c8f64-7d4e-4a57-9d0e-6b1a4d7c0e11',
      'locations[0][remove]': 'yes',
    })
    t.same(keptItems(tree.schedules).map((k) => [k.index, k.removed]), [[0, true], [3, false]])
    t.ok(isBlank(tree.contacts), 'a contact with only an empty phone is empty')
    t.same(keptItems(tree.locations), [], 'an item with only its id and a remove box is empty')
  })

  t.test('times and dates as people type them', async (t) => {
    t.same(['9:30', '09.30', '14', '25:00', 'ten'].map(normaliseTime), ['09:30', '09:30', '14:00', '25:00', 'ten'])
    t.same(['2027-03-27', '27/3/2027', '31/02/2027', 'soon'].map(normaliseDate), ['2027-03-27', '2027-03-27', undefined, undefined])
    t.same(['2027-03-07', '2027-12-31', null].map(ukDate), ['7/3/2027', '31/12/2027', ''], 'stored dates shown as the hints ask for them')
  })

  t.test('amounts: commas only as thousands separators; "2,50" is passed on as typed, never as 250', async (t) => {
    t.same(['1,000', '12,500.50', '£4.50', '£1,250', '0', ''].map(numberOr), [1000, 12500.5, 4.5, 1250, 0, null])
    t.same(['2,50', '1,0000', '1,00', ',5', '4.50p'].map(numberOr), ['2,50', '1,0000', '1,00', ',5', '4.50p'])
  })

  t.test('limits in the messages are read off the schema', async (t) => {
    t.same([maxAt('name'), maxAt('taxonomy_terms'), maxAt('locations', 'address', 'city'), maxAt('contacts', 'phones', 'number'), maxAt('fees')], [200, 5, 100, 40, 500])
    const say = fieldFor({ document: {}, map: { locations: [], schedules: [], cost_options: [], contacts: [3], phones: [[2]], areas: [], nextLocation: 0 } })
    t.same(say('/name', { in: 'body', pointer: '/name', detail: 'Too big: expected string to have <=200 characters' }), { field: 'name', text: 'The name must be 200 characters or fewer' })
    t.same(say('/contacts/0/phones/0/number', { in: 'body', pointer: '/contacts/0/phones/0/number', detail: 'Too big: expected string to have <=40 characters' }), {
      field: 'contacts-3-phones-2-number',
      text: 'The phone number must be 40 characters or fewer',
    })
    t.same(say('/taxonomy_terms', { in: 'body', pointer: '/taxonomy_terms', detail: 'Too big: expected array to have <=5 items' }), { field: 'taxonomy_terms', text: 'Choose up to 5 types of activity' })
  })

  t.test('documentFromForm: removed and empty items left out, venue choices follow the venues that stay', async (t) => {
    const app = await buildTestApp(t)
    const stored = [{ id: '2b1c8f64-7d4e-4a57-9d0e-6b1a4d7c0e11', name: 'Old hall', description: '', latitude: 51.37, longitude: -0.1, transport_notes: null, address: { address_1: '1 Road', address_2: null, city: 'Croydon', postal_code: 'CR0 1TQ' }, accessibility: [] }]
    const built = await documentFromForm(
      app.db,
      nestForm({
        name: 'Club',
        taxonomy_terms: 'walking',
        delivery_modes: 'venue',
        group_size: 'small',
        'locations[0][id]': stored[0]!.id,
        'locations[0][name]': 'Old hall',
        'locations[0][address_1]': '1 Road',
        'locations[0][city]': 'Croydon',
        'locations[0][postal_code]': 'cr01tq',
        'locations[0][remove]': 'yes',
        'locations[1][id]': stored[0]!.id,
        'locations[1][name]': 'Old hall, kept',
        'locations[1][address_1]': '1 Road',
        'locations[1][city]': 'Croydon',
        'locations[1][postal_code]': 'cr0 1tq',
        'locations[1][accessibility]': ['step_free', 'seating'],
        'locations[1][access_details][step_free]': 'Ramp at the side',
        'locations[2][name]': '',
        'schedules[0][kind]': 'weekly',
        'schedules[0][byday]': ['TU', 'TH'],
        'schedules[0][opens_at]': '9:30',
        'schedules[0][closes_at]': '11.00',
        'schedules[0][location]': '1',
        'schedules[1][kind]': 'one_off',
        'schedules[1][remove]': 'yes',
        'cost_options[0][option]': 'Per session',
        'cost_options[0][amount]': '£4.50',
        'cost_options[1][option]': '',
        'contacts[0][name]': 'Ann',
        'contacts[0][phones][0][number]': '',
        'contacts[0][phones][1][number]': '07700 900001',
        'contacts[0][phones][2][number]': '07700 900002',
        'contacts[0][phones][2][remove]': 'yes',
        self_referral: 'no',
      }),
      stored,
    )
    t.same(built.problems, [])
    t.same(built.map, { locations: [1], schedules: [0], cost_options: [0], contacts: [0], phones: [[1]], areas: [], nextLocation: 2 })
    t.match(built.document, {
      name: 'Club',
      self_referral: false,
      locations: [{ id: stored[0]!.id, name: 'Old hall, kept', latitude: 51.37, longitude: -0.1, address: { postal_code: 'CR0 1TQ' }, accessibility: [{ feature: 'step_free', details: 'Ramp at the side' }, { feature: 'seating', details: null }] }],
      schedules: [{ kind: 'weekly', byday: ['TU', 'TH'], opens_at: '09:30', closes_at: '11:00', location_index: 0 }],
      cost_options: [{ option: 'Per session', amount: 4.5 }],
      contacts: [{ name: 'Ann', phones: [{ number: '07700 900001', description: null }] }],
    })
    t.equal((built.document.locations as unknown[]).length, 1)
    const orphan = await documentFromForm(app.db, nestForm({ 'locations[0][name]': 'Hall', 'locations[0][remove]': 'yes', 'schedules[4][kind]': 'by_arrangement', 'schedules[4][location]': '0' }))
    t.same(orphan.problems, [{ field: 'schedules-4-location', text: 'Choose a venue that is staying on the listing, or none' }])
    const costs = await documentFromForm(app.db, nestForm({ 'cost_options[0][option]': 'Per session', 'cost_options[0][amount]': '2,50', 'cost_options[2][option]': 'Per term', 'cost_options[2][amount]': '1,000' }))
    t.same(costs.problems, [{ field: 'cost_options-0-amount', text: 'Enter an amount in pounds, like 2.50' }], 'only the amount with a decimal comma is asked about')
    t.match(costs.document, { cost_options: [{ amount: '2,50' }, { amount: 1000 }] })
  })
})

t.test('listing forms', async (t) => {
  const app = await buildTestApp(t)
  // Organisation A: a listing at one venue (not shared with anyone) with a weekly time and a phone number.
  const { rows: picked } = await app.db.query<{ org: string; service: string }>(
    `SELECT s.organization_id AS org, s.id AS service
       FROM service s
      WHERE s.delivery_modes = '{venue}'
        AND (SELECT count(*) FROM service_at_location sal WHERE sal.service_id = s.id) = 1
        AND NOT EXISTS (SELECT 1 FROM service_at_location sal JOIN service_at_location o ON o.location_id = sal.location_id AND o.service_id <> s.id
                         WHERE sal.service_id = s.id)
        AND EXISTS (SELECT 1 FROM schedule sc JOIN service_at_location sal ON sal.id = sc.service_at_location_id
                     WHERE sal.service_id = s.id AND sc.kind = 'weekly' AND sc.opens_at IS NOT NULL)
        AND EXISTS (SELECT 1 FROM contact c JOIN phone p ON p.contact_id = c.id WHERE c.service_id = s.id)
      ORDER BY s.id LIMIT 1`,
  )
  const A = picked[0]!
  const { rows: others } = await app.db.query<{ org: string; service: string }>(
    'SELECT organization_id AS org, id AS service FROM service WHERE organization_id <> $1 ORDER BY id LIMIT 1',
    [A.org],
  )
  const B = others[0]!
  const hash = await hashPassword(PASSWORD)
  await createAccount(app.db, { email: 'ed.a@example.org', role: 'editor', passwordHash: hash, organizationIds: [A.org] })
  await createAccount(app.db, { email: 'ed.a2@example.org', role: 'editor', passwordHash: hash, organizationIds: [A.org] })
  const editor = async (email = 'ed.a@example.org') => {
    const v = new Visitor(app)
    await v.signIn(email, PASSWORD)
    return v
  }
  const edit = `/my-organisation/services/${A.service}/edit`
  const stored = async (id = A.service) => (await readService(app.db, id))!

  t.test('GET edit page → every current value is in the form, with the version', async (t) => {
    const before = await stored()
    const ed = await editor()
    const page = await ed.get(edit)
    t.equal(page.status, 200)
    const form = formFields(page.html)
    const doc = before.document
    const schedule = doc.schedules.find((s) => s.opens_at)!
    const at = doc.schedules.indexOf(schedule)
    const phone = doc.contacts.flatMap((c) => c.phones)[0]!
    t.equal(form.version, String(before.version))
    t.equal(form.name, doc.name)
    t.equal(form.description, doc.description)
    t.equal(form[`schedules[${at}][opens_at]`], schedule.opens_at)
    t.equal(form[`schedules[${at}][closes_at]`], schedule.closes_at)
    t.equal(form[`schedules[${at}][kind]`], schedule.kind)
    t.equal(form['locations[0][postal_code]'], doc.locations[0]!.address.postal_code)
    t.equal(form['locations[0][id]'], doc.locations[0]!.id)
    t.equal(form['contacts[0][phones][0][number]'], phone.number)
    t.same([form.taxonomy_terms].flat().sort(), [...doc.taxonomy_terms].sort())
    t.same([form.delivery_modes].flat(), doc.delivery_modes)
    t.equal(form.group_size, doc.group_size)
    t.match(page.html, `id="locations-${doc.locations.length}-name"`, 'an empty venue to add another')
    t.match(page.html, 'Remove this venue from the listing')
    t.match(page.html, /<h2[^>]*>When it runs<\/h2>/)
    const ids = [...page.html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])
    t.same(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'no id is used twice')
    t.equal(page.html.match(/<h1\b/g)?.length, 1, 'one h1')
    t.notMatch(page.html, /\sstyle="/, 'no inline styles')
    const inputs = [...page.html.matchAll(/<(?:input|select|textarea)\b[^>]*\sid="([^"]+)"[^>]*>/g)].map((m) => m[0]).filter((tag) => !/type="hidden"/.test(tag))
    const unlabelled = inputs.map((tag) => /\sid="([^"]+)"/.exec(tag)![1]!).filter((id) => !page.html.includes(`for="${id}"`))
    t.same(unlabelled, [], 'every control has a label')
  })

  t.test('POST edit page with a new name and opening time → stored as the next version, everything else as it was', async (t) => {
    const before = await stored()
    const ed = await editor()
    const form = formFields((await ed.get(edit)).html)
    const at = before.document.schedules.findIndex((s) => s.opens_at)
    form.name = 'Renamed by the form'
    form[`schedules[${at}][opens_at]`] = '9:15'
    const res = await ed.post(edit, form)
    t.equal(res.status, 303, errorSummary(res.html).join('; '))
    t.equal(res.location, `/my-organisation?done=listing-saved&id=${A.service}`)
    const after = await stored()
    t.equal(after.version, before.version + 1)
    t.equal(after.document.name, 'Renamed by the form')
    t.equal(after.document.schedules[at]!.opens_at, '09:15')
    const expected = structuredClone(before.document)
    expected.name = 'Renamed by the form'
    expected.schedules[at]!.opens_at = '09:15'
    t.same(after.document, expected, 'nothing else changed on the way through the form')
    const pub = (await app.inject({ url: `/api/services/${A.service}` })).json()
    t.equal(pub.name, 'Renamed by the form')
  })

  t.test('POST edit page with no name and no activity type → 422 error summary, values kept, nothing stored', async (t) => {
    const before = await stored()
    const ed = await editor()
    const form = formFields((await ed.get(edit)).html)
    form.name = ''
    delete form.taxonomy_terms
    form.description = 'A description that should stay in the form'
    const res = await ed.post(edit, form)
    t.equal(res.status, 422)
    t.same(errorSummary(res.html), ['name: Enter the name of the listing', 'taxonomy_terms: Choose at least one type of activity'])
    t.match(res.html, /<title>Error: /)
    t.match(res.html, 'A description that should stay in the form')
    t.match(res.html, /id="name-error"/, 'the message is on the field too')
    t.same(await stored(), before, 'nothing stored')
  })

  t.test('POST edit page with an unknown postcode on a venue → error on that field; a bad time → error on that time', async (t) => {
    const before = await stored()
    const ed = await editor()
    const form = formFields((await ed.get(edit)).html)
    const at = before.document.schedules.findIndex((s) => s.opens_at)
    form['locations[0][postal_code]'] = 'ZZ99 9ZZ'
    form[`schedules[${at}][opens_at]`] = 'morning'
    const res = await ed.post(edit, form)
    t.equal(res.status, 422)
    t.same(errorSummary(res.html), ['locations-0-postal_code: Enter a real postcode for the venue, like CR0 1AA', `schedules-${at}-opens_at: Enter the time it starts, like 10:00`])
    t.match(res.html, /id="locations-0-postal_code"[^>]*value="ZZ99 9ZZ"/)
    t.same(await stored(), before, 'nothing stored')
  })

  t.test('POST edit page with a new postcode → the venue moves to that postcode’s place', async (t) => {
    const before = await stored()
    const { rows } = await app.db.query<{ postcode: string; latitude: number; longitude: number }>(
      `SELECT postcode, latitude, longitude FROM postcode WHERE postcode <> $1 ORDER BY postcode LIMIT 1`,
      [before.document.locations[0]!.address.postal_code],
    )
    const place = rows[0]!
    const ed = await editor()
    const form = formFields((await ed.get(edit)).html)
    form['locations[0][postal_code]'] = place.postcode.toLowerCase().replace(' ', '')
    const res = await ed.post(edit, form)
    t.equal(res.status, 303, errorSummary(res.html).join('; '))
    const venue = (await stored()).document.locations[0]!
    t.same([venue.address.postal_code, venue.latitude, venue.longitude], [place.postcode, place.latitude, place.longitude])
  })

  t.test('POST edit page with a stale version → the 412 message, the listing as saved now, nothing overwritten', async (t) => {
    const first = await editor()
    const second = await editor('ed.a2@example.org')
    const mine = formFields((await first.get(edit)).html)
    const theirs = formFields((await second.get(edit)).html)
    theirs.name = 'Saved first by the other editor'
    t.equal((await second.post(edit, theirs)).status, 303)
    const saved = await stored()
    mine.description = 'My late change'
    const res = await first.post(edit, mine)
    t.equal(res.status, 409)
    t.same(errorSummary(res.html), ['your-changes: Someone else saved a change to this listing while you were editing'])
    t.match(res.html, /<h2\b[^>]*>(?:(?!<\/h2>)[\s\S])*Your changes were not saved/, 'the warning’s heading is an h2, next after the h1')
    t.notMatch(res.html, /<h3\b/)
    const words = text(res.html)
    t.match(words, 'What you entered that differs from the saved listing')
    t.match(words, 'Description My late change')
    t.match(words, 'Name ' + String(mine.name))
    const now = formFields(res.html)
    t.equal(now.name, 'Saved first by the other editor', 'the form shows the listing as saved now')
    t.equal(now.version, String(saved.version), 'with its current version, so saving again is possible')
    t.same(await stored(), saved, 'nothing overwritten')
  })

  t.test('POST edit page without a version, or a garbled one → the conflict page with the listing as saved now, nothing stored', async (t) => {
    const before = await stored()
    const ed = await editor()
    const form = formFields((await ed.get(edit)).html)
    form.description = 'Saved without knowing which version it changes'
    for (const version of [undefined, 'latest', '']) {
      if (version === undefined) delete form.version
      else form.version = version
      const res = await ed.post(edit, form)
      t.equal(res.status, 409, `version ${String(version)}`)
      t.same(errorSummary(res.html), ['your-changes: Someone else saved a change to this listing while you were editing'])
      t.match(text(res.html), 'Description Saved without knowing which version it changes')
      const now = formFields(res.html)
      t.equal(now.version, String(before.version), 'the form now carries the version saved')
      t.equal(now.description, before.document.description, 'and shows the listing as saved')
      t.notMatch(res.html, /If-Match/)
    }
    t.same(await stored(), before, 'nothing stored')
  })

  t.test('POST edit page with an unknown schedule kind and no version → the conflict page, that change said to need entering again, nothing stored', async (t) => {
    const before = await stored()
    const ed = await editor()
    const form = formFields((await ed.get(edit)).html)
    const at = before.document.schedules.findIndex((s) => s.opens_at)
    form[`schedules[${at}][kind]`] = 'fortnightly'
    delete form.version
    const res = await ed.post(edit, form)
    t.equal(res.status, 409)
    t.same(errorSummary(res.html), ['your-changes: Someone else saved a change to this listing while you were editing'])
    t.match(text(res.html), 'When it runs What you entered here could not be read: please enter it again')
    t.same(await stored(), before, 'nothing stored')
  })

  t.test('POST edit page with an impossible date → re-shown as typed, with its error; date fields are text, so nothing is blanked', async (t) => {
    const before = await stored()
    const ed = await editor()
    const page = await ed.get(edit)
    t.notMatch(page.html, /type="date"/)
    const form = formFields(page.html)
    const at = before.document.schedules.findIndex((s) => s.opens_at)
    form[`schedules[${at}][valid_from]`] = '31/02/2027'
    form[`schedules[${at}][valid_to]`] = '31/7/2028'
    const res = await ed.post(edit, form)
    t.equal(res.status, 422)
    t.same(errorSummary(res.html), [`schedules-${at}-valid_from: Enter a real date, like 27/3/2027`])
    const typed = formFields(res.html)
    t.equal(typed[`schedules[${at}][valid_from]`], '31/02/2027', 'the impossible date as typed')
    t.equal(typed[`schedules[${at}][valid_to]`], '31/7/2028', 'the other date as typed')
    t.match(res.html, new RegExp(`id="schedules-${at}-valid_from-error"`))
    t.notMatch(res.html, /type="date"/)
    t.same(await stored(), before, 'nothing stored')
    // Put right, both dates are stored, and the page shows them back as the hint asks for them.
    typed[`schedules[${at}][valid_from]`] = '1/9/2027'
    const saved = await ed.post(edit, typed)
    t.equal(saved.status, 303, errorSummary(saved.html).join('; '))
    t.match((await stored()).document.schedules[at], { valid_from: '2027-09-01', valid_to: '2028-07-31' })
    const again = formFields((await ed.get(edit)).html)
    t.same([again[`schedules[${at}][valid_from]`], again[`schedules[${at}][valid_to]`]], ['1/9/2027', '31/7/2028'])
  })

  t.test('POST edit page with a cost of "2,50" → error on that amount, nothing stored; "1,000" → £1000', async (t) => {
    const before = await stored()
    const ed = await editor()
    const form = formFields((await ed.get(edit)).html)
    const n = before.document.cost_options.length
    form[`cost_options[${n}][option]`] = 'Per term'
    form[`cost_options[${n}][amount]`] = '2,50'
    const res = await ed.post(edit, form)
    t.equal(res.status, 422)
    t.same(errorSummary(res.html), [`cost_options-${n}-amount: Enter an amount in pounds, like 2.50`])
    t.match(res.html, new RegExp(`id="cost_options-${n}-amount"[^>]*value="2,50"`))
    t.same(await stored(), before, 'nothing stored')
    const again = formFields(res.html)
    again[`cost_options[${n}][amount]`] = '1,000'
    const saved = await ed.post(edit, again)
    t.equal(saved.status, 303, errorSummary(saved.html).join('; '))
    t.match((await stored()).document.cost_options[n], { option: 'Per term', amount: 1000 })
  })

  t.test('another organisation’s listing: edit page → 404 page; POST → 404 and nothing changes', async (t) => {
    const before = await stored(B.service)
    const ed = await editor()
    const page = await ed.get(`/my-organisation/services/${B.service}/edit`)
    t.equal(page.status, 404)
    t.match(text(page.html), 'Page not found')
    await ed.get(edit)
    const res = await ed.post(`/my-organisation/services/${B.service}/edit`, { name: 'Hijacked', version: String(before.version), taxonomy_terms: 'walking', delivery_modes: 'telephone', group_size: 'small' })
    t.equal(res.status, 404)
    t.same(await stored(B.service), before)
    t.equal((await ed.get(`/my-organisation/organisations/${B.org}/services/new`)).status, 404)
    t.equal((await ed.get('/my-organisation/services/not-a-uuid/edit')).status, 404)
  })

  t.test('signed out → sign-in; a link worker → 403', async (t) => {
    const res = await new Visitor(app).get(edit)
    t.equal(res.status, 303)
    t.match(res.location, /^\/sign-in\?next=/)
    await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: hash })
    const worker = new Visitor(app)
    await worker.signIn('worker@example.org', PASSWORD)
    t.equal((await worker.get(edit)).status, 403)
  })

  t.test('create: a telephone-only listing with no venue → 303 and it is among A’s listings', async (t) => {
    const ed = await editor()
    const url = `/my-organisation/organisations/${A.org}/services/new`
    const page = await ed.get(url)
    t.equal(page.status, 200)
    const form = formFields(page.html)
    t.equal(form.name, '', 'the form starts empty')
    t.equal(form.status, 'active')
    const empty = await ed.post(url, form)
    t.equal(empty.status, 422)
    t.same(errorSummary(empty.html), [
      'name: Enter the name of the listing',
      'delivery_modes: Choose at least one way it is offered',
      'group_size: Choose the size of group',
      'taxonomy_terms: Choose at least one type of activity',
    ])
    Object.assign(form, {
      name: 'Telephone befriending',
      description: 'A weekly call from a volunteer.',
      taxonomy_terms: ['befriending'],
      delivery_modes: ['telephone'],
      group_size: 'one_to_one',
      'schedules[0][kind]': 'by_arrangement',
      'contacts[0][name]': 'Sam',
      'contacts[0][phones][0][number]': '020 7946 0123',
      'contacts[0][phones][0][description]': 'Office hours',
    })
    const res = await ed.post(url, form)
    t.equal(res.status, 303, errorSummary(res.html).join('; '))
    const cookie = ed.cookieHeader
    const mine = (await app.inject({ url: '/api/manage/organizations', headers: { cookie } })).json()
    const created = mine[0].services.find((s: { name: string }) => s.name === 'Telephone befriending')
    t.ok(created, 'among A’s listings')
    t.equal(res.location, `/my-organisation?done=created&id=${created.id}`)
    t.match(text((await ed.get(res.location!)).html), 'Telephone befriending is added to your listings.', 'the banner names it')
    const doc = (await stored(created.id)).document
    t.match(doc, {
      delivery_modes: ['telephone'],
      locations: [],
      schedules: [{ kind: 'by_arrangement', location_index: null }],
      cost_options: [],
      contacts: [{ name: 'Sam', phones: [{ number: '020 7946 0123', description: 'Office hours' }] }],
      taxonomy_terms: ['befriending'],
    })
  })
})
