/**
 * A whole match, as the route runs it: locate the person, interpret their words, gather the
 * candidate listings, rank them with the pure matcher, and record the gaps (for link workers
 * only). The profile is used here and dropped; only the gap records are written.
 */
import type { Queryable } from '../db/db.ts'
import { locatePostcode, placeAt } from '../geo/locate.ts'
import { matchProfile } from '../matching/match.ts'
import { reachKm } from '../matching/rules.ts'
import { PRACTICAL_NEEDS, type MatchProfile, type MatchResponse } from '../matching/schemas.ts'
import type { Principal } from '../auth/store.ts'
import { Forbidden, Invalid, Unauthorized } from '../problem.ts'
import { episodeForMatch } from '../referrals/store.ts'
import { ageBand } from '../referrals/vocabulary.ts'
import { gatherCandidates, gatherKm, interpretInterests } from './candidates.ts'
import { coarseArea, recordGaps, type GapContext } from './gaps.ts'

/**
 * Whom a match's gaps are recorded for. Inside an episode: a link worker of its team (anyone
 * else is refused, and another team's episode does not exist). Outside one: a signed-in link
 * worker or admin. Anyone else (people matching themselves, editors, commissioners): nobody,
 * and nothing is recorded.
 */
export async function gapContextFor(
  db: Queryable,
  principal: Principal | null,
  episodeId: string | undefined,
  profile: Pick<MatchProfile, 'age'>,
): Promise<GapContext | null> {
  if (episodeId !== undefined) {
    if (!principal) throw new Unauthorized('Sign in as a link worker to match inside an episode.')
    if (principal.role !== 'link_worker') throw new Forbidden('Only link workers match inside an episode.')
    if (!principal.team) throw new Forbidden('You are not in a team yet: ask an admin to add you to your team.')
    const episode = await episodeForMatch(db, episodeId, principal.team.id)
    return { episodeId: episode.id, teamId: principal.team.id, recordedBy: principal.account_id, ageBand: episode.age_band }
  }
  if (!principal || (principal.role !== 'link_worker' && principal.role !== 'admin')) return null
  return { episodeId: null, teamId: principal.team?.id ?? null, recordedBy: principal.account_id, ageBand: profile.age === undefined ? null : ageBand(profile.age) }
}

export async function matchForProfile(db: Queryable, profile: MatchProfile, now: Date, context: GapContext | null): Promise<MatchResponse> {
  const place =
    profile.postcode !== undefined
      ? await locatePostcode(db, profile.postcode, 'postcode', 'body')
      : placeAt(profile.latitude!, profile.longitude!, '/latitude', 'body')
  const vocabulary = await interpretInterests(db, profile.interests.text)
  const unknown = profile.interests.terms.filter((code) => !(code in vocabulary.termNames))
  if (unknown.length > 0) {
    throw new Invalid(
      `Unknown activity type: ${unknown.join(', ')}`,
      unknown.map((code) => ({
        in: 'body' as const,
        pointer: `/interests/terms/${profile.interests.terms.indexOf(code)}`,
        detail: `${code} is not a taxonomy term code`,
      })),
    )
  }
  const searchedKm = gatherKm(reachKm(profile.travel))
  const terms = [...profile.interests.terms, ...profile.practical_needs.map((n) => PRACTICAL_NEEDS[n]), ...vocabulary.textTerms.flat()]
  const candidates = await gatherCandidates(db, place, searchedKm, [...new Set(terms)], vocabulary.texts)
  const outcome = matchProfile(profile, candidates, {
    now,
    textTerms: vocabulary.textTerms,
    termNames: vocabulary.termNames,
    areaLabel: place.postcode ?? place.outcode ?? 'their area',
    searchedKm,
  })
  const recording = context !== null && outcome.gaps.length > 0
  if (recording) await recordGaps(db, outcome.gaps, await coarseArea(db, place), context, now)
  return {
    place,
    reach_km: outcome.reach_km,
    considered: candidates.length,
    results: outcome.results,
    gaps: outcome.gaps.map((g) => ({ ...g, recorded: recording })),
  }
}
