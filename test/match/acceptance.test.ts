// POST /api/match over a directory that organisations wrote themselves (through the editing
// API), on both databases: every listing that meets all of a person's hard needs is returned,
// none that fails one is, and each decoy comes back once the one need it fails is relaxed.
import t from 'tap'
import { buildAcceptanceDirectory, ENTRIES, ROSE, TOM, type Entry } from '../acceptance-directory.ts'
import { adminSession, invited } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'

interface Result {
  section: string
  delivery: string
  service: { name: string }
  reasons: string[]
}

t.test('matching a directory built through the editing API', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const { dir, orgs, listings } = await buildAcceptanceDirectory(app)
  // A link worker matches: only their gaps are recorded.
  const worker = await invited(app, await adminSession(app, 'acceptance.admin@example.org'), { email: 'link.worker@example.org', role: 'link_worker' })
  const match = async (profile: object) => {
    const res = await worker.inject({ method: 'POST', url: '/api/match', payload: profile })
    t.equal(res.statusCode, 200, res.statusCode === 200 ? 'matched' : res.body)
    return res.json() as { results: Result[]; gaps: { need: string; found: number; barriers: string[]; language: string | null }[] }
  }
  const names = (results: Result[]) => results.map((r) => r.service.name).sort()
  const fitting = (who: Entry['for']) => ENTRIES.filter((e) => e.for === who && !e.fails).map((e) => e.name).sort()
  const decoys = (who: Entry['for']) => ENTRIES.filter((e) => e.for === who && e.fails)

  t.test('Rose, housebound, needs Tamil: the three that fit her, by phone, at home and online; no decoy', async (t) => {
    const rose = await match(ROSE)
    t.same(names(rose.results), fitting('rose'))
    t.same(rose.results.map((r) => r.delivery).sort(), ['home_visit', 'online_video', 'telephone'])
    t.ok(rose.results.find((r) => r.service.name === 'Interpreted Home Visits')!.reasons.includes('an interpreter can be arranged for Tamil'))
    t.same(rose.gaps, [], 'three is enough: no gap')
  })

  t.test('Rose’s decoys each fail exactly one need: relaxed, each is matched', async (t) => {
    for (const d of decoys('rose')) {
      if (!d.relax) continue
      const relaxed = await match({ ...ROSE, ...d.relax })
      t.ok(names(relaxed.results).includes(d.name), `${d.name} (${d.fails}) is matched once ${JSON.stringify(d.relax)}`)
    }
    // A full listing cannot be relaxed from the profile: its organisation opens it to referrals.
    const circle = listings.get('Tamil Circle')!
    const opened = await dir.call('PUT', `/api/manage/services/${circle.id}/referral-capacity`, orgs.croydon.cookie, { referral_capacity: 'open' })
    t.equal(opened.status, 200)
    t.ok(names((await match(ROSE)).results).includes('Tamil Circle'), 'Tamil Circle (capacity) is matched once it takes referrals')
    await dir.call('PUT', `/api/manage/services/${circle.id}/referral-capacity`, orgs.croydon.cookie, { referral_capacity: 'full' })
  })

  t.test('a language nobody offers: a gap naming it, with near-misses that say why', async (t) => {
    await app.db.query('DELETE FROM match_gap')
    const somali = await match({ ...ROSE, language_need: 'so' })
    t.same(names(somali.results), ['Interpreted Home Visits'], 'only the service with an interpreter')
    const [gap] = somali.gaps
    t.equal(gap!.language, 'so')
    t.ok(gap!.barriers.includes('language'))
    t.ok((gap as unknown as { near_misses: { summary: string }[] }).near_misses.some((m) => m.summary === 'Tamil Telephone Friends is held in Tamil, with no Somali and no interpreter'))
    const { rows } = await app.db.query<{ language: string; barriers: string[]; outcode: string }>(`SELECT language, barriers, outcode FROM match_gap WHERE language IS NOT NULL`)
    t.same(rows.map((r) => [r.language, r.outcode]), [['so', 'CR7']], 'the gap record names the language, and only the district')
  })

  t.test('Tom: housing advice first, and his three interests still listed', async (t) => {
    const tom = await match(TOM)
    const practical = tom.results.filter((r) => r.section === 'practical')
    const interests = tom.results.filter((r) => r.section === 'interest')
    t.equal(practical.length, 3, 'three of the four housing sessions (his limit)')
    t.ok(practical.every((r) => r.service.name.startsWith('Housing Advice')))
    t.same(names(interests), ['Brew and Banter', 'Craft Corner', 'Selhurst Men’s Shed'], 'every interest that fits, despite four housing sessions')
    t.same(tom.results.slice(0, 3).map((r) => r.section), ['practical', 'practical', 'practical'], 'practical help comes first')
    const everything = await match({ ...TOM, limit: 20 })
    t.same(names(everything.results), fitting('tom'), 'with room, every listing that meets all his needs; no decoy')
  })

  t.test('Tom’s decoys each fail exactly one need: relaxed, each is matched', async (t) => {
    for (const d of decoys('tom')) {
      const relaxed = await match({ ...TOM, limit: 20, ...d.relax })
      t.ok(names(relaxed.results).includes(d.name), `${d.name} (${d.fails}) is matched once ${JSON.stringify(d.relax)}`)
    }
  })
})
