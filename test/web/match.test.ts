// The "match a client" pages over the demo directory, as a browser without JavaScript sees them:
// the form, its errors, the results beside the match API's, the gap notice and the shortlist.
import t from 'tap'
import { GAP_POSTCODES, PERSONA_POSTCODES } from '../../src/demo/generate.ts'
import type { MatchResponse } from '../../src/matching/schemas.ts'
import { label } from '../../src/web/labels.ts'
import { adminSession, invited, TEST_PASSWORD } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'
import { errorSummary, janeForm, text, Visitor } from './helper.ts'

const REMOTE_WORDS = ['Home visits', 'By telephone', 'Online (video)', 'Online (messages)']

/** Jane as the API takes her (the persona of test/match/routes.test.ts; janeForm is how the page asks). */
const janeProfile = (postcode: string) => ({
  postcode,
  travel: { housebound: true },
  age: 45,
  gender: 'woman',
  interests: { terms: ['befriending', 'peer-support'] },
  preferences: { group_size: 'one_to_one', audiences: ['mental_health'] },
})

/** Each result card's HTML, keyed by service id, in page order. */
function cards(html: string): Array<{ id: string; html: string }> {
  return html
    .split('<li class="nhsuk-card" data-service-id="')
    .slice(1)
    .map((part) => ({ id: part.slice(0, part.indexOf('"')), html: part }))
}

