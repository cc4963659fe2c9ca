import t from 'tap'
import { DEMO_SEED, PERSONA_POSTCODES, demoListings, generateDemo } from '../../src/demo/generate.ts'
import { MeiliEngine, meiliFilter } from '../../src/search/meili.ts'
import { documentsFor, type MeiliDocument } from '../../src/search/meili-documents.ts'
import { drainOutbox, setSearchSync, type SearchSink } from '../../src/search/outbox.ts'
import { SearchQuerySchema } from '../../src/search/schemas.ts'
import { FIXED_NOW, buildTestApp, testDatabase } from '../helper.ts'

const listings = demoListings(generateDemo({ seed: DEMO_SEED, now: FIXED_NOW }))
const MEILI_URL = process.env.MEILI_URL || undefined

t.test('meiliFilter: the PostgreSQL engine\'s rules in Meilisearch\'s filter language', async (t) => {
  const query = SearchQuerySchema.parse({
    postcode: 'CR0 1NX', radius_km: '2', accessibility: 'step_free,seating', taxonomy_term: 'housing', day: 'TU',
    free: 'true', age: '75', group_size: 'small', taking_referrals: 'true',
  })
  const place = { latitude: 51.37, longitude: -0.1 } as Parameters<typeof meiliFilter>[0]['place']
  t.same(meiliFilter({ query, place, coveringServiceIds: ['a1', 'b2'] }), [
    'status = "active"',
    '((doc_kind = "venue" AND _geoRadius(51.37, -0.1, 2000)) OR (doc_kind = "remote" AND service_id IN ["a1", "b2"]))',
    '(doc_kind = "remote" OR (accessibility = "step_free" AND accessibility = "seating"))',
    'terms IN ["housing"]',
    'days IN ["TU", "ANY"]',
    'free = true',
    'min_age <= 75 AND max_age >= 75',
    'group_size IN ["small"]',
    'referral_capacity = "open"',
  ])
  t.same(meiliFilter({ query: SearchQuerySchema.parse({}), place: null, coveringServiceIds: [] }), ['status = "active"'])
})

t.test('documentsFor: one document per venue and one for remote delivery', async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  const ids = listings.map((s) => s.id)
  const docs = await documentsFor(db, ids)
  const remoteModes = ['home_visit', 'telephone', 'online_video', 'online_text']
  const remote = listings.filter((s) => s.document.delivery_modes.some((m) => remoteModes.includes(m)))
  const venues = listings.reduce((n, s) => n + s.document.locations.length, 0)
  t.equal(docs.length, venues + remote.length, 'a document per venue of each listing, and one per remote listing')

  // The first listing's first venue, with the ids the store gave it (found by name).
  const listing = listings.find((s) => s.document.locations.length > 0)!
  const location = listing.document.locations[0]!
  const { rows } = await db.query<{ id: string; location_id: string }>(
    `SELECT sal.id, sal.location_id FROM service_at_location sal JOIN location l ON l.id = sal.location_id WHERE sal.service_id = $1 AND l.name = $2`,
    [listing.id, location.name],
  )
  const sal = rows[0]!
  const venueDoc = docs.find((d) => d.id === sal.id)!
  t.match(venueDoc, { service_id: listing.id, doc_kind: 'venue', location_id: sal.location_id, _geo: { lat: location.latitude, lng: location.longitude } })
  t.same(venueDoc.accessibility, location.accessibility.map((a) => a.feature).sort())

  const housing = listings.find((s) => s.document.taxonomy_terms.includes('housing'))!
  const housingDoc = docs.find((d) => d.service_id === housing.id)!
  t.ok(housingDoc.terms.includes('housing') && housingDoc.terms.includes('practical-support'), 'a child term carries its parent')
  t.match(housingDoc.term_words, /eviction/)
  t.same(await documentsFor(db, ['00000000-0000-4000-8000-000000000000']), [], 'a deleted service has no documents')
})

// No Meilisearch server can run on this machine, so the outbox is exercised with a recording
// double of the engine's one write method; the real engine is tested below when MEILI_URL is set.
class RecordingSink implements SearchSink {
  calls: { ids: string[]; docs: MeiliDocument[] }[] = []
  failWith: Error | undefined
  async replaceServices(ids: string[], docs: MeiliDocument[]) {
    if (this.failWith) throw this.failWith
    this.calls.push({ ids, docs })
  }
}

