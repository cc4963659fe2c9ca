/**
 * The matcher: a profile and candidate listings in, ranked and explained results and gaps out.
 * Pure: no database, no clock but the one given, nothing stored. Hard constraints (rules.ts)
 * exclude; preferences rank; every result says why it fits and what it does not meet.
 */
import { STALE_AFTER_DAYS } from '../search/postgres.ts'
import type { Candidate, MatchContext } from './candidate.ts'
import { ageGroupWords, bestOption, forTheirAge, forTheirAgeWords, reachKm, requiredFeatures, type Failure, type Option } from './rules.ts'
import {
  BARRIERS,
  PRACTICAL_NEEDS,
  type Barrier,
  type Gap,
  type MatchProfile,
  type MatchResult,
  type NearMiss,
  type ScoreParts,
} from './schemas.ts'
import { describeSchedule, fitsAvailability, isCurrent, nextSessions, ukNow } from './sessions.ts'
import { AUDIENCE_WORDS, featureWords, km, languageName, listWords, minutes, pounds, transitKm, transitMinutes, WALK_M_PER_MIN, WHEELCHAIR_M_PER_MIN } from './words.ts'

/** Fewer results than this for an interest or need, meeting every hard constraint, is a gap. */
export const GAP_THRESHOLD = 3
const NEAR_MISSES = 3

/** How much each preference counts; they sum to 1, so a score is between 0 and 1. */
export const WEIGHTS: ScoreParts = {
  interest: 0.3,
  group_size: 0.2,
  audience: 0.15,
  first_visit: 0.1,
  distance: 0.1,
  cost: 0.05,
  freshness: 0.05,
  capacity: 0.05,
}

/** One thing the person wants or needs: a practical need, an activity type, some words, or anything. */
export interface Need {
  kind: Gap['kind']
  label: string
  terms: string[]
  /** For free-text interests: which one. */
  textIndex?: number
}

export function needsOf(profile: MatchProfile, ctx: MatchContext): Need[] {
  const name = (code: string) => (ctx.termNames[code] ?? code).toLowerCase()
  const needs: Need[] = [
    ...profile.practical_needs.map((n): Need => ({ kind: 'practical', label: name(PRACTICAL_NEEDS[n]), terms: [PRACTICAL_NEEDS[n]] })),
    ...profile.interests.terms.map((code): Need => ({ kind: 'interest', label: name(code), terms: [code] })),
    ...profile.interests.text.map((text, i): Need => ({ kind: 'interest', label: text, terms: ctx.textTerms[i] ?? [], textIndex: i })),
  ]
  return needs.length > 0 ? needs : [{ kind: 'any', label: 'anything', terms: [] }]
}

/** How well a listing serves a need: 1 named directly, 0.7 through a related activity type, else 0. */
export function needFit(need: Need, c: Candidate): number {
  if (need.kind === 'any') return 0.5
  if (need.textIndex !== undefined && c.text_hits.includes(need.textIndex)) return 1
  if (need.terms.some((t) => c.terms.includes(t))) return need.textIndex === undefined ? 1 : 0.7
  return 0
}

export function isStale(c: Candidate, now: Date): boolean {
  return c.verified_at === null || now.getTime() - Date.parse(c.verified_at) >= STALE_AFTER_DAYS * 86_400_000
}

interface Evaluated {
  candidate: Candidate
  option: Option
  failures: Failure[]
  /** Needs it serves, by index into the needs list, with how well. */
  fits: { need: number; fit: number }[]
}

