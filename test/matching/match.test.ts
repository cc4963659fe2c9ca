import t from 'tap'
import { matchProfile, WEIGHTS } from '../../src/matching/match.ts'
import { bestOption, reachKm } from '../../src/matching/rules.ts'
import { MatchProfileSchema } from '../../src/matching/schemas.ts'
import { describeSchedule, nextSessions, runsOn, ukNow } from '../../src/matching/sessions.ts'
import { CTX, NOW, candidate, profile, venue, weekly } from './fixtures.ts'

t.test('sessions: UK dates, monthly rules, next sessions that fit the windows', async (t) => {
  t.same(ukNow(new Date('2026-07-01T23:30:00Z')), { date: '2026-07-02', time: '00:30' }, 'summer time is UTC+1')
  const lastWed = { ...weekly(['WE'], '14:00', '16:00'), kind: 'monthly' as const, week_of_month: -1 }
  t.ok(runsOn(lastWed, '2026-11-25'), '25 November 2026 is the last Wednesday')
  t.notOk(runsOn(lastWed, '2026-11-18'))
  const secondWed = { ...lastWed, week_of_month: 2 }
  t.ok(runsOn(secondWed, '2026-11-11'))
  t.notOk(runsOn(secondWed, '2026-11-04'))
  t.equal(describeSchedule(secondWed), '2nd Wednesday of the month 14:00–16:00')
  t.equal(describeSchedule(weekly(['MO', 'TU', 'WE', 'TH', 'FR'], '09:30', '16:30')), 'weekdays 09:30–16:30')
  t.equal(describeSchedule(weekly(['MO', 'WE', 'FR'], '10:00', '11:00')), 'Mondays, Wednesdays and Fridays 10:00–11:00')

  const twiceWeekly = weekly(['TU', 'SA'], '10:00', '12:00')
  t.same(
    nextSessions([twiceWeekly], undefined, NOW).map((s) => `${s.day} ${s.date}`),
    ['Tuesday 2026-11-03', 'Saturday 2026-11-07', 'Tuesday 2026-11-10'],
    'today counts when it has not started yet (08:00 before 10:00)',
  )
  t.same(
    nextSessions([twiceWeekly], [{ days: ['SA'] }], new Date('2026-11-03T11:00:00Z')).map((s) => s.date),
    ['2026-11-07', '2026-11-14', '2026-11-21'],
    'only Saturdays for someone free on Saturdays',
  )
  t.same(nextSessions([{ ...twiceWeekly, valid_to: '2026-11-08' }], undefined, NOW).map((s) => s.date), ['2026-11-03', '2026-11-07'], 'nothing after valid_to')
})

t.test('reach: the furthest way of travelling, in straight-line km', async (t) => {
  t.equal(reachKm(profile({ travel: { walk_km: 1.5 } }).travel), 1.5)
  t.equal(reachKm(profile({ travel: { walk_km: 1, public_transport_minutes: 40 } }).travel), 10, '40 minutes by bus: 10 waiting, 30 at 20 km/h')
  t.equal(reachKm(profile({ travel: { housebound: true } }).travel), 0)
})

