/**
 * The ingest benchmark's feed publisher, in its own process so that making and sending pages
 * does not share an event loop (or a core's time slice) with the harvester being measured. It
 * serves, on a free loopback port:
 *
 *   GET /oruk/services?page=P&per_page=K   ORUK 3.0 Page envelope of full service records
 *   GET /rpde/session-series[?afterTimestamp=T&afterId=I]   RPDE timestamp-strategy pages
 *
 * from the FeedSpec in BENCH_FEED (JSON), generating each page when asked (feed.ts). It tells
 * its parent the port over IPC and then answers IPC requests:
 *   { id, epoch: n }  the RPDE feed moves to epoch n (every item updated); answers { id }
 *   { id, usage: true }  answers { id, usage: { cpuMs, rssMb, maxRssMb, requests, bytes } }
 * It closes on 'close', SIGTERM or when its parent goes away.
 */
import http from 'node:http'
import { orukPage, rpdePage, type FeedSpec } from './feed.ts'

const raw = process.env.BENCH_FEED
if (!raw || !process.send) {
  console.error('feed-server.ts is started by bench/ingest/run.ts (needs BENCH_FEED and an IPC channel)')
  process.exit(1)
}
const spec = JSON.parse(raw) as FeedSpec
const rpdePageSize = Number(process.env.BENCH_RPDE_PAGE ?? 500)
let epoch = 1
let requests = 0
let bytes = 0

const server = http.createServer((req, res) => {
  requests++
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  let body: unknown
  try {
    if (url.pathname === '/oruk/services') {
      const page = Number(url.searchParams.get('page') ?? 1)
      const perPage = Number(url.searchParams.get('per_page') ?? 50)
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(perPage) || perPage < 1 || perPage > 1000) return void res.writeHead(400).end()
      body = orukPage(spec, page, perPage)
    } else if (url.pathname === '/rpde/session-series') {
      const t = url.searchParams.get('afterTimestamp')
      const after = t === null ? null : { modified: Number(t), id: url.searchParams.get('afterId') ?? '' }
      if (after && !Number.isSafeInteger(after.modified)) return void res.writeHead(400).end()
      body = rpdePage(spec, epoch, rpdePageSize, `http://${req.headers.host}/rpde/session-series`, after)
    } else return void res.writeHead(404).end()
  } catch (error) {
    console.error(`feed server: ${(error as Error).stack}`)
    return void res.writeHead(500).end()
  }
  const text = Buffer.from(JSON.stringify(body))
  bytes += text.length
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': text.length }).end(text)
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const address = server.address()
if (address === null || typeof address === 'string') throw new Error('expected a TCP address')

let closing = false
const close = () => {
  if (closing) return
  closing = true
  server.close(() => process.exit(0))
  server.closeAllConnections()
}
process.on('message', (m: { id?: number; epoch?: number; usage?: boolean } | 'close') => {
  if (m === 'close') return close()
  if (typeof m.epoch === 'number') {
    epoch = m.epoch
    process.send!({ id: m.id })
  } else if (m.usage) {
    const cpu = process.cpuUsage()
    process.send!({
      id: m.id,
      usage: { cpuMs: (cpu.user + cpu.system) / 1000, rssMb: process.memoryUsage.rss() / 2 ** 20, maxRssMb: process.resourceUsage().maxRSS / 1024, requests, bytes },
    })
  }
})
process.on('SIGTERM', close)
process.on('disconnect', close)
process.send({ port: address.port })
