import { isIP } from 'node:net'
import { z } from 'zod'

const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'], { error: 'must be on or off' })
  .transform((v) => v === 'on' || v === 'true' || v === '1')

const integer = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` })

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY beside addresses and CIDRs. */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/**
 * Which reverse proxies may say who the client is (X-Forwarded-For): off, a number of hops, or
 * a comma-separated list of addresses, CIDR ranges and proxy-addr's names. Never "trust all":
 * a client could then choose its own address and walk past rate limits.
 */
const trustProxy = z.string().transform((value, ctx): false | number | string[] => {
  if (value === 'off' || value === 'false' || value === '0') return false
  if (/^\d+$/.test(value)) return Number(value)
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean)
  const bad = entries.filter((e) => {
    if (PROXY_RANGES.has(e)) return false
    const [address, bits, ...rest] = e.split('/')
    const family = isIP(address ?? '')
    if (family === 0 || rest.length > 0) return true
    return bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
  })
  if (entries.length === 0 || bad.length > 0) {
    ctx.addIssue({ code: 'custom', message: `must be off, a number of proxy hops, or addresses/CIDR ranges separated by commas${bad.length ? ` (not ${bad.join(', ')})` : ''}` })
    return z.NEVER
  }
  return entries
})

/**
 * How much longer than the statement timeout the client waits for a query by default: time
 * for the server's own cancellation to arrive, so a slow statement on a live server fails
 * as a statement timeout (the connection kept) rather than a client timeout (it dropped).
 */
export const QUERY_TIMEOUT_MARGIN_MS = 2000

/** The environment the service reads. This is the only place that knows variable names. */
const EnvSchema = z.object({
  PORT: integer(1, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DEMO_DATA: onOff.optional(),
  DEMO_SEED: integer(0, 2 ** 31 - 1).optional(),
  PG_POOL_MAX: integer(1, 200).default(10),
  // The bounds on how long a request waits for PostgreSQL. A stalled, gone or full database
  // answers 503 within about connect + query timeout (17 s by default): before most people
  // give up on a page, and before common proxies' 30 to 60 s limits answer 504 instead.
  // Connecting, and waiting for a free client of a full pool: a live server connects in
  // milliseconds, so 5 s only elapses when it is down, stalled or out of connections.
  PG_CONNECT_TIMEOUT_MS: integer(100, 120_000).default(5000),
  // One statement, cancelled by the server (the connection is kept). 10 s is twice the p99 of
  // the slowest search at 100k services under ten concurrent users (bench/README.md); start-up
  // work runs through the same pool and stays far below it: its slowest statement, the first
  // migration, takes about 0.3 s, and a second instance waits on the demo load's advisory lock
  // for that whole load, about 3.5 s. Directories near a million services need more.
  PG_STATEMENT_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  // One query, on the client: for a server that cannot answer at all (stalled, network gone)
  // and so cannot cancel. Unset: the statement timeout plus QUERY_TIMEOUT_MARGIN_MS.
  PG_QUERY_TIMEOUT_MS: integer(100, 600_000 + QUERY_TIMEOUT_MARGIN_MS).optional(),
  MEILI_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  MEILI_KEY: z.string().optional(),
  MEILI_INDEX: z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'letters, digits, - and _ only' }).default('services'),
  TRUST_PROXY: trustProxy.default(false),
  SCHEDULER: onOff.default(true),
  SECURE_COOKIES: onOff.default(true),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  MAIL_FROM: z.string().min(3).default('Connector <no-reply@connector.invalid>'),
  MAP_TILES_URL: z
    .union([z.literal('off'), z.string().regex(/^https?:\/\/[^/]+\/.*\{z\}.*\{x\}.*\{y\}/, { error: 'must be an http(s) URL with {z}, {x} and {y}, or off' })])
    .default('https://tile.openstreetmap.org/{z}/{x}/{y}.png'),
  MAP_TILES_ATTRIBUTION: z.string().max(500).default('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
}).superRefine(
  ({ PG_STATEMENT_TIMEOUT_MS: statement, PG_QUERY_TIMEOUT_MS: query }, ctx) => {
    // Under the statement timeout, the client would drop connections the server was about to
    // cancel cleanly, and a slow query would look like a lost database.
    if (query !== undefined && query < statement) {
      ctx.addIssue({ code: 'custom', path: ['PG_QUERY_TIMEOUT_MS'], message: `must be at least PG_STATEMENT_TIMEOUT_MS (${statement})` })
    }
  },
  // Checked alongside other variables' faults too, so that one start-up names every bad value.
  { when: (payload) => !payload.issues.some((i) => i.path?.[0] === 'PG_STATEMENT_TIMEOUT_MS' || i.path?.[0] === 'PG_QUERY_TIMEOUT_MS') },
)

export type Env = z.input<typeof EnvSchema>

export interface Config {
  port: number
  host: string
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL']
  /** Pretty logs for a person at a terminal; JSON lines otherwise. */
  prettyLogs: boolean
  database:
    | {
        kind: 'postgres'
        url: string
        poolMax: number
        /** Connecting, and waiting for a free pool client. */
        connectTimeoutMs: number
        /** One statement, on the server. */
        statementTimeoutMs: number
        /** One query, on the client: at least statementTimeoutMs. */
        queryTimeoutMs: number
      }
    | { kind: 'pglite'; dataDir: string }
  /** Load the Croydon demo directory when the database holds no organisations yet. */
  demoData: { enabled: boolean; seed: number | undefined }
  /** The optional Meilisearch engine; PostgreSQL answers every search without it. */
  meili: { url: string; key: string | undefined; index: string } | undefined
  /** Reverse proxies whose X-Forwarded-For names the client (Fastify's trustProxy); false: none. */
  trustProxy: false | number | string[]
  /** Run scheduled jobs (search index sync, later freshness reminders and ingest). */
  scheduler: boolean
  /** Mark the session cookie Secure (sent over HTTPS only; browsers also allow it on localhost). */
  secureCookies: boolean
  /** Where people reach the service: the base of links in emails. */
  publicUrl: string
  /** SMTP server for email; without one, email is written to the log (and kept in the outbox). */
  mail: { smtpUrl: string | undefined; from: string }
  /** Map background tiles on the web pages (a Leaflet URL template); null: markers on a blank map. */
  map: { tilesUrl: string | null; attribution: string }
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/**
 * Reads configuration from an environment. Throws ConfigError naming every bad variable,
 * with the value it got, so start-up fails with a message a person can act on.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, isTty = false): Config {
  // Empty strings count as unset, as shells and .env files commonly produce them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = EnvSchema.safeParse(present)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0])
        const got = present[name]
        return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`
      }),
    )
  }
  const e = parsed.data
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    prettyLogs: isTty,
    database: e.DATABASE_URL
      ? {
          kind: 'postgres',
          url: e.DATABASE_URL,
          poolMax: e.PG_POOL_MAX,
          connectTimeoutMs: e.PG_CONNECT_TIMEOUT_MS,
          statementTimeoutMs: e.PG_STATEMENT_TIMEOUT_MS,
          queryTimeoutMs: e.PG_QUERY_TIMEOUT_MS ?? e.PG_STATEMENT_TIMEOUT_MS + QUERY_TIMEOUT_MARGIN_MS,
        }
      : { kind: 'pglite', dataDir: e.DATA_DIR },
    // Demo data is on by default only for the embedded database, never silently on a real server.
    demoData: { enabled: e.DEMO_DATA ?? !e.DATABASE_URL, seed: e.DEMO_SEED },
    meili: e.MEILI_URL ? { url: e.MEILI_URL, key: e.MEILI_KEY, index: e.MEILI_INDEX } : undefined,
    trustProxy: e.TRUST_PROXY,
    scheduler: e.SCHEDULER,
    secureCookies: e.SECURE_COOKIES,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    map: { tilesUrl: e.MAP_TILES_URL === 'off' ? null : e.MAP_TILES_URL, attribution: e.MAP_TILES_ATTRIBUTION },
  }
}
