// Harvesting OpenActive RPDE feeds from a publisher on a local HTTP server: both ordering
// strategies, ties on `modified`, deletions, the true last page, an empty page that is not the
// end, 503 back-off, the weekly resync, 64-bit `modified`, and the published SessionSeries and
// FacilityUse examples mapped to listings. The RPDE validator's rules are ported here
// (checkRpdePage) and every page the publisher serves must pass them.
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { harvest, RPDE_BACKOFF_MINUTES } from '../../src/ingest/harvest.ts'
import { adminSession, type Session } from '../accounts.ts'
import { buildTestApp, FIXED_NOW } from '../helper.ts'
import { feedServer } from './feed-server.ts'
import sessionSeriesPage from './fixtures/openactive/sessionseries_example_1.json' with { type: 'json' }
import facilityUsePage from './fixtures/openactive/facilityuse_example_1.json' with { type: 'json' }

type Json = Record<string, unknown>
type Strategy = 'timestamp' | 'change'
interface Item {
  state: 'updated' | 'deleted'
  kind: string
  id: string
  modified: number | string
  data?: unknown
}
interface Page {
  items: Item[]
  next: string
}

const big = (v: number | string) => BigInt(v)
/** RPDE's order: by modified, then id (timestamp feeds); by modified alone (change numbers). */
const after = (a: Item, b: { modified: number | string; id?: string }, strategy: Strategy) =>
  big(a.modified) > big(b.modified) || (strategy === 'timestamp' && big(a.modified) === big(b.modified) && a.id > (b.id ?? ''))

/** The position a feed URL asks for, if any. */
function position(url: string, strategy: Strategy): { modified: string; id?: string } | undefined {
  const q = new URL(url).searchParams
  if (strategy === 'change') return q.has('afterChangeNumber') ? { modified: q.get('afterChangeNumber')! } : undefined
  return q.has('afterTimestamp') ? { modified: q.get('afterTimestamp')!, id: q.get('afterId') ?? '' } : undefined
}

/**
 * The RPDE validator's rules for one page served at `url`: each item complete (a deleted one
 * without data), integer `modified`, items in the strategy's order and all after the position
 * asked for, ids unique, `next` carrying the last item's position, and an empty page's `next`
 * its own URL. Returns what breaks them, in words.
 */
export function checkRpdePage(page: unknown, url: string, strategy: Strategy): string[] {
  const problems: string[] = []
  const p = page as Partial<Page> | null
  if (!p || !Array.isArray(p.items) || typeof p.next !== 'string') return ['a page needs items (a list) and next (a URL)']
  for (const [i, item] of p.items.entries()) {
    if (item.state !== 'updated' && item.state !== 'deleted') problems.push(`items[${i}]: state must be updated or deleted`)
    if (typeof item.kind !== 'string' || item.kind === '') problems.push(`items[${i}]: kind is missing`)
    if (typeof item.id !== 'string' && !Number.isSafeInteger(item.id)) problems.push(`items[${i}]: id must be a string or an integer`)
    if (!(Number.isSafeInteger(item.modified) || (typeof item.modified === 'string' && /^-?\d+$/.test(item.modified)))) problems.push(`items[${i}]: modified must be an integer`)
    if (item.state === 'deleted' && item.data !== undefined) problems.push(`items[${i}]: a deleted item must not carry data`)
    if (item.state === 'updated' && (item.data === null || typeof item.data !== 'object')) problems.push(`items[${i}]: an updated item needs its data`)
  }
  if (problems.length > 0) return problems
  const ids = p.items.map((i) => String(i.id))
  if (new Set(ids).size !== ids.length) problems.push('an id appears twice on one page')
  for (let i = 1; i < p.items.length; i++) if (!after(p.items[i]!, p.items[i - 1]!, strategy)) problems.push(`items[${i}] is not after items[${i - 1}] (ordered by ${strategy === 'timestamp' ? 'modified, then id' : 'modified'})`)
  const from = position(url, strategy)
  if (from && p.items[0] && !after(p.items[0], from, strategy)) problems.push('the first item is not after the position the URL asks for')
  const next = new URL(p.next, url).href
  const last = p.items.at(-1)
  if (!last) {
    if (next !== new URL(url).href) problems.push('an empty page’s next must be its own URL')
  } else {
    const to = position(next, strategy)
    if (!to || to.modified !== String(last.modified) || (strategy === 'timestamp' && to.id !== String(last.id))) problems.push(`next must carry the last item’s position (${last.modified}${strategy === 'timestamp' ? `, ${last.id}` : ''})`)
  }
  return problems
}

