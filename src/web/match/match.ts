/**
 * Link workers' "match a client" pages: a form in plain words that builds the match API's client
 * profile (MatchProfileSchema, the one source of its shape), the ranked results with their
 * reasons, the gap notice, and a printable shortlist with a plain-text summary for the client.
 *
 * The client's answers travel only in POST bodies and in the no-store pages answering them: never
 * in a URL, a log line or the database (only the gap record kept for a signed-in link worker,
 * which holds nothing that identifies the client). The shortlist is made from service ids
 * alone, so it cannot carry anything about the client.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { findService, listTaxonomyTerms } from '../../directory/store.ts'
import type { ServiceDetail } from '../../directory/schemas.ts'
import { WEEKDAYS } from '../../directory/vocabulary.ts'
import { ANONYMOUS_MATCH_LIMIT } from '../../match/routes.ts'
import { gapContextFor, matchForProfile } from '../../match/service.ts'
import { registerRateLimits } from '../../plugins/rate-limit.ts'
import { ACCESS_NEEDS, MatchProfileSchema, PRACTICAL_NEEDS, type MatchProfile, type MatchResponse } from '../../matching/schemas.ts'
import { forTheirAgeWords } from '../../matching/rules.ts'
import { languageName, listAlternatives } from '../../matching/words.ts'
import { Problem } from '../../problem.ts'
import type { Episode } from '../../referrals/schemas.ts'
import { callApi, formErrors, formList, formText, idOr404, type FieldProblem } from '../api.ts'
import { choices, label } from '../labels.ts'
import { nextDates, sessionText, whenText } from '../present.ts'
import { IdSchema } from '../../id.ts'

/** Ways of getting about: each ticked box asks how far, in the travel field it fills. */
const TRAVEL_MODES = [
  { value: 'walk', field: 'walk_km', text: 'They walk', question: 'How far can they walk?', unit: 'km', hint: '1 km is about a 12-minute walk at an easy pace', missing: 'Enter how far they can walk, in kilometres', what: 'walking distance' },
  { value: 'wheelchair', field: 'wheelchair_km', text: 'They use a wheelchair', question: 'How far do they go in their wheelchair?', unit: 'km', hint: 'Only step-free venues will be shown', missing: 'Enter how far they go in their wheelchair, in kilometres', what: 'wheelchair distance' },
  { value: 'public_transport', field: 'public_transport_minutes', text: 'They take the bus or train', question: 'For how many minutes will they travel by bus or train?', unit: 'minutes', hint: '', missing: 'Enter how many minutes they will travel by bus or train', what: 'bus or train time' },
  { value: 'taxi_or_lift', field: 'taxi_or_lift_km', text: 'They can get a taxi or a lift', question: 'How far can a taxi or a lift take them?', unit: 'km', hint: '', missing: 'Enter how far a taxi or a lift can take them, in kilometres', what: 'taxi or lift distance' },
  { value: 'car', field: 'car_km', text: 'They drive', question: 'How far will they drive?', unit: 'km', hint: '', missing: 'Enter how far they will drive, in kilometres', what: 'driving distance' },
] as const
type TravelField = (typeof TRAVEL_MODES)[number]['field']

