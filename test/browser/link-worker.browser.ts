// A link worker in a real browser: searching by postcode and opening a listing, with and
// without JavaScript; each page checked with axe-core and photographed at two widths.
import t from 'tap'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { buildTestApp } from '../helper.ts'
import { axeViolations, checkPage, launch, listen, openPage, unreachableByTab, VIEWPORTS } from './browser.ts'

const PASSWORD = 'a long and unusual passphrase'

t.test('link worker pages in Chromium', async (t) => {
  const app = await buildTestApp(t)
  await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: await hashPassword(PASSWORD) })
  const base = await listen(app)
  const browser = await launch()
  t.teardown(() => browser.close())

  t.test('search by postcode and words, then open a listing', async (t) => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop })
    t.teardown(() => context.close())
    const { page, problems } = await openPage(context)
    await page.goto(`${base}/`)
    await checkPage(t, page, problems, 'home')
    await page.getByRole('link', { name: 'Find activities' }).first().click()
    await page.getByLabel('Postcode', { exact: true }).fill('CR0 1AA')
    await page.getByLabel('What are they looking for?').fill('singing')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.waitForURL(/\/search\?/)
    const heading = await page.locator('#results-heading').innerText()
    t.match(heading, /\d+ activities within 5 km of CR0 1AA/)

    const api = (await app.inject({ url: '/api/search?postcode=CR0%201AA&q=singing&per_page=10' })).json()
    const names = await page.locator('ol.nhsuk-list > li h3').allInnerTexts()
    t.same(names, api.results.map((r: { name: string }) => r.name), 'the list is the search API’s first page, in order')
    t.equal(await page.locator('#results-map .leaflet-marker-icon').count(), api.results.filter((r: { location: unknown }) => r.location).length, 'one map marker per venue result')
    await checkPage(t, page, problems, 'search-results')

    await page.getByRole('link', { name: api.results[0].name }).click()
    await t.resolves(page.waitForURL(`${base}/services/${api.results[0].id}`))
    t.equal(await page.locator('h1').innerText(), api.results[0].name)
    for (const section of ['When', 'Where', 'Who it is for', 'Cost', 'How to join']) {
      t.equal(await page.getByRole('heading', { name: section, exact: true }).count(), 1, `listing has "${section}"`)
    }
    await checkPage(t, page, problems, 'listing')
  })

  t.test('without JavaScript the search and the listing still work; the map says it needs JavaScript', async (t) => {
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, javaScriptEnabled: false })
    t.teardown(() => context.close())
    const { page, problems } = await openPage(context)
    await page.goto(`${base}/search`)
    await page.getByLabel('Postcode', { exact: true }).fill('CR7 7DD')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.waitForURL(/postcode=CR7/)
    t.match(await page.locator('#results-map').innerText(), 'The map needs JavaScript')
    const first = page.locator('ol.nhsuk-list > li h3 a').first()
    const name = await first.innerText()
    await first.click()
    t.equal(await page.locator('h1').innerText(), name)
    t.same(problems, [])
  })

  t.test('forms by keyboard alone: every control is reachable with Tab, and Enter submits the search', async (t) => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop })
    t.teardown(() => context.close())
    const { page, problems } = await openPage(context)
    await page.goto(`${base}/search`)
    await page.locator('summary', { hasText: 'More filters' }).focus()
    await page.keyboard.press('Enter')
    t.same(await unreachableByTab(page), [], 'search form (filters open)')
    await page.getByLabel('Postcode', { exact: true }).focus()
    await page.keyboard.type('CR0 1AA')
    await page.keyboard.press('Enter')
    await page.waitForURL(/postcode=CR0/)
    t.match(await page.locator('#results-heading').innerText(), 'within 5 km of CR0 1AA')

    await page.goto(`${base}/sign-in`)
    t.same(await unreachableByTab(page), [], 'sign-in form')
    await page.getByLabel('Email address').focus()
    await page.keyboard.type('worker@example.org')
    await page.keyboard.press('Tab')
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press('Enter')
    await page.waitForURL(`${base}/search`)
    t.match(await page.locator('header').innerText(), 'worker@example.org', 'signed in by keyboard')
    t.same(problems, [])
  })

  t.test('error pages and the sign-in error summary pass axe', async (t) => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop })
    t.teardown(() => context.close())
    const { page, problems } = await openPage(context)
    await page.goto(`${base}/sign-in`)
    await checkPage(t, page, problems, 'sign-in')
    await page.getByRole('button', { name: 'Sign in' }).click()
    t.same(await page.locator('.nhsuk-error-summary a').allInnerTexts(), ['Enter your email address', 'Enter your password'])
    t.equal(await page.evaluate(() => document.activeElement?.closest('.nhsuk-error-summary') !== null), true, 'focus moves to the error summary')
    await checkPage(t, page, problems, 'sign-in-errors')
    await page.goto(`${base}/search?postcode=ZZ99+9ZZ`)
    await checkPage(t, page, problems, 'search-error')
    const missing = await page.goto(`${base}/no-such-page`)
    t.equal(missing?.status(), 404)
    await checkPage(t, page, problems, 'not-found')
    await page.goto(`${base}/accessibility`)
    await checkPage(t, page, problems, 'accessibility')
  })
})

t.test('the accessibility check can fail: axe reports an unlabelled field and an image without alt text', async (t) => {
  const browser = await launch()
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  await page.setContent('<!DOCTYPE html><html lang="en"><title>x</title><main><h1>x</h1><input type="text"><img src="data:,"></main></html>')
  const found = await axeViolations(page)
  t.same(found.map((v) => v.split(':')[0]).sort(), ['critical image-alt', 'critical label'])
})