/** An RPDE publisher: items change, and each change moves the item to the feed's end. */
class Publisher {
  private items = new Map<string, Item>()
  private clock = 1_700_000_000
  /** Problems checkRpdePage found in any page served. */
  problems: string[] = []
  constructor(
    readonly base: string,
    readonly strategy: Strategy = 'timestamp',
    readonly size = 2,
  ) {}
  get start() {
    return `${this.base}/feed`
  }
  /** Adds or changes an item; `modified` may be given (ties, 64-bit values). */
  update(id: string, data: unknown, modified: number | string = ++this.clock, kind = 'SessionSeries') {
    this.items.set(id, { state: 'updated', kind, id, modified, data })
  }
  delete(id: string) {
    const was = this.items.get(id)!
    this.items.set(id, { state: 'deleted', kind: was.kind, id, modified: ++this.clock })
  }
  /** Deleted items are kept at least seven days, then purged. */
  purge(id: string) {
    this.items.delete(id)
  }
  page(url: string): Page {
    const from = position(url, this.strategy)
    const items = [...this.items.values()]
      .sort((a, b) => (after(a, b, this.strategy) ? 1 : -1))
      .filter((i) => !from || after(i, from, this.strategy))
      .slice(0, this.size)
    const last = items.at(-1)
    const next = !last
      ? url
      : this.strategy === 'timestamp'
        ? `${this.start}?afterTimestamp=${last.modified}&afterId=${encodeURIComponent(last.id)}`
        : `${this.start}?afterChangeNumber=${last.modified}`
    const page = { items, next }
    this.problems.push(...checkRpdePage(page, url, this.strategy))
    return page
  }
}

/** A session series in Norbury with a given name, as OpenActive publishes one. */
function session(name: string, extra: Json = {}): Json {
  return {
    '@context': 'https://openactive.io/',
    '@type': 'SessionSeries',
    name,
    description: `${name}, every Tuesday morning.`,
    activity: [{ '@type': 'Concept', '@id': 'https://openactive.io/activity-list#c16df6ed-a4a0-4275-a8c3-1c8cff56856f', prefLabel: 'Walking', inScheme: 'https://openactive.io/activity-list' }],
    organizer: { '@type': 'Organization', '@id': 'https://id.example.org/organizers/norbury-active', name: 'Norbury Active' },
    location: {
      '@type': 'Place',
      name: 'Norbury Park',
      address: { '@type': 'PostalAddress', streetAddress: '1 Craignish Avenue', addressLocality: 'Norbury', postalCode: 'SW16 4RW', addressCountry: 'GB' },
      geo: { '@type': 'GeoCoordinates', latitude: 51.4105, longitude: -0.1202 },
    },
    eventSchedule: [{ '@type': 'PartialSchedule', repeatFrequency: 'P1W', byDay: ['https://schema.org/Tuesday'], startTime: '10:00', endTime: '11:00', scheduleTimezone: 'Europe/London' }],
    ...extra,
  }
}

