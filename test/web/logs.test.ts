// What the log keeps of the pages: no emailed secrets, link signatures or CSRF tokens from URLs,
// and nothing of a client's answers to the match form.
import { PassThrough } from 'node:stream'
import t from 'tap'
import { buildTestApp } from '../helper.ts'
import { Visitor } from './helper.ts'

t.test('page requests leave no secrets or client answers in the log', async (t) => {
  const logs: string[] = []
  const logStream = new PassThrough()
  logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
  const app = await buildTestApp(t, { deps: { logStream }, config: { logLevel: 'trace' } })
  const visitor = new Visitor(app)

  t.test('tokens, signatures and CSRF tokens in URLs are logged as "redacted"', async (t) => {
    await visitor.get('/password-reset?token=resetsecret0123456789abcdef')
    await visitor.get('/invitations/accept?token=invitesecret0123456789abcdef')
    await visitor.get('/confirm?service=00000000-0000-4000-8000-000000000000&expires=1&sig=signaturesecret0123456789')
    await visitor.post('/sign-out?_csrf=csrfsecret0123456789abcdef')
    await visitor.get('/no-such-page?token=notfoundsecret0123456789')
    const all = logs.join('')
    for (const secret of ['resetsecret', 'invitesecret', 'signaturesecret', 'csrfsecret', 'notfoundsecret']) t.notMatch(all, secret, `${secret} is not logged`)
    t.match(all, '"url":"/password-reset?token=redacted"', 'the request is still logged, with the secret redacted')
  })

  t.test('POST /match: neither the postcode nor an interest in their own words reaches the log', async (t) => {
    logs.length = 0
    await visitor.get('/match')
    const res = await visitor.post('/match', { postcode: 'CR7 7DD', travel: 'housebound', interest_text: 'zebrafinchkeeping', age: '61', cost: 'any', group_size: 'any', accompanied_first_visit: 'no' })
    t.equal(res.status, 200)
    t.match(res.html, 'zebrafinchkeeping', 'the answers are on the page itself')
    const all = logs.join('')
    t.ok(all.length > 0, 'the request was logged')
    t.notMatch(all, 'zebrafinchkeeping')
    t.notMatch(all, /CR7 ?7DD/)
  })
})
