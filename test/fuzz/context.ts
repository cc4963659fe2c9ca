/**
 * What the fuzzer knows about the directory it runs against: an account and an API token for
 * each role, real ids by kind (taken from the demo directory through the public API), realistic
 * values for fields by name, and whole documents to start request bodies from.
 */
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { createAdmin } from '../../src/auth/admin.ts'
import { hashPassword } from '../../src/auth/passwords.ts'
import { createAccount, createToken } from '../../src/auth/store.ts'
import type { Hints } from './schema-arbitrary.ts'

export const CALLERS = ['anonymous', 'link_worker', 'editor', 'commissioner', 'admin'] as const
export type Caller = (typeof CALLERS)[number]
export type SignedIn = Exclude<Caller, 'anonymous'>

/**
 * A request to start from: path parameters, a query, a body (a document and its own id), for
 * what the OpenAPI document cannot say (lat needs lon; a postcode or lat/lon, not both).
 */
export interface Example {
  params: Record<string, string>
  query?: Array<[string, string]>
  body?: unknown
}

export interface FuzzContext {
  /** Each signed-in caller's account, email (password PASSWORD) and API token (never handed to the fuzzer to revoke). */
  accounts: Record<SignedIn, string>
  emails: Record<SignedIn, string>
  tokens: Record<SignedIn, string>
  /** The organisation the editor edits, and one of its listings. */
  editorOrganization: string
  editorService: string
  /** Real ids by the path word that comes before them: services, organizations, tokens... */
  ids: Record<string, string[]>
  hints: Hints
  /** Bodies to start from, by operation ('PUT /api/manage/services/{id}'). */
  examples: Record<string, Example[]>
}

/** The password of every fuzz account. */
export const PASSWORD = 'a long and unusual fuzzing passphrase'

/** Postcodes people mistype, and ones no one has: what a search box receives. */
const BAD_POSTCODES = ['ZZ99 9ZZ', 'CR0', 'cr0 1nx', 'CR01NX', 'CR0  1NX', 'SW1A 1AA', 'A1 1AA', '99999', 'CR0 1NX\u0000', 'BT1 1AA', 'GIR 0AA', 'CR0 1N']

/** Search words, including the operators and punctuation full-text query parsers choke on. */
const SEARCH_WORDS = ['knitting', 'walk', 'choir OR singing', '"coffee morning"', '-yoga', 'knit:*', 'a & b', '!', '(', ')', "'", '\\', 'knittin', 'OR', '-', '""', '* * *', '<->', 'café']

type Json = Record<string, unknown>

/**
 * Accounts, tokens, ids, hints and example bodies for fuzzing `app` (the demo directory). Also
 * plants what older directories hold and the product no longer writes: one listing's venue
 * linked to a listing of another organisation (a shared venue), so writes meet it.
 */
