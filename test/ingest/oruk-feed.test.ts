// Harvesting ORUK feeds served by a local HTTP server the test controls: quarantine with
// reasons, the term map and retry, withdrawals (held above 20%), listings read-only to editors
// until handed over, and hostile feeds that end the run with an error and change nothing.
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { harvest } from '../../src/ingest/harvest.ts'
import { adminSession, invited, type Session } from '../accounts.ts'
import { buildTestApp, FIXED_NOW } from '../helper.ts'
import { feedServer, orukPage, orukService } from './feed-server.ts'

const ORG = { id: randomUUID(), name: 'Norbury Neighbours', description: 'Neighbours helping neighbours.', organization_identifiers: [] }

type Json = Record<string, unknown>

const service = (name: string, extra: Json = {}) => orukService(name, ORG, extra)
const page = orukPage

/** A feed server serving ORUK pages. */
async function orukFeed(t: Test) {
  const feed = await feedServer(t)
  return { ...feed, serve: (items: unknown[]) => (feed.state.answer = feed.json(page(items))) }
}

async function setUp(t: Test, options: { loopback?: boolean } = {}) {
  const app = await buildTestApp(t, { demo: 'empty', deps: { ingestAllowLoopback: options.loopback ?? true } })
  const admin = await adminSession(app)
  const feed = await orukFeed(t)
  const res = await admin.inject({ method: 'POST', url: '/api/admin/ingest/sources', payload: { name: 'Norbury feed', kind: 'oruk', url: `${feed.base}/oruk`, allow_http: true } })
  t.equal(res.statusCode, 201, res.body)
  const sourceId = res.json().id as string
  const run = async () => {
    const r = await admin.inject({ method: 'POST', url: `/api/admin/ingest/sources/${sourceId}/runs` })
    if (r.statusCode !== 201) throw new Error(`run answered ${r.statusCode}: ${r.body}`)
    return r.json()
  }
  return { app, admin, feed, sourceId, run }
}

async function listing(app: FastifyInstance, externalId: string) {
  const { rows } = await app.db.query<{ id: string; name: string; status: string; version: number }>(
    `SELECT s.id, s.name, s.status, s.version FROM ingest_record r JOIN service s ON s.id = r.record_id WHERE r.record_type = 'service' AND r.external_id = $1`,
    [externalId],
  )
  return rows[0]
}

t.test('bad records are quarantined with reasons, the good kept; a term mapped later lets the record in on retry', async (t) => {
  const { app, admin, feed, run } = await setUp(t)
  const good = service('Norbury Knit and Natter')
  const esd = service('Norbury Lunch Club', {
    attributes: [{ id: randomUUID(), taxonomy_term_id: randomUUID(), taxonomy_term: { id: randomUUID(), name: 'Lunch clubs', description: 'x', taxonomy: 'esdServiceTypes', term_uri: 'http://id.esd.org.uk/service/1024' } }],
  })
  const nul = service('Norbury\u0000Walkers')
  const tooLong = service('N'.repeat(100_000))
  feed.serve([good, esd, nul, tooLong])

  const first = await run()
  t.match(first, { status: 'succeeded', complete: true, fetched: 4, created: 1, quarantined: 3, updated: 0, unchanged: 0, withdrawn: 0, missing: 0 })
  t.equal((await listing(app, good.id as string))?.name, 'Norbury Knit and Natter')
  const quarantine = (await admin.inject({ url: '/api/admin/ingest/quarantine' })).json() as { id: number; external_id: string; reasons: { pointer: string; reason: string }[] }[]
  const reasonsOf = (id: unknown) => quarantine.find((q) => q.external_id === id)!.reasons
  t.match(reasonsOf(esd.id), [{ pointer: '/attributes', reason: /none of its terms maps to an activity type \(esdServiceTypes: Lunch clubs\)/ }])
  t.match(reasonsOf(nul.id), [{ pointer: '/description', reason: /NUL character/ }, { pointer: '/name', reason: /NUL character/ }], 'the name, and the description that repeats it')
  t.match(reasonsOf(tooLong.id), [{ pointer: '/name', reason: /200/ }])

  const stillOut = await admin.inject({ method: 'POST', url: `/api/admin/ingest/quarantine/${quarantine.find((q) => q.external_id === esd.id)!.id}/retry` })
  t.equal(stillOut.statusCode, 422, 'retrying before the mapping exists says why it still cannot go in')
  const mapped = await admin.inject({ method: 'PUT', url: '/api/admin/ingest/term-map', payload: { scheme: 'esdServiceTypes', external: 'http://id.esd.org.uk/service/1024', field: 'activity', value: 'social-groups' } })
  t.equal(mapped.statusCode, 200, mapped.body)
  const wrong = await admin.inject({ method: 'PUT', url: '/api/admin/ingest/term-map', payload: { scheme: 'esdServiceTypes', external: 'x', field: 'activity', value: 'no-such-type' } })
  t.match(wrong.json(), { status: 422, errors: [{ pointer: '/value' }] })
  const retried = await admin.inject({ method: 'POST', url: `/api/admin/ingest/quarantine/${quarantine.find((q) => q.external_id === esd.id)!.id}/retry` })
  t.match(retried.json(), { resolution: 'imported' })
  t.equal((await listing(app, esd.id as string))?.name, 'Norbury Lunch Club')

  const again = await run()
  t.match(again, { fetched: 4, created: 0, unchanged: 2, quarantined: 2 }, 'the retried record is now unchanged; the two bad ones stay out')
  t.equal((await admin.inject({ url: '/api/admin/ingest/quarantine' })).json().length, 2, 'one open entry per bad record, not one per run')
})

