// Moderation: a self-registered organisation's listings are held until an admin approves it;
// then its edits go live at once.
import t from 'tap'
import { createAdmin } from '../../src/auth/admin.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'

const PASSWORD = 'a long and unusual passphrase'

t.test('register, list while pending, approve, edit live', async (t) => {
  const app = await buildTestApp(t)
  await createAdmin(app.db, 'admin@example.org', PASSWORD, FIXED_NOW)
  const signIn = async (email: string) =>
    `connector_session=${(await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password: PASSWORD } })).cookies.find((c) => c.name === 'connector_session')!.value}`
  const searchFor = async (words: string) =>
    ((await app.inject({ url: `/api/search?q=${encodeURIComponent(`"${words}"`)}` })).json().results as { id: string }[]).map((r) => r.id)

  const reg = await app.inject({
    method: 'POST',
    url: '/api/organizations/register',
    payload: { organization: { name: 'Quillfeather Writers Circle', description: 'Writing together.' }, email: 'Founder@Example.org' },
  })
  t.equal(reg.statusCode, 202)
  const orgId = reg.json().organization_id
  t.equal((await app.db.query<{ moderation: string }>('SELECT moderation FROM organization WHERE id = $1', [orgId])).rows[0]!.moderation, 'pending')
  const mail = (await app.db.query<{ body_text: string }>(`SELECT body_text FROM mail_outbox WHERE to_address = 'founder@example.org'`)).rows[0]!
  const token = /token=([A-Za-z0-9_-]+)/.exec(mail.body_text)![1]
  const accepted = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, password: PASSWORD } })
  t.match(accepted.json(), { role: 'editor', organization_ids: [orgId] })
  const editor = `connector_session=${accepted.cookies.find((c) => c.name === 'connector_session')!.value}`

  const doc = {
    name: 'Quillfeather Tuesday Writing Group',
    description: 'Short stories and poems, shared over tea.',
    delivery_modes: ['venue'],
    group_size: 'small',
    taxonomy_terms: ['learning-and-skills'],
    locations: [{ name: 'Quillfeather Room', latitude: 51.372, longitude: -0.1, address: { address_1: '2 High Street', city: 'Croydon', postal_code: 'CR0 1NX' } }],
    schedules: [{ location_index: 0, kind: 'weekly', byday: ['TU'], opens_at: '10:00', closes_at: '12:00' }],
  }
  const made = await app.inject({ method: 'POST', url: `/api/manage/organizations/${orgId}/services`, headers: { cookie: editor }, payload: doc })
  t.equal(made.statusCode, 201, made.body)
  const serviceId = made.json().id
  t.equal(made.json().document.status, 'active', 'the editor sees the status they chose')
  t.equal((await app.db.query<{ status: string }>('SELECT status FROM service WHERE id = $1', [serviceId])).rows[0]!.status, 'inactive', 'held while pending')
  t.same(await searchFor('Quillfeather Tuesday Writing Group'), [], 'not offered while pending')
  const mine = (await app.inject({ url: '/api/manage/organizations', headers: { cookie: editor } })).json()
  t.match(mine, [{ id: orgId, services: [{ id: serviceId, held: 'pending_approval' }] }])

  const admin = await signIn('admin@example.org')
  t.match((await app.inject({ url: '/api/admin/organizations/pending', headers: { cookie: admin } })).json(), [{ id: orgId, name: 'Quillfeather Writers Circle', services: 1 }])
  // Confirming a listing says it is running; it does not publish what is waiting for approval.
  for (const who of [editor, admin]) {
    t.equal((await app.inject({ method: 'POST', url: `/api/manage/services/${serviceId}/confirm`, headers: { cookie: who } })).statusCode, 200)
  }
  t.same((await app.db.query('SELECT status, status_before_hidden FROM service WHERE id = $1', [serviceId])).rows, [{ status: 'inactive', status_before_hidden: 'active' }], 'confirmed, still held')
  t.same(await searchFor('Quillfeather Tuesday Writing Group'), [], 'still not offered')
  t.equal((await app.inject({ method: 'POST', url: `/api/admin/organizations/${orgId}/approve`, headers: { cookie: editor } })).statusCode, 403)
  const approved = await app.inject({ method: 'POST', url: `/api/admin/organizations/${orgId}/approve`, headers: { cookie: admin } })
  t.equal(approved.statusCode, 200)
  t.match(approved.json(), { id: orgId, services_published: 1 })
  t.same(await searchFor('Quillfeather Tuesday Writing Group'), [serviceId], 'live once approved')
  t.equal((await app.inject({ method: 'POST', url: `/api/admin/organizations/${orgId}/approve`, headers: { cookie: admin } })).statusCode, 404, 'not pending any more')
  t.same((await app.inject({ url: '/api/admin/organizations/pending', headers: { cookie: admin } })).json(), [])

  const edited = await app.inject({
    method: 'PUT',
    url: `/api/manage/services/${serviceId}`,
    headers: { cookie: editor, 'if-match': '"1"' },
    payload: { ...made.json().document, name: 'Quillfeather Poetry Morning' },
  })
  t.equal(edited.statusCode, 200)
  t.same(await searchFor('Quillfeather Poetry Morning'), [serviceId], 'an approved organisation’s edits go live at once')
})