async function setUp(t: Test, strategy: Strategy = 'timestamp') {
  const app = await buildTestApp(t, { demo: 'empty', deps: { ingestAllowLoopback: true } })
  const admin = await adminSession(app)
  const feed = await feedServer(t)
  const publisher = new Publisher(feed.base, strategy)
  const answers: ((url: string) => Page | number | undefined)[] = []
  feed.state.answer = (req, res) => {
    const url = `${feed.base}${req.url}`
    const special = answers.shift()?.(url)
    if (typeof special === 'number') return void res.writeHead(special, { 'retry-after': '7200' }).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(special ?? publisher.page(url)))
  }
  const res = await admin.inject({ method: 'POST', url: '/api/admin/ingest/sources', payload: { name: 'Norbury Active sessions', kind: 'openactive', url: publisher.start, allow_http: true } })
  t.equal(res.statusCode, 201, res.body)
  const sourceId = res.json().id as string
  const map = (scheme: string, external: string, field: string, value: string) =>
    admin.inject({ method: 'PUT', url: '/api/admin/ingest/term-map', payload: { scheme, external, field, value } }).then((r) => t.equal(r.statusCode, 200, r.body))
  await map('https://openactive.io/activity-list', 'https://openactive.io/activity-list#c16df6ed-a4a0-4275-a8c3-1c8cff56856f', 'activity', 'exercise-and-sport')
  const run = (now = FIXED_NOW) => harvest(app.db, sourceId, { now: () => now, trigger: 'admin', policy: { allowLoopback: true } })
  const requests = () => feed.state.requests.splice(0)
  const source = async () => (await admin.inject({ url: '/api/admin/ingest/sources' })).json()[0]
  return { app, admin, publisher, answers, sourceId, run, requests, source, map }
}

/** The listing an item became: its status, and its document as an editor sees it. */
async function listing(app: FastifyInstance, admin: Session, externalId: string) {
  const { rows } = await app.db.query<{ id: string; status: string }>(
    `SELECT s.id, s.status FROM ingest_record r JOIN service s ON s.id = r.record_id WHERE r.record_type = 'service' AND r.external_id = $1`,
    [externalId],
  )
  if (!rows[0]) return undefined
  return { status: rows[0].status, document: (await admin.inject({ url: `/api/manage/services/${rows[0].id}` })).json().document }
}

t.test('the ported validator rules pass the published example and catch pages that break them', async (t) => {
  t.same(checkRpdePage(sessionSeriesPage, 'https://www.example.com/api/rpde/sessions?afterTimestamp=1521565000&afterId=A', 'timestamp'), [])
  t.same(
    checkRpdePage(facilityUsePage, 'http://www.example.org/feeds/facility-uses?afterChangeNumber=44234000', 'change'),
    ['next must carry the last item’s position (44234351)'],
    'the published FacilityUse example’s next (44254329) is not its item’s change number',
  )
  const item = (id: string, modified: number, extra: Json = {}) => ({ state: 'updated', kind: 'SessionSeries', id, modified, data: {}, ...extra })
  const at = 'https://feed.example.org/feed?afterTimestamp=5&afterId=a'
  t.same(checkRpdePage({ items: [item('b', 7), item('a', 7)], next: 'https://feed.example.org/feed?afterTimestamp=7&afterId=a' }, at, 'timestamp'), ['items[1] is not after items[0] (ordered by modified, then id)'])
  t.same(checkRpdePage({ items: [item('a', 5)], next: 'https://feed.example.org/feed?afterTimestamp=5&afterId=a' }, at, 'timestamp'), ['the first item is not after the position the URL asks for'])
  t.same(checkRpdePage({ items: [], next: 'https://feed.example.org/feed?afterTimestamp=6&afterId=a' }, at, 'timestamp'), ['an empty page’s next must be its own URL'])
  t.same(checkRpdePage({ items: [item('a', 6, { state: 'deleted' })], next: 'x' }, at, 'timestamp'), ['items[0]: a deleted item must not carry data'])
  t.same(checkRpdePage({ items: [item('a', 6.5)], next: 'x' }, at, 'timestamp'), ['items[0]: modified must be an integer'])
  t.same(checkRpdePage({ items: [item('a', 6), item('b', 6)], next: 'https://feed.example.org/feed?afterChangeNumber=6' }, at.replace(/afterTimestamp.*/, 'afterChangeNumber=5'), 'change'), ['items[1] is not after items[0] (ordered by modified)'])
})

