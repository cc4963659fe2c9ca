import { Readable } from 'node:stream'
import t from 'tap'
import { migrate } from '../../src/db/migrate.ts'
import { importPostcodeCsv } from '../../src/geo/import.ts'
import { buildTestApp, testDatabase } from '../helper.ts'

t.test('GET /api/postcodes/:postcode over the shipped Croydon postcodes', async (t) => {
  const app = await buildTestApp(t)

  t.test('a known postcode, however typed → its own centroid and ward', async (t) => {
    for (const typed of ['cr01nx', ' CR0  1NX ']) {
      const res = await app.inject({ url: `/api/postcodes/${encodeURIComponent(typed)}` })
      t.equal(res.statusCode, 200)
      t.same(res.json(), {
        latitude: 51.37219, longitude: -0.1001, precision: 'postcode', postcode: 'CR0 1NX', outcode: 'CR0',
        ward_code: 'E05011468', ward_name: 'Fairfield', lsoa_code: 'E01001043',
      })
    }
  })

  t.test('an unknown postcode in a known district → the district centre, marked so', async (t) => {
    const res = await app.inject({ url: '/api/postcodes/CR0%209ZZ' })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { precision: 'outcode', postcode: 'CR0 9ZZ', outcode: 'CR0', latitude: 51.37554, longitude: -0.08918, ward_name: null })
    const far = await app.inject({ url: '/api/postcodes/ZE1' })
    t.match(far.json(), { precision: 'outcode', outcode: 'ZE1', latitude: 60.15282 }, 'districts across the UK are known')
  })

  t.test('not a UK postcode → 422 problem that says so', async (t) => {
    const res = await app.inject({ url: '/api/postcodes/hello' })
    t.equal(res.statusCode, 422)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    t.match(res.json(), { status: 422, detail: '"hello" is not a UK postcode', errors: [{ pointer: '/postcode' }] })
    const unknown = await app.inject({ url: '/api/postcodes/ZE9%209ZZ' })
    t.equal(unknown.statusCode, 422)
    t.equal(unknown.json().detail, 'ZE9 is not a postcode district we know')
  })

  // Skipped: 272 postcodes without coordinates, and 7 retired districts (NPT, W1M, W1N, W1R,
  // W1V, W1X, W1Y) that no current postcode can be in.
  t.test('the shipped files are loaded whole, skipping only what cannot be located', async (t) => {
    const { rows } = await app.db.query<{ postcodes: number; outcodes: number }>(
      'SELECT (SELECT count(*) FROM postcode) AS postcodes, (SELECT count(*) FROM outcode) AS outcodes',
    )
    t.same(rows[0], { postcodes: 20413 - 272, outcodes: 3077 - 7 })
  })
})

t.test('importPostcodeCsv: ONS Postcode Directory layout, bad rows skipped with reasons', async (t) => {
  const { db } = await testDatabase(t, { demo: false })
  await migrate(db)
  const csv = [
    'pcd,pcd2,pcds,dointr,doterm,osward,lsoa11,lat,long',
    'CR0 1NX,CR0  1NX,CR0 1NX,198001,,E05011468,E01001043,51.372190,-0.100100',
    'CR0 2AA,CR0  2AA,CR0 2AA,198001,201203,E05011470,E01001050,51.380000,-0.110000',
    'GY1 1AA,GY1  1AA,GY1 1AA,198001,,,,99.999999,0.000000',
    'NOT A PC,,NOT A PC,,,,,51.0,-0.1',
  ].join('\n')
  const report = await importPostcodeCsv(db, Readable.from([csv]))
  t.same(report, { layout: 'onspd', imported: 2, skipped: 2, reasons: { 'no grid reference': 1, 'not a postcode': 1 } })
  const { rows } = await db.query('SELECT postcode, ward_code, lsoa_code, terminated FROM postcode ORDER BY postcode')
  t.same(rows, [
    { postcode: 'CR0 1NX', ward_code: 'E05011468', lsoa_code: 'E01001043', terminated: null },
    { postcode: 'CR0 2AA', ward_code: 'E05011470', lsoa_code: 'E01001050', terminated: '2012-03-01' },
  ])

  await t.rejects(importPostcodeCsv(db, Readable.from(['name,address\nx,y\n'])), {
    name: 'ImportRefused',
    message: /Unrecognised CSV header \(name, address\)/,
  })
  const after = await db.query<{ n: number }>('SELECT count(*) AS n FROM postcode')
  t.equal(after.rows[0]!.n, 2, 'a refused file writes nothing')
})