t.test('hard constraints: each one excludes, and says why', async (t) => {
  const cases: [string, Record<string, unknown>, Parameters<typeof candidate>[0], string, string][] = [
    ['too far', { travel: { walk_km: 1 } }, { venues: [venue('v', 1500)] }, 'distance', 'is 1.5 km away'],
    ['steps', { access: ['step_free'] }, { venues: [venue('v', 400, ['seating'])] }, 'access', 'has steps at the entrance'],
    ['wheelchair needs step-free', { travel: { wheelchair_km: 2 } }, { venues: [venue('v', 400, ['seating'])] }, 'access', 'has steps at the entrance'],
    ['too old', { age: 40 }, { maximum_age: 25, minimum_age: 16 }, 'eligibility', 'is for ages 16 to 25'],
    ['men only', { gender: 'woman' }, { gender_restriction: 'men_only' }, 'eligibility', 'is for men only'],
    ['new parents only', {}, { audiences: ['new_parents'] }, 'eligibility', 'is only for new parents'],
    ['full', {}, { referral_capacity: 'full' }, 'capacity', 'is full'],
    ['costs too much', { preferences: { max_cost: 2 } }, { price: 3.5 }, 'cost', 'costs £3.50'],
    ['not free', { preferences: { free_only: true } }, { price: 1 }, 'cost', 'costs £1'],
    ['too vigorous', { max_physical_intensity: 'light' }, { physical_intensity: 'vigorous' }, 'intensity', 'is vigorous exercise'],
    ['wrong time', { availability: [{ days: ['MO', 'TU'], from: '09:00', to: '17:00' }] }, { schedules: [weekly(['TU'], '18:30', '20:00')] }, 'time', 'only runs Tuesdays 18:30–20:00'],
    ['housebound', { travel: { housebound: true } }, {}, 'delivery_mode', 'meets in person only'],
    ['phone for text-only', { text_only_contact: true, travel: { housebound: true } }, { delivery_modes: ['telephone'], venues: [], area_covers: true }, 'delivery_mode', 'is by telephone, and they need text-only contact'],
    ['remote outside its area', { travel: { housebound: true } }, { delivery_modes: ['home_visit'], venues: [], area_covers: false, areas: [{ kind: 'local_authority', name: 'Sutton' }] }, 'distance', 'is by home visit but only for people living in Sutton'],
    ['remote outside its wards', { travel: { housebound: true } }, { delivery_modes: ['telephone'], venues: [], area_covers: false, areas: [{ kind: 'ward', name: 'Waddon ward, Croydon' }, { kind: 'radius', name: 'within 3 km of St Mark’s Hall' }] }, 'distance', 'is by telephone but only for people living in Waddon ward, Croydon or within 3 km of St Mark’s Hall'],
    ['language', { language_need: 'ta' }, { languages: ['en', 'pl'] }, 'language', 'is held in English and Polish, with no Tamil and no interpreter'],
  ]
  for (const [name, p, c, barrier, detail] of cases) {
    const listing = candidate(c)
    const { failures } = bestOption(profile(p), listing, NOW)
    t.same(failures, [{ barrier, detail }], `${name}: ${detail}`)
    const outcome = matchProfile(profile(p), [listing], CTX)
    t.same(outcome.results, [], `${name}: never ranked`)
  }
  const ok = candidate({ venues: [venue('v', 900, ['step_free', 'seating'])] })
  t.same(bestOption(profile({ travel: { wheelchair_km: 1 }, access: ['seating'], age: 70, gender: 'woman' }), ok, NOW).failures, [], 'a listing that meets everything fails nothing')
  t.same(bestOption(profile({ age: 30 }), candidate({ gender_restriction: 'men_only' }), NOW).failures, [], 'a gender rule without a gender given does not exclude')
})

t.test('the best way to take part: in person if possible, else from home; the nearest qualifying venue', async (t) => {
  const both = candidate({
    delivery_modes: ['venue', 'telephone'],
    area_covers: true,
    venues: [venue('near-steps', 300, ['seating']), venue('far-level', 1200, ['step_free'])],
    schedules: [weekly(['TU'], '10:00', '12:00')],
  })
  t.equal(bestOption(profile({ access: ['step_free'] }), both, NOW).option.venue?.id, 'far-level', 'the step-free venue, though further')
  t.equal(bestOption(profile({}), both, NOW).option.venue?.id, 'near-steps', 'the nearest when access does not matter')
  t.equal(bestOption(profile({ travel: { housebound: true } }), both, NOW).option.delivery, 'telephone', 'by phone for someone housebound')
})

t.test('explained results: reasons, does-not-meet and score parts a link worker can read out', async (t) => {
  const p = profile({ travel: { walk_km: 2 }, access: ['step_free', 'seating'], preferences: { group_size: 'small', accompanied_first_visit: true } })
  const craft = candidate({
    name: 'Craft Corner',
    typical_attendance: 8,
    newcomer_support: ['accompanied_first_visit'],
    venues: [venue('v1', 1200, ['step_free', 'seating', 'accessible_toilet'])],
    schedules: [weekly(['TU'], '10:00', '12:00', 'v1')],
    price: 3,
    verified_at: '2026-03-20T00:00:00Z',
  })
  const [r] = matchProfile(p, [craft], CTX).results
  t.same(r!.reasons, [
    'arts and crafts',
    'step-free with seating',
    'small group of about 8',
    "1.2 km, about 15 minutes' walk",
    'a volunteer can come with you the first time',
    'Tuesdays 10:00–12:00',
  ])
  t.same(r!.does_not_meet, ['costs £3', 'not verified for 7 months'])
  t.same(r!.score_parts, { interest: 1, group_size: 1, audience: 0, first_visit: 1, distance: 0.4, cost: 0.7, freshness: 0, capacity: 1 })
  t.equal(r!.score, 0.725, 'the score is the weighted sum of its parts: 0.3 + 0.2 + 0.1 + 0.04 + 0.035 + 0.05')
  t.same(r!.next_sessions[0], { date: '2026-11-03', day: 'Tuesday', opens_at: '10:00', closes_at: '12:00', location_name: 'Venue v1' })
  t.equal(Object.values(WEIGHTS).reduce((a, b) => a + b, 0).toFixed(6), '1.000000', 'weights sum to 1')
})