export async function prepareFuzz(app: FastifyInstance): Promise<FuzzContext> {
  const now = app.now()
  const hash = await hashPassword(PASSWORD)
  // Addresses of this run's own, so a database fuzzed before (DATABASE_URL) can be fuzzed again.
  const tag = randomBytes(4).toString('hex')
  const email = (who: string) => `fuzz.${who}.${tag}@example.org`
  const signIn = email('signin')
  const call = async (options: InjectOptions, token?: string): Promise<{ status: number; json: any; headers: Record<string, unknown> }> => {
    const res = await app.inject({ ...options, headers: { ...(options.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) } })
    if (res.statusCode >= 400) throw new Error(`fuzz setup: ${options.method ?? 'GET'} ${options.url} answered ${res.statusCode} ${res.body.slice(0, 300)}`)
    return { status: res.statusCode, json: res.body ? res.json() : undefined, headers: res.headers }
  }

  // Real ids, through the public API.
  const services: Array<{ id: string; organization: { id: string }; delivery_modes: string[] }> = []
  for (let page = 1; ; page++) {
    const { json } = await call({ url: `/api/services?per_page=100&page=${page}` })
    services.push(...json.items)
    if (json.items.length < 100) break
  }
  const organizations = [...new Set(services.map((s) => s.organization.id))]
  const sal = (await call({ url: '/oruk/service_at_locations?per_page=100' })).json.contents as Array<{ id: string; service_id: string; location_id: string }>
  const terms = (await call({ url: '/api/taxonomy/terms' })).json as Array<{ id: string; code: string }>
  const taxonomies = ((await call({ url: '/oruk/taxonomies' })).json.contents as Array<{ id: string }>).map((x) => x.id)

  // The shared venue: B's venue-only listing also held at a venue of another organisation's listing.
  // No write through the API makes one any more, but directories from before the document path
  // hold them (migrations kept their rows), and edits must treat them right: the one row this
  // suite writes directly, standing for such a legacy directory.
  const venueOnly = services.filter((s) => s.delivery_modes.length === 1 && s.delivery_modes[0] === 'venue')
  const shared = venueOnly[0]!
  const host = sal.find((x) => !services.some((s) => s.id === x.service_id && s.organization.id === shared.organization.id))!
  await app.db.query('INSERT INTO service_at_location (service_id, location_id, ordinal) VALUES ($1, $2, 99)', [shared.id, host.location_id])

  // Accounts: the editor edits the organisation with the shared venue; a spare token each to revoke.
  const editorOrgs = [shared.organization.id]
  const accounts: Record<SignedIn, string> = {
    link_worker: await createAccount(app.db, { email: email('worker'), role: 'link_worker', passwordHash: hash }),
    editor: await createAccount(app.db, { email: email('editor'), role: 'editor', passwordHash: hash, organizationIds: editorOrgs }),
    commissioner: await createAccount(app.db, { email: email('commissioner'), role: 'commissioner', passwordHash: hash }),
    admin: (await createAdmin(app.db, email('admin'), PASSWORD, now)).id,
  }
  await createAccount(app.db, { email: signIn, role: 'link_worker', passwordHash: hash })
  const tokens = {} as Record<SignedIn, string>
  const spareTokens: string[] = []
  for (const [caller, id] of Object.entries(accounts) as Array<[SignedIn, string]>) {
    tokens[caller] = (await createToken(app.db, id, 'fuzz', now)).token
    spareTokens.push((await createToken(app.db, id, 'spare', now)).id)
  }

  // Documents: the editor's listings (the shared venue's first), and others'.
  const editorServices = services.filter((s) => editorOrgs.includes(s.organization.id)).map((s) => s.id)
  const docServices = [...new Set([shared.id, ...editorServices, ...services.slice(-4).map((s) => s.id)])].slice(0, 8)
  const serviceDocs: Array<{ id: string; organization_id: string; document: Json }> = []
  for (const id of docServices) serviceDocs.push((await call({ url: `/api/manage/services/${id}` }, tokens.admin)).json)
  const orgDocs: Array<{ id: string; document: Json }> = []
  for (const id of [...editorOrgs, organizations.at(-1)!]) orgDocs.push((await call({ url: `/api/manage/organizations/${id}` }, tokens.admin)).json)

  // Problem reports to resolve, and organisations waiting for approval (one with a listing).
  const reports: string[] = []
  for (const id of [editorServices[0]!, services.at(-1)!.id]) {
    reports.push((await call({ method: 'POST', url: `/api/services/${id}/problems`, payload: { kind: 'closed', note: 'fuzz' } }, tokens.link_worker)).json.id)
  }
  const pending: string[] = []
  for (const name of ['Fuzz pending one', 'Fuzz pending two']) {
    const { json } = await call({ method: 'POST', url: '/api/organizations/register', payload: { organization: { name }, email: email('pending') }, remoteAddress: '10.99.0.1' })
    pending.push(json.organization_id)
  }
  const newListing = (doc: Json): Json => ({ ...doc, locations: (doc.locations as Json[]).map(({ id: _id, ...rest }) => rest) })
  const held = (await call({ method: 'POST', url: `/api/manage/organizations/${pending[0]}/services`, payload: newListing(serviceDocs[1]!.document) }, tokens.admin)).json.id as string

  const locations = serviceDocs.flatMap((s) => (s.document.locations as Json[]).map((l) => l.id as string))
  const postcodes = [...new Set(serviceDocs.flatMap((s) => (s.document.locations as Array<{ address: { postal_code: string } }>).map((l) => l.address.postal_code)))]
  const areaCodes = serviceDocs.flatMap((s) => (s.document.service_areas as Json[]).map((a) => a.code).filter((c): c is string => typeof c === 'string'))
  const ids: Record<string, string[]> = {
    services: [...services.slice(0, 20).map((s) => s.id), ...docServices, held],
    organizations: [...organizations.slice(0, 10), ...editorOrgs, ...pending],
    service_at_locations: sal.slice(0, 20).map((x) => x.id),
    taxonomies,
    taxonomy_terms: terms.map((x) => x.id),
    tokens: spareTokens,
    problems: reports,
    postcodes: [...postcodes, 'CR0 1NX'],
    versions: ['1', '2', '3'],
  }

  const pick = <T>(values: readonly T[]) => fc.constantFrom(...values)
  const someEmails = pick([signIn, email('editor'), email('new'), email('admin').toUpperCase(), 'x@y'])
  const hints: Hints = {
    taxonomy_terms: pick(terms.map((x) => x.code)),
    terms: pick(terms.map((x) => x.code)),
    taxonomy_term: pick(terms.map((x) => x.code)),
    taxonomy_term_id: pick(ids.taxonomy_terms!),
    parent_id: pick(ids.taxonomy_terms!),
    taxonomy_id: pick(taxonomies),
    organization_id: pick(ids.organizations!),
    service: pick(ids.services!),
    id: pick(locations),
    postcode: pick([...ids.postcodes!, ...BAD_POSTCODES]),
    postal_code: pick([...ids.postcodes!, ...BAD_POSTCODES.slice(0, 6)]),
    code: pick([...new Set([...areaCodes, 'E09000008', 'E99999999', 'W06000001'])]),
    local_authority: pick(['E09000008', 'E09000022', 'E99999999', 'S12000033']),
    email: someEmails,
    editor_email: someEmails,
    password: pick([PASSWORD, 'password', 'a'.repeat(256)]),
    location_index: fc.integer({ min: 0, max: 3 }),
    q: pick(SEARCH_WORDS),
    search: pick(SEARCH_WORDS),
    language_need: pick(['en', 'pl', 'ur', 'xx']),
    language: pick(['en', 'pl', 'ur', 'xx']),
    // Croydon, where the demo directory is: a random latitude and longitude is rarely in the UK.
    lat: fc.double({ min: 51.3, max: 51.43, noNaN: true }),
    latitude: fc.double({ min: 51.3, max: 51.43, noNaN: true }),
    lon: fc.double({ min: -0.15, max: 0, noNaN: true }),
    longitude: fc.double({ min: -0.15, max: 0, noNaN: true }),
    // The OpenAPI document says only "string" for the ORUK yes/no flags.
    ...Object.fromEntries(['minimal', 'full', 'full_service', 'top_only'].map((flag) => [flag, pick(['true', 'false', '1', '0', 'yes', 'off'])])),
  }

  const servicePut = serviceDocs.map((s) => ({ params: { id: s.id }, body: s.document }))
  const first = serviceDocs[0]!.document.locations as Json[]
  const examples: Record<string, Example[]> = {
    'PUT /api/manage/services/{id}': [
      // The shared venue listed twice: the write must neither fail nor leave a venue behind.
      // First, while the venue is still shared: any write of the listing copies it.
      { params: { id: shared.id }, body: { ...serviceDocs[0]!.document, locations: [...first, ...first.slice(-1)] } },
      ...servicePut,
    ],
    'POST /api/manage/organizations/{id}/services': serviceDocs.map((s) => ({ params: { id: s.organization_id }, body: newListing(s.document) })),
    'PUT /api/manage/organizations/{id}': orgDocs.map((o) => ({ params: { id: o.id }, body: o.document })),
    'POST /api/organizations/register': orgDocs.map((o) => ({ params: {}, body: { organization: o.document, email: email('registering') } })),
    'POST /api/admin/organizations': orgDocs.map((o) => ({ params: {}, body: { organization: o.document, editor_email: email('new.editor') } })),
    'POST /api/match': [
      { params: {}, body: { postcode: 'CR0 1NX', travel: { walk_km: 1 }, interests: { terms: ['walking'] } } },
      { params: {}, body: { postcode: postcodes[0], travel: { housebound: true }, practical_needs: ['food'], language_need: 'pl', age: 70 } },
    ],
    'POST /api/auth/sign-in': [{ params: {}, body: { email: signIn, password: PASSWORD } }],
    'POST /api/invitations': [{ params: {}, body: { email: email('invited'), role: 'editor', organization_id: editorOrgs[0] } }],
    'POST /api/services/{id}/problems': [{ params: { id: editorServices[0]! }, body: { kind: 'wrong_time', note: 'It moved to Tuesdays' } }],
    'POST /api/manage/problems/{id}/resolve': reports.map((id) => ({ params: { id }, body: { resolution_note: 'Fixed' } })),
    'PUT /api/manage/services/{id}/referral-capacity': [{ params: { id: editorServices[0]! }, body: { referral_capacity: 'full' } }],
    'GET /api/search': [
      { params: {}, query: [['postcode', 'CR0 1NX'], ['q', 'knitting']] },
      { params: {}, query: [['lat', '51.372'], ['lon', '-0.1'], ['radius_km', '3'], ['day', 'MO,TU'], ['time_from', '09:00'], ['time_to', '17:00']] },
      { params: {}, query: [['q', 'walk'], ['taxonomy_term', 'walking'], ['free', 'true'], ['delivery_mode', 'venue'], ['sort', 'name']] },
    ],
    'GET /oruk/services': [
      { params: {}, query: [['search', 'knitting'], ['postcode', 'CR0 1NX'], ['proximity', '2000']] },
      { params: {}, query: [['full', 'true'], ['per_page', '3'], ['taxonomy_id', taxonomies[0]!]] },
      { params: {}, query: [['format', 'ndjson'], ['minimal', 'true'], ['modified_after', '2026-01-01T00:00:00Z']] },
    ],
    'GET /oruk/service_at_locations': [
      { params: {}, query: [['postcode', 'CR0 1NX'], ['proximity', '1500'], ['full', 'true']] },
      { params: {}, query: [['search', 'choir'], ['format', 'ndjson']] },
    ],
    'GET /api/services': [{ params: {}, query: [['organization_id', editorOrgs[0]!], ['taxonomy_term', terms[0]!.code], ['per_page', '5']] }],
    'GET /oruk/organizations': [{ params: {}, query: [['full', 'true'], ['full_service', 'true'], ['per_page', '2']] }],
    'GET /api/admin/audit': [{ params: {}, query: [['action', 'sign_in'], ['per_page', '5']] }],
    // Confirming a listing held until its organisation is approved: it must stay held, and keep the status approval gives it.
    'POST /api/manage/services/{id}/confirm': [{ params: { id: held } }],
  }
  const emails: Record<SignedIn, string> = { link_worker: email('worker'), editor: email('editor'), commissioner: email('commissioner'), admin: email('admin') }
  return { accounts, emails, tokens, editorOrganization: editorOrgs[0]!, editorService: editorServices[0]!, ids, hints, examples }
}
