// The profile is not persisted and does not reach the logs: a marker sent in a free-text
// interest, over real HTTP with logging at its most verbose, appears nowhere in the database
// (every column of every table) or in the log output.
import { randomBytes } from 'node:crypto'
import { PassThrough } from 'node:stream'
import t from 'tap'
import { GAP_POSTCODES } from '../../src/demo/generate.ts'
import { adminSession, invited } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'

t.test('a marker in the profile appears nowhere in the database or the logs', async (t) => {
  const marker = `zebracorn${randomBytes(4).toString('hex')}`
  const logs: string[] = []
  const logStream = new PassThrough()
  logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
  const app = await buildTestApp(t, { deps: { logStream }, config: { logLevel: 'trace' } })
  const base = `${await app.listen({ port: 0, host: '127.0.0.1' })}/api/match`
  // A link worker, whose matches record gaps (nobody else's do).
  const worker = await invited(app, await adminSession(app), { email: 'link.worker@example.org', role: 'link_worker' })
  const post = (body: object) => fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', cookie: worker.cookie }, body: JSON.stringify(body) })

  // A profile that records gaps (nothing in the south fits), carrying the marker as an interest.
  const res = await post({
    postcode: GAP_POSTCODES.south,
    travel: { walk_km: 1 },
    age: 67,
    gender: 'woman',
    access: ['step_free'],
    interests: { terms: ['arts-and-crafts'], text: [marker, `${marker} club`] },
  })
  t.equal(res.status, 200)
  const body = await res.json()
  t.ok(body.gaps.length >= 2, 'gaps were recorded, so something was written')
  t.ok(body.gaps.some((g: { need: string }) => g.need === marker), 'the response itself echoes the interest to the link worker')
  // Refused requests carrying the marker must not leak it either.
  t.equal((await post({ postcode: 'CR0 1NX', travel: { walk_km: 1 }, notes: marker })).status, 400)
  t.equal((await post({ postcode: marker, travel: { walk_km: 1 } })).status, 400, 'a postcode over 16 characters')

  const { rows: gapRows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM match_gap')
  t.ok(gapRows[0]!.n >= 2, `${gapRows[0]!.n} gap records stored`)
  const { rows: tables } = await app.db.query<{ name: string }>(
    `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`,
  )
  t.ok(tables.length > 15, `${tables.length} tables searched`)
  for (const { name } of tables) {
    const { rows } = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name} x WHERE strpos(lower(x::text), $1) > 0`, [marker])
    t.equal(rows[0]!.n, 0, `${name} does not hold the marker`)
  }
  await app.close()
  const log = logs.join('')
  t.ok(log.includes('"url":"/api/match"'), 'the requests were logged')
  t.notOk(log.includes(marker), 'the marker is in no log line')
})
