/**
 * The reports benchmark's data: the search benchmark's directory of one size (bench/search/data.ts,
 * made or reused by `ensureSearchData`) plus a year of link workers' caseload on top of it:
 * teams and link workers, episodes (a tenth of the listings: 1,000 at 10k, 10,000 at 100k,
 * 100,000 at 1M), UCLA-3 baselines and follow-ups, referrals to listings with their histories
 * (sent → accepted → attended or not, declined with a reason, closed), gap records (per episode
 * need, and a link worker's matches outside an episode), searches that found nothing, and the
 * version history of every listing (a 'create' version each, as the app writes, and on 2% of
 * them changes of referral capacity during the year).
 *
 * People are placed where the reports count them: three in five at a shipped Croydon postcode,
 * in the ward and LSOA whose boundary holds its point (the product's rule), the rest in a
 * postcode district elsewhere in England, in no ward or LSOA the database knows. Every row keeps
 * every CHECK constraint, the referral histories follow the status machine
 * (src/referrals/status.ts), and nothing is later than yesterday.
 *
 * Loaded like the directory: rows generated in order from one seeded stream, ids derived on the
 * server from `md5(seed:kind:index)`, column arrays through `unnest`, batches of 20,000
 * episodes with `session_replication_role = replica` (no per-row foreign-key checks, no
 * triggers), then the references checked and `VACUUM ANALYZE`. A table `bench_caseload`
 * records what was loaded; a later run reuses the caseload when that record, the row counts and
 * the directory underneath are unchanged.
 */
import { QUERY_TIMEOUT_MARGIN_MS } from '../../src/config.ts'
import type { Db, Queryable } from '../../src/db/db.ts'
import { openDb } from '../../src/db/open.ts'
import { Rng } from '../../src/demo/random.ts'
import { BARRIERS, REFERRAL_CAPACITIES } from '../../src/directory/vocabulary.ts'
import { loadShippedBoundariesIfEmpty } from '../../src/geo/boundaries.ts'
import { loadShippedProfilesIfEmpty } from '../../src/geo/profiles.ts'
import { ukNow } from '../../src/matching/sessions.ts'
import { PRACTICAL_NEEDS } from '../../src/matching/schemas.ts'
import { AGE_BANDS, CLOSE_REASONS, DECLINE_REASONS, DIRECT_LONELINESS, REFERRAL_ROUTES, REFERRAL_SOURCES, type ReferralStatus } from '../../src/referrals/vocabulary.ts'
import { ENGLISH_POSTCODE_AREAS } from '../search/areas.ts'
import { DEFAULT_SEED, DEFAULT_SERVER, ensureSearchData, id, parseSize, type DataStamp } from '../search/data.ts'

/** Bump when this file changes what it makes, so old caseloads are reloaded. */
const CASELOAD_VERSION = 1

/** Episodes per listing: 100,000 episodes at 1M listings. */
export const EPISODES_PER_LISTING = 0.1
/** Share of people placed at a Croydon postcode (in a ward and LSOA); the rest are elsewhere in England. */
const IN_CROYDON = 0.6
/** Share of listings whose referral capacity changed during the year. */
const CAPACITY_CHANGED = 0.02
const BATCH = 20_000

export interface CaseloadStamp {
  signature: string
  loadedAt: string
  /** The UK date the year of records runs to (the day before loading). */
  lastDay: string
  episodes: number
  seconds: Record<string, number>
  rows: Record<string, number>
  databaseBytes: number
}

export interface ReportsData {
  url: string
  services: number
  directory: { reused: boolean; stamp: DataStamp }
  reused: boolean
  caseload: CaseloadStamp
}

export interface ReportsDataOptions {
  label: string
  seed?: number
  server?: string
  fresh?: boolean
  log?: (line: string) => void
}

const CASELOAD_TABLES = ['team', 'link_worker', 'episode', 'loneliness_score', 'referral', 'referral_event', 'match_gap', 'search_demand', 'record_version'] as const
/** The benchmark's own admin account comes and goes with each run; link workers are part of the caseload. */
const FROM: Partial<Record<(typeof CASELOAD_TABLES)[number], string>> = { link_worker: `account WHERE role = 'link_worker'` }

