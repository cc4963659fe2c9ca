// The commissioners' reports on a small caseload built as its users build it: listings by
// their organisations' editors, teams and link workers by an admin, episodes, scores, matches
// (which record gaps) and referrals by link workers, answers by the organisation. Each figure
// is checked against the stored records counted here, and against the suppression rule.
import { parse } from 'csv-parse/sync'
import t, { type Test } from 'tap'
import { adminSession, invited, teamNamed } from '../accounts.ts'
import { DirectoryBuilder } from '../directory.ts'
import { buildTestApp } from '../helper.ts'
import { BENSHAM_MANOR, COULSDON_TOWN, CROYDON, FAIRFIELD, world } from './caseload.ts'
import { REPORT_KINDS } from '../../src/reports/routes.ts'
import { REPORTS } from '../../src/reports/schemas.ts'

type Table = { name: string; area_level: string | null; notes: string[]; row_heading: string; columns: { key: string; label: string }[]; rows: { key: string; label: string; cells: unknown[] }[]; totals: unknown[] | null }
const table = (report: { tables: Table[] }, name: string) => report.tables.find((x) => x.name === name)!
const row = (tb: Table, key: string) => tb.rows.find((r) => r.key === key)?.cells
const zeros = (n: number) => Array<number>(n).fill(0)