/** Words for what labels.ts does not name: the profile's own choices. */
const PRACTICAL_WORDS: Record<keyof typeof PRACTICAL_NEEDS, { text: string; hint: string }> = {
  housing: { text: 'Housing', hint: 'Finding a home, tenancy problems, repairs, eviction' },
  debt_and_benefits: { text: 'Debt and benefits', hint: 'Money advice, claiming benefits, bills' },
  employment: { text: 'Work', hint: 'Finding or keeping a job' },
  food: { text: 'Food', hint: 'Food banks, pantries and community meals' },
}
const GROUP_SIZE_CHOICES = [
  { value: 'one_to_one', text: 'One-to-one', hint: 'Just them and one other person' },
  { value: 'small', text: 'A small group', hint: 'About 12 people or fewer' },
  { value: 'any', text: 'Any size is fine' },
]
const INTENSITY_HINTS: Record<string, string> = {
  none: 'For example, sitting down: crafts, a lunch club, a phone call',
  light: 'For example, a gentle walk or chair exercise',
  moderate: 'For example, a brisk walk or gardening',
  vigorous: 'Anything, including running and team sports',
}
const GENDER_CHOICES = [
  { value: 'woman', text: 'Woman' },
  { value: 'man', text: 'Man' },
  { value: 'other', text: 'In another way' },
  { value: '', text: 'Not given' },
]
/** Languages of Croydon's larger communities, offered by their English names. */
const LANGUAGES = ['ar', 'bn', 'es', 'fr', 'gu', 'pa', 'pl', 'pt', 'ro', 'so', 'ta', 'tr', 'tw', 'ur', 'zh']

/** A language select's items: "none" first, then the languages by name, the chosen one selected. */
const languageOptions = (none: string, chosen: string) => [
  { value: '', text: none },
  ...LANGUAGES.map((code) => ({ value: code, text: languageName(code), selected: code === chosen })).sort((a, b) => a.text.localeCompare(b.text)),
]

/** The most activities a shortlist holds (the match shows at most 10 by default). */
export const MAX_SHORTLIST = 10

/** The form as the person filled it in: strings, exactly as they typed, to re-show. */
interface MatchForm {
  postcode: string
  travel: string[]
  walk_km: string
  wheelchair_km: string
  public_transport_minutes: string
  taxi_or_lift_km: string
  car_km: string
  terms: string[]
  interest_text: string
  practical_needs: string[]
  group_size: string
  audiences: string[]
  language: string
  language_need: string
  accompanied_first_visit: string
  access: string[]
  max_physical_intensity: string
  text_only_contact: boolean
  cost: string
  max_cost: string
  days: string[]
  from: string
  to: string
  age: string
  gender: string
  own_age_group: boolean
}


function matchFormFrom(body: Record<string, unknown>): MatchForm {
  return {
    postcode: formText(body.postcode),
    travel: formList(body.travel),
    walk_km: formText(body.walk_km),
    wheelchair_km: formText(body.wheelchair_km),
    public_transport_minutes: formText(body.public_transport_minutes),
    taxi_or_lift_km: formText(body.taxi_or_lift_km),
    car_km: formText(body.car_km),
    terms: formList(body.terms),
    interest_text: formText(body.interest_text),
    practical_needs: formList(body.practical_needs),
    group_size: formText(body.group_size),
    audiences: formList(body.audiences),
    language: formText(body.language),
    language_need: formText(body.language_need),
    accompanied_first_visit: formText(body.accompanied_first_visit),
    access: formList(body.access),
    max_physical_intensity: formText(body.max_physical_intensity),
    text_only_contact: formText(body.text_only_contact) === 'true',
    cost: formText(body.cost),
    max_cost: formText(body.max_cost),
    days: formList(body.days),
    from: formText(body.from),
    to: formText(body.to),
    age: formText(body.age),
    gender: formText(body.gender),
    own_age_group: formText(body.own_age_group) === 'true',
  }
}

const EMPTY_FORM = matchFormFrom({})

/** A typed number, or NaN (which the schema refuses) when it is empty or not a plain number. */
const toNumber = (s: string): number => (/^\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN)
/** "9:30", "9.30" and "0930" as "09:30"; anything else is left for the schema to refuse. */
function toClock(s: string): string {
  const m = /^(\d{1,2})[:.]?(\d{2})$/.exec(s)
  return m ? `${m[1]!.padStart(2, '0')}:${m[2]}` : s
}

