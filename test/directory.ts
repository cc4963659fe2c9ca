/**
 * Builds a directory the way its users do, through the product's own API: an admin (made as
 * `npm run admin:create` makes one) adds organisations with POST /api/admin/organizations and
 * invites an editor; the editor accepts the emailed invitation and adds listings with
 * POST /api/manage/organizations/{id}/services. Nothing is written to a table directly, so a
 * test over this directory fails wherever the product could not hold what it tests.
 */
import type { FastifyInstance } from 'fastify'
import type { z } from 'zod'
import { createAccount } from '../src/auth/store.ts'
import { hashPassword } from '../src/auth/passwords.ts'
import type { AccessibilityFeature, Weekday } from '../src/directory/vocabulary.ts'
import type { LocationDocumentSchema, OrganizationDocumentSchema, ScheduleDocumentSchema, ServiceDocument, ServiceDocumentSchema } from '../src/manage/schemas.ts'

/** A service document as an organisation sends it: fields with defaults may be left out. */
export type ServiceInput = z.input<typeof ServiceDocumentSchema>
export type OrganizationInput = z.input<typeof OrganizationDocumentSchema>
export type LocationInput = z.input<typeof LocationDocumentSchema>
export type ScheduleInput = z.input<typeof ScheduleDocumentSchema>

const PASSWORD = 'a long and unremarkable passphrase'

export interface Org {
  id: string
  name: string
  /** The organisation's editor. */
  editor: string
  /** The editor's session cookie. */
  cookie: string
}

export interface Listing {
  id: string
  name: string
  /** The document as stored and read back (defaults filled in, the default area shown). */
  document: ServiceDocument
}

export interface Answer {
  status: number
  body: any
}

let counter = 0

export class DirectoryBuilder {
  private constructor(
    private readonly app: FastifyInstance,
    private readonly admin: string,
    public adminCookie: string,
  ) {}

  /** Signs in a new admin, made as `npm run admin:create` makes one. */
  static async start(app: FastifyInstance): Promise<DirectoryBuilder> {
    counter += 1
    const email = `admin${counter}@example.org`
    await createAccount(app.db, { email, role: 'admin', passwordHash: await hashPassword(PASSWORD) })
    return new DirectoryBuilder(app, email, await signIn(app, email))
  }

  /** Signs the admin and these organisations' editors in again (sessions end as the clock moves on). */
  async signInAgain(...orgs: Org[]): Promise<void> {
    this.adminCookie = await signIn(this.app, this.admin)
    for (const org of orgs) org.cookie = await signIn(this.app, org.editor)
  }

  async call(method: 'GET' | 'POST' | 'PUT', url: string, cookie: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await this.app.inject({ method, url, payload: payload as object | undefined, headers: { cookie, ...headers } })
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined }
  }

  /** An organisation added by the admin, with an editor who accepted the emailed invitation. */
  async organization(document: OrganizationInput): Promise<Org> {
    counter += 1
    const email = `editor${counter}@example.org`
    const created = await this.call('POST', '/api/admin/organizations', this.adminCookie, { organization: document, editor_email: email })
    if (created.status !== 201) throw new Error(`POST /api/admin/organizations → ${created.status}: ${JSON.stringify(created.body)}`)
    const { rows } = await this.app.db.query<{ body_text: string }>('SELECT body_text FROM mail_outbox WHERE to_address = $1 ORDER BY id DESC LIMIT 1', [email])
    const token = /token=([A-Za-z0-9_-]+)/.exec(rows[0]?.body_text ?? '')?.[1]
    if (!token) throw new Error(`no invitation emailed to ${email}`)
    const accepted = await this.app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, password: PASSWORD } })
    if (accepted.statusCode !== 200) throw new Error(`accepting the invitation → ${accepted.statusCode}: ${accepted.body}`)
    return { id: created.body.id, name: document.name, editor: email, cookie: sessionCookie(accepted.cookies) }
  }

  /** Sends a listing (well formed or not) as the organisation's editor; the answer as it came. */
  async send(org: Org, document: ServiceInput | Record<string, unknown>): Promise<Answer> {
    return this.call('POST', `/api/manage/organizations/${org.id}/services`, org.cookie, document)
  }

  /** Adds a listing as the organisation's editor, which must succeed. */
  async service(org: Org, document: ServiceInput): Promise<Listing> {
    const res = await this.send(org, document)
    if (res.status !== 201) throw new Error(`adding ${document.name} → ${res.status}: ${JSON.stringify(res.body)}`)
    return { id: res.body.id, name: document.name, document: res.body.document }
  }
}

async function signIn(app: FastifyInstance, email: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password: PASSWORD } })
  if (res.statusCode !== 200) throw new Error(`sign-in → ${res.statusCode}`)
  return sessionCookie(res.cookies)
}

function sessionCookie(cookies: { name: string; value: string }[]): string {
  const session = cookies.find((c) => c.name === 'connector_session')
  if (!session) throw new Error('no session cookie')
  return `connector_session=${session.value}`
}

// --- Documents --------------------------------------------------------------------------------

/** A venue at a postcode's centre, as the edit form places one (coordinates from the postcode table). */
export async function venueAt(app: FastifyInstance, postcode: string, name: string, features: AccessibilityFeature[] = ['step_free']): Promise<LocationInput> {
  const { rows } = await app.db.query<{ latitude: number; longitude: number }>('SELECT latitude, longitude FROM postcode WHERE postcode = $1', [postcode])
  if (!rows[0]) throw new Error(`${postcode} is not in the postcode table`)
  return {
    name,
    latitude: rows[0].latitude,
    longitude: rows[0].longitude,
    address: { address_1: `1 ${name} Road`, city: 'Croydon', postal_code: postcode },
    accessibility: features.map((feature) => ({ feature, details: null })),
  }
}

/** A weekly session (at the service's venue `location_index`, or service-wide). */
export function weekly(byday: Weekday[], opens_at: string, closes_at: string, location_index: number | null = null): ScheduleInput {
  return { kind: 'weekly', byday, opens_at, closes_at, location_index }
}
