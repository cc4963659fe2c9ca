// Spreadsheet uploads through the API, as an organisation's editor and as an admin: the
// template (uploaded as it is), good and bad rows (only the bad refused, each with its line and
// reason), dry runs that write nothing, re-uploads that update in place and do not overwrite
// edits made on Connector unless asked, and files that cannot be read refused whole.
import { parse } from 'csv-parse/sync'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { CSV_COLUMNS } from '../../src/ingest/csv.ts'
import { adminSession, invited, type Session } from '../accounts.ts'
import { buildTestApp } from '../helper.ts'

const HEADER = 'ref,row,name,description,activity_types,ways_of_taking_part,available_in,group_size,minimum_age,fees,price,venue_name,address_1,town,postcode,latitude,longitude,accessibility,days,week_of_month,date,opens,closes'

async function setUp(t: Test) {
  const app = await buildTestApp(t, { demo: 'empty' })
  const admin = await adminSession(app)
  const org = async (name: string) => {
    const res = await admin.inject({ method: 'POST', url: '/api/admin/organizations', payload: { organization: { name, local_authority: 'E09000008' } } })
    t.equal(res.statusCode, 201, res.body)
    return res.json().id as string
  }
  const norbury = await org('Norbury Neighbours')
  const editor = await invited(app, admin, { email: 'editor@norbury.example.org', role: 'editor', organization_id: norbury })
  const upload = (who: Session, csv: string | Buffer, query = '', orgId = norbury) =>
    who.inject({ method: 'POST', url: `/api/manage/organizations/${orgId}/upload${query}`, headers: { 'content-type': 'text/csv' }, payload: csv })
  return { app, admin, editor, norbury, org, upload }
}

/** Listings of an organisation, by name, as their documents. */
async function listings(app: FastifyInstance, admin: Session, organizationId: string) {
  const { rows } = await app.db.query<{ id: string; name: string }>('SELECT id, name FROM service WHERE organization_id = $1 ORDER BY name', [organizationId])
  return Promise.all(rows.map(async (r) => ({ id: r.id, ...(await admin.inject({ url: `/api/manage/services/${r.id}` })).json() })))
}

const versions = async (app: FastifyInstance) => Number((await app.db.query<{ n: string }>('SELECT count(*) AS n FROM record_version')).rows[0]!.n)

