import t from 'tap'
import { passwordProblem } from '../../src/auth/passwords.ts'
import { DEMO_ADMIN_EMAIL, DEMO_COMMISSIONER_EMAIL, DEMO_EDITOR_EMAIL, DEMO_LINK_WORKERS, DEMO_PASSWORD, demoPeople, loadDemoCaseloadIfEmpty } from '../../src/demo/caseload.ts'
import { DEMO_SEED, NEW_ADDINGTON_WARDS, NORTH_CENTRAL_WARDS, SOUTH_WARDS } from '../../src/demo/generate.ts'
import type { Db } from '../../src/db/db.ts'
import { refuseMove } from '../../src/referrals/status.ts'
import type { ReferralStatus } from '../../src/referrals/vocabulary.ts'
import { FIXED_NOW, buildTestApp, usingPostgres } from '../helper.ts'

const engine = usingPostgres ? 'PostgreSQL' : 'PGlite'
const count = async (db: Db, sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n

t.test(`demo caseload (${engine}): seeded at start-up over the demo directory, through the product's own writes`, async (t) => {
  // The demo plugin seeds the caseload on a start where the directory exists and no episode does.
  const started = Date.now()
  const app = await buildTestApp(t, { config: { demoData: { enabled: true, seed: DEMO_SEED } } })
  t.comment(`the demo caseload (300 episodes) was seeded at start-up in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const db = app.db

  t.equal(passwordProblem(DEMO_PASSWORD, DEMO_ADMIN_EMAIL), null, 'the demo password passes the password policy')
  t.equal(await count(db, 'team'), 9, 'a team for each named Croydon PCN')
  t.equal(await count(db, 'team t JOIN pcn p ON p.code = t.pcn_code AND p.name = t.name'), 9, 'each serving its PCN')
  t.equal(await count(db, `account WHERE email LIKE '%@demo.connector.test'`), 8, 'eight demo accounts')
  t.equal(await count(db, `account a JOIN team t ON t.id = a.team_id WHERE a.role = 'link_worker'`), 5, 'five link workers, each in a team')
  t.equal(await count(db, 'episode'), 300)
  t.equal(await count(db, 'episode WHERE closed_on IS NULL'), 116, 'open episodes')
  t.equal(await count(db, 'episode WHERE closed_on IS NOT NULL AND close_reason IS NOT NULL'), 184, 'the others closed with a reason')
  const { rows: reasons } = await db.query<{ reason: string; n: number }>('SELECT close_reason AS reason, count(*)::int AS n FROM episode WHERE closed_on IS NOT NULL GROUP BY 1 ORDER BY 1')
  t.same(Object.fromEntries(reasons.map((r) => [r.reason, r.n])), { declined_support: 17, goals_met: 58, moved_away: 14, no_longer_engaging: 32, other: 14, other_support: 49 }, 'why they closed')
  t.equal(await count(db, `loneliness_score WHERE kind = 'follow_up'`), 259, 'follow-up scores')
  t.equal(await count(db, `episode e WHERE (SELECT count(*) FROM loneliness_score s WHERE s.episode_id = e.id AND s.kind = 'baseline') <> 1`), 0, 'every episode has one baseline score')
  const { rows: byStatus } = await db.query<{ status: ReferralStatus; n: number }>('SELECT status, count(*)::int AS n FROM referral GROUP BY status ORDER BY status')
  t.same(Object.fromEntries(byStatus.map((r) => [r.status, r.n])), { accepted: 11, attended: 166, closed: 28, declined: 39, did_not_attend: 83, sent: 28, stopped: 46 }, '401 referrals, by status')
  t.equal(await count(db, `referral r WHERE EXISTS (SELECT 1 FROM referral_event v WHERE v.referral_id = r.id AND v.status = 'attended')`), 212, 'referrals the person went to')
  t.equal(await count(db, 'match_gap'), 67, 'gap records, all from matches inside episodes')
  t.equal(await count(db, 'match_gap WHERE episode_id IS NULL OR team_id IS NULL OR age_band IS NULL OR recorded_by IS NULL'), 0)

  // The gaps follow the directory's holes.
  const { rows: gaps } = await db.query<{ terms: string[]; barriers: string[]; ward: string }>('SELECT need_terms AS terms, barriers, ward_name AS ward FROM match_gap')
  const south = (w: string) => (SOUTH_WARDS as readonly string[]).includes(w)
  const stepFreeCrafts = gaps.filter((g) => g.terms.includes('arts-and-crafts') && g.barriers.includes('access') && south(g.ward))
  const homeSupport = gaps.filter((g) => g.terms.some((x) => x === 'befriending' || x === 'peer-support') && !(NORTH_CENTRAL_WARDS as readonly string[]).includes(g.ward))
  t.equal(stepFreeCrafts.length, 17, 'hole (a): step-free arts and crafts in the south')
  t.equal(homeSupport.length, 15, 'support at home outside the north and centre (the home visitors cover only north and central wards)')
  const youngInNewAddington = gaps.filter((g) => g.terms.includes('social-groups') && g.barriers.includes('eligibility') && (NEW_ADDINGTON_WARDS as readonly string[]).includes(g.ward))
  t.equal(youngInNewAddington.length, 11, 'hole (b): a social group meant for young adults in New Addington')
  t.equal(gaps.length - stepFreeCrafts.length - homeSupport.length - youngInNewAddington.length, 24, 'and a few thin spots the matcher found elsewhere')

  // Scores: some improve, some do not.
  const { rows: change } = await db.query<{ better: number; not_better: number }>(
    `SELECT count(*) FILTER (WHERE f.total < b.total)::int AS better, count(*) FILTER (WHERE f.total >= b.total)::int AS not_better
       FROM loneliness_score b
       JOIN LATERAL (SELECT total FROM loneliness_score f WHERE f.episode_id = b.episode_id AND f.kind = 'follow_up' ORDER BY recorded_on DESC LIMIT 1) f ON true
      WHERE b.kind = 'baseline'`,
  )
  t.same(change[0], { better: 117, not_better: 86 }, 'latest follow-up against baseline: some improve, some do not')
  t.equal(await count(db, 'loneliness_score s JOIN episode e ON e.id = s.episode_id WHERE s.recorded_on < e.opened_on OR s.recorded_on > coalesce(e.closed_on, $1::date)', ['2026-11-01']), 0, 'scores within their episode')

  // Every referral's history: sent first, then legal moves by the right side, in time order, within its episode.
  const { rows: referrals } = await db.query<{
    id: string
    status: ReferralStatus
    opened_on: string
    closed_on: string | null
    organization_id: string
    events: Array<{ status: ReferralStatus; at: string; role: string | null; member: boolean }>
  }>(
    `SELECT r.id, r.status, e.opened_on, e.closed_on, r.organization_id,
            (SELECT json_agg(json_build_object('status', v.status, 'at', v.at, 'role', a.role,
                    'member', EXISTS (SELECT 1 FROM organization_member m WHERE m.account_id = a.id AND m.organization_id = r.organization_id))
                    ORDER BY v.at, v.id)
               FROM referral_event v LEFT JOIN account a ON a.id = v.by_account WHERE v.referral_id = r.id) AS events
       FROM referral r JOIN episode e ON e.id = r.episode_id`,
  )
  const wrong: string[] = []
  for (const r of referrals) {
    const ev = r.events
    if (ev[0]?.status !== 'sent' || ev[0].role !== 'link_worker') wrong.push(`${r.id}: does not start sent by a link worker`)
    for (let i = 1; i < ev.length; i++) {
      const e = ev[i]!
      const mover = e.role === 'link_worker' ? 'link_worker' : 'organisation'
      if (e.role !== 'link_worker' && e.role !== null && !(e.role === 'editor' && e.member)) wrong.push(`${r.id}: moved by a ${e.role} outside the organisation`)
      const refusal = refuseMove(ev[i - 1]!.status, e.status, mover)
      if (refusal) wrong.push(`${r.id}: ${refusal.detail}`)
      if (Date.parse(e.at) <= Date.parse(ev[i - 1]!.at)) wrong.push(`${r.id}: ${e.status} is not after ${ev[i - 1]!.status}`)
    }
    if (ev.at(-1)?.status !== r.status) wrong.push(`${r.id}: its history does not end at ${r.status}`)
    const last = r.closed_on ?? '2026-11-01'
    if (ev.some((e) => e.at.slice(0, 10) < r.opened_on || e.at.slice(0, 10) > last)) wrong.push(`${r.id}: a move outside ${r.opened_on}..${last}`)
    if (ev.some((e) => Date.parse(e.at) >= FIXED_NOW.getTime())) wrong.push(`${r.id}: a move after now`)
  }
  t.same(wrong, [], `${referrals.length} histories are legal moves in time order, within their episodes and before now`)
  t.equal(await count(db, `referral_event v JOIN account a ON a.id = v.by_account WHERE a.role = 'editor'`) > 0, true, 'the demo editor answered some')

  // Only keyed hashes of the made-up case numbers are stored, in no table at all.
  const caseNumbers = demoPeople({ seed: DEMO_SEED, now: FIXED_NOW, episodes: 300 }).map((p) => p.caseNumber)
  t.equal(new Set(caseNumbers).size, 300)
  const pattern = `(^|[^0-9])(${caseNumbers.join('|')})([^0-9]|$)`
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND NOT EXISTS (SELECT 1 FROM information_schema.columns i WHERE i.table_schema = 'public' AND i.table_name = c.relname AND i.udt_name IN ('geometry', 'geography'))
      ORDER BY 1`,
  )
  const holding: string[] = []
  // Ids are left out: a random uuid now and then holds seven digits in a row that equal one of
  // 300 case numbers, which says nothing about where case numbers went.
  const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
  for (const { name } of tables) {
    if ((await count(db, `"${name}" x WHERE regexp_replace(x::text, '${UUID}', '', 'g') ~ $1`, [pattern])) > 0) holding.push(name)
  }
  t.same(holding, [], `no case number in any of ${tables.length} tables (those with geometry hold boundaries and places only)`)
  t.ok(tables.some((x) => x.name === 'episode') && tables.some((x) => x.name === 'audit_log'))

  // A second run adds nothing.
  t.equal(await loadDemoCaseloadIfEmpty(db, { seed: DEMO_SEED, now: FIXED_NOW }), undefined, 'a database with episodes is left alone')
  t.equal(await count(db, 'episode'), 300)
  t.equal(await count(db, 'referral'), referrals.length)

  // The demo accounts sign in with the demo password and see their caseload through the API.
  const signIn = async (email: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password: DEMO_PASSWORD } })
    t.equal(res.statusCode, 200, `${email} signs in`)
    const raw = res.headers['set-cookie']
    return (Array.isArray(raw) ? raw : [raw]).find((c) => c?.startsWith('connector_session='))!.split(';')[0]!
  }
  for (const w of DEMO_LINK_WORKERS) {
    const cookie = await signIn(w.email)
    const me = (await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).json() as { account_id: string; team: { name: string } }
    t.equal(me.team.name, w.team)
    const mine = await count(db, 'episode WHERE link_worker_id = $1', [me.account_id])
    const open = await count(db, 'episode WHERE link_worker_id = $1 AND closed_on IS NULL', [me.account_id])
    const all = (await app.inject({ method: 'GET', url: '/api/episodes?state=all', headers: { cookie } })).json() as { episodes: unknown[] }
    const current = (await app.inject({ method: 'GET', url: '/api/episodes', headers: { cookie } })).json() as { episodes: Array<{ baseline_total: number | null }> }
    t.ok(mine >= 30 && open >= 5, `${w.email}: ${mine} episodes, ${open} open`)
    t.equal(all.episodes.length, mine, 'all of them listed')
    t.equal(current.episodes.length, open, 'the open ones by default')
    t.ok(current.episodes.every((e) => e.baseline_total !== null), 'each with its baseline')
  }
  const editor = await signIn(DEMO_EDITOR_EMAIL)
  const incoming = (await app.inject({ method: 'GET', url: '/api/manage/referrals', headers: { cookie: editor } })).json() as { referrals: unknown[] }
  const theirs = await count(db, `referral r JOIN organization_member m ON m.organization_id = r.organization_id JOIN account a ON a.id = m.account_id WHERE a.email = $1`, [DEMO_EDITOR_EMAIL])
  t.ok(theirs >= 10, `the editor's organisation has ${theirs} referrals`)
  t.equal(incoming.referrals.length, theirs, 'and the editor sees them')
  await signIn(DEMO_ADMIN_EMAIL)
  const commissioner = await signIn(DEMO_COMMISSIONER_EMAIL)
  t.equal((await app.inject({ method: 'GET', url: '/api/reports/unmet-need', headers: { cookie: commissioner } })).statusCode, 200, 'the commissioner reads the reports')
})

t.test(`demo caseload (${engine}): none over a directory that is not this seed's demo`, async (t) => {
  // The snapshot holds DEMO_SEED's directory; another seed's organisations are not there.
  const app = await buildTestApp(t, { config: { demoData: { enabled: true, seed: DEMO_SEED + 1 } } })
  t.equal(await count(app.db, 'episode'), 0, 'no episodes')
  t.equal(await count(app.db, `account WHERE email LIKE '%@demo.connector.test'`), 0, 'no demo accounts')
  t.equal(await count(app.db, 'organization'), 163, 'and the directory as it was')
})