/** Returns the database of this size with its directory and a year of caseload, building what is missing. */
export async function ensureReportsData(opts: ReportsDataOptions): Promise<ReportsData> {
  const seed = opts.seed ?? DEFAULT_SEED
  const server = opts.server ?? DEFAULT_SERVER
  const log = opts.log ?? ((line: string) => console.log(line))
  const services = parseSize(opts.label)
  const directory = await ensureSearchData({ label: opts.label, seed, server, fresh: opts.fresh, log })
  const episodes = Math.round(services * EPISODES_PER_LISTING)
  const signature = `v${CASELOAD_VERSION}:${seed}:${episodes}:${directory.stamp.loadedAt}`
  const db = await openDb({ kind: 'postgres', url: directory.url, poolMax: 2, connectTimeoutMs: 5000, statementTimeoutMs: 3_600_000, queryTimeoutMs: 3_600_000 + QUERY_TIMEOUT_MARGIN_MS })
  try {
    // The app loads these at its first start; done here so people can be placed in the areas, and the cost is not timed.
    await loadShippedBoundariesIfEmpty(db)
    await loadShippedProfilesIfEmpty(db)
    await db.exec('CREATE TABLE IF NOT EXISTS bench_caseload (signature text NOT NULL, stamp jsonb NOT NULL)')
    const { rows: stamps } = await db.query<{ stamp: CaseloadStamp }>('SELECT stamp FROM bench_caseload WHERE signature = $1', [signature])
    const earlier = stamps[0]?.stamp
    if (earlier && !opts.fresh) {
      const now = await countRows(db)
      const same = CASELOAD_TABLES.every((t) => now[t] === earlier.rows[t])
      if (same) {
        log(`${opts.label}: reusing the caseload of ${episodes} episodes (loaded ${earlier.loadedAt})`)
        return { url: directory.url, services, directory, reused: true, caseload: earlier }
      }
      log(`${opts.label}: the caseload's row counts changed since it was loaded (another benchmark wrote or deleted rows); reloading`)
    }
    const caseload = await loadCaseload(db, { seed, services, episodes, signature, log: (l) => log(`${opts.label}: ${l}`) })
    return { url: directory.url, services, directory, reused: false, caseload }
  } finally {
    await db.close()
  }
}

