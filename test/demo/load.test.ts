import { isDeepStrictEqual } from 'node:util'
import t, { type Test } from 'tap'
import { DEMO_SEED, demoListings, generateDemo, type DemoDirectory } from '../../src/demo/generate.ts'
import { loadDemoIfEmpty } from '../../src/demo/load.ts'
import { readService } from '../../src/manage/store.ts'
import type { ServiceDocument } from '../../src/manage/schemas.ts'
import type { Db } from '../../src/db/db.ts'
import { FIXED_NOW, testDatabase, usingPostgres } from '../helper.ts'

const engine = usingPostgres ? 'PostgreSQL' : 'PGlite'
const demo = generateDemo({ seed: DEMO_SEED, now: FIXED_NOW })
const listings = demoListings(demo)
const docs = listings.map((s) => s.document)
const sum = (f: (d: ServiceDocument) => number) => docs.reduce((n, d) => n + f(d), 0)

const count = async (db: Db, sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n

/**
 * A service document in a form that does not depend on the ids and row order the store
 * chose: no location ids, schedules naming their venue, lists sorted.
 */
function comparable(d: ServiceDocument) {
  const sorted = <T>(items: T[]) => [...items].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
  return {
    ...d,
    taxonomy_terms: [...d.taxonomy_terms].sort(),
    locations: sorted(d.locations.map(({ id: _id, ...l }) => ({ ...l, accessibility: sorted(l.accessibility) }))),
    schedules: sorted(d.schedules.map((s) => ({ ...s, location_index: s.location_index === null ? null : d.locations[s.location_index]!.name }))),
    cost_options: sorted(d.cost_options),
    contacts: sorted(d.contacts.map((c) => ({ ...c, phones: sorted(c.phones) }))),
    service_areas: d.service_areas.map((a) => (a.kind === 'radius' ? { ...a, location_index: d.locations[a.location_index]!.name } : a)),
  }
}

t.test(`demo directory (${engine}): every listing created through the store, once, at its confirmation time`, async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  t.ok(demo.organizations.length >= 80 && listings.length >= 300, `${demo.organizations.length} organisations, ${listings.length} listings`)
  t.equal(await count(db, 'organization'), demo.organizations.length, 'one organisation row per organisation')
  t.equal(await count(db, `organization WHERE moderation = 'approved' AND local_authority = 'E09000008'`), demo.organizations.length, 'all approved, in Croydon')
  t.equal(await count(db, 'service'), listings.length, 'one service row per listing')
  const venues = sum((d) => d.locations.length)
  t.equal(await count(db, 'location'), venues, `one location per listing's venue (${venues})`)
  t.equal(await count(db, 'service_at_location'), venues)
  t.equal(await count(db, 'address'), venues)
  t.equal(await count(db, 'accessibility'), sum((d) => d.locations.reduce((n, l) => n + l.accessibility.length, 0)))
  t.equal(await count(db, 'schedule'), sum((d) => d.schedules.length))
  t.equal(await count(db, 'service_area'), sum((d) => d.service_areas.length))
  t.equal(await count(db, 'cost_option'), sum((d) => d.cost_options.length))
  t.equal(await count(db, 'contact'), sum((d) => d.contacts.length))
  t.equal(await count(db, 'phone'), sum((d) => d.contacts.reduce((n, c) => n + c.phones.length, 0)))
  t.equal(await count(db, 'service_taxonomy_term'), sum((d) => d.taxonomy_terms.length))
  t.equal(await count(db, 'taxonomy_term t WHERE NOT EXISTS (SELECT 1 FROM service_taxonomy_term st WHERE st.taxonomy_term_id = t.id)'), 0, 'every taxonomy term has services')

  const { rows: stored } = await db.query<{ id: string; organization_id: string; version: number; verified_at: Date; created: Date }>(
    `SELECT s.id, s.organization_id, s.version, s.verified_at, v.changed_at AS created
       FROM service s JOIN record_version v ON v.record_type = 'service' AND v.record_id = s.id AND v.action = 'create' AND v.version = 1`,
  )
  const byId = new Map(stored.map((r) => [r.id, r]))
  const wrong = listings.filter((s) => {
    const r = byId.get(s.id)
    return !r || r.organization_id !== s.organization_id || r.version !== 1 || r.verified_at.toISOString() !== s.confirmed_at || r.created.toISOString() !== s.confirmed_at
  })
  t.same(wrong.map((s) => s.document.name), [], 'each listing is version 1 of its organisation, created and confirmed at its confirmed_at')
  t.equal(await count(db, `record_version WHERE record_type = 'organization' AND action = 'create'`), demo.organizations.length, 'each organisation’s creation is in its history')

  t.equal(await loadDemoIfEmpty(db, demo), undefined, 'a directory that holds data is left alone')
  t.equal(await count(db, 'service'), listings.length)
})

t.test(`demo directory (${engine}): each listing reads back as the document it was created from`, async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  const differ: string[] = []
  for (const s of listings) {
    const back = await readService(db, s.id)
    if (!back || !isDeepStrictEqual(comparable(back.document), comparable(s.document))) differ.push(s.document.name)
  }
  t.same(differ, [], `all ${listings.length} listings`)
})

t.test(`demo directory (${engine}): each location's geography is its latitude and longitude`, async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  const listing = listings.find((s) => s.document.locations.length > 0)!
  const venue = listing.document.locations[0]!
  const { rows } = await db.query<{ lat: number; lon: number }>(
    `SELECT ST_Y(l.geom::geometry) AS lat, ST_X(l.geom::geometry) AS lon
       FROM location l JOIN service_at_location sal ON sal.location_id = l.id
      WHERE sal.service_id = $1 AND l.name = $2`,
    [listing.id, venue.name],
  )
  t.same(rows, [{ lat: venue.latitude, lon: venue.longitude }])
  t.equal(await count(db, `location WHERE abs(ST_Y(geom::geometry) - latitude) > 1e-9 OR abs(ST_X(geom::geometry) - longitude) > 1e-9`), 0)
})

t.test(`demo directory (${engine}): a document the API would refuse rolls the whole load back`, async (t) => {
  const { db } = await testDatabase(t, { demo: 'empty' })
  // A few organisations, so the refusal comes after rows were written.
  const small = (): DemoDirectory => structuredClone({ organizations: demo.organizations.slice(0, 3) })
  const lastListing = (d: DemoDirectory) => d.organizations.at(-1)!.services.at(-1)!
  const empty = async (t: Test) => {
    for (const table of ['organization', 'service', 'location', 'schedule', 'record_version']) t.equal(await count(db, table), 0, `${table} is empty again`)
  }

  const badField = small()
  lastListing(badField).document.group_size = 'enormous' as never
  await t.rejects(loadDemoIfEmpty(db, badField), { name: 'DemoRefused', message: new RegExp(`^The demo listing ${lastListing(badField).document.name} was refused: /group_size: `) }, 'refused by the schema')
  await empty(t)

  const unknownWard = small()
  lastListing(unknownWard).document.service_areas = [{ kind: 'ward', code: 'E05999999' }]
  lastListing(unknownWard).document.delivery_modes = ['home_visit']
  await t.rejects(loadDemoIfEmpty(db, unknownWard), { name: 'DemoRefused', message: /was refused: There is no ward with the code E05999999\. \(\/service_areas\/0\/code: not a ward we hold\)$/ }, 'refused by the store')
  await empty(t)

  t.same(await loadDemoIfEmpty(db, small()), { organizations: 3, services: small().organizations.reduce((n, o) => n + o.services.length, 0) }, 'and the same directory, corrected, loads')
})
