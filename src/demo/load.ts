import type { z } from 'zod'
import type { Db } from '../db/db.ts'
import { OrganizationDocumentSchema, ServiceDocumentSchema } from '../manage/schemas.ts'
import { createOrganization, createService } from '../manage/store.ts'
import { Problem } from '../problem.ts'
import type { DemoDirectory } from './types.ts'

// An arbitrary constant shared by every instance, so only one loads the demo into an empty database.
const DEMO_LOCK = 7_310_526_002

export interface DemoCounts {
  organizations: number
  services: number
}

/**
 * Loads the demo directory in one transaction, unless the directory already holds an
 * organisation (then it does nothing and returns undefined). It takes the path an admin and
 * the organisations' editors take: each document is checked against the API's schema and
 * written by the manage store, each listing created (and so confirmed) at its `confirmed_at`.
 * Nothing is written to a table any other way; one refused document rolls the whole load back.
 * Needs the boundaries loaded first (service areas name wards and local authorities).
 */
export async function loadDemoIfEmpty(db: Db, demo: DemoDirectory): Promise<DemoCounts | undefined> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [DEMO_LOCK])
    const existing = await tx.query('SELECT 1 FROM organization LIMIT 1')
    if (existing.rowCount > 0) return undefined
    const counts: DemoCounts = { organizations: 0, services: 0 }
    for (const o of demo.organizations) {
      const what = `organisation ${o.document.name}`
      // An organisation is created when its first listing was (every demo organisation has one).
      if (o.services.length === 0) throw new DemoRefused(what, 'it has no listings')
      const created = new Date(Math.min(...o.services.map((s) => Date.parse(s.confirmed_at))))
      const document = checked(OrganizationDocumentSchema, o.document, what)
      await refusedAs(what, () => createOrganization(tx, { id: o.id, document, moderation: 'approved', by: null, now: created }))
      counts.organizations++
      for (const s of o.services) {
        const what = `listing ${s.document.name}`
        const document = checked(ServiceDocumentSchema, s.document, what)
        await refusedAs(what, () => createService(tx, { id: s.id, organizationId: o.id, document, by: null, now: new Date(s.confirmed_at) }))
        counts.services++
      }
    }
    return counts
  })
}

export class DemoRefused extends Error {
  override name = 'DemoRefused'
  constructor(what: string, why: string, cause?: unknown) {
    super(`The demo ${what} was refused: ${why}`, { cause })
  }
}

/** The document as the API's schema reads it; refused as the API would refuse it. */
function checked<T extends z.ZodType>(schema: T, document: unknown, what: string): z.output<T> {
  const result = schema.safeParse(document)
  if (!result.success) throw new DemoRefused(what, result.error.issues.map((i) => `/${i.path.map(String).join('/')}: ${i.message}`).join('; '))
  return result.data
}

/** Runs one store write; a refusal (400/404/409 problem) names the record and why. */
async function refusedAs(what: string, write: () => Promise<void>): Promise<void> {
  try {
    await write()
  } catch (error) {
    if (!(error instanceof Problem)) throw error
    const fields = (error.errors ?? []).map((e) => `${e.pointer}: ${e.detail}`)
    throw new DemoRefused(what, `${error.detail ?? error.title}${fields.length > 0 ? ` (${fields.join('; ')})` : ''}`, error)
  }
}