/** The form as the match API's profile, unvalidated: MatchProfileSchema decides what is wrong. */
function profileInput(form: MatchForm): Record<string, unknown> {
  const travel: Record<string, unknown> = { housebound: form.travel.includes('housebound') }
  for (const mode of TRAVEL_MODES) if (form.travel.includes(mode.value)) travel[mode.field] = toNumber(form[mode.field])
  const words = form.interest_text.split(/[,;\n]/).map((w) => w.trim()).filter((w) => w !== '')
  const anyTime = form.days.length === 0 && form.from === '' && form.to === ''
  return {
    ...(form.postcode ? { postcode: form.postcode } : {}),
    travel,
    interests: { terms: form.terms, text: words },
    practical_needs: form.practical_needs,
    access: form.access,
    ...(form.language_need ? { language_need: form.language_need } : {}),
    ...(form.max_physical_intensity ? { max_physical_intensity: form.max_physical_intensity } : {}),
    text_only_contact: form.text_only_contact,
    // Times with no day ticked mean those times on any day.
    ...(anyTime ? {} : {
      availability: [{
        days: form.days.length ? form.days : [...WEEKDAYS],
        ...(form.from ? { from: toClock(form.from) } : {}),
        ...(form.to ? { to: toClock(form.to) } : {}),
      }],
    }),
    ...(form.age ? { age: toNumber(form.age) } : {}),
    ...(form.gender ? { gender: form.gender } : {}),
    own_age_group: form.own_age_group,
    preferences: {
      ...(form.group_size ? { group_size: form.group_size } : {}),
      audiences: form.audiences,
      ...(form.language ? { language: form.language } : {}),
      accompanied_first_visit: form.accompanied_first_visit === 'yes',
      free_only: form.cost === 'free',
      ...(form.cost === 'max' ? { max_cost: toNumber(form.max_cost.replace(/^£/, '')) } : {}),
    },
  }
}

/** The form's fields in page order: the error summary lists them in this order. */
const FIELD_ORDER = [
  'postcode', 'travel', ...TRAVEL_MODES.map((m) => m.field), 'practical_needs', 'terms', 'interest_text', 'group_size',
  'audiences', 'language', 'accompanied_first_visit', 'access', 'language_need', 'max_physical_intensity', 'text_only_contact', 'cost',
  'max_cost', 'days', 'from', 'to', 'age', 'gender', 'own_age_group',
]

type Issue = z.core.$ZodIssue

