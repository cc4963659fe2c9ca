// A real PostgreSQL server of this test's own (initdb in a temporary folder, on its own port),
// stopped hard and started again while the app runs. Needs the PostgreSQL 15 server binaries
// and PostGIS from Debian, so it runs in the PostgreSQL pass (DATABASE_URL set), as .ci/run does.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, chownSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { pgDatabase, testConfig, usingPostgres } from '../helper.ts'

const BIN = '/usr/lib/postgresql/15/bin'

if (!usingPostgres || !existsSync(`${BIN}/pg_ctl`)) {
  t.comment('skipped: needs DATABASE_URL and the PostgreSQL 15 server binaries (run by .ci/run)')
  t.pass('skipped without a PostgreSQL server to restart')
} else {
  t.test('a killed and restarted PostgreSQL: 503 while down, served again after, process alive', async (t) => {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'connector-pg-'))
    const data = join(dir, 'data')
    const asRoot = process.getuid?.() === 0
    if (asRoot) chownSync(dir, uid('postgres'), gid('postgres')) // initdb refuses to run as root
    const run = (cmd: string, args: string[]) =>
      execFileSync(asRoot ? 'runuser' : `${BIN}/${cmd}`, asRoot ? ['-u', 'postgres', '--', `${BIN}/${cmd}`, ...args] : args, {
        stdio: 'pipe',
        timeout: 60_000,
      })
    const pgctl = (...args: string[]) => run('pg_ctl', ['-D', data, '-w', '-s', ...args])
    const start = () => pgctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-l', join(dir, 'log'), 'start')
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
    start()
    t.teardown(() => {
      try {
        pgctl('-m', 'immediate', 'stop')
      } catch {
        // already stopped by the test
      }
      rmSync(dir, { recursive: true, force: true })
    })

    const app = await buildApp(testConfig(pgDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`)))
    t.teardown(() => app.close())
    await app.ready()
    t.equal((await app.inject({ url: '/ready' })).statusCode, 200)
    t.equal((await app.inject({ url: '/api/taxonomy/terms' })).json().length, 20)

    pgctl('-m', 'immediate', 'stop')
    for (const url of ['/ready', '/api/taxonomy/terms', '/api/services']) {
      const res = await app.inject({ url })
      t.equal(res.statusCode, 503, `${url} → 503 while the database is down`)
      t.match(res.json(), { type: /problems\/unavailable$/, status: 503 })
    }
    t.equal((await app.inject({ url: '/health' })).statusCode, 200, 'the process itself is up')

    start()
    const ready = await poll(async () => (await app.inject({ url: '/ready' })).statusCode === 200, 40)
    t.ok(ready, '/ready → 200 once the database is back')
    t.equal((await app.inject({ url: '/api/taxonomy/terms' })).json().length, 20, 'and queries are served again')
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

function uid(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim())
}
function gid(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim())
}

async function poll(check: () => Promise<boolean>, attempts: number): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}
