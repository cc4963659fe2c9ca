// A feed server on 127.0.0.1 that a test controls (`answer` decides each response and can be
// swapped between runs), and ORUK records and pages for it to serve. The ingest tests harvest
// from it over real HTTP.
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { Test } from 'tap'

/** Our "Social groups" activity type's id, as ORUK feeds name it. */
export const SOCIAL_GROUPS = 'd7507b91-f360-4254-8896-142ef0e4fd8c'

type Json = Record<string, unknown>

/**
 * A valid ORUK 3.0 full service at one venue in Norbury, run by `organization`, with our
 * "Social groups" activity type unless `extra` says otherwise.
 */
export function orukService(name: string, organization: Json, extra: Json = {}): Json {
  const id = randomUUID()
  const locationId = randomUUID()
  const salId = randomUUID()
  return {
    id,
    name,
    description: `${name} meets every week.`,
    status: 'active',
    organization,
    schedules: [{ id: randomUUID(), service_at_location_id: salId, freq: 'WEEKLY', interval: 1, byday: 'TU', opens_at: '10:00', closes_at: '12:00' }],
    service_areas: [],
    service_at_locations: [
      {
        id: salId,
        service_id: id,
        location_id: locationId,
        location: {
          id: locationId,
          location_type: 'physical',
          name: 'Norbury Hall',
          latitude: 51.4118,
          longitude: -0.1226,
          addresses: [{ id: randomUUID(), location_id: locationId, address_1: '1 London Road', city: 'Norbury', state_province: 'London', postal_code: 'SW16 4DH', country: 'GB', address_type: 'physical' }],
          accessibility: [],
        },
      },
    ],
    languages: [],
    funding: [],
    cost_options: [],
    contacts: [],
    attributes: [{ id: randomUUID(), link_id: id, taxonomy_term_id: SOCIAL_GROUPS, taxonomy_term: { id: SOCIAL_GROUPS, name: 'Social groups', description: 'x' } }],
    ...extra,
  }
}

/** An ORUK page envelope holding all of `items`. */
export const orukPage = (items: unknown[]) => ({ total_items: items.length, total_pages: 1, page_number: 1, size: items.length, first_page: true, last_page: true, empty: items.length === 0, contents: items })

export type Answer = (req: http.IncomingMessage, res: http.ServerResponse) => void

export interface FeedServer {
  state: { answer: Answer; requests: string[] }
  /** http://127.0.0.1:PORT */
  base: string
  /** Answers 200 application/json with this body. */
  json: (body: unknown) => Answer
}

export async function feedServer(t: Test): Promise<FeedServer> {
  const state: FeedServer['state'] = { answer: (_req, res) => res.writeHead(404).end(), requests: [] }
  const server = http.createServer((req, res) => {
    state.requests.push(req.url ?? '')
    state.answer(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  const json = (body: unknown): Answer => (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  return { state, base, json }
}
