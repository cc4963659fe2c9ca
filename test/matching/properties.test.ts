// Property tests over random profiles and random directories: no ranked result ever breaks a
// hard constraint of its profile, and a gap is reported exactly when fewer than 3 listings meet
// every hard constraint for an interest or need. The oracle (./oracle.ts) restates the
// constraints independently of src/matching/rules.ts, as plainly as possible.
import fc from 'fast-check'
import t from 'tap'
import type { Candidate, MatchContext } from '../../src/matching/candidate.ts'
import { GAP_THRESHOLD, matchProfile } from '../../src/matching/match.ts'
import { MatchProfileSchema, type MatchProfile } from '../../src/matching/schemas.ts'
import { ACCESSIBILITY_FEATURES } from '../../src/directory/vocabulary.ts'
import { NOW } from './fixtures.ts'
import { listingFieldsArb, personArb, scheduleArb } from './arbitraries.ts'
import { feasible, listingOk, serves, wayOk } from './oracle.ts'

const TERMS = ['arts-and-crafts', 'social-groups', 'befriending', 'housing', 'food', 'practical-support']

const candidateArb = (index: number) =>
  fc
    .record({
      fields: listingFieldsArb,
      verified_at: fc.constantFrom(null, '2026-10-01T00:00:00Z', '2025-12-01T00:00:00Z'),
      terms: fc.subarray(TERMS, { minLength: 1, maxLength: 3 }),
      area_covers: fc.boolean(),
      venues: fc.array(
        fc.record({ distance_m: fc.integer({ min: 0, max: 12_000 }), features: fc.subarray([...ACCESSIBILITY_FEATURES]) }),
        { maxLength: 2 },
      ),
      text_hits: fc.subarray([0, 1]),
    })
    .chain((r) => {
      const venues = r.venues.map((v, j) => ({
        id: `v${index}-${j}`,
        name: `Venue ${index}-${j}`,
        postcode: null,
        latitude: 51.4,
        longitude: -0.1,
        ...v,
      }))
      return fc.array(scheduleArb(venues.map((v) => v.id)), { maxLength: 3 }).map(
        (schedules): Candidate => ({
          ...r.fields,
          id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
          name: `Listing ${index}`,
          description: '',
          organization: { id: '20000000-0000-4000-8000-000000000001', name: 'Org' },
          typical_attendance: null,
          verified_at: r.verified_at,
          terms: r.terms,
          area_covers: r.area_covers,
          areas: r.area_covers ? [] : [{ kind: 'local_authority', name: 'Sutton' }],
          venues,
          schedules: schedules.map(({ at, ...s }) => ({ ...s, location_id: at, valid_from: null })),
          text_hits: r.text_hits,
        }),
      )
    })

const directoryArb = fc.integer({ min: 0, max: 25 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => candidateArb(i + 1))))

const profileArb = fc
  .record({
    person: personArb(3, ['new_parents', 'carers', 'men', 'mental_health']),
    terms: fc.subarray(['arts-and-crafts', 'social-groups', 'befriending']),
    text: fc.subarray(['darts', 'choir']),
    practical_needs: fc.subarray(['housing', 'food'] as const),
    group_size: fc.constantFrom('one_to_one', 'small', 'any'),
    limit: fc.integer({ min: 1, max: 12 }),
    textTerms: fc.tuple(fc.subarray(TERMS, { maxLength: 2 }), fc.subarray(TERMS, { maxLength: 2 })),
  })
  .map((r) => {
    const profile = MatchProfileSchema.parse({
      ...r.person,
      postcode: 'CR0 1AA',
      interests: { terms: r.terms, text: r.text },
      practical_needs: r.practical_needs,
      preferences: { ...r.person.preferences, group_size: r.group_size },
      limit: r.limit,
    })
    const ctx: MatchContext = { now: NOW, textTerms: r.textTerms, termNames: {}, areaLabel: 'CR0 1AA', searchedKm: 10 }
    return { profile, ctx }
  })

t.test('no ranked result ever breaks a hard constraint of its profile', async (t) => {
  fc.assert(
    fc.property(profileArb, directoryArb, ({ profile, ctx }, directory) => {
      const { results } = matchProfile(profile, directory, ctx)
      const byId = new Map(directory.map((c) => [c.id, c]))
      // Each section (practical help, interests) holds at most `limit`.
      if (results.filter((r) => r.section === 'practical').length > profile.limit) return false
      if (results.filter((r) => r.section === 'interest').length > profile.limit) return false
      if (new Set(results.map((r) => r.service.id)).size !== results.length) return false
      for (const r of results) {
        const c = byId.get(r.service.id)!
        if (!listingOk(profile, c) || !wayOk(profile, c, r.delivery, r.location?.id ?? null)) return false
        if (!serves(profile, ctx, c).some((n) => n.ok)) return false
      }
      // Every section is as full as the feasible listings allow: practical help never crowds out interests.
      const feasibleIn = (practical: boolean) =>
        directory.filter((c) => {
          const fits = serves(profile, ctx, c)
          const isPractical = fits.slice(0, profile.practical_needs.length).some((n) => n.ok)
          return feasible(profile, c) && fits.some((n) => n.ok) && isPractical === practical
        }).length
      if (results.filter((r) => r.section === 'practical').length !== Math.min(profile.limit, feasibleIn(true))) return false
      if (results.filter((r) => r.section === 'interest').length !== Math.min(profile.limit, feasibleIn(false))) return false
      // Practical help first; within a section, best score first.
      for (let i = 1; i < results.length; i++) {
        const [a, b] = [results[i - 1]!, results[i]!]
        if (a.section === 'interest' && b.section === 'practical') return false
        if (a.section === b.section && a.score < b.score) return false
      }
      return true
    }),
    { numRuns: 400, seed: 20261121 },
  )
  t.pass('400 random profiles × random directories')
})

t.test('a gap is reported exactly when fewer than 3 listings meet every hard constraint for a need', async (t) => {
  fc.assert(
    fc.property(profileArb, directoryArb, ({ profile, ctx }, directory) => {
      const { gaps } = matchProfile(profile, directory, ctx)
      const needs = serves(profile, ctx, directory[0] ?? ({ terms: [], text_hits: [] } as unknown as Candidate)).map((n) => n.label)
      const counts = needs.map((_, i) => directory.filter((c) => serves(profile, ctx, c)[i]!.ok && feasible(profile, c)).length)
      const expected = needs.flatMap((label, i) => (counts[i]! < GAP_THRESHOLD ? [{ label, found: counts[i] }] : []))
      const actual = gaps.map((g) => ({ label: g.need, found: g.found }))
      // Labels differ in wording for terms and practical needs; compare counts in order.
      return JSON.stringify(actual.map((g) => g.found)) === JSON.stringify(expected.map((g) => g.found)) && gaps.length === expected.length
    }),
    { numRuns: 400, seed: 20261121 },
  )
  t.pass('400 random profiles × random directories')
})