t.test('the template explains every column, and uploads as it is: one listing at two venues meeting three ways', async (t) => {
  const { app, admin, editor, norbury, upload } = await setUp(t)
  const template = await app.inject({ url: '/api/ingest/csv/template' })
  t.equal(template.statusCode, 200)
  t.match(template.headers['content-type'], /^text\/csv/)
  t.match(template.headers['content-disposition'], /attachment; filename="connector-listings.csv"/)
  const rows = parse(template.body) as string[][]
  const columns = (await app.inject({ url: '/api/ingest/csv/columns' })).json() as { name: string; explain: string }[]
  t.same(rows[0], columns.map((c) => c.name), 'the header is the guide’s columns, in order')
  t.same(columns.map((c) => c.name), CSV_COLUMNS.map((c) => c.name))
  t.ok(columns.every((c) => c.explain.length > 20), 'each column is explained')
  t.equal(rows.length, 4)

  const dry = await upload(editor, template.body, '?dry_run=true')
  t.equal(dry.statusCode, 200, dry.body)
  t.match(dry.json(), {
    dry_run: true,
    run_id: null,
    listings: 1,
    created: 1,
    refused: 0,
    lines: [
      { line: 2, ref: 'W1', row: 'listing', outcome: 'created', reasons: [] },
      { line: 3, ref: 'W1', row: 'venue', outcome: 'part_of_listing', listing_line: 2 },
      { line: 4, ref: 'W1', row: 'schedule', outcome: 'part_of_listing', listing_line: 2 },
    ],
  })
  t.same(await listings(app, admin, norbury), [], 'a dry run writes nothing')
  t.equal((await app.db.query('SELECT 1 FROM ingest_run')).rowCount, 0, 'not even a run')

  const real = await upload(editor, template.body)
  t.match(real.json(), { dry_run: false, run_id: Number, created: 1 })
  const [knit] = await listings(app, admin, norbury)
  t.match(knit.document, {
    name: 'Thornton Heath Knit and Natter',
    taxonomy_terms: ['arts-and-crafts', 'social-groups'],
    delivery_modes: ['venue'],
    group_size: 'small',
    minimum_age: 18,
    fees: 'Free',
    contacts: [{ phones: [{ number: '020 7946 0000' }] }],
    locations: [
      { name: 'Thornton Heath Library', address: { address_1: '190 Brigstock Road', postal_code: 'CR7 7JE' }, accessibility: [{ feature: 'accessible_toilet' }, { feature: 'step_free' }], transport_notes: 'Buses 198 and 250 stop outside.' },
      { name: 'Norbury Library', address: { postal_code: 'SW16 4UW' }, accessibility: [{ feature: 'step_free' }] },
    ],
  })
  t.ok(knit.document.locations[0].latitude > 51.3 && knit.document.locations[0].latitude < 51.5, 'placed from its postcode')
  t.same(
    knit.document.schedules.map((s: { location_index: number; kind: string; byday: string[]; week_of_month: number | null; opens_at: string; closes_at: string; description: string | null }) => [s.location_index, s.kind, s.byday.join(), s.week_of_month, s.opens_at, s.closes_at, s.description]),
    [
      [0, 'monthly', 'SA', 1, '10:00', '13:00', 'A longer session on the first Saturday'],
      [0, 'weekly', 'TU', null, '10:00', '12:00', null],
      [1, 'weekly', 'TH', null, '14:00', '16:00', null],
    ],
  )
  const history = (await editor.inject({ url: `/api/manage/services/${knit.id}/versions` })).json()
  t.match(history, [{ action: 'create', source: 'Norbury Neighbours: spreadsheets' }])
  const { rows: by } = await app.db.query<{ email: string }>('SELECT a.email FROM record_version v JOIN account a ON a.id = v.changed_by WHERE v.record_id = $1', [knit.id])
  t.same(by, [{ email: 'editor@norbury.example.org' }], 'the version names the editor who uploaded it')
  const save = await editor.inject({ method: 'PUT', url: `/api/manage/services/${knit.id}`, headers: { 'if-match': `"${knit.version}"` }, payload: { ...knit.document, name: 'Knit and Natter' } })
  t.equal(save.statusCode, 200, 'a listing from a spreadsheet stays the organisation’s to edit')
})

