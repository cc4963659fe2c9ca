// The authorisation matrix, generated from the route table (the OpenAPI document lists every
// route): each route × each kind of caller (anonymous, link worker, editor of organisation A,
// editor of organisation B, commissioner, admin) × their own and another's object. Each cell
// is asserted; a route missing from POLICY below fails the test, and so does a stale entry.
import t from 'tap'
import type { InjectOptions } from 'fastify'
import { createAdmin } from '../../src/auth/admin.ts'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount, createToken } from '../../src/auth/store.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'

const CALLERS = ['anonymous', 'link_worker', 'editor_a', 'editor_b', 'commissioner', 'admin'] as const
type Caller = (typeof CALLERS)[number]
type Target = 'own' | 'other'

/**
 * Who may call a route. public: anyone. signed_in: any account. roles: these roles only;
 * with `scope`, editors only on their own organisation's objects (another's answers 404, as if
 * it did not exist) and admins on any; `scope: 'team'`, link workers only on their team's
 * episodes and referrals (another team's answers 404); `scope: 'account'` means the caller's own object.
 */
type Rule = { auth: 'public' } | { auth: 'signed_in'; scope?: 'account' } | { auth: 'roles'; roles: string[]; scope?: 'organization' | 'team' }

interface Ctx {
  org: Record<'A' | 'B', string>
  service: Record<'A' | 'B', string>
  report: Record<'A' | 'B', string>
  serviceAtLocation: string
  pending: Record<'A' | 'B', string>
  serviceDoc: object
  orgDoc: object
  spareToken: Partial<Record<Caller, string>>
  password: string
  /** A: an episode of the link worker's team, referred to service A; B: another team's, referred to service B. */
  episode: Record<'A' | 'B', string>
  referral: Record<'A' | 'B', string>
  team: string
  otherWorker: string
  /** A csv source, a run of it (an upload) and a listing it refused, in quarantine. */
  csvSource: string
  csvRun: number
  quarantined: number
}

const CSV = 'ref,name,activity_types,venue_name,address_1,town,postcode,days,opens,closes\nM1,Matrix Club,social-groups,Norbury Hall,1 London Road,Norbury,SW16 4DH,MO,10:00,11:00\n'
const csvUpload = (url: string): InjectOptions => ({ method: 'POST', url, headers: { 'content-type': 'text/csv' }, payload: CSV })

// The object a caller's request is about: A for editor A's own (and everyone else's "own"), B for "other".
const side = (caller: Caller, target: Target): 'A' | 'B' => ((caller === 'editor_b') === (target === 'own') ? 'B' : 'A')

type Build = (ctx: Ctx, caller: Caller, target: Target) => InjectOptions