t.test('a timestamp feed: every item through ties on modified, updates and deletions from the saved position, and the true last page', async (t) => {
  const { app, admin, publisher, run, requests, source } = await setUp(t)
  // Three items share a modified value and straddle a page boundary (pages of two).
  for (const name of ['A', 'B', 'C']) publisher.update(`walk-${name}`, session(`Norbury Walk ${name}`), 1_600_000_000)
  publisher.update('walk-D', session('Norbury Walk D'))
  const first = await run()
  t.match(first, { status: 'succeeded', complete: true, pages: 3, fetched: 4, created: 4, updated: 0, quarantined: 0 })
  t.same(requests(), ['/feed', '/feed?afterTimestamp=1600000000&afterId=walk-B', '/feed?afterTimestamp=1700000001&afterId=walk-D'], 'the tie is followed by id; the last page is empty and points at itself')
  t.match(await source(), { feed_next_url: `${publisher.start}?afterTimestamp=1700000001&afterId=walk-D`, feed_synced_at: FIXED_NOW.toISOString() })
  t.match(await listing(app, admin, 'walk-A'), {
    status: 'active',
    document: { name: 'Norbury Walk A', taxonomy_terms: ['exercise-and-sport'], delivery_modes: ['venue'], schedules: [{ kind: 'weekly', byday: ['TU'], opens_at: '10:00', closes_at: '11:00' }], locations: [{ name: 'Norbury Park', address: { postal_code: 'SW16 4RW' } }] },
  })

  t.match(await run(), { status: 'succeeded', complete: false, pages: 1, fetched: 0 }, 'nothing new: one request for the last page, which is still the end')
  t.same(requests(), ['/feed?afterTimestamp=1700000001&afterId=walk-D'])

  publisher.update('walk-B', session('Norbury Walk B (now with tea)'))
  publisher.delete('walk-C')
  publisher.update('walk-E', session('Norbury Walk E'))
  const second = await run()
  t.match(second, { status: 'succeeded', complete: false, fetched: 3, created: 1, updated: 1, withdrawn: 1, unchanged: 0 })
  t.equal(requests()[0], '/feed?afterTimestamp=1700000001&afterId=walk-D', 'from where the last run stopped, not the start')
  t.match(await listing(app, admin, 'walk-B'), { status: 'active', document: { name: 'Norbury Walk B (now with tea)' } })
  t.match(await listing(app, admin, 'walk-C'), { status: 'inactive', document: { name: 'Norbury Walk C' } }, 'a deleted item withdraws its listing, which is kept')
  t.match(await listing(app, admin, 'walk-E'), { status: 'active' })
  const history = (await app.db.query<{ action: string; source: string; run: string }>(
    `SELECT v.action, src.name AS source, v.ingest_run_id::text AS run FROM record_version v JOIN ingest_run r ON r.id = v.ingest_run_id JOIN ingest_source src ON src.id = r.source_id
      JOIN ingest_record ir ON ir.record_id = v.record_id WHERE ir.external_id = 'walk-C' ORDER BY v.id`,
  )).rows
  t.same(history, [{ action: 'create', source: 'Norbury Active sessions', run: String(first.id) }, { action: 'withdraw', source: 'Norbury Active sessions', run: String(second.id) }])
  t.same(publisher.problems, [], 'every page served kept the RPDE rules')
})

t.test('an empty page that points elsewhere is not the end', async (t) => {
  const { publisher, answers, run, requests } = await setUp(t)
  publisher.update('walk-A', session('Norbury Walk A'))
  // A feed may filter a page's items away and still have more after it.
  answers.push((url) => ({ items: [], next: `${url}?afterTimestamp=1&afterId=0` }))
  t.match(await run(), { status: 'succeeded', fetched: 1, created: 1, pages: 3 })
  t.same(requests(), ['/feed', '/feed?afterTimestamp=1&afterId=0', '/feed?afterTimestamp=1700000001&afterId=walk-A'])
})

