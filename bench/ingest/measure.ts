/**
 * What the ingest benchmark watches while a harvest runs, besides the clock:
 *
 * - `profiledDb`: a Db that passes everything to the real one and times each statement as the
 *   harvester sees it (round trip included), grouped by the statement's opening words, and each
 *   transaction's own cost (checking out a connection, BEGIN and COMMIT: the transaction's wall
 *   time less the time inside its function). One clock read per statement; see the README for
 *   what it costs.
 * - `peakRss`: this process's resident set, sampled every 100 ms (process.resourceUsage's
 *   maxRSS is a high-water mark for the whole process, not for one harvest).
 * - `postgresCpu`: CPU time of the PostgreSQL server processes serving the benchmark database
 *   (the backends in pg_stat_activity, read from /proc/<pid>/stat), so a harvest's time can be
 *   split between the harvester, the feed server and PostgreSQL. Only where the server runs on
 *   this machine and /proc can be read; otherwise null.
 * - `cpuProfile`: a V8 sampling profile of this process (node:inspector), summarised by area
 *   and by function.
 */
import { readFileSync } from 'node:fs'
import inspector from 'node:inspector/promises'
import { sqlText, type Db, type Named, type Queryable, type QueryResult } from '../../src/db/db.ts'

export interface StatementStat {
  statement: string
  calls: number
  ms: number
}

export interface DbProfile {
  statements: StatementStat[]
  transactions: number
  /** Checking out a connection, BEGIN, COMMIT (and ROLLBACK), summed. */
  transactionOverheadMs: number
}

/** The statement's first words, whitespace collapsed: enough to tell the harvester's statements apart. */
const keys = new Map<string, string>()
function statementKey(sql: string): string {
  // The harvester's SQL texts are constants: each is shortened once.
  let key = keys.get(sql)
  if (key === undefined) {
    const flat = sql.replace(/\s+/g, ' ').trim()
    key = flat.length > 90 ? `${flat.slice(0, 90)}…` : flat
    keys.set(sql, key)
  }
  return key
}

export function profiledDb(db: Db): { db: Db; profile: () => DbProfile; reset: () => void } {
  let stats = new Map<string, StatementStat>()
  let transactions = 0
  let overhead = 0
  const timed = (q: Queryable): Queryable => ({
    async query<R>(sql: string | Named, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const t0 = performance.now()
      try {
        return await q.query<R>(sql, params)
      } finally {
        const key = statementKey(sqlText(sql))
        const s = stats.get(key) ?? stats.set(key, { statement: key, calls: 0, ms: 0 }).get(key)!
        s.calls++
        s.ms += performance.now() - t0
      }
    },
    exec: (sql) => q.exec(sql),
  })
  const wrapped: Db = {
    kind: db.kind,
    ...timed(db),
    async transaction(fn) {
      const t0 = performance.now()
      let inside = 0
      try {
        return await db.transaction(async (tx) => {
          const t1 = performance.now()
          try {
            return await fn(timed(tx))
          } finally {
            inside = performance.now() - t1
          }
        })
      } finally {
        transactions++
        overhead += performance.now() - t0 - inside
      }
    },
    withTryLock: (key, fn) => db.withTryLock(key, fn),
    close: () => db.close(),
  }
  return {
    db: wrapped,
    profile: () => ({ statements: [...stats.values()].sort((a, b) => b.ms - a.ms), transactions, transactionOverheadMs: overhead }),
    reset: () => {
      stats = new Map()
      transactions = 0
      overhead = 0
    },
  }
}

/** Samples this process's RSS until stopped; resolves the peak in MB. */
export function peakRss(everyMs = 100): { stop: () => number } {
  let peak = process.memoryUsage.rss()
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, everyMs)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(peak, process.memoryUsage.rss()) / 2 ** 20
    },
  }
}

const TICKS_PER_SECOND = 100 // USER_HZ on Linux

