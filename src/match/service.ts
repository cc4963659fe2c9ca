/**
 * A whole match, as the route runs it: locate the person, interpret their words, gather the
 * candidate listings, rank them with the pure matcher, and record the gaps. The profile is
 * used here and dropped; only the anonymous gap records are written.
 */
import type { Queryable } from '../db/db.ts'
import { locatePostcode, placeAt } from '../geo/locate.ts'
import { matchProfile } from '../matching/match.ts'
import { reachKm } from '../matching/rules.ts'
import { PRACTICAL_NEEDS, type MatchProfile, type MatchResponse } from '../matching/schemas.ts'
import { Invalid } from '../problem.ts'
import { gatherCandidates, gatherKm, interpretInterests } from './candidates.ts'
import { coarseArea, recordGaps } from './gaps.ts'

export async function matchForProfile(db: Queryable, profile: MatchProfile, now: Date): Promise<MatchResponse> {
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
  if (outcome.gaps.length > 0) await recordGaps(db, outcome.gaps, await coarseArea(db, place), now)
  return {
    place,
    reach_km: outcome.reach_km,
    considered: candidates.length,
    results: outcome.results,
    gaps: outcome.gaps.map((g) => ({ ...g, recorded: true })),
  }
}
