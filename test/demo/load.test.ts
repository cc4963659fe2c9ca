import t from 'tap'
import { migrate } from '../../src/db/migrate.ts'
import { DEMO_SEED, generateDemo } from '../../src/demo/generate.ts'
import { loadDemoIfEmpty } from '../../src/demo/load.ts'
import { FIXED_NOW, testDatabase, usingPostgres } from '../helper.ts'

const engine = usingPostgres ? 'PostgreSQL' : 'PGlite'
const demo = generateDemo({ seed: DEMO_SEED, now: FIXED_NOW })

t.test(`demo directory (${engine}): every generated row is stored, and stored once`, async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  for (const [table, rows] of Object.entries(demo)) {
    const { rows: counted } = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)
    t.equal(counted[0]!.n, rows.length, `${table}: ${rows.length} rows`)
  }
  const orgs = await db.query<{ n: number }>('SELECT count(*) AS n FROM organization')
  const services = await db.query<{ n: number }>(`SELECT count(*) AS n FROM service`)
  t.ok(orgs.rows[0]!.n >= 80, `${orgs.rows[0]!.n} organisations`)
  t.ok(services.rows[0]!.n >= 300, `${services.rows[0]!.n} services`)
  const terms = await db.query<{ n: number }>(
    'SELECT count(*) AS n FROM taxonomy_term t WHERE NOT EXISTS (SELECT 1 FROM service_taxonomy_term st WHERE st.taxonomy_term_id = t.id)',
  )
  t.equal(terms.rows[0]!.n, 0, 'every taxonomy term has services')

  t.equal(await loadDemoIfEmpty(db, demo), undefined, 'a directory that holds data is left alone')
  const again = await db.query<{ n: number }>('SELECT count(*) AS n FROM service')
  t.equal(again.rows[0]!.n, services.rows[0]!.n)
})

t.test(`demo directory (${engine}): each location's geography is its latitude and longitude`, async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  const first = demo.location.find((l) => l.latitude !== null)!
  const { rows } = await db.query<{ lat: number; lon: number }>(
    'SELECT ST_Y(geom::geometry) AS lat, ST_X(geom::geometry) AS lon FROM location WHERE id = $1',
    [first.id],
  )
  t.same(rows[0], { lat: first.latitude, lon: first.longitude })
  const mismatched = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM location
      WHERE abs(ST_Y(geom::geometry) - latitude) > 1e-9 OR abs(ST_X(geom::geometry) - longitude) > 1e-9`,
  )
  t.equal(mismatched.rows[0]!.n, 0)
})

t.test(`demo directory (${engine}): a bad row rolls the whole load back`, async (t) => {
  const { db } = await testDatabase(t, { demo: false })
  await migrate(db)
  const broken = structuredClone(demo)
  broken.service[broken.service.length - 1]!.group_size = 'enormous' as never
  await t.rejects(loadDemoIfEmpty(db, broken), { message: /service_group_size_check/ })
  for (const table of ['organization', 'location', 'service']) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)
    t.equal(rows[0]!.n, 0, `${table} is empty again`)
  }
})