/** utime + stime of a process in ms, or undefined if it cannot be read (gone, or not on this machine). */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command (in parentheses, which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

/**
 * CPU used by the server processes of one database while it runs: every second (and at the
 * end) the backends connected to it are listed and their CPU read; a backend first seen after
 * the start counts from zero (it began during the harvest).
 */
export function postgresCpu(admin: Queryable, database: string): { stop: () => Promise<number | null> } {
  const baseline = new Map<number, number>()
  const latest = new Map<number, number>()
  let readable = true
  let first = true
  const sample = async () => {
    const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database])
    for (const { pid } of rows) {
      const ms = processCpuMs(pid)
      if (ms === undefined) {
        if (first) readable = false
        continue
      }
      if (!baseline.has(pid)) baseline.set(pid, first ? ms : 0)
      latest.set(pid, ms)
    }
    first = false
  }
  let pending = sample()
  const timer = setInterval(() => {
    pending = pending.then(sample).catch(() => {})
  }, 1000)
  return {
    async stop() {
      clearInterval(timer)
      await pending.catch(() => {})
      await sample().catch(() => {})
      if (!readable || latest.size === 0) return null
      let total = 0
      for (const [pid, ms] of latest) total += ms - (baseline.get(pid) ?? 0)
      return total
    },
  }
}

export interface CpuProfileSummary {
  /** Sampled milliseconds by area (idle: waiting for the database or the feed). */
  areas: { area: string; ms: number }[]
  /** The functions with the most self time. */
  functions: { fn: string; area: string; ms: number }[]
  totalMs: number
}

/** Which part of the code a profile node belongs to, by its script. */
function areaOf(functionName: string, url: string): string {
  if (functionName === '(idle)') return 'idle (waiting for PostgreSQL or the feed)'
  if (functionName === '(garbage collector)') return 'garbage collection'
  if (url === '' && /^write(v|Buffer|Utf8String|Latin1String)$/.test(functionName)) return 'socket writes (statements to PostgreSQL, pages out)'
  if (functionName === '(program)' || url === '') return 'V8 and native code (JSON, crypto, …)'
  if (url.includes('/node_modules/ajv')) return 'ajv (ORUK schema validation)'
  if (url.includes('/node_modules/zod')) return 'zod (document schemas)'
  if (/\/node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-)/.test(url)) return 'pg driver'
  if (url.includes('/node_modules/')) return 'other packages'
  if (url.startsWith('node:')) return 'Node.js (http, streams, crypto, …)'
  if (url.includes('/src/ingest/')) return 'src/ingest (fetch, mapping, apply)'
  if (url.includes('/src/manage/')) return 'src/manage (document store)'
  if (url.includes('/src/')) return 'other src/'
  if (url.includes('/bench/')) return 'bench (measurement)'
  return 'other'
}

/** Starts a sampling profile of this process; `stop` resolves its summary. */
export async function cpuProfile(): Promise<{ stop: () => Promise<CpuProfileSummary> }> {
  const session = new inspector.Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 1000 })
  await session.post('Profiler.start')
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop')
      session.disconnect()
      // Self time per node: its samples times the sampling interval, from the time deltas.
      const selfMs = new Map<number, number>()
      const samples = profile.samples ?? []
      const deltas = profile.timeDeltas ?? []
      for (let i = 0; i < samples.length; i++) selfMs.set(samples[i]!, (selfMs.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? 0) / 1000)
      const areas = new Map<string, number>()
      const functions = new Map<string, { fn: string; area: string; ms: number }>()
      let totalMs = 0
      for (const node of profile.nodes) {
        const ms = selfMs.get(node.id) ?? 0
        if (ms === 0) continue
        const { functionName, url, lineNumber } = node.callFrame
        const area = areaOf(functionName, url)
        areas.set(area, (areas.get(area) ?? 0) + ms)
        // Files as tsx ran them: their line numbers are not the source's, so only the file is named.
        const where = url.startsWith('node:') ? `${url}:${lineNumber + 1}` : url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')
        const key = `${functionName || '(anonymous)'} ${where}`.trim()
        const f = functions.get(key) ?? functions.set(key, { fn: key, area, ms: 0 }).get(key)!
        f.ms += ms
        totalMs += ms
      }
      return {
        areas: [...areas].map(([area, ms]) => ({ area, ms })).sort((a, b) => b.ms - a.ms),
        functions: [...functions.values()].sort((a, b) => b.ms - a.ms).slice(0, 20),
        totalMs,
      }
    },
  }
}
