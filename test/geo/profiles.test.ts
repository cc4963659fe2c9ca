// Area profiles: the shipped Croydon wards and LSOAs load with their residents and deprivation;
// another area's profile CSV imports whole or not at all, saying which line is wrong; a
// postcode is placed in the ward and LSOA whose boundaries hold it.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { importBoundaries } from '../../src/geo/boundaries.ts'
import { decileOfRank, importProfiles, ProfileFileRefused, SHIPPED_PROFILE_FILES } from '../../src/geo/profiles.ts'
import { buildTestApp } from '../helper.ts'

t.test('the shipped profiles: every Croydon ward and LSOA, read from the published figures', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const { rows } = await app.db.query<{ kind: string; n: number; people: number; older: number; deciles: number }>(
    `SELECT b.kind, count(*)::int AS n, sum(p.population)::int AS people, sum(p.population_65_plus)::int AS older, count(p.imd_decile)::int AS deciles
       FROM area_profile p JOIN boundary b USING (code) GROUP BY b.kind ORDER BY b.kind`,
  )
  // Census 2021: Croydon 390,732 residents, 53,073 aged 65+; two LSOAs (027B, 027C) were
  // redrawn in 2021 and have no 2011-shaped count, so the LSOA sums fall short of the borough.
  t.same(rows, [
    { kind: 'lsoa', n: 220, people: sumOf('lsoa', 'census2021_total'), older: sumOf('lsoa', 'census2021_65_plus'), deciles: 220 },
    { kind: 'ward', n: 28, people: 390_732, older: 53_073, deciles: 28 },
  ])
  const addiscombe = await app.db.query(`SELECT population, population_65_plus, imd_rank, imd_decile FROM area_profile WHERE code = 'E05011462'`)
  // The ward file gives Addiscombe East's population-weighted mean rank, 16,987: the 6th decile.
  t.same(addiscombe.rows, [{ population: 10_417, population_65_plus: 1_542, imd_rank: 16_987, imd_decile: 6 }])
  const lsoa = await app.db.query(`SELECT population, population_65_plus, imd_rank, imd_decile FROM area_profile WHERE code = 'E01000975'`)
  t.same(lsoa.rows, [{ population: 2_345, population_65_plus: 186, imd_rank: 16_380, imd_decile: 5 }], 'an LSOA keeps its published decile')
})

/** A column of a shipped profile file, summed where it is filled. */
function sumOf(kind: 'ward' | 'lsoa', column: string): number {
  const [header, ...lines] = readFileSync(SHIPPED_PROFILE_FILES[kind === 'ward' ? 0 : 1]!, 'utf8').trim().split('\n')
  const at = header!.split(',').indexOf(column)
  return lines.reduce((sum, line) => sum + (Number(line.split(',')[at]) || 0), 0)
}

t.test('deciles from ranks among the 32,844 LSOAs of England', async (t) => {
  t.same([1, 3284, 3285, 16_422, 16_423, 32_844].map(decileOfRank), [1, 1, 2, 5, 6, 10])
})

t.test('importing another area’s wards, LSOAs and profiles; a bad file changes nothing', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const square = (lon: number, lat: number, d: number) => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] })
  const collection = (features: { properties: Record<string, string>; geometry: unknown }[]) => JSON.stringify({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', ...f })) })
  await importBoundaries(app.db, collection([{ properties: { LAD21CD: 'E07000228', LAD21NM: 'Mid Sussex' }, geometry: square(-0.2, 50.95, 0.2) }]))
  await importBoundaries(app.db, collection([{ properties: { WD21CD: 'E05007848', WD21NM: 'Haywards Heath Bentswood', LAD21CD: 'E07000228' }, geometry: square(-0.1, 51.0, 0.02) }]))
  t.same(await importBoundaries(app.db, collection([{ properties: { LSOA21CD: 'E01031633', LSOA21NM: 'Mid Sussex 008A' }, geometry: square(-0.09, 51.005, 0.005) }])), { kind: 'lsoa', imported: 1 })
  const parent = await app.db.query(`SELECT parent_code FROM boundary WHERE code = 'E01031633'`)
  t.same(parent.rows, [{ parent_code: 'E07000228' }], 'the LSOA lies in the authority that covers it')

  const report = await importProfiles(app.db, 'code,population,population_65_plus,imd_rank\nE05007848,"6,120",1450,20000\nE01031633,1500,300,\n')
  t.same(report, { imported: 2, columns: { code: 'code', population: 'population', population_65_plus: 'population_65_plus', imd_rank: 'imd_rank' } })
  const profile = async (code: string) => (await app.db.query(`SELECT population, population_65_plus, imd_rank, imd_decile FROM area_profile WHERE code = $1`, [code])).rows
  t.same(await profile('E05007848'), [{ population: 6_120, population_65_plus: 1_450, imd_rank: 20_000, imd_decile: 7 }])
  t.same(await profile('E01031633'), [{ population: 1_500, population_65_plus: 300, imd_rank: null, imd_decile: null }])

  const refusals: [string, RegExp][] = [
    ['code,population\nE05007848,7000\nE05099999,10\n', /Line 3: E05099999 is not a ward or LSOA whose boundary is held/],
    ['code,population\nE05007848,seven\n', /Line 2: population "seven" is not a number/],
    ['code,population,population_65_plus\nE05007848,100,200\n', /Line 2: more residents aged 65\+ \(200\) than residents \(100\)/],
    ['code,imd_decile\nE05007848,11\n', /Line 2: imd_decile "11" is not a number from 1 to 10/],
    ['name,population\nSomewhere,7000\n', /No column holds the area code/],
    ['code,colour\nE05007848,blue\n', /No column holds a figure/],
    ['code,population\nW05000001,100\n', /not an English ONS area code/],
  ]
  for (const [csv, reason] of refusals) await t.rejects(importProfiles(app.db, csv), { name: ProfileFileRefused.name, message: reason })
  t.same(await profile('E05007848'), [{ population: 6_120, population_65_plus: 1_450, imd_rank: 20_000, imd_decile: 7 }], 'the first line of a refused file was not written')
})

t.test('a postcode is placed in the ward and LSOA whose boundaries hold it', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const res = await app.inject({ url: '/api/postcodes/CR0%200JA' })
  const place = res.json()
  const { rows } = await app.db.query<{ ward: string; lsoa: string }>(
    `SELECT (SELECT code FROM boundary WHERE kind = 'ward' AND ST_Covers(geom::geometry, ST_SetSRID(ST_MakePoint($1, $2), 4326))) AS ward,
            (SELECT code FROM boundary WHERE kind = 'lsoa' AND ST_Covers(geom::geometry, ST_SetSRID(ST_MakePoint($1, $2), 4326))) AS lsoa`,
    [place.longitude, place.latitude],
  )
  t.same({ ward: place.ward_code, lsoa: place.lsoa_code }, rows[0], 'the boundaries that cover the point')
  t.not(place.ward_code, null)
  t.not(place.lsoa_code, null)
  // Without LSOA boundaries, the postcode file's own LSOA is the fallback.
  await app.db.query(`DELETE FROM boundary WHERE kind = 'lsoa'`)
  t.equal((await app.inject({ url: '/api/postcodes/CR0%200JA' })).json().lsoa_code, (await app.db.query(`SELECT lsoa_code FROM postcode WHERE postcode = 'CR0 0JA'`)).rows[0]!.lsoa_code)
})
