// A real PostgreSQL server of one test's own (initdb in a temporary folder, on its own port), for
// tests that stop, pause or starve it while the app runs: the machine-wide server of the other
// tests must never be touched. Needs the PostgreSQL 15 server binaries and PostGIS from Debian,
// so such tests run in the PostgreSQL pass (DATABASE_URL set), as .ci/run does.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { usingPostgres } from './helper.ts'

const BIN = '/usr/lib/postgresql/15/bin'

/** Whether this machine can run a server of a test's own. */
export const canRunOwnServer = usingPostgres && existsSync(`${BIN}/pg_ctl`)

/** Why a test that needs its own server did not run. */
export const NO_OWN_SERVER = 'skipped: needs DATABASE_URL and the PostgreSQL 15 server binaries (run by .ci/run)'

export interface OwnServer {
  /** A connection string to one of its databases, as the superuser postgres. */
  url(database?: string): string
  /** Runs fn with a client of its own on `database` (to create, drop, lock and fill). */
  withClient<T>(fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T>
  /** A new database on the server. */
  createDatabase(name: string): Promise<string>
  /** Starts it again after stop(). */
  start(): void
  /** Stops it at once, as a crash would (no checkpoint, connections cut). */
  stopImmediately(): void
  /**
   * Freezes it with SIGSTOP, postmaster and every backend: connections stay open and new ones
   * are accepted by the kernel, but nothing answers, as with a hung host or a full disk.
   */
  pause(): void
  /** Thaws it with SIGCONT. */
  resume(): void
}

interface Teardown {
  teardown(fn: () => unknown): void
}

/**
 * Makes and starts a server, stopped and deleted at teardown. `settings` are server settings
 * (`max_connections=3`, say) given at start.
 */
export async function ownServer(t: Teardown, { settings = [] }: { settings?: string[] } = {}): Promise<OwnServer> {
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
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', ...settings.map((s) => `-c ${s}`)].join(' ')
  const start = () => pgctl('-o', options, '-l', join(dir, 'log'), 'start')
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  start()

  let paused: number[] = []
  const resume = () => {
    // Backends before the postmaster, the reverse of pause.
    for (const pid of [...paused].reverse()) signal(pid, 'SIGCONT')
    paused = []
  }
  t.teardown(() => {
    resume() // a stopped server would not hear pg_ctl
    try {
      pgctl('-m', 'immediate', 'stop')
    } catch {
      // already stopped by the test
    }
    rmSync(dir, { recursive: true, force: true })
  })

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`
  const withClient = async <T>(fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T> => {
    const client = new pg.Client({ connectionString: url(database) })
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }
  return {
    url,
    withClient,
    async createDatabase(name) {
      await withClient((c) => c.query(`CREATE DATABASE ${name}`))
      return url(name)
    },
    start,
    stopImmediately: () => pgctl('-m', 'immediate', 'stop'),
    pause() {
      // The postmaster first: once it is stopped it forks no new backend, so the children
      // listed next are all there are (backends, and its background processes).
      const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
      signal(postmaster, 'SIGSTOP')
      paused.push(postmaster)
      for (const pid of childrenOf(postmaster)) {
        signal(pid, 'SIGSTOP')
        paused.push(pid)
      }
    },
    resume,
  }
}

function signal(pid: number, name: 'SIGSTOP' | 'SIGCONT'): void {
  try {
    process.kill(pid, name)
  } catch (error) {
    // A backend that ended meanwhile needs no signal.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
  } catch (error) {
    if ((error as { status?: number }).status === 1) return [] // pgrep: no process matched
    throw error
  }
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

/** Asks check every 250 ms until it says yes (true) or `attempts` run out (false). */
export async function poll(check: () => Promise<boolean>, attempts: number): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}