t.test('records that disagree about their organisation: the first copy is written, once; unchanged records write nothing and settle their quarantine', async (t) => {
  const { app, admin, feed, run } = await setUp(t)
  const org = (description: string) => ({ ...ORG, description })
  const a = service('Norbury Knit and Natter', { organization: org('Neighbours helping neighbours.') })
  const b = service('Norbury Lunch Club', { organization: org('A different account of the same charity.') })
  const organizationVersions = async () =>
    (await app.db.query<{ description: string; version: number; versions: number }>(
      `SELECT o.description, o.version, (SELECT count(*)::int FROM record_version v WHERE v.record_type = 'organization' AND v.record_id = o.id) AS versions
         FROM organization o JOIN ingest_record r ON r.record_id = o.id AND r.record_type = 'organization' WHERE r.external_id = $1`,
      [ORG.id],
    )).rows
  const serviceVersions = async () => (await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM record_version WHERE record_type = 'service'`)).rows[0]!.n

  feed.serve([a, b])
  t.match(await run(), { status: 'succeeded', fetched: 2, created: 2 })
  t.same(await organizationVersions(), [{ description: 'Neighbours helping neighbours.', version: 1, versions: 1 }], 'the first copy in the feed is the one written')
  t.match(await run(), { fetched: 2, created: 0, updated: 0, unchanged: 2 })
  t.same(await organizationVersions(), [{ description: 'Neighbours helping neighbours.', version: 1, versions: 1 }], 'harvesting again does not rewrite it from the second copy')
  t.equal(await serviceVersions(), 2, 'nor either listing')

  // The first record unchanged (found without a statement of its own), the second changed: the
  // organisation the first one saw in this run is not rewritten from the second's copy.
  feed.serve([a, { ...b, name: 'Norbury Lunch and Chat' }])
  t.match(await run(), { fetched: 2, created: 0, updated: 1, unchanged: 1 })
  t.same(await organizationVersions(), [{ description: 'Neighbours helping neighbours.', version: 1, versions: 1 }])
  t.equal((await listing(app, b.id as string))?.name, 'Norbury Lunch and Chat')
  t.equal(await serviceVersions(), 3)

  // A refused copy of a listing is quarantined; the good copy coming back unchanged settles it.
  feed.serve([{ ...a, name: 'Norbury\u0000Knit' }, { ...b, name: 'Norbury Lunch and Chat' }])
  t.match(await run(), { fetched: 2, unchanged: 1, quarantined: 1 })
  t.same((await admin.inject({ url: '/api/admin/ingest/quarantine' })).json().map((q: { external_id: string }) => q.external_id), [a.id])
  feed.serve([a, { ...b, name: 'Norbury Lunch and Chat' }])
  t.match(await run(), { fetched: 2, unchanged: 2, quarantined: 0 })
  t.same((await admin.inject({ url: '/api/admin/ingest/quarantine' })).json(), [], 'its entry is settled')
  const { rows } = await app.db.query<{ resolution: string }>('SELECT resolution FROM ingest_quarantine')
  t.same(rows, [{ resolution: 'superseded' }])
  t.equal(await serviceVersions(), 3, 'and nothing was written')
})

t.test('a page is written at once; a listing refused only as it is written sends its page record by record, and only that one is quarantined', async (t) => {
  const { app, admin, feed, run } = await setUp(t)
  const square = (lon: number, lat: number) => JSON.stringify({ type: 'Polygon', coordinates: [[[lon, lat], [lon + 0.02, lat], [lon + 0.02, lat + 0.02], [lon, lat + 0.02], [lon, lat]]] })
  // An online group whose drawn area PostGIS finds outside England: only writing it can tell.
  const online = (extent: string) =>
    service('Elsewhere Online Choir', {
      id: CHOIR,
      organization: { id: ELSEWHERE, name: 'Elsewhere Friends', description: 'Singing together online.', organization_identifiers: [] },
      service_at_locations: [{ id: randomUUID(), location: { id: randomUUID(), location_type: 'virtual', name: 'Online' } }],
      schedules: [{ id: randomUUID(), freq: 'WEEKLY', interval: 1, byday: 'WE', opens_at: '18:00', closes_at: '19:00' }],
      service_areas: [{ id: randomUUID(), name: 'Around the choir', extent, extent_type: 'geojson' }],
    })
  const ELSEWHERE = randomUUID()
  const CHOIR = randomUUID()
  const knit = service('Norbury Knit and Natter', { cost_options: [{ id: randomUUID(), option: 'Each session', amount: 2, currency: 'GBP' }] })
  const lunch = service('Norbury Lunch Club')
  const document = async (externalId: string) => {
    const id = (await listing(app, externalId))!.id
    return (await admin.inject({ url: `/api/manage/services/${id}` })).json() as { version: number; document: { locations: { id?: string }[] } & Json }
  }
  const withoutIds = (d: { locations: { id?: string }[] }) => ({ ...d, locations: d.locations.map(({ id: _, ...l }) => l) })
  const history = async (externalId: string) =>
    (await app.db.query<{ version: number; action: string; changes: string[]; snapshot: { locations: { id?: string }[] } }>(
      `SELECT v.version, v.action, ARRAY(SELECT jsonb_object_keys(v.changes) ORDER BY 1) AS changes, v.snapshot
         FROM record_version v JOIN ingest_record r ON r.record_id = v.record_id AND r.record_type = 'service' WHERE r.external_id = $1 ORDER BY v.id`,
      [externalId],
    )).rows

  feed.serve([knit, lunch])
  t.match(await run(), { status: 'succeeded', fetched: 2, created: 2, quarantined: 0 })
  const knitFirst = await document(knit.id as string)
  t.match(knitFirst.document, { name: 'Norbury Knit and Natter', cost_options: [{ option: 'Each session', amount: 2 }], schedules: [{ kind: 'weekly', byday: ['TU'], opens_at: '10:00', location_index: 0 }] })
  const given = Object.entries(knitFirst.document).flatMap(([k, v]) => (v === null ? [] : [k])).sort()
  t.same(await history(knit.id as string), [{ version: 1, action: 'create', changes: given, snapshot: knitFirst.document }], 'its first version holds the document as stored')

  // Changed, unchanged, new (a copy of the first listing as it was) and refused, on one page.
  const knitCopy = { ...knit, id: randomUUID() }
  feed.serve([{ ...knit, name: 'Norbury Knit, Natter and Tea' }, lunch, knitCopy, online(square(2.3, 48.8))])
  t.match(await run(), { status: 'succeeded', fetched: 4, created: 1, updated: 1, unchanged: 1, quarantined: 1 })
  const quarantine = (await admin.inject({ url: '/api/admin/ingest/quarantine' })).json() as { external_id: string; reasons: unknown }[]
  t.match(quarantine, [{ reasons: [{ pointer: '/service_areas/0/geojson', reason: 'lies outside England' }] }])
  t.equal(quarantine.length, 1)
  const { rows: elsewhere } = await app.db.query(`SELECT 1 FROM organization WHERE name = 'Elsewhere Friends'`)
  t.equal(elsewhere.length, 0, 'the refused record’s organisation is not kept either')
  const knitNow = await document(knit.id as string)
  t.match(knitNow, { version: 2, document: { name: 'Norbury Knit, Natter and Tea' } })
  t.equal(knitNow.document.locations[0]!.id, knitFirst.document.locations[0]!.id, 'the changed listing keeps its venue')
  t.match(await history(knit.id as string), [{ version: 1 }, { version: 2, action: 'update', changes: ['name'], snapshot: knitNow.document }])
  t.same(withoutIds((await document(knitCopy.id as string)).document), withoutIds(knitFirst.document), 'written record by record, the copy is stored as the first was written at once')

  // The area drawn in Croydon instead: the page is written at once again.
  feed.serve([{ ...knit, name: 'Norbury Knit, Natter and Tea' }, lunch, knitCopy, online(square(-0.13, 51.4))])
  t.match(await run(), { status: 'succeeded', fetched: 4, created: 1, unchanged: 3, quarantined: 0 })
  t.same((await admin.inject({ url: '/api/admin/ingest/quarantine' })).json(), [], 'its quarantine entry is settled')
  t.equal(quarantine[0]!.external_id, CHOIR)
  const choir = await document(CHOIR)
  t.match(choir.document, { name: 'Elsewhere Online Choir', delivery_modes: ['online_video'], service_areas: [{ kind: 'geometry', name: 'Around the choir' }], locations: [] })
  t.match(await history(CHOIR), [{ version: 1, action: 'create', snapshot: choir.document }])
})

t.test('an online listing with no area takes the local authority of its organisation’s venues written before it, as one at a time', async (t) => {
  const { app, admin, feed, run } = await setUp(t)
  const org = (name: string) => ({ id: randomUUID(), name, description: `${name} in Norbury.`, organization_identifiers: [] })
  const online = (name: string, organization: Json) =>
    service(name, {
      organization,
      service_at_locations: [{ id: randomUUID(), location: { id: randomUUID(), location_type: 'virtual', name: 'Online' } }],
      schedules: [{ id: randomUUID(), freq: 'WEEKLY', interval: 1, byday: 'TH', opens_at: '19:00', closes_at: '20:00' }],
    })
  const areas = async (externalId: string) => {
    const id = (await listing(app, externalId))?.id
    return id && (await admin.inject({ url: `/api/manage/services/${id}` })).json().document.service_areas
  }
  // The venue first, then the online group: the group is available where the venue is.
  const neighbours = org('Norbury Neighbours Online')
  const [hall, quiz] = [service('Norbury Hall Quiz', { organization: neighbours }), online('Norbury Online Quiz', neighbours)]
  feed.serve([hall, quiz])
  t.match(await run(), { status: 'succeeded', fetched: 2, created: 2, quarantined: 0 })
  t.same(await areas(quiz.id as string), [{ kind: 'local_authority', code: 'E09000008' }], 'Croydon, where the venue written before it is')
  // The online group first: nothing yet says where it is available, so it is refused, as it
  // would be written one at a time, though its organisation's venue follows on the same page.
  const friends = org('Norbury Friends Online')
  const [chat, cafe] = [online('Norbury Online Chat', friends), service('Norbury Chat Cafe', { organization: friends })]
  feed.serve([hall, quiz, chat, cafe])
  t.match(await run(), { status: 'succeeded', fetched: 4, created: 1, unchanged: 2, quarantined: 1 })
  t.match((await admin.inject({ url: '/api/admin/ingest/quarantine' })).json(), [{ external_id: chat.id, reasons: [{ pointer: '/service_areas' }] }])
  t.equal(await areas(chat.id as string), undefined)
})

t.test('an organisation with the charity number of one we hold is that one; a new one is added once, however many listings on the page name it', async (t) => {
  const { app, admin, feed, run } = await setUp(t)
  const held = await admin.inject({ method: 'POST', url: '/api/admin/organizations', payload: { organization: { name: 'Croydon Card Players', charity_number: '1234567', local_authority: 'E09000008' } } })
  t.equal(held.statusCode, 201, held.body)
  const org = (name: string, charity?: string) => {
    const id = randomUUID()
    const identifiers = charity ? [{ id: randomUUID(), organization_id: id, identifier_type: 'Charity number', identifier_scheme: 'GB-CHC', identifier: charity }] : []
    return { id, name, description: `${name} in Norbury.`, organization_identifiers: identifiers }
  }
  const players = org('Card Players of Croydon', '123 4567')
  const friends = org('Norbury Friends')
  const [trust, trustAgain] = [org('Norbury Trust', '7654321'), org('The Norbury Trust', '7654321')]
  const listings = [
    service('Bridge Club', { organization: players }),
    service('Friendly Walk', { organization: friends }),
    service('Friendly Lunch', { organization: friends }),
    service('Trust Coffee Morning', { organization: trust }),
    service('Trust Book Swap', { organization: trustAgain }),
  ]
  feed.serve(listings)
  t.match(await run(), { status: 'succeeded', fetched: 5, created: 5 })
  const owners = async () =>
    (await app.db.query<{ name: string; services: string; versions: number }>(
      `SELECT o.name, string_agg(s.name, ', ' ORDER BY s.name) AS services,
              (SELECT count(*)::int FROM record_version v WHERE v.record_type = 'organization' AND v.record_id = o.id) AS versions
         FROM organization o JOIN service s ON s.organization_id = o.id GROUP BY o.id ORDER BY o.name`,
    )).rows
  const expected = [
    { name: 'Croydon Card Players', services: 'Bridge Club', versions: 1 },
    { name: 'Norbury Friends', services: 'Friendly Lunch, Friendly Walk', versions: 1 },
    { name: 'Norbury Trust', services: 'Trust Book Swap, Trust Coffee Morning', versions: 1 },
  ]
  t.same(await owners(), expected, 'the number matches the one we hold (left as it is), and the first with a new number')
  t.match(await run(), { fetched: 5, unchanged: 5, created: 0 })
  t.same(await owners(), expected, 'harvesting again changes nothing')
})

t.test('listings missing from a complete harvest are withdrawn, kept; above 20% at once they wait for an admin', async (t) => {
  const { app, admin, feed, run } = await setUp(t)
  const five = ['A', 'B', 'C', 'D', 'E'].map((l) => service(`Norbury group ${l}`))
  feed.serve(five)
  t.match(await run(), { created: 5 })

  feed.serve(five.slice(0, 4))
  t.match(await run(), { status: 'succeeded', fetched: 4, unchanged: 4, missing: 1, held_withdrawals: 0 })
  t.match(await listing(app, five[4]!.id as string), { status: 'inactive' }, 'withdrawn, not deleted')
  const versions = (await app.db.query<{ action: string; source: string }>(
    `SELECT v.action, src.name AS source FROM record_version v JOIN ingest_run r ON r.id = v.ingest_run_id JOIN ingest_source src ON src.id = r.source_id
      WHERE v.record_id = $1 ORDER BY v.id`, [(await listing(app, five[4]!.id as string))!.id])).rows
  t.same(versions, [{ action: 'create', source: 'Norbury feed' }, { action: 'withdraw', source: 'Norbury feed' }], 'each change in the history, marked with its source')

  feed.serve(five.slice(0, 2))
  const held = await run()
  t.match(held, { status: 'held', fetched: 2, missing: 0, held_withdrawals: 2 }, '2 of 4 active listings missing: held')
  t.match(await listing(app, five[2]!.id as string), { status: 'active' })
  const confirmed = await admin.inject({ method: 'POST', url: `/api/admin/ingest/runs/${held.id}/withdrawals` })
  t.match(confirmed.json(), { status: 'succeeded', missing: 2, held_withdrawals: 0 })
  t.match(await listing(app, five[2]!.id as string), { status: 'inactive' })
  t.match(await listing(app, five[3]!.id as string), { status: 'inactive' })

  feed.serve(five)
  t.match(await run(), { fetched: 5, updated: 3, unchanged: 2 }, 'back in the feed: active again')
  t.match(await listing(app, five[4]!.id as string), { status: 'active' })
})

t.test('a listing a feed manages is read-only to its editors until an admin hands it over; then the feed leaves it alone', async (t) => {
  const { app, admin, feed, run } = await setUp(t)
  const record = service('Norbury Chess Club')
  feed.serve([record])
  await run()
  const mine = (await listing(app, record.id as string))!
  const { rows } = await app.db.query<{ organization_id: string }>('SELECT organization_id FROM service WHERE id = $1', [mine.id])
  const editor: Session = await invited(app, admin, { email: 'editor@norbury.example.org', role: 'editor', organization_id: rows[0]!.organization_id })
  const read = (await editor.inject({ url: `/api/manage/services/${mine.id}` })).json()
  const edit = () => editor.inject({ method: 'PUT', url: `/api/manage/services/${mine.id}`, headers: { 'if-match': `"${read.version}"` }, payload: { ...read.document, name: 'Norbury Chess and Draughts' } })
  const refused = await edit()
  t.equal(refused.statusCode, 409)
  t.match(refused.json().detail, /kept up to date from Norbury feed/)

  const handed = await admin.inject({ method: 'POST', url: `/api/admin/services/${mine.id}/hand-over` })
  t.match(handed.json(), { source: 'Norbury feed', version: read.version + 1 })
  const history = (await editor.inject({ url: `/api/manage/services/${mine.id}/versions` })).json()
  t.match(history, [{ action: 'create', source: 'Norbury feed' }, { action: 'hand_over', source: null }])
  const read2 = (await editor.inject({ url: `/api/manage/services/${mine.id}` })).json()
  const saved = await editor.inject({ method: 'PUT', url: `/api/manage/services/${mine.id}`, headers: { 'if-match': `"${read2.version}"` }, payload: { ...read2.document, name: 'Norbury Chess and Draughts' } })
  t.equal(saved.statusCode, 200, saved.body)

  feed.serve([{ ...record, description: 'Changed at the source.' }])
  t.match(await run(), { fetched: 1, unchanged: 1, updated: 0 })
  t.equal((await listing(app, record.id as string))?.name, 'Norbury Chess and Draughts', 'the organisation’s own edit stays')
})

t.test('hostile and failing feeds end the run with a recorded error and change nothing', async (t) => {
  const { app, admin, feed, sourceId, run } = await setUp(t)
  const kept = service('Norbury Book Group')
  feed.serve([kept])
  await run()
  const snapshot = async () => (await app.db.query('SELECT s.id, s.name, s.status, s.version FROM service s ORDER BY s.id')).rows
  const before = await snapshot()

  const cases: [string, (req: http.IncomingMessage, res: http.ServerResponse) => void, RegExp][] = [
    ['503 busy', (_q, r) => r.writeHead(503, { 'retry-after': '3600' }).end(), /answered 503 \(busy: try later\)/],
    ['HTML instead of JSON', (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'), /sent text\/html, not application\/json/],
    ['invalid UTF-8', (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), /not valid UTF-8/],
    ['deep nesting', (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end('['.repeat(100_000) + ']'.repeat(100_000)), /nests deeper than 64 levels/],
    ['100,000 items on one page', feed.json(page(Array.from({ length: 100_000 }, () => ({})))), /100000 items on one page, over the limit of 5000/],
    ['a redirect loop', (q, r) => r.writeHead(302, { location: q.url!.includes('loop') ? '/oruk/services?page=1&per_page=100&full=true' : '/loop' }).end(), /redirect loop/],
    ['a redirect to a private address', (_q, r) => r.writeHead(302, { location: 'http://10.0.0.7/oruk/services' }).end(), /10\.0\.0\.7 is refused: 10\.0\.0\.7 is a private/],
    ['not an ORUK page', feed.json({ hello: 'world' }), /is not an ORUK page/],
  ]
  for (const [name, answer, error] of cases) {
    feed.state.answer = answer
    const failed = await run()
    t.match(failed, { status: 'failed', complete: false, error }, name)
  }
  feed.state.answer = (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page([kept])) + ' '.repeat(20_000))
  const big = await harvest(app.db, sourceId, { now: () => FIXED_NOW, trigger: 'admin', policy: { allowLoopback: true, maxBytes: 10_000 } })
  t.match(big, { status: 'failed', error: /over the limit of 10000/ }, 'a response over the size limit')
  t.same(await snapshot(), before, 'the directory is as it was')
  const runs = (await admin.inject({ url: `/api/admin/ingest/sources/${sourceId}/runs` })).json()
  t.equal(runs.filter((r: { status: string }) => r.status === 'failed').length, cases.length + 1, 'every failure is a recorded run')
})

t.test('a feed on this machine is refused unless loopback is allowed (tests only)', async (t) => {
  const { feed, run } = await setUp(t, { loopback: false })
  feed.serve([service('Norbury Bowls')])
  t.match(await run(), { status: 'failed', fetched: 0, error: /127\.0\.0\.1 is a loopback address/ })
})

t.test('sources: https unless http is allowed, cron schedules checked, names unique', async (t) => {
  const { admin } = await setUp(t)
  const add = (payload: Json) => admin.inject({ method: 'POST', url: '/api/admin/ingest/sources', payload: { name: 'Another', kind: 'oruk', url: 'https://directory.example.org/oruk', ...payload } })
  t.match((await add({ url: 'http://directory.example.org/oruk' })).json(), { status: 400, errors: [{ pointer: '/url' }] })
  t.match((await add({ schedule: 'every day' })).json(), { status: 400, errors: [{ pointer: '/schedule' }] })
  t.match((await add({ name: 'Norbury feed' })).json(), { status: 409 })
  t.match((await add({ schedule: '0 15 3 * * *' })).json(), { name: 'Another', schedule: '0 15 3 * * *', listings: 0, last_run: null })
})
