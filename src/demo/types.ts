/**
 * The demo directory as its organisations would write it: each organisation's document and,
 * for each of its listings, the service document an editor sends (`src/manage/schemas.ts`)
 * and when it was last confirmed as running. The loader creates them through the manage
 * store, so the demo holds nothing an organisation could not create.
 */
import type { OrganizationDocument, ServiceDocument } from '../manage/schemas.ts'

/** The 20 taxonomy term codes of `sql/002_taxonomy.sql`. */
export type TermCode =
  | 'peer-support'
  | 'social-groups'
  | 'arts-and-crafts'
  | 'music-and-singing'
  | 'exercise-and-sport'
  | 'walking'
  | 'gardening-and-nature'
  | 'befriending'
  | 'bereavement'
  | 'parent-and-baby'
  | 'mens-groups'
  | 'learning-and-skills'
  | 'volunteering'
  | 'faith-and-culture'
  | 'digital-skills'
  | 'practical-support'
  | 'housing'
  | 'debt-and-benefits'
  | 'employment'
  | 'food'

export interface DemoService {
  /** Fixed by the seed, so tests can name a listing. */
  id: string
  document: ServiceDocument
  /**
   * When the listing was created, which confirms it as running (ISO date-time): its
   * `verified_at`, and the time of its first version.
   */
  confirmed_at: string
}

export interface DemoOrganization {
  /** Fixed by the seed. */
  id: string
  document: OrganizationDocument
  /** Its listings, in the order they are created. */
  services: DemoService[]
}

export interface DemoDirectory {
  organizations: DemoOrganization[]
}
