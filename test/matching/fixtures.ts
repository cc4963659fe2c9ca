// Made-up listings and profiles for the pure matcher's tests.
import type { Candidate, CandidateSchedule, CandidateVenue, MatchContext } from '../../src/matching/candidate.ts'
import { MatchProfileSchema, type MatchProfile } from '../../src/matching/schemas.ts'

/** A Tuesday morning in November (UK time = UTC). */
export const NOW = new Date('2026-11-03T08:00:00Z')

export function weekly(days: CandidateSchedule['byday'], opens: string, closes: string, location_id: string | null = null): CandidateSchedule {
  return { location_id, kind: 'weekly', byday: days, week_of_month: null, on_date: null, opens_at: opens, closes_at: closes, valid_from: null, valid_to: null }
}

export function venue(id: string, distance_m: number, features: CandidateVenue['features'] = ['step_free', 'seating']): CandidateVenue {
  return { id, name: `Venue ${id}`, postcode: 'CR0 1AA', latitude: 51.37, longitude: -0.1, distance_m, features }
}

let next = 0
/** A fresh, open, free, small weekly arts group 500 m away, unless told otherwise. */
export function candidate(overrides: Partial<Candidate> = {}): Candidate {
  next += 1
  const id = `00000000-0000-4000-8000-${String(next).padStart(12, '0')}`
  const venueId = `10000000-0000-4000-8000-${String(next).padStart(12, '0')}`
  return {
    id,
    name: `Listing ${next}`,
    description: 'A friendly group.',
    organization: { id: '20000000-0000-4000-8000-000000000001', name: 'Org' },
    delivery_modes: ['venue'],
    group_size: 'small',
    typical_attendance: 8,
    minimum_age: null,
    maximum_age: null,
    gender_restriction: 'none',
    audiences: [],
    languages: ['en'],
    interpreter_available: false,
    newcomer_support: [],
    physical_intensity: 'none',
    referral_capacity: 'open',
    verified_at: '2026-10-01T00:00:00.000Z',
    terms: ['arts-and-crafts'],
    price: 0,
    area_covers: false,
    areas: [],
    venues: [venue(venueId, 500)],
    schedules: [weekly(['TU'], '10:00', '12:00', venueId)],
    text_hits: [],
    ...overrides,
  }
}

export function profile(input: Record<string, unknown> = {}): MatchProfile {
  return MatchProfileSchema.parse({ postcode: 'CR0 1AA', travel: { walk_km: 2 }, interests: { terms: ['arts-and-crafts'] }, ...input })
}

export const CTX: MatchContext = {
  now: NOW,
  textTerms: [],
  termNames: { 'arts-and-crafts': 'Arts and crafts', 'social-groups': 'Social groups', housing: 'Housing', befriending: 'Befriending' },
  areaLabel: 'CR0 1AA',
  searchedKm: 10,
}