t.test('the reports count what was recorded, with small counts hidden', async (t) => {
  const w = await world(t)
  const get = async (url: string) => {
    const res = await w.commissioner.inject({ url })
    t.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 300)}`)
    return res.json()
  }

  t.test('unmet need', async (t) => {
    // Counted from the stored gap records: a person is an episode, or a match outside one.
    const { rows: stored } = await w.app.db.query<{ ward_code: string; people: number; access: number }>(
      `SELECT ward_code, count(DISTINCT coalesce(episode_id::text, id::text))::int AS people,
              count(DISTINCT coalesce(episode_id::text, id::text)) FILTER (WHERE 'access' = ANY (barriers))::int AS access
         FROM match_gap GROUP BY 1 ORDER BY 1`,
    )
    t.same(stored, [
      { ward_code: COULSDON_TOWN, people: 3, access: 3 },
      { ward_code: FAIRFIELD, people: 21, access: 21 },
    ])
    const report = await get('/api/reports/unmet-need')
    t.same(report.period, { from: '2025-11-02', to: '2026-11-01' }, 'the year to today')
    const byArea = table(report, 'by_area')
    t.same(byArea.columns.map((c) => c.key), ['people', 'distance', 'access', 'time', 'eligibility', 'capacity', 'cost', 'delivery_mode', 'intensity', 'language'])
    t.equal(byArea.rows.length, 28, 'every ward, none unknown')
    // Coulsdon Town's 3 is hidden; the column total (24) would give it away, so Fairfield's 21 is hidden too.
    t.same(row(byArea, COULSDON_TOWN), ['*', 0, '*', 0, 0, 0, 0, 0, 0, 0])
    t.same(row(byArea, FAIRFIELD), ['*', 0, '*', 0, 0, 0, 0, 0, 0, 0])
    t.same(byArea.totals, [24, 0, 24, 0, 0, 0, 0, 0, 0, 0])
    t.same(byArea.rows.slice(0, 2).map((r) => r.label), ['Coulsdon Town', 'Fairfield'], 'hidden counts first, in name order, not by their size')
    t.same(table(report, 'by_team').rows.map((r) => [r.label, r.cells]), [['Coulsdon PCN', ['*']], ['Fairfield PCN', ['*']]])
    t.same(table(report, 'by_team').totals, [24])
    t.same(table(report, 'by_pcn').rows.map((r) => [r.key, r.label, r.cells]), [['U92836', 'CROYDON LINK PCN', ['*']], ['none', 'No primary care network recorded', ['*']]], 'by the PCN its team serves')
    t.same(table(report, 'by_pcn').totals, [24])
    t.same(table(report, 'by_need').rows.map((r) => [r.key, r.cells]), [['arts-and-crafts', [24]]])
    const barriers = table(report, 'by_barrier').rows
    t.same(barriers[0], { key: 'access', label: 'Venue access', cells: [24] }, 'access excluded the near misses')
    t.same(barriers.slice(1).map((r) => r.cells), zeros(8).map((z) => [z]))
    t.same(row(table(report, 'by_month'), '2026-11'), [24])
    const searches = table(report, 'empty_searches_by_area')
    t.same(row(searches, COULSDON_TOWN), ['*'], 'two searches from a Coulsdon Town postcode')
    t.same(row(searches, 'unknown'), ['*'], 'one from a district alone')
    t.same(searches.totals, ['*'])
    t.equal(searches.rows.length, 29)
    t.same(row(table(report, 'by_month'), '2026-10'), [0])

    // Within Fairfield alone the count stands by itself and is shown.
    const fairfield = await get(`/api/reports/unmet-need?area=${FAIRFIELD}`)
    t.same(table(fairfield, 'by_area').rows, [{ key: FAIRFIELD, label: 'Fairfield', cells: [21, 0, 21, 0, 0, 0, 0, 0, 0, 0] }])
    // By LSOA, each person in the LSOA their postcode lies in.
    const lsoas = await get(`/api/reports/unmet-need?area=${FAIRFIELD}&area_level=lsoa`)
    const { rows: lsoa } = await w.app.db.query<{ lsoa_code: string }>(`SELECT DISTINCT lsoa_code FROM match_gap WHERE ward_code = $1`, [FAIRFIELD])
    t.same(table(lsoas, 'by_area').rows.filter((r) => r.cells[0] !== 0).map((r) => [r.key, r.cells[0]]), [[lsoa[0]!.lsoa_code, 21]])
    // Filters that exclude everyone.
    t.same(table(await get('/api/reports/unmet-need?barrier=distance'), 'by_area').totals, zeros(10))
    t.same(table(await get('/api/reports/unmet-need?activity_type=walking'), 'by_need').rows, [])
    t.same(table(await get('/api/reports/unmet-need?from=2026-01-01&to=2026-10-31'), 'by_area').totals, zeros(10), 'before the matches were made')
  })

  t.test('supply', async (t) => {
    const report = await get('/api/reports/supply')
    const { rows: profiles } = await w.app.db.query<{ code: string; population: number; population_65_plus: number; imd_decile: number }>(
      `SELECT code, population, population_65_plus, imd_decile FROM area_profile WHERE code IN ($1, $2)`,
      [FAIRFIELD, BENSHAM_MANOR],
    )
    const p = (code: string) => profiles.find((x) => x.code === code)!
    const per = (n: number, pop: number, k: number) => Math.round((n / pop) * k * 10) / 10
    const byArea = table(report, 'by_area')
    t.same(row(byArea, FAIRFIELD), [1, per(1, p(FAIRFIELD).population, 10_000), 0, 0, p(FAIRFIELD).imd_decile, p(FAIRFIELD).population, p(FAIRFIELD).population_65_plus])
    // The walk at its venue and the phone line in the ward its area names, not in the wards beside it.
    t.same(row(byArea, BENSHAM_MANOR), [2, per(2, p(BENSHAM_MANOR).population, 10_000), 1, per(1, p(BENSHAM_MANOR).population_65_plus, 1_000), p(BENSHAM_MANOR).imd_decile, p(BENSHAM_MANOR).population, p(BENSHAM_MANOR).population_65_plus])
    t.equal(byArea.rows.filter((r) => r.cells[0] !== 0).length, 2, 'no other ward has a listing')
    t.same(row(table(report, 'by_area_and_activity'), FAIRFIELD)![table(report, 'by_area_and_activity').columns.findIndex((c) => c.key === 'arts-and-crafts')], per(1, p(FAIRFIELD).population, 10_000))
    const without = table(report, 'areas_without')
    t.equal(row(without, 'arts-and-crafts')![0], 27)
    t.notMatch(row(without, 'arts-and-crafts')![1], /Fairfield/)
    t.equal(row(without, 'befriending')![0], 27)
    t.equal(row(without, 'digital-skills')![0], 28)
    // As at a day before the listings were confirmed, there were none.
    t.equal(row(table(await get('/api/reports/supply?to=2026-10-31'), 'by_area'), FAIRFIELD)![0], 0)
  })

  t.test('demand', async (t) => {
    const report = await get('/api/reports/demand')
    t.same(table(report, 'by_organisation').rows, [{ key: w.arts, label: 'Fairfield Arts', cells: [20, 10, 10, 10, 50, 50, 50] }])
    t.same(table(report, 'by_organisation').totals, [20, 10, 10, 10, 50, 50, 50])
    t.same(table(report, 'by_listing').rows.map((r) => [r.label, r.cells]), [['Fairfield Craft Club (Fairfield Arts)', [20, 10, 10, 10, 50, 50, 50]]])
    t.same(row(table(report, 'by_month'), '2026-11'), [20, 10, 10, 10, 50, 50, 50])
    t.same(row(table(report, 'decline_reasons'), 'full'), [10])
    t.same(table(report, 'decline_reasons').totals, [10])
    // Full from 10:00 on the last day of the period to its end: 14 hours, a day rounded.
    t.same(table(report, 'capacity').rows, [{ key: w.arts, label: 'Fairfield Arts', cells: [1, 0, 1] }])
    t.same(table(report, 'empty_searches').rows, [{ key: 'CR5', label: 'CR5', cells: ['*'] }], 'three searches: hidden')
    t.same(table(report, 'empty_searches').totals, ['*'])
    const { rows: stored } = await w.app.db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM referral GROUP BY 1 ORDER BY 1`)
    t.same(stored, [{ status: 'attended', n: 10 }, { status: 'declined', n: 10 }])
  })

  t.test('outcomes', async (t) => {
    const report = await get('/api/reports/outcomes')
    const byRoute = table(report, 'by_route')
    // 20 by their GP and 3 by themselves: the 3 are hidden, so the 20 is too; the figures for the 20 stand.
    t.same(row(byRoute, 'gp'), ['*', '*', -5, 100, 100])
    t.same(row(byRoute, 'self'), ['*', '*', null, null, null], 'no figures for three people')
    t.same(byRoute.totals, [23, 23, Math.round((-103 / 23) * 100) / 100, 100, 100])
    // The ten who came to arts and crafts.
    t.same(row(table(report, 'by_activity'), 'arts-and-crafts'), [10, 10, -5, 100, 100])
    t.same(row(table(report, 'by_activity'), 'walking'), [0, 0, null, null, null])
    t.same(table(await get('/api/reports/outcomes?activity_type=arts-and-crafts'), 'by_route').totals, [10, 10, -5, 100, 100])
    t.same(table(await get('/api/reports/outcomes?to=2026-10-14'), 'by_route').totals, [0, 0, null, null, null], 'follow-ups after the period are not counted')
  })

  t.test('freshness', async (t) => {
    const report = await get('/api/reports/freshness')
    t.same(table(report, 'by_organisation').rows.map((r) => [r.label, r.cells]), [['Bensham Callers', [2, 100, 100, 100]], ['Fairfield Arts', [1, 100, 100, 100]]])
    t.same(table(await get('/api/reports/freshness?to=2027-06-01'), 'by_organisation').totals, [3, 0, 0, 100], 'seven months on')
  })

  t.test('an area chosen: demand and outcomes count its people, freshness and capacity the listings that serve it', async (t) => {
    const db = w.app.db
    // Counted from the stored records: referrals and latest follow-ups of people by the ward they live in.
    const referralsIn = async (ward: string) =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM referral r JOIN episode e ON e.id = r.episode_id WHERE e.ward_code = $1`, [ward])).rows[0]!.n
    const followedUpIn = async (ward: string) =>
      (await db.query<{ n: number }>(`SELECT count(DISTINCT s.episode_id)::int AS n FROM loneliness_score s JOIN episode e ON e.id = s.episode_id WHERE s.kind = 'follow_up' AND e.ward_code = $1`, [ward])).rows[0]!.n
    t.equal(await referralsIn(FAIRFIELD), 20, 'every referral is for someone in Fairfield')
    t.equal(await referralsIn(COULSDON_TOWN), 0)

    const fairfield = await get(`/api/reports/demand?area=${FAIRFIELD}`)
    t.same(table(fairfield, 'by_organisation').totals, [20, 10, 10, 10, 50, 50, 50])
    t.match(table(fairfield, 'by_organisation').notes, ['A referral counts as accepted', 'Only referrals for people living in Fairfield.'])
    t.same(table(fairfield, 'capacity').rows, [{ key: w.arts, label: 'Fairfield Arts', cells: [1, 0, 1] }], 'the craft club is in Fairfield')
    const coulsdon = await get(`/api/reports/demand?area=${COULSDON_TOWN}`)
    t.same(table(coulsdon, 'by_organisation').rows, [], 'nobody in Coulsdon Town was referred')
    t.same(table(coulsdon, 'by_organisation').totals, [0, 0, 0, 0, null, null, null])
    t.same(table(coulsdon, 'capacity').rows, [], 'and no listing serving it was full')
    t.same(table(coulsdon, 'empty_searches').rows, [{ key: 'CR5', label: 'CR5', cells: ['*'] }], 'the searches from Coulsdon Town postcodes')
    t.same(table(fairfield, 'empty_searches').rows, [], 'none from Fairfield')

    const outcomesIn = async (area: string) => table(await get(`/api/reports/outcomes?area=${area}`), 'by_route').totals![0]
    t.same([await followedUpIn(FAIRFIELD), await followedUpIn(COULSDON_TOWN)], [20, 3], 'the 23 people followed up live in the two wards')
    t.equal(await outcomesIn(FAIRFIELD), 20, 'Fairfield’s 20, shown alone')
    t.equal(await outcomesIn(COULSDON_TOWN), '*', 'Coulsdon Town’s 3, hidden')
    t.equal(await outcomesIn(CROYDON), 23, 'the borough’s 23')

    const fresh = async (area: string) => table(await get(`/api/reports/freshness?area=${area}`), 'by_organisation').rows.map((r) => [r.label, r.cells[0]])
    t.same(await fresh(BENSHAM_MANOR), [['Bensham Callers', 2]], 'the walk at its venue and the phone line whose area is the ward')
    t.same(await fresh(FAIRFIELD), [['Fairfield Arts', 1]], 'the craft club; not the phone line for Bensham Manor next door')
    t.same(await fresh(CROYDON), [['Bensham Callers', 2], ['Fairfield Arts', 1]], 'the borough: every listing')
  })

  t.test('CSV: the JSON figures, with what the file is and the suppression rule', async (t) => {
    // Every table of every report: a download builds only its table, with the same figures.
    for (const [name, tableName] of REPORTS.flatMap((n) => REPORT_KINDS[n].tables.map((tb) => [n, tb] as const))) {
      const json = (await get(`/api/reports/${name}`)) as { tables: Table[] }
      t.same(json.tables.map((tb) => tb.name), REPORT_KINDS[name].tables, `${name}: the tables it lists`)
      t.same(json.tables.filter((tb) => tb.area_level !== null).map((tb) => tb.name), REPORT_KINDS[name].areaTables, `${name}: those by area`)
      const res = await w.commissioner.inject({ url: `/api/reports/${name}.csv?table=${tableName}` })
      t.equal(res.statusCode, 200)
      t.match(res.headers['content-type'], /^text\/csv/)
      t.equal(res.headers['content-disposition'], `attachment; filename="${name}-${tableName.replaceAll('_', '-')}-all-areas-2025-11-02-to-2026-11-01.csv"`)
      const [about, header, ...lines] = parse(res.body, { relax_column_count: true }) as string[][]
      t.match(about![0], /Period 2025-11-02 to 2026-11-01\. Filters: none\. Counts from 1 to 7 are shown as \*/)
      const tb = table(json, tableName)
      t.same(header, ['code', tb.row_heading, ...tb.columns.map((c) => c.label)])
      const asText = (cells: unknown[]) => cells.map((c) => (c === null ? '' : String(c)))
      const expected = [...tb.rows.map((r) => [r.key, r.label, ...asText(r.cells)]), ...(tb.totals ? [['total', 'Total', ...asText(tb.totals)]] : [])]
      t.same(lines, expected, `${name}.csv holds the JSON's figures`)
    }
    const filtered = await w.commissioner.inject({ url: `/api/reports/unmet-need.csv?activity_type=arts-and-crafts&barrier=access&area=${CROYDON}` })
    t.match(filtered.body.split('\n')[0], /Filters: activity type Arts and crafts; barrier Venue access; area Croydon\./)
    t.match(filtered.headers['content-disposition'], /unmet-need-by-area-croydon-2025-11-02-to-2026-11-01\.csv/)
  })

  t.test('GeoJSON: one feature per ward, valid RFC 7946', async (t) => {
    const res = await w.commissioner.inject({ url: '/api/reports/unmet-need.geojson' })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/geo\+json/)
    const fc = res.json()
    t.equal(fc.type, 'FeatureCollection')
    t.equal(fc.features.length, 28)
    t.equal(new Set(fc.features.map((f: any) => f.properties.code)).size, 28)
    t.notOk('crs' in fc, 'no crs member: RFC 7946 is WGS 84 only')
    for (const f of fc.features) checkFeature(t, f)
    t.same(fc.features.find((f: any) => f.id === FAIRFIELD).properties, { code: FAIRFIELD, name: 'Fairfield', people: '*', distance: 0, access: '*', time: 0, eligibility: 0, capacity: 0, cost: 0, delivery_mode: 0, intensity: 0, language: 0 })
    const query = `area_level=lsoa&area=${FAIRFIELD}`
    const lsoa = (await w.commissioner.inject({ url: `/api/reports/supply.geojson?${query}` })).json()
    const lsoaRows = table(await get(`/api/reports/supply?${query}`), 'by_area').rows
    // Fairfield's LSOAs: those with a point inside the ward (LSOAs do not nest in wards).
    t.same(lsoa.features.map((f: any) => f.id).sort(), ['E01001042', 'E01001043', 'E01001048'])
    t.same(lsoaRows.map((r) => r.key).sort(), ['E01001042', 'E01001043', 'E01001048'], 'the same areas as the JSON')
    const noAreas = await w.commissioner.inject({ url: '/api/reports/demand.geojson' })
    t.equal(noAreas.statusCode, 404, 'demand has no table by area')
  })
})