t.test('preferences rank: accompanied first visit above an otherwise equal listing; small above large', async (t) => {
  const p = profile({ preferences: { group_size: 'small', accompanied_first_visit: true } })
  const plain = candidate({ name: 'A plain group' })
  const withCompany = { ...plain, id: '00000000-0000-4000-8000-ffffffffffff', name: 'B accompanied', newcomer_support: ['accompanied_first_visit' as const] }
  t.same(matchProfile(p, [plain, withCompany], CTX).results.map((r) => r.service.name), ['B accompanied', 'A plain group'])
  const large = { ...plain, id: '00000000-0000-4000-8000-eeeeeeeeeeee', name: 'A large group', group_size: 'large' as const, typical_attendance: 40 }
  const ranked = matchProfile(p, [large, plain], CTX).results
  t.same(ranked.map((r) => r.service.name), ['A plain group', 'A large group'])
  t.same(ranked[1]!.does_not_meet, ['a larger group of about 40', 'nobody to go with you the first time'])
})

t.test('practical needs first; one result per service; a listing serving no interest is left out', async (t) => {
  const p = profile({ practical_needs: ['housing'], interests: { terms: ['arts-and-crafts'] } })
  const art = candidate({ name: 'Art club', newcomer_support: ['accompanied_first_visit'] })
  const advice = candidate({ name: 'Housing advice', terms: ['housing', 'practical-support'], group_size: 'one_to_one', price: 0, venues: [venue('a', 1900)], schedules: [] })
  const walking = candidate({ name: 'Walking group', terms: ['walking'] })
  const results = matchProfile(p, [art, advice, walking, art], CTX).results
  t.same(results.map((r) => [r.section, r.service.name, r.matched]), [
    ['practical', 'Housing advice', ['housing']],
    ['interest', 'Art club', ['arts and crafts']],
  ])
})

t.test('free-text interests: named directly scores above a related activity type', async (t) => {
  const ctx = { ...CTX, textTerms: [['social-groups']] }
  const p = profile({ interests: { text: ['darts'] } })
  const darts = candidate({ name: 'Darts night', terms: ['social-groups'], text_hits: [0] })
  const lunch = candidate({ name: 'Lunch club', terms: ['social-groups'] })
  const [first, second] = matchProfile(p, [lunch, darts], ctx).results
  t.equal(first!.service.name, 'Darts night')
  t.same([first!.reasons[0], second!.reasons[0]], ['darts', 'social groups (for “darts”)'])
  t.same([first!.score_parts.interest, second!.score_parts.interest], [1, 0.7])
})

t.test('gaps: fewer than 3 that meet everything, with near-misses in plain words', async (t) => {
  const p = profile({ travel: { walk_km: 1.5 }, access: ['step_free'] })
  const fits = candidate({ name: 'Fits' })
  const far = candidate({ name: 'Far Crafters', venues: [venue('f', 9400, ['seating'])] })
  const steps = candidate({ name: 'Upstairs Crafts', venues: [venue('s', 800, ['seating'])] })
  const { gaps } = matchProfile(p, [fits, far, steps], CTX)
  t.equal(gaps.length, 1)
  t.same(gaps[0]!.near_misses.map((m) => m.summary), ['Upstairs Crafts has steps at the entrance', 'Far Crafters is 9.4 km away and has steps at the entrance'])
  t.same(gaps[0]!.barriers, ['distance', 'access'])
  t.equal(
    gaps[0]!.message,
    'Only 1 option for arts and crafts meets everything they need near CR0 1AA. The nearest that do not: ' +
      'Upstairs Crafts has steps at the entrance; Far Crafters is 9.4 km away and has steps at the entrance.',
  )
  const three = [candidate(), candidate(), candidate()]
  t.same(matchProfile(p, three, CTX).gaps, [], 'three that fit: no gap')
  const none = matchProfile(p, [], CTX).gaps[0]!
  t.equal(none.message, 'Nothing for arts and crafts meets everything they need near CR0 1AA. Nothing else for arts and crafts was found within 10 km.')
})