t.test('good and bad rows: only the bad are refused, each with its line and reason', async (t) => {
  const { app, admin, editor, norbury, upload } = await setUp(t)
  const csv = [
    HEADER,
    'G1,,Norbury Lunch Club,Hot lunch and company,social-groups,,,,60,£3,3.5,Norbury Hall,1 London Road,Norbury,SW16 4DH,,,step_free,WE,,,12:00,14:00',
    'B1,,Chess in the Park,,board games;social-groups,,,,,,,Park Cafe,2 Park Road,Norbury,ZZ99 9ZZ,,,,MO,,,10:00,11:00',
    'G2,,Walk and Talk,,exercise-and-sport,,,small,,Free,,Norbury Park,Craignish Avenue,Norbury,SW16 4RW,,,,SA,,,10:00,11:30',
    'G2,venue,,,,,,,,,,Norbury Hall,1 London Road,Norbury,SW16 4DH,,,,SU,,,10:00,11:30',
    'B2,,Phone Friends,Weekly calls,befriending,telephone,E09999999,one_to_one,,,,,,,,,,,TH,,,25:00,11:00',
    'B2,schedule,,,,,,,,,,,,,,,,,,,31/02/2026,10:00,11:00',
    'X9,venue,,,,,,,,,,Stray Hall,3 High Street,Norbury,SW16 4DH,,,,,,,,',
    'G3,,"Tea, Talk and\nBiscuits",,social-groups,telephone;online_video,england,,,,,,,,,,,,FR,,,15:00,16:00',
  ].join('\n')
  const report = (await upload(editor, csv)).json()
  t.match(report, { listings: 5, created: 3, refused: 2 })
  const line = (n: number) => report.lines.find((l: { line: number }) => l.line === n)
  t.match(line(2), { ref: 'G1', outcome: 'created', reasons: [] })
  t.same(line(3).reasons, [
    { column: 'activity_types', reason: 'board games is not an activity type: use the codes in the template’s guide, or ask an admin to map it' },
    { column: 'postcode', reason: 'ZZ99 9ZZ is not a postcode we can place: check it, or give latitude and longitude' },
  ])
  t.equal(line(3).outcome, 'refused')
  t.match(line(4), { ref: 'G2', outcome: 'created' })
  t.match(line(5), { ref: 'G2', row: 'venue', outcome: 'part_of_listing', listing_line: 4 })
  t.same(line(6).reasons, [
    { column: 'available_in', reason: 'E09999999 is not england or the ONS code of a local authority or ward we hold' },
    { column: 'opens', reason: '25:00 is not a time (10:00)' },
  ])
  t.same(line(7), { line: 7, ref: 'B2', row: 'schedule', outcome: 'refused', listing_line: 6, listing_id: null, reasons: [{ column: 'date', reason: 'must be a real date, YYYY-MM-DD' }] })
  t.same(line(8).reasons, [{ column: 'ref', reason: 'a venue row belongs to a listing row above it with the same ref; there is none with ref X9' }])
  t.match(line(9), { ref: 'G3', outcome: 'created', line: 9 }, 'a cell over two lines: the row is known by the line it starts on')

  const got = await listings(app, admin, norbury)
  t.same(got.map((l) => l.document.name), ['Norbury Lunch Club', 'Tea, Talk and\nBiscuits', 'Walk and Talk'])
  const lunch = got.find((l) => l.document.name === 'Norbury Lunch Club')!
  t.match(lunch.document, { minimum_age: 60, fees: '£3', cost_options: [{ option: 'A session', amount: 3.5 }], schedules: [{ byday: ['WE'], location_index: 0 }] })
  const tea = got.find((l) => l.document.name.startsWith('Tea'))!
  t.match(tea.document, { delivery_modes: ['telephone', 'online_video'], service_areas: [{ kind: 'england' }], locations: [], schedules: [{ location_index: null, byday: ['FR'] }] })
  t.same(got.find((l) => l.document.name === 'Walk and Talk')!.document.schedules.map((s: { location_index: number; byday: string[] }) => [s.location_index, s.byday[0]]).sort(), [[0, 'SA'], [1, 'SU']])

  const quarantine = (await admin.inject({ url: '/api/admin/ingest/quarantine' })).json()
  t.same(quarantine.map((q: { external_id: string }) => q.external_id).sort(), ['B1', 'B2'], 'refused listings are kept for the admins, with their rows')
  t.match(quarantine.find((q: { external_id: string }) => q.external_id === 'B2'), { reasons: [{ pointer: 'line 6, available_in' }, { pointer: 'line 6, opens', reason: '25:00 is not a time (10:00)' }, { pointer: 'line 7, date' }], payload: { rows: [{ line: 6, cells: { name: 'Phone Friends' } }, { line: 7 }] } })
  const retry = await admin.inject({ method: 'POST', url: `/api/admin/ingest/quarantine/${quarantine[0].id}/retry` })
  t.equal(retry.statusCode, 409, 'a spreadsheet row is corrected in the spreadsheet')
  const runs = (await admin.inject({ url: `/api/admin/ingest/sources/${quarantine[0].source_id}/runs` })).json()
  t.match(runs, [{ triggered_by: 'upload', status: 'succeeded', fetched: 5, created: 3, quarantined: 2, error: '1 row(s) belonged to no listing' }])
})

