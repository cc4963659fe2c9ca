// Every response of the ORUK API, over the whole demo directory, checked against the official
// ORUK 3.0 JSON Schemas: every page of every list, in every shape, and every object by id.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { PER_PAGE_MAX } from '../../src/oruk/schemas.ts'
import { buildTestApp } from '../helper.ts'
import { checkPage, conformance, type Page } from './validator.ts'

const PER_PAGE = 50

interface Item {
  id: string
  service?: unknown
  services?: unknown[]
}

/** Collects what fails, so a test can assert none did and show the first that did. */
class Failures {
  readonly list: string[] = []
  checked = 0

  check(label: string, schema: string, data: unknown): void {
    this.checked += 1
    const report = conformance(schema, data)
    if (report) this.list.push(`${label} against ${schema}.json:\n${report}`)
  }

  assertNone(t: { equal(found: unknown, wanted: unknown, message: string): unknown }, what: string): void {
    t.equal(this.list.length, 0, `${this.checked} ${what} checked, ${this.list.length} failed`)
    t.equal(this.list[0], undefined, 'the first failure')
  }
}

async function getJson(app: FastifyInstance, url: string, failures: Failures): Promise<unknown> {
  const res = await app.inject({ url })
  if (res.statusCode !== 200) failures.list.push(`${url} → ${res.statusCode} ${res.body.slice(0, 300)}`)
  return res.json()
}

/** Walks every page of a list; checks each envelope and hands back all the items. */
async function everyPage(app: FastifyInstance, path: string, schema: string, failures: Failures): Promise<Item[]> {
  const items: Item[] = []
  const sep = path.includes('?') ? '&' : '?'
  for (let page = 1; ; page++) {
    const url = `${path}${sep}page=${page}&per_page=${PER_PAGE}`
    const body = (await getJson(app, url, failures)) as Page
    failures.check(url, schema, body)
    for (const problem of checkPage(body, PER_PAGE)) failures.list.push(`${url}: ${problem}`)
    items.push(...(body.contents as Item[]))
    if (body.last_page || page > 1000) break
  }
  return items
}

/** The ndjson form of a list: every line parses and is an ORUK `schema` object. */
async function everyLine(app: FastifyInstance, path: string, schema: string, failures: Failures): Promise<Item[]> {
  const url = `${path}${path.includes('?') ? '&' : '?'}format=ndjson`
  const res = await app.inject({ url })
  if (res.headers['content-type'] !== 'application/x-ndjson; charset=utf-8') failures.list.push(`${url}: ${res.headers['content-type']}`)
  return res.body
    .trimEnd()
    .split('\n')
    .map((line, i) => {
      const item = JSON.parse(line) as Item
      failures.check(`${url} line ${i + 1}`, schema, item)
      return item
    })
}