t.test('503 on a page: the run fails, backs off for 60 to 120 minutes, and keeps the pages before it', async (t) => {
  const { app, admin, publisher, answers, run, requests, source } = await setUp(t)
  for (const n of [1, 2, 3]) publisher.update(`walk-${n}`, session(`Norbury Walk ${n}`))
  answers.push(() => undefined, () => 503)
  const failed = await run()
  t.match(failed, { status: 'failed', pages: 1, fetched: 2, created: 2, error: /answered 503.*backing off until 2026-11-01T12:00:00.000Z/ })
  const after503 = await source()
  t.equal(after503.feed_retry_after, new Date(FIXED_NOW.getTime() + RPDE_BACKOFF_MINUTES.max * 60_000).toISOString(), 'the feed’s Retry-After of two hours, within the spec’s 60 to 120 minutes')
  t.equal(after503.feed_next_url, `${publisher.start}?afterTimestamp=1700000002&afterId=walk-2`, 'the position of the last page written')
  t.equal(await listing(app, admin, 'walk-3'), undefined)
  requests()
  t.match(await run(), { status: 'succeeded', fetched: 1, created: 1 })
  t.same(requests(), ['/feed?afterTimestamp=1700000002&afterId=walk-2', '/feed?afterTimestamp=1700000003&afterId=walk-3'], 'resumed at the page that failed')
  t.equal((await source()).feed_retry_after, null, 'a page read clears the back-off')
})

t.test('a feed not caught up for over a week is read again from its start; listings it no longer holds are withdrawn', async (t) => {
  const { app, admin, publisher, run, requests } = await setUp(t)
  for (const n of [1, 2, 3, 4, 5]) publisher.update(`walk-${n}`, session(`Norbury Walk ${n}`))
  await run()
  // walk-5 is deleted and its deletion purged from the feed while we were not reading it.
  publisher.delete('walk-5')
  publisher.purge('walk-5')
  requests()
  const sixDays = new Date(FIXED_NOW.getTime() + 6 * 86_400_000)
  t.match(await run(sixDays), { complete: false, fetched: 0 }, 'within the week: from the saved position')
  t.equal(requests()[0], '/feed?afterTimestamp=1700000005&afterId=walk-5')
  const fourteenDays = new Date(FIXED_NOW.getTime() + 14 * 86_400_000)
  t.match(await run(fourteenDays), { status: 'succeeded', complete: true, fetched: 4, unchanged: 4, missing: 1 }, 'eight days after it last caught up: from the start, complete')
  t.equal(requests()[0], '/feed')
  t.match(await listing(app, admin, 'walk-5'), { status: 'inactive' }, 'the item whose deletion we never saw is withdrawn as missing')
})

t.test('modified is a 64-bit integer: beyond 2^53 as digits, an older copy is not applied over a newer one', async (t) => {
  const { app, admin, publisher, answers, run } = await setUp(t)
  publisher.update('walk-big', session('Norbury Walk (newer)'), '9007199254740993')
  t.match(await run(), { created: 1 })
  // A replayed older copy, one below: as a double both are 9007199254740992.
  // Served at the saved position, pointing back at it (the next request finds the end).
  const replay = (item: Item) => (url: string) => ({ items: [item], next: url })
  answers.push(replay({ state: 'updated', kind: 'SessionSeries', id: 'walk-big', modified: '9007199254740992', data: session('Norbury Walk (older)') }))
  t.match(await run(FIXED_NOW), { fetched: 1, unchanged: 1, updated: 0 })
  t.match(await listing(app, admin, 'walk-big'), { document: { name: 'Norbury Walk (newer)' } })
  const { rows } = await app.db.query<{ modified: string }>(`SELECT modified FROM ingest_record WHERE external_id = 'walk-big'`)
  t.equal(rows[0]!.modified, '9007199254740993', 'kept to the last digit')
  answers.push(replay({ state: 'updated', kind: 'SessionSeries', id: 'walk-lossy', modified: 2 ** 60, data: session('Norbury Walk (lossy)') }))
  t.match(await run(FIXED_NOW), { fetched: 1, quarantined: 1 }, 'a JSON number beyond 2^53 has lost digits: refused with the reason')
  const q = (await admin.inject({ url: '/api/admin/ingest/quarantine' })).json()
  t.match(q, [{ external_id: 'walk-lossy', reasons: [{ pointer: '/modified', reason: /64-bit; as a string of digits beyond 2\^53/ }] }])
})

