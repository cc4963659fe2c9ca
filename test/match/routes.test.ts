// POST /api/match over the demo directory: the four people of the British Red Cross / Co-op
// report as acceptance cases, gap records, bad input, and the OpenAPI description.
import t from 'tap'
import { DEMO_SEED, GAP_POSTCODES, PERSONA_POSTCODES, demoListings, generateDemo } from '../../src/demo/generate.ts'
import type { MatchResponse } from '../../src/matching/schemas.ts'
import { adminSession, invited } from '../accounts.ts'
import { FIXED_NOW, buildTestApp } from '../helper.ts'

const listings = demoListings(generateDemo({ seed: DEMO_SEED, now: FIXED_NOW }))
const service = (id: string) => listings.find((s) => s.id === id)!.document
const termsOf = (id: string) => service(id).taxonomy_terms
const REMOTE = ['home_visit', 'telephone', 'online_video', 'online_text']

interface GapRow {
  need_kind: string
  need_terms: string[]
  barriers: string[]
  found: number
  outcode: string | null
  ward_name: string | null
  recorded_on: string
}

t.test('POST /api/match over the demo directory', async (t) => {
  const app = await buildTestApp(t)
  // A link worker matches: only their gaps are recorded (a person matching themselves records none).
  const worker = await invited(app, await adminSession(app), { email: 'link.worker@example.org', role: 'link_worker' })
  const match = async (profile: object): Promise<MatchResponse> => {
    const res = await worker.inject({ method: 'POST', url: '/api/match', payload: profile })
    t.equal(res.statusCode, 200, res.statusCode === 200 ? 'matched' : res.body)
    return res.json()
  }
  const gapRows = async () =>
    (
      await app.db.query<GapRow>(
        `SELECT need_kind, need_terms, barriers, found, outcode, ward_name, recorded_on::text AS recorded_on
           FROM match_gap ORDER BY need_kind, need_terms`,
      )
    ).rows
  const clearGaps = () => app.db.query('DELETE FROM match_gap')

  t.test('Derek, 75, no car, never liked big groups: small or one-to-one first; accompanied visits rank higher', async (t) => {
    const body = await match({
      postcode: PERSONA_POSTCODES.derek,
      travel: { walk_km: 1.5, public_transport_minutes: 20 },
      age: 75,
      gender: 'man',
      interests: { terms: ['social-groups', 'arts-and-crafts'] },
      preferences: { group_size: 'small', accompanied_first_visit: true },
    })
    const top5 = body.results.slice(0, 5)
    t.equal(top5.length, 5)
    t.same(top5.filter((r) => r.service.group_size === 'large').map((r) => r.service.name), [], 'no large group in his top 5')
    t.ok(['small', 'one_to_one'].includes(body.results[0]!.service.group_size))
    t.equal(body.results[0]!.service.name, 'Waddon Craft Corner', 'a small craft and social group with an accompanied first visit, first')
    t.same(body.results[0]!.reasons, [
      'social groups',
      'arts and crafts',
      'small group of about 8',
      `${(body.results[0]!.distance_m! / 1000).toFixed(1)} km, about ${Math.round(body.results[0]!.distance_m! / 80 / 5) * 5} minutes' walk`,
      'a volunteer can come with you the first time',
      'Mondays 10:00–12:00',
      'free',
    ])
    // The two craft groups are alike but for the accompanied first visit.
    const rankOf = (name: string) => body.results.find((r) => r.service.name === name)
    const corner = rankOf('Waddon Craft Corner')!
    const mend = rankOf('Broad Green Make and Mend')!
    t.ok(corner.rank < mend.rank, `Craft Corner (#${corner.rank}) above Make and Mend (#${mend.rank})`)
    t.same([corner.score_parts.first_visit, mend.score_parts.first_visit], [1, 0])
    t.ok(mend.does_not_meet.includes('nobody to go with you the first time'))
    const lunch = rankOf('Waddon Friendship Lunch Club')!
    const duppas = rankOf('Duppas Hill Lunch Club')
    t.ok(!duppas || lunch.rank < duppas.rank, 'the lunch club with a volunteer to walk round with him ranks above the one without')
    for (const r of body.results) {
      t.ok(r.distance_m === null || r.distance_m <= 3334, `${r.service.name} is within his reach`)
      t.ok(r.next_sessions.length > 0 || r.delivery !== 'venue', `${r.service.name} lists its next sessions`)
    }
  })

  t.test('Priti, 20, new mum with a pram, weekdays: parent-and-baby groups within pram-walking distance, step-free, daytime', async (t) => {
    const body = await match({
      postcode: PERSONA_POSTCODES.priti,
      travel: { walk_km: 1.2 },
      age: 20,
      gender: 'woman',
      access: ['step_free'],
      availability: [{ days: ['MO', 'TU', 'WE', 'TH', 'FR'], from: '09:00', to: '17:00' }],
      interests: { terms: ['parent-and-baby'] },
      preferences: { audiences: ['new_parents'] },
    })
    t.same(
      body.results.map((r) => r.service.name).sort(),
      ['Bumps, Babies and Brew', 'Pram Pals Stay and Play', 'Thornton Heath Baby Bounce', 'Tiny Steps Baby Massage', 'Young Parents’ Drop-in'],
      'the five weekday, step-free parent-and-baby groups; not the evening, upstairs or Saturday ones',
    )
    t.equal(body.results[0]!.service.name, 'Young Parents’ Drop-in', 'the young parents’ group (16 to 25) first')
    for (const r of body.results) {
      t.ok(termsOf(r.service.id).includes('parent-and-baby') && service(r.service.id).audiences.includes('new_parents'), `${r.service.name} is for new parents`)
      t.ok(r.distance_m! <= 1200, `${r.service.name}: ${r.distance_m} m`)
      const features = service(r.service.id).locations.find((l) => l.name === r.location!.name)!.accessibility.map((a) => a.feature)
      t.ok(features.includes('step_free'), `${r.service.name} is step-free`)
      t.ok(r.next_sessions.every((s) => s.closes_at! <= '17:00' && !['Saturday', 'Sunday'].includes(s.day)), `${r.service.name} runs in the day on weekdays`)
    }
    t.same(body.gaps, [], 'five is enough: no gap')
  })

  t.test('Jane, housebound, mental health, anxious in groups: home, phone or online only; mental-health-aware first', async (t) => {
    await clearGaps()
    const jane = {
      postcode: PERSONA_POSTCODES.jane,
      travel: { housebound: true },
      age: 45,
      gender: 'woman',
      interests: { terms: ['befriending', 'peer-support'] },
      preferences: { group_size: 'one_to_one', audiences: ['mental_health'] },
    }
    const body = await match(jane)
    const janes = listings.filter((s) => s.document.audiences.includes('mental_health') && s.document.delivery_modes.some((d) => d !== 'venue'))
    t.equal(janes.length, 5)
    t.ok(body.results.every((r) => REMOTE.includes(r.delivery) && r.location === null), 'only home visiting, telephone and online')
    t.same(body.results.slice(0, 5).map((r) => r.service.id).sort(), janes.map((s) => s.id).sort(), 'her five mental-health services first')
    t.ok(body.results.slice(5).every((r) => !service(r.service.id).audiences.includes('mental_health')))
    t.ok(body.results[0]!.reasons.includes('mental-health-aware'))
    t.same(body.gaps, [], 'at home in Bensham Manor she has enough')
    t.same(await gapRows(), [])

    const south = await match({ ...jane, postcode: GAP_POSTCODES.south })
    const gap = south.gaps.find((g) => g.need === 'befriending')!
    t.ok(gap, 'in Coulsdon, too few befriending services reach her')
    t.equal(gap.found, 1)
    t.ok(gap.recorded)
    t.match(gap.message, /^Only 1 option for befriending meets everything they need near CR5 1AU\. The nearest that do not: /)
    t.ok(south.results.every((r) => REMOTE.includes(r.delivery)))
    const rows = await gapRows()
    t.same(rows, [
      { need_kind: 'interest', need_terms: ['befriending'], barriers: gap.barriers, found: 1, outcode: 'CR5', ward_name: rows[0]!.ward_name, recorded_on: '2026-11-01' },
    ])
    t.ok(gap.barriers.length > 0)
  })

  t.test('Mike, 50, COPD, wants other men (darts, the pub), facing eviction: housing first, then men’s groups, nothing vigorous', async (t) => {
    const body = await match({
      postcode: PERSONA_POSTCODES.mike,
      travel: { walk_km: 1, public_transport_minutes: 20 },
      age: 50,
      gender: 'man',
      max_physical_intensity: 'moderate',
      practical_needs: ['housing'],
      interests: { terms: ['mens-groups'], text: ['darts', 'the pub'] },
      preferences: { audiences: ['men'] },
      limit: 15,
    })
    const practical = body.results.filter((r) => r.section === 'practical')
    t.ok(practical.length >= 2)
    t.same(body.results.slice(0, practical.length), practical, 'housing advice first')
    t.ok(practical.every((r) => r.matched.includes('housing')))
    t.match(body.results[0]!.service.name, /Housing|Eviction/)
    const interest = body.results.filter((r) => r.section === 'interest')
    const forMen = (id: string) => service(id).audiences.includes('men') || termsOf(id).includes('mens-groups')
    const lastMen = Math.max(...interest.map((r, i) => (forMen(r.service.id) ? i : -1)))
    const firstMixed = interest.findIndex((r) => !forMen(r.service.id))
    t.ok(firstMixed === -1 || firstMixed > lastMen, 'every men’s activity above every mixed general one')
    t.equal(interest[0]!.service.name, 'Selhurst Darts and Dominoes Night', 'darts, the pub and men: all three')
    t.ok(interest[0]!.reasons.includes('darts') && interest[0]!.reasons.includes('the pub'))
    t.same(body.results.filter((r) => service(r.service.id).physical_intensity === 'vigorous'), [], 'nothing vigorous')
    t.notOk(body.results.some((r) => r.service.name === 'Selhurst Men’s Five-a-Side'))
  })

  t.test('hole (a): no step-free arts and crafts in the south → a gap naming the access barrier', async (t) => {
    await clearGaps()
    const body = await match({
      postcode: GAP_POSTCODES.south,
      travel: { walk_km: 2 },
      access: ['step_free'],
      interests: { text: ['knittng'] },
    })
    t.same(body.results, [], 'nothing fits')
    const gap = body.gaps[0]!
    t.same([gap.need, gap.kind, gap.terms, gap.found], ['knittng', 'interest', ['arts-and-crafts'], 0], 'the misspelt word still means arts and crafts')
    t.ok(gap.barriers.includes('access'))
    t.match(gap.near_misses[0]!.summary, /has steps at the entrance/)
    const rows = await gapRows()
    t.equal(rows.length, 1)
    t.same([rows[0]!.need_terms, rows[0]!.outcode, rows[0]!.found], [['arts-and-crafts'], 'CR5', 0], 'stored by activity type and district, not the words')
  })

  t.test('coordinates work like a postcode, and the gap is filed under the nearest postcode district', async (t) => {
    await clearGaps()
    const { rows } = await app.db.query<{ latitude: number; longitude: number }>(`SELECT latitude, longitude FROM postcode WHERE postcode = $1`, [GAP_POSTCODES.south])
    const body = await match({ latitude: rows[0]!.latitude, longitude: rows[0]!.longitude, travel: { walk_km: 2 }, access: ['step_free'], interests: { terms: ['arts-and-crafts'] } })
    t.equal(body.place.precision, 'coordinates')
    t.equal((await gapRows())[0]!.outcode, 'CR5')
  })

  t.test('bad input: 400 for identifying or unknown fields, 422 for an unknown postcode or activity type; nothing stored', async (t) => {
    await clearGaps()
    const base = { postcode: 'CR0 1NX', travel: { walk_km: 1 }, interests: { terms: ['walking'] } }
    for (const field of ['name', 'nhs_number', 'date_of_birth', 'notes', 'favourite_colour']) {
      const res = await app.inject({ method: 'POST', url: '/api/match', payload: { ...base, [field]: 'x' } })
      t.equal(res.statusCode, 400, `${field} → 400`)
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    }
    const noTravel = await app.inject({ method: 'POST', url: '/api/match', payload: { postcode: 'CR0 1NX' } })
    t.equal(noTravel.statusCode, 400)
    t.match(noTravel.json().errors, [{ in: 'body', pointer: '/travel' }])
    const badPostcode = await app.inject({ method: 'POST', url: '/api/match', payload: { ...base, postcode: 'NOT A POSTCODE' } })
    t.equal(badPostcode.statusCode, 422)
    t.match(badPostcode.json(), { status: 422, errors: [{ in: 'body', pointer: '/postcode', detail: /not a UK postcode/ }] })
    const badTerm = await app.inject({ method: 'POST', url: '/api/match', payload: { ...base, interests: { terms: ['walking', 'basket-weaving'] } } })
    t.equal(badTerm.statusCode, 422)
    t.match(badTerm.json().errors, [{ in: 'body', pointer: '/interests/terms/1', detail: 'basket-weaving is not a taxonomy term code' }])
    const abroad = await app.inject({ method: 'POST', url: '/api/match', payload: { latitude: 48.85, longitude: 2.35, travel: { walk_km: 1 } } })
    t.equal(abroad.statusCode, 422)
    t.same(await gapRows(), [], 'no gap from a refused request')
  })

  t.test('the OpenAPI document describes the request and response fully', async (t) => {
    const doc = (await app.inject({ url: '/docs/openapi.json' })).json()
    const op = doc.paths['/api/match'].post
    const request = op.requestBody.content['application/json'].schema
    t.equal(request.additionalProperties, false, 'unknown fields refused')
    t.same(Object.keys(request.properties).sort(), [
      'access', 'age', 'availability', 'gender', 'interests', 'language_need', 'latitude', 'limit', 'longitude', 'max_physical_intensity',
      'own_age_group', 'postcode', 'practical_needs', 'preferences', 'text_only_contact', 'travel',
    ])
    const result = op.responses['200'].content['application/json'].schema.properties.results.items
    t.ok(['reasons', 'does_not_meet', 'score', 'score_parts', 'next_sessions'].every((k) => k in result.properties))
    t.same(Object.keys(result.properties.score_parts.properties).sort(), ['audience', 'capacity', 'cost', 'distance', 'first_visit', 'freshness', 'group_size', 'interest'])
    t.ok(op.responses['400'] && op.responses['422'])
  })
})
