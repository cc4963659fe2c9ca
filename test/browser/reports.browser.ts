// The commissioners' reports in Chromium, on the small caseload of test/reports/caseload.ts
// (no background tiles, as in every test: the map is the areas alone, fitted to their bounds).
// A commissioner signs in, opens the unmet need report from the header, sees the ward map and
// its legend, filters by an activity type with the form, reads a figure in the table and
// downloads a table as CSV; every report page passes axe and the Tab check and has its
// screenshots taken at desktop and phone widths; printed, the filters and downloads go and the
// map and tables stay within the page.
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { TEST_PASSWORD } from '../accounts.ts'
import { FAIRFIELD, world } from '../reports/caseload.ts'
import { ARTIFACTS, checkPage, launch, listen, openPage, signIn, tabTo, VIEWPORTS } from './browser.ts'

t.test('a commissioner reads, filters and downloads the reports', async (t) => {
  const w = await world(t)
  const base = await listen(w.app)
  const browser = await launch()
  t.teardown(() => browser.close())
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, acceptDownloads: true })
  t.teardown(() => context.close())
  const { page, problems } = await openPage(context)
  await signIn(page, base, 'commissioner@example.org', TEST_PASSWORD)

  await page.getByRole('link', { name: 'Reports', exact: true }).first().click()
  await page.waitForLoadState()
  t.equal(new URL(page.url()).pathname, '/reports')
  await checkPage(t, page, problems, 'reports-home')

  await page.getByRole('link', { name: 'Unmet need' }).click()
  await page.waitForLoadState()
  await page.locator('#report-map[data-ready="true"]').waitFor()
  t.equal(await page.locator('#report-map path.leaflet-interactive').count(), 28, 'a polygon for each of the 28 wards')
  t.equal(await page.locator('#report-map .leaflet-tile').count(), 0, 'no tiles: none are configured')
  const fairfield = page.locator(`#report-map path[data-area="${FAIRFIELD}"]`)
  t.equal(await fairfield.getAttribute('fill'), 'url(#connector-hatch)', 'a hidden count is hatched')
  t.equal(await fairfield.getAttribute('aria-label'), 'Fairfield: * (People)')
  t.equal(await page.locator('#report-map path[data-class="zero"]').count(), 26)
  t.same(await page.locator('.connector-legend li').allInnerTexts(), ['0', 'Hidden: from 1 to 7, or hidden so another small count cannot be worked out (*)'])
  await fairfield.focus()
  t.equal(await page.locator('.leaflet-tooltip').innerText(), 'Fairfield: * (People)', 'focus shows the area and its figure')
  const box = (await page.locator('#report-map').boundingBox())!
  const areas = (await page.locator('#report-map .leaflet-overlay-pane svg').boundingBox())!
  t.ok(areas.width > box.width * 0.5 || areas.height > box.height * 0.5, 'the wards fill the map')
  await checkPage(t, page, problems, 'reports-unmet-need')

  // Keyboard: Tab reaches the filters and the downloads.
  await page.locator('body').focus()
  await tabTo(page, '#activity_type')
  await tabTo(page, '#table-by_area a[data-download="csv"]')
  t.pass('Tab reaches the activity type filter and the CSV download')

  // Filter by an activity type through the form.
  await page.locator('#activity_type').selectOption('arts-and-crafts')
  await page.getByRole('button', { name: 'Show report' }).click()
  await page.waitForLoadState()
  t.match(page.url(), /activity_type=arts-and-crafts/)
  t.match(await page.locator('[data-report-scope]').innerText(), 'activity type: Arts and crafts')
  t.equal(await page.locator('#table-by_need tr[data-row="arts-and-crafts"] td').innerText(), '24', 'the table says 24 people wanted arts and crafts')
  t.equal(await page.locator('#table-by_area tr[data-row="total"] td').first().innerText(), '24')
  await page.locator('#report-map[data-ready="true"]').waitFor()
  await checkPage(t, page, problems, 'reports-unmet-need-arts')

  // Printed: no header, filters or downloads; the map, the tables and the charts on paper, the
  // tables within an A4 page's width. The PDF and a print-media screenshot are kept for a reviewer.
  await page.emulateMedia({ media: 'print' })
  await page.setViewportSize({ width: 718, height: 1000 }) // A4's 210 mm less 10 mm margins at 96 dpi
  for (const gone of ['.nhsuk-header', '.connector-report-filters', '.connector-downloads >> nth=0', '.nhsuk-footer']) {
    t.notOk(await page.locator(gone).isVisible(), `printed without ${gone}`)
  }
  for (const kept of ['#report-map', '#table-by_area table', '#table-by_month table', '.connector-chart svg >> nth=0', '.connector-legend']) {
    t.ok(await page.locator(kept).isVisible(), `printed with ${kept}`)
  }
  const tooWide = await page.evaluate(() =>
    [...document.querySelectorAll('table')].filter((table) => table.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((table) => table.closest('[id]')?.id ?? '?'),
  )
  t.same(tooWide, [], 'every table fits the page’s width')
  await page.screenshot({ path: `${ARTIFACTS}reports-unmet-need-print.png`, fullPage: true })
  const pdf = await page.pdf({ path: `${ARTIFACTS}reports-unmet-need-print.pdf`, format: 'A4', margin: { top: '10mm', bottom: '10mm', left: '5mm', right: '5mm' } })
  t.ok(pdf.length > 20_000, `a PDF of ${pdf.length} bytes`)
  await page.emulateMedia({ media: 'screen' })
  await page.setViewportSize(VIEWPORTS.desktop)

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#table-by_area a[data-download="csv"]').click()])
  t.equal(download.suggestedFilename(), 'unmet-need-by-area-all-areas-2025-11-02-to-2026-11-01.csv')
  const csv = (await readFile((await download.path())!, 'utf8')).split('\n')
  t.match(csv[0], /^"?Unmet need: People with unmet need by ward, and what stood in the way\. Period 2025-11-02 to 2026-11-01\. Filters: activity type Arts and crafts\./)
  t.match(csv[1], /^code,Ward,People,[^\n]*Venue access,/, 'the header row')
  t.match(csv[2], /^E05011466,Coulsdon Town,\*,0,\*,/)

  for (const name of ['supply', 'demand', 'outcomes', 'freshness']) {
    const response = await page.goto(`${base}/reports/${name}`)
    t.equal(response?.status(), 200, name)
    if (name === 'supply') {
      await page.locator('#report-map[data-ready="true"]').waitFor()
      t.equal(await page.locator('#report-map path.leaflet-interactive').count(), 28)
      t.ok((await page.locator('.connector-legend li').count()) >= 3, 'supply: 0, a class and hidden')
    }
    await checkPage(t, page, problems, `reports-${name}`)
  }
})