t.test('search outbox: filled in the same transaction as the change, drained idempotently', async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  const service = listings.find((s) => s.document.delivery_modes.includes('venue'))!
  await db.query(`UPDATE service SET name = name || ' (renamed)' WHERE id = $1`, [service.id])
  t.equal((await db.query('SELECT 1 FROM search_outbox')).rowCount, 0, 'nothing is queued while sync is off')

  await setSearchSync(db, true)
  await db.transaction(async (tx) => {
    await tx.query(`UPDATE service SET name = 'Renamed Again' WHERE id = $1`, [service.id])
    await tx.query(`UPDATE service SET description = 'twice in one transaction' WHERE id = $1`, [service.id])
  })
  await t.rejects(
    db.transaction(async (tx) => {
      await tx.query(`UPDATE service SET name = 'Never' WHERE id = $1`, [listings[1]!.id])
      throw new Error('rolled back')
    }),
  )
  const queued = await db.query<{ service_id: string }>('SELECT service_id FROM search_outbox')
  t.same(queued.rows.map((r) => r.service_id), [service.id], 'one entry per service; a rolled-back change queues nothing')

  const sink = new RecordingSink()
  t.same(await drainOutbox(db, sink, { now: FIXED_NOW }), { synced: 1, retrying: 0, setAside: 0 })
  t.equal(sink.calls.length, 1)
  t.same(sink.calls[0]!.ids, [service.id])
  t.ok(sink.calls[0]!.docs.length > 0 && sink.calls[0]!.docs.every((d) => d.name === 'Renamed Again'))
  t.same(await drainOutbox(db, sink, { now: FIXED_NOW }), { synced: 0, retrying: 0, setAside: 0 }, 'nothing left')

  // Changes to a location reach every service held there (each listing's venue is its own location).
  const { rows: sals } = await db.query<{ location_id: string }>('SELECT location_id FROM service_at_location WHERE service_id = $1', [service.id])
  const sal = sals[0]!
  await db.query(`INSERT INTO accessibility (location_id, feature) VALUES ($1, 'changing_place') ON CONFLICT DO NOTHING`, [sal.location_id])
  const { rows: held } = await db.query<{ service_id: string }>('SELECT service_id FROM service_at_location WHERE location_id = $1', [sal.location_id])
  const atLocation = held.map((x) => x.service_id).sort()
  const fromLocation = await db.query<{ service_id: string }>('SELECT service_id FROM search_outbox ORDER BY service_id')
  t.same(fromLocation.rows.map((r) => r.service_id), [...new Set(atLocation)])

  // A schedule held at a venue reaches its service; an organisation reaches all of its services.
  await db.query('DELETE FROM search_outbox')
  const { rows: atVenue } = await db.query<{ id: string; service_id: string }>(
    `SELECT sc.id, sal.service_id FROM schedule sc JOIN service_at_location sal ON sal.id = sc.service_at_location_id ORDER BY sc.id LIMIT 1`,
  )
  await db.query(`UPDATE schedule SET description = 'Bring a friend' WHERE id = $1`, [atVenue[0]!.id])
  t.same((await db.query<{ service_id: string }>('SELECT service_id FROM search_outbox')).rows.map((r) => r.service_id), [atVenue[0]!.service_id])
  await db.query('DELETE FROM search_outbox')
  const { rows: org } = await db.query<{ organization_id: string }>('SELECT organization_id FROM service WHERE id = $1', [service.id])
  await db.query(`UPDATE organization SET name = name || ' (renamed)' WHERE id = $1`, [org[0]!.organization_id])
  const { rows: theirs } = await db.query<{ id: string }>('SELECT id FROM service WHERE organization_id = $1 ORDER BY id', [org[0]!.organization_id])
  t.same((await db.query<{ service_id: string }>('SELECT service_id FROM search_outbox ORDER BY service_id')).rows.map((r) => r.service_id), theirs.map((r) => r.id))
  t.ok(theirs.length > 1, 'an organisation with several services')
})

