// What "the database cannot serve just now" looks like from pg 8.23 and pg-pool 3.14: the
// server's SQLSTATEs, Node's socket errors, and the messages the two libraries write
// themselves (read from node_modules/pg/lib/client.js and node_modules/pg-pool/index.js).

/** SQLSTATE classes that say nothing about the query, only that the server cannot serve it now. */
const UNAVAILABLE_SQLSTATE_CLASSES = [
  '08', // connection_exception: refused, lost, or never established (but 08P01, below)
  '53', // insufficient_resources: too many connections, out of memory or disk
  '57', // operator_intervention: statement timeout (57014), shutdown, database dropped, starting up
]
/**
 * 57014 query_canceled comes from statement_timeout or from a cancel request; the service
 * sends none (pg gives up on a query without cancelling it), so here it means the timeout.
 */
const UNAVAILABLE_SQLSTATES = new Set([
  '3D000', // invalid_catalog_name: the database is missing (dropped, or not created yet)
])
/** A protocol violation is a bug on one side, not an outage. */
const AVAILABLE_DESPITE_CLASS = new Set(['08P01'])

const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED', // nothing listens: the server is down
  'ECONNRESET', // the server (or a proxy) dropped the connection
  'ECONNABORTED',
  'EPIPE', // written to a connection the server had closed
  'ETIMEDOUT', // TCP gave up: the host does not answer
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND', // the host name does not resolve
  'EAI_AGAIN', // the name server did not answer
])

/** Messages pg and pg-pool write themselves, without a code. */
const UNAVAILABLE_MESSAGES = [
  // pg: the connection ended, expectedly or not; pg-pool: connecting took longer than connectionTimeoutMillis
  // ('Connection terminated due to connection timeout').
  'Connection terminated',
  // pg-pool: no client of a full pool came free within connectionTimeoutMillis.
  'timeout exceeded when trying to connect',
  // pg: a query got no answer within query_timeout (a stalled server, or the network gone).
  'Query read timeout',
  // pg: a query on a client whose connection had already failed.
  'Client has encountered a connection error',
  // pg-pool: a query while the app closes and its pool has ended.
  'Cannot use a pool after calling end on the pool',
]
/** pg's own connect timer, when it fires before pg-pool's; too generic a text to match in part. */
const UNAVAILABLE_EXACT_MESSAGES = new Set(['timeout expired'])

/**
 * True when an error says the database cannot serve just now (down, gone, stalled, too slow,
 * full, or missing) rather than that a query is wrong: the answer is then 503, not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const { code, syscall } = error as { code?: unknown; syscall?: unknown }
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLSTATES.has(code)) return true
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE_CLASSES.some((c) => code.startsWith(c)) && !AVAILABLE_DESPITE_CLASS.has(code)) {
      return true
    }
    if (UNAVAILABLE_SOCKET_CODES.has(code)) return true
    // A Unix socket that is not there: the server is not running.
    if (code === 'ENOENT' && syscall === 'connect') return true
  }
  if (UNAVAILABLE_EXACT_MESSAGES.has(error.message)) return true
  if (UNAVAILABLE_MESSAGES.some((m) => error.message.includes(m))) return true
  // An AggregateError (several addresses refused) carries its causes inside.
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable)
  return false
}
