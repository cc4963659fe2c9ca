import { spawnSync } from 'node:child_process'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.ts'

t.test('loadConfig: defaults run the embedded database with demo data on port 3000', async (t) => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.host, '127.0.0.1')
  t.same(config.database, { kind: 'pglite', dataDir: './data' })
  t.same(config.demoData, { enabled: true, seed: undefined })
})

t.test('loadConfig: DATABASE_URL selects PostgreSQL and turns demo data off unless asked', async (t) => {
  const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/connector', PG_POOL_MAX: '4' })
  t.match(config.database, { kind: 'postgres', url: 'postgres://u@db:5432/connector', poolMax: 4, connectTimeoutMs: 5000 })
  t.equal(config.demoData.enabled, false)
  t.equal(loadConfig({ DATABASE_URL: 'postgresql://x/y', DEMO_DATA: 'on' }).demoData.enabled, true)
})

t.test('loadConfig: every bad variable is named with the value it had', async (t) => {
  const error = t.throws(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', DEMO_DATA: 'maybe' })) as ConfigError
  t.type(error, ConfigError)
  t.equal(error.issues.length, 3)
  t.match(error.message, /PORT: must be a whole number \(got "abc"\)/)
  t.match(error.message, /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL \(got "mysql:\/\/x"\)/)
  t.match(error.message, /DEMO_DATA: must be on or off \(got "maybe"\)/)
  t.throws(() => loadConfig({ PORT: '70000' }), { message: /PORT: must be at most 65535/ })
})

t.test('loadConfig: TRUST_PROXY is off by default, or hops, or addresses and ranges; never anything else', async (t) => {
  t.equal(loadConfig({}).trustProxy, false)
  t.equal(loadConfig({ TRUST_PROXY: 'off' }).trustProxy, false)
  t.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1)
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback,2001:db8::1' }).trustProxy, ['10.0.0.0/8', 'loopback', '2001:db8::1'])
  for (const bad of ['true', '*', '10.0.0.0/33', 'proxy.example.org', ',']) {
    t.throws(() => loadConfig({ TRUST_PROXY: bad }), { message: /TRUST_PROXY: must be off, a number of proxy hops, or addresses\/CIDR ranges/ }, bad)
  }
})

t.test('loadConfig: PostgreSQL bounds default to a 5 s connect, 10 s statement and 12 s query timeout', async (t) => {
  t.match(loadConfig({ DATABASE_URL: 'postgres://u@db/c' }).database, { connectTimeoutMs: 5000, statementTimeoutMs: 10_000, queryTimeoutMs: 12_000 })
  const longer = loadConfig({ DATABASE_URL: 'postgres://u@db/c', PG_STATEMENT_TIMEOUT_MS: '60000' }).database
  t.match(longer, { statementTimeoutMs: 60_000, queryTimeoutMs: 62_000 }, 'the query timeout follows a longer statement timeout')
  const named = loadConfig({ DATABASE_URL: 'postgres://u@db/c', PG_STATEMENT_TIMEOUT_MS: '1000', PG_QUERY_TIMEOUT_MS: '1000' }).database
  t.match(named, { statementTimeoutMs: 1000, queryTimeoutMs: 1000 }, 'equal to the statement timeout is allowed')
})

t.test('loadConfig: PG_QUERY_TIMEOUT_MS under the statement timeout is refused, alongside other bad variables', async (t) => {
  const error = t.throws(() => loadConfig({ PORT: 'abc', PG_STATEMENT_TIMEOUT_MS: '20000', PG_QUERY_TIMEOUT_MS: '15000' })) as ConfigError
  t.type(error, ConfigError)
  t.same(error.issues, ['PORT: must be a whole number (got "abc")', 'PG_QUERY_TIMEOUT_MS: must be at least PG_STATEMENT_TIMEOUT_MS (20000) (got "15000")'])
  t.throws(() => loadConfig({ PG_QUERY_TIMEOUT_MS: '9999' }), { message: /PG_QUERY_TIMEOUT_MS: must be at least PG_STATEMENT_TIMEOUT_MS \(10000\)/ }, 'against the default statement timeout too')
})

t.test('server: a bad environment value stops start-up with a message naming the variable', async (t) => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: 'not-a-port', DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
  })
  t.equal(result.status, 78, 'exits with EX_CONFIG')
  t.match(result.stderr, /Invalid configuration:\n\s+- PORT: must be a whole number \(got "not-a-port"\)/)
})