t.test('search outbox: failures retried with backoff, then set aside', async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  await setSearchSync(db, true)
  const id = listings[0]!.id
  await db.query(`UPDATE service SET referral_capacity = 'full' WHERE id = $1`, [id])
  const sink = new RecordingSink()
  sink.failWith = new Error('connect ECONNREFUSED 127.0.0.1:7700')

  t.same(await drainOutbox(db, sink, { now: FIXED_NOW, maxAttempts: 3 }), { synced: 0, retrying: 1, setAside: 0, error: 'connect ECONNREFUSED 127.0.0.1:7700' })
  const row = await db.query<{ attempts: number; next_attempt_at: Date; last_error: string }>('SELECT attempts, next_attempt_at, last_error FROM search_outbox')
  t.match(row.rows[0], { attempts: 1, last_error: 'connect ECONNREFUSED 127.0.0.1:7700' })
  t.equal(row.rows[0]!.next_attempt_at.getTime(), FIXED_NOW.getTime() + 2000, 'retried after 2 s')
  t.same(await drainOutbox(db, sink, { now: FIXED_NOW }), { synced: 0, retrying: 0, setAside: 0 }, 'not due yet')

  const later = (s: number) => new Date(FIXED_NOW.getTime() + s * 1000)
  t.match(await drainOutbox(db, sink, { now: later(3), maxAttempts: 3 }), { retrying: 1, setAside: 0 })
  t.match(await drainOutbox(db, sink, { now: later(60), maxAttempts: 3 }), { retrying: 0, setAside: 1 })
  t.same(await drainOutbox(db, sink, { now: later(99999), maxAttempts: 3 }), { synced: 0, retrying: 0, setAside: 0 }, 'set aside: no longer retried')
  const kept = await db.query<{ failed_at: Date | null }>('SELECT failed_at FROM search_outbox WHERE service_id = $1', [id])
  t.ok(kept.rows[0]!.failed_at, 'kept for a person to look at')

  await db.query(`UPDATE service SET referral_capacity = 'open' WHERE id = $1`, [id])
  sink.failWith = undefined
  t.match(await drainOutbox(db, sink, { now: later(100000) }), { synced: 1 }, 'a new change puts it back in the queue')
})

t.test('GET /api/search with Meilisearch unreachable → PostgreSQL answers, marked degraded', async (t) => {
  const app = await buildTestApp(t, { config: { meili: { url: 'http://127.0.0.1:9', key: undefined, index: 'services' } } })
  const plain = await buildTestApp(t)
  const url = `/api/search?q=knitting&postcode=${encodeURIComponent(PERSONA_POSTCODES.derek)}`
  const res = await app.inject({ url })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body, { engine: 'postgres', degraded: true })
  const expected = (await plain.inject({ url })).json()
  t.match(expected, { engine: 'postgres', degraded: false })
  t.same(body.results.map((r: { id: string }) => r.id), expected.results.map((r: { id: string }) => r.id))
})

t.test('Meilisearch engine against a real server', { skip: MEILI_URL ? false : 'MEILI_URL is not set: no Meilisearch server on this machine' }, async (t) => {
  const app = await buildTestApp(t)
  const engine = new MeiliEngine(MEILI_URL!, process.env.MEILI_KEY, `connector_test_${process.pid}`, 10_000)
  t.teardown(() => engine.client.deleteIndex(engine.indexUid).waitTask().catch(() => undefined))
  const count = await engine.rebuild(app.db, FIXED_NOW)
  t.ok(count > listings.length, `${count} documents`)
  const query = SearchQuerySchema.parse({ q: 'knitting', postcode: PERSONA_POSTCODES.derek, radius_km: '10' })
  const place = { latitude: 0, longitude: 0, ...(await app.inject({ url: `/api/postcodes/${encodeURIComponent(PERSONA_POSTCODES.derek)}` })).json() }
  const found = await engine.search(app.db, { query, place, sort: 'relevance', now: FIXED_NOW })
  t.ok(found.results.length > 0)
  t.ok(found.results.every((r) => r.taxonomy_terms.includes('arts-and-crafts')))
  t.ok(found.results.every((r) => r.distance_m === null || r.distance_m <= 10_000))
  const knit = found.results.findIndex((r) => /knit/i.test(r.name))
  t.ok(knit >= 0 && knit < 4, 'a knitting group near the top')

  await setSearchSync(app.db, true)
  const id = found.results[0]!.id
  await app.db.query(`UPDATE service SET status = 'defunct' WHERE id = $1`, [id])
  t.match(await drainOutbox(app.db, engine, { now: FIXED_NOW }), { synced: 1 })
  const again = await engine.search(app.db, { query, place, sort: 'relevance', now: FIXED_NOW })
  t.notOk(again.results.some((r) => r.id === id), 'a defunct service leaves the index through the outbox')
})