const POLICY: Record<string, { rule: Rule; request: Build }> = {
  'GET /health': { rule: { auth: 'public' }, request: () => ({ url: '/health' }) },
  'GET /ready': { rule: { auth: 'public' }, request: () => ({ url: '/ready' }) },
  'GET /api/services': { rule: { auth: 'public' }, request: () => ({ url: '/api/services?per_page=1' }) },
  'GET /api/services/{id}': { rule: { auth: 'public' }, request: (c) => ({ url: `/api/services/${c.service.A}` }) },
  'GET /api/organizations/{id}': { rule: { auth: 'public' }, request: (c) => ({ url: `/api/organizations/${c.org.A}` }) },
  'GET /api/taxonomy/terms': { rule: { auth: 'public' }, request: () => ({ url: '/api/taxonomy/terms' }) },
  'GET /oruk/': { rule: { auth: 'public' }, request: () => ({ url: '/oruk/' }) },
  'GET /oruk/services': { rule: { auth: 'public' }, request: () => ({ url: '/oruk/services?per_page=1' }) },
  'GET /oruk/services/{id}': { rule: { auth: 'public' }, request: (c) => ({ url: `/oruk/services/${c.service.A}` }) },
  'GET /oruk/service_at_locations': { rule: { auth: 'public' }, request: () => ({ url: '/oruk/service_at_locations?per_page=1' }) },
  'GET /oruk/service_at_locations/{id}': { rule: { auth: 'public' }, request: (c) => ({ url: `/oruk/service_at_locations/${c.serviceAtLocation}` }) },
  'GET /oruk/taxonomies': { rule: { auth: 'public' }, request: () => ({ url: '/oruk/taxonomies' }) },
  'GET /oruk/taxonomies/{id}': { rule: { auth: 'public' }, request: () => ({ url: '/oruk/taxonomies/b17df540-59ca-4770-a2c0-dbcc28039989' }) },
  'GET /oruk/taxonomy_terms': { rule: { auth: 'public' }, request: () => ({ url: '/oruk/taxonomy_terms' }) },
  'GET /oruk/taxonomy_terms/{id}': { rule: { auth: 'public' }, request: () => ({ url: '/oruk/taxonomy_terms/af9468da-a55e-4eba-9eab-97a7d4d91cd9' }) },
  'GET /oruk/organizations': { rule: { auth: 'public' }, request: () => ({ url: '/oruk/organizations?per_page=1' }) },
  'GET /oruk/organizations/{id}': { rule: { auth: 'public' }, request: (c) => ({ url: `/oruk/organizations/${c.org.A}` }) },
  'GET /api/postcodes/{postcode}': { rule: { auth: 'public' }, request: () => ({ url: '/api/postcodes/CR0%201NX' }) },
  'GET /api/search': { rule: { auth: 'public' }, request: () => ({ url: '/api/search?postcode=CR0%201NX&q=knitting' }) },
  'POST /api/match': {
    rule: { auth: 'public' },
    request: () => ({ method: 'POST', url: '/api/match', payload: { postcode: 'CR0 1NX', travel: { walk_km: 1 }, interests: { terms: ['walking'] } } }),
  },
  'POST /api/invitations': {
    rule: { auth: 'roles', roles: ['admin', 'editor'], scope: 'organization' },
    request: (c, caller, target) => ({ method: 'POST', url: '/api/invitations', payload: { email: `new.${caller}@example.org`, role: 'editor', organization_id: c.org[side(caller, target)] } }),
  },
  'POST /api/invitations/accept': { rule: { auth: 'public' }, request: () => ({ method: 'POST', url: '/api/invitations/accept', payload: { token: 'x'.repeat(43), password: 'whatever it may be' } }) },
  'POST /api/auth/password-reset': { rule: { auth: 'public' }, request: () => ({ method: 'POST', url: '/api/auth/password-reset', payload: { email: 'nobody@example.org' } }) },
  'POST /api/auth/password-reset/complete': { rule: { auth: 'public' }, request: () => ({ method: 'POST', url: '/api/auth/password-reset/complete', payload: { token: 'x'.repeat(43), password: 'whatever it may be' } }) },
  'POST /api/auth/sign-in': { rule: { auth: 'public' }, request: (c) => ({ method: 'POST', url: '/api/auth/sign-in', payload: { email: 'signin@example.org', password: c.password } }) },
  'POST /api/auth/sign-out': { rule: { auth: 'public' }, request: () => ({ method: 'POST', url: '/api/auth/sign-out' }) },
  'GET /api/auth/me': { rule: { auth: 'signed_in' }, request: () => ({ url: '/api/auth/me' }) },
  'PUT /api/auth/password': {
    rule: { auth: 'signed_in' },
    // The right current password and a refused new one: through the gate, nothing changes.
    request: (c) => ({ method: 'PUT', url: '/api/auth/password', payload: { current_password: c.password, new_password: 'password' } }),
  },
  'GET /api/auth/tokens': { rule: { auth: 'signed_in' }, request: () => ({ url: '/api/auth/tokens' }) },
  'POST /api/auth/tokens': { rule: { auth: 'signed_in' }, request: () => ({ method: 'POST', url: '/api/auth/tokens', payload: { name: 'matrix' } }) },
  'DELETE /api/auth/tokens/{id}': {
    rule: { auth: 'signed_in', scope: 'account' },
    request: (c, caller, target) => {
      const other = caller === 'admin' ? 'link_worker' : 'admin'
      return { method: 'DELETE', url: `/api/auth/tokens/${c.spareToken[target === 'own' ? caller : other] ?? '00000000-0000-4000-8000-000000000000'}` }
    },
  },
  'GET /api/admin/audit': { rule: { auth: 'roles', roles: ['admin'] }, request: () => ({ url: '/api/admin/audit?per_page=1' }) },
  'GET /api/manage/organizations': { rule: { auth: 'roles', roles: ['admin', 'editor'] }, request: () => ({ url: '/api/manage/organizations' }) },
  'GET /api/manage/organizations/{id}': { rule: { auth: 'roles', roles: ['admin', 'editor'], scope: 'organization' }, request: (c, caller, target) => ({ url: `/api/manage/organizations/${c.org[side(caller, target)]}` }) },
  'PUT /api/manage/organizations/{id}': {
    rule: { auth: 'roles', roles: ['admin', 'editor'], scope: 'organization' },
    // A stale version: through the gate, answered 412, nothing written.
    request: (c, caller, target) => ({ method: 'PUT', url: `/api/manage/organizations/${c.org[side(caller, target)]}`, headers: { 'if-match': '"0"' }, payload: c.orgDoc }),
  },
  'GET /api/manage/services/{id}': { rule: { auth: 'roles', roles: ['admin', 'editor'], scope: 'organization' }, request: (c, caller, target) => ({ url: `/api/manage/services/${c.service[side(caller, target)]}` }) },
  'PUT /api/manage/services/{id}': {
    rule: { auth: 'roles', roles: ['admin', 'editor'], scope: 'organization' },
    request: (c, caller, target) => ({ method: 'PUT', url: `/api/manage/services/${c.service[side(caller, target)]}`, headers: { 'if-match': '"0"' }, payload: c.serviceDoc }),
  },
  'POST /api/manage/organizations/{id}/services': {
    rule: { auth: 'roles', roles: ['admin', 'editor'], scope: 'organization' },
    request: (c, caller, target) => ({ method: 'POST', url: `/api/manage/organizations/${c.org[side(caller, target)]}/services`, payload: c.serviceDoc }),
  },
  'POST /api/manage/services/{id}/confirm': { rule: { auth: 'roles', roles: ['admin', 'editor'], scope: 'organization' }, request: (c, caller, target) => ({ method: 'POST', url: `/api/manage/services/${c.service[side(caller, target)]}/confirm` }) },
  'PUT /api/manage/services/{id}/referral-capacity': {
    rule: { auth: 'roles', roles: ['admin', 'editor'], scope: 'organization' },
    request: (c, caller, target) => ({ method: 'PUT', url: `/api/manage/services/${c.service[side(caller, target)]}/referral-capacity`, payload: { referral_capacity: 'open' } }),
  },
  'GET /api/manage/services/{id}/versions': { rule: { auth: 'roles', roles: ['admin', 'editor'], scope: 'organization' }, request: (c, caller, target) => ({ url: `/api/manage/services/${c.service[side(caller, target)]}/versions` }) },
  'POST /api/admin/services/{id}/versions/{version}/restore': { rule: { auth: 'roles', roles: ['admin'] }, request: (c) => ({ method: 'POST', url: `/api/admin/services/${c.service.A}/versions/1/restore` }) },
  'POST /api/services/{id}/problems': { rule: { auth: 'roles', roles: ['admin', 'link_worker'] }, request: (c) => ({ method: 'POST', url: `/api/services/${c.service.A}/problems`, payload: { kind: 'other', note: 'matrix' } }) },
  'GET /api/manage/problems': { rule: { auth: 'roles', roles: ['admin', 'editor'] }, request: () => ({ url: '/api/manage/problems' }) },
  'POST /api/manage/problems/{id}/resolve': {
    rule: { auth: 'roles', roles: ['admin', 'editor'], scope: 'organization' },
    request: (c, caller, target) => ({ method: 'POST', url: `/api/manage/problems/${c.report[side(caller, target)]}/resolve`, payload: {} }),
  },
  'GET /api/admin/problems': { rule: { auth: 'roles', roles: ['admin'] }, request: () => ({ url: '/api/admin/problems' }) },
  'POST /api/organizations/register': {
    rule: { auth: 'public' },
    request: (_c, caller, target) => ({ method: 'POST', url: '/api/organizations/register', payload: { organization: { name: `Group of ${caller} ${target}` }, email: `${caller}.${target}@example.org` } }),
  },
  'POST /api/admin/organizations': {
    rule: { auth: 'roles', roles: ['admin'] },
    request: (_c, caller, target) => ({ method: 'POST', url: '/api/admin/organizations', payload: { organization: { name: `Added for ${caller} ${target}`, local_authority: 'E09000008' } } }),
  },
  'GET /api/admin/organizations': { rule: { auth: 'roles', roles: ['admin'] }, request: () => ({ url: '/api/admin/organizations' }) },
  'GET /api/admin/ingest/sources': { rule: { auth: 'roles', roles: ['admin'] }, request: () => ({ url: '/api/admin/ingest/sources' }) },
  'POST /api/admin/ingest/sources': {
    rule: { auth: 'roles', roles: ['admin'] },
    request: (_c, caller, target) => ({ method: 'POST', url: '/api/admin/ingest/sources', payload: { name: `Feed for ${caller} ${target}`, kind: 'oruk', url: 'https://directory.example.org/oruk' } }),
  },
  'PUT /api/admin/ingest/sources/{id}': { rule: { auth: 'roles', roles: ['admin'] }, request: (c) => ({ method: 'PUT', url: `/api/admin/ingest/sources/${c.csvSource}`, payload: { name: 'Matrix spreadsheets', kind: 'csv' } }) },
  'POST /api/admin/ingest/sources/{id}/runs': { rule: { auth: 'roles', roles: ['admin'] }, request: (c) => ({ method: 'POST', url: `/api/admin/ingest/sources/${c.csvSource}/runs` }) },
  'GET /api/admin/ingest/sources/{id}/runs': { rule: { auth: 'roles', roles: ['admin'] }, request: (c) => ({ url: `/api/admin/ingest/sources/${c.csvSource}/runs` }) },
  'POST /api/admin/ingest/sources/{id}/upload': { rule: { auth: 'roles', roles: ['admin'] }, request: (c) => csvUpload(`/api/admin/ingest/sources/${c.csvSource}/upload?dry_run=true`) },
  'POST /api/admin/ingest/runs/{id}/withdrawals': { rule: { auth: 'roles', roles: ['admin'] }, request: (c) => ({ method: 'POST', url: `/api/admin/ingest/runs/${c.csvRun}/withdrawals` }) },
  'GET /api/admin/ingest/quarantine': { rule: { auth: 'roles', roles: ['admin'] }, request: () => ({ url: '/api/admin/ingest/quarantine' }) },
  'POST /api/admin/ingest/quarantine/{id}/retry': { rule: { auth: 'roles', roles: ['admin'] }, request: (c) => ({ method: 'POST', url: `/api/admin/ingest/quarantine/${c.quarantined}/retry` }) },
  'GET /api/admin/ingest/term-map': { rule: { auth: 'roles', roles: ['admin'] }, request: () => ({ url: '/api/admin/ingest/term-map' }) },
  'PUT /api/admin/ingest/term-map': {
    rule: { auth: 'roles', roles: ['admin'] },
    request: () => ({ method: 'PUT', url: '/api/admin/ingest/term-map', payload: { scheme: 'esdServiceTypes', external: 'http://id.esd.org.uk/service/1024', field: 'activity', value: 'social-groups' } }),
  },
  'POST /api/admin/services/{id}/hand-over': { rule: { auth: 'roles', roles: ['admin'] }, request: (c) => ({ method: 'POST', url: `/api/admin/services/${c.service.A}/hand-over` }) },
  'GET /api/ingest/csv/template': { rule: { auth: 'public' }, request: () => ({ url: '/api/ingest/csv/template' }) },
  'GET /api/ingest/csv/columns': { rule: { auth: 'public' }, request: () => ({ url: '/api/ingest/csv/columns' }) },
  'POST /api/manage/organizations/{id}/upload': {
    rule: { auth: 'roles', roles: ['admin', 'editor'], scope: 'organization' },
    request: (c, caller, target) => csvUpload(`/api/manage/organizations/${c.org[side(caller, target)]}/upload?dry_run=true`),
  },
  'GET /api/admin/organizations/pending': { rule: { auth: 'roles', roles: ['admin'] }, request: () => ({ url: '/api/admin/organizations/pending' }) },
  'POST /api/admin/organizations/{id}/approve': {
    rule: { auth: 'roles', roles: ['admin'] },
    request: (c, _caller, target) => ({ method: 'POST', url: `/api/admin/organizations/${c.pending[target === 'own' ? 'A' : 'B']}/approve` }),
  },
  'POST /api/episodes': {
    rule: { auth: 'roles', roles: ['link_worker'] },
    request: () => ({ method: 'POST', url: '/api/episodes', payload: { case_number: 'MATRIX-NEW', referral_route: 'self', age_band: '35-44', postcode: 'CR0 1NX' } }),
  },
  'POST /api/episodes/lookup': { rule: { auth: 'roles', roles: ['link_worker'] }, request: () => ({ method: 'POST', url: '/api/episodes/lookup', payload: { case_number: 'MATRIX-A' } }) },
  'GET /api/episodes': { rule: { auth: 'roles', roles: ['link_worker'] }, request: () => ({ url: '/api/episodes?state=all' }) },
  'GET /api/episodes/{id}': { rule: { auth: 'roles', roles: ['link_worker'], scope: 'team' }, request: (c, _caller, target) => ({ url: `/api/episodes/${c.episode[target === 'own' ? 'A' : 'B']}` }) },
  'POST /api/episodes/{id}/close': {
    rule: { auth: 'roles', roles: ['link_worker'], scope: 'team' },
    request: (c, _caller, target) => ({ method: 'POST', url: `/api/episodes/${c.episode[target === 'own' ? 'A' : 'B']}/close`, payload: { reason: 'other' } }),
  },
  'POST /api/episodes/{id}/scores': {
    rule: { auth: 'roles', roles: ['link_worker'], scope: 'team' },
    request: (c, _caller, target) => ({ method: 'POST', url: `/api/episodes/${c.episode[target === 'own' ? 'A' : 'B']}/scores`, payload: { kind: 'follow_up', companionship: 2, left_out: 2, isolated: 1 } }),
  },
  'POST /api/episodes/{id}/referrals': {
    rule: { auth: 'roles', roles: ['link_worker'], scope: 'team' },
    request: (c, _caller, target) => ({ method: 'POST', url: `/api/episodes/${c.episode[target === 'own' ? 'A' : 'B']}/referrals`, payload: { service_id: c.service.B, source: 'search' } }),
  },
  'GET /api/referrals': { rule: { auth: 'roles', roles: ['link_worker'] }, request: () => ({ url: '/api/referrals' }) },
  'POST /api/referrals/{id}/status': {
    rule: { auth: 'roles', roles: ['link_worker'], scope: 'team' },
    // 'closed' is the link worker's to make from sent or accepted; once closed, a 409: never a 403.
    request: (c, _caller, target) => ({ method: 'POST', url: `/api/referrals/${c.referral[target === 'own' ? 'A' : 'B']}/status`, payload: { status: 'closed' } }),
  },
  'GET /api/manage/referrals': { rule: { auth: 'roles', roles: ['editor'] }, request: () => ({ url: '/api/manage/referrals' }) },
  'POST /api/manage/referrals/{id}/status': {
    rule: { auth: 'roles', roles: ['editor'], scope: 'organization' },
    // 'accepted' is the organisation's to make from sent; from any later status a 409: never a 403.
    request: (c, caller, target) => ({ method: 'POST', url: `/api/manage/referrals/${c.referral[side(caller, target)]}/status`, payload: { status: 'accepted' } }),
  },
  'GET /api/admin/teams': { rule: { auth: 'roles', roles: ['admin'] }, request: () => ({ url: '/api/admin/teams' }) },
  'POST /api/admin/teams': { rule: { auth: 'roles', roles: ['admin'] }, request: (_c, caller, target) => ({ method: 'POST', url: '/api/admin/teams', payload: { name: `Team of ${caller} ${target}` } }) },
  'GET /api/admin/link-workers': { rule: { auth: 'roles', roles: ['admin'] }, request: () => ({ url: '/api/admin/link-workers' }) },
  'GET /api/admin/pcns': { rule: { auth: 'roles', roles: ['admin'] }, request: () => ({ url: '/api/admin/pcns' }) },
  'PUT /api/admin/teams/{id}/pcn': {
    rule: { auth: 'roles', roles: ['admin'] },
    request: (c) => ({ method: 'PUT', url: `/api/admin/teams/${c.team}/pcn`, payload: { pcn_code: 'U92836' } }),
  },
  'PUT /api/admin/accounts/{id}/team': {
    rule: { auth: 'roles', roles: ['admin'] },
    request: (c) => ({ method: 'PUT', url: `/api/admin/accounts/${c.otherWorker}/team`, payload: { team_id: c.team } }),
  },
  // Commissioners' reports, each as JSON and CSV, the two with tables by area as GeoJSON too.
  ...Object.fromEntries(
    ['', '/unmet-need', '/supply', '/demand', '/outcomes', '/freshness', '/unmet-need.csv', '/supply.csv', '/demand.csv', '/outcomes.csv', '/freshness.csv', '/unmet-need.geojson', '/supply.geojson'].map((path) => [
      `GET /api/reports${path}`,
      { rule: { auth: 'roles', roles: ['commissioner', 'admin'] } as Rule, request: () => ({ url: `/api/reports${path}` }) },
    ]),
  ),
  'POST /api/confirm': { rule: { auth: 'public' }, request: (c) => ({ method: 'POST', url: '/api/confirm', payload: { service: c.service.A, expires: 4102444800, sig: 'not-a-real-signature' } }) },
}

