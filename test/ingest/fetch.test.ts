// Which feed addresses may be fetched: private, loopback, link-local and reserved addresses are
// refused (IPv4, IPv6, and IPv4 inside IPv6), loopback only when a test allows it; URLs must be
// https (http only when allowed) and carry no credentials. The checks on DNS answers and
// redirects use the same refusedAddress, exercised over HTTP in oruk-feed.test.ts.
import t from 'tap'
import { checkUrl, FetchError, refusedAddress } from '../../src/ingest/fetch.ts'

const strict = { allowLoopback: false, allowHttp: false }

t.test('refusedAddress', async (t) => {
  const cases: [string, RegExp | undefined][] = [
    ['10.1.2.3', /private, link-local or reserved/],
    ['172.16.0.1', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /private, link-local or reserved/],
    ['100.64.0.1', /reserved/],
    ['0.0.0.0', /reserved/],
    ['127.0.0.1', /loopback/],
    ['::1', /loopback/],
    ['fd00::1', /private/],
    ['fe80::1', /link-local/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:10.0.0.1', /private/],
    ['::ffff:7f00:1', /loopback/],
    ['::ffff:a9fe:a9fe', /169\.254\.169\.254 is a private, link-local/],
    ['::ffff:808:808', undefined],
    ['8.8.8.8', undefined],
    ['81.2.69.160', undefined],
    ['2a00:1450:4009:81f::200e', undefined],
  ]
  for (const [address, why] of cases) {
    const got = refusedAddress(address, strict)
    if (why) t.match(got, why, address)
    else t.equal(got, undefined, `${address} is public`)
  }
  t.equal(refusedAddress('127.0.0.1', { allowLoopback: true }), undefined, 'loopback when a test allows it')
  t.match(refusedAddress('10.0.0.1', { allowLoopback: true }), /private/, 'but never a private address')
})

t.test('checkUrl', async (t) => {
  t.equal(checkUrl('https://directory.example.org/oruk', strict).href, 'https://directory.example.org/oruk')
  const refused = (raw: string, policy = strict) => {
    try {
      checkUrl(raw, policy)
      return 'allowed'
    } catch (e) {
      t.ok(e instanceof FetchError)
      return (e as Error).message
    }
  }
  t.match(refused('http://directory.example.org/oruk'), 'http is not allowed: feeds are fetched over https')
  t.equal(refused('http://directory.example.org/oruk', { ...strict, allowHttp: true }), 'allowed')
  t.match(refused('ftp://directory.example.org/'), 'ftp is not allowed')
  t.match(refused('file:///etc/passwd'), 'file is not allowed')
  t.match(refused('https://user:secret@directory.example.org/'), 'may not carry a user name or password')
  t.match(refused('https://10.0.0.7/oruk'), '10.0.0.7 is refused: 10.0.0.7 is a private')
  t.match(refused('https://169.254.169.254/latest/meta-data'), '169.254.169.254 is refused')
  t.match(refused('https://[::1]/'), /\[::1\] is refused: ::1 is a loopback address/)
  t.match(refused('https://[::ffff:127.0.0.1]/'), /is refused: .* loopback/)
  t.match(refused('https://[fd00::7]/'), /is refused: fd00::7 is a private/)
  t.match(refused('not a url'), 'not a url is not a URL')
})
