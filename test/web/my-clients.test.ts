// "My clients" as a link worker uses it in a browser without JavaScript, over the demo
// directory: start an episode by case number, find it again, record UCLA-3 scores, match inside
// it and refer, refer from a listing page, follow the referral, close the episode. Accounts and
// teams are made through the API; the case number is in no URL, no log line and no page but the
// ones answering the form it was typed into.
import { PassThrough } from 'node:stream'
import t from 'tap'
import { GAP_POSTCODES } from '../../src/demo/generate.ts'
import { adminSession, invited, teamNamed, TEST_PASSWORD } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'
import { errorSummary, janeForm, text, Visitor, type FormValue, type PageAnswer } from './helper.ts'

const CASE = 'EMIS-58203147'
const DIGITS = '58203147'

/** A visitor whose every answer is kept, to look for the case number in them afterwards. */
class Recorded extends Visitor {
  readonly answers: Array<{ what: string; page: PageAnswer }> = []
  override async get(url: string): Promise<PageAnswer> {
    const page = await super.get(url)
    this.answers.push({ what: `GET ${url}`, page })
    return page
  }
  override async post(url: string, form: Record<string, FormValue> = {}): Promise<PageAnswer> {
    const page = await super.post(url, form)
    this.answers.push({ what: `POST ${url}`, page })
    return page
  }
}

