// GP practices and their primary care networks: the shipped Croydon practices load on first
// start; NHS Digital's mapping file imports as it is (any area's, or England's), whole or not
// at all, saying which line is wrong; a practice that moves PCN moves.
import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import t from 'tap'
import { importPractices, isPracticeFile, PracticeFileRefused, SHIPPED_PRACTICE_FILE } from '../../src/geo/practices.ts'
import { buildTestApp } from '../helper.ts'

t.test('the shipped Croydon practices, by PCN, counted from the file', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const file = parse(readFileSync(SHIPPED_PRACTICE_FILE, 'utf8'), { columns: true }) as Array<Record<string, string>>
  const expected = new Map<string, number>()
  for (const r of file) if (r.pcn_code !== 'U') expected.set(`${r.pcn_code} ${r.pcn_name}`, (expected.get(`${r.pcn_code} ${r.pcn_name}`) ?? 0) + 1)
  const { rows } = await app.db.query<{ pcn: string; n: number }>(
    `SELECT p.code || ' ' || p.name AS pcn, count(g.code)::int AS n FROM pcn p LEFT JOIN gp_practice g ON g.pcn_code = p.code GROUP BY 1 ORDER BY 1`,
  )
  t.same(rows, [...expected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([pcn, n]) => ({ pcn, n })))
  t.equal(rows.length, 9)
  const practice = await app.db.query(`SELECT name, postcode, pcn_code FROM gp_practice WHERE code = 'H83006'`)
  t.same(practice.rows, [{ name: 'NEW ADDINGTON GROUP PRACTICE', postcode: 'CR0 0JA', pcn_code: 'U30526' }])
  t.notOk((await app.db.query(`SELECT 1 FROM gp_practice WHERE code = 'Y00182'`)).rowCount, 'the unallocated practice is left out')
})

t.test('NHS Digital’s mapping file as it is; a bad file changes nothing', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const header = 'PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,ONS_CCG_CODE'
  const england = [
    header,
    'GP_PRAC_PAT_LIST,01Jan2022,A81001,THE DENSHAM SURGERY,TS18 1HU,U89141,STOCKTON PCN,E38000247',
    'GP_PRAC_PAT_LIST,01Jan2022,A81002,QUEENS PARK MEDICAL CENTRE,ts182aw,U07032,NORTH STOCKTON PCN,E38000247',
    'GP_PRAC_PAT_LIST,01Jan2022,A81004,"ACKLAM MEDICAL CENTRE, TRIMDON AVE",TS5 8SB,U89141,STOCKTON PCN,E38000247',
    'GP_PRAC_PAT_LIST,01Jan2022,Y01234,A CLOSED LIST,TS1 1AA,U,Unallocated,E38000247',
  ].join('\n')
  t.ok(isPracticeFile(`\uFEFF${england}`), 'known by its header')
  t.notOk(isPracticeFile('code,population\nE05007848,100\n'), 'a profile file is not one')
  t.same(await importPractices(app.db, england), { practices: 3, pcns: 2, unallocated: 1 })
  const practices = async () => (await app.db.query(`SELECT code, name, postcode, pcn_code FROM gp_practice WHERE code LIKE 'A81%' ORDER BY code`)).rows
  t.same(await practices(), [
    { code: 'A81001', name: 'THE DENSHAM SURGERY', postcode: 'TS18 1HU', pcn_code: 'U89141' },
    { code: 'A81002', name: 'QUEENS PARK MEDICAL CENTRE', postcode: 'TS18 2AW', pcn_code: 'U07032' },
    { code: 'A81004', name: 'ACKLAM MEDICAL CENTRE, TRIMDON AVE', postcode: 'TS5 8SB', pcn_code: 'U89141' },
  ])
  t.same(await importPractices(app.db, england), { practices: 3, pcns: 2, unallocated: 1 }, 'the same file again')
  t.equal((await app.db.query(`SELECT 1 FROM gp_practice WHERE code LIKE 'A81%'`)).rowCount, 3, 'changes nothing')

  await importPractices(app.db, 'practice_code,practice_name,pcn_code,pcn_name\nA81002,QUEENS PARK MEDICAL CENTRE,U89141,STOCKTON PCN\n')
  t.same((await practices())[1], { code: 'A81002', name: 'QUEENS PARK MEDICAL CENTRE', postcode: null, pcn_code: 'U89141' }, 'a practice that moved PCN moves')

  const refusals: [string, RegExp][] = [
    ['practice_code,practice_name,pcn_code\nA81001,X,U89141\n', /No column named pcn_name/],
    ['practice_code,practice_name,pcn_code,pcn_name\nA81001,X,U89141,STOCKTON PCN\n81001,Y,U89141,STOCKTON PCN\n', /Line 3: "81001" is not a GP practice code/],
    ['practice_code,practice_name,pcn_code,pcn_name\nA81001,X,P89141,STOCKTON PCN\n', /Line 2: "P89141" is not a PCN code/],
    ['practice_code,practice_name,pcn_code,pcn_name\nA81001,X,U89141,STOCKTON PCN\nA81001,X,U89141,STOCKTON PCN\n', /Line 3: practice A81001 is listed twice/],
    ['practice_code,practice_name,pcn_code,pcn_name\nA81001,X,U89141,STOCKTON PCN\nA81002,Y,U89141,STOCKTON NORTH\n', /Line 3: PCN U89141 is named "STOCKTON NORTH" here and "STOCKTON PCN" above/],
    ['practice_code,practice_name,pcn_code,pcn_name\nA81001,,U89141,STOCKTON PCN\n', /Line 2: the practice name must have 1 to 200 characters/],
    ['practice_code,practice_name,pcn_code,pcn_name\nA81001,"X,U89141\n', /Not a CSV file/],
    ['', /The file is empty/],
  ]
  for (const [csv, reason] of refusals) await t.rejects(importPractices(app.db, csv), { name: PracticeFileRefused.name, message: reason })
  t.equal((await practices())[0]!.name, 'THE DENSHAM SURGERY', 'the first line of a refused file was not written')
})
