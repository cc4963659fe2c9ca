// Episodes, UCLA-3 scores and referrals through the API, as link workers and organisations use
// them, on the demo directory: accounts by invitation, teams by an admin.
import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { GAP_POSTCODES } from '../../src/demo/generate.ts'
import { STATUS_MOVES } from '../../src/referrals/status.ts'
import { REFERRAL_STATUSES, type ReferralStatus } from '../../src/referrals/vocabulary.ts'
import { adminSession, invited, teamNamed, type Session } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'

interface World {
  app: FastifyInstance
  admin: Session
  worker: Session
  colleague: Session
  otherTeamWorker: Session
  editor: Session
  otherEditor: Session
  service: { id: string; name: string; organization_id: string }
  logs: string[]
}

async function world(t: Test): Promise<World> {
  const logs: string[] = []
  const logStream = new PassThrough()
  logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
  const app = await buildTestApp(t, { deps: { logStream }, config: { logLevel: 'trace' } })
  const admin = await adminSession(app)
  const thornton = await teamNamed(admin, 'Thornton Heath PCN')
  const purley = await teamNamed(admin, 'Purley PCN')
  const worker = await invited(app, admin, { email: 'lw1@example.org', role: 'link_worker', team_id: thornton })
  const colleague = await invited(app, admin, { email: 'lw2@example.org', role: 'link_worker', team_id: thornton })
  const otherTeamWorker = await invited(app, admin, { email: 'lw3@example.org', role: 'link_worker', team_id: purley })
  const { rows } = await app.db.query<{ id: string; name: string; organization_id: string }>(
    `SELECT s.id, s.name, s.organization_id FROM service s WHERE s.status = 'active' ORDER BY s.name, s.id LIMIT 1`,
  )
  const service = rows[0]!
  const { rows: others } = await app.db.query<{ id: string }>('SELECT id FROM organization WHERE id <> $1 ORDER BY id LIMIT 1', [service.organization_id])
  const editor = await invited(app, admin, { email: 'ed@example.org', role: 'editor', organization_id: service.organization_id })
  const otherEditor = await invited(app, admin, { email: 'ed2@example.org', role: 'editor', organization_id: others[0]!.id })
  return { app, admin, worker, colleague, otherTeamWorker, editor, otherEditor, service, logs }
}

const episodeBody = (case_number: string, extra: object = {}) => ({ case_number, referral_route: 'gp', age_band: '75-84', postcode: 'CR7 8RH', ...extra })