function scoreParts(profile: MatchProfile, e: Evaluated, needs: Need[], now: Date): ScoreParts {
  const c = e.candidate
  // Half for the best fit, half for how many of the person's interests it serves.
  const section = (n: Need) => (n.kind === 'practical' ? 'practical' : 'interest')
  const kind = e.fits.some((f) => needs[f.need]!.kind === 'practical') ? 'practical' : 'interest'
  const fits = e.fits.filter((f) => section(needs[f.need]!) === kind)
  const interestCount = needs.filter((n) => section(n) === kind).length
  const prefs = profile.preferences
  const groupTable = {
    one_to_one: { one_to_one: 1, small: 0.5, large: 0 },
    small: { one_to_one: 0.8, small: 1, large: 0 },
    any: { one_to_one: 0.5, small: 0.5, large: 0.5 },
  }[prefs.group_size]
  const audience = sharedAudiences(profile, c).length > 0 || inTheirLanguage(profile, c) ? 1 : forTheirAge(profile, c) ? 0.5 : 0
  const support = c.newcomer_support
  const firstVisit = !prefs.accompanied_first_visit
    ? 0
    : support.includes('accompanied_first_visit') ? 1 : support.includes('volunteer_buddy') ? 0.7 : support.includes('welcome_call') ? 0.3 : 0
  const reach = reachKm(profile.travel) * 1000
  const distance = e.option.venue ? Math.max(0, 1 - e.option.venue.distance_m / Math.max(reach, 1)) : profile.travel.housebound ? 1 : 0.5
  return {
    interest: round(0.5 * Math.max(0, ...fits.map((f) => f.fit)) + 0.5 * (fits.reduce((sum, f) => sum + f.fit, 0) / Math.max(1, interestCount))),
    group_size: groupTable[c.group_size],
    audience,
    first_visit: firstVisit,
    distance: round(distance),
    cost: c.price === 0 ? 1 : round(Math.max(0, 1 - c.price / 10)),
    freshness: isStale(c, now) ? 0 : 1,
    capacity: c.referral_capacity === 'open' ? 1 : c.referral_capacity === 'waiting_list' ? 0.3 : 0,
  }
}

/** The language other than English they need, else the one they would like. */
function theirLanguage(profile: MatchProfile): string | undefined {
  return [profile.language_need, profile.preferences.language].find((l) => l !== undefined && l !== 'en')
}

/** Sessions are held in their (non-English) language. */
function inTheirLanguage(profile: MatchProfile, c: Candidate): boolean {
  const l = theirLanguage(profile)
  return l !== undefined && c.languages.includes(l)
}

/**
 * The specialist audiences they asked for that the listing is for. A language community counts
 * only when it speaks their language: a Polish club is no better a fit for a Tamil speaker
 * than a mixed group.
 */
function sharedAudiences(profile: MatchProfile, c: Candidate) {
  return c.audiences.filter((a) => profile.preferences.audiences.includes(a) && (a !== 'language_community' || inTheirLanguage(profile, c)))
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000
}

export function totalScore(parts: ScoreParts): number {
  return round((Object.keys(WEIGHTS) as (keyof ScoreParts)[]).reduce((sum, k) => sum + WEIGHTS[k] * parts[k], 0))
}

/** "1.2 km, about 15 minutes' walk", by the gentlest way of travelling that gets there. */
function journeyWords(profile: MatchProfile, metres: number): string {
  const t = profile.travel
  const k = metres / 1000
  const how =
    t.walk_km !== undefined && k <= t.walk_km ? `about ${minutes(metres / WALK_M_PER_MIN)} minutes' walk`
    : t.wheelchair_km !== undefined && k <= t.wheelchair_km ? `about ${minutes(metres / WHEELCHAIR_M_PER_MIN)} minutes by wheelchair`
    : t.public_transport_minutes !== undefined && k <= transitKm(t.public_transport_minutes)
      ? `about ${minutes(transitMinutes(k))} minutes by bus or train`
    : t.taxi_or_lift_km !== undefined && k <= t.taxi_or_lift_km ? 'by taxi or a lift'
    : 'by car'
  return `${km(metres)}, ${how}`
}

const DELIVERY_WORDS = {
  home_visit: 'they visit you at home',
  telephone: 'by telephone',
  online_video: 'online, by video call',
  online_text: 'online, in writing',
} as const

function monthsSince(iso: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(iso)) / (86_400_000 * 30.44))
}

