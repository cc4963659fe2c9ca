import { z } from 'zod'

/**
 * A record's id as requests carry it: any UUID, upper or lower case, read as the lower case the
 * database writes. Ids are compared as strings in places (maps of rows by id), so one spelling.
 */
export const IdSchema = z.uuid().overwrite((id) => id.toLowerCase())