const roleOf = (caller: Caller) => (caller.startsWith('editor') ? 'editor' : caller)

/** What the cell should answer: 'allowed' (through the gate), or 401, 403, 404. */
function expected(rule: Rule, caller: Caller, target: Target): 'allowed' | 401 | 403 | 404 {
  if (rule.auth === 'public') return 'allowed'
  if (caller === 'anonymous') return 401
  if (rule.auth === 'signed_in') return rule.scope === 'account' && target === 'other' ? 404 : 'allowed'
  if (!rule.roles.includes(roleOf(caller))) return 403
  if (rule.scope === 'organization' && caller.startsWith('editor') && target === 'other') return 404
  if (rule.scope === 'team' && target === 'other') return 404
  return 'allowed'
}

t.test('every route × every caller × own and other object', async (t) => {
  const app = await buildTestApp(t)
  const password = 'a long and unusual passphrase'
  const hash = await hashPassword(password)
  const { rows } = await app.db.query<{ id: string; organization_id: string }>(
    `SELECT DISTINCT ON (organization_id) id, organization_id FROM service WHERE delivery_modes = '{venue}' ORDER BY organization_id, id LIMIT 2`,
  )
  const [a, b] = rows as [(typeof rows)[0], (typeof rows)[0]]
  const accounts: Record<Caller, string | undefined> = {
    anonymous: undefined,
    link_worker: await createAccount(app.db, { email: 'worker@example.org', role: 'link_worker', passwordHash: hash }),
    editor_a: await createAccount(app.db, { email: 'ed.a@example.org', role: 'editor', passwordHash: hash, organizationIds: [a.organization_id] }),
    editor_b: await createAccount(app.db, { email: 'ed.b@example.org', role: 'editor', passwordHash: hash, organizationIds: [b.organization_id] }),
    commissioner: await createAccount(app.db, { email: 'commissioner@example.org', role: 'commissioner', passwordHash: hash }),
    admin: (await createAdmin(app.db, 'admin@example.org', password, FIXED_NOW)).id,
  }
  await createAccount(app.db, { email: 'signin@example.org', role: 'link_worker', passwordHash: hash })
  const otherWorker = await createAccount(app.db, { email: 'other.worker@example.org', role: 'link_worker', passwordHash: hash })
  const tokens: Partial<Record<Caller, string>> = {}
  const spareToken: Partial<Record<Caller, string>> = {}
  for (const caller of CALLERS) {
    const id = accounts[caller]
    if (!id) continue
    tokens[caller] = (await createToken(app.db, id, 'matrix', FIXED_NOW)).token
    spareToken[caller] = (await createToken(app.db, id, 'spare', FIXED_NOW)).id
  }
  const as = (caller: Caller, options: InjectOptions): InjectOptions =>
    tokens[caller] ? { ...options, headers: { ...(options.headers ?? {}), authorization: `Bearer ${tokens[caller]}` } } : options
  const adminGet = async (url: string) => (await app.inject(as('admin', { url }))).json()
  await app.inject(as('admin', { method: 'POST', url: `/api/manage/services/${a.id}/confirm` })) // version 1 has a snapshot to restore
  const report = async (serviceId: string) => (await app.inject(as('link_worker', { method: 'POST', url: `/api/services/${serviceId}/problems`, payload: { kind: 'closed' } }))).json().id as string
  const register = async (name: string) =>
    (await app.inject({ method: 'POST', url: '/api/organizations/register', payload: { organization: { name }, email: `${name.replace(' ', '.')}@example.org` }, remoteAddress: '10.9.9.9' })).json().organization_id as string
  // Two teams: the link worker's, and another's with an episode and a referral of its own.
  const team = (name: string) => app.inject(as('admin', { method: 'POST', url: '/api/admin/teams', payload: { name } })).then((r) => r.json().id as string)
  const [ours, theirs] = [await team('Matrix team'), await team('Other team')]
  await app.inject(as('admin', { method: 'PUT', url: `/api/admin/accounts/${accounts.link_worker}/team`, payload: { team_id: ours } }))
  await app.inject(as('admin', { method: 'PUT', url: `/api/admin/accounts/${otherWorker}/team`, payload: { team_id: theirs } }))
  const otherToken = (await createToken(app.db, otherWorker, 'matrix', FIXED_NOW)).token
  const openAndRefer = async (auth: InjectOptions['headers'], caseNumber: string, serviceId: string) => {
    const episode = (await app.inject({ method: 'POST', url: '/api/episodes', headers: auth, payload: { case_number: caseNumber, referral_route: 'gp', age_band: '65-74', postcode: 'CR0 1NX' } })).json().id as string
    const referral = (await app.inject({ method: 'POST', url: `/api/episodes/${episode}/referrals`, headers: auth, payload: { service_id: serviceId, source: 'match' } })).json().id as string
    return { episode, referral }
  }
  const own = await openAndRefer({ authorization: `Bearer ${tokens.link_worker}` }, 'MATRIX-A', a.id)
  const other = await openAndRefer({ authorization: `Bearer ${otherToken}` }, 'MATRIX-B', b.id)
  // A csv source with one upload (its run) that refused a listing (in quarantine).
  const csvSource = (await app.inject(as('admin', { method: 'POST', url: '/api/admin/ingest/sources', payload: { name: 'Matrix spreadsheets', kind: 'csv' } }))).json().id as string
  const refused = await app.inject(as('admin', { ...csvUpload(`/api/admin/ingest/sources/${csvSource}/upload`), payload: CSV.replace('social-groups', 'no-such-activity') }))
  const quarantined = (await adminGet('/api/admin/ingest/quarantine'))[0].id as number
  const ctx: Ctx = {
    csvSource,
    csvRun: refused.json().run_id as number,
    quarantined,
    episode: { A: own.episode, B: other.episode },
    referral: { A: own.referral, B: other.referral },
    team: ours,
    otherWorker,
    org: { A: a.organization_id, B: b.organization_id },
    service: { A: a.id, B: b.id },
    report: { A: await report(a.id), B: await report(b.id) },
    pending: { A: await register('Pending A'), B: await register('Pending B') },
    serviceAtLocation: (await app.db.query<{ id: string }>('SELECT id FROM service_at_location WHERE service_id = $1 LIMIT 1', [a.id])).rows[0]!.id,
    serviceDoc: (await adminGet(`/api/manage/services/${a.id}`)).document,
    orgDoc: (await adminGet(`/api/manage/organizations/${a.organization_id}`)).document,
    spareToken,
    password,
  }

  // The route table: every operation in the OpenAPI document, which Fastify builds from the routes.
  const doc = (await app.inject({ url: '/docs/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> }
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
  t.same(routes.filter((r) => !(r in POLICY)), [], 'every route has a policy')
  t.same(Object.keys(POLICY).filter((r) => !routes.includes(r)), [], 'every policy is for a route that exists')

  let cells = 0
  for (const route of routes) {
    const entry = POLICY[route]
    if (!entry) continue
    for (const caller of CALLERS) {
      for (const target of ['own', 'other'] as const) {
        const want = expected(entry.rule, caller, target)
        const res = await app.inject(as(caller, entry.request(ctx, caller, target)))
        const got = res.statusCode
        const ok = want === 'allowed' ? ![401, 403, 404].includes(got) && got < 500 : got === want
        cells++
        if (!ok) t.fail(`${route} as ${caller} on ${target}: expected ${want}, got ${got} ${res.body.slice(0, 200)}`)
        if (want !== 'allowed' && res.headers['content-type'] !== 'application/problem+json; charset=utf-8') t.fail(`${route} as ${caller}: a refusal is problem+json`)
      }
    }
  }
  t.equal(cells, routes.length * CALLERS.length * 2, `${cells} cells asserted`)
  const { rows: refusals } = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'access' AND outcome = 'refused'`)
  t.ok(refusals[0]!.n > 100, `${refusals[0]!.n} refusals audited`)
})
