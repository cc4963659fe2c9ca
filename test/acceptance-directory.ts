/**
 * A small directory for acceptance tests of search and matching, written as organisations
 * write their listings (documents through the editing API, via DirectoryBuilder). Two people
 * each have listings that meet every hard need they have, and decoys that each fail exactly one
 * (named in `fails`), so a test can show that the right listings come back and each decoy is
 * kept out for the right reason.
 */
import type { FastifyInstance } from 'fastify'
import { DirectoryBuilder, venueAt, weekly, type Listing, type Org, type ServiceInput } from './directory.ts'

export const CROYDON = 'E09000008'
export const SUTTON = 'E09000029'
export const BENSHAM_MANOR = 'E05011464'

/** Rose, 82, housebound in Bensham Manor ward; speaks Tamil; free only; weekday daytimes. */
export const ROSE = {
  postcode: 'CR7 7DD',
  travel: { housebound: true },
  age: 82,
  gender: 'woman',
  language_need: 'ta',
  availability: [{ days: ['MO', 'TU', 'WE', 'TH', 'FR'], from: '09:00', to: '17:00' }],
  interests: { terms: ['befriending'] },
  preferences: { free_only: true },
}

/** Tom, 70, Selhurst: walks a kilometre, needs step-free, nothing strenuous; housing advice first, and three interests. */
export const TOM = {
  postcode: 'CR0 2JD',
  travel: { walk_km: 1 },
  age: 70,
  gender: 'man',
  access: ['step_free'],
  max_physical_intensity: 'light',
  availability: [{ days: ['MO', 'TU', 'WE', 'TH', 'FR'], from: '09:00', to: '17:00' }],
  practical_needs: ['housing'],
  interests: { terms: ['mens-groups', 'social-groups', 'arts-and-crafts'] },
  limit: 3,
}

export interface Entry {
  name: string
  /** Whose listing it is: Rose's or Tom's. */
  for: 'rose' | 'tom'
  /** The one hard need it fails (a barrier), or undefined when it meets every need. */
  fails?: 'distance' | 'language' | 'delivery_mode' | 'eligibility' | 'capacity' | 'time' | 'cost' | 'access' | 'intensity'
  /** A change to the person's profile under which it would be matched: proof it fails only that. */
  relax?: Record<string, unknown>
  org: 'croydon' | 'sutton' | 'national'
  document: (app: FastifyInstance) => Promise<ServiceInput>
}

const byArrangement = [{ kind: 'by_arrangement' as const }]
const phone = (name: string, extra: Partial<ServiceInput> = {}): ServiceInput => ({
  name,
  description: 'A volunteer calls for a chat every week.',
  delivery_modes: ['telephone'],
  group_size: 'one_to_one',
  languages: ['ta'],
  taxonomy_terms: ['befriending'],
  schedules: byArrangement,
  ...extra,
})
const atVenue = async (app: FastifyInstance, name: string, postcode: string, terms: string[], schedule: ReturnType<typeof weekly>, extra: Partial<ServiceInput> = {}, features: ('step_free' | 'seating')[] = ['step_free', 'seating']): Promise<ServiceInput> => ({
  name,
  description: `${name} meets every week.`,
  delivery_modes: ['venue'],
  group_size: 'small',
  taxonomy_terms: terms,
  locations: [await venueAt(app, postcode, `${name} Hall`, features)],
  schedules: [schedule],
  ...extra,
})

