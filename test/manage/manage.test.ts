// Self-service editing over the demo directory: own records only (404 otherwise), whole
// documents with If-Match versions (412 on a stale one, losing nothing), no mass assignment,
// history with restore, confirmation and referral status, shared venues copied not changed.
import t from 'tap'
import { createAdmin } from '../../src/auth/admin.ts'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount } from '../../src/auth/store.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'

const PASSWORD = 'a long and unusual passphrase'

t.test('self-service editing', async (t) => {
  const app = await buildTestApp(t)
  // Organisation A: a listing at one venue, and another organisation's listing elsewhere.
  const { rows: venues } = await app.db.query<{ org: string; service: string; location: string }>(
    `SELECT s.organization_id AS org, s.id AS service, min(sal.location_id::text)::uuid AS location
       FROM service s JOIN service_at_location sal ON sal.service_id = s.id
      WHERE s.delivery_modes = '{venue}'
      GROUP BY s.id HAVING count(*) = 1
      ORDER BY s.id LIMIT 1`,
  )
  const { rows: others } = await app.db.query<{ org: string; service: string }>(
    'SELECT organization_id AS org, id AS service FROM service WHERE organization_id <> $1 ORDER BY id LIMIT 1',
    [venues[0]!.org],
  )
  // Every venue written through the API belongs to one listing, but directories from before that
  // rule can hold a venue two organisations share: make one, to show it is copied, not changed.
  await app.db.query('INSERT INTO service_at_location (service_id, location_id) VALUES ($1, $2)', [others[0]!.service, venues[0]!.location])
  const A = { ...venues[0]!, other_service: others[0]!.service }
  const B = others[0]!
  const hash = await hashPassword(PASSWORD)
  await createAdmin(app.db, 'admin@example.org', PASSWORD, FIXED_NOW)
  await createAccount(app.db, { email: 'ed.a@example.org', role: 'editor', passwordHash: hash, organizationIds: [A.org] })
  await createAccount(app.db, { email: 'ed.a2@example.org', role: 'editor', passwordHash: hash, organizationIds: [A.org] })
  await createAccount(app.db, { email: 'ed.b@example.org', role: 'editor', passwordHash: hash, organizationIds: [B.org] })
  await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: hash })
  const cookie = async (email: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password: PASSWORD } })
    return `connector_session=${res.cookies.find((c) => c.name === 'connector_session')!.value}`
  }
  const [edA, edA2, edB, admin, worker] = (await Promise.all(
    ['ed.a@example.org', 'ed.a2@example.org', 'ed.b@example.org', 'admin@example.org', 'worker@example.org'].map(cookie),
  )) as [string, string, string, string, string]
  const get = (who: string, url: string) => app.inject({ url, headers: { cookie: who } })
  const put = (who: string, url: string, payload: unknown, version?: number | string) =>
    app.inject({ method: 'PUT', url, headers: { cookie: who, ...(version !== undefined ? { 'if-match': `"${version}"` } : {}) }, payload: payload as object })
  const svc = `/api/manage/services/${A.service}`

  t.test('editors see and read their own organisation’s listings only; anything else is 404', async (t) => {
    const mine = await get(edA, '/api/manage/organizations')
    t.equal(mine.statusCode, 200)
    t.same(mine.json().map((o: { id: string }) => o.id), [A.org])
    t.ok(mine.json()[0].services.some((s: { id: string; stale: boolean }) => s.id === A.service && typeof s.stale === 'boolean'))
    const res = await get(edA, svc)
    t.equal(res.statusCode, 200)
    t.equal(res.headers.etag, '"1"')
    t.match(res.json(), { id: A.service, organization_id: A.org, version: 1 })
    const theirs = await get(edA, `/api/manage/services/${B.service}`)
    const none = await get(edA, '/api/manage/services/00000000-0000-4000-8000-000000000000')
    t.equal(theirs.statusCode, 404)
    t.same(theirs.json().detail, none.json().detail, 'another organisation’s listing looks exactly like no listing')
    t.equal((await get(edA, `/api/manage/organizations/${B.org}`)).statusCode, 404)
    t.equal((await get(worker, svc)).statusCode, 403, 'link workers do not edit')
    t.equal((await app.inject({ url: svc })).statusCode, 401)
    t.equal((await get(admin, `/api/manage/services/${B.service}`)).statusCode, 200, 'admins may edit any')
  })

  t.test('an edit: fields, venue accessibility and schedules change together; the public API shows it', async (t) => {
    const { document } = (await get(edA, svc)).json()
    const changed = structuredClone(document)
    changed.name = 'Renamed Friendship Group'
    changed.group_size = 'small'
    changed.typical_attendance = 9
    changed.locations[0].accessibility = [{ feature: 'hearing_loop', details: 'in the main hall' }, { feature: 'step_free', details: null }]
    changed.schedules = [{ location_index: 0, kind: 'weekly', byday: ['WE'], opens_at: '10:00', closes_at: '11:30' }]
    const res = await put(edA, svc, changed, 1)
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers.etag, '"2"')
    t.match(res.json().document, { name: 'Renamed Friendship Group', group_size: 'small', typical_attendance: 9, schedules: [{ kind: 'weekly', byday: ['WE'], opens_at: '10:00', closes_at: '11:30', location_index: 0 }] })
    const pub = (await app.inject({ url: `/api/services/${A.service}` })).json()
    t.equal(pub.name, 'Renamed Friendship Group')
    const venue = pub.locations[0]
    t.same(venue.accessibility.map((a: { feature: string }) => a.feature).sort(), ['hearing_loop', 'step_free'])
    t.not(venue.id, A.location, 'the venue another organisation also uses was copied for this service')
    const other = (await app.inject({ url: `/api/services/${A.other_service}` })).json()
    t.ok(other.locations.some((l: { id: string }) => l.id === A.location), 'the other organisation keeps its venue')
    const { rows } = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM accessibility WHERE location_id = $1 AND feature = 'hearing_loop' AND details = 'in the main hall'`, [A.location])
    t.equal(rows[0]!.n, 0, 'and its accessibility is untouched')
  })

  t.test('a stale version gets 412 and loses nothing; no If-Match gets 428', async (t) => {
    const first = (await get(edA, svc)).json()
    const second = (await get(edA2, svc)).json()
    t.equal(first.version, second.version)
    const mine = { ...first.document, description: 'Edited by the first editor.' }
    const theirs = { ...second.document, description: 'Edited by the second editor.', name: 'A different name' }
    t.equal((await put(edA, svc, mine, first.version)).statusCode, 200)
    const late = await put(edA2, svc, theirs, second.version)
    t.equal(late.statusCode, 412)
    t.match(late.json(), { status: 412, type: /stale-version/ })
    const now = (await get(edA, svc)).json()
    t.same([now.document.description, now.document.name, now.version], ['Edited by the first editor.', 'Renamed Friendship Group', first.version + 1])
    t.equal((await put(edA, svc, mine)).statusCode, 428)
    t.equal((await put(edA, svc, mine, 'abc')).statusCode, 400)
  })

  t.test('mass assignment is impossible: ids, organisation, verification and version are refused', async (t) => {
    const current = (await get(edA, svc)).json()
    const before = (await app.db.query('SELECT organization_id, verified_at, version FROM service WHERE id = $1', [A.service])).rows[0]
    for (const extra of [{ organization_id: B.org }, { verified_at: '2030-01-01T00:00:00Z' }, { version: 99 }, { id: B.service }]) {
      const res = await put(edA, svc, { ...current.document, ...extra }, current.version)
      t.equal(res.statusCode, 400, `${Object.keys(extra)[0]} → 400`)
    }
    const proto = await app.inject({
      method: 'PUT',
      url: svc,
      headers: { cookie: edA, 'if-match': `"${current.version}"`, 'content-type': 'application/json' },
      payload: JSON.stringify(current.document).replace(/^\{/, '{"__proto__":{"organization_id":"x"},'),
    })
    t.equal(proto.statusCode, 400, '__proto__ → 400')
    const after = (await app.db.query('SELECT organization_id, verified_at, version FROM service WHERE id = $1', [A.service])).rows[0]
    t.same(after, before, 'nothing changed')
  })

  t.test('confirming it is still running, and setting referral capacity', async (t) => {
    const v = (await get(edA, svc)).json().version
    const confirmed = await app.inject({ method: 'POST', url: `${svc}/confirm`, headers: { cookie: edA } })
    t.equal(confirmed.statusCode, 200)
    t.equal(confirmed.json().verified_at, FIXED_NOW.toISOString())
    t.equal(confirmed.json().version, v, 'confirming is not an edit: open edit forms stay valid')
    const full = await put(edA, `${svc}/referral-capacity`, { referral_capacity: 'full' })
    t.equal(full.statusCode, 200)
    t.same([full.json().document.referral_capacity, full.json().version], ['full', v + 1])
    t.equal((await put(edB, `/api/manage/services/${A.service}/referral-capacity`, { referral_capacity: 'open' })).statusCode, 404)
  })

  t.test('history: who, when and what changed; an admin restores a version', async (t) => {
    const res = await get(edA, `${svc}/versions`)
    t.equal(res.statusCode, 200)
    const history = res.json() as { version: number; action: string; changed_by: string; changes: Record<string, { from: unknown; to: unknown }> }[]
    t.same(history.map((h) => h.action), ['create', 'update', 'update', 'confirm', 'referral_status'], 'from its creation (by the demo, through the same document path)')
    t.match(history[0], { version: 1, changed_by: null })
    t.match(history[1], { version: 2, changed_by: 'ed.a@example.org', changes: { name: { to: 'Renamed Friendship Group' }, group_size: { to: 'small' } } })
    t.match(history[4], { changes: { referral_capacity: { to: 'full' } } })
    t.equal((await app.inject({ method: 'POST', url: `${svc}/versions/2/restore`, headers: { cookie: edA } })).statusCode, 404, 'not a route for editors')
    t.equal((await app.inject({ method: 'POST', url: `/api/admin/services/${A.service}/versions/2/restore`, headers: { cookie: edA } })).statusCode, 403)
    const restored = await app.inject({ method: 'POST', url: `/api/admin/services/${A.service}/versions/2/restore`, headers: { cookie: admin } })
    t.equal(restored.statusCode, 200, restored.body)
    t.match(restored.json().document, { name: 'Renamed Friendship Group', referral_capacity: 'open' })
    t.equal(restored.json().document.description, history[1]!.changes.description?.to ?? restored.json().document.description)
    const last = ((await get(admin, `${svc}/versions`)).json() as { action: string; changed_by: string }[]).at(-1)
    t.match(last, { action: 'restore', changed_by: 'admin@example.org' })
  })

  t.test('adding a service, and editing the organisation record', async (t) => {
    const doc = {
      name: 'Tuesday Chatterbox',
      description: 'Tea and a chat.',
      delivery_modes: ['venue'],
      group_size: 'small',
      taxonomy_terms: ['social-groups'],
      locations: [{ name: 'The Old School Room', latitude: 51.37, longitude: -0.1, address: { address_1: '1 High Street', city: 'Croydon', postal_code: 'cr01nx' } }],
      schedules: [{ location_index: 0, kind: 'weekly', byday: ['TU'], opens_at: '14:00', closes_at: '15:30' }],
      cost_options: [{ option: 'per session', amount: 1.5 }],
      contacts: [{ name: 'Pat', phones: [{ number: '020 7946 0123' }] }],
    }
    const made = await app.inject({ method: 'POST', url: `/api/manage/organizations/${A.org}/services`, headers: { cookie: edA }, payload: doc })
    t.equal(made.statusCode, 201, made.body)
    t.match(made.json(), { organization_id: A.org, version: 1, document: { name: 'Tuesday Chatterbox', locations: [{ address: { postal_code: 'CR0 1NX' } }] } })
    t.equal((await app.inject({ method: 'POST', url: `/api/manage/organizations/${B.org}/services`, headers: { cookie: edA }, payload: doc })).statusCode, 404)
    const bad = await app.inject({ method: 'POST', url: `/api/manage/organizations/${A.org}/services`, headers: { cookie: edA }, payload: { ...doc, taxonomy_terms: ['basket-weaving'] } })
    t.equal(bad.statusCode, 422)
    const org = (await get(edA, `/api/manage/organizations/${A.org}`)).json()
    const renamed = await put(edA, `/api/manage/organizations/${A.org}`, { ...org.document, name: 'Renamed Organisation' }, org.version)
    t.equal(renamed.statusCode, 200)
    t.equal((await app.inject({ url: `/api/organizations/${A.org}` })).json().name, 'Renamed Organisation')
    const audit = (await app.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE action LIKE 'service_%' OR action LIKE 'organization_%' ORDER BY id`)).rows.map((r) => r.action)
    t.same(audit, ['service_update', 'service_update', 'service_confirm', 'service_referral_capacity', 'service_restore', 'service_create', 'organization_update'], 'every write is audited')
  })
})
