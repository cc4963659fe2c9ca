import type { Db } from '../db/db.ts'
import { documentsFor, type MeiliDocument } from './meili-documents.ts'

/** Where the outbox sends documents: the Meilisearch engine (or, in tests, a recording double). */
export interface SearchSink {
  replaceServices(serviceIds: string[], docs: MeiliDocument[]): Promise<void>
}

export interface DrainOptions {
  now: Date
  batchSize?: number
  /** After this many failed attempts a service is set aside (failed_at) for a person to look at. */
  maxAttempts?: number
}

export interface DrainReport {
  synced: number
  retrying: number
  setAside: number
  error?: string
}

/** Enables or disables filling the outbox (the app sets it from MEILI_URL at start). */
export async function setSearchSync(db: Db, enabled: boolean): Promise<void> {
  await db.query('UPDATE search_sync SET enabled = $1', [enabled])
}

/**
 * Sends one batch of due outbox entries to the sink. Idempotent: each entry is replaced by the
 * service's current documents, so sending twice does no harm. Rows are locked with SKIP LOCKED,
 * so several instances can drain at once. On failure the batch is retried later with backoff,
 * and set aside after maxAttempts; the failure is reported, not thrown.
 */
export async function drainOutbox(db: Db, sink: SearchSink, options: DrainOptions): Promise<DrainReport> {
  const { now, batchSize = 500, maxAttempts = 8 } = options
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ service_id: string }>(
      `SELECT service_id FROM search_outbox
        WHERE failed_at IS NULL AND next_attempt_at <= $1
        ORDER BY enqueued_at, service_id
        LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [now, batchSize],
    )
    const ids = rows.map((r) => r.service_id)
    if (ids.length === 0) return { synced: 0, retrying: 0, setAside: 0 }
    try {
      await sink.replaceServices(ids, await documentsFor(tx, ids))
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const { rows: after } = await tx.query<{ set_aside: boolean }>(
        `UPDATE search_outbox
            SET attempts = attempts + 1,
                last_error = $2,
                next_attempt_at = $3::timestamptz + make_interval(secs => least(3600, power(2, attempts + 1)::int)),
                failed_at = CASE WHEN attempts + 1 >= $4 THEN $3::timestamptz END
          WHERE service_id = ANY ($1::uuid[])
        RETURNING failed_at IS NOT NULL AS set_aside`,
        [ids, message.slice(0, 1000), now, maxAttempts],
      )
      const setAside = after.filter((r) => r.set_aside).length
      return { synced: 0, retrying: after.length - setAside, setAside, error: message }
    }
    await tx.query('DELETE FROM search_outbox WHERE service_id = ANY ($1::uuid[])', [ids])
    return { synced: ids.length, retrying: 0, setAside: 0 }
  })
}