function explain(profile: MatchProfile, e: Evaluated, needs: Need[], ctx: MatchContext): { reasons: string[]; unmet: string[] } {
  const c = e.candidate
  const prefs = profile.preferences
  const reasons: string[] = []
  const unmet: string[] = []
  for (const { need, fit } of e.fits) {
    const n = needs[need]!
    if (n.kind === 'any') continue
    if (fit === 1 || n.textIndex === undefined) reasons.push(n.label)
    else reasons.push(`${listWords(n.terms.filter((t) => c.terms.includes(t)).map((t) => (ctx.termNames[t] ?? t).toLowerCase()))} (for “${n.label}”)`)
  }
  const venue = e.option.venue
  const required = requiredFeatures(profile)
  if (venue && required.length > 0) reasons.push(featureWords(required))
  if (c.group_size === 'one_to_one') reasons.push('one-to-one')
  else {
    const size = `${c.group_size === 'small' ? 'small' : 'larger'} group${c.typical_attendance ? ` of about ${c.typical_attendance}` : ''}`
    if (prefs.group_size === 'one_to_one') unmet.push(`a ${size}, not one-to-one`)
    else if (c.group_size === 'large' && prefs.group_size === 'small') unmet.push(`a ${size}`)
    else reasons.push(size)
  }
  reasons.push(venue ? journeyWords(profile, venue.distance_m) : DELIVERY_WORDS[e.option.delivery as keyof typeof DELIVERY_WORDS])
  const audiences = sharedAudiences(profile, c)
  if (audiences.length > 0) reasons.push(listWords(audiences.map((a) => (a === 'language_community' ? `for ${languageName(theirLanguage(profile)!)} speakers` : AUDIENCE_WORDS[a]))))
  else if (inTheirLanguage(profile, c)) reasons.push(`in ${languageName(theirLanguage(profile)!)}`)
  else if (prefs.audiences.length > 0 && !e.fits.some((f) => needs[f.need]!.kind === 'practical')) unmet.push(`not specifically ${listWords(prefs.audiences.map((a) => AUDIENCE_WORDS[a]))}`)
  if (profile.own_age_group) reasons.push(`for ${ageGroupWords(profile.age!)}`)
  if (profile.language_need !== undefined && !c.languages.includes(profile.language_need) && c.interpreter_available) {
    reasons.push(`an interpreter can be arranged for ${languageName(profile.language_need)}`)
  }
  if (prefs.accompanied_first_visit) {
    const s = c.newcomer_support
    if (s.includes('accompanied_first_visit')) reasons.push('a volunteer can come with you the first time')
    else if (s.includes('volunteer_buddy')) reasons.push('a buddy looks after newcomers')
    else if (s.includes('welcome_call')) reasons.push('they will call you before your first visit')
    else unmet.push('nobody to go with you the first time')
  }
  const today = ukNow(ctx.now).date
  const fitting = e.option.schedules.filter((s) => isCurrent(s, today) && fitsAvailability(s, profile.availability))
  if (fitting.length > 0) reasons.push(listWords(fitting.slice(0, 2).map(describeSchedule)))
  if (c.price === 0) reasons.push('free')
  else unmet.push(`costs ${pounds(c.price)}`)
  if (c.verified_at === null) unmet.push('never confirmed as running')
  else if (isStale(c, ctx.now)) unmet.push(`not verified for ${monthsSince(c.verified_at, ctx.now)} months`)
  if (c.referral_capacity === 'waiting_list') unmet.push('has a waiting list')
  return { reasons, unmet }
}

function nearMiss(e: Evaluated): NearMiss {
  const c = e.candidate
  return {
    service: { id: c.id, name: c.name },
    distance_m: e.option.venue ? Math.round(e.option.venue.distance_m) : null,
    fails: e.failures.map((f) => ({ barrier: f.barrier, detail: f.detail })),
    summary: `${c.name} ${listWords(e.failures.map((f) => f.detail))}`,
  }
}

export interface MatchOutcome {
  reach_km: number
  results: MatchResult[]
  gaps: Gap[]
}

/**
 * Ranks the candidates for a profile. A result meets every hard constraint and serves at least
 * one of the person's needs or interests (any listing, when they named none); one result per
 * service; practical help first, then by score. A need served by fewer than GAP_THRESHOLD such
 * listings is a gap, with the nearest near-misses and what each fails.
 */