/** RFC 7946: a Feature with a Polygon or MultiPolygon of [lon, lat] positions, rings closed, outer rings anticlockwise. */
function checkFeature(t: Test, f: any): void {
  t.equal(f.type, 'Feature')
  t.ok(['Polygon', 'MultiPolygon'].includes(f.geometry.type))
  const polygons: number[][][][] = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates
  for (const polygon of polygons) {
    polygon.forEach((ring, i) => {
      const closed = ring.length >= 4 && ring[0]![0] === ring.at(-1)![0] && ring[0]![1] === ring.at(-1)![1]
      const inRange = ring.every(([lon, lat]) => Math.abs(lon!) <= 180 && Math.abs(lat!) <= 90)
      // Shoelace: positive for anticlockwise. Exterior rings anticlockwise, holes clockwise.
      const area = ring.slice(1).reduce((s, p, j) => s + (ring[j]![0]! * p[1]! - p[0]! * ring[j]![1]!), 0)
      if (!closed || !inRange || (i === 0 ? area <= 0 : area >= 0)) t.fail(`${f.id}: ring ${i} is not RFC 7946`)
    })
  }
  t.type(f.properties, 'object')
}

t.test('who may see the reports', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const admin = await adminSession(app)
  const team = await teamNamed(admin, 'Some PCN')
  const commissioner = await invited(app, admin, { email: 'c@example.org', role: 'commissioner' })
  const worker = await invited(app, admin, { email: 'lw@example.org', role: 'link_worker', team_id: team })
  const dir = await DirectoryBuilder.start(app)
  const org = await dir.organization({ name: 'Some Group' })
  const urls = ['/api/reports', '/api/reports/unmet-need', '/api/reports/supply', '/api/reports/demand', '/api/reports/outcomes', '/api/reports/freshness', '/api/reports/unmet-need.csv', '/api/reports/supply.geojson']
  for (const url of urls) {
    t.equal((await commissioner.inject({ url })).statusCode, 200, `a commissioner sees ${url}`)
    t.equal((await admin.inject({ url })).statusCode, 200, `an admin sees ${url}`)
    t.equal((await worker.inject({ url })).statusCode, 403, `a link worker does not see ${url}`)
    t.equal((await app.inject({ url, headers: { cookie: org.cookie } })).statusCode, 403, `an editor does not see ${url}`)
    const anonymous = await app.inject({ url })
    t.equal(anonymous.statusCode, 401, `anonymous: ${url}`)
    t.match(anonymous.headers['content-type'], /application\/problem\+json/)
  }
})