t.test('uploading again: unchanged listings write nothing; edits made on Connector are not overwritten unless asked', async (t) => {
  const { app, admin, editor, norbury, upload } = await setUp(t)
  const csv = (name: string) => [HEADER, `L1,,${name},,social-groups,,,,,,,Norbury Hall,1 London Road,Norbury,SW16 4DH,,,,WE,,,12:00,14:00`, 'L2,,Norbury Bowls,,exercise-and-sport,,,,,,,Norbury Park,Craignish Avenue,Norbury,SW16 4RW,,,,TU,,,14:00,16:00'].join('\n')
  t.match((await upload(editor, csv('Norbury Lunch Club'))).json(), { created: 2 })
  const before = await versions(app)
  t.match((await upload(editor, csv('Norbury Lunch Club'))).json(), { created: 0, updated: 0, unchanged: 2 })
  t.equal(await versions(app), before, 'no new versions')

  const [bowls, lunch] = await listings(app, admin, norbury)
  const full = await editor.inject({ method: 'PUT', url: `/api/manage/services/${bowls.id}/referral-capacity`, payload: { referral_capacity: 'full' } })
  t.equal(full.statusCode, 200, full.body)
  await editor.inject({ method: 'PUT', url: `/api/manage/services/${lunch.id}`, headers: { 'if-match': `"${lunch.version}"` }, payload: { ...lunch.document, description: 'Now with pudding.' } })

  const again = (await upload(editor, csv('Norbury Lunch Club (Wednesdays)'))).json()
  t.match(again, { updated: 0, unchanged: 1, refused: 1 })
  t.match(again.lines[0], { ref: 'L1', outcome: 'refused', listing_id: lunch.id, reasons: [{ column: 'ref', reason: /changed on Connector on 2026-11-01, after it was last uploaded/ }] })
  t.match((await listings(app, admin, norbury)).find((l) => l.id === lunch.id)!.document, { name: 'Norbury Lunch Club', description: 'Now with pudding.' })
  t.equal((await listings(app, admin, norbury)).find((l) => l.id === bowls.id)!.document.referral_capacity, 'full', 'a listing marked full stays full: the spreadsheet has no column for it')

  const replaced = (await upload(editor, csv('Norbury Lunch Club (Wednesdays)'), '?replace_edited=true')).json()
  t.match(replaced, { updated: 1, unchanged: 1, refused: 0 })
  const history = (await editor.inject({ url: `/api/manage/services/${lunch.id}/versions` })).json()
  t.match(history.map((v: { action: string; source: string | null }) => [v.action, v.source]), [['create', 'Norbury Neighbours: spreadsheets'], ['update', null], ['update', 'Norbury Neighbours: spreadsheets']], 'the edit stays in the history')
})

