// A listing is confirmed as running when it is created, and whenever its organisation saves it
// whole; an admin's edit does not vouch for it. Built through the API on an empty directory,
// with a clock the test moves on.
import t from 'tap'
import { runFreshness } from '../../src/freshness/freshness.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'
import { DirectoryBuilder, type ServiceInput } from '../directory.ts'

const DAY = 86_400_000

t.test('listings are confirmed when created or saved by their organisation', async (t) => {
  let now = FIXED_NOW
  const app = await buildTestApp(t, { demo: 'empty', deps: { now: () => now } })
  const dir = await DirectoryBuilder.start(app)
  const org = await dir.organization({ name: 'Thornton Heath Walkers', local_authority: 'E09000008' })
  const doc: ServiceInput = {
    name: 'Tuesday Walk',
    delivery_modes: ['telephone'],
    group_size: 'small',
    taxonomy_terms: ['walking'],
    schedules: [{ kind: 'weekly', byday: ['TU'], opens_at: '10:00', closes_at: '11:00' }],
  }
  const created = await dir.service(org, doc)
  const read = async () => (await dir.call('GET', `/api/manage/services/${created.id}`, org.cookie)).body
  const listed = async () => (await dir.call('GET', '/api/manage/organizations', org.cookie)).body[0].services[0]
  t.equal((await read()).verified_at, FIXED_NOW.toISOString(), 'confirmed the moment it is created')
  t.equal((await listed()).stale, false, 'so not ranked as stale')

  now = new Date(FIXED_NOW.getTime() + 200 * DAY)
  await dir.signInAgain(org)
  t.equal((await listed()).stale, true, 'stale 200 days later')

  const byAdmin = await dir.call('PUT', `/api/manage/services/${created.id}`, dir.adminCookie, { ...doc, description: 'Fixed a typo.' }, { 'if-match': '"1"' })
  t.equal(byAdmin.status, 200)
  t.equal(byAdmin.body.verified_at, FIXED_NOW.toISOString(), 'an admin’s edit does not say it is still running')

  const byEditor = await dir.call('PUT', `/api/manage/services/${created.id}`, org.cookie, { ...doc, description: 'Still walking.' }, { 'if-match': '"2"' })
  t.equal(byEditor.status, 200)
  t.equal(byEditor.body.verified_at, now.toISOString(), 'saved whole by its organisation: confirmed now')
  t.equal((await listed()).stale, false)

  // A year and more without a word: the daily job hides it; the organisation saving it brings it back.
  now = new Date(now.getTime() + 400 * DAY)
  await dir.signInAgain(org)
  const run = await runFreshness(app.db, 'http://connector.test', now)
  t.equal(run.hidden, 1)
  t.same([(await listed()).held, (await listed()).status], ['hidden_until_confirmed', 'inactive'])
  const search = async () => (await app.inject({ url: '/api/search?postcode=CR0%204BG&q=walk' })).json().results.map((r: { name: string }) => r.name)
  t.same(await search(), [], 'hidden from search')
  const adminAgain = await dir.call('PUT', `/api/manage/services/${created.id}`, dir.adminCookie, doc, { 'if-match': '"3"' })
  t.equal(adminAgain.status, 200, JSON.stringify(adminAgain.body))
  t.same([(await listed()).held, (await listed()).status], ['hidden_until_confirmed', 'inactive'], 'an admin’s edit leaves it hidden')
  const editorAgain = await dir.call('PUT', `/api/manage/services/${created.id}`, org.cookie, doc, { 'if-match': '"4"' })
  t.equal(editorAgain.status, 200)
  t.same([(await listed()).held, (await listed()).status], [null, 'active'], 'its organisation saving it brings it back')
  t.same(await search(), ['Tuesday Walk'])
})
