// The real server process, as `npm start` runs it: embedded database in a data directory,
// demo data on first start, the data directory locked against a second process.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { usingPostgres } from './helper.ts'

interface Running {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

function startServer(env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

async function waitForReady(port: number, running: Running, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null) throw new Error(`server exited early:\n${running.output()}`)
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`)
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`not ready within ${seconds} s:\n${running.output()}`)
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

if (usingPostgres) {
  t.pass('skipped: the embedded-database server test runs in the PGlite pass')
} else {
  t.test('npm start: embedded database, demo directory, one process per data directory', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'connector-data-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const dataDir = join(dir, 'data')
    const port = await freePort()

    const first = startServer({ PORT: String(port), DATA_DIR: dataDir })
    t.teardown(() => first.child.kill('SIGKILL'))
    await waitForReady(port, first, 120)
    const ready = await (await fetch(`http://127.0.0.1:${port}/ready`)).json()
    t.match(ready, { status: 'ready', database: 'pglite' })
    const list = await (await fetch(`http://127.0.0.1:${port}/api/services?per_page=1`)).json()
    t.ok(list.total >= 300, `the demo directory holds ${list.total} services`)

    const second = startServer({ PORT: String(await freePort()), DATA_DIR: dataDir })
    t.teardown(() => second.child.kill('SIGKILL'))
    t.not(await second.exited, 0, 'a second process on the same data directory refuses to start')
    t.match(second.output(), /already open in another process/)

    first.child.kill('SIGTERM')
    t.equal(await first.exited, 0, 'SIGTERM closes cleanly')

    const again = startServer({ PORT: String(port), DATA_DIR: dataDir })
    t.teardown(() => again.child.kill('SIGKILL'))
    await waitForReady(port, again, 120)
    const after = await (await fetch(`http://127.0.0.1:${port}/api/services?per_page=1`)).json()
    t.equal(after.total, list.total, 'data persisted, and the demo is not loaded a second time')
    t.notMatch(again.output(), /loaded the Croydon demo directory/)
    again.child.kill('SIGTERM')
    t.equal(await again.exited, 0)
  })
}