t.test('an editor uploads for their own organisation only; an admin names organisations, one per charity number', async (t) => {
  const { app, admin, editor, org, upload } = await setUp(t)
  const other = await org('Thornton Heath Trust')
  const players = await admin.inject({ method: 'POST', url: '/api/admin/organizations', payload: { organization: { name: 'Croydon Card Players', charity_number: '1234567', local_authority: 'E09000008' } } })
  t.equal(players.statusCode, 201, players.body)
  t.equal((await upload(editor, HEADER, '', other)).statusCode, 404, 'another organisation’s uploads are not theirs')
  const named = [`${HEADER},organisation,charity_number`, 'L1,,Bridge Club,,social-groups,,,,,,,Norbury Hall,1 London Road,Norbury,SW16 4DH,,,,WE,,,12:00,14:00,Thornton Heath Trust,'].join('\n')
  const mine = (await upload(editor, named)).json()
  t.match(mine.lines[0], { outcome: 'refused', reasons: [{ column: 'organisation', reason: 'you can upload listings for your own organisation (Norbury Neighbours) only' }] })

  const source = await admin.inject({ method: 'POST', url: '/api/admin/ingest/sources', payload: { name: 'Council spreadsheet', kind: 'csv' } })
  t.equal(source.statusCode, 201, source.body)
  const byAdmin = [
    `${HEADER},organisation,charity_number`,
    'A1,,Bridge Club,,social-groups,,,,,,,Norbury Hall,1 London Road,Norbury,SW16 4DH,,,,WE,,,12:00,14:00,Croydon Card Players Ltd,1234567',
    'A2,,Whist Drive,,social-groups,,,,,,,Norbury Hall,1 London Road,Norbury,SW16 4DH,,,,TH,,,12:00,14:00,Croydon Card Players Ltd, 123 4567',
    'A3,,Orphan Group,,social-groups,,,,,,,Norbury Hall,1 London Road,Norbury,SW16 4DH,,,,FR,,,12:00,14:00,,',
  ].join('\n')
  const report = (await admin.inject({ method: 'POST', url: `/api/admin/ingest/sources/${source.json().id}/upload`, headers: { 'content-type': 'text/csv' }, payload: byAdmin })).json()
  t.match(report, { created: 2, refused: 1 })
  t.match(report.lines[2].reasons, [{ column: 'organisation', reason: /names no organisation and the source has no organisation/ }])
  const { rows } = await app.db.query<{ name: string; services: string }>(
    `SELECT o.name, string_agg(s.name, ', ' ORDER BY s.name) AS services FROM organization o JOIN service s ON s.organization_id = o.id WHERE o.charity_number = '1234567' GROUP BY o.name`,
  )
  t.same(rows, [{ name: 'Croydon Card Players', services: 'Bridge Club, Whist Drive' }], 'the same charity number is the organisation we hold, left as it is')
  const feed = await admin.inject({ method: 'POST', url: '/api/admin/ingest/sources', payload: { name: 'A feed', kind: 'oruk', url: 'https://directory.example.org/oruk' } })
  t.equal((await admin.inject({ method: 'POST', url: `/api/admin/ingest/sources/${feed.json().id}/upload`, headers: { 'content-type': 'text/csv' }, payload: byAdmin })).statusCode, 409)
  t.equal((await admin.inject({ method: 'POST', url: `/api/admin/ingest/sources/${source.json().id}/runs` })).statusCode, 409, 'a csv source is not harvested')
})

t.test('a file that cannot be read is refused whole, with the reason, and nothing is written', async (t) => {
  const { app, editor, upload } = await setUp(t)
  const cases: [string, string | Buffer, number, RegExp][] = [
    ['Latin-1, not UTF-8', Buffer.concat([Buffer.from(`${HEADER}\nL1,,Caf`), Buffer.from([0xe9]), Buffer.from(' Club,,social-groups')]), 422, /not UTF-8 text: save it from your spreadsheet as "CSV UTF-8"/],
    ['an unknown column', 'ref,name,activity_types,colour\nL1,Club,social-groups,red', 422, /colour is not a column we know/],
    ['no ref column', 'name,activity_types\nClub,social-groups', 422, /the ref column is missing/],
    ['an empty file', '', 422, /The file is empty/],
    ['an unclosed quote', `${HEADER}\nL1,,"Club,,social-groups`, 422, /could not be read as CSV/],
    ['over 5,000 rows', `${HEADER}\n${'L1,,Club,,social-groups\n'.repeat(5001)}`, 422, /5001 rows; upload at most 5000/],
    ['over 5 MB', `${HEADER}\n${'x'.repeat(6 * 1024 * 1024)}`, 413, /./],
  ]
  for (const [name, body, status, detail] of cases) {
    const res = await upload(editor, body)
    t.equal(res.statusCode, status, name)
    t.match(res.headers['content-type'], /application\/problem\+json/, name)
    t.match(res.json().detail, detail, name)
  }
  const json = await editor.inject({ method: 'POST', url: `/api/manage/organizations/${(await app.db.query<{ id: string }>('SELECT id FROM organization')).rows[0]!.id}/upload`, payload: { ref: 'L1' } })
  t.equal(json.statusCode, 400, 'JSON is not a spreadsheet')
  t.match(json.headers['content-type'], /application\/problem\+json/)
  t.equal((await app.db.query('SELECT 1 FROM service')).rowCount, 0)
})
