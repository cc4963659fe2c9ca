import { z } from 'zod'
import { ROLES } from '../directory/vocabulary.ts'

/** An email address as accounts, invitations and registration take it: trimmed, lower-cased. */
export const EmailSchema = z.string().trim().toLowerCase().max(254).regex(/^[^@\s]+@[^@\s]+$/, { error: 'must be an email address' })

/** Who is signed in, as the API shows it. */
export const PrincipalSchema = z.object({
  account_id: z.uuid(),
  email: z.string(),
  role: z.enum(ROLES),
  organization_ids: z.array(z.uuid()).describe('organisations an editor may edit'),
  team: z.object({ id: z.uuid(), name: z.string() }).nullable().describe("a link worker's team: its episodes are shared by the team"),
  via: z.enum(['session', 'token']),
})