export function matchProfile(profile: MatchProfile, candidates: Candidate[], ctx: MatchContext): MatchOutcome {
  const needs = needsOf(profile, ctx)
  const seen = new Set<string>()
  const evaluated: Evaluated[] = []
  for (const c of candidates) {
    if (seen.has(c.id)) continue
    seen.add(c.id)
    const fits = needs.map((n, i) => ({ need: i, fit: needFit(n, c) })).filter((f) => f.fit > 0)
    if (fits.length === 0) continue
    const { option, failures } = bestOption(profile, c, ctx.now)
    evaluated.push({ candidate: c, option, failures, fits })
  }
  const meeting = evaluated.filter((e) => e.failures.length === 0)
  const isPractical = (e: Evaluated) => e.fits.some((f) => needs[f.need]!.kind === 'practical')
  const ranked = meeting
    .map((e) => ({ e, parts: scoreParts(profile, e, needs, ctx.now) }))
    .map((r) => ({ ...r, score: totalScore(r.parts), practical: isPractical(r.e) }))
    .sort(
      (a, b) =>
        Number(b.practical) - Number(a.practical) ||
        b.score - a.score ||
        (a.e.option.venue?.distance_m ?? Infinity) - (b.e.option.venue?.distance_m ?? Infinity) ||
        a.e.candidate.name.localeCompare(b.e.candidate.name) ||
        a.e.candidate.id.localeCompare(b.e.candidate.id),
    )
  // Each section has its own limit, so asking for practical help never hides every activity.
  const shown = [...ranked.filter((r) => r.practical).slice(0, profile.limit), ...ranked.filter((r) => !r.practical).slice(0, profile.limit)]
  const results = shown.map(({ e, parts, score, practical }, i): MatchResult => {
    const c = e.candidate
    const venue = e.option.venue
    const { reasons, unmet } = explain(profile, e, needs, ctx)
    const venueNames = new Map(c.venues.map((v) => [v.id, v.name]))
    return {
      rank: i + 1,
      section: practical ? 'practical' : 'interest',
      service: {
        id: c.id,
        name: c.name,
        description: c.description,
        organization: c.organization,
        group_size: c.group_size,
        typical_attendance: c.typical_attendance,
        verified_at: c.verified_at === null ? null : new Date(c.verified_at).toISOString(),
      },
      matched: e.fits.map((f) => needs[f.need]!.label).filter((l) => l !== 'anything'),
      delivery: e.option.delivery,
      location: venue
        ? { id: venue.id, name: venue.name, postcode: venue.postcode, latitude: venue.latitude, longitude: venue.longitude }
        : null,
      distance_m: venue ? Math.round(venue.distance_m) : null,
      next_sessions: nextSessions(e.option.schedules, profile.availability, ctx.now).map((s) => ({
        date: s.date,
        day: s.day,
        opens_at: s.opens_at,
        closes_at: s.closes_at,
        location_name: s.location_id === null ? null : (venueNames.get(s.location_id) ?? null),
      })),
      reasons,
      does_not_meet: unmet,
      score,
      score_parts: parts,
    }
  })
  const gaps = needs.flatMap((need, i): Gap[] => {
    const serving = evaluated.filter((e) => e.fits.some((f) => f.need === i))
    const found = serving.filter((e) => e.failures.length === 0).length
    if (found >= GAP_THRESHOLD) return []
    const misses = serving
      .filter((e) => e.failures.length > 0)
      .sort(
        (a, b) =>
          a.failures.length - b.failures.length ||
          (a.option.venue?.distance_m ?? Infinity) - (b.option.venue?.distance_m ?? Infinity) ||
          a.candidate.name.localeCompare(b.candidate.name),
      )
      .slice(0, NEAR_MISSES)
      .map(nearMiss)
    const barriers = BARRIERS.filter((b: Barrier) => misses.some((m) => m.fails.some((f) => f.barrier === b)))
    const language = barriers.includes('language') ? (profile.language_need ?? null) : null
    const inLanguage = language ? ` in ${languageName(language)} (or with an interpreter)` : ''
    const forWhat = `${need.kind === 'any' ? '' : ` for ${need.label}`}${forTheirAgeWords(profile)}${inLanguage}`
    const what = found === 0 ? `Nothing${forWhat}` : `Only ${found} option${found === 1 ? '' : 's'}${forWhat}`
    const nearest =
      misses.length === 0
        ? ` Nothing else${forWhat} was found within ${km(ctx.searchedKm * 1000)}.`
        : ` The nearest that do not: ${misses.map((m) => m.summary).join('; ')}.`
    return [
      {
        need: need.label,
        kind: need.kind,
        terms: need.terms,
        found,
        barriers,
        language,
        message: `${what} meets everything they need near ${ctx.areaLabel}.${nearest}`,
        near_misses: misses,
        recorded: false,
      },
    ]
  })
  return { reach_km: Math.round(reachKm(profile.travel) * 100) / 100, results, gaps }
}