t.test('episodes: a case number is a keyed hash, found again by its team and by no other', async (t) => {
  const w = await world(t)
  const caseNumber = 'EMIS-84710293'
  const created = await w.worker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody(' emis-8471 0293') })
  t.equal(created.statusCode, 201, created.body)
  const episode = created.json()
  t.match(episode, { team: { name: 'Thornton Heath PCN' }, referral_route: 'gp', age_band: '75-84', opened_on: '2026-11-01', closed_on: null, opened_by_you: true, scores: [], referral_list: [] })
  t.match(episode.area, { outcode: 'CR7' }, 'the postcode district is kept')
  t.ok(episode.area.ward_code, 'and the ward')
  t.match(episode.reference, /^E-[0-9A-Z]{6}$/)

  // The colleague in the same team finds it (spelt differently); the other team does not.
  const mine = await w.colleague.inject({ method: 'POST', url: '/api/episodes/lookup', payload: { case_number: caseNumber } })
  t.same(mine.json().episodes.map((e: { id: string; opened_by_you: boolean }) => [e.id, e.opened_by_you]), [[episode.id, false]])
  const theirs = await w.otherTeamWorker.inject({ method: 'POST', url: '/api/episodes/lookup', payload: { case_number: caseNumber } })
  t.same(theirs.json(), { episodes: [] }, 'another team finds nothing for the same number')
  t.equal((await w.otherTeamWorker.inject({ url: `/api/episodes/${episode.id}` })).statusCode, 404, "another team's episode does not exist for them")
  // The other team may open its own episode for the same number: a different person to them.
  t.equal((await w.otherTeamWorker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody(caseNumber) })).statusCode, 201)
  // A second open episode in the same team is refused, naming the open one.
  const again = await w.colleague.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody(caseNumber) })
  t.equal(again.statusCode, 409)
  t.match(again.json().detail, episode.reference)

  // The raw number is in no table, no response and no log line (at trace level).
  const { rows: tables } = await w.app.db.query<{ name: string }>(
    `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'
        AND table_name <> 'postcode'`, // the shipped list of Croydon's postcodes holds every one
  )
  for (const needle of ['84710293', 'cr7 8rh']) {
    for (const { name } of tables) {
      const { rows } = await w.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name} x WHERE strpos(lower(x::text), $1) > 0`, [needle])
      t.equal(rows[0]!.n, 0, `${name} does not hold ${needle}`)
    }
  }
  for (const res of [created, mine, theirs, again]) t.notOk(res.body.includes('84710293'), 'no response carries the number')
  const log = w.logs.join('')
  t.ok(log.includes('/api/episodes/lookup'), 'the requests were logged at trace level')
  t.notOk(log.includes('84710293'), 'no log line carries the number')
  t.notOk(log.toLowerCase().includes('cr7 8rh'), 'no log line carries the postcode')
})

t.test('episodes: who may open them, and the dates and values they take', async (t) => {
  const w = await world(t)
  const noTeam = await invited(w.app, w.admin, { email: 'lw-none@example.org', role: 'link_worker' })
  const refused = await noTeam.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('A1') })
  t.equal(refused.statusCode, 403)
  t.match(refused.json().detail, /not in a team/)
  t.equal((await w.editor.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('A1') })).statusCode, 403)
  t.equal((await w.app.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('A1') })).statusCode, 401)
  const future = await w.worker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('A1', { opened_on: '2026-11-02' }) })
  t.equal(future.statusCode, 422)
  t.match(future.json().errors, [{ pointer: '/opened_on' }])
  const badRoute = await w.worker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('A1', { referral_route: 'police' }) })
  t.equal(badRoute.statusCode, 400)
  const nameField = await w.worker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('A1', { name: 'Rose Smith' }) })
  t.equal(nameField.statusCode, 400, 'no field for a name exists')
  const badCase = await w.worker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('Rose Smith, 12 High St') })
  t.equal(badCase.statusCode, 400, 'a case number is letters, digits and / . _ - only')
  t.equal((await w.app.db.query('SELECT 1 FROM episode')).rowCount, 0, 'nothing was stored')
  // An admin adds the team later: the link worker can start.
  const team = (await w.admin.inject({ url: '/api/admin/teams' })).json().find((x: { name: string }) => x.name === 'Purley PCN')
  t.equal((await w.admin.inject({ method: 'PUT', url: `/api/admin/accounts/${noTeam.account_id}/team`, payload: { team_id: team.id } })).statusCode, 204)
  t.equal((await w.admin.inject({ method: 'PUT', url: `/api/admin/accounts/${w.editor.account_id}/team`, payload: { team_id: team.id } })).statusCode, 422, 'editors have no team')
  t.equal((await noTeam.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('A1') })).statusCode, 201)
  t.equal((await w.admin.inject({ method: 'POST', url: '/api/admin/teams', payload: { name: 'purley pcn' } })).statusCode, 409, 'team names are unique in any case')
})

t.test('UCLA-3: totals are the sum of the three answers; answers outside 1–3 are refused', async (t) => {
  const w = await world(t)
  const episode = (await w.worker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('S-1', { opened_on: '2026-09-01' }) })).json()
  const score = (body: object) => w.worker.inject({ method: 'POST', url: `/api/episodes/${episode.id}/scores`, payload: body })
  const baseline = await score({ kind: 'baseline', recorded_on: '2026-09-01', companionship: 3, left_out: 2, isolated: 3, direct: 'often_always' })
  t.equal(baseline.statusCode, 201, baseline.body)
  t.match(baseline.json(), { kind: 'baseline', total: 8, direct: 'often_always' })
  t.equal((await score({ kind: 'baseline', companionship: 1, left_out: 1, isolated: 1 })).statusCode, 409, 'one baseline per episode')
  for (const [field, value] of [['companionship', 4], ['left_out', 0], ['isolated', -1]] as const) {
    const bad = await score({ kind: 'follow_up', companionship: 2, left_out: 2, isolated: 2, [field]: value })
    t.equal(bad.statusCode, 422, `${field} ${value} is refused`)
    t.same(bad.json().errors.map((e: { pointer: string }) => e.pointer), [`/${field}`])
  }
  t.equal((await score({ kind: 'follow_up', companionship: 2.5, left_out: 2, isolated: 2 })).statusCode, 400, 'a fraction is not an answer')
  t.equal((await score({ kind: 'follow_up', recorded_on: '2026-08-31', companionship: 2, left_out: 2, isolated: 2 })).statusCode, 422, 'not before the episode opened')
  const followUp = await score({ kind: 'follow_up', recorded_on: '2026-10-20', companionship: 1, left_out: 2, isolated: 1 })
  t.match(followUp.json(), { total: 4, direct: null })
  const read = (await w.worker.inject({ url: `/api/episodes/${episode.id}` })).json()
  t.match(read, { baseline_total: 8, latest_total: 4 })
  t.same(read.scores.map((s: { kind: string; total: number }) => [s.kind, s.total]), [['baseline', 8], ['follow_up', 4]])
  const { rows } = await w.app.db.query<{ total: number }>('SELECT total FROM loneliness_score ORDER BY recorded_on')
  t.same(rows.map((r) => r.total), [8, 4], 'stored totals are the sums')
})

t.test('referrals: sent, accepted, attended, closed; every illegal move is a 409 and changes nothing', async (t) => {
  const w = await world(t)
  const episode = (await w.worker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('R-1') })).json()
  const refer = () => w.worker.inject({ method: 'POST', url: `/api/episodes/${episode.id}/referrals`, payload: { service_id: w.service.id, source: 'match' } })
  const sent = await refer()
  t.equal(sent.statusCode, 201, sent.body)
  const referral = sent.json()
  t.match(referral, { status: 'sent', source: 'match', service: { id: w.service.id, name: w.service.name }, episode_reference: episode.reference })
  t.match(referral.reference, /^R-[0-9A-Z]{6}$/)
  t.equal((await refer()).statusCode, 409, 'one live referral to a listing at a time')

  // The organisation sees the code, the date, the listing and the status; nothing else.
  const incoming = (await w.editor.inject({ url: '/api/manage/referrals' })).json()
  t.same(Object.keys(incoming.referrals[0]).sort(), ['created_at', 'decline_reason', 'id', 'reference', 'service', 'status', 'updated_at'])
  t.match(incoming.referrals[0], { reference: referral.reference, status: 'sent', service: { name: w.service.name } })
  t.same((await w.otherEditor.inject({ url: '/api/manage/referrals' })).json(), { referrals: [] })
  const byOther = await w.otherEditor.inject({ method: 'POST', url: `/api/manage/referrals/${referral.id}/status`, payload: { status: 'accepted' } })
  t.equal(byOther.statusCode, 404, "another organisation's editor: no such referral")
  t.equal((await w.otherTeamWorker.inject({ method: 'POST', url: `/api/referrals/${referral.id}/status`, payload: { status: 'closed' } })).statusCode, 404)

  const org = (status: string, reason?: string) => w.editor.inject({ method: 'POST', url: `/api/manage/referrals/${referral.id}/status`, payload: { status, ...(reason ? { reason } : {}) } })
  const lw = (status: string) => w.worker.inject({ method: 'POST', url: `/api/referrals/${referral.id}/status`, payload: { status } })
  t.equal((await lw('accepted')).statusCode, 403, 'only the organisation accepts')
  t.equal((await org('declined')).statusCode, 422, 'declining needs a reason')
  t.equal((await org('accepted', 'full')).statusCode, 422, 'a reason only goes with declined')
  const accepted = await org('accepted')
  t.equal(accepted.statusCode, 200)
  t.match(accepted.json(), { status: 'accepted' })
  const attended = await org('attended')
  t.equal(attended.statusCode, 200)
  const closed = await lw('closed')
  t.equal(closed.statusCode, 200)
  t.same(closed.json().history.map((h: { status: string }) => h.status), ['sent', 'accepted', 'attended', 'closed'])

  // Every (from, to) pair the machine does not allow is a 409 naming the status, changing nothing.
  const mover = { link_worker: w.worker, organisation: w.editor }
  const path: Record<ReferralStatus, { by: 'link_worker' | 'organisation'; to: ReferralStatus; reason?: string }[]> = {
    sent: [],
    accepted: [{ by: 'organisation', to: 'accepted' }],
    declined: [{ by: 'organisation', to: 'declined', reason: 'full' }],
    attended: [{ by: 'organisation', to: 'accepted' }, { by: 'organisation', to: 'attended' }],
    did_not_attend: [{ by: 'organisation', to: 'accepted' }, { by: 'link_worker', to: 'did_not_attend' }],
    stopped: [{ by: 'organisation', to: 'accepted' }, { by: 'organisation', to: 'attended' }, { by: 'link_worker', to: 'stopped' }],
    closed: [{ by: 'link_worker', to: 'closed' }],
  }
  const listings = await w.app.db.query<{ id: string }>(`SELECT id FROM service WHERE status = 'active' AND organization_id = $1 ORDER BY id`, [w.service.organization_id])
  let illegal = 0
  for (const from of REFERRAL_STATUSES) {
    // A fresh episode per starting status, referred to the same listing and moved along the path.
    const e = (await w.worker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody(`M-${from}`) })).json()
    const r = (await w.worker.inject({ method: 'POST', url: `/api/episodes/${e.id}/referrals`, payload: { service_id: listings.rows[0]!.id, source: 'listing' } })).json()
    for (const step of path[from]) {
      const url = step.by === 'organisation' ? `/api/manage/referrals/${r.id}/status` : `/api/referrals/${r.id}/status`
      const res = await mover[step.by].inject({ method: 'POST', url, payload: { status: step.to, ...(step.reason ? { reason: step.reason } : {}) } })
      t.equal(res.statusCode, 200, `${from}: step to ${step.to}`)
    }
    for (const to of REFERRAL_STATUSES) {
      if (STATUS_MOVES[from][to]) continue
      const before = (await w.app.db.query('SELECT status, updated_at, (SELECT count(*) FROM referral_event v WHERE v.referral_id = r.id)::int AS n FROM referral r WHERE id = $1', [r.id])).rows[0]
      for (const by of ['link_worker', 'organisation'] as const) {
        const url = by === 'organisation' ? `/api/manage/referrals/${r.id}/status` : `/api/referrals/${r.id}/status`
        const res = await mover[by].inject({ method: 'POST', url, payload: { status: to, ...(to === 'declined' ? { reason: 'other' } : {}) } })
        t.equal(res.statusCode, 409, `${from} → ${to} by ${by} is a 409`)
        t.match(res.json().detail, `The referral is ${from}`)
        illegal++
      }
      const after = (await w.app.db.query('SELECT status, updated_at, (SELECT count(*) FROM referral_event v WHERE v.referral_id = r.id)::int AS n FROM referral r WHERE id = $1', [r.id])).rows[0]
      t.same(after, before, `${from} → ${to} changed nothing`)
    }
  }
  t.equal(illegal, 2 * (49 - Object.values(STATUS_MOVES).reduce((n, m) => n + Object.keys(m).length, 0)), 'every illegal pair was tried by both sides')
})

t.test('referrals: only running listings, only open episodes', async (t) => {
  const w = await world(t)
  const episode = (await w.worker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('C-1') })).json()
  const unknown = await w.worker.inject({ method: 'POST', url: `/api/episodes/${episode.id}/referrals`, payload: { service_id: '00000000-0000-4000-8000-000000000000', source: 'search' } })
  t.equal(unknown.statusCode, 422)
  const close = await w.worker.inject({ method: 'POST', url: `/api/episodes/${episode.id}/close`, payload: { reason: 'goals_met' } })
  t.match(close.json(), { closed_on: '2026-11-01', close_reason: 'goals_met' })
  t.equal((await w.worker.inject({ method: 'POST', url: `/api/episodes/${episode.id}/close`, payload: { reason: 'other' } })).statusCode, 409)
  const late = await w.worker.inject({ method: 'POST', url: `/api/episodes/${episode.id}/referrals`, payload: { service_id: w.service.id, source: 'search' } })
  t.equal(late.statusCode, 409, 'a closed episode takes no referral')
  // Closed: the same case number can start a new episode, and lookup lists both.
  t.equal((await w.worker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('C-1') })).statusCode, 201)
  const both = (await w.worker.inject({ method: 'POST', url: '/api/episodes/lookup', payload: { case_number: 'c-1' } })).json()
  t.same(both.episodes.map((e: { closed_on: string | null }) => e.closed_on), [null, '2026-11-01'])
  t.same((await w.worker.inject({ url: '/api/episodes?state=closed' })).json().episodes.map((e: { id: string }) => e.id), [episode.id])
})

const gapProfile = (extra: object = {}) => ({ postcode: GAP_POSTCODES.south, travel: { walk_km: 1 }, access: ['step_free'], interests: { terms: ['arts-and-crafts'] }, ...extra })

t.test('gaps: five refined matches in one episode store one gap per unmet need; anonymous matches store none', async (t) => {
  const w = await world(t)
  const gaps = async () =>
    (await w.app.db.query<{ need_key: string; episode_id: string | null; age_band: string | null; team_id: string | null; barriers: string[] }>(
      'SELECT need_key, episode_id, age_band, team_id, barriers FROM match_gap ORDER BY need_key, episode_id',
    )).rows
  await w.app.db.query('DELETE FROM match_gap')
  for (let i = 0; i < 3; i++) {
    const res = await w.app.inject({ method: 'POST', url: '/api/match', payload: gapProfile() })
    t.equal(res.statusCode, 200)
    t.ok(res.json().gaps.length > 0 && res.json().gaps.every((g: { recorded: boolean }) => g.recorded === false), 'an anonymous gap is shown, not recorded')
  }
  t.same(await gaps(), [], 'anonymous matches store nothing')
  t.equal((await w.editor.inject({ method: 'POST', url: '/api/match', payload: gapProfile() })).json().gaps[0].recorded, false, "an editor's match stores nothing")

  const episode = (await w.worker.inject({ method: 'POST', url: '/api/episodes', payload: episodeBody('G-1', { postcode: GAP_POSTCODES.south }) })).json()
  const refinements = [{}, { travel: { walk_km: 1.5 } }, { travel: { walk_km: 2 } }, { age: 70 }, { travel: { walk_km: 1 }, preferences: { group_size: 'small' } }]
  for (const extra of refinements) {
    const res = await w.worker.inject({ method: 'POST', url: `/api/match?episode_id=${episode.id}`, payload: gapProfile(extra) })
    t.equal(res.statusCode, 200, res.body)
    t.ok(res.json().gaps.some((g: { recorded: boolean }) => g.recorded), 'recorded for the episode')
  }
  const stored = await gaps()
  const needs = new Set(stored.map((g) => g.need_key))
  t.equal(stored.length, needs.size, 'one row per unmet need')
  t.ok(stored.length >= 1)
  t.ok(stored.every((g) => g.episode_id === episode.id && g.age_band === '75-84' && g.team_id === episode.team.id), 'each names the episode, its age band and team')

  // Outside an episode: once per link worker, need, ward and day.
  for (let i = 0; i < 3; i++) await w.worker.inject({ method: 'POST', url: '/api/match', payload: gapProfile({ age: 30 }) })
  const outside = (await gaps()).filter((g) => g.episode_id === null)
  t.equal(outside.length, needs.size, 'three matches, one record per need')
  t.ok(outside.every((g) => g.age_band === '25-34'))
  // Matching inside another team's episode is refused, and records nothing.
  const refused = await w.otherTeamWorker.inject({ method: 'POST', url: `/api/match?episode_id=${episode.id}`, payload: gapProfile() })
  t.equal(refused.statusCode, 404)
  t.equal((await w.app.inject({ method: 'POST', url: `/api/match?episode_id=${episode.id}`, payload: gapProfile() })).statusCode, 401)
})

t.test('100 anonymous matches from one address are rate-limited; a signed-in link worker is not', async (t) => {
  const w = await world(t)
  const statuses: number[] = []
  for (let i = 0; i < 100; i++) statuses.push((await w.app.inject({ method: 'POST', url: '/api/match', remoteAddress: '203.0.113.9', payload: gapProfile() })).statusCode)
  t.equal(statuses.filter((s) => s === 200).length, 30)
  t.equal(statuses.filter((s) => s === 429).length, 70)
  t.equal((await w.app.db.query('SELECT 1 FROM match_gap')).rowCount, 0, 'and none of them stored a gap')
  const signedIn = await w.worker.inject({ method: 'POST', url: '/api/match', remoteAddress: '203.0.113.9', payload: gapProfile() })
  t.equal(signedIn.statusCode, 200)
})

t.test('a search from a postcode that finds nothing is counted per district, activity type and day', async (t) => {
  const w = await world(t)
  const search = (q: string) => w.app.inject({ url: `/api/search?${q}` })
  t.equal((await search('postcode=CR5%201AU&q=zzzzqqqq&radius_km=1')).json().total, 0)
  t.equal((await search('postcode=CR5%201AU&q=zzzzqqqq&radius_km=1')).json().total, 0)
  t.equal((await search('postcode=CR5%201AU&taxonomy_term=arts-and-crafts&accessibility=step_free,changing_place&radius_km=1')).json().total, 0)
  t.ok((await search('postcode=CR5%201AU&radius_km=5')).json().total > 0, 'a search with results is not counted')
  t.equal((await search('q=zzzzqqqq')).json().total, 0, 'nor one without a postcode')
  const { rows } = await w.app.db.query('SELECT day, outcode, activity_type, searches FROM search_demand ORDER BY activity_type')
  t.same(rows, [
    { day: '2026-11-01', outcode: 'CR5', activity_type: '', searches: 2 },
    { day: '2026-11-01', outcode: 'CR5', activity_type: 'arts-and-crafts', searches: 1 },
  ])
})
