// The report pages, as a commissioner's browser without JavaScript sees them, on the small
// caseload of test/reports/caseload.ts: every table holds the JSON report's figures ('*' and
// '–' as given), the filters are stated in words, the downloads carry the same query, the map's
// classes and the monthly charts say what the tables say; bad filters are a 422 with the error
// summary; only commissioners and admins see reports.
import t from 'tap'
import { TEST_PASSWORD } from '../accounts.ts'
import { COULSDON_TOWN, CROYDON, FAIRFIELD, world } from '../reports/caseload.ts'
import { errorSummary, text, Visitor } from './helper.ts'

type Cell = number | string | null
type Table = { name: string; title: string; row_heading: string; area_level: string | null; columns: { key: string; label: string }[]; rows: { key: string; label: string; cells: Cell[] }[]; totals: Cell[] | null; notes: string[] }
type Report = { title: string; suppression: string; tables: Table[] }

/** A cell as a reader expects it: en-GB numbers, '*' hidden, '–' not given. */
const shown = (c: Cell) => (c === null ? '–' : typeof c === 'number' ? c.toLocaleString('en-GB', { maximumFractionDigits: 2 }) : c)
const section = (html: string, name: string) => new RegExp(`<section class="connector-report-table" id="table-${name}"[\\s\\S]*?</section>`).exec(html)?.[0] ?? ''
const rowsOf = (html: string) => [...html.matchAll(/<tr class="nhsuk-table__row[^"]*"[^>]*data-row="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => [m[1], text(m[2]!)])
const mapData = (html: string) => JSON.parse(/<script type="application\/json" id="report-map-data">([\s\S]*?)<\/script>/.exec(html)![1]!.replace(/\\u003c/g, '<'))
const decode = (s: string) => s.replace(/&amp;/g, '&')

