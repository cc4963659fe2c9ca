// "Referrals to us" on /my-organisation, as an editor's browser without JavaScript sees it, over
// the demo directory. The referrals are made the way link workers make them: a link worker in a
// team opens an episode and refers through the API. The organisation sees a reference, a date,
// a listing and a status, never anything about the person; it accepts, declines with a reason
// and says whether they came, and a move the status does not allow changes nothing.
import t from 'tap'
import { adminSession, invited, teamNamed, TEST_PASSWORD, type Session } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'
import { errorSummary, text, Visitor } from './helper.ts'

/** One row of the referrals table, as a person reads it. */
const row = (html: string, id: string) => text(new RegExp(`<tr class="nhsuk-table__row" data-referral-id="${id}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '')

interface Made {
  id: string
  reference: string
  episode: string
  episodeReference: string
}

t.test('referrals to us', async (t) => {
  const app = await buildTestApp(t)
  const admin = await adminSession(app)
  const team = await teamNamed(admin, 'Kestrel Primary Care Network')
  const worker = await invited(app, admin, { email: 'lw1@example.org', role: 'link_worker', team_id: team })
  // The organisation: one with two running listings (ties by id); another organisation for its editor.
  const { rows } = await app.db.query<{ org: string }>(
    `SELECT organization_id AS org FROM service WHERE status = 'active' GROUP BY organization_id HAVING count(*) >= 2 ORDER BY organization_id LIMIT 1`,
  )
  const org = rows[0]!.org
  const listings = (await app.db.query<{ id: string; name: string }>(`SELECT id, name FROM service WHERE organization_id = $1 AND status = 'active' ORDER BY name, id LIMIT 2`, [org])).rows
  const [first, second] = listings as [(typeof listings)[0], (typeof listings)[0]]
  const other = (await app.db.query<{ id: string }>('SELECT id FROM organization WHERE id <> $1 ORDER BY id LIMIT 1', [org])).rows[0]!.id
  await invited(app, admin, { email: 'ed@example.org', role: 'editor', organization_id: org })
  await invited(app, admin, { email: 'ed.other@example.org', role: 'editor', organization_id: other })

  const refer = async (caseNumber: string, serviceId: string): Promise<Made> => {
    const episode = await worker.inject({ method: 'POST', url: '/api/episodes', payload: { case_number: caseNumber, referral_route: 'gp', age_band: '75-84', postcode: 'CR7 8RH' } })
    if (episode.statusCode !== 201) throw new Error(episode.body)
    const referral = await worker.inject({ method: 'POST', url: `/api/episodes/${episode.json().id}/referrals`, payload: { service_id: serviceId, source: 'match' } })
    if (referral.statusCode !== 201) throw new Error(referral.body)
    return { id: referral.json().id, reference: referral.json().reference, episode: episode.json().id, episodeReference: episode.json().reference }
  }
  /** The referral as its link worker sees it through the API: status, reason and history. */
  const asWorker = async (made: Made, by: Session = worker) => {
    const episode = (await by.inject({ url: `/api/episodes/${made.episode}` })).json() as {
      referral_list: Array<{ id: string; status: string; decline_reason: string | null; history: Array<{ status: string; reason: string | null }> }>
    }
    const r = episode.referral_list.find((x) => x.id === made.id)!
    return { status: r.status, reason: r.decline_reason, history: r.history.map((h) => (h.reason ? `${h.status}:${h.reason}` : h.status)) }
  }
  const signedIn = async (email: string) => {
    const v = new Visitor(app)
    await v.signIn(email, TEST_PASSWORD)
    return v
  }

  const one = await refer('EMIS-55501234', first.id)
  const two = await refer('EMIS-55509876', second.id)
  const editor = await signedIn('ed@example.org')

  t.test('the table shows the reference, date, listing and status, and nothing about the person', async (t) => {
    const page = await editor.get('/my-organisation')
    t.equal(page.status, 200)
    const words = text(page.html)
    t.match(words, 'Referrals to us')
    t.match(words, '2 referrals are waiting for your answer.')
    const table = text(/<table class="nhsuk-table" id="referrals-table">[\s\S]*?<\/table>/.exec(page.html)![0])
    for (const [made, listing] of [[one, first], [two, second]] as const) {
      t.match(table, `${made.reference} 1 November 2026 ${listing.name} Waiting for your answer Accept : referral ${made.reference}`, `${made.reference}: its date, listing, status and Accept`)
      t.match(page.html, `id="decline-${made.id}"`, 'and a reason to decline with')
    }
    for (const secret of ['EMIS-55501234', '55501234', 'CR7 8RH', '75-84', one.episodeReference, two.episodeReference, 'lw1@example.org', 'Kestrel']) {
      t.notMatch(page.html, secret, `the page does not show ${secret}`)
    }
    t.match(words, 'What each status means')
    t.match(words, 'Did not attend They did not come. If they come later, mark them as attended.')
    const reasons = [.../<select[^>]*id="decline-[^"]+"[^>]*>([\s\S]*?)<\/select>/.exec(page.html)![1]!.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)</g)].map((m) => `${m[1]}=${m[2]!.trim()}`)
    t.same(reasons, ['=Choose a reason', 'full=We are full', 'not_suitable=Not suitable for them', 'outside_area=Outside our area', 'could_not_contact=We could not contact them', 'other=Another reason'])
  })

  t.test('accept: a success banner, the status accepted, and the history in the API', async (t) => {
    await editor.get('/my-organisation')
    const res = await editor.post(`/my-organisation/referrals/${one.id}/status`, { status: 'accepted' })
    t.equal(res.status, 303)
    t.equal(res.location, `/my-organisation?done=referral-moved&id=${one.id}`)
    const page = await editor.get(res.location!)
    t.match(text(page.html), `Referral ${one.reference} to ${first.name} is now: Accepted.`)
    t.equal(row(page.html, one.id), `${one.reference} 1 November 2026 ${first.name} Accepted Attended : referral ${one.reference} Did not attend : referral ${one.reference}`)
    t.ok(page.html.indexOf(`data-referral-id="${two.id}"`) < page.html.indexOf(`data-referral-id="${one.id}"`), 'the referral still waiting for an answer comes first')
    t.match(text(page.html), '1 referral is waiting for your answer.')
    t.same(await asWorker(one), { status: 'accepted', reason: null, history: ['sent', 'accepted'] })
  })

  t.test('decline needs a reason: without one the error summary says so and nothing changes', async (t) => {
    await editor.get('/my-organisation')
    const missing = await editor.post(`/my-organisation/referrals/${two.id}/status`, { status: 'declined', reason: '' })
    t.equal(missing.status, 422)
    t.same(errorSummary(missing.html), [`decline-${two.id}: Select why you cannot take this referral`])
    t.match(missing.html, /<title>Error: My organisation/)
    t.same(await asWorker(two), { status: 'sent', reason: null, history: ['sent'] })
    const invented = await editor.post(`/my-organisation/referrals/${two.id}/status`, { status: 'declined', reason: 'busy' })
    t.equal(invented.status, 422, 'a reason not on the list is no reason')
    t.same(await asWorker(two), { status: 'sent', reason: null, history: ['sent'] })

    const res = await editor.post(`/my-organisation/referrals/${two.id}/status`, { status: 'declined', reason: 'outside_area' })
    t.equal(res.status, 303)
    const page = await editor.get(res.location!)
    t.match(text(page.html), `Referral ${two.reference} to ${second.name} is now: Declined.`)
    t.equal(row(page.html, two.id), `${two.reference} 1 November 2026 ${second.name} Declined Reason: Outside our area Nothing more to do`)
    t.same(await asWorker(two), { status: 'declined', reason: 'outside_area', history: ['sent', 'declined:outside_area'] })
  })

  t.test('attended, after accepting', async (t) => {
    await editor.get('/my-organisation')
    const res = await editor.post(`/my-organisation/referrals/${one.id}/status`, { status: 'attended' })
    t.equal(res.status, 303)
    const page = await editor.get(res.location!)
    t.match(text(page.html), `Referral ${one.reference} to ${first.name} is now: Attended.`)
    t.equal(row(page.html, one.id), `${one.reference} 1 November 2026 ${first.name} Attended Stopped attending : referral ${one.reference}`, 'next, only that they stopped coming')
    t.same(await asWorker(one), { status: 'attended', reason: null, history: ['sent', 'accepted', 'attended'] })
  })

  t.test('a move the status does not allow names the status it is in, and changes nothing', async (t) => {
    const three = await refer('EMIS-55500001', first.id)
    await editor.get('/my-organisation')
    const early = await editor.post(`/my-organisation/referrals/${three.id}/status`, { status: 'attended' })
    t.equal(early.status, 409)
    t.same(errorSummary(early.html), [
      `referral-${three.id}: Referral ${three.reference} could not be marked “Attended”: it is now “Waiting for your answer”. Someone may have changed it since you loaded the page. The table below shows what you can do now.`,
    ])
    t.same(await asWorker(three), { status: 'sent', reason: null, history: ['sent'] })

    // A page loaded before a colleague answered: its Accept button now meets an attended referral.
    const late = await editor.post(`/my-organisation/referrals/${one.id}/status`, { status: 'accepted' })
    t.equal(late.status, 409)
    t.match(errorSummary(late.html)[0], `Referral ${one.reference} could not be marked “Accepted”: it is now “Attended”.`)
    t.same(await asWorker(one), { status: 'attended', reason: null, history: ['sent', 'accepted', 'attended'] })

    t.test("another organisation's editor gets the 404 page, and does not see it listed", async (t) => {
      const stranger = await signedIn('ed.other@example.org')
      const page = await stranger.get('/my-organisation')
      t.notMatch(page.html, three.reference)
      t.match(text(page.html), 'Referrals to us No one has been referred to your listings through Connector yet.')
      const res = await stranger.post(`/my-organisation/referrals/${three.id}/status`, { status: 'accepted' })
      t.equal(res.status, 404)
      t.match(text(res.html), 'Page not found')
      t.same(await asWorker(three), { status: 'sent', reason: null, history: ['sent'] })
    })

    t.test('an admin, who edits any organisation but answers no referrals, has no such section', async (t) => {
      const adminBrowser = await signedIn('admin@example.org')
      const page = await adminBrowser.get('/my-organisation')
      t.equal(page.status, 200)
      t.notMatch(page.html, 'Referrals to us')
      t.equal((await adminBrowser.post(`/my-organisation/referrals/${three.id}/status`, { status: 'accepted' })).status, 403)
      t.same(await asWorker(three), { status: 'sent', reason: null, history: ['sent'] })
    })

    t.test('a link worker may not use the organisation’s form; an address that is no id is a 404', async (t) => {
      const lw = await signedIn('lw1@example.org')
      const res = await lw.post(`/my-organisation/referrals/${three.id}/status`, { status: 'accepted' })
      t.equal(res.status, 403)
      t.equal((await editor.post('/my-organisation/referrals/not-an-id/status', { status: 'accepted' })).status, 404)
      t.equal((await editor.post(`/my-organisation/referrals/${three.id}/status`, { status: 'maybe' })).status, 400)
      t.same(await asWorker(three), { status: 'sent', reason: null, history: ['sent'] })
    })
  })
})
