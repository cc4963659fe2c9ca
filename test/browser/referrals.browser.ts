// The caseload journey in Chromium, with accounts made as people get them (an admin, a team,
// invitations accepted through the API) and everything else done in the pages: a link worker
// starts an episode by case number, records a baseline UCLA-3 score, matches inside the episode
// and refers the client to the top result; the listing's organisation's editor accepts the
// referral and later marks it attended; the link worker sees that and records a follow-up score.
// Every page on the way passes axe, the Tab check and has its screenshots taken.
import t from 'tap'
import type { Page } from 'playwright-core'
import { adminSession, invited, teamNamed, TEST_PASSWORD } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'
import { checkPage, launch, listen, openPage, signIn, VIEWPORTS } from './browser.ts'

const CASE_NUMBER = 'RX-4471-B'

/** Answers the three UCLA-3 questions (each a fieldset named by its ONS question) by their words. */
async function answerUcla3(page: Page, answers: [string, string, string]): Promise<void> {
  const questions = ['How often do you feel that you lack companionship?', 'How often do you feel left out?', 'How often do you feel isolated from others?']
  for (const [i, question] of questions.entries()) {
    await page.getByRole('group', { name: question }).getByLabel(answers[i]!, { exact: true }).check()
  }
}

t.test('a referral from an episode to the top match, answered by the organisation, followed up by the link worker', async (t) => {
  const app = await buildTestApp(t)
  const admin = await adminSession(app)
  const team = await teamNamed(admin, 'ONE THORNTON HEATH PCN')
  const worker = await invited(app, admin, { email: 'worker@example.org', role: 'link_worker', team_id: team })
  const base = await listen(app)
  const browser = await launch()
  t.teardown(() => browser.close())

  const workerContext = await browser.newContext({ viewport: VIEWPORTS.desktop })
  t.teardown(() => workerContext.close())
  const { page, problems } = await openPage(workerContext)
  await signIn(page, base, worker.email, TEST_PASSWORD)

  // My clients: the case number finds nothing, so the start form follows.
  await page.getByRole('link', { name: 'My clients' }).first().click()
  await page.waitForLoadState()
  await checkPage(t, page, problems, 'journey-my-clients')
  await page.getByLabel('Case number').fill(CASE_NUMBER)
  await page.getByRole('button', { name: 'Find episode' }).click()
  await page.waitForLoadState()
  t.notMatch(page.url(), CASE_NUMBER, 'the case number is in no address')
  await page.getByRole('group', { name: 'Who referred them to you?' }).getByLabel('A GP', { exact: true }).check()
  await page.getByLabel('Their home postcode').fill('CR7 7DD')
  await page.getByRole('group', { name: 'Their age band' }).getByLabel('65-74', { exact: true }).check()
  await checkPage(t, page, problems, 'journey-start-episode')
  await page.getByRole('button', { name: 'Start episode' }).click()
  await page.waitForLoadState()
  const episodeUrl = page.url()
  t.match(episodeUrl, /\/my-clients\/[0-9a-f-]{36}\?done=started$/)
  t.match(await page.locator('.nhsuk-notification-banner, .nhsuk-inset-text').first().innerText(), /Episode E-\w+ is started/)
  const reference = (await page.locator('h1').innerText()).replace('Episode ', '')

  // Baseline: often, often, some of the time = 8 of 9.
  await answerUcla3(page, ['Often (3)', 'Often (3)', 'Some of the time (2)'])
  await checkPage(t, page, problems, 'journey-episode-baseline-form')
  await page.getByRole('button', { name: 'Record score' }).click()
  await page.waitForLoadState()
  t.match(await page.locator('body').innerText(), /The baseline score is recorded: 8 out of 9\./)

  // Match inside the episode and refer the top result.
  await page.getByRole('button', { name: 'Find activities for this client' }).click()
  await page.waitForLoadState()
  t.match(await page.locator('main').innerText(), reference, 'the match page names the episode')
  await page.getByLabel('Where do they live?').fill('CR7 7DD')
  await page.getByLabel('They walk', { exact: true }).check()
  await page.locator('#walk_km').fill('2')
  await page.locator('input[name=terms][value=walking]').check()
  await checkPage(t, page, problems, 'journey-match-in-episode')
  await page.getByRole('button', { name: 'Find activities that fit' }).click()
  await page.waitForLoadState()
  const top = page.locator('li.nhsuk-card[data-service-id]').first()
  const serviceId = (await top.getAttribute('data-service-id'))!
  const serviceName = (await top.locator('h3, h2').first().innerText()).replace(/^\d+\.\s*/, '').trim()
  t.ok(serviceId, `the top result: ${serviceName}`)
  await checkPage(t, page, problems, 'journey-match-results-refer')
  await top.getByRole('button', { name: /^Refer/ }).click()
  await page.waitForLoadState()
  t.equal(page.url().split('?')[0], episodeUrl.split('?')[0], 'back on the episode')
  const banner = await page.locator('body').innerText()
  const referralRef = /Referral (R-\w+) to /.exec(banner)?.[1]
  t.ok(referralRef, 'the banner names the referral')
  t.match(banner, `to ${serviceName} is sent to`)

  // The listing's organisation gets an editor (invited by the admin), who answers in the pages.
  const { rows } = await app.db.query<{ organization_id: string }>('SELECT organization_id FROM service WHERE id = $1', [serviceId])
  const editor = await invited(app, admin, { email: 'editor@example.org', role: 'editor', organization_id: rows[0]!.organization_id })
  const editorContext = await browser.newContext({ viewport: VIEWPORTS.desktop })
  t.teardown(() => editorContext.close())
  const { page: editorPage, problems: editorProblems } = await openPage(editorContext)
  await signIn(editorPage, base, editor.email, TEST_PASSWORD)
  await editorPage.goto(`${base}/my-organisation`)
  const row = editorPage.locator('#referrals-table tr', { hasText: referralRef! })
  t.match(await row.innerText(), serviceName, 'the referral lists its listing')
  t.match(await row.innerText(), 'Waiting for your answer')
  const everything = await editorPage.locator('main').innerText()
  t.notMatch(everything, CASE_NUMBER, 'no case number on the editor’s page')
  t.notMatch(everything, /CR7 7DD|65-74/, 'no postcode or age band either')
  await checkPage(t, editorPage, editorProblems, 'journey-referrals-to-us')
  await row.getByRole('button', { name: /^Accept/ }).click()
  await editorPage.waitForLoadState()
  t.match(await editorPage.locator('#referrals-table tr', { hasText: referralRef! }).innerText(), 'Accepted')
  await editorPage.locator('#referrals-table tr', { hasText: referralRef! }).getByRole('button', { name: /^Attended/ }).click()
  await editorPage.waitForLoadState()
  t.match(await editorPage.locator('#referrals-table tr', { hasText: referralRef! }).innerText(), 'Attended')
  await checkPage(t, editorPage, editorProblems, 'journey-referrals-to-us-attended')

  // The link worker sees what happened and records a follow-up: some of the time, twice, and hardly ever = 5.
  await page.goto(episodeUrl.split('?')[0]!)
  const card = await page.locator('main').innerText()
  t.match(card, referralRef!)
  t.match(card, 'Attended')
  await answerUcla3(page, ['Some of the time (2)', 'Some of the time (2)', 'Hardly ever or never (1)'])
  await page.getByRole('button', { name: 'Record score' }).click()
  await page.waitForLoadState()
  const after = await page.locator('main').innerText()
  t.match(after, /The follow-up score is recorded: 5 out of 9\./)
  t.match(after, /Down 3 points, from 8/)
  await checkPage(t, page, problems, 'journey-episode-follow-up')

  // What the service kept: the referral's history as the API tells it, and no case number anywhere.
  const { referrals } = (await worker.inject({ method: 'GET', url: '/api/referrals' })).json() as { referrals: { reference: string; status: string; history: { status: string }[] }[] }
  const mine = referrals.find((r) => r.reference === referralRef)!
  t.equal(mine.status, 'attended')
  t.same(mine.history.map((h) => h.status), ['sent', 'accepted', 'attended'])
  const dump = await app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT row_to_json(e)::text AS j FROM episode e UNION ALL SELECT row_to_json(r)::text FROM referral r UNION ALL SELECT row_to_json(s)::text FROM loneliness_score s UNION ALL SELECT row_to_json(a)::text FROM audit_log a) x WHERE j ILIKE $1`,
    [`%${CASE_NUMBER}%`],
  )
  t.equal(dump.rows[0]!.n, 0, 'the case number is stored nowhere it could be')
})
