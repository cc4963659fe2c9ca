/**
 * Real-browser testing: Debian's Chromium driven by playwright-core against the app listening
 * on a real port, axe-core run inside each page, screenshots for a reviewer under test/artifacts/.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

const require = createRequire(import.meta.url)
const AXE_SOURCE: string = require('axe-core').source

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url))

/** The widths a reviewer looks at: a laptop and a small phone. */
export const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // --no-sandbox: CI runs as root. The rest keep Chromium off the network this machine does not have.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** A page that records what went wrong in it: script errors, console errors (CSP refusals show there). */
export async function openPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`))
  page.on('console', (message) => {
    // A page answered 404 or 422 on purpose is logged by Chromium as a failed load of itself.
    const ownStatus = message.text().startsWith('Failed to load resource') && message.location().url === page.url()
    if (message.type() === 'error' && !ownStatus) problems.push(`console: ${message.text()}`)
  })
  return { page, problems }
}

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[]; failureSummary?: string }[]
}

/**
 * axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the page as it stands; the serious and critical
 * violations, described for a failure message. (Evaluated through the DevTools protocol, so the
 * page's own CSP, which forbids inline scripts, stays in force.)
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE)
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
    return result.violations
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)
}

/** Full-page screenshots at desktop and phone widths: test/artifacts/<name>-desktop.png, -phone.png. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const original = page.viewportSize()
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size)
    await page.screenshot({ path: `${ARTIFACTS}${name}-${label}.png`, fullPage: true })
  }
  if (original) await page.setViewportSize(original)
}

/**
 * Tabs through the page from the top and returns the form controls (by id or name) that focus
 * never reached: each must be reachable by keyboard alone.
 */
export async function unreachableByTab(page: Page, scope = 'main'): Promise<string[]> {
  const controls: string[] = await page.$$eval(`${scope} input, ${scope} select, ${scope} textarea, ${scope} button`, (elements) =>
    elements
      .filter((e) => {
        const el = e as HTMLInputElement
        // checkVisibility: not hidden by CSS, nor inside a closed <details>.
        return el.type !== 'hidden' && !el.disabled && el.checkVisibility({ visibilityProperty: true })
      })
      .map((e) => {
        const el = e as HTMLInputElement
        // A radio group is one tab stop: arrow keys move within it.
        return el.type === 'radio' ? `radio[name=${el.name}]` : el.id || `${el.tagName.toLowerCase()}[name=${el.name}]`
      }),
  ).then((list) => [...new Set(list)])
  const reached = new Set<string>()
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
  await page.locator('body').focus()
  for (let i = 0; i < controls.length * 3 + 60 && reached.size < controls.length; i++) {
    await page.keyboard.press('Tab')
    const id = await page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement | null
      if (!el) return ''
      return el.type === 'radio' ? `radio[name=${el.name}]` : el.id || `${el.tagName.toLowerCase()}[name=${el.name}]`
    })
    if (controls.includes(id)) reached.add(id)
  }
  return controls.filter((c) => !reached.has(c))
}

/** The app on a real port for the browser. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('no address')
  return `http://127.0.0.1:${address.port}`
}

/**
 * What every page visited in the browser tests must satisfy: no serious or critical axe
 * violation, every control reachable by Tab, no script or CSP error since the last check, one
 * h1; then its screenshots are taken.
 */
export async function checkPage(t: Test, page: Page, problems: string[], name: string): Promise<void> {
  t.same(await axeViolations(page), [], `${name}: no serious or critical accessibility violations`)
  const size = page.viewportSize()
  await page.setViewportSize(VIEWPORTS.phone)
  t.same(await axeViolations(page), [], `${name}: none at phone width either`)
  if (size) await page.setViewportSize(size)
  t.same(await unreachableByTab(page), [], `${name}: every form control reachable by Tab`)
  t.same(problems.splice(0), [], `${name}: no script or CSP errors`)
  t.equal(await page.locator('h1').count(), 1, `${name}: one h1`)
  await screenshots(page, name)
}

/** Presses Tab until the element matching `selector` has focus (it must be reachable); keyboard only. */
export async function tabTo(page: Page, selector: string, most = 400): Promise<void> {
  for (let i = 0; i < most; i++) {
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return
    await page.keyboard.press('Tab')
  }
  throw new Error(`Tab never reached ${selector}`)
}

/** Signs in through the sign-in page, as a person would; waits for the page it lands on. */
export async function signIn(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/sign-in`)
  await page.getByLabel('Email address').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForLoadState()
}