/** Which form field a schema complaint belongs to, and what to tell the person. */
function problemFor(issue: Issue, form: MatchForm): FieldProblem {
  const [head, second] = issue.path.map(String)
  const limit = (i: Issue) => ('minimum' in i ? `at least ${String(i.minimum)}` : 'maximum' in i ? `at most ${String(i.maximum)}` : '')
  if (head === 'postcode' || head === 'latitude' || head === 'longitude') {
    return { field: 'postcode', text: form.postcode ? 'Enter a real postcode, like CR0 1AA, or a postcode district, like CR0' : 'Enter where they live: a postcode, like CR0 1AA, or the first half, like CR0' }
  }
  if (head === 'travel' && second === undefined) {
    const housebound = form.travel.includes('housebound')
    return {
      field: 'travel',
      text: housebound ? 'Select either that they cannot leave home, or how they get about, not both' : 'Select how they get about, or that they cannot leave home',
    }
  }
  if (head === 'travel') {
    const mode = TRAVEL_MODES.find((m) => m.field === second)!
    const typed = form[mode.field as TravelField]
    if (typed === '') return { field: mode.field, text: mode.missing }
    if (Number.isNaN(toNumber(typed))) return { field: mode.field, text: `Enter the ${mode.what} as a number, like ${mode.unit === 'km' ? '1.5' : '20'}` }
    if (issue.code === 'invalid_type') return { field: mode.field, text: `Enter the ${mode.what} as a whole number, like 20` }
    return { field: mode.field, text: `Enter a ${mode.what} of ${limit(issue)} ${mode.unit}` }
  }
  if (head === 'interests' && second === 'terms') return { field: 'terms', text: issue.code === 'too_big' ? `Select ${limit(issue)} activity types` : 'Select activity types from the list' }
  if (head === 'interests') {
    return {
      field: 'interest_text',
      text: issue.code === 'too_big' && issue.path.length === 2
        ? `Enter ${limit(issue)} things they enjoy, separated by commas`
        : 'Enter each thing they enjoy in a word or two, separated by commas, like darts, choir',
    }
  }
  if (head === 'availability') {
    const part = String(issue.path[2] ?? 'days')
    if (part === 'from') return { field: 'from', text: 'Enter the earliest time they can start, like 09:30' }
    if (part === 'to') {
      return { field: 'to', text: issue.code === 'custom' ? 'Enter a latest finish time that is after the earliest start' : 'Enter the latest time they can finish, like 16:00' }
    }
    return { field: 'days', text: 'Select the days they can go from the list' }
  }
  if (head === 'age') {
    return { field: 'age', text: Number.isNaN(toNumber(form.age)) || issue.code === 'invalid_type' ? 'Enter their age as a whole number, like 75' : `Enter an age of ${limit(issue)}` }
  }
  if (head === 'preferences') {
    if (second === 'max_cost') {
      if (form.max_cost === '') return { field: 'max_cost', text: 'Enter the most they can pay for a session, in pounds' }
      if (Number.isNaN(toNumber(form.max_cost.replace(/^£/, '')))) return { field: 'max_cost', text: 'Enter the amount in pounds as a number, like 5 or 2.50' }
      return { field: 'max_cost', text: `Enter an amount of ${limit(issue)} pounds` }
    }
    const fields: Record<string, FieldProblem> = {
      group_size: { field: 'group_size', text: 'Select the size of group they prefer' },
      audiences: { field: 'audiences', text: 'Select groups from the list' },
      language: { field: 'language', text: 'Select a language from the list' },
      accompanied_first_visit: { field: 'accompanied_first_visit', text: 'Select yes or no' },
      free_only: { field: 'cost', text: 'Select what they can pay' },
    }
    return fields[second ?? ''] ?? { field: 'cost', text: 'Select what they can pay' }
  }
  const simple: Record<string, string> = {
    language_need: 'Select the language they need from the list',
    practical_needs: 'Select practical help from the list',
    access: 'Select access needs from the list',
    max_physical_intensity: 'Select the most physically demanding they can manage',
    text_only_contact: 'Select whether they can use the telephone',
    gender: 'Select their gender, or not given',
    own_age_group: 'Enter their age to look only for groups meant for people their age: there are groups for young adults (30 or under) and for older people (50 and over)',
  }
  return { field: head && head in simple ? head : 'postcode', text: simple[head ?? ''] ?? 'Check their answers' }
}

/** One complaint per field, in the order the fields appear on the form. */
function orderProblems(problems: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>()
  return problems
    .filter((p) => (seen.has(p.field) ? false : (seen.add(p.field), true)))
    .sort((a, b) => FIELD_ORDER.indexOf(a.field) - FIELD_ORDER.indexOf(b.field))
}

/** The results as the page shows them: each with its delivery, distance and next sessions in words. */
function presentResults(response: MatchResponse, profile: MatchProfile) {
  const forAge = forTheirAgeWords(profile)
  const results = response.results.map((r, i) => ({
    ...r,
    deliveryText: label(r.delivery, 'delivery_mode'),
    sessions: r.next_sessions.map((s) => sessionText(s) + (s.location_name && r.delivery === 'venue' ? ` at ${s.location_name}` : '')),
    ticked: i < 3,
  }))
  const gaps = response.gaps.map((g) => ({
    ...g,
    // "befriending in Tamil", "social groups meant for young adults": the need as the gap notice names it.
    needWords: `${g.need}${forAge}${g.language ? ` in ${languageName(g.language)}` : ''}`,
    languageName: g.language ? languageName(g.language) : null,
    barrierWords: g.barriers.map((b) => label(b, 'barrier').toLowerCase()),
    // The summary opens with the listing's name: that part becomes the link to it.
    misses: g.near_misses.map((m) => ({
      id: m.service.id,
      name: m.service.name,
      rest: m.summary.startsWith(m.service.name) ? m.summary.slice(m.service.name.length) : `: ${m.summary}`,
    })),
  }))
  return {
    practical: results.filter((r) => r.section === 'practical'),
    interest: results.filter((r) => r.section === 'interest'),
    count: results.length,
    gaps,
    area: response.place.outcode ?? response.place.postcode ?? 'their area',
    considered: response.considered,
    offered: results.map((r) => r.service.id),
  }
}