t.test('a page is written at once; an item refused only as it is written, or named twice, sends its page item by item', async (t) => {
  const { app, admin, publisher, answers, run } = await setUp(t)
  publisher.update('walk-1', session('Norbury Walk 1'))
  // No organizer, and the source gives none to listings that arrive without one: only writing it can tell.
  publisher.update('walk-orphan', session('Norbury Walk nobody runs', { organizer: undefined }))
  publisher.update('walk-2', session('Norbury Walk 2'))
  t.match(await run(), { status: 'succeeded', fetched: 3, created: 2, quarantined: 1 })
  t.match((await admin.inject({ url: '/api/admin/ingest/quarantine' })).json(), [{ external_id: 'walk-orphan', reasons: [{ pointer: '/organization', reason: /names no organisation/ }] }])
  t.match(await listing(app, admin, 'walk-1'), { status: 'active', document: { name: 'Norbury Walk 1' } })
  t.match(await listing(app, admin, 'walk-2'), { status: 'active', document: { name: 'Norbury Walk 2' } })

  // A page naming an item twice: each copy applied in the feed's order, so the later one stays.
  const copy = (modified: string, name: string): Item => ({ state: 'updated', kind: 'SessionSeries', id: 'walk-1', modified, data: session(name) })
  answers.push((url) => ({ items: [copy('1800000000', 'Norbury Walk 1 (first copy)'), copy('1800000001', 'Norbury Walk 1 (second copy)')], next: url }))
  t.match(await run(), { status: 'succeeded', fetched: 2, updated: 2 })
  t.match(await listing(app, admin, 'walk-1'), { document: { name: 'Norbury Walk 1 (second copy)' } })
  const { rows } = await app.db.query<{ modified: string; versions: number }>(
    `SELECT r.modified, (SELECT count(*)::int FROM record_version v WHERE v.record_id = r.record_id) AS versions FROM ingest_record r WHERE r.external_id = 'walk-1'`,
  )
  t.same(rows, [{ modified: '1800000001', versions: 3 }])
})

t.test('a description cut to 5,000 characters is never cut inside a character', async (t) => {
  const { app, admin, publisher, run } = await setUp(t)
  // An emoji is two UTF-16 units: cut between them, half of one could not be stored.
  publisher.update('walk-long', session('Norbury Long Walk', { description: `${'a'.repeat(4999)}\u{1F642} and on` }))
  t.match(await run(), { status: 'succeeded', fetched: 1, created: 1, quarantined: 0 })
  t.equal((await listing(app, admin, 'walk-long'))?.document.description, 'a'.repeat(4999))
})

