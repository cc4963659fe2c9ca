/**
 * npm run bench:search:explain -- --size 1m --shape postcode_text_filters [--no-analyze] [--timeout 600]
 *
 * Prints EXPLAIN (ANALYZE, BUFFERS) of the search statement one shape runs, on the benchmark
 * database of that size (built by `bench:search` or `bench:search:data`). The statement and its
 * parameters are captured from `searchPostgres` itself, so the plan is of the SQL the app sends.
 */
import { parseArgs } from 'node:util'
import { QUERY_TIMEOUT_MARGIN_MS } from '../../src/config.ts'
import { sqlText, type Named, type Queryable, type QueryResult } from '../../src/db/db.ts'
import { openDb } from '../../src/db/open.ts'
import { correctQuery } from '../../src/search/correct.ts'
import { searchPostgres } from '../../src/search/postgres.ts'
import { resolvePlace } from '../../src/search/search.ts'
import { DEFAULT_SERVER, databaseName, parseSize, urlFor } from './data.ts'
import { parseShapeQuery } from './measure.ts'
import { SHAPES } from './shapes.ts'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100k' },
    shape: { type: 'string', default: 'postcode_text_filters' },
    server: { type: 'string', default: process.env.BENCH_PG_URL ?? DEFAULT_SERVER },
    'no-analyze': { type: 'boolean', default: false },
    // Seconds before the server cancels the statement (a quadratic plan at 1M can run for hours).
    timeout: { type: 'string', default: '600' },
  },
})

/** Records the one statement searchPostgres sends instead of running it. */
class Capture implements Queryable {
  sql = ''
  params: readonly unknown[] = []
  async query<R>(sql: string | Named, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    this.sql = sqlText(sql)
    this.params = params
    const empty = { taxonomy_term: [], delivery_mode: [], group_size: [], day: [], accessibility: [], free: [] }
    return { rows: [{ total: 0, results: [], facets: empty } as R], rowCount: 1 }
  }
  async exec(): Promise<void> {
    throw new Error('searchPostgres runs no scripts')
  }
}

parseSize(values.size)
const shape = SHAPES.find((s) => s.key === values.shape)
if (!shape) {
  console.error(`Unknown shape "${values.shape}": one of ${SHAPES.map((s) => s.key).join(', ')}`)
  process.exit(1)
}
const db = await openDb({
  kind: 'postgres',
  url: urlFor(values.server, databaseName(values.size)),
  poolMax: 1,
  connectTimeoutMs: 5000,
  statementTimeoutMs: Number(values.timeout) * 1000,
  queryTimeoutMs: Number(values.timeout) * 1000 + QUERY_TIMEOUT_MARGIN_MS,
})
try {
  const query = parseShapeQuery(shape.query)
  const place = await resolvePlace(db, query)
  const correctedQ = query.q ? await correctQuery(db, query.q) : undefined
  const sort = query.sort ?? (query.q ? 'relevance' : place ? 'distance' : 'name')
  const capture = new Capture()
  await searchPostgres(capture, { query, place, correctedQ, sort, now: new Date() })
  const options = values['no-analyze'] ? '' : '(ANALYZE, BUFFERS)'
  const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${options} ${capture.sql}`, capture.params)
  console.log(`-- ${shape.label} at ${values.size}: ${shape.query}`)
  console.log(`-- parameters: ${JSON.stringify(capture.params)}`)
  console.log(rows.map((r) => r['QUERY PLAN']).join('\n'))
} finally {
  await db.close()
}
