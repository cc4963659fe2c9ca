/**
 * The real app, in its own process so the load generator does not share its event loop:
 * `buildApp(loadConfig(...))` on the given database, listening on a free loopback port, which
 * it reports to its parent over IPC. Closes on the parent's 'close' message or SIGTERM.
 */
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'

const url = process.env.BENCH_DATABASE_URL
if (!url || !process.send) {
  console.error('serve.ts is started by bench/search/run.ts (needs BENCH_DATABASE_URL and an IPC channel)')
  process.exit(1)
}

// The statement timeout of the SQL measurements (60 s), not the service's 10 s default: the
// benchmark measures slow shapes at large sizes rather than having them refused with 503.
const app = await buildApp(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', DEMO_DATA: 'off', PG_STATEMENT_TIMEOUT_MS: '60000' }))
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
if (address === null || typeof address === 'string') throw new Error('expected a TCP address')

let closing = false
const close = async () => {
  if (closing) return
  closing = true
  await app.close()
  process.exit(0)
}
process.on('message', (m) => {
  if (m === 'close') void close()
})
process.on('SIGTERM', () => void close())
process.on('disconnect', () => void close())
process.send({ port: address.port })
