/**
 * Service areas in words, as listings, Open Referral and the matcher's near-misses show them:
 * "Available to anyone living in Croydon", "Anywhere in England by phone", "only for people
 * living in Sutton".
 */
import { listAlternatives } from '../matching/words.ts'
import type { DeliveryMode, ServiceAreaKind } from './vocabulary.ts'

/** "by phone or online", "with home visits": how a remote service reaches people. */
export function remoteWords(modes: readonly DeliveryMode[]): string {
  return listAlternatives([
    ...(modes.includes('home_visit') ? ['with home visits'] : []),
    ...(modes.includes('telephone') ? ['by phone'] : []),
    ...(modes.includes('online_video') || modes.includes('online_text') ? ['online'] : []),
  ])
}

/** An area's name: "Croydon", "Bensham Manor ward, Croydon", "within 2.5 km of Waddon Hall". */
export function areaName(
  area: { kind: 'local_authority' | 'ward'; name: string; parent?: string | null } | { kind: 'radius'; km: number; venue: string },
): string {
  if (area.kind === 'radius') return `within ${area.km} km of ${area.venue}`
  return area.kind === 'ward' ? `${area.name} ward${area.parent ? `, ${area.parent}` : ''}` : area.name
}

/** "in Croydon", "within 5 km of St Mark’s Hall": where someone must live to be covered. */
export function livingWhere(kind: ServiceAreaKind, name: string): string {
  return kind === 'radius' ? name : `in ${name}`
}

/** The description an area is shown with: "Available to anyone living in Croydon, by phone", "Anywhere in England by phone". */
export function areaSentence(kind: ServiceAreaKind, name: string, modes: readonly DeliveryMode[]): string {
  const how = remoteWords(modes)
  if (kind === 'england') return `Anywhere in England${how ? ` ${how}` : ''}`
  return `Available to anyone living ${livingWhere(kind, name)}${how ? `, ${how}` : ''}`
}
