// The round trip: a second Connector harvests the first one's /oruk/ feed of the whole demo
// directory over real HTTP, through an admin's source and the admin API. Every field ORUK
// carries is equal on both sides (ids aside: each side makes its own), and harvesting again
// changes nothing and writes no new versions.
import t from 'tap'
import { adminSession } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'

type Json = Record<string, unknown>

/**
 * An ORUK object with every id (each side makes its own) and last_modified taken out; lists in
 * a stable order (ORUK gives children no order, and ours follow their ids).
 */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
  if (!value || typeof value !== 'object') return value
  const out: Json = {}
  for (const [k, v] of Object.entries(value as Json)) {
    // The UK profile's language objects hold ids only, no language: nothing to carry.
    if (k === 'id' || k.endsWith('_id') || k === 'last_modified' || k === 'languages') continue
    out[k] = comparable(v)
  }
  return out
}

t.test('a second Connector harvests the first one’s ORUK feed: every field equal, and again changes nothing', async (t) => {
  const first = await buildTestApp(t)
  await first.listen({ port: 0, host: '127.0.0.1' })
  const address = first.server.address() as { port: number }
  const second = await buildTestApp(t, { demo: 'empty', deps: { ingestAllowLoopback: true } })
  const admin = await adminSession(second)

  const created = await admin.inject({
    method: 'POST',
    url: '/api/admin/ingest/sources',
    payload: { name: 'Croydon demo directory', kind: 'oruk', url: `http://127.0.0.1:${address.port}/oruk`, allow_http: true, remote_delivery_modes: ['telephone'] },
  })
  t.equal(created.statusCode, 201, created.body)
  const source = created.json()

  const ran = await admin.inject({ method: "POST", url: `/api/admin/ingest/sources/${source.id}/runs` })
  t.equal(ran.statusCode, 201, ran.body)
  const run = ran.json()
  const theirs = (await first.inject({ url: '/oruk/services?per_page=500&full=true' })).json()
  t.match(run, { status: 'succeeded', complete: true, error: null, fetched: theirs.total_items, created: theirs.total_items, quarantined: 0, missing: 0 })
  const quarantine = (await admin.inject({ url: '/api/admin/ingest/quarantine' })).json()
  t.same(quarantine.map((q: { reasons: unknown }) => q.reasons), [], 'nothing quarantined')
  t.equal(run.fetched, run.created + run.updated + run.unchanged + run.withdrawn + run.quarantined, 'the counts add up')

  const ours = (await second.inject({ url: '/oruk/services?per_page=500&full=true' })).json()
  t.equal(ours.total_items, theirs.total_items)
  const { rows: links } = await second.db.query<{ external_id: string; record_id: string }>(`SELECT external_id, record_id FROM ingest_record WHERE record_type = 'service'`)
  const ourId = new Map(links.map((l) => [l.external_id, l.record_id]))
  const byId = new Map((ours.contents as Json[]).map((s) => [s.id as string, s]))
  let differing = 0
  for (const s of theirs.contents as Json[]) {
    const mine = byId.get(ourId.get(s.id as string)!)
    if (JSON.stringify(comparable(mine)) !== JSON.stringify(comparable(s))) {
      if (differing++ === 0) t.same(comparable(mine), comparable(s), `the first that differs: ${s.name}`)
    }
  }
  t.equal(differing, 0, 'every service equal in every field ORUK carries')

  const versions = async () => Number((await second.db.query<{ n: number }>('SELECT count(*) AS n FROM record_version')).rows[0]!.n)
  const before = await versions()
  const again = (await admin.inject({ method: 'POST', url: `/api/admin/ingest/sources/${source.id}/runs` })).json()
  t.match(again, { status: 'succeeded', fetched: theirs.total_items, unchanged: theirs.total_items, created: 0, updated: 0, withdrawn: 0, quarantined: 0, missing: 0 })
  t.equal(await versions(), before, 'no new versions')
})