t.test('what a report cannot answer is a 422 naming the parameter', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const admin = await adminSession(app)
  const cases: [string, string, RegExp][] = [
    ['/api/reports/supply?from=2026-06-01&to=2026-05-31', '/to', /ends \(2026-05-31\) before it starts \(2026-06-01\)/],
    ['/api/reports/demand?from=2020-01-01&to=2026-01-02', '/from', /longer than 5 years/],
    ['/api/reports/unmet-need?activity_type=knitting', '/activity_type', /no activity type with the code "knitting"/],
    ['/api/reports/unmet-need?area=E05099999', '/area', /no local authority or ward with the code "E05099999"/],
    ['/api/reports/unmet-need?area=E01000975', '/area', /no local authority or ward/],
    ['/api/reports/unmet-need?barrier=weather', '/barrier', /barrier/],
    ['/api/reports/unmet-need?area_level=msoa', '/area_level', /area_level/],
    ['/api/reports/unmet-need?from=yesterday', '/from', /from/],
    ['/api/reports/supply?barrier=access', '/barrier', /only the unmet need report/],
    ['/api/reports/freshness?need=interest', '/need', /only the unmet need report/],
    ['/api/reports/demand.csv?table=everything', '/table', /no table named "everything": choose one of by_organisation, by_listing/],
    ['/api/reports/supply.geojson?table=areas_without', '/table', /no table by area named "areas_without": choose one of by_area, by_area_and_activity/],
  ]
  for (const [url, pointer, detail] of cases) {
    const res = await admin.inject({ url })
    t.equal(res.statusCode, 422, url)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    t.match(res.json(), { status: 422, detail, errors: [{ in: 'querystring', pointer }] }, url)
  }
  t.equal((await admin.inject({ url: '/api/reports/demand?from=2021-01-03&to=2026-01-02' })).statusCode, 200, 'five years exactly is allowed')
})
