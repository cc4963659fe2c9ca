// Accounts for tests, made the way people get them: the first admin from the command-line
// path (createAdmin), everyone else by an invitation through the API, accepted through the API
// with the token from the email the service queued. Each comes back signed in.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { createAdmin } from '../src/auth/admin.ts'
import type { Role } from '../src/auth/store.ts'
import { FIXED_NOW } from './helper.ts'

export const TEST_PASSWORD = 'a long test passphrase 7'

export interface Session {
  account_id: string
  email: string
  cookie: string
  /** Calls the API as this account. */
  inject(options: InjectOptions): Promise<LightMyRequestResponse>
}

function sessionFrom(app: FastifyInstance, res: LightMyRequestResponse): Session {
  if (res.statusCode !== 200) throw new Error(`signing in answered ${res.statusCode}: ${res.body}`)
  const raw = res.headers['set-cookie']
  const cookie = (Array.isArray(raw) ? raw : [raw]).find((c) => c?.startsWith('connector_session='))!.split(';')[0]!
  const me = res.json() as { account_id: string; email: string }
  return {
    account_id: me.account_id,
    email: me.email,
    cookie,
    inject: (options) => app.inject({ ...options, headers: { ...(options.headers ?? {}), cookie } }),
  }
}

/** The first admin (created as `npm run admin:create` does), signed in. */
export async function adminSession(app: FastifyInstance, email = 'admin@example.org'): Promise<Session> {
  await createAdmin(app.db, email, TEST_PASSWORD, FIXED_NOW)
  return sessionFrom(app, await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password: TEST_PASSWORD } }))
}

/** Someone invited by `by` through the API, who accepts from the emailed link: signed in. */
export async function invited(
  app: FastifyInstance,
  by: Session,
  invitation: { email: string; role: Role; organization_id?: string; team_id?: string },
): Promise<Session> {
  const sent = await by.inject({ method: 'POST', url: '/api/invitations', payload: invitation })
  if (sent.statusCode !== 202) throw new Error(`inviting ${invitation.email} answered ${sent.statusCode}: ${sent.body}`)
  const { rows } = await app.db.query<{ body_text: string }>('SELECT body_text FROM mail_outbox WHERE to_address = $1 ORDER BY id DESC LIMIT 1', [invitation.email])
  const token = /token=([\w-]+)/.exec(rows[0]!.body_text)![1]!
  return sessionFrom(app, await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, password: TEST_PASSWORD } }))
}

/** A team added by an admin through the API; its id. */
export async function teamNamed(admin: Session, name: string, pcnCode?: string): Promise<string> {
  const res = await admin.inject({ method: 'POST', url: '/api/admin/teams', payload: { name, ...(pcnCode ? { pcn_code: pcnCode } : {}) } })
  if (res.statusCode !== 201) throw new Error(`adding team ${name} answered ${res.statusCode}: ${res.body}`)
  return (res.json() as { id: string }).id
}