/** "Home visits, by telephone or online (video)": labels run together in a sentence. */
function sayList(words: string[]): string {
  return listAlternatives(words.map((w, i) => (i === 0 ? w : w.charAt(0).toLowerCase() + w.slice(1))))
}

/** One shortlisted listing, as the page and the client's summary read it. */
function presentShortlisted(service: ServiceDetail, now: Date) {
  const where = service.locations.map((l) => ({
    name: l.name,
    address: l.address ? [l.address.address_1, l.address.address_2, l.address.city, l.address.postal_code].filter(Boolean).join(', ') : '',
    transport: l.transport_notes,
  }))
  const otherWays = sayList(service.delivery_modes.filter((m) => m !== 'venue').map((m) => label(m, 'delivery_mode')))
  const contact = [
    ...service.contacts.flatMap((c) => [
      ...c.phones.map((p) => `Phone ${p.number}${p.description ? ` (${p.description})` : ''}${c.name ? `, ask for ${c.name}` : ''}`),
      ...(c.email ? [`Email ${c.email}`] : []),
    ]),
    ...(service.email ? [`Email ${service.email}`] : []),
    ...(service.url ? [`Website ${service.url}`] : []),
  ]
  const paid = service.cost_options.filter((c) => Number(c.amount) > 0)
  const prices = paid.map((c) => `£${Number(c.amount).toFixed(2)}${c.amount_description ? ` ${c.amount_description}` : ` (${c.option})`}${c.concessions ? `; ${c.concessions}` : ''}`)
  const cost = prices.length === 0 ? (service.fees ?? 'Free') : [...prices, ...(service.fees ? [service.fees] : [])].join('. ')
  return {
    id: service.id,
    name: service.name,
    organisation: service.organization.name,
    when: whenText(service.schedules),
    next: nextDates(service.schedules, now, 3),
    where,
    otherWays,
    contact: [...new Set(contact)],
    cost,
  }
}
type Shortlisted = ReturnType<typeof presentShortlisted>

/** The plain-text summary for the client: what, when, where, who to contact, cost. */
export function shortlistText(items: Shortlisted[], now: Date): string {
  const made = now.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })
  const blocks = items.map((s, i) => {
    const where = [
      ...s.where.map((w) => (w.address ? `${w.name}, ${w.address}` : w.name)),
      ...(s.otherWays ? [`${s.otherWays}${s.where.length ? '' : ' (no need to travel)'}`] : []),
    ]
    return [
      `${i + 1}. ${s.name}`,
      `Run by: ${s.organisation}`,
      `When: ${s.when.length ? s.when.join('; ') : 'Arranged with you'}`,
      ...(s.next.length ? [`Next dates: ${s.next.join('; ')}`] : []),
      `Where: ${where.join('; ') || 'Ask when you get in touch'}`,
      `How to get in touch: ${s.contact.length ? s.contact.join('; ') : 'Ask your link worker'}`,
      `Cost: ${s.cost}`,
    ].join('\n')
  })
  return [`Activities you might like`, `Made with your link worker on ${made}.`, '', blocks.join('\n\n'), ''].join('\n')
}