t.test('the published SessionSeries example: quarantined until its activity is mapped, then every typed field', async (t) => {
  const { app, admin, publisher, run, map } = await setUp(t)
  const example = sessionSeriesPage.items[0]!
  // The example's dates are 2018; moved on, its weekly schedule runs through next year.
  // It also says it welcomes wheelchair users; its visual-impairment support maps to nothing we
  // hold, so it is left out rather than guessed.
  const data = {
    ...example.data,
    eventSchedule: [{ ...example.data.eventSchedule[0], startDate: '2026-10-06', endDate: '2027-06-29' }],
    accessibilitySupport: [...example.data.accessibilitySupport, { '@type': 'Concept', prefLabel: 'Wheelchair user', inScheme: 'https://openactive.io/accessibility-support' }],
  }
  publisher.update(example.id, data, example.modified, example.kind)
  t.match(await run(), { fetched: 1, quarantined: 1 })
  const [entry] = (await admin.inject({ url: '/api/admin/ingest/quarantine' })).json()
  t.match(entry.reasons, [{ pointer: '/data/activity', reason: 'none of its activities maps to an activity type (Bodypump™): add a mapping, then retry' }])

  await map('https://openactive.io/activity-list', 'https://openactive.io/activity-list#5e78bcbe-36db-425a-9064-bf96d09cc351', 'activity', 'exercise-and-sport')
  await map('https://openactive.io/accessibility-support', 'Wheelchair user', 'accessibility', 'step_free')
  const retried = await admin.inject({ method: 'POST', url: `/api/admin/ingest/quarantine/${entry.id}/retry` })
  t.match(retried.json(), { resolution: 'imported' })
  const got = (await listing(app, admin, example.id))!
  const { description, locations, ...rest } = got.document
  t.match(description, /^This is the virtual version of the original barbell class/)
  t.same(rest, {
    name: 'Virtual BODYPUMP',
    url: 'https://profile.everyoneactive.com/booking?Site=0140&Activities=1402CBP20150217&Culture=en-GB',
    status: 'active',
    fees: null,
    delivery_modes: ['venue'],
    group_size: 'large',
    typical_attendance: null,
    minimum_age: 16,
    maximum_age: null,
    gender_restriction: 'none',
    physical_intensity: 'light',
    taxonomy_terms: ['exercise-and-sport'],
    email: null,
    alert: null,
    audiences: [],
    languages: ['en'],
    interpreter_available: false,
    newcomer_support: [],
    self_referral: true,
    referral_capacity: 'open',
    service_areas: [],
    contacts: [],
    cost_options: [
      { option: 'Oxygen - Adult', amount: 3.3, amount_description: null, concessions: null },
      { option: 'Oxygen - Senior', amount: 3.3, amount_description: null, concessions: null },
    ],
    schedules: [{ location_index: 0, kind: 'weekly', byday: ['TU'], week_of_month: null, on_date: null, opens_at: '20:15', closes_at: '20:45', valid_from: '2026-10-06', valid_to: '2027-06-29', description: null }],
  }, 'sessions of 16 are not a small group; Beginner is light exercise; both prices kept')
  t.match(locations, [
    {
      name: 'Middlesbrough Sports Village',
      latitude: 54.543964,
      longitude: -1.20978500000001,
      address: { address_1: 'Alan Peacock Way', address_2: null, city: 'Village East', postal_code: 'TS4 3AE' },
      accessibility: [{ feature: 'parking', details: null }, { feature: 'step_free', details: null }],
    },
  ])
  t.equal(locations.length, 1)
  const { rows } = await app.db.query<{ name: string }>(`SELECT o.name FROM ingest_record r JOIN service s ON s.id = r.record_id JOIN organization o ON o.id = s.organization_id WHERE r.external_id = $1`, [example.id])
  t.equal(rows[0]!.name, 'Everyone Active', 'run by its organizer')
  t.match(await run(), { fetched: 0 }, 'the item was already applied by the retry; the feed has moved past it')
})

t.test('a change-number feed of the published FacilityUse example: opening hours become weekly schedules', async (t) => {
  const { app, admin, publisher, run, map, requests } = await setUp(t, 'change')
  const example = facilityUsePage.items[0]!
  await map('https://openactive.io/facility-types', 'Tennis Court', 'activity', 'exercise-and-sport')
  publisher.update(example.id, example.data, example.modified, example.kind)
  t.match(await run(), { status: 'succeeded', complete: true, fetched: 1, created: 1 })
  t.same(requests(), ['/feed', '/feed?afterChangeNumber=44234351'])
  const got = (await listing(app, admin, example.id))!
  t.match(got.document, {
    name: 'Outdoor Tennis',
    fees: null,
    cost_options: [{ option: '30 minute hire', amount: 10 }],
    locations: [{ name: 'Example Leisure Centre', address: { address_1: '1 High Street', city: 'Bristol', postal_code: 'BS1 4SD' } }],
  })
  t.same(
    got.document.schedules.map((s: { byday: string[]; opens_at: string; closes_at: string }) => `${s.byday.join(',')} ${s.opens_at}-${s.closes_at}`).sort(),
    ['SU 09:00-17:30', 'MO,TU,WE,TH 06:30-21:30', 'FR 06:30-20:30', 'SA 07:15-17:30'].sort(),
  )
  t.same(publisher.problems, [])
})
