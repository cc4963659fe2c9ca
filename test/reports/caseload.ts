// A small caseload for the commissioners' reports, built as its users build it: listings by
// their organisations' editors, teams and link workers by an admin, episodes, scores, matches
// (which record gaps) and referrals by link workers, answers by the organisation. Shared by the
// API tests (test/reports/reports.test.ts) and the page tests (test/web/reports.test.ts).
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { adminSession, invited, teamNamed, type Session } from '../accounts.ts'

/** A Croydon PCN in the shipped GP practices file. */
export const CROYDON_LINK_PCN = 'U92836'
import { DirectoryBuilder, venueAt, weekly } from '../directory.ts'
import { buildTestApp } from '../helper.ts'

export const FAIRFIELD = 'E05011468'
export const COULSDON_TOWN = 'E05011466'
export const BENSHAM_MANOR = 'E05011464'
export const CROYDON = 'E09000008'
export const FAIRFIELD_HOME = 'CR0 1NX'
export const COULSDON_HOME = 'CR5 1AU'

export interface World {
  app: FastifyInstance
  admin: Session
  commissioner: Session
  worker: Session
  craftClub: string
  arts: string
  /** The session of Fairfield Arts' editor. */
  editorCookie: string
}

/** Step-free arts and crafts near home: the only arts listing has steps, so every such match is a gap (access). */
const artsMatch = (postcode: string, travel: object) => ({ postcode, travel, access: ['step_free'], interests: { terms: ['arts-and-crafts'] } })

export async function world(t: Test): Promise<World> {
  const app = await buildTestApp(t, { demo: 'empty' })
  const dir = await DirectoryBuilder.start(app)
  const arts = await dir.organization({ name: 'Fairfield Arts' })
  const callers = await dir.organization({ name: 'Bensham Callers' })
  const craft = await dir.service(arts, {
    name: 'Fairfield Craft Club',
    description: 'Crafts every Tuesday, up a flight of stairs.',
    delivery_modes: ['venue'],
    group_size: 'small',
    taxonomy_terms: ['arts-and-crafts'],
    locations: [await venueAt(app, FAIRFIELD_HOME, 'Upstairs Studio', ['seating'])],
    schedules: [weekly(['TU'], '10:00', '12:00', 0)],
  })
  await dir.service(callers, {
    name: 'Bensham Phone Friends',
    description: 'A weekly call for people over 60.',
    delivery_modes: ['telephone'],
    group_size: 'one_to_one',
    minimum_age: 60,
    taxonomy_terms: ['befriending'],
    schedules: [{ kind: 'by_arrangement' }],
    service_areas: [{ kind: 'ward', code: BENSHAM_MANOR }],
  })
  await dir.service(callers, {
    name: 'Bensham Walk',
    description: 'A gentle walk from the library.',
    delivery_modes: ['venue'],
    group_size: 'large',
    taxonomy_terms: ['walking'],
    locations: [await venueAt(app, 'CR7 7DD', 'Library Steps')],
    schedules: [weekly(['WE'], '10:00', '11:00', 0)],
  })

  const admin = await adminSession(app)
  // The Fairfield team serves a PCN (as the shipped GP practices name it); the Coulsdon team none.
  const fairfieldTeam = await teamNamed(admin, 'Fairfield PCN', CROYDON_LINK_PCN)
  const coulsdonTeam = await teamNamed(admin, 'Coulsdon PCN')
  const worker = await invited(app, admin, { email: 'lw-f@example.org', role: 'link_worker', team_id: fairfieldTeam })
  const southWorker = await invited(app, admin, { email: 'lw-c@example.org', role: 'link_worker', team_id: coulsdonTeam })
  const commissioner = await invited(app, admin, { email: 'commissioner@example.org', role: 'commissioner' })

  const ok = async (res: Promise<{ statusCode: number; body: string; json: () => any }>, status = 201) => {
    const r = await res
    if (r.statusCode !== status) throw new Error(`${r.statusCode}: ${r.body}`)
    return r.json()
  }
  // Twenty people in Fairfield referred by their GP, lonely (9) at the start and not (4) at follow-up;
  // three in Coulsdon who referred themselves, 6 then 5.
  const people = [
    ...Array.from({ length: 20 }, (_, i) => ({ who: worker, case: `F-${i}`, route: 'gp', postcode: FAIRFIELD_HOME, travel: { walk_km: 2 }, before: [3, 3, 3], after: [1, 2, 1] })),
    ...Array.from({ length: 3 }, (_, i) => ({ who: southWorker, case: `C-${i}`, route: 'self', postcode: COULSDON_HOME, travel: { car_km: 15 }, before: [2, 2, 2], after: [2, 1, 2] })),
  ]
  const episodes: string[] = []
  for (const p of people) {
    const e = await ok(p.who.inject({ method: 'POST', url: '/api/episodes', payload: { case_number: p.case, referral_route: p.route, age_band: '75-84', postcode: p.postcode, opened_on: '2026-09-01' } }))
    const score = (kind: string, recorded_on: string, [companionship, left_out, isolated]: number[]) =>
      ok(p.who.inject({ method: 'POST', url: `/api/episodes/${e.id}/scores`, payload: { kind, recorded_on, companionship, left_out, isolated } }))
    await score('baseline', '2026-09-01', p.before)
    await score('follow_up', '2026-10-15', p.after)
    await ok(p.who.inject({ method: 'POST', url: `/api/match?episode_id=${e.id}`, payload: artsMatch(p.postcode, p.travel) }), 200)
    if (p.route === 'gp') episodes.push(e.id)
  }
  // One match outside an episode: one more person in Fairfield.
  await ok(worker.inject({ method: 'POST', url: '/api/match', payload: artsMatch(FAIRFIELD_HOME, { walk_km: 2 }) }), 200)

  // The twenty in Fairfield are referred to the craft club: it takes ten, who come, and is full for the rest.
  const editorCookie = arts.cookie
  const asEditor = (method: 'POST' | 'PUT', url: string, payload: object) => app.inject({ method, url, payload, headers: { cookie: editorCookie } })
  for (const [i, id] of episodes.entries()) {
    const r = await ok(worker.inject({ method: 'POST', url: `/api/episodes/${id}/referrals`, payload: { service_id: craft.id, source: 'match' } }))
    if (i < 10) {
      await ok(asEditor('POST', `/api/manage/referrals/${r.id}/status`, { status: 'accepted' }), 200)
      await ok(asEditor('POST', `/api/manage/referrals/${r.id}/status`, { status: 'attended' }), 200)
    } else {
      await ok(asEditor('POST', `/api/manage/referrals/${r.id}/status`, { status: 'declined', reason: 'full' }), 200)
    }
  }
  await ok(asEditor('PUT', `/api/manage/services/${craft.id}/referral-capacity`, { referral_capacity: 'full' }), 200)
  // Two searches from a Coulsdon postcode that find nothing.
  for (let i = 0; i < 2; i++) await ok(app.inject({ url: `/api/search?postcode=${encodeURIComponent(COULSDON_HOME)}&q=zzzzqqqq&radius_km=1` }), 200)
  // And one from the district alone.
  await ok(app.inject({ url: '/api/search?postcode=CR5&q=zzzzqqqq&radius_km=1' }), 200)
  return { app, admin, commissioner, worker, craftClub: craft.id, arts: arts.id, editorCookie: arts.cookie }
}