/** The ids a shortlist form sent, checked: uuids, at most MAX_SHORTLIST, all still listed. */
async function readShortlist(app: Parameters<FastifyPluginAsync>[0], body: Record<string, unknown>) {
  const chosen = [...new Set(formList(body.service))]
  const offeredIds = [...new Set(formList(body.offered))].filter((id) => IdSchema.safeParse(id).success).slice(0, 50)
  const problems: FieldProblem[] = []
  let services: ServiceDetail[] = []
  if (chosen.length === 0) problems.push({ field: 'service', text: 'Select at least one activity for the shortlist' })
  else if (chosen.length > MAX_SHORTLIST) problems.push({ field: 'service', text: `Select ${MAX_SHORTLIST} activities or fewer for the shortlist` })
  else if (!chosen.every((id) => IdSchema.safeParse(id).success)) problems.push({ field: 'service', text: 'Select activities from the list' })
  else {
    const found = await Promise.all(chosen.map((id) => findService(app.db, id)))
    services = found.filter((s): s is ServiceDetail => s !== undefined)
    if (services.length < chosen.length) problems.push({ field: 'service', text: 'One of the activities you chose is no longer listed. Select the activities again' })
  }
  return { chosen, offeredIds, problems, services }
}

/** The episode a link worker matches inside, as the page names it; only an open one takes referrals. */
interface MatchEpisode {
  id: string
  reference: string
  open: boolean
}

/**
 * The episode named by `?episode=` or the form's hidden field, read through the episodes API (so
 * only a link worker of its team gets it: anyone else gets the sign-in or 403 page, a stranger's
 * id a 404); undefined when none is named.
 */
async function matchEpisode(app: FastifyInstance, request: FastifyRequest, raw: unknown): Promise<MatchEpisode | undefined> {
  const given = formText(raw)
  if (given === '') return undefined
  const id = idOr404(given, 'There is no such episode. It may not be one of your team’s.')
  const episode = (await callApi<Episode>(app, request, 'GET', `/api/episodes/${id}`)).body
  return { id: episode.id, reference: episode.reference, open: episode.closed_on === null }
}

