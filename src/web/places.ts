/**
 * Local authorities and wards as the pages offer them: the boundaries the service holds
 * (src/geo/boundaries.ts), by name, for the organisation forms' "local authority" choice and
 * the listing form's service areas.
 */
import type { Queryable } from '../db/db.ts'
import { areaName } from '../directory/area-words.ts'
import { listBoundaries, type Boundary } from '../geo/boundaries.ts'

export interface Places {
  authorities: Boundary[]
  wards: Boundary[]
  /** Every local authority's and ward's name as an area, by code ("Bensham Manor ward, Croydon"). */
  names: Map<string, string>
}

export async function places(db: Queryable): Promise<Places> {
  const [authorities, wards] = await Promise.all([listBoundaries(db, 'local_authority'), listBoundaries(db, 'ward')])
  const names = new Map(authorities.map((b) => [b.code, b.name]))
  for (const w of wards) names.set(w.code, areaName({ kind: 'ward', name: w.name, parent: w.parent_code ? names.get(w.parent_code) : null }))
  return { authorities, wards, names }
}

/** A select's items: "none" first, then each local authority by name, the chosen one selected. */
export function authorityOptions(authorities: Boundary[], chosen: string, none = 'Not set') {
  return [
    { value: '', text: none, selected: chosen === '' },
    ...authorities.map((b) => ({ value: b.code, text: b.name, selected: b.code === chosen })),
  ]
}

/** The group of ward checkboxes a ward is in: its local authority's code, or "other". */
export const wardGroup = (ward: Pick<Boundary, 'parent_code'>): string => ward.parent_code ?? 'other'

/** Wards grouped under their local authority, in the order listBoundaries gives them, ticked where chosen. */
export function wardGroups(p: Places, chosen: readonly string[]) {
  const groups = new Map<string, { key: string; legend: string; items: Array<{ value: string; text: string; checked: boolean }> }>()
  for (const w of p.wards) {
    const key = wardGroup(w)
    const authority = w.parent_code ? p.names.get(w.parent_code) : undefined
    const group = groups.get(key) ?? { key, legend: authority ? `Wards in ${authority}` : 'Other wards', items: [] }
    group.items.push({ value: w.code, text: w.name, checked: chosen.includes(w.code) })
    groups.set(key, group)
  }
  return [...groups.values()]
}
