// A real PostgreSQL server of this test's own, stopped hard and started again while the app runs.
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { pgDatabase, testConfig } from '../helper.ts'
import { canRunOwnServer, NO_OWN_SERVER, ownServer, poll } from '../pg-server.ts'

if (!canRunOwnServer) {
  t.comment(NO_OWN_SERVER)
  t.pass('skipped without a PostgreSQL server to restart')
} else {
  t.test('a killed and restarted PostgreSQL: 503 while down, served again after, process alive', async (t) => {
    const server = await ownServer(t)
    const app = await buildApp(testConfig(pgDatabase(server.url())))
    t.teardown(() => app.close())
    await app.ready()
    t.equal((await app.inject({ url: '/ready' })).statusCode, 200)
    t.equal((await app.inject({ url: '/api/taxonomy/terms' })).json().length, 20)

    server.stopImmediately()
    for (const url of ['/ready', '/api/taxonomy/terms', '/api/services']) {
      const res = await app.inject({ url })
      t.equal(res.statusCode, 503, `${url} → 503 while the database is down`)
      t.match(res.json(), { type: /problems\/unavailable$/, status: 503 })
    }
    t.equal((await app.inject({ url: '/health' })).statusCode, 200, 'the process itself is up')

    server.start()
    const ready = await poll(async () => (await app.inject({ url: '/ready' })).statusCode === 200, 40)
    t.ok(ready, '/ready → 200 once the database is back')
    t.equal((await app.inject({ url: '/api/taxonomy/terms' })).json().length, 20, 'and queries are served again')
  })
}