const matchPages: FastifyPluginAsync = async (app) => {
  await registerRateLimits(app)
  const showForm = async (reply: FastifyReply, form: MatchForm, problems: FieldProblem[] = [], extra: Record<string, unknown> = {}) => {
    const terms = (await listTaxonomyTerms(app.db))
      .filter((t) => t.parent_id === null && t.code !== 'practical-support')
      .map((t) => ({ value: t.code, text: t.name, hint: t.description ?? undefined, checked: form.terms.includes(t.code) }))
    const radio = (items: { value: string; text: string; hint?: string }[], chosen: string) =>
      items.map((i) => ({ ...i, ...(i.hint ? { hint: { text: i.hint } } : {}), checked: i.value === chosen }))
    return reply.code(problems.length ? 422 : 200).page(extra.results ? 'match/match-results.njk' : 'match/match-form.njk', {
      title: extra.results ? 'Activities that fit' : 'Match a client',
      form,
      travelModes: TRAVEL_MODES.map((m) => ({ ...m, checked: form.travel.includes(m.value), value_typed: form[m.field] })),
      housebound: form.travel.includes('housebound'),
      terms,
      practical: Object.entries(PRACTICAL_WORDS).map(([value, w]) => ({ value, text: w.text, hint: { text: w.hint }, checked: form.practical_needs.includes(value) })),
      groupSizes: radio(GROUP_SIZE_CHOICES, form.group_size || 'any'),
      audiences: choices('audience', form.audiences),
      languages: languageOptions('English is fine', form.language),
      languageNeeds: languageOptions('No, English is fine', form.language_need),
      accompanied: radio([{ value: 'yes', text: 'Yes' }, { value: 'no', text: 'No, or not needed' }], form.accompanied_first_visit || 'no'),
      access: choices('accessibility', form.access, ACCESS_NEEDS),
      intensities: choices('physical_intensity', [form.max_physical_intensity]).map((c) => ({ ...c, hint: { text: INTENSITY_HINTS[c.value] } })),
      days: choices('day', form.days, WEEKDAYS),
      genders: radio(GENDER_CHOICES, form.gender),
      ...formErrors(orderProblems(problems)),
      ...extra,
    })
  }

  app.get('/match', { schema: { hide: true } }, async (request, reply) => {
    const episode = await matchEpisode(app, request, (request.query as { episode?: unknown }).episode)
    return showForm(reply, EMPTY_FORM, [], { episode })
  })

  // The answers arrive in the body and leave in this page alone: nothing here logs or keeps them.
  // Limited as POST /api/match is: anyone may match, at a person's pace.
  app.post('/match', { schema: { hide: true }, config: { rateLimit: ANONYMOUS_MATCH_LIMIT } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const form = matchFormFrom(body)
    // Inside an episode, its unmet needs are recorded once per episode, with its age band.
    const episode = await matchEpisode(app, request, body.episode)
    const inEpisode = { episode }
    const parsed = MatchProfileSchema.safeParse(profileInput(form))
    if (!parsed.success) return showForm(reply, form, parsed.error.issues.map((issue) => problemFor(issue, form)), inEpisode)
    let response: MatchResponse
    try {
      response = await matchForProfile(app.db, parsed.data, app.now(), await gapContextFor(app.db, request.principal, episode?.id, parsed.data))
    } catch (error) {
      if (!(error instanceof Problem) || error.status >= 500) throw error
      const problems = (error.errors ?? []).map((e): FieldProblem =>
        e.pointer.startsWith('/interests/terms')
          ? { field: 'terms', text: 'Select activity types from the list' }
          : { field: 'postcode', text: 'Enter a real postcode, like CR0 1AA, or a postcode district, like CR0' },
      )
      return showForm(reply, form, problems.length ? problems : [{ field: 'postcode', text: 'Enter a real postcode, like CR0 1AA, or a postcode district, like CR0' }], inEpisode)
    }
    return showForm(reply, form, [], { results: presentResults(response, parsed.data), ...inEpisode })
  })

  const showChoice = async (reply: FastifyReply, chosen: string[], offeredIds: string[], problems: FieldProblem[]) => {
    const offered = (await Promise.all(offeredIds.map((id) => findService(app.db, id)))).filter((s): s is ServiceDetail => s !== undefined)
    return reply.code(422).page('match/match-choose.njk', {
      title: 'Make a shortlist',
      items: offered.map((s) => ({ value: s.id, text: s.name, hint: { text: s.organization.name }, checked: chosen.includes(s.id) })),
      offered: offered.map((s) => s.id),
      ...formErrors(problems),
    })
  }

  app.post('/match/shortlist', { schema: { hide: true } }, async (request, reply) => {
    const { chosen, offeredIds, problems, services } = await readShortlist(app, (request.body ?? {}) as Record<string, unknown>)
    if (problems.length) return showChoice(reply, chosen, offeredIds, problems)
    const now = app.now()
    const items = services.map((s) => presentShortlisted(s, now))
    const summary = shortlistText(items, now)
    return reply.page('match/match-shortlist.njk', {
      title: 'Shortlist for your client',
      items,
      summary,
      summaryRows: Math.min(30, summary.split('\n').length + 1),
      ids: services.map((s) => s.id),
    })
  })

  app.post('/match/shortlist.txt', { schema: { hide: true } }, async (request, reply) => {
    const { chosen, offeredIds, problems, services } = await readShortlist(app, (request.body ?? {}) as Record<string, unknown>)
    if (problems.length) return showChoice(reply, chosen, offeredIds, problems)
    const now = app.now()
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', 'attachment; filename="activities.txt"')
      .header('cache-control', 'no-store')
      .send(shortlistText(services.map((s) => presentShortlisted(s, now)), now))
  })
}

export default matchPages
