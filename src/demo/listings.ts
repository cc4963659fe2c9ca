import type { DemoDirectory, DemoService } from './types.ts'

/** A demo listing with the id of the organisation that runs it. */
export interface DemoListing extends DemoService {
  organization_id: string
}

/** Every listing of the demo directory, in the order they are created. */
export function demoListings(demo: DemoDirectory): DemoListing[] {
  return demo.organizations.flatMap((o) => o.services.map((s) => ({ ...s, organization_id: o.id })))
}
