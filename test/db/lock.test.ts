// One process per embedded data directory, with real processes: an owner (fixtures/hold-pglite.ts)
// holds a directory while this process tries to open it. Only a live owner keeps it, however
// long it is paused; a dead owner's directory is free at once. Nothing is mocked.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { lockDirectory } from '../../src/db/dir-lock.ts'
import { DataDirLocked, createPgliteDb } from '../../src/db/pglite.ts'
import { usingPostgres } from '../helper.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** Longer than the 15 s after which the old lock file counted as stale. */
const PAUSE_MS = 17_000

interface Owner {
  child: ChildProcess
  /** Resolves when the owner prints this line; rejects if it exits first. */
  said(line: string): Promise<void>
  send(line: string): void
  exited: Promise<number | null>
}

function start(script: string, args: string[]): Owner {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture(script), ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  let stderr = ''
  const waiting = new Set<() => void>()
  let pending = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const complete = pending.split('\n')
    pending = complete.pop()!
    lines.push(...complete)
    for (const check of waiting) check()
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    exited,
    said: (line) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!lines.includes(line)) return
          waiting.delete(check)
          resolve()
        }
        waiting.add(check)
        check()
        void exited.then((code) => {
          if (waiting.delete(check)) reject(new Error(`the owner exited (${code}) before saying "${line}":\n${stderr}`))
        })
      }),
    send: (line) => child.stdin!.write(`${line}\n`),
  }
}

function tempDataDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'connector-lock-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'data')
}

/** A process that owns dataDir (once it says "ready"), killed at the end of the test. */
function own(t: Test, dataDir: string, firstRow: string): Owner {
  return killedAtTeardown(t, start('hold-pglite.ts', [dataDir, firstRow]))
}

function killedAtTeardown(t: Test, owner: Owner): Owner {
  // SIGKILL ends a paused owner too.
  t.teardown(() => owner.child.kill('SIGKILL'))
  return owner
}

/** Asserts that opening dataDir here is refused with DataDirLocked (closing it if it opened). */
async function assertRefused(t: Test, dataDir: string, message: string): Promise<void> {
  let db
  try {
    db = await createPgliteDb({ dataDir })
  } catch (error) {
    t.type(error, DataDirLocked, message)
    t.match((error as Error).message, /is already open in another process/)
    return
  }
  await db.close()
  t.fail(`${message}: it opened`)
}

async function rows(dataDir: string): Promise<string[]> {
  const db = await createPgliteDb({ dataDir })
  try {
    return (await db.query<{ body: string }>('SELECT body FROM note ORDER BY body')).rows.map((r) => r.body)
  } finally {
    await db.close()
  }
}

if (usingPostgres) {
  t.pass('skipped: the embedded-database lock tests run in the PGlite pass')
} else if (process.platform === 'win32') {
  t.pass('skipped: these tests pause and kill processes with POSIX signals')
} else {
  t.test('a second opener while the owner lives is refused with DataDirLocked', async (t) => {
    const dataDir = tempDataDir(t)
    const owner = own(t, dataDir, 'first')
    await owner.said('ready')
    await assertRefused(t, dataDir, 'refused while the owner lives')
    owner.send('close')
    await owner.said('closed')
    t.equal(await owner.exited, 0, 'the owner closes cleanly')
  })

  t.test('an owner killed with SIGKILL: the directory opens at once, with what the owner committed', async (t) => {
    const dataDir = tempDataDir(t)
    const owner = own(t, dataDir, 'first')
    await owner.said('ready')
    owner.child.kill('SIGKILL')
    await owner.exited
    t.same(await rows(dataDir), ['first'], 'opened on the first try, the committed row there')
  })

  t.test(`an owner paused for ${PAUSE_MS / 1000} s keeps the directory, and works on when resumed`, async (t) => {
    const dataDir = tempDataDir(t)
    const owner = own(t, dataDir, 'first')
    await owner.said('ready')
    owner.child.kill('SIGSTOP')
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS))
    await assertRefused(t, dataDir, 'refused while the owner is paused')
    owner.child.kill('SIGCONT')
    owner.send('write second')
    await owner.said('wrote second')
    owner.send('close')
    await owner.said('closed')
    t.equal(await owner.exited, 0, 'the resumed owner closes cleanly')
    t.same(await rows(dataDir), ['first', 'second'], 'a new opener sees both rows')
  })

  t.test('closing releases the directory within the same process', async (t) => {
    const dataDir = tempDataDir(t)
    const db = await createPgliteDb({ dataDir })
    await db.exec(`CREATE TABLE note (body text NOT NULL); INSERT INTO note VALUES ('first')`)
    await assertRefused(t, dataDir, 'a second open in the same process is refused too')
    await db.close()
    t.same(await rows(dataDir), ['first'], 'open again after close')
  })

  t.test('a lock on a socket file (macOS, BSD): refused while its owner lives or is paused, taken at once from a killed one', async (t) => {
    const dir = join(tempDataDir(t), 'locked')
    mkdirSync(dir, { recursive: true })
    const owner = killedAtTeardown(t, start('hold-lock.ts', [dir, 'socket-file']))
    await owner.said('ready')
    t.equal(await lockDirectory(dir, 'socket-file'), null, 'refused while the owner lives')
    owner.child.kill('SIGSTOP')
    await new Promise((resolve) => setTimeout(resolve, 1000)) // stopped by then
    t.equal(await lockDirectory(dir, 'socket-file'), null, 'refused while the owner is paused')
    owner.child.kill('SIGKILL')
    await owner.exited
    // The killed owner's socket file is still there, with no one listening.
    const lock = await lockDirectory(dir, 'socket-file')
    t.ok(lock, 'taken on the first try once the owner is dead')
    t.equal(await lockDirectory(dir, 'socket-file'), null, 'and held: refused to a second taker')
    await lock?.release()
    const again = await lockDirectory(dir, 'socket-file')
    t.ok(again, 'free again once released')
    await again?.release()
  })
}
