// Every page, as the person who uses it, in Chromium: axe-core (WCAG 2.2 AA) reports no serious
// or critical violation, no script or CSP error, every form control is reachable by Tab, and
// screenshots at desktop and phone widths land in test/artifacts/ for a reviewer.
import type { BrowserContext } from 'playwright-core'
import t from 'tap'
import { createAdmin } from '../../src/auth/admin.ts'
import { createInvitation, createPasswordReset } from '../../src/auth/invitations.ts'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount, createToken } from '../../src/auth/store.ts'
import { linkKey, makeConfirmLink } from '../../src/freshness/freshness.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'
import { checkPage, launch, listen, openPage, VIEWPORTS } from './browser.ts'

const PASSWORD = 'a long and unusual passphrase'

t.test('every page passes axe and the keyboard check', async (t) => {
  const app = await buildTestApp(t)
  const { rows } = await app.db.query<{ org: string; service: string }>(
    `SELECT organization_id AS org, min(id::text) AS service FROM service GROUP BY organization_id ORDER BY count(*) DESC, organization_id LIMIT 1`,
  )
  const A = rows[0]!
  // A telephone listing, whose page says where it is available and whose form has its area ticked.
  const remote = (await app.db.query<{ id: string }>(`SELECT id FROM service WHERE 'telephone' = ANY (delivery_modes) ORDER BY id LIMIT 1`)).rows[0]!.id
  const hash = await hashPassword(PASSWORD)
  await createAdmin(app.db, 'admin@example.org', PASSWORD, FIXED_NOW)
  await createAccount(app.db, { email: 'editor@example.org', role: 'editor', passwordHash: hash, organizationIds: [A.org] })
  await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: hash })
  await createAccount(app.db, { email: 'commissioner@example.org', role: 'commissioner', passwordHash: hash })
  // A report to resolve, a pending organisation to approve, and emailed links to open.
  await app.db.query(`INSERT INTO problem_report (service_id, kind, note, created_at) VALUES ($1, 'wrong_time', 'Now on Wednesdays', $2)`, [A.service, new Date(FIXED_NOW.getTime() - 20 * 86_400_000).toISOString()])
  await app.inject({ method: 'POST', url: '/api/organizations/register', payload: { organization: { name: 'Waiting Room Choir' }, email: 'new.org@example.org' } })
  await createInvitation(app.db, { email: 'invited@example.org', role: 'editor', organization_id: A.org, team_id: null, invited_by: null, organization_name: 'A' }, 'http://connector.test', FIXED_NOW)
  const mail = (await app.db.query<{ body_text: string }>(`SELECT body_text FROM mail_outbox WHERE to_address = 'invited@example.org'`)).rows[0]!
  const invitationPath = /http:\/\/connector\.test(\/invitations\/accept\S+)/.exec(mail.body_text)![1]!
  const confirm = makeConfirmLink(await linkKey(app.db), A.service, FIXED_NOW)
  const worker = (await app.db.query<{ id: string }>(`SELECT id FROM account WHERE email = 'worker@example.org'`)).rows[0]!
  await createPasswordReset(app.db, { id: worker.id, email: 'worker@example.org' }, 'http://connector.test', FIXED_NOW)
  const resetMail = (await app.db.query<{ body_text: string }>(`SELECT body_text FROM mail_outbox WHERE to_address = 'worker@example.org'`)).rows[0]!
  const resetPath = /http:\/\/connector\.test(\/password-reset\S+)/.exec(resetMail.body_text)![1]!
  // A link worker in a team (worker@ has none, and sees why they need one), who starts an episode
  // and refers someone to one of A's running listings through the API, so "Referrals to us" has a
  // referral to accept or decline and the teams page a team to choose.
  const adminToken = (await createToken(app.db, (await app.db.query<{ id: string }>(`SELECT id FROM account WHERE email = 'admin@example.org'`)).rows[0]!.id, 'browser', FIXED_NOW)).token
  const team = (await app.inject({ method: 'POST', url: '/api/admin/teams', headers: { authorization: `Bearer ${adminToken}` }, payload: { name: 'Browser PCN' } })).json().id as string
  const teamed = await createAccount(app.db, { email: 'teamed@example.org', role: 'link_worker', passwordHash: hash, teamId: team })
  const asWorker = { authorization: `Bearer ${(await createToken(app.db, teamed, 'browser', FIXED_NOW)).token}` }
  const episode = (await app.inject({ method: 'POST', url: '/api/episodes', headers: asWorker, payload: { case_number: 'BROWSER-1', referral_route: 'gp', age_band: '65-74', postcode: 'CR0 1NX' } })).json().id as string
  const running = (await app.db.query<{ id: string }>(`SELECT id FROM service WHERE organization_id = $1 AND status = 'active' ORDER BY id LIMIT 1`, [A.org])).rows[0]!.id
  const referred = await app.inject({ method: 'POST', url: `/api/episodes/${episode}/referrals`, headers: asWorker, payload: { service_id: running, source: 'search' } })
  if (referred.statusCode !== 201) throw new Error(`referring answered ${referred.statusCode}: ${referred.body}`)

  const base = await listen(app)
  const browser = await launch()
  t.teardown(() => browser.close())

  const signedIn = async (email: string | null): Promise<BrowserContext> => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop })
    if (email) {
      const page = await context.newPage()
      await page.goto(`${base}/sign-in`)
      await page.getByLabel('Email address').fill(email)
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'))
      await page.close()
    }
    return context
  }

  /**
   * Each page as its person reaches it; `submit` presses the form's last button and checks the
   * page that answers (`errors`: the NHS error summary must show there).
   */
  const pages: { who: string | null; name: string; path: string; status?: number; submit?: { name: string; errors: boolean } }[] = [
    { who: null, name: 'match', path: '/match', submit: { name: 'match-form-errors', errors: true } },
    { who: null, name: 'listing-reported', path: `/services/${A.service}?reported=1` },
    { who: null, name: 'register', path: '/register', submit: { name: 'register-errors', errors: true } },
    { who: null, name: 'register-sent', path: '/register/sent' },
    { who: null, name: 'password-reset', path: '/password-reset', submit: { name: 'password-reset-errors', errors: true } },
    { who: null, name: 'password-reset-sent', path: '/password-reset/sent' },
    { who: null, name: 'password-reset-new', path: resetPath, submit: { name: 'password-reset-new-errors', errors: true } },
    { who: null, name: 'password-reset-done', path: '/password-reset/done' },
    { who: null, name: 'invitation-accept', path: invitationPath, submit: { name: 'invitation-accept-errors', errors: true } },
    { who: null, name: 'invitation-gone', path: '/invitations/accept?token=no-such-invitation-token', status: 410 },
    { who: null, name: 'confirm-link', path: `/confirm?service=${confirm.service}&expires=${confirm.expires}&sig=${confirm.sig}`, submit: { name: 'confirm-done', errors: false } },
    { who: null, name: 'confirm-gone', path: `/confirm?service=${confirm.service}&expires=${confirm.expires}&sig=${'x'.repeat(43)}`, status: 400 },
    { who: 'worker@example.org', name: 'report-problem', path: `/services/${A.service}/report-problem`, submit: { name: 'report-problem-errors', errors: true } },
    { who: 'worker@example.org', name: 'forbidden', path: '/my-organisation', status: 403 },
    { who: 'worker@example.org', name: 'my-clients-no-team', path: '/my-clients' },
    { who: 'teamed@example.org', name: 'my-clients', path: '/my-clients', submit: { name: 'my-clients-find-errors', errors: true } },
    { who: 'teamed@example.org', name: 'my-clients-episode', path: `/my-clients/${episode}`, submit: { name: 'my-clients-close-errors', errors: true } },
    { who: 'teamed@example.org', name: 'match-episode', path: `/match?episode=${episode}` },
    { who: 'teamed@example.org', name: 'listing-refer', path: `/services/${A.service}`, submit: { name: 'listing-refer-errors', errors: true } },
    { who: 'editor@example.org', name: 'my-organisation', path: '/my-organisation' },
    { who: 'editor@example.org', name: 'organisation-edit', path: `/my-organisation/organisations/${A.org}/edit` },
    { who: 'editor@example.org', name: 'organisation-invite', path: `/my-organisation/organisations/${A.org}/invite`, submit: { name: 'organisation-invite-errors', errors: true } },
    { who: 'editor@example.org', name: 'service-new', path: `/my-organisation/organisations/${A.org}/services/new`, submit: { name: 'service-new-errors', errors: true } },
    { who: 'editor@example.org', name: 'organisation-upload', path: `/my-organisation/organisations/${A.org}/upload`, submit: { name: 'organisation-upload-errors', errors: true } },
    { who: null, name: 'listing-remote', path: `/services/${remote}` },
    { who: 'admin@example.org', name: 'admin', path: '/admin' },
    { who: 'admin@example.org', name: 'admin-organisations', path: '/admin/organisations' },
    { who: 'admin@example.org', name: 'admin-organisation', path: `/admin/organisations/${A.org}` },
    { who: 'admin@example.org', name: 'admin-teams', path: '/admin/teams', submit: { name: 'admin-teams-errors', errors: true } },
    { who: 'admin@example.org', name: 'admin-ingest', path: '/admin/ingest', submit: { name: 'admin-ingest-errors', errors: true } },
    { who: 'admin@example.org', name: 'admin-organisation-new', path: '/admin/organisations/new', submit: { name: 'admin-organisation-new-errors', errors: true } },
    { who: 'admin@example.org', name: 'service-edit-areas', path: `/my-organisation/services/${remote}/edit` },
    { who: 'commissioner@example.org', name: 'commissioner-reports', path: '/reports' },
    { who: 'commissioner@example.org', name: 'commissioner-report-unmet-need', path: '/reports/unmet-need', submit: { name: 'commissioner-report-unmet-need-filtered', errors: false } },
    { who: 'commissioner@example.org', name: 'commissioner-report-supply', path: '/reports/supply' },
    { who: 'commissioner@example.org', name: 'commissioner-report-demand', path: '/reports/demand' },
    { who: 'commissioner@example.org', name: 'commissioner-report-outcomes', path: '/reports/outcomes' },
    { who: 'commissioner@example.org', name: 'commissioner-report-freshness', path: '/reports/freshness' },
    { who: 'commissioner@example.org', name: 'commissioner-report-errors', path: '/reports/supply?from=2026-06-01&to=2026-05-31', status: 422 },
    { who: 'worker@example.org', name: 'reports-forbidden', path: '/reports', status: 403 },
  ]
  for (const who of [...new Set(pages.map((p) => p.who))]) {
    t.test(`pages for ${who ?? 'anyone'}`, async (t) => {
      const context = await signedIn(who)
      t.teardown(() => context.close())
      const { page, problems } = await openPage(context)
      for (const p of pages.filter((x) => x.who === who)) {
        const response = await page.goto(`${base}${p.path}`)
        t.equal(response?.status(), p.status ?? 200, `${p.name}: ${p.status ?? 200}`)
        await checkPage(t, page, problems, p.name)
        if (p.submit) {
          await page.locator('main form button[type=submit], main form button:not([type])').last().click()
          await page.waitForLoadState()
          t.equal(await page.locator('.nhsuk-error-summary').isVisible(), p.submit.errors, `${p.submit.name}: error summary ${p.submit.errors ? 'shows' : 'absent'}`)
          await checkPage(t, page, problems, p.submit.name)
        }
      }
    })
  }
})
