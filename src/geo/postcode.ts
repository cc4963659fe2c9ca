/**
 * UK postcodes as people type them ("cr01nx", " CR0  1NX "): normalised to the ONS 'pcds'
 * form, with one space before the inward code.
 */

// The letters Royal Mail uses in each position (BS 7666): area, then district in its six shapes
// (A9, A99, AA9, AA99, A9A, AA9A), then the inward code, whose letters never include CIKMOV.
const OUTWARD = '(?:[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY]))'
const INWARD = '[0-9][ABD-HJLNP-UW-Z]{2}'
const FULL = new RegExp(`^(${OUTWARD})(${INWARD})$`)
const OUTCODE_ONLY = new RegExp(`^${OUTWARD}$`)

export type ParsedPostcode =
  | { kind: 'postcode'; postcode: string; outcode: string }
  | { kind: 'outcode'; outcode: string }

/** Parses a full postcode or a bare postcode district; undefined when it is neither. */
export function parsePostcode(input: string): ParsedPostcode | undefined {
  const compact = input.toUpperCase().replace(/\s+/g, '')
  const full = FULL.exec(compact)
  if (full) return { kind: 'postcode', postcode: `${full[1]} ${full[2]}`, outcode: full[1]! }
  if (OUTCODE_ONLY.test(compact)) return { kind: 'outcode', outcode: compact }
  return undefined
}

/** The normalised full postcode, or undefined when the text is not one. */
export function normalisePostcode(input: string): string | undefined {
  const parsed = parsePostcode(input)
  return parsed?.kind === 'postcode' ? parsed.postcode : undefined
}