t.test('the profile schema refuses identifying fields and anything unknown', async (t) => {
  const base = { postcode: 'CR0 1AA', travel: { walk_km: 1 } }
  t.ok(MatchProfileSchema.safeParse(base).success)
  for (const field of ['name', 'nhs_number', 'date_of_birth', 'notes', 'favourite_colour']) {
    t.notOk(MatchProfileSchema.safeParse({ ...base, [field]: 'x' }).success, `${field} is refused`)
  }
  t.notOk(MatchProfileSchema.safeParse({ ...base, preferences: { notes: 'x' } }).success, 'nested unknown fields too')
  t.notOk(MatchProfileSchema.safeParse({ postcode: 'CR0 1AA', travel: {} }).success, 'some way of getting about is required')
  t.notOk(MatchProfileSchema.safeParse({ postcode: 'CR0 1AA', travel: { housebound: true, walk_km: 1 } }).success, 'housebound, or travel, not both')
})

t.test('a language need: met by sessions in the language or an interpreter; unmet, a gap naming it', async (t) => {
  const tamil = candidate({ name: 'Tamil elders', languages: ['ta', 'en'] })
  const interpreted = candidate({ name: 'With interpreters', interpreter_available: true })
  const english = candidate({ name: 'English only' })
  const p = profile({ language_need: 'ta' })
  const outcome = matchProfile(p, [tamil, interpreted, english], CTX)
  t.same(outcome.results.map((r) => r.service.name).sort(), ['Tamil elders', 'With interpreters'], 'not the English-only group')
  t.ok(outcome.results.find((r) => r.service.name === 'With interpreters')!.reasons.includes('an interpreter can be arranged for Tamil'))
  t.ok(outcome.results.find((r) => r.service.name === 'Tamil elders')!.reasons.includes('in Tamil'))
  const [gap] = outcome.gaps
  t.equal(gap!.found, 2)
  t.same(gap!.barriers, ['language'])
  t.equal(gap!.language, 'ta', 'the gap names the language')
  t.match(gap!.message, /^Only 2 options for arts and crafts in Tamil \(or with an interpreter\) meets everything/)
  const none = matchProfile(profile({ language_need: 'so' }), [english, candidate({ languages: ['pl'] })], CTX)
  t.same(none.results, [])
  t.equal(none.gaps[0]!.language, 'so')
  t.match(none.gaps[0]!.near_misses[0]!.summary, /is held in English, with no Somali and no interpreter/)
  const distance = matchProfile(profile({ language_need: 'ta', travel: { walk_km: 0.2 } }), [tamil], CTX)
  t.same(distance.gaps[0]!.barriers, ['distance'])
  t.equal(distance.gaps[0]!.language, null, 'a gap for another reason does not name the language')
})

