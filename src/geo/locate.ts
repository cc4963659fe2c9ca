import type { Queryable } from '../db/db.ts'
import { Invalid, type FieldError } from '../problem.ts'
import { parsePostcode } from './postcode.ts'

/** A point to search from, and how it was found. */
export interface Place {
  latitude: number
  longitude: number
  /** 'postcode': the postcode's own centroid; 'outcode': the district's centre (a full postcode we do not hold, or a bare district). */
  precision: 'postcode' | 'outcode' | 'coordinates'
  postcode: string | null
  outcode: string | null
  ward_code: string | null
  ward_name: string | null
  lsoa_code: string | null
}

/** The boundary of a kind that holds p.geom, compared on the plane as the boundary files were drawn. */
const containing = (kind: 'ward' | 'lsoa') =>
  `SELECT b.code, b.name FROM boundary b WHERE b.kind = '${kind}' AND b.geom && p.geom AND ST_Covers(b.geom::geometry, p.geom::geometry) ORDER BY b.code LIMIT 1`

/**
 * Turns typed text into a place: a known postcode, else its district's centre; a postcode
 * that is not a UK postcode, or a district we do not know, is a 422 that says which.
 */
export async function locatePostcode(db: Queryable, input: string, field = 'postcode', part: FieldError['in'] = 'querystring'): Promise<Place> {
  const parsed = parsePostcode(input)
  const fail = (detail: string) => new Invalid(detail, [{ in: part, pointer: `/${field}`, detail }])
  if (!parsed) throw fail(`"${input.trim()}" is not a UK postcode`)
  if (parsed.kind === 'postcode') {
    // The ward and LSOA are the boundaries that hold the postcode's point (so they are the
    // areas reports count by); where none is held, what the postcode file said.
    const { rows } = await db.query<Place>(
      `SELECT p.latitude, p.longitude, 'postcode' AS precision, p.postcode, p.outcode,
              coalesce(w.code, p.ward_code) AS ward_code, CASE WHEN w.code IS NULL THEN p.ward_name ELSE w.name END AS ward_name,
              coalesce(l.code, p.lsoa_code) AS lsoa_code
         FROM postcode p
         LEFT JOIN LATERAL (${containing('ward')}) w ON true
         LEFT JOIN LATERAL (${containing('lsoa')}) l ON true
        WHERE p.postcode = $1`,
      [parsed.postcode],
    )
    if (rows[0]) return rows[0]
  }
  const { rows } = await db.query<Place>(
    `SELECT latitude, longitude, 'outcode' AS precision, $2::text AS postcode, outcode,
            NULL AS ward_code, NULL AS ward_name, NULL AS lsoa_code
       FROM outcode WHERE outcode = $1`,
    [parsed.outcode, parsed.kind === 'postcode' ? parsed.postcode : null],
  )
  if (rows[0]) return rows[0]
  throw fail(`${parsed.outcode} is not a postcode district we know`)
}

/** A place given as coordinates; checked to be a plausible point in the UK. */
export function placeAt(latitude: number, longitude: number, pointer = '/lat', part: FieldError['in'] = 'querystring'): Place {
  if (latitude < 49 || latitude > 61 || longitude < -9 || longitude > 2) {
    throw new Invalid('Those coordinates are not in the UK', [{ in: part, pointer, detail: 'outside the UK' }])
  }
  return { latitude, longitude, precision: 'coordinates', postcode: null, outcode: null, ward_code: null, ward_name: null, lsoa_code: null }
}
