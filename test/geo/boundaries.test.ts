// Boundaries: the shipped ones load on first start, all or none; `npm run import:boundaries`
// adds another area's local authorities and wards from ONS-style GeoJSON, refuses what is not
// England's, and a re-imported outline reaches the service areas that name it.
import t from 'tap'
import { BoundaryFileRefused, ENGLAND, importBoundaries, listBoundaries, loadShippedBoundariesIfEmpty } from '../../src/geo/boundaries.ts'
import { buildTestApp, testDatabase } from '../helper.ts'
import { migrate } from '../../src/db/migrate.ts'
import { DirectoryBuilder } from '../directory.ts'

const square = (lon: number, lat: number, d: number) => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] })
const file = (features: { properties: Record<string, string>; geometry: unknown }[]) => JSON.stringify({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', ...f })) })

t.test('the shipped boundaries load once, on first start', async (t) => {
  const { db } = await testDatabase(t, { demo: false })
  await migrate(db)
  const reports = await loadShippedBoundariesIfEmpty(db)
  t.same(reports, [
    { kind: 'country', imported: 1 },
    { kind: 'local_authority', imported: 33 },
    { kind: 'ward', imported: 28 },
    { kind: 'lsoa', imported: 220 },
  ])
  t.equal(await loadShippedBoundariesIfEmpty(db), undefined, 'not again')
  const wards = await listBoundaries(db, 'ward')
  t.equal(wards.length, 28)
  t.ok(wards.every((w) => w.parent_code === 'E09000008'), 'every ward under Croydon')
  const lsoas = await listBoundaries(db, 'lsoa')
  t.equal(lsoas.length, 220)
  t.same(lsoas.filter((l) => l.parent_code !== 'E09000008').map((l) => l.code), [], 'every LSOA under Croydon, found from a point inside it')

  // A database from before LSOAs were shipped gets them at its next start, and nothing else again.
  await db.query(`DELETE FROM boundary WHERE kind = 'lsoa'`)
  t.same(await loadShippedBoundariesIfEmpty(db), [{ kind: 'lsoa', imported: 220 }])
  const { rows } = await db.query<{ valid: boolean; covers: boolean }>(
    `SELECT ST_IsValid(geom::geometry) AS valid, ST_Covers(geom, ST_SetSRID(ST_MakePoint(-0.0981, 51.3762), 4326)::geography) AS covers FROM boundary WHERE code = $1`,
    [ENGLAND],
  )
  t.same(rows, [{ valid: true, covers: true }], 'England is a valid outline that covers Croydon')
})

t.test('importing boundaries: another area’s local authorities and wards; refusals change nothing', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const lads = file([
    { properties: { LAD21CD: 'E07000228', LAD21NM: 'Mid Sussex' }, geometry: square(-0.2, 50.95, 0.2) },
    { properties: { LAD21CD: 'E07000063', LAD21NM: 'Lewes' }, geometry: square(0.0, 50.8, 0.1) },
  ])
  t.same(await importBoundaries(app.db, lads), { kind: 'local_authority', imported: 2 })
  const wards = file([{ properties: { WD21CD: 'E05007848', WD21NM: 'Haywards Heath Bentswood', LAD21CD: 'E07000228' }, geometry: square(-0.1, 51.0, 0.02) }])
  t.same(await importBoundaries(app.db, wards), { kind: 'ward', imported: 1 })
  const ward = (await listBoundaries(app.db, 'ward')).find((w) => w.code === 'E05007848')
  t.same(ward, { code: 'E05007848', kind: 'ward', name: 'Haywards Heath Bentswood', parent_code: 'E07000228' })

  const count = async () => (await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM boundary')).rows[0]!.n
  const before = await count()
  const welsh = file([
    { properties: { LAD21CD: 'E07000061', LAD21NM: 'Eastbourne' }, geometry: square(0.2, 50.75, 0.1) },
    { properties: { LAD21CD: 'W06000015', LAD21NM: 'Cardiff' }, geometry: square(-3.3, 51.45, 0.1) },
  ])
  await t.rejects(importBoundaries(app.db, welsh), BoundaryFileRefused, 'a Welsh authority is refused')
  await t.rejects(importBoundaries(app.db, file([{ properties: { name: 'Somewhere' }, geometry: square(0, 51, 0.1) }])), { message: /ONS code and name/ })
  t.equal(await count(), before, 'and the whole file with it: Eastbourne was not added')

  // An editor's listing names Mid Sussex; a corrected outline reaches it.
  const dir = await DirectoryBuilder.start(app)
  const org = await dir.organization({ name: 'Mid Sussex Callers', local_authority: 'E07000228' })
  const listing = await dir.service(org, { name: 'Sussex Phone Friends', delivery_modes: ['telephone'], group_size: 'one_to_one', taxonomy_terms: ['befriending'] })
  t.same(listing.document.service_areas, [{ kind: 'local_authority', code: 'E07000228' }])
  const covers = async (lon: number, lat: number) =>
    (await app.db.query<{ covers: boolean }>(`SELECT ST_Covers(geom, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography) AS covers FROM service_area WHERE service_id = $1`, [listing.id, lon, lat])).rows[0]!.covers
  t.equal(await covers(-0.25, 51.0), false, 'west of the first outline')
  await importBoundaries(app.db, file([{ properties: { LAD21CD: 'E07000228', LAD21NM: 'Mid Sussex' }, geometry: square(-0.3, 50.95, 0.3) }]))
  t.equal(await covers(-0.25, 51.0), true, 'inside the corrected one')
})