export const ENTRIES: Entry[] = [
  // Rose: three that fit.
  { name: 'Tamil Telephone Friends', for: 'rose', org: 'croydon', document: async () => phone('Tamil Telephone Friends') },
  {
    name: 'Interpreted Home Visits',
    for: 'rose',
    org: 'croydon',
    document: async () => phone('Interpreted Home Visits', { delivery_modes: ['home_visit'], languages: ['en'], interpreter_available: true, schedules: [weekly(['TU'], '10:00', '12:00')], service_areas: [{ kind: 'ward', code: BENSHAM_MANOR }] }),
  },
  {
    name: 'Tamil Online Coffee Morning',
    for: 'rose',
    org: 'national',
    document: async () => phone('Tamil Online Coffee Morning', { delivery_modes: ['online_video'], group_size: 'small', languages: ['ta', 'en'], schedules: [weekly(['WE'], '10:30', '11:30')], service_areas: [{ kind: 'england' }] }),
  },
  // Rose: decoys, one hard need each.
  { name: 'Sutton Tamil Line', for: 'rose', fails: 'distance', relax: { postcode: 'SM1 1AA' }, org: 'sutton', document: async () => phone('Sutton Tamil Line') },
  { name: 'English Phone Friends', for: 'rose', fails: 'language', relax: { language_need: undefined }, org: 'croydon', document: async () => phone('English Phone Friends', { languages: ['en'] }) },
  {
    name: 'Tamil Lunch Club',
    for: 'rose',
    fails: 'delivery_mode',
    relax: { travel: { walk_km: 1 } },
    org: 'croydon',
    document: async (app) => atVenue(app, 'Tamil Lunch Club', 'CR7 7DE', ['befriending'], weekly(['TH'], '12:00', '14:00'), { languages: ['ta'] }),
  },
  { name: 'Tamil Carers’ Line', for: 'rose', fails: 'eligibility', relax: { preferences: { free_only: true, audiences: ['carers'] } }, org: 'croydon', document: async () => phone('Tamil Carers’ Line', { audiences: ['carers'] }) },
  { name: 'Tamil Youth Line', for: 'rose', fails: 'eligibility', relax: { age: 20 }, org: 'croydon', document: async () => phone('Tamil Youth Line', { minimum_age: 16, maximum_age: 25 }) },
  { name: 'Tamil Circle', for: 'rose', fails: 'capacity', org: 'croydon', document: async () => phone('Tamil Circle', { referral_capacity: 'full' }) },
  { name: 'Tamil Evening Calls', for: 'rose', fails: 'time', relax: { availability: undefined }, org: 'croydon', document: async () => phone('Tamil Evening Calls', { schedules: [weekly(['MO'], '19:00', '20:00')] }) },
  {
    name: 'Paid Tamil Calls',
    for: 'rose',
    fails: 'cost',
    relax: { preferences: { free_only: false } },
    org: 'croydon',
    document: async () => phone('Paid Tamil Calls', { cost_options: [{ option: 'Per call', amount: 5 }] }),
  },

  // Tom: four housing advice sessions and three interests that fit.
  ...['CR0 2HA', 'CR0 2JA', 'CR0 2HB', 'CR0 2JB'].map(
    (postcode, i): Entry => ({
      name: `Housing Advice ${i + 1}`,
      for: 'tom',
      org: 'croydon',
      document: async (app) => atVenue(app, `Housing Advice ${i + 1}`, postcode, ['housing'], weekly(['TU'], '10:00', '12:00'), { group_size: 'one_to_one' }),
    }),
  ),
  { name: 'Selhurst Men’s Shed', for: 'tom', org: 'croydon', document: async (app) => atVenue(app, 'Selhurst Men’s Shed', 'CR0 2HD', ['mens-groups'], weekly(['TH'], '10:00', '13:00'), { audiences: ['men'], gender_restriction: 'men_only', physical_intensity: 'light' }) },
  { name: 'Brew and Banter', for: 'tom', org: 'croydon', document: async (app) => atVenue(app, 'Brew and Banter', 'CR0 2HE', ['social-groups'], weekly(['WE'], '14:00', '16:00')) },
  { name: 'Craft Corner', for: 'tom', org: 'croydon', document: async (app) => atVenue(app, 'Craft Corner', 'CR0 2HF', ['arts-and-crafts'], weekly(['MO'], '10:00', '12:00')) },
  // Tom: decoys.
  { name: 'Norbury Men’s Shed', for: 'tom', fails: 'distance', relax: { travel: { walk_km: 2 } }, org: 'croydon', document: async (app) => atVenue(app, 'Norbury Men’s Shed', 'CR7 7DD', ['mens-groups'], weekly(['TH'], '10:00', '13:00')) },
  { name: 'Upstairs Art Club', for: 'tom', fails: 'access', relax: { access: [] }, org: 'croydon', document: async (app) => atVenue(app, 'Upstairs Art Club', 'CR0 2HG', ['arts-and-crafts'], weekly(['MO'], '10:00', '12:00'), {}, ['seating']) },
  { name: 'Women’s Craft Circle', for: 'tom', fails: 'eligibility', relax: { gender: undefined }, org: 'croydon', document: async (app) => atVenue(app, 'Women’s Craft Circle', 'CR0 2HH', ['arts-and-crafts'], weekly(['MO'], '13:00', '15:00'), { gender_restriction: 'women_only' }) },
  { name: 'Over-80s Lunch', for: 'tom', fails: 'eligibility', relax: { age: 85 }, org: 'croydon', document: async (app) => atVenue(app, 'Over-80s Lunch', 'CR0 2HJ', ['social-groups'], weekly(['FR'], '12:00', '14:00'), { minimum_age: 80 }) },
  { name: 'Five-a-side', for: 'tom', fails: 'intensity', relax: { max_physical_intensity: undefined }, org: 'croydon', document: async (app) => atVenue(app, 'Five-a-side', 'CR0 2HL', ['mens-groups'], weekly(['TU'], '10:00', '11:00'), { physical_intensity: 'vigorous' }) },
  { name: 'Saturday Social', for: 'tom', fails: 'time', relax: { availability: undefined }, org: 'croydon', document: async (app) => atVenue(app, 'Saturday Social', 'CR0 2HN', ['social-groups'], weekly(['SA'], '10:00', '12:00')) },
]

export interface AcceptanceDirectory {
  dir: DirectoryBuilder
  orgs: Record<Entry['org'], Org>
  listings: Map<string, Listing>
}

/** Builds the directory through the API: three organisations and every entry's listing. */
export async function buildAcceptanceDirectory(app: FastifyInstance): Promise<AcceptanceDirectory> {
  const dir = await DirectoryBuilder.start(app)
  const orgs = {
    croydon: await dir.organization({ name: 'Croydon Neighbours', local_authority: CROYDON }),
    sutton: await dir.organization({ name: 'Sutton Neighbours', local_authority: SUTTON }),
    national: await dir.organization({ name: 'Friends Across England' }),
  }
  const listings = new Map<string, Listing>()
  for (const e of ENTRIES) listings.set(e.name, await dir.service(orgs[e.org], await e.document(app)))
  return { dir, orgs, listings }
}
