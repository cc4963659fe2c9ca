// An exclusive lock on a directory, for the embedded database: two processes writing one PGlite
// data directory lose data silently. The lock is a local socket (or named pipe) whose name is made
// from the directory's real path, listened on for as long as the lock is held. The kernel frees
// it when its process dies, however it dies, and nothing times out: a paused owner keeps it.
// A lock file with a heartbeat (proper-lockfile, before) has neither property: a killed owner's
// file blocks restarts until it looks stale, and a paused owner's file turns stale under it.
// The lock is local to one machine, and a directory reached by two real paths (a bind mount)
// has two names.
import { createHash } from 'node:crypto'
import { realpathSync, unlinkSync } from 'node:fs'
import { createConnection, createServer, type Server } from 'node:net'
import { join } from 'node:path'

/**
 * How a lock is held:
 * - `abstract-socket` (Linux): a unix socket in the abstract namespace. Binding a name that a live
 *   process (running or paused) holds fails; the kernel frees the name when that process dies.
 *   Abstract names belong to a network namespace: two containers with their own networks that
 *   share the data directory through a volume do not see each other's lock.
 * - `named-pipe` (Windows): a pipe created as the first instance of its name, which fails while
 *   another process holds the name; the system frees it when that process dies.
 * - `socket-file` (macOS, BSD): a unix socket file in /tmp, which outlives a killed owner; an
 *   owner is alive if the socket accepts a connection (a paused process's socket still does).
 */
export type LockMethod = 'abstract-socket' | 'named-pipe' | 'socket-file'

/** A held directory lock. */
export interface DirectoryLock {
  /** Gives the directory up (again: nothing happens). */
  release(): Promise<void>
}

/** The lock method for this platform. */
export function platformLockMethod(): LockMethod {
  if (process.platform === 'win32') return 'named-pipe'
  if (process.platform === 'linux' || process.platform === 'android') return 'abstract-socket'
  return 'socket-file'
}

/**
 * Takes the lock on `dir` (which must exist) for this process, or returns null when a live
 * process holds it, this one included. The lock never keeps the process alive, and ends with it.
 * `method` is for tests, which run the socket-file method on Linux too.
 */
export async function lockDirectory(dir: string, method: LockMethod = platformLockMethod()): Promise<DirectoryLock | null> {
  // The real path, so that a symbolic link or a relative path names the same lock.
  const name = `connector-pglite-${createHash('sha256').update(realpathSync.native(dir)).digest('hex').slice(0, 32)}`
  let server: Server | 'in use'
  if (method === 'abstract-socket') {
    requireAbstractNames()
    // Node 20 (libuv 1.46) binds an abstract name padded with zero bytes to the whole of sun_path,
    // Node 22 and later bind it as given: a name that fills sun_path (108 bytes) is the same in
    // both, so processes on either lock each other out.
    server = await listen(`\0${name.padEnd(SUN_PATH_BYTES - 1, '.')}`, false)
  } else if (method === 'named-pipe') {
    server = await listen(`\\\\?\\pipe\\${name}`, false)
  } else {
    server = await takeSocketFile(join('/tmp', `${name}.sock`))
  }
  if (server === 'in use') return null
  const held = server
  let released: Promise<void> | undefined
  return {
    release() {
      released ??= new Promise((resolve) => held.close(() => resolve()))
      return released
    },
  }
}

/** The size of sun_path in a Linux sockaddr_un. */
const SUN_PATH_BYTES = 108

/**
 * Node before 20.8 cannot bind an abstract name: 20.4 to 20.7 fail with EINVAL, and before that
 * every name became the same one (so one data directory would lock all the others).
 */
function requireAbstractNames(): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
  if (major < 20 || (major === 20 && minor < 8)) {
    throw new Error(`Locking the embedded database's data directory needs Node.js 20.8 or later (this is ${process.version}).`)
  }
}

/**
 * Takes a socket file. The file of an owner that was killed stays behind: when binding finds it,
 * a connection attempt tells a live owner (it connects, even while the owner is paused) from a
 * dead one (refused), whose file is removed and bound again, once.
 *
 * Two races remain, both narrow. Two processes that find the same dead owner's file at the same
 * moment can both remove it and bind, the second removing the file the first has just bound: both
 * then hold the directory. And on macOS a listener whose queue is full also refuses: an owner
 * paused while a hundred or more checks queue up on it would be taken for dead. The
 * abstract-socket and named-pipe methods have neither.
 *
 * The file is in /tmp rather than os.tmpdir(): on macOS that is per user (so two users' processes
 * would not see each other's lock) and long enough to overflow sun_path (104 bytes there).
 */
async function takeSocketFile(path: string): Promise<Server | 'in use'> {
  const server = await listen(path, true)
  if (server !== 'in use' || (await ownerAlive(path))) return server
  try {
    unlinkSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  return listen(path, true)
}

/** Whether a live process listens on the socket file at `path`. */
function ownerAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy()
      // Refused: a socket file with no one listening. Gone: its owner has just closed it.
      // Anything else (EAGAIN from a full queue on Linux, no permission) leaves it to a live
      // owner, to be safe.
      resolve(error.code !== 'ECONNREFUSED' && error.code !== 'ENOENT')
    })
  })
}

/**
 * Listens on a local socket or pipe, or returns 'in use' when a live process has it. A socket file
 * is made writable by all (connecting is writing) so that any user's process can check it.
 */
function listen(path: string, socketFile: boolean): Promise<Server | 'in use'> {
  // A connection (from a process checking the lock) carries nothing: it is closed at once.
  const server = createServer((socket) => socket.destroy())
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve('in use') : reject(error))
    server.once('error', failed)
    // exclusive: in a cluster worker, bind here rather than share a handle of the primary's.
    server.listen({ path, exclusive: true, readableAll: socketFile, writableAll: socketFile }, () => {
      server.off('error', failed)
      // A failed accept (too many open files) must not crash the service: the name stays bound.
      server.on('error', () => {})
      server.unref()
      resolve(server)
    })
  })
}
