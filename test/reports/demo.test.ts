// The reports on the demo (its directory and its year of caseload, as a fresh `npm start` has
// them): the directory's deliberate hole in the south, no step-free arts and crafts, is where
// the unmet need for arts and crafts with the access barrier lies, as no social group meant for
// young adults near New Addington is where young adults' need for one lies; and no count of
// people in any report lies between 1 and 7.
import t from 'tap'
import { DEMO_SEED } from '../../src/demo/generate.ts'
import { SOUTH_WARDS } from '../../src/demo/places.ts'
import { BARRIERS } from '../../src/directory/vocabulary.ts'
import { REPORTS } from '../../src/reports/schemas.ts'
import { adminSession } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'

t.test('the demo’s reports tell its story', async (t) => {
  const app = await buildTestApp(t, { config: { demoData: { enabled: true, seed: DEMO_SEED } } })
  const admin = await adminSession(app)
  const report = async (url: string) => {
    const res = await admin.inject({ url })
    t.equal(res.statusCode, 200, url)
    return res.json() as { tables: { name: string; columns: { kind: string }[]; rows: { label: string; cells: unknown[] }[]; totals: unknown[] | null }[] }
  }

  const arts = await report('/api/reports/unmet-need?activity_type=arts-and-crafts&barrier=access')
  const byArea = arts.tables.find((x) => x.name === 'by_area')!
  const withNeed = byArea.rows.filter((r) => r.cells[0] !== 0)
  t.ok(withNeed.length >= 3, `${withNeed.length} wards have people with this unmet need`)
  t.same(withNeed.filter((r) => !(SOUTH_WARDS as readonly string[]).includes(r.label)), [], 'all of them in the south of the borough')
  t.same(byArea.rows.slice(0, withNeed.length), withNeed, 'and they head the table')
  const { rows } = await app.db.query<{ people: number }>(
    `SELECT count(DISTINCT coalesce(episode_id::text, id::text))::int AS people FROM match_gap
      WHERE 'arts-and-crafts' = ANY (need_terms) AND 'access' = ANY (barriers) AND recorded_on > '2025-11-01'`,
  )
  t.same(byArea.totals![0], rows[0]!.people, 'the borough total is every such person')
  t.ok(rows[0]!.people >= 8, 'enough people to be shown')

  // The other hole: no social group meant for young adults near New Addington.
  const young = (await report('/api/reports/unmet-need?activity_type=social-groups&barrier=eligibility')).tables.find((x) => x.name === 'by_area')!
  t.equal(young.rows[0]!.label, 'New Addington South', 'young adults wanting a social group of their age: New Addington heads the table')
  t.ok(typeof young.rows[0]!.cells[0] === 'number' && (young.rows[0]!.cells[0] as number) >= 8, `${String(young.rows[0]!.cells[0])} people there, enough to be shown`)
  const eligibility = young.rows[0]!.cells[1 + BARRIERS.indexOf('eligibility')]
  t.equal(eligibility, young.rows[0]!.cells[0], 'each of them kept from a group by who it is for')

  for (const name of REPORTS) {
    for (const tb of (await report(`/api/reports/${name}`)).tables) {
      const people = tb.columns.flatMap((c, i) => (c.kind === 'people' ? [i] : []))
      const cells = [...tb.rows.map((r) => r.cells), ...(tb.totals ? [tb.totals] : [])].flatMap((cells) => people.map((i) => cells[i]))
      const small = cells.filter((c) => typeof c === 'number' && c >= 1 && c <= 7)
      t.same(small, [], `${name} ${tb.name}: no count of people from 1 to 7 is shown`)
    }
  }
})
