/**
 * The searches the benchmark times: what a link worker types, as GET /api/search query strings.
 * SE1 (Southwark, central London) is the densest part of the data: about 90 postcode districts
 * lie within 5 km of it. CR0 1AA (central Croydon) is a full postcode in outer London, with
 * about 10 districts within 5 km.
 */
export interface Shape {
  key: string
  label: string
  query: string
}

export const SHAPES: readonly Shape[] = [
  { key: 'postcode_text_filters', label: 'postcode + text + filters (SE1)', query: 'postcode=SE1&q=knitting&radius_km=5&free=true&day=TU' },
  { key: 'postcode_text_filters_outer', label: 'postcode + text + filters (CR0 1AA)', query: 'postcode=CR0%201AA&q=knitting&radius_km=5&free=true&day=TU' },
  { key: 'postcode_only', label: 'postcode only (SE1)', query: 'postcode=SE1&radius_km=5' },
  { key: 'text_only', label: 'text only', query: 'q=knitting' },
  { key: 'text_typo', label: 'text with a typo', query: 'q=knittng' },
  { key: 'postcode_access_age', label: 'postcode + accessibility + age (SE1)', query: 'postcode=SE1&accessibility=step_free,hearing_loop&age=75' },
  // A common word near the densest place: far more matches than one walk reads, ranked by
  // relevance among the nearest (recall@20 against the whole radius measures what that costs).
  { key: 'postcode_text_broad', label: 'postcode + a common word (SE1)', query: 'postcode=SE1&q=club&radius_km=5' },
]

/** The shape the aims are about. */
export const AIM_SHAPE = 'postcode_text_filters'