async function countRows(db: Queryable): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const t of CASELOAD_TABLES) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${FROM[t] ?? t}`)
    out[t] = rows[0]!.n
  }
  return out
}

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
/** A moment on a UK date, in office hours. */
const at = (date: string, minute: number) => `${date} ${String(9 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00 Europe/London`

function weighted<T>(rng: Rng, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((n, [, w]) => n + w, 0)
  let r = rng.int(0, total - 1)
  for (const [value, w] of choices) {
    if (r < w) return value
    r -= w
  }
  return choices[choices.length - 1]![0]
}

const ROUTE_WEIGHTS: [string, number][] = [['gp', 45], ['practice_nurse', 8], ['other_health', 10], ['social_worker', 7], ['hospital_discharge', 5], ['housing', 4], ['vcse', 8], ['self', 8], ['other', 5]]
const AGE_WEIGHTS: [string, number][] = [['18-24', 4], ['25-34', 7], ['35-44', 8], ['45-54', 11], ['55-64', 15], ['65-74', 20], ['75-84', 22], ['85+', 13]]
const CLOSE_WEIGHTS: [string, number][] = [['goals_met', 45], ['other_support', 15], ['no_longer_engaging', 20], ['declined_support', 8], ['moved_away', 5], ['other', 7]]
const DECLINE_WEIGHTS: [string, number][] = [['full', 35], ['not_suitable', 25], ['outside_area', 10], ['could_not_contact', 20], ['other', 10]]
const ITEM_WEIGHTS: [number, number][] = [[1, 20], [2, 40], [3, 40]]
const LANGUAGES = ['pl', 'ur', 'ta', 'bn', 'gu', 'pa', 'so', 'ar', 'pt', 'ro']
const INTEREST_TERMS = ['arts-and-crafts', 'befriending', 'bereavement', 'digital-skills', 'exercise-and-sport', 'faith-and-culture', 'gardening-and-nature', 'learning-and-skills', 'mens-groups', 'music-and-singing', 'parent-and-baby', 'peer-support', 'social-groups', 'volunteering', 'walking']
const PRACTICAL_TERMS = Object.values(PRACTICAL_NEEDS)
const ACTIVITY_TYPES = [...INTEREST_TERMS, ...PRACTICAL_TERMS, 'practical-support']

// Sanity: the generator's vocabularies are the schema's.
for (const [w, vocab] of [[ROUTE_WEIGHTS, REFERRAL_ROUTES], [AGE_WEIGHTS, AGE_BANDS], [CLOSE_WEIGHTS, CLOSE_REASONS], [DECLINE_WEIGHTS, DECLINE_REASONS]] as const) {
  for (const [v] of w) if (!(vocab as readonly string[]).includes(v)) throw new Error(`${v} is not in the vocabulary`)
}

interface Place {
  outcode: string
  ward_code: string | null
  ward_name: string | null
  lsoa_code: string | null
}

/** Column arrays, one per column, filled row by row. */
class Columns<K extends string> {
  readonly cols: Record<K, unknown[]>
  constructor(readonly keys: readonly K[]) {
    this.cols = Object.fromEntries(keys.map((k) => [k, []])) as unknown as Record<K, unknown[]>
  }
  push(row: Record<K, unknown>): void {
    for (const k of this.keys) this.cols[k].push(row[k])
  }
  get length(): number {
    return this.cols[this.keys[0]!].length
  }
  arrays(): unknown[][] {
    return this.keys.map((k) => this.cols[k])
  }
}

interface LoadSpec {
  seed: number
  services: number
  episodes: number
  signature: string
  log: (line: string) => void
}

async function loadCaseload(db: Db, spec: LoadSpec): Promise<CaseloadStamp> {
  const { seed, services, episodes, log } = spec
  const seconds: Record<string, number> = {}
  const began = performance.now()
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now()
    try {
      return await fn()
    } finally {
      seconds[step] = (seconds[step] ?? 0) + (performance.now() - t0) / 1000
    }
  }
  const loadedAt = new Date()
  const lastDay = addDays(ukNow(loadedAt).date, -1)
  const s = String(seed)
  log(`loading a year of caseload to ${lastDay}: ${episodes} episodes on ${services} listings`)

  await timed('clear', async () => {
    await db.exec(`TRUNCATE referral_event, referral, loneliness_score, match_gap, search_demand, record_version, episode, team, bench_caseload CASCADE`)
    await inReplicaTransaction(db, (tx) => tx.query('UPDATE service SET version = 1 WHERE version <> 1').then(() => undefined))
  })

  // Where people live: a Croydon postcode's district, ward and LSOA (the boundaries that hold its point), or a district elsewhere.
  const { rows: croydon } = await db.query<Place>(
    `SELECT p.outcode, w.code AS ward_code, w.name AS ward_name, l.code AS lsoa_code
       FROM postcode p
       JOIN boundary w ON w.kind = 'ward' AND w.geom && p.geom AND ST_Covers(w.geom::geometry, p.geom::geometry)
       LEFT JOIN boundary l ON l.kind = 'lsoa' AND l.geom && p.geom AND ST_Covers(l.geom::geometry, p.geom::geometry)
      WHERE p.terminated IS NULL
      ORDER BY p.postcode`,
  )
  const { rows: elsewhere } = await db.query<{ outcode: string }>(
    `SELECT outcode FROM outcode o WHERE NOT EXISTS (SELECT 1 FROM postcode p WHERE p.outcode = o.outcode)
        AND substring(outcode FROM '^[A-Z]+') = ANY ($1::text[]) ORDER BY outcode`,
    [Object.keys(ENGLISH_POSTCODE_AREAS)],
  )
  if (croydon.length === 0) throw new Error('no shipped postcode lies in a ward: are the Croydon boundaries loaded?')
  const lsoas = new Set(croydon.map((c) => c.lsoa_code).filter((c) => c !== null)).size
  const wards = new Set(croydon.map((c) => c.ward_code)).size
  log(`places: ${croydon.length} Croydon postcodes in ${wards} wards and ${lsoas} LSOAs; ${elsewhere.length} English districts elsewhere`)

  const rng = new Rng(seed ^ 0x5eed)
  const teams = Math.max(2, Math.round(episodes / 1000))
  const workers = Math.max(4, Math.round(episodes / 250))

  await timed('team', async () => {
    await db.query(
      `INSERT INTO team (id, name, created_at)
       SELECT ${id('team', 't')}, 'Bench primary care network ' || (t + 1), $2::timestamptz FROM generate_series(0, $3::int - 1) t`,
      [s, at(addDays(lastDay, -500), 0), teams],
    )
    await db.query(
      `INSERT INTO account (id, email, role, password_hash, created_at, team_id)
       SELECT ${id('lw', 'w')}, 'link-worker-' || (w + 1) || '@bench.invalid', 'link_worker', NULL, $2::timestamptz, ${id('team', '(w % $3)')}
         FROM generate_series(0, $4::int - 1) w`,
      [s, at(addDays(lastDay, -500), 0), teams, workers],
    )
  })

  const E = new Columns(['i', 'team', 'worker', 'client', 'route', 'age', 'outcode', 'ward', 'ward_name', 'lsoa', 'opened', 'closed', 'reason', 'created'] as const)
  const L = new Columns(['i', 'episode', 'kind', 'day', 'c', 'l', 'x', 'direct', 'worker', 'created'] as const)
  const R = new Columns(['i', 'episode', 'svc', 'source', 'status', 'reason', 'worker', 'created', 'updated'] as const)
  const V = new Columns(['ref', 'status', 'reason', 'at', 'actor'] as const)
  const G = new Columns(['i', 'day', 'kind', 'terms', 'barriers', 'found', 'language', 'outcode', 'ward', 'ward_name', 'lsoa', 'key', 'episode', 'team', 'worker', 'age'] as const)
  let scores = 0
  let referrals = 0
  let gaps = 0
  const outsideKeys = new Set<string>()

  const flush = async () => {
    await inReplicaTransaction(db, async (tx) => {
      const q = (step: string, sql: string, cols: Columns<string>) => timed(step, () => tx.query(sql, [s, ...cols.arrays()]))
      await q(
        'episode',
        `INSERT INTO episode (id, reference, team_id, client_ref, link_worker_id, referral_route, age_band, outcode, ward_code, ward_name, lsoa_code, opened_on, closed_on, close_reason, created_at)
         SELECT ${id('ep', 'u.i')}, 'E-' || lpad(upper(to_hex(u.i)), 6, '0'), ${id('team', 'u.team')}, encode(sha256(convert_to($1 || ':client:' || u.client, 'UTF8')), 'hex'),
                ${id('lw', 'u.worker')}, u.route, u.age, u.outcode, u.ward, u.ward_name, u.lsoa, u.opened::date, u.closed::date, u.reason, u.created::timestamptz
           FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
             AS u (i, team, worker, client, route, age, outcode, ward, ward_name, lsoa, opened, closed, reason, created)`,
        E,
      )
      await q(
        'loneliness_score',
        `INSERT INTO loneliness_score (id, episode_id, kind, recorded_on, companionship, left_out, isolated, direct, recorded_by, created_at)
         SELECT ${id('ucla', 'u.i')}, ${id('ep', 'u.episode')}, u.kind, u.day::date, u.c, u.l, u.x, u.direct, ${id('lw', 'u.worker')}, u.created::timestamptz
           FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[], $9::text[], $10::int[], $11::text[])
             AS u (i, episode, kind, day, c, l, x, direct, worker, created)`,
        L,
      )
      await q(
        'referral',
        `INSERT INTO referral (id, reference, episode_id, service_id, organization_id, source, status, decline_reason, made_by, created_at, updated_at)
         SELECT ${id('ref', 'u.i')}, 'R-' || lpad(upper(to_hex(u.i)), 6, '0'), ${id('ep', 'u.episode')}, s.id, s.organization_id, u.source, u.status, u.reason,
                ${id('lw', 'u.worker')}, u.created::timestamptz, u.updated::timestamptz
           FROM unnest($2::int[], $3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[])
             AS u (i, episode, svc, source, status, reason, worker, created, updated)
           JOIN service s ON s.id = ${id('svc', 'u.svc')}`,
        R,
      )
      await q(
        'referral_event',
        `INSERT INTO referral_event (referral_id, status, reason, at, by_account)
         SELECT ${id('ref', 'u.ref')}, u.status, u.reason, u.at::timestamptz, CASE WHEN u.actor >= 0 THEN ${id('lw', 'u.actor')} END
           FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::int[]) WITH ORDINALITY AS u (ref, status, reason, at, actor, n)
          ORDER BY u.n`,
        V,
      )
      await q(
        'match_gap',
        `INSERT INTO match_gap (id, recorded_on, need_kind, need_terms, barriers, found, language, outcode, ward_code, ward_name, lsoa_code, need_key, episode_id, team_id, recorded_by, age_band)
         SELECT ${id('gap', 'u.i')}, u.day::date, u.kind, string_to_array(u.terms, ','), string_to_array(u.barriers, ','), u.found, u.language, u.outcode, u.ward, u.ward_name, u.lsoa,
                u.key, CASE WHEN u.episode >= 0 THEN ${id('ep', 'u.episode')} END, ${id('team', 'u.team')}, ${id('lw', 'u.worker')}, u.age
           FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::int[], $15::int[], $16::int[], $17::text[])
             AS u (i, day, kind, terms, barriers, found, language, outcode, ward, ward_name, lsoa, key, episode, team, worker, age)`,
        G,
      )
    })
    for (const c of [E, L, R, V, G]) for (const k of c.keys) (c.cols as Record<string, unknown[]>)[k] = []
  }

  const gapFor = (kindRoll: boolean) => {
    const language = rng.chance(0.05) ? rng.pick(LANGUAGES) : null
    const kind = kindRoll ? 'interest' : 'practical'
    const terms = kind === 'interest' ? rng.sample(INTEREST_TERMS, rng.chance(0.3) ? 2 : 1).sort() : [rng.pick(PRACTICAL_TERMS)]
    const pool: string[] = BARRIERS.filter((b) => b !== 'language')
    const barriers = rng.sample(pool, weighted(rng, [[1, 50], [2, 35], [3, 15]] as const))
    if (language) barriers.push('language')
    return { kind, terms, barriers, language, found: rng.int(0, 2), key: `${kind}:${terms.join(',')}:${language ?? ''}` }
  }

  const start = performance.now()
  await timed('generate_and_load', async () => {
    for (let i = 0; i < episodes; i++) {
      const team = rng.int(0, teams - 1)
      // Link workers are in teams by w % teams.
      const worker = team + teams * rng.int(0, Math.floor((workers - 1 - team) / teams))
      const place: Place = rng.chance(IN_CROYDON) ? rng.pick(croydon) : { outcode: rng.pick(elsewhere).outcode, ward_code: null, ward_name: null, lsoa_code: null }
      const openedAgo = rng.int(0, 455)
      const opened = addDays(lastDay, -openedAgo)
      const closeAfter = rng.int(45, 240)
      const closed = closeAfter <= openedAgo && rng.chance(0.8) ? addDays(opened, closeAfter) : null
      const endAgo = closed ? openedAgo - closeAfter : 0 // days before lastDay the episode's records stop
      const age = weighted(rng, AGE_WEIGHTS)
      E.push({
        i, team, worker, client: i, route: weighted(rng, ROUTE_WEIGHTS), age, outcode: place.outcode, ward: place.ward_code, ward_name: place.ward_name, lsoa: place.lsoa_code,
        opened, closed, reason: closed ? weighted(rng, CLOSE_WEIGHTS) : null, created: at(opened, rng.int(0, 420)),
      })

      // UCLA-3: a baseline for most, follow-ups about every two months while the episode lasts.
      if (rng.chance(0.95)) {
        const base = [weighted(rng, ITEM_WEIGHTS), weighted(rng, ITEM_WEIGHTS), weighted(rng, ITEM_WEIGHTS)]
        L.push({ i: scores++, episode: i, kind: 'baseline', day: opened, c: base[0], l: base[1], x: base[2], direct: rng.chance(0.5) ? rng.pick(DIRECT_LONELINESS) : null, worker, created: at(opened, rng.int(0, 420)) })
        let item = base
        for (let k = 1; k <= 3 && rng.chance(k === 1 ? 0.7 : 0.5); k++) {
          const ago = openedAgo - (56 * k + rng.int(0, 30))
          if (ago < endAgo - 14 || ago < 0) break
          item = item.map((v) => Math.min(3, Math.max(1, v - (rng.chance(0.35) ? 1 : 0) + (rng.chance(0.1) ? 1 : 0))))
          const on = addDays(lastDay, -ago)
          L.push({ i: scores++, episode: i, kind: 'follow_up', day: on, c: item[0], l: item[1], x: item[2], direct: rng.chance(0.5) ? rng.pick(DIRECT_LONELINESS) : null, worker, created: at(on, rng.int(0, 420)) })
        }
      }

      // Referrals: 0 to 4 listings, each once, with a history that follows the status machine.
      const chosen = new Set<number>()
      const wanted = weighted(rng, [[0, 15], [1, 30], [2, 30], [3, 15], [4, 10]] as const)
      while (chosen.size < wanted) chosen.add(rng.int(0, services - 1))
      for (const svc of chosen) {
        const r = referrals++
        let ago = openedAgo - rng.int(0, Math.min(60, openedAgo - endAgo))
        const events: { status: ReferralStatus; reason: string | null; ago: number; by: number }[] = [{ status: 'sent', reason: null, ago, by: worker }]
        const step = (status: ReferralStatus, by: number, reason: string | null = null, days = rng.int(1, 14)): boolean => {
          if (ago - days < 0) return false
          ago -= days
          events.push({ status, reason, ago, by })
          return true
        }
        const roll = rng.int(0, 99)
        let declineReason: string | null = null
        if (roll < 62) {
          if (step('accepted', -1)) {
            const next = rng.int(0, 99)
            if (next < 65) {
              if (step('attended', rng.chance(0.5) ? worker : -1, null, rng.int(3, 21)) && rng.chance(0.2)) step('stopped', -1, null, rng.int(14, 60))
            } else if (next < 80) {
              if (step('did_not_attend', -1, null, rng.int(3, 21)) && rng.chance(0.3)) step('attended', worker, null, rng.int(7, 21))
            }
          }
        } else if (roll < 85) {
          const reason = weighted(rng, DECLINE_WEIGHTS)
          if (step('declined', -1, reason)) declineReason = reason
        } else if (roll < 90) {
          step('closed', worker)
        }
        const last = events[events.length - 1]!
        if (last.status !== 'closed' && closed && rng.chance(0.6)) step('closed', worker, null, 1)
        const final = events[events.length - 1]!
        for (const e of events) V.push({ ref: r, status: e.status, reason: e.reason, at: at(addDays(lastDay, -e.ago), Math.min(420, 60 + events.indexOf(e) * 30)), actor: e.by })
        R.push({
          i: r, episode: i, svc, source: weighted(rng, [['match', 60], ['search', 30], ['listing', 10]] as const), status: final.status, reason: declineReason, worker,
          created: at(addDays(lastDay, -events[0]!.ago), 60), updated: at(addDays(lastDay, -final.ago), Math.min(420, 60 + (events.length - 1) * 30)),
        })
      }

      // Gaps: an unmet need is one row per episode and need.
      const needs = new Map<string, ReturnType<typeof gapFor>>()
      const gapCount = weighted(rng, [[0, 50], [1, 30], [2, 15], [3, 5]] as const)
      for (let k = 0; k < gapCount; k++) {
        const g = gapFor(rng.chance(0.75))
        needs.set(g.key, g)
      }
      for (const g of needs.values()) {
        const on = addDays(lastDay, -(openedAgo - rng.int(0, Math.min(30, openedAgo - endAgo))))
        G.push({ i: gaps++, day: on, kind: g.kind, terms: g.terms.join(','), barriers: g.barriers.join(','), found: g.found, language: g.language, outcode: place.outcode, ward: place.ward_code, ward_name: place.ward_name, lsoa: place.lsoa_code, key: g.key, episode: i, team, worker, age })
      }
      // Matches a link worker ran outside an episode: one row per worker, need, ward and day.
      if (rng.chance(0.15)) {
        const g = gapFor(rng.chance(0.75))
        const on = addDays(lastDay, -rng.int(0, 364))
        const elsewherePlace: Place = rng.chance(IN_CROYDON) ? rng.pick(croydon) : { outcode: rng.pick(elsewhere).outcode, ward_code: null, ward_name: null, lsoa_code: null }
        const key = `${worker}|${g.key}|${elsewherePlace.ward_code ?? ''}|${on}`
        if (!outsideKeys.has(key)) {
          outsideKeys.add(key)
          G.push({ i: gaps++, day: on, kind: g.kind, terms: g.terms.join(','), barriers: g.barriers.join(','), found: g.found, language: g.language, outcode: elsewherePlace.outcode, ward: elsewherePlace.ward_code, ward_name: elsewherePlace.ward_name, lsoa: elsewherePlace.lsoa_code, key: g.key, episode: -1, team, worker, age: null })
        }
      }

      if (E.length === BATCH || i === episodes - 1) {
        await flush()
        const elapsed = (performance.now() - start) / 1000
        log(`  ${i + 1}/${episodes} episodes, ${elapsed.toFixed(0)} s`)
      }
    }
  })

  // Searches that found nothing: a count per district, activity type and day.
  await timed('search_demand', async () => {
    const D = new Columns(['day', 'outcode', 'activity', 'searches'] as const)
    const seen = new Set<string>()
    const croydonOutcodes = [...new Set(croydon.map((c) => c.outcode))]
    for (let k = 0; k < Math.round(episodes * 0.5); k++) {
      const day = addDays(lastDay, -rng.int(0, 364))
      const outcode = rng.chance(0.3) ? rng.pick(croydonOutcodes) : rng.pick(elsewhere).outcode
      const activity = rng.chance(0.4) ? '' : rng.pick(ACTIVITY_TYPES)
      const key = `${day}|${outcode}|${activity}`
      if (seen.has(key)) continue
      seen.add(key)
      D.push({ day, outcode, activity, searches: weighted(rng, [[1, 60], [2, 20], [3, 10], [4, 6], [5, 4]] as const) })
    }
    await db.query(`INSERT INTO search_demand (day, outcode, activity_type, searches) SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::int[])`, D.arrays())
  })

  // Listing history: a 'create' version for every listing, as the app writes, before the year;
  // on some listings, changes of referral capacity during the year, the last to what it says now.
  await timed('record_version', async () => {
    const snapshot = (capacity: string) => `jsonb_build_object('id', s.id, 'organization_id', s.organization_id, 'name', s.name, 'description', s.description,
        'status', s.status, 'fees', s.fees, 'delivery_modes', to_jsonb(s.delivery_modes), 'group_size', s.group_size, 'typical_attendance', s.typical_attendance,
        'minimum_age', s.minimum_age, 'maximum_age', s.maximum_age, 'gender_restriction', s.gender_restriction, 'audiences', to_jsonb(s.audiences),
        'physical_intensity', s.physical_intensity, 'self_referral', s.self_referral, 'referral_capacity', ${capacity})`
    const changes = new Columns(['svc', 'version', 'capacity', 'was', 'at'] as const)
    const first = new Map<number, string>()
    const picked = new Set<number>()
    const wanted = Math.round(services * CAPACITY_CHANGED)
    while (picked.size < wanted) picked.add(rng.int(0, services - 1))
    for (const svc of [...picked].sort((a, b) => a - b)) {
      let capacity: string = weighted(rng, [['open', 80], ['waiting_list', 15], ['full', 5]] as const)
      first.set(svc, capacity)
      const n = rng.int(1, 4)
      const days = Array.from({ length: n }, () => rng.int(0, 364)).sort((a, b) => b - a)
      days.forEach((ago, k) => {
        const to = k === n - 1 ? '' : rng.pick(REFERRAL_CAPACITIES.filter((c) => c !== capacity))
        changes.push({ svc, version: k + 2, capacity: to, was: capacity, at: at(addDays(lastDay, -ago), 30 + k) })
        capacity = to
      })
    }
    await inReplicaTransaction(db, async (tx) => {
      const firstIdx = [...first.keys()]
      await tx.query(
        `INSERT INTO record_version (record_type, record_id, version, action, changed_at, changed_by, changes, snapshot)
         SELECT 'service', s.id, 1, 'create', $2::timestamptz - abs(hashtext(s.id::text) % 120) * interval '1 day', NULL, '{}',
                ${snapshot(`coalesce(f.capacity, s.referral_capacity)`)}
           FROM service s
           LEFT JOIN (SELECT ${id('svc', 'u.i')} AS id, u.capacity FROM unnest($3::int[], $4::text[]) AS u (i, capacity)) f ON f.id = s.id
          ORDER BY s.id`,
        [s, at(addDays(lastDay, -400), 0), firstIdx, firstIdx.map((k) => first.get(k)!)],
      )
      await tx.query(
        `INSERT INTO record_version (record_type, record_id, version, action, changed_at, changed_by, changes, snapshot)
         SELECT 'service', s.id, u.version, 'referral_status', u.at::timestamptz, NULL,
                jsonb_build_object('referral_capacity', jsonb_build_object('from', u.was, 'to', coalesce(nullif(u.capacity, ''), s.referral_capacity))),
                ${snapshot(`coalesce(nullif(u.capacity, ''), s.referral_capacity)`)}
           FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u (svc, version, capacity, was, at, n)
           JOIN service s ON s.id = ${id('svc', 'u.svc')}
          ORDER BY u.n`,
        [s, ...changes.arrays()],
      )
      await tx.query(`UPDATE service s SET version = v.version FROM (SELECT record_id, max(version) AS version FROM record_version WHERE record_type = 'service' GROUP BY 1) v WHERE v.record_id = s.id AND v.version > 1`)
    })
  })

  await timed('check', () => checkCaseload(db))
  await timed('vacuum_analyze', () => db.exec('VACUUM ANALYZE'))
  const rows = await countRows(db)
  const { rows: size } = await db.query<{ bytes: number }>('SELECT pg_database_size(current_database())::float8 AS bytes')
  const stamp: CaseloadStamp = {
    signature: spec.signature,
    loadedAt: loadedAt.toISOString(),
    lastDay,
    episodes,
    seconds: Object.fromEntries(Object.entries({ ...seconds, total: (performance.now() - began) / 1000 }).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    rows,
    databaseBytes: size[0]!.bytes,
  }
  await db.query('INSERT INTO bench_caseload (signature, stamp) VALUES ($1, $2)', [spec.signature, JSON.stringify(stamp)])
  log(`caseload loaded in ${stamp.seconds.total} s: ${JSON.stringify(rows)}`)
  return stamp
}

async function inReplicaTransaction(db: Db, fn: (tx: Queryable) => Promise<void>): Promise<void> {
  await db.transaction(async (tx) => {
    // Durability of a throw-away benchmark database does not matter; the references are checked afterwards.
    await tx.query('SET LOCAL synchronous_commit = off')
    await tx.query('SET LOCAL session_replication_role = replica')
    await fn(tx)
  })
}

/** What the skipped foreign-key checks and the product's own invariants would have enforced. */
async function checkCaseload(db: Queryable): Promise<void> {
  const checks: [string, string][] = [
    ['episodes naming a missing team or link worker', `SELECT count(*)::int AS n FROM episode e WHERE NOT EXISTS (SELECT 1 FROM team t WHERE t.id = e.team_id) OR NOT EXISTS (SELECT 1 FROM account a WHERE a.id = e.link_worker_id)`],
    ['scores naming a missing episode', `SELECT count(*)::int AS n FROM loneliness_score s WHERE NOT EXISTS (SELECT 1 FROM episode e WHERE e.id = s.episode_id)`],
    ['referrals naming a missing episode or listing, or another organisation', `SELECT count(*)::int AS n FROM referral r LEFT JOIN service s ON s.id = r.service_id WHERE s.id IS NULL OR s.organization_id <> r.organization_id OR NOT EXISTS (SELECT 1 FROM episode e WHERE e.id = r.episode_id)`],
    ['referral events naming a missing referral', `SELECT count(*)::int AS n FROM referral_event v WHERE NOT EXISTS (SELECT 1 FROM referral r WHERE r.id = v.referral_id)`],
    [
      'referrals whose history does not start at sent and end at their status',
      `SELECT count(*)::int AS n FROM referral r JOIN LATERAL (SELECT (array_agg(v.status ORDER BY v.at, v.id))[1] AS first, (array_agg(v.status ORDER BY v.at DESC, v.id DESC))[1] AS last
                                                               FROM referral_event v WHERE v.referral_id = r.id) h ON true
        WHERE h.first IS DISTINCT FROM 'sent' OR h.last IS DISTINCT FROM r.status`,
    ],
    ['gaps naming a missing episode, team or link worker', `SELECT count(*)::int AS n FROM match_gap g WHERE (g.episode_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM episode e WHERE e.id = g.episode_id)) OR NOT EXISTS (SELECT 1 FROM team t WHERE t.id = g.team_id) OR NOT EXISTS (SELECT 1 FROM account a WHERE a.id = g.recorded_by)`],
    ['gap areas the database does not hold', `SELECT count(*)::int AS n FROM match_gap g WHERE (g.ward_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM boundary b WHERE b.code = g.ward_code AND b.kind = 'ward')) OR (g.lsoa_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM boundary b WHERE b.code = g.lsoa_code AND b.kind = 'lsoa'))`],
    ['listings whose capacity history does not end at what they say now', `SELECT count(*)::int AS n FROM service s JOIN LATERAL (SELECT snapshot ->> 'referral_capacity' AS c, version FROM record_version v WHERE v.record_type = 'service' AND v.record_id = s.id ORDER BY v.id DESC LIMIT 1) v ON true WHERE v.c <> s.referral_capacity OR v.version <> s.version`],
    ['records later than yesterday', `SELECT (SELECT count(*) FROM referral_event WHERE at >= date_trunc('day', now()))::int + (SELECT count(*) FROM episode WHERE opened_on >= current_date)::int AS n`],
  ]
  for (const [what, sql] of checks) {
    const { rows } = await db.query<{ n: number }>(sql)
    if (rows[0]!.n > 0) throw new Error(`${rows[0]!.n} ${what}`)
  }
}

