import { z } from 'zod'
import { ROLES } from '../directory/vocabulary.ts'

/** Who is signed in, as the API shows it. */
export const PrincipalSchema = z.object({
  account_id: z.uuid(),
  email: z.string(),
  role: z.enum(ROLES),
  organization_ids: z.array(z.uuid()).describe('organisations an editor may edit'),
  via: z.enum(['session', 'token']),
})

