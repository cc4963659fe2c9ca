// A feed server on 127.0.0.1 that a test controls: `answer` decides each response and can be
// swapped between runs. The ingest tests harvest from it over real HTTP.
import http from 'node:http'
import type { Test } from 'tap'

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
