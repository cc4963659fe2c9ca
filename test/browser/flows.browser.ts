// The journeys in Chromium: a link worker matches a housebound client and sees only
// home, telephone and online options with their reasons, then makes a shortlist; an editor
// signs in, edits a listing, confirms it is still running, and cannot reach another
// organisation's edit page. Each page on the way passes axe and is photographed.
import t from 'tap'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'
import { checkPage, launch, listen, openPage, signIn, tabTo, VIEWPORTS } from './browser.ts'

const PASSWORD = 'a long and unusual passphrase'
const REMOTE = ['Home visits', 'By telephone', 'Online (video)', 'Online (messages)']
/** "Action: thing" as an accessible name, whatever spacing surrounds the colon. */
const named = (action: string, thing: string) => new RegExp(`^${action}\\s*:\\s*${thing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`)

t.test('journeys in Chromium', async (t) => {
  const app = await buildTestApp(t)
  const { rows } = await app.db.query<{ org: string; service: string; name: string }>(
    `SELECT s.organization_id AS org, s.id AS service, s.name FROM service s
      WHERE s.delivery_modes = '{venue}' AND s.status = 'active' ORDER BY s.id LIMIT 1`,
  )
  const A = rows[0]!
  const B = (await app.db.query<{ service: string }>('SELECT id AS service FROM service WHERE organization_id <> $1 ORDER BY id LIMIT 1', [A.org])).rows[0]!
  const hash = await hashPassword(PASSWORD)
  await createAccount(app.db, { email: 'editor@example.org', role: 'editor', passwordHash: hash, organizationIds: [A.org] })
  await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: hash })
  const base = await listen(app)
  const browser = await launch()
  t.teardown(() => browser.close())

  t.test('match a housebound client: only home, telephone and online options, each with its reasons; then a shortlist', async (t) => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop })
    t.teardown(() => context.close())
    const { page, problems } = await openPage(context)
    await page.goto(`${base}/match`)
    await checkPage(t, page, problems, 'match-form')
    await page.getByLabel('Where do they live?').fill('CR7 7DD')
    await page.getByLabel('They cannot leave home').check()
    await page.locator('input[name=terms][value=befriending]').check()
    await page.locator('input[name=terms][value=peer-support]').check()
    await page.getByLabel('Mental-health aware').check()
    await page.getByRole('button', { name: 'Find activities that fit' }).click()
    await page.waitForLoadState()
    t.notMatch(page.url(), /CR7|postcode|housebound/, 'no client details in the address')

    const api = (await app.inject({
      method: 'POST',
      url: '/api/match',
      payload: { postcode: 'CR7 7DD', travel: { housebound: true }, interests: { terms: ['befriending', 'peer-support'] }, preferences: { audiences: ['mental_health'] } },
    })).json()
    const cards = page.locator('li.nhsuk-card[data-service-id]')
    t.same(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-service-id'))), api.results.map((r: { service: { id: string } }) => r.service.id), 'the API’s ranking')
    t.ok(api.results.length >= 5)
    for (const [i, r] of (api.results as { service: { name: string }; reasons: string[] }[]).entries()) {
      const card = cards.nth(i)
      const delivery = await card.locator('.connector-delivery').innerText()
      t.ok(REMOTE.some((w) => delivery.startsWith(w)), `${r.service.name}: ${delivery}`)
      t.same(await card.locator('.connector-reasons li').allInnerTexts(), r.reasons, `${r.service.name}: its reasons`)
    }
    await checkPage(t, page, problems, 'match-results')

    await page.getByRole('button', { name: 'Make a shortlist' }).click()
    await page.waitForLoadState()
    const summary = await page.getByLabel(/plain text/i).inputValue()
    for (const r of api.results.slice(0, 3) as { service: { name: string } }[]) t.match(summary, r.service.name, `shortlist has ${r.service.name}`)
    t.notMatch(summary, /CR7 7DD|housebound/i, 'nothing about the client')
    t.equal((await app.db.query('SELECT 1 FROM match_gap')).rows.length, 0, 'an anonymous match records no gap')
    await checkPage(t, page, problems, 'match-shortlist')
  })

  t.test('by keyboard alone, signed in as a link worker: a housebound woman in CR5 1AU gets the gap notice and a gap is recorded; an empty shortlist is refused', async (t) => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop })
    t.teardown(() => context.close())
    const { page, problems } = await openPage(context)
    await signIn(page, base, 'worker@example.org', PASSWORD)
    /** A radio group is one Tab stop; the arrow keys choose within it. */
    const chooseRadio = async (name: string, value: string) => {
      const wanted = page.locator(`input[name=${name}][value=${value}]`)
      await tabTo(page, `input[name=${name}]`)
      for (let i = 0; i < 8 && !(await wanted.isChecked()); i++) await page.keyboard.press('ArrowRight')
      t.ok(await wanted.isChecked(), `${name}: ${value} chosen with the arrow keys`)
    }
    await page.goto(`${base}/match`)
    await tabTo(page, '#postcode')
    await page.keyboard.type('CR5 1AU')
    await tabTo(page, `#${await page.getByLabel('They cannot leave home').getAttribute('id')}`)
    await page.keyboard.press('Space')
    await tabTo(page, 'input[name=terms][value=befriending]')
    await page.keyboard.press('Space')
    await tabTo(page, 'input[name=terms][value=peer-support]')
    await page.keyboard.press('Space')
    await chooseRadio('group_size', 'one_to_one')
    await tabTo(page, `#${await page.getByLabel('Mental-health aware').getAttribute('id')}`)
    await page.keyboard.press('Space')
    // A woman of 45: the men's befriending group nearby is not for her, so too few fit.
    await tabTo(page, '#age')
    await page.keyboard.type('45')
    await chooseRadio('gender', 'woman')
    await page.getByRole('button', { name: 'Find activities that fit' }).evaluate((b) => b.setAttribute('data-test', 'submit'))
    await tabTo(page, '[data-test=submit]')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Activities that fit' }).waitFor()
    const callout = page.locator('.nhsuk-card--warning', { hasText: 'Not enough options for' }).first()
    t.ok(await callout.isVisible(), 'the gap notice shows')
    t.match(await callout.innerText(), 'A gap record was kept for commissioners')
    const gaps = await app.db.query<{ outcode: string }>('SELECT outcode FROM match_gap')
    t.ok(gaps.rows.some((g) => g.outcode === 'CR5'), 'a gap recorded for the postcode district CR5')
    await checkPage(t, page, problems, 'match-gap')

    while ((await page.locator('input[name=service]:checked').count()) > 0) await page.locator('input[name=service]:checked').first().uncheck()
    await page.getByRole('button', { name: 'Make a shortlist' }).click()
    await page.waitForLoadState()
    t.same(await page.locator('.nhsuk-error-summary a').allInnerTexts(), ['Select at least one activity for the shortlist'])
    await checkPage(t, page, problems, 'match-shortlist-errors')
  })

  t.test('an editor signs in, edits a listing, confirms it is still running, and cannot reach another organisation’s edit page', async (t) => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop })
    t.teardown(() => context.close())
    const { page, problems } = await openPage(context)
    await page.goto(`${base}/`)
    await page.getByRole('link', { name: 'Sign in' }).click()
    await page.getByLabel('Email address').fill('editor@example.org')
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${base}/my-organisation`)
    await checkPage(t, page, problems, 'my-organisation-editor')

    // Accessible names: NHS.UK's visually hidden text is padded with no-break spaces.
    await page.getByRole('link', { name: named('Edit listing', A.name) }).click()
    await page.waitForURL(`${base}/my-organisation/services/${A.service}/edit`)
    t.equal(await page.getByLabel('Name of the listing').inputValue(), A.name)
    await checkPage(t, page, problems, 'service-edit')
    await page.getByLabel('Name of the listing').fill('')
    await page.getByRole('button', { name: 'Save changes' }).click()
    t.same(await page.locator('.nhsuk-error-summary a').allInnerTexts(), ['Enter the name of the listing'])
    await checkPage(t, page, problems, 'service-edit-errors')
    // The correction and the save by keyboard alone.
    await tabTo(page, '#name')
    await page.keyboard.type(`${A.name} (renamed)`)
    await page.getByRole('button', { name: 'Save changes' }).evaluate((b) => b.setAttribute('data-test', 'save'))
    await tabTo(page, '[data-test=save]')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/my-organisation\?done=listing-saved/)
    t.match(await page.locator('.nhsuk-notification-banner').innerText(), `Your changes to ${A.name} (renamed) are saved.`)
    const saved = (await app.db.query<{ name: string; version: number }>('SELECT name, version FROM service WHERE id = $1', [A.service])).rows[0]!
    t.same(saved, { name: `${A.name} (renamed)`, version: 2 })

    await page.getByRole('button', { name: named('Confirm it is still running', `${A.name} (renamed)`) }).click()
    await page.waitForURL(/\/my-organisation\?done=confirmed/)
    t.match(await page.locator('.nhsuk-notification-banner').innerText(), 'is marked as still running')
    const verified = (await app.db.query<{ verified_at: Date }>('SELECT verified_at FROM service WHERE id = $1', [A.service])).rows[0]!
    t.equal(verified.verified_at.toISOString(), FIXED_NOW.toISOString())
    await checkPage(t, page, problems, 'my-organisation-confirmed')

    const theirs = await page.goto(`${base}/my-organisation/services/${B.service}/edit`)
    t.equal(theirs?.status(), 404)
    t.equal(await page.locator('h1').innerText(), 'Page not found')
    t.equal(await page.getByLabel('Name of the listing').count(), 0, 'no form for another organisation’s listing')
    t.same(problems, [])
  })
})