t.test('match a client pages', async (t) => {
  const app = await buildTestApp(t)
  // Gaps are recorded only for link workers: a visitor signed in as one.
  await invited(app, await adminSession(app), { email: 'link.worker@example.org', role: 'link_worker' })
  const linkWorker = async () => {
    const visitor = new Visitor(app)
    await visitor.signIn('link.worker@example.org', TEST_PASSWORD)
    return visitor
  }
  const apiMatch = async (profile: object): Promise<MatchResponse> => {
    const res = await app.inject({ method: 'POST', url: '/api/match', payload: profile })
    t.equal(res.statusCode, 200, res.body.slice(0, 200))
    return res.json()
  }

  t.test('GET /match → the form in plain words, posting to /match, with every field labelled', async (t) => {
    const page = await new Visitor(app).get('/match')
    t.equal(page.status, 200)
    t.match(page.html, /<form method="post" action="\/match" novalidate autocomplete="off">\s*<input type="hidden" name="_csrf" value="[^"]+">/)
    const words = text(page.html)
    for (const question of ['Where do they live?', 'How do they get about?', 'What do they enjoy, or used to enjoy?', 'Do they prefer small groups?', 'Would they like someone to go with them the first time?', 'Used only for men-only and women-only groups, never stored']) {
      t.match(words, question)
    }
    t.match(page.html, 'id="walk_km"', 'the walking distance is in the page (shown without JavaScript)')
    t.match(page.html, /value="arts-and-crafts"/, 'activity types come from the taxonomy')
    t.notMatch(page.html, /name="terms"[^>]*value="housing"/, 'practical help is asked separately, not as an interest')
    t.match(page.html, /name="practical_needs" type="checkbox" value="debt_and_benefits"/)
  })

  t.test('POST /match for Jane (housebound, CR7 7DD) → only home, telephone and online options, in the API’s order, each with its reasons', async (t) => {
    const api = await apiMatch(janeProfile(PERSONA_POSTCODES.jane))
    const visitor = new Visitor(app)
    await visitor.get('/match')
    const page = await visitor.post('/match', janeForm(PERSONA_POSTCODES.jane))
    t.equal(page.status, 200)
    t.equal(page.headers['cache-control'], 'no-store')
    const shown = cards(page.html)
    t.same(shown.map((c) => c.id), api.results.map((r) => r.service.id), 'same services, same order as POST /api/match')
    t.ok(shown.length >= 5)
    for (const [i, r] of api.results.entries()) {
      const card = text(shown[i]!.html)
      t.ok(REMOTE_WORDS.includes(label(r.delivery, 'delivery_mode')), `${r.service.name}: ${r.delivery}`)
      t.match(card, `How they would take part ${label(r.delivery, 'delivery_mode')}`, `${r.service.name} says how she would take part`)
      t.match(card, `${r.rank}. ${r.service.name}`)
      t.match(card, r.service.organization.name)
      for (const reason of r.reasons) t.match(card, reason, `${r.service.name}: “${reason}”`)
      for (const note of r.does_not_meet) t.match(card, note)
    }
    t.match(text(shown[0]!.html), /Why it fits [^]*mental-health-aware/, 'her first result says it is mental-health-aware')
    t.notMatch(text(page.html), 'At a venue', 'no venue anywhere')
    t.notMatch(page.html, 'Not enough options', 'no gap at home in Bensham Manor')
    const ticked = [...page.html.matchAll(/name="service" type="checkbox" value="([^"]+)" checked/g)].map((m) => m[1])
    t.same(ticked, api.results.slice(0, 3).map((r) => r.service.id), 'the top three are ticked for the shortlist')
    t.match(page.html, /<input[^>]*name="travel" type="checkbox" value="housebound" checked/, 'her answers are kept to change and match again')
  })

  t.test('POST /match with no postcode and no way of getting about → 422, error summary linking to both fields, answers kept', async (t) => {
    const visitor = new Visitor(app)
    await visitor.get('/match')
    const page = await visitor.post('/match', { interest_text: 'bowls, chess', terms: 'walking', days: ['MO', 'TH'] })
    t.equal(page.status, 422)
    t.same(errorSummary(page.html), [
      'postcode: Enter where they live: a postcode, like CR0 1AA, or the first half, like CR0',
      'travel: Select how they get about, or that they cannot leave home',
    ])
    t.match(page.html, /<title>Error: Match a client/)
    t.match(page.html, 'id="travel"', 'the summary’s link has its target')
    t.match(page.html, 'value="bowls, chess"')
    t.match(page.html, /name="terms" type="checkbox" value="walking" checked/)
    t.match(page.html, /name="days" type="checkbox" value="TH" checked/)
    t.notMatch(page.html, 'data-service-id', 'no results')
  })

  t.test('POST /match with wrong details → 422 naming each field in words', async (t) => {
    const visitor = new Visitor(app)
    await visitor.get('/match')
    const ticked = await visitor.post('/match', { postcode: 'CR0 1NX', travel: ['walk', 'public_transport'], public_transport_minutes: 'twenty', from: '14:00', to: '10:00' })
    t.equal(ticked.status, 422)
    t.same(errorSummary(ticked.html), [
      'walk_km: Enter how far they can walk, in kilometres',
      'public_transport_minutes: Enter the bus or train time as a number, like 20',
      'to: Enter a latest finish time that is after the earliest start',
    ])
    const both = await visitor.post('/match', { postcode: 'CR0 1NX', travel: ['housebound', 'car'], car_km: '5' })
    t.same(errorSummary(both.html), ['travel: Select either that they cannot leave home, or how they get about, not both'])
    const unknown = await visitor.post('/match', { postcode: 'ZZ99 9ZZ', travel: 'walk', walk_km: '1' })
    t.equal(unknown.status, 422)
    t.same(errorSummary(unknown.html), ['postcode: Enter a real postcode, like CR0 1AA, or a postcode district, like CR0'])
    t.match(unknown.html, 'value="ZZ99 9ZZ"')
  })

  t.test('POST /match for Jane at CR5 1AU → the gap notice, and a gap record (for a link worker only) holding only the postcode district', async (t) => {
    await app.db.query('DELETE FROM match_gap')
    const anonymous = new Visitor(app)
    await anonymous.get('/match')
    const unrecorded = await anonymous.post('/match', janeForm(GAP_POSTCODES.south))
    t.match(text(unrecorded.html), 'Not enough options for befriending', 'anyone sees the gap notice')
    t.notMatch(text(unrecorded.html), 'gap record was kept')
    t.same((await app.db.query('SELECT 1 FROM match_gap')).rows, [], 'but nothing is recorded for someone not signed in')
    const visitor = await linkWorker()
    await visitor.get('/match')
    const page = await visitor.post('/match', janeForm(GAP_POSTCODES.south))
    t.equal(page.status, 200)
    const { rows } = await app.db.query<Record<string, unknown>>('SELECT * FROM match_gap')
    t.equal(rows.length, 1, 'one gap: befriending')
    t.match(rows[0], { need_kind: 'interest', need_terms: ['befriending'], found: 1, outcode: 'CR5' })
    const { id: _id, recorded_by, team_id: _team, episode_id: _episode, age_band, ...stored } = rows[0]! as Record<string, unknown>
    t.ok(recorded_by, 'kept under the link worker who matched (to count them once a day)')
    t.equal(age_band, '45-54', 'her age only as its ten-year band')
    t.notMatch(JSON.stringify(stored), /1AU|woman|\b45\b/, 'no full postcode, and nothing about her (the random ids aside)')

    const api = await apiMatch(janeProfile(GAP_POSTCODES.south))
    const gap = api.gaps.find((g) => g.need === 'befriending')!
    const words = text(page.html)
    t.match(words, 'Not enough options Important: Not enough options for befriending')
    t.match(words, 'Only 1 option meets everything they need for befriending.')
    t.match(words, `What stands in the way: ${gap.barriers.map((b) => label(b, 'barrier').toLowerCase()).join(', ')}.`)
    t.ok(gap.near_misses.length > 0)
    for (const miss of gap.near_misses) t.match(words, miss.summary)
    t.match(words, 'A gap record was kept for commissioners: the need, what stood in the way, the area (postcode district CR5 and its ward), the age band and your team. Nothing that identifies the client was kept.')
    t.same(cards(page.html).map((c) => c.id), api.results.map((r) => r.service.id), 'the results still show, in the API’s order')
  })

  t.test('POST /match for Jane who needs Somali → the need reaches the match (the API’s results for it); the gap notice names the language', async (t) => {
    await app.db.query('DELETE FROM match_gap')
    const visitor = await linkWorker()
    const form = await visitor.get('/match')
    t.match(text(form.html), 'Do they need sessions in another language, or an interpreter? (optional)')
    t.match(form.html, /<select[^>]*id="language_need"[^>]*>[\s\S]*?<option value="so"[^>]*>Somali<\/option>/)
    const page = await visitor.post('/match', { ...janeForm(PERSONA_POSTCODES.jane), language_need: 'so' })
    t.equal(page.status, 200)
    // Read before the API's own match below records its gaps too.
    const { rows } = await app.db.query<{ language: string | null }>('SELECT language FROM match_gap WHERE language IS NOT NULL')
    const api = await apiMatch({ ...janeProfile(PERSONA_POSTCODES.jane), language_need: 'so' })
    t.same(cards(page.html).map((c) => c.id), api.results.map((r) => r.service.id), 'the API’s results for someone who needs Somali')
    t.notSame(api.results.map((r) => r.service.id), (await apiMatch(janeProfile(PERSONA_POSTCODES.jane))).results.map((r) => r.service.id), 'which differ from those without the need')
    const gaps = api.gaps.filter((g) => g.language === 'so')
    t.ok(gaps.length > 0, 'a gap in Somali')
    const words = text(page.html)
    for (const g of gaps) {
      t.match(words, `Not enough options for ${g.need} in Somali`)
      t.match(words, `for ${g.need} in Somali (or with an interpreter).`)
    }
    t.same(rows.map((r) => r.language), gaps.map(() => 'so'), 'the gap records name the language, and nothing else about her')

    const wrong = await visitor.post('/match', { ...janeForm(PERSONA_POSTCODES.jane), language_need: 'Somali' })
    t.equal(wrong.status, 422)
    t.same(errorSummary(wrong.html), ['language_need: Select the language they need from the list'])
  })

  t.test('POST /match for a 24-year-old in New Addington who needs a group of people their age → only groups for young adults; the gap says so', async (t) => {
    await app.db.query('DELETE FROM match_gap')
    const visitor = await linkWorker()
    const form = await visitor.get('/match')
    t.match(text(form.html), 'Do they need a group for people their age? (optional)')
    const young = { postcode: GAP_POSTCODES.newAddington, travel: 'public_transport', public_transport_minutes: '30', terms: 'social-groups', cost: 'any', age: '24' }
    const page = await visitor.post('/match', { ...young, own_age_group: 'true' })
    t.equal(page.status, 200)
    const { rows } = await app.db.query<{ barriers: string[] }>('SELECT barriers FROM match_gap')
    const profile = { postcode: GAP_POSTCODES.newAddington, travel: { public_transport_minutes: 30 }, interests: { terms: ['social-groups'] }, age: 24 }
    const api = await apiMatch({ ...profile, own_age_group: true })
    t.same(cards(page.html).map((c) => c.id), api.results.map((r) => r.service.id), 'the API’s results for the need')
    t.ok(api.results.every((r) => r.reasons.includes('for young adults')), 'each of them a group for young adults')
    t.ok((await apiMatch(profile)).results.length > api.results.length, 'without the need, other social groups are offered')
    const gap = api.gaps.find((g) => g.terms.includes('social-groups'))
    t.ok(gap?.barriers.includes('eligibility'), 'a gap: the groups near them are not for their age')
    t.match(text(page.html), `Not enough options for ${gap!.need} meant for young adults`, 'the gap notice says what was missing')
    t.ok(rows.some((r) => r.barriers.includes('eligibility')), 'and a gap record with the eligibility barrier')

    const noAge = await visitor.post('/match', { ...young, age: '', own_age_group: 'true' })
    t.equal(noAge.status, 422)
    t.same(errorSummary(noAge.html), ['own_age_group: Enter their age to look only for groups meant for people their age: there are groups for young adults (30 or under) and for older people (50 and over)'])
  })

  t.test('shortlist: the chosen services with when, where, contact and cost, printable and as text; nothing about the client', async (t) => {
    const visitor = new Visitor(app)
    await visitor.get('/match')
    const marker = 'quokkaspotting'
    const results = await visitor.post('/match', {
      postcode: PERSONA_POSTCODES.mike,
      travel: ['walk', 'public_transport'],
      walk_km: '1',
      public_transport_minutes: '20',
      practical_needs: 'housing',
      terms: 'mens-groups',
      interest_text: `darts, ${marker}`,
      audiences: 'men',
      max_physical_intensity: 'moderate',
      age: '50',
      gender: 'man',
    })
    t.equal(results.status, 200)
    t.match(results.html, `value="darts, ${marker}"`, 'the results page keeps the answers to change them')
    t.match(text(results.html), 'Practical help first')
    const offered = cards(results.html).map((c) => c.id)
    const chosen = offered.slice(0, 2)
    const names = await Promise.all(chosen.map(async (id) => (await app.inject({ url: `/api/services/${id}` })).json() as { name: string; organization: { name: string } }))
    const page = await visitor.post('/match/shortlist', { service: chosen, offered })
    t.equal(page.status, 200)
    t.same([...page.html.matchAll(/data-service-id="([^"]+)"/g)].map((m) => m[1]), chosen)
    const words = text(page.html)
    for (const s of names) t.match(words, s.name)
    t.match(words, 'When')
    t.match(words, 'How to get in touch')
    t.match(page.html, /<textarea[^>]*id="summary"[^>]*readonly="readonly"/, 'a read-only text summary')
    t.match(page.html, /<label[^>]*for="summary">\s*Summary for the client, in plain text/, 'with its label')
    t.match(page.html, 'data-connector-print hidden', 'the print button waits for JavaScript')
    t.match(page.html, 'src="/assets/connector/print.js"')
    const summary = /<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec(page.html)![1]!
    t.match(summary, `1. ${names[0]!.name}`)
    t.match(summary, /Cost: /)
    t.notMatch(page.html, marker, 'the shortlist does not hold their own words')
    t.notMatch(page.html, PERSONA_POSTCODES.mike, 'nor their postcode')

    const file = await app.inject({
      method: 'POST',
      url: '/match/shortlist.txt',
      headers: { cookie: visitor.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([['_csrf', visitor.csrf], ...chosen.map((id) => ['service', id])]).toString(),
    })
    t.equal(file.statusCode, 200)
    t.equal(file.headers['content-type'], 'text/plain; charset=utf-8')
    t.equal(file.headers['content-disposition'], 'attachment; filename="activities.txt"')
    t.match(file.body, /^Activities you might like\nMade with your link worker on 1 November 2026\./)
    for (const s of names) t.match(file.body, s.name)
    t.match(file.body, /How to get in touch: /)
    t.notMatch(file.body, marker)
    t.notMatch(file.body, PERSONA_POSTCODES.mike)
  })

  t.test('shortlist refusals → 422 with the error summary; the offered activities to choose from again', async (t) => {
    const visitor = new Visitor(app)
    await visitor.get('/match')
    const results = await visitor.post('/match', janeForm(PERSONA_POSTCODES.jane))
    const offered = cards(results.html).map((c) => c.id)
    const none = await visitor.post('/match/shortlist', { offered })
    t.equal(none.status, 422)
    t.same(errorSummary(none.html), ['service: Select at least one activity for the shortlist'])
    t.same([...none.html.matchAll(/name="service" type="checkbox" value="([^"]+)"/g)].map((m) => m[1]), offered, 'the same activities to tick')
    t.match(none.html, 'id="service"')
    const unknown = await visitor.post('/match/shortlist', { service: [offered[0]!, '00000000-0000-4000-8000-000000000000'], offered })
    t.equal(unknown.status, 422)
    t.same(errorSummary(unknown.html), ['service: One of the activities you chose is no longer listed. Select the activities again'])
    t.match(unknown.html, new RegExp(`value="${offered[0]}" checked`), 'the known choice stays ticked')
    const notId = await visitor.post('/match/shortlist.txt', { service: ['nope'] })
    t.equal(notId.status, 422)
    t.same(errorSummary(notId.html), ['service: Select activities from the list'])
    const tooMany = await visitor.post('/match/shortlist', { service: Array.from({ length: 11 }, (_, i) => `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`) })
    t.same(errorSummary(tooMany.html), ['service: Select 10 activities or fewer for the shortlist'])
  })

  t.test('POST /match without the CSRF token → 403 "form has expired", no gap recorded', async (t) => {
    await app.db.query('DELETE FROM match_gap')
    const visitor = new Visitor(app)
    await visitor.get('/match')
    const res = await visitor.post('/match', { ...janeForm(GAP_POSTCODES.south), _csrf: 'forged' })
    t.equal(res.status, 403)
    t.match(text(res.html), 'This form has expired')
    t.notMatch(res.html, 'data-service-id')
    t.same((await app.db.query('SELECT 1 FROM match_gap')).rows, [])
    const none = await new Visitor(app).post('/match/shortlist', { _csrf: undefined, service: '00000000-0000-4000-8000-000000000000' })
    t.equal(none.status, 403, 'the shortlist form too')
  })
})