t.test('a group for their age: a hard need when asked for, met only by groups meant for young adults or older people; unmet, an eligibility gap', async (t) => {
  const young = candidate({ name: 'Under 30s social', minimum_age: 18, maximum_age: 30 })
  const older = candidate({ name: 'Over 50s club', minimum_age: 50, maximum_age: null })
  const everyone = candidate({ name: 'Open to all' })
  const adults = candidate({ name: 'Adults 18 to 64', minimum_age: 18, maximum_age: 64 })
  const all = [young, older, everyone, adults]
  const names = (p: Parameters<typeof matchProfile>[0]) => matchProfile(p, all, CTX).results.map((r) => r.service.name).sort()

  t.same(names(profile({ age: 24 })), ['Adults 18 to 64', 'Open to all', 'Under 30s social'], 'without it, age is only a limit and a preference')
  t.same(names(profile({ age: 24, own_age_group: true })), ['Under 30s social'], 'a 24-year-old: only the young adults group')
  t.same(names(profile({ age: 71, own_age_group: true })), ['Over 50s club'], 'a 71-year-old: only the over 50s')
  t.ok(matchProfile(profile({ age: 24, own_age_group: true }), all, CTX).results[0]!.reasons.includes('for young adults'), 'the match says why')

  const gap = matchProfile(profile({ age: 24, own_age_group: true }), [older, everyone, adults], CTX).gaps[0]!
  t.equal(gap.found, 0)
  t.same(gap.barriers, ['eligibility'])
  t.match(gap.message, /^Nothing for arts and crafts meant for young adults meets everything they need near CR0 1AA\. The nearest that do not: /)
  t.ok(gap.near_misses.some((m) => m.fails.some((f) => f.detail === 'is not a group for young adults')), 'the open group is a near miss: not for young adults')
  t.ok(gap.near_misses.some((m) => m.fails.some((f) => f.detail === 'is for people aged 50 and over')), 'the over 50s: outside its age limit')

  for (const [why, body] of [
    ['no age', { own_age_group: true }],
    ['an age with no groups meant for it', { age: 40, own_age_group: true }],
  ] as const) {
    const parsed = MatchProfileSchema.safeParse({ postcode: 'CR0 1AA', travel: { walk_km: 1 }, ...body })
    t.same(parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.')), ['own_age_group'], `refused: ${why}`)
  }
  t.ok(MatchProfileSchema.safeParse({ postcode: 'CR0 1AA', travel: { walk_km: 1 }, age: 30, own_age_group: true }).success, '30 is a young adult')
  t.ok(MatchProfileSchema.safeParse({ postcode: 'CR0 1AA', travel: { walk_km: 1 }, age: 50, own_age_group: true }).success, '50 is an older person')
})

t.test('a specialist group they asked for: a reason when the listing is one, “not specifically” when it is not; either way with an age group need', async (t) => {
  const mens = candidate({ name: 'Men’s shed', audiences: ['men'], minimum_age: 50 })
  const open = candidate({ name: 'Open club', minimum_age: 50 })
  for (const own_age_group of [false, true]) {
    const results = matchProfile(profile({ age: 70, own_age_group, preferences: { audiences: ['men'] } }), [mens, open], CTX).results
    const shed = results.find((r) => r.service.name === 'Men’s shed')!
    const club = results.find((r) => r.service.name === 'Open club')!
    t.ok(shed.reasons.includes('for men'), `own_age_group ${own_age_group}: the shed is for men`)
    t.notOk(shed.does_not_meet.some((w) => w.startsWith('not specifically')), 'and is not “not specifically for men”')
    t.ok(club.does_not_meet.includes('not specifically for men'), 'the open club is not specifically for men')
    t.equal(shed.reasons.includes('for older people'), own_age_group, 'the age group is a reason only when it is a need')
  }
})

t.test('a language community scores only for people who speak its language', async (t) => {
  const polish = candidate({ name: 'Polish club', audiences: ['language_community'], languages: ['pl'] })
  const mixed = candidate({ name: 'Mixed group' })
  const tamilSpeaker = profile({ preferences: { audiences: ['language_community'], language: 'ta' } })
  const forTamil = matchProfile(tamilSpeaker, [polish, mixed], CTX).results
  t.same(forTamil.map((r) => [r.service.name, r.score_parts.audience]), [['Mixed group', 0], ['Polish club', 0]].sort(), 'a Polish club is no better for a Tamil speaker')
  t.notOk(forTamil.find((r) => r.service.name === 'Polish club')!.reasons.some((w) => /language|Polish/.test(w)))
  const polishSpeaker = profile({ preferences: { audiences: ['language_community'], language: 'pl' } })
  const forPolish = matchProfile(polishSpeaker, [polish, mixed], CTX).results
  t.equal(forPolish[0]!.service.name, 'Polish club')
  t.equal(forPolish[0]!.score_parts.audience, 1)
  t.ok(forPolish[0]!.reasons.includes('for Polish speakers'))
  const needsEnglish = profile({ language_need: 'en', preferences: { audiences: ['language_community'], language: 'pl' } })
  t.equal(matchProfile(needsEnglish, [candidate({ name: 'Bilingual club', audiences: ['language_community'], languages: ['pl', 'en'] })], CTX).results[0]!.score_parts.audience, 1, 'needing English keeps a preference for Polish')
})

t.test('practical help comes first but has its own limit: interests are listed too', async (t) => {
  const housing = Array.from({ length: 4 }, (_, i) => candidate({ name: `Housing ${i}`, terms: ['housing'] }))
  const crafts = Array.from({ length: 3 }, (_, i) => candidate({ name: `Crafts ${i}` }))
  const outcome = matchProfile(profile({ practical_needs: ['housing'], limit: 2 }), [...housing, ...crafts], CTX)
  t.same(outcome.results.map((r) => r.section), ['practical', 'practical', 'interest', 'interest'])
  t.same(outcome.results.map((r) => r.rank), [1, 2, 3, 4])
  t.ok(outcome.results.slice(2).every((r) => r.service.name.startsWith('Crafts')))
})