t.test('report pages', async (t) => {
  const w = await world(t)
  const commissioner = new Visitor(w.app)
  await commissioner.signIn('commissioner@example.org', TEST_PASSWORD)
  const json = async (url: string): Promise<Report> => (await w.commissioner.inject({ url })).json()

  t.test('the reports home lists each report; the header links to it', async (t) => {
    const page = await commissioner.get('/reports')
    t.equal(page.status, 200)
    const links = [...page.html.matchAll(/<a href="(\/reports\/[^"]+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]])
    t.same(links, [
      ['/reports/unmet-need', 'Unmet need'],
      ['/reports/supply', 'Supply'],
      ['/reports/demand', 'Demand on the voluntary sector'],
      ['/reports/outcomes', 'Outcomes'],
      ['/reports/freshness', 'Freshness'],
    ])
    t.match(text(page.html), 'People whose need found fewer than three fitting listings')
    t.match(page.html, /class="nhsuk-header__navigation-link" href="\/reports"[^>]*>(<strong[^>]*>)?Reports/, 'Reports in the header')
    const worker = new Visitor(w.app)
    await worker.signIn('lw-f@example.org', TEST_PASSWORD)
    t.notMatch((await worker.get('/search')).html, 'href="/reports"', 'not for link workers')
  })

  t.test('every table of every report holds the JSON figures', async (t) => {
    for (const name of ['unmet-need', 'supply', 'demand', 'outcomes', 'freshness']) {
      const report = await json(`/api/reports/${name}`)
      const page = await commissioner.get(`/reports/${name}`)
      t.equal(page.status, 200, name)
      t.match(page.html, `<h1>${report.title}</h1>`)
      t.match(text(page.html), 'Period: 2 November 2025 to 1 November 2026.', `${name}: the period in words`)
      t.match(page.html, `<p data-suppression>${report.suppression}</p>`)
      for (const tb of report.tables) {
        const html = section(page.html, tb.name)
        t.match(html, `<caption class="nhsuk-table__caption" id="caption-${tb.name}">${tb.title.replace(/&/g, '&amp;')}</caption>`, `${name} ${tb.name}: caption`)
        t.match(html, `<th scope="col" class="nhsuk-table__header">${tb.row_heading}</th>`)
        const expected = [
          ...tb.rows.map((r) => [r.key, [r.label, ...r.cells.map(shown)].join(' ')]),
          ...(tb.totals ? [['total', ['Total', ...tb.totals.map(shown)].join(' ')]] : []),
        ]
        t.same(rowsOf(html).map(([k, v]) => [decode(k!), v]), expected.map(([k, v]) => [k, text(v!)]), `${name} ${tb.name}: the JSON's figures`)
        for (const note of tb.notes) t.match(text(html), note, `${name} ${tb.name}: its notes`)
        t.match(html, `href="/api/reports/${name}.csv?table=${tb.name}"`, `${name} ${tb.name}: CSV download`)
        t.equal(html.includes(`/api/reports/${name}.geojson?`), tb.area_level !== null && ['unmet-need', 'supply'].includes(name), `${name} ${tb.name}: GeoJSON only for areas`)
      }
    }
  })

  t.test('unmet need: hidden counts, the map, the monthly chart', async (t) => {
    const page = await commissioner.get('/reports/unmet-need')
    const fairfield = rowsOf(section(page.html, 'by_area')).find(([k]) => k === FAIRFIELD)
    t.same(fairfield, [FAIRFIELD, 'Fairfield * 0 * 0 0 0 0 0 0 0'], 'Fairfield is hidden (*), as the JSON has it')
    t.match(text(page.html), 'Showing: all activity types, every kind of need, every barrier, all areas, areas by ward.')
    const map = mapData(page.html)
    t.equal(map.geojson, '/api/reports/unmet-need.geojson?table=by_area')
    t.equal(map.column, 'people')
    t.same(map.areas[FAIRFIELD], { name: 'Fairfield', cls: 'hidden', text: '*' })
    t.same(map.areas[COULSDON_TOWN], { name: 'Coulsdon Town', cls: 'hidden', text: '*' })
    t.equal(Object.keys(map.areas).length, 28)
    t.ok(Object.values(map.areas).filter((a: any) => a.name !== 'Fairfield' && a.name !== 'Coulsdon Town').every((a: any) => a.cls === 'zero' && a.text === '0'))
    t.match(page.html, 'data-legend="hidden"')
    t.match(page.html, 'data-legend="zero"')
    t.match(page.html, '<script type="module" src="/assets/connector/reports-map.js"></script>')
    t.notMatch(page.html, /<script>(?!<)/, 'no inline script')
    const chart = /<svg role="img" aria-labelledby="chart-by_month-title chart-by_month-desc"[\s\S]*?<\/svg>/.exec(page.html)?.[0] ?? ''
    t.match(chart, '<title id="chart-by_month-title">Unmet need: people by month</title>')
    t.match(chart, /<desc id="chart-by_month-desc">November 2025: 0; [^<]*October 2026: 0; November 2026: 24\.<\/desc>/)
    t.ok(page.html.indexOf('chart-by_month-title') < page.html.indexOf('caption-by_month'), 'the table right after the chart')

    // Within Fairfield the 21 stands alone: one class, mapped.
    const inFairfield = await commissioner.get(`/reports/unmet-need?area=${FAIRFIELD}&barrier=access`)
    t.equal(inFairfield.status, 200)
    t.same(rowsOf(section(inFairfield.html, 'by_area')).find(([k]) => k === FAIRFIELD), [FAIRFIELD, 'Fairfield 21 0 21 0 0 0 0 0 0 0'])
    t.match(text(inFairfield.html), 'Showing: all activity types, every kind of need, barrier: Venue access, area: Fairfield, areas by ward.')
    const fairMap = mapData(inFairfield.html)
    t.equal(fairMap.column, 'access', 'the barrier filtered by is mapped')
    t.same(fairMap.areas, { [FAIRFIELD]: { name: 'Fairfield', cls: 'c1', text: '21' } })
    t.match(inFairfield.html, /<li data-legend="c1"><span class="connector-swatch connector-swatch--c1" aria-hidden="true"><\/span>21<\/li>/)
    t.match(inFairfield.html, `href="/api/reports/unmet-need.csv?barrier=access&amp;area=${FAIRFIELD}&amp;table=by_area"`, 'downloads keep the filters')
    t.match(inFairfield.html, /<option value="E05011468" selected>Fairfield, Croydon<\/option>|<option value="E05011468" selected>Fairfield ward/)
  })

  t.test('supply maps listings per 10,000 residents; demand charts referrals by month', async (t) => {
    const supply = await commissioner.get('/reports/supply')
    const map = mapData(supply.html)
    t.equal(map.column, 'per_10k')
    t.equal(map.areas[FAIRFIELD].cls !== 'zero', true)
    t.match(supply.html, '<option value="per_10k" selected>Listings per 10,000 residents</option>')
    const chosen = mapData((await commissioner.get('/reports/supply?map=listings')).html)
    t.equal(chosen.column, 'listings')
    t.equal(chosen.areas[FAIRFIELD].text, '1')
    const demand = await commissioner.get('/reports/demand')
    t.match(demand.html, /<desc id="chart-by_month-desc">[^<]*November 2026: 20\.<\/desc>/)
    t.notMatch(demand.html, 'report-map-data', 'no map without areas')
    t.notMatch(demand.html, 'id="barrier"', 'barrier only on unmet need')
  })

  t.test('filters the report cannot answer: the form again with the error summary, 422', async (t) => {
    const cases: [string, string[]][] = [
      ['/reports/supply?from=2026-06-01&to=2026-05-31', ['to: The period ends (2026-05-31) before it starts (2026-06-01)']],
      ['/reports/unmet-need?from=yesterday', ['from: Enter the start of the period as a real date, like 2026-04-01']],
      ['/reports/unmet-need?activity_type=knitting', ['activity_type: There is no activity type with the code &quot;knitting&quot;']],
      ['/reports/demand?area=E05099999&area_level=msoa', ['area_level: Choose wards or LSOAs']],
      ['/reports/outcomes?area=E05099999', ['area: There is no local authority or ward with the code &quot;E05099999&quot;']],
      ['/reports/demand?from=2020-01-01&to=2026-01-02', ['from: The period is longer than 5 years: choose a later start']],
    ]
    for (const [url, summary] of cases) {
      const page = await commissioner.get(url)
      t.equal(page.status, 422, url)
      t.same(errorSummary(page.html), summary, url)
      t.match(page.html, 'nhsuk-error-message', `${url}: the field says so too`)
      t.match(page.html, /<title>Error: /)
      t.notMatch(page.html, 'nhsuk-table__caption', `${url}: no tables`)
    }
    t.match((await commissioner.get('/reports/unmet-need?from=yesterday')).html, 'value="yesterday"', 'what they typed is kept')
    t.equal((await commissioner.get(`/reports/unmet-need?area=${CROYDON}&from=&to=&barrier=&need=`)).status, 200, 'empty fields are no filter')
    t.equal((await commissioner.get('/reports/supply?barrier=access')).status, 200, 'a barrier on another report is ignored, not refused')
  })

  t.test('an unknown report is the 404 page', async (t) => {
    const page = await commissioner.get('/reports/everything')
    t.equal(page.status, 404)
    t.match(page.html, '<h1>Page not found</h1>')
  })

  t.test('only commissioners and admins', async (t) => {
    const worker = new Visitor(w.app)
    await worker.signIn('lw-f@example.org', TEST_PASSWORD)
    for (const url of ['/reports', '/reports/unmet-need', '/reports/freshness']) {
      t.equal((await worker.get(url)).status, 403, `link worker: ${url}`)
      const editor = await w.app.inject({ url, headers: { accept: 'text/html', cookie: w.editorCookie } })
      t.equal(editor.statusCode, 403, `editor: ${url}`)
      const anonymous = await new Visitor(w.app).get(url)
      t.equal(anonymous.status, 303, `anonymous: ${url}`)
      t.equal(anonymous.location, `/sign-in?next=${encodeURIComponent(url)}`)
    }
    const admin = new Visitor(w.app)
    await admin.signIn('admin@example.org', TEST_PASSWORD)
    t.equal((await admin.get('/reports/supply')).status, 200, 'an admin sees reports')
    t.match((await admin.get('/reports')).html, 'href="/reports"')
  })
})