t.test('the ORUK API conforms to the ORUK 3.0 schemas over the whole demo directory', async (t) => {
  const app = await buildTestApp(t)

  t.test('GET /oruk/ → api_details.json', async (t) => {
    const failures = new Failures()
    failures.check('/oruk/', 'api_details', await getJson(app, '/oruk/', failures))
    failures.assertNone(t, 'responses')
  })

  t.test('GET /oruk/services, every page in every shape → service_list.json; full items → service.json', async (t) => {
    const failures = new Failures()
    const listed = await everyPage(app, '/oruk/services', 'service_list', failures)
    t.equal(listed.length, 374, 'every service listed')
    t.equal(new Set(listed.map((s) => s.id)).size, 374, 'no service twice, none missed')
    t.equal((await everyPage(app, '/oruk/services?minimal=true', 'service_list', failures)).length, 374, 'minimal: every service')
    const full = await everyPage(app, '/oruk/services?full=true', 'service_list', failures)
    for (const s of full) failures.check(`/oruk/services?full=true item ${s.id}`, 'service', s)
    const all = (await getJson(app, `/oruk/services?full=true&per_page=${PER_PAGE_MAX}`, failures)) as Page
    failures.check('/oruk/services?full=true, one page of all', 'service_list', all)
    t.equal(all.contents.length, 374, 'one page can hold the directory')
    for (const shape of ['', '?minimal=true', '?full=true']) {
      t.equal((await everyLine(app, `/oruk/services${shape}`, 'service', failures)).length, 374, `ndjson${shape}: every service`)
    }
    failures.assertNone(t, 'documents')
  })

  t.test('GET /oruk/services/{id} for every service → service.json', async (t) => {
    const failures = new Failures()
    const { contents } = (await getJson(app, `/oruk/services?minimal=true&per_page=${PER_PAGE_MAX}`, failures)) as Page
    for (const { id } of contents as Item[]) failures.check(`/oruk/services/${id}`, 'service', await getJson(app, `/oruk/services/${id}`, failures))
    t.equal(failures.checked, 374, 'every service fetched')
    failures.assertNone(t, 'services')
  })

  t.test('GET /oruk/service_at_locations, every page, and each by id → service_at_location(_list).json', async (t) => {
    const failures = new Failures()
    const listed = await everyPage(app, '/oruk/service_at_locations', 'service_at_location_list', failures)
    const full = await everyPage(app, '/oruk/service_at_locations?full=true', 'service_at_location_list', failures)
    t.equal(full.length, listed.length, 'full=true lists the same rows')
    for (const sal of [...listed, ...full]) {
      failures.check(`/oruk/service_at_locations item ${sal.id}`, 'service_at_location', sal)
      failures.check(`/oruk/service_at_locations item ${sal.id}, its service`, 'service', sal.service)
    }
    await everyLine(app, '/oruk/service_at_locations', 'service_at_location', failures)
    for (const { id } of listed) {
      const sal = (await getJson(app, `/oruk/service_at_locations/${id}`, failures)) as Item
      failures.check(`/oruk/service_at_locations/${id}`, 'service_at_location', sal)
      failures.check(`/oruk/service_at_locations/${id}, its service`, 'service', sal.service)
    }
    t.equal(new Set(listed.map((x) => x.id)).size, 385, 'every service_at_location, once')
    failures.assertNone(t, 'documents')
  })

  t.test('GET /oruk/organizations, every page, and each by id → organization(_list).json; services → service.json', async (t) => {
    const failures = new Failures()
    const listed = await everyPage(app, '/oruk/organizations', 'organization_list', failures)
    t.equal(listed.length, 163, 'every organisation')
    for (const org of await everyPage(app, '/oruk/organizations?full=true', 'organization_list', failures)) {
      failures.check(`/oruk/organizations?full=true item ${org.id}`, 'organization', org)
    }
    await everyLine(app, '/oruk/organizations', 'organization', failures)
    for (const { id } of listed) {
      for (const query of ['', '?full_service=true']) {
        const url = `/oruk/organizations/${id}${query}`
        const org = (await getJson(app, url, failures)) as Item
        failures.check(url, 'organization', org)
        for (const service of org.services ?? []) failures.check(`${url}, service ${(service as Item).id}`, 'service', service)
      }
    }
    failures.assertNone(t, 'documents')
  })

  t.test('GET /oruk/taxonomies and /oruk/taxonomy_terms, every page and each by id → taxonomy(_term)(_list).json', async (t) => {
    const failures = new Failures()
    for (const { id } of await everyPage(app, '/oruk/taxonomies', 'taxonomy_list', failures)) {
      failures.check(`/oruk/taxonomies/${id}`, 'taxonomy', await getJson(app, `/oruk/taxonomies/${id}`, failures))
    }
    await everyLine(app, '/oruk/taxonomies', 'taxonomy', failures)
    const terms = await everyPage(app, '/oruk/taxonomy_terms', 'taxonomy_term_list', failures)
    t.equal(terms.length, 20, 'every term')
    for (const { id } of terms) failures.check(`/oruk/taxonomy_terms/${id}`, 'taxonomy_term', await getJson(app, `/oruk/taxonomy_terms/${id}`, failures))
    await everyLine(app, '/oruk/taxonomy_terms', 'taxonomy_term', failures)
    failures.assertNone(t, 'documents')
  })
})