/** The rows of the episodes table, as a person reads them. */
const tableRows = (html: string) =>
  [...html.matchAll(/<tr class="nhsuk-table__row" data-episode-id="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => ({ id: m[1]!, text: text(m[2]!) }))

/** The notification banner's words. */
const banner = (html: string) => text(/<div class="nhsuk-notification-banner__content">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '')

t.test('my clients: episodes, scores and referrals from the pages', async (t) => {
  const logs: string[] = []
  const logStream = new PassThrough()
  logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
  const app = await buildTestApp(t, { deps: { logStream }, config: { logLevel: 'trace' } })
  const admin = await adminSession(app)
  const team = await teamNamed(admin, 'Thornton Heath PCN')
  await invited(app, admin, { email: 'lw@example.org', role: 'link_worker', team_id: team })
  await invited(app, admin, { email: 'lw-none@example.org', role: 'link_worker' })
  const { rows: orgs } = await app.db.query<{ id: string }>(`SELECT organization_id AS id FROM service WHERE status = 'active' ORDER BY id LIMIT 1`)
  await invited(app, admin, { email: 'editor@example.org', role: 'editor', organization_id: orgs[0]!.id })
  const signedIn = async (email: string) => {
    const v = new Recorded(app)
    await v.signIn(email, TEST_PASSWORD)
    return v
  }
  const worker = await signedIn('lw@example.org')
  let episodeId = ''
  let reference = ''
  let matchedService = { id: '', name: '' }

  t.test('only a signed-in link worker reaches My clients; the menu offers it to them alone', async (t) => {
    const anonymous = await new Visitor(app).get('/my-clients')
    t.equal(anonymous.status, 303)
    t.equal(anonymous.location, '/sign-in?next=%2Fmy-clients')
    const editor = await signedIn('editor@example.org')
    const refused = await editor.get('/my-clients')
    t.equal(refused.status, 403)
    t.match(text(refused.html), 'You cannot do this')
    t.notMatch(refused.html, 'href="/my-clients"', 'no menu item for an editor')
    const mine = await worker.get('/my-clients')
    t.equal(mine.status, 200)
    t.match(mine.html, /<a[^>]*href="\/my-clients"[^>]*>\s*(<[^>]+>\s*)*My clients/, 'the menu links to My clients')
    t.match(text(mine.html), 'Episodes of your team, Thornton Heath PCN.')
    t.match(text(mine.html), 'Connector keeps only a keyed code made from it, never the number itself')
    t.match(text(mine.html), 'You have no open episodes.')
  })

  t.test('a link worker with no team is told they need one', async (t) => {
    const lonely = await signedIn('lw-none@example.org')
    const page = await lonely.get('/my-clients')
    t.equal(page.status, 200)
    t.match(text(page.html), 'You need to be in a team before you can record the people you support.')
    t.match(text(page.html), 'Ask a Connector administrator to add you to your team.')
    t.notMatch(page.html, 'action="/my-clients/find"', 'no form to find or start an episode')
    const episode = await lonely.get('/my-clients/00000000-0000-4000-8000-000000000000')
    t.equal(episode.status, 403)
    t.match(text(episode.html), 'You are not in a team yet')
  })

  t.test('finding an unknown case number offers the start form; its errors keep nothing', async (t) => {
    await worker.get('/my-clients')
    const empty = await worker.post('/my-clients/find', { case_number: '' })
    t.equal(empty.status, 422)
    t.same(errorSummary(empty.html), ['case_number: Enter the case number'])
    const odd = await worker.post('/my-clients/find', { case_number: 'Rose Smith, 12 High St' })
    t.same(errorSummary(odd.html), ['case_number: The case number may hold only letters, digits and / . _ -'])

    const none = await worker.post('/my-clients/find', { case_number: CASE })
    t.equal(none.status, 200)
    t.match(text(none.html), 'Your team has no open episode for this case number. Start one below.')
    t.match(text(none.html), 'Used only to find their postcode district and ward, then dropped: the postcode itself is not kept.')
    t.match(none.html, /<form method="post" action="\/my-clients\/start"/)

    const missing = await worker.post('/my-clients/start', { case_number: CASE, postcode: '' })
    t.equal(missing.status, 422)
    t.same(errorSummary(missing.html), [
      'referral_route: Select who referred them to you',
      'postcode: Enter their home postcode, like CR0 1AA',
      'age_band: Select their age band',
    ])
    t.match(missing.html, /<title>Error: My clients/)
    const badPostcode = await worker.post('/my-clients/start', { case_number: CASE, referral_route: 'gp', postcode: 'not a postcode', age_band: '75-84' })
    t.equal(badPostcode.status, 422)
    t.same(errorSummary(badPostcode.html), ['postcode: Enter a real postcode, like CR0 1AA'])
    t.match(badPostcode.html, /name="referral_route" type="radio" value="gp" checked/, 'their answers are kept to correct')
    t.match(badPostcode.html, /name="age_band" type="radio" value="75-84" checked/)
    t.equal((await app.db.query('SELECT 1 FROM episode')).rowCount, 0, 'no episode was stored by a refused form')
  })

  t.test('starting an episode, then finding it again by the same number spelt differently', async (t) => {
    const started = await worker.post('/my-clients/start', { case_number: CASE, referral_route: 'gp', postcode: 'CR7 8RH', age_band: '75-84' })
    t.equal(started.status, 303)
    const m = /^\/my-clients\/([0-9a-f-]{36})\?done=started$/.exec(started.location ?? '')
    t.ok(m, `redirected to the episode: ${started.location}`)
    episodeId = m![1]!
    const page = await worker.get(started.location!)
    t.equal(page.status, 200)
    reference = /<h1>Episode (E-[0-9A-Z]{6})<\/h1>/.exec(page.html)![1]!
    t.equal(banner(page.html), `Episode ${reference} is started. Note this code in your own records: Connector does not keep the case number.`)
    const words = text(page.html)
    const { rows } = await app.db.query<{ ward_name: string }>('SELECT ward_name FROM episode WHERE id = $1', [episodeId])
    t.match(words, `Area CR7, ${rows[0]!.ward_name}`)
    t.match(words, 'Age band 75-84')
    t.match(words, 'Referred by A GP')
    t.match(words, 'Opened 1 November 2026')
    t.match(words, 'No scores yet.')
    t.match(page.html, `href="/match?episode=${episodeId}"`)
    t.match(words, 'Find activities for this client')

    // Another team's link worker: the episode does not exist for them, nor does the number.
    const purley = await teamNamed(admin, 'Purley PCN')
    await invited(app, admin, { email: 'lw-purley@example.org', role: 'link_worker', team_id: purley })
    const other = await signedIn('lw-purley@example.org')
    const theirs = await other.get(`/my-clients/${episodeId}`)
    t.equal(theirs.status, 404)
    t.match(text(theirs.html), 'Page not found')
    t.equal((await other.get(`/match?episode=${episodeId}`)).status, 404, 'nor can they match inside it')
    const notFound = await other.post('/my-clients/find', { case_number: CASE })
    t.equal(notFound.status, 200)
    t.match(text(notFound.html), 'Your team has no open episode for this case number.', 'their team has no episode for the number')

    const again = await worker.post('/my-clients/find', { case_number: ' emis-5820 3147 ' })
    t.equal(again.status, 303)
    t.equal(again.location, `/my-clients/${episodeId}`, 'the same episode, by the same number in other spacing and case')
  })

  t.test('recording UCLA-3 scores: every question needs an answer; the page shows totals, wording and the change', async (t) => {
    await worker.get(`/my-clients/${episodeId}`)
    const partial = await worker.post(`/my-clients/${episodeId}/scores`, { kind: 'baseline', companionship: '3' })
    t.equal(partial.status, 422)
    t.same(errorSummary(partial.html), [
      'left_out: Select an answer to “How often do you feel left out?”',
      'isolated: Select an answer to “How often do you feel isolated from others?”',
    ])
    t.match(partial.html, /name="companionship" type="radio" value="3" checked/, 'the answer given is kept')
    t.equal((await app.db.query('SELECT 1 FROM loneliness_score')).rowCount, 0, 'nothing half-written is stored')

    const form = await worker.get(`/my-clients/${episodeId}`)
    const words = text(form.html)
    t.match(words, 'Record a baseline score')
    for (const q of ['How often do you feel that you lack companionship?', 'How often do you feel left out?', 'How often do you feel isolated from others?', 'How often do you feel lonely? (optional)']) {
      t.match(form.html, new RegExp(`<legend[^>]*>\\s*${q.replace(/[?()]/g, '\\$&')}\\s*</legend>`), `a fieldset's legend asks “${q}”`)
    }
    t.match(words, 'Hardly ever or never (1) Some of the time (2) Often (3)')
    t.match(words, 'Often or always Some of the time Occasionally Hardly ever Never')
    t.match(words, 'so the total runs from 3 to 9: a higher total means lonelier')

    const baseline = await worker.post(`/my-clients/${episodeId}/scores`, { kind: 'baseline', companionship: '3', left_out: '2', isolated: '3', direct: 'often_always' })
    t.equal(baseline.status, 303)
    t.equal(baseline.location, `/my-clients/${episodeId}?done=score`)
    const recorded = await worker.get(baseline.location!)
    t.match(banner(recorded.html), 'The baseline score is recorded: 8 out of 9.')
    const after = text(recorded.html)
    t.match(after, 'Baseline, 1 November 2026: 8 out of 9')
    t.match(after, 'How often do you feel that you lack companionship? Often (3)')
    t.match(after, 'How often do you feel left out? Some of the time (2)')
    t.match(after, 'How often do you feel isolated from others? Often (3)')
    t.match(after, 'How often do you feel lonely? Often or always')
    t.match(after, 'Record a follow-up score', 'the next score is a follow-up')

    const followUp = await worker.post(`/my-clients/${episodeId}/scores`, { kind: 'follow_up', companionship: '2', left_out: '1', isolated: '2', direct: '' })
    t.equal(followUp.status, 303)
    const changed = text((await worker.get(`/my-clients/${episodeId}`)).html)
    t.match(changed, 'Down 3 points, from 8 at the baseline to 5 at the latest follow-up: less lonely.')
    t.match(changed, 'Follow-up, 1 November 2026: 5 out of 9')

    const list = await worker.get('/my-clients')
    t.same(tableRows(list.html), [{ id: episodeId, text: `${reference} 1 November 2026 A GP CR7, ${(await app.db.query<{ ward_name: string }>('SELECT ward_name FROM episode')).rows[0]!.ward_name} 5 out of 9 0` }])
  })

  t.test('matching inside the episode records its gap against the episode, and refers the top result', async (t) => {
    const form = await worker.get(`/match?episode=${episodeId}`)
    t.equal(form.status, 200)
    t.match(text(form.html), `Matching for episode ${reference} .`)
    t.match(form.html, `<input type="hidden" name="episode" value="${episodeId}">`)
    t.equal((await new Visitor(app).get(`/match?episode=${episodeId}`)).status, 303, 'not signed in: to sign in')
    t.equal((await (await signedIn('editor@example.org')).get(`/match?episode=${episodeId}`)).status, 403, 'an editor has no episodes')

    const before = (await app.db.query<{ id: string }>('SELECT id FROM match_gap')).rows.map((r) => r.id)
    const results = await worker.post('/match', { episode: episodeId, ...janeForm(GAP_POSTCODES.south) })
    t.equal(results.status, 200)
    t.match(text(results.html), `Matching for episode ${reference} .`)
    const { rows: gaps } = await app.db.query<{ episode_id: string; age_band: string; team_id: string }>(
      'SELECT episode_id, age_band, team_id FROM match_gap WHERE NOT (id = ANY($1::uuid[]))',
      [before],
    )
    t.ok(gaps.length >= 1, 'the unmet need is recorded')
    for (const g of gaps) t.same(g, { episode_id: episodeId, age_band: '75-84', team_id: team }, 'inside the episode, with its age band')
    t.match(results.html, `<form id="refer" method="post" action="/my-clients/${episodeId}/refer" novalidate>`)
    const cards = [...results.html.matchAll(/<li class="nhsuk-card" data-service-id="([^"]+)">[\s\S]*?<h3[^>]*>[\s\S]*?<a href="\/services\/[^"]+">([^<]+)<\/a>/g)].map((c) => ({ id: c[1]!, name: c[2]! }))
    const buttons = [...results.html.matchAll(/type="submit" form="refer" name="service_id" value="([^"]+)"/g)].map((b) => b[1])
    t.ok(cards.length >= 1)
    t.same(buttons, cards.map((c) => c.id), 'each result has its Refer button')
    matchedService = cards[0]!

    const anonymousResults = await (async () => {
      const v = new Visitor(app)
      await v.get('/match')
      return v.post('/match', { postcode: GAP_POSTCODES.south, travel: 'housebound', terms: 'befriending', cost: 'any' })
    })()
    t.notMatch(anonymousResults.html, 'form="refer"', 'no Refer button without an episode')

    const referred = await worker.post(`/my-clients/${episodeId}/refer`, { service_id: matchedService.id, source: 'match' })
    t.equal(referred.status, 303)
    t.match(referred.location, new RegExp(`^/my-clients/${episodeId}\\?done=referred&referral=[0-9a-f-]{36}$`))
    const page = await worker.get(referred.location!)
    const { rows } = await app.db.query<{ reference: string; org: string }>(
      'SELECT r.reference, o.name AS org FROM referral r JOIN organization o ON o.id = r.organization_id WHERE r.service_id = $1',
      [matchedService.id],
    )
    t.match(banner(page.html), `Referral ${rows[0]!.reference} to ${matchedService.name} is sent to ${rows[0]!.org}.`)
    const card = text(/<div class="nhsuk-card connector-referral"[\s\S]*?<\/form>/.exec(page.html)![0])
    t.match(card, `Referral ${rows[0]!.reference} Status Sent Found in Match results History Sent, 1 November 2026`)
    t.match(card, 'Close the referral', 'a sent referral can only be closed by its link worker')
    t.notMatch(card, 'Mark as attended')

    const twice = await worker.post(`/my-clients/${episodeId}/refer`, { service_id: matchedService.id, source: 'match' })
    t.equal(twice.status, 422)
    t.same(errorSummary(twice.html), [`referrals: The person already has a referral to ${matchedService.name} (${rows[0]!.reference}, sent).`])
  })

  t.test('referring from a listing page by case number', async (t) => {
    const { rows } = await app.db.query<{ id: string; name: string }>(`SELECT id, name FROM service WHERE status = 'active' AND id <> $1 ORDER BY name, id LIMIT 1`, [matchedService.id])
    const listing = rows[0]!
    const page = await worker.get(`/services/${listing.id}`)
    t.match(text(page.html), `Refer a client Refer someone you support in Thornton Heath PCN to ${listing.name}.`)
    t.notMatch((await new Visitor(app).get(`/services/${listing.id}`)).html, 'Refer a client', 'not offered to someone not signed in')
    t.notMatch((await (await signedIn('editor@example.org')).get(`/services/${listing.id}`)).html, 'Refer a client', 'nor to an editor')

    const unknown = await worker.post(`/services/${listing.id}/refer`, { case_number: 'NOPE-1' })
    t.equal(unknown.status, 422)
    t.same(errorSummary(unknown.html), ['case_number: Your team has no open episode with this case number. Start one in My clients, then refer them.'])
    t.match(text(unknown.html), 'Start an episode for them in My clients , then refer them from here or from their episode.')
    t.match(unknown.html, '<a href="/my-clients">Start an episode for them in My clients</a>')
    t.notMatch(unknown.html, 'NOPE-1', 'the number typed is not shown again')
    const blank = await worker.post(`/services/${listing.id}/refer`, { case_number: '' })
    t.same(errorSummary(blank.html), ['case_number: Enter the case number'])

    const referred = await worker.post(`/services/${listing.id}/refer`, { case_number: CASE })
    t.equal(referred.status, 303)
    t.match(referred.location, new RegExp(`^/my-clients/${episodeId}\\?done=referred&referral=`))
    const episode = await worker.get(referred.location!)
    t.match(banner(episode.html), `to ${listing.name} is sent to`)
    t.match(text(episode.html), /Found in Listing page/)
    t.match(tableRows((await worker.get('/my-clients')).html)[0]!.text, / 2$/, 'two referrals in the table')
  })

  t.test('the referral’s status as the organisation and the link worker move it', async (t) => {
    const { rows } = await app.db.query<{ id: string; organization_id: string; reference: string }>('SELECT id, organization_id, reference FROM referral WHERE service_id = $1', [matchedService.id])
    const referral = rows[0]!
    const orgEditor = await invited(app, admin, { email: 'ed-match@example.org', role: 'editor', organization_id: referral.organization_id })
    const accepted = await orgEditor.inject({ method: 'POST', url: `/api/manage/referrals/${referral.id}/status`, payload: { status: 'accepted' } })
    t.equal(accepted.statusCode, 200, accepted.body)

    const page = await worker.get(`/my-clients/${episodeId}`)
    const card = text(new RegExp(`<div class="nhsuk-card connector-referral" id="referral-${referral.id}"[\\s\\S]*?</form>`).exec(page.html)![0])
    t.match(card, 'Status Accepted')
    t.match(card, 'History Sent, 1 November 2026 Accepted, 1 November 2026')
    t.match(card, /Mark as attended : [^]*Mark as did not attend : [^]*Close the referral : /)

    const wrong = await worker.post(`/my-clients/${episodeId}/referrals/${referral.id}/status`, { status: 'declined' })
    t.equal(wrong.status, 422)
    t.same(errorSummary(wrong.html), [`referral-${referral.id}: Referral ${referral.reference} is accepted: choose one of the changes shown`])
    const moved = await worker.post(`/my-clients/${episodeId}/referrals/${referral.id}/status`, { status: 'attended' })
    t.equal(moved.status, 303)
    const after = await worker.get(moved.location!)
    t.match(banner(after.html), `Referral ${referral.reference} to ${matchedService.name} is now: Attended.`)
    t.match(text(after.html), 'History Sent, 1 November 2026 Accepted, 1 November 2026 Attended, 1 November 2026')
  })

  t.test('closing the episode, with a reason', async (t) => {
    await worker.get(`/my-clients/${episodeId}`)
    const noReason = await worker.post(`/my-clients/${episodeId}/close`, {})
    t.equal(noReason.status, 422)
    t.same(errorSummary(noReason.html), ['reason: Select why the episode is ending'])
    t.equal((await app.db.query('SELECT 1 FROM episode WHERE closed_on IS NOT NULL')).rowCount, 0)
    const closed = await worker.post(`/my-clients/${episodeId}/close`, { reason: 'goals_met' })
    t.equal(closed.status, 303)
    const page = await worker.get(closed.location!)
    t.match(banner(page.html), `Episode ${reference} is closed.`)
    t.match(text(page.html), 'Closed 1 November 2026: They met their goals')
    t.notMatch(page.html, 'action="/my-clients/' + episodeId + '/scores"', 'no more scores')
    t.notMatch(page.html, 'Find activities for this client')
    t.same(tableRows((await worker.get('/my-clients')).html), [], 'no longer open')
    t.same(tableRows((await worker.get('/my-clients?state=closed')).html).map((r) => r.id), [episodeId], 'listed with the closed ones')
    const refind = await worker.post('/my-clients/find', { case_number: CASE })
    t.equal(refind.status, 200, 'a closed episode is not reopened: the start form again')
    t.match(text(refind.html), `Earlier episodes for this case number, now closed: Earlier episodes for this case number Episode Opened Referred by Area Latest score Referrals ${reference} 1 November 2026 (closed 1 November 2026) A GP`)
  })

  t.test('the case number is in no web address, no log line, and no page but those answering the form it was typed into', async (t) => {
    const echoes = worker.answers.filter((a) => a.page.html.includes(DIGITS)).map((a) => a.what)
    t.ok(echoes.length > 0)
    for (const what of echoes) t.ok(what === 'POST /my-clients/find' || what === 'POST /my-clients/start', `${what} echoes the number typed into its own form`)
    for (const a of worker.answers) {
      if (a.what === 'POST /my-clients/find' || a.what === 'POST /my-clients/start') continue
      t.notOk(a.page.html.includes(DIGITS), `${a.what} does not show it`)
    }
    t.notOk(worker.answers.some((a) => a.what.includes(DIGITS) || (a.page.location ?? '').includes(DIGITS)), 'no URL carries it')
    const log = logs.join('')
    t.ok(log.includes('/my-clients/find'), 'the requests were logged at trace level')
    t.notOk(log.includes(DIGITS), 'no log line carries it')
    t.notOk(log.toLowerCase().includes('cr7 8rh'), 'nor the postcode')
  })
})
