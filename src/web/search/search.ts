/**
 * Link workers' search page: the search API's query, asked as a GET form (so results can be
 * bookmarked and shared: a search holds no client details), answered as a list and a map.
 */
import type { FastifyPluginAsync } from 'fastify'
import { ACCESSIBILITY_FEATURES, DELIVERY_MODES, GROUP_SIZES, WEEKDAYS } from '../../directory/vocabulary.ts'
import { listTaxonomyTerms, locationAccessibility } from '../../directory/store.ts'
import { Problem } from '../../problem.ts'
import { SearchQuerySchema, type SearchResponse } from '../../search/schemas.ts'
import { searchDirectory } from '../../search/search.ts'
import { formErrors, formList, type FieldProblem } from '../api.ts'
import { choices, label } from '../labels.ts'
import { freshnessTag, nextDates } from '../present.ts'

export const RADII = [1, 2, 5, 10, 20] as const
const PER_PAGE = 10

/** What a person should read for each field the search refuses. */
const FIELD_MESSAGES: Record<string, string> = {
  postcode: 'Enter a real postcode, like CR0 1AA, or a postcode district, like CR0',
  q: 'Enter fewer words (up to 200 characters)',
  radius_km: 'Choose a distance',
  page: 'Choose a page from the list',
}

/** The form's values as the search API spells them (unknown and empty fields dropped). */
function apiQuery(raw: Record<string, unknown>): Record<string, unknown> {
  const keys = ['q', 'postcode', 'radius_km', 'taxonomy_term', 'day', 'delivery_mode', 'accessibility', 'group_size', 'free', 'taking_referrals', 'page']
  return Object.fromEntries(
    keys.flatMap((k) => {
      const v = raw[k]
      const list = (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? x.trim() : x)).filter((x) => x !== undefined && x !== '')
      return list.length === 0 ? [] : [[k, list.length === 1 ? list[0] : list]]
    }),
  )
}


const searchPages: FastifyPluginAsync = async (app) => {
  app.get('/search', { schema: { hide: true } }, async (request, reply) => {
    const raw = apiQuery(request.query as Record<string, unknown>)
    // A page number no link of ours makes (garbled, or beyond any result set) starts from page 1.
    if (raw.page !== undefined && !/^[1-9]\d{0,3}$/.test(String(raw.page))) delete raw.page
    const terms = (await listTaxonomyTerms(app.db)).filter((t) => t.parent_id === null)
    const form = {
      q: raw.q ?? '',
      postcode: raw.postcode ?? '',
      radius_km: String(raw.radius_km ?? '5'),
      taxonomy_term: formList(raw.taxonomy_term)[0] ?? '',
      free: raw.free === 'true',
      taking_referrals: raw.taking_referrals === 'true',
    }
    const filters = {
      day: choices('day', formList(raw.day), WEEKDAYS),
      delivery_mode: choices('delivery_mode', formList(raw.delivery_mode), DELIVERY_MODES),
      accessibility: choices('accessibility', formList(raw.accessibility), ACCESSIBILITY_FEATURES),
      group_size: choices('group_size', formList(raw.group_size), GROUP_SIZES),
    }
    const context = {
      title: 'Find activities',
      form,
      filters,
      filtersOpen: ['day', 'delivery_mode', 'accessibility', 'group_size', 'free', 'taking_referrals', 'taxonomy_term'].some((k) => k in raw),
      terms: [{ value: '', text: 'Any activity' }, ...terms.map((t) => ({ value: t.code, text: t.name, selected: t.code === form.taxonomy_term }))],
      // A distance typed into the address (the API allows any up to 50 km) is offered as chosen.
      radii: [...new Set([...RADII.map(String), form.radius_km])]
        .filter((r) => /^\d+(\.\d+)?$/.test(r) && Number(r) > 0 && Number(r) <= 50)
        .sort((a, b) => Number(a) - Number(b))
        .map((r) => ({ value: r, text: `${r} km (about ${Math.round(Number(r) * 0.62 * 10) / 10} miles)`, selected: r === form.radius_km })),
    }
    if (!raw.postcode && !raw.q) return reply.page('search/search.njk', context)

    const parsed = SearchQuerySchema.safeParse({ ...raw, per_page: PER_PAGE })
    let problems: FieldProblem[] = []
    let response: SearchResponse | undefined
    if (!parsed.success) {
      problems = parsed.error.issues.map((issue) => {
        const field = String(issue.path[0] ?? 'q')
        return { field, text: FIELD_MESSAGES[field] ?? `Check this filter: ${issue.message}` }
      })
    } else {
      try {
        response = await searchDirectory(app.db, parsed.data, app.now(), app.searchEngine, (error) =>
          request.log.warn({ err: error }, 'Meilisearch unreachable: answered from PostgreSQL'),
        )
      } catch (error) {
        if (!(error instanceof Problem) || error.status >= 500) throw error
        problems = (error.errors ?? [{ pointer: '/q', detail: error.detail ?? error.title }]).map((e) => {
          const field = e.pointer.slice(1) || 'q'
          return { field, text: field === 'postcode' ? FIELD_MESSAGES.postcode! : (e.detail ?? error.title) }
        })
      }
    }
    if (!response) return reply.code(422).page('search/search.njk', { ...context, ...formErrors(problems) })

    const now = app.now()
    const access = await locationAccessibility(app.db, response.results.flatMap((r) => (r.location ? [r.location.id] : [])))
    const results = response.results.map((r) => ({
      ...r,
      freshness: freshnessTag(r.verified_at, now),
      next: nextDates(r.schedules, now, 2),
      access: (r.location ? (access.get(r.location.id) ?? []) : []).map((a) => label(a, 'accessibility')),
      otherWays: r.delivery_modes.filter((m) => m !== 'venue').map((m) => label(m, 'delivery_mode')),
    }))
    const pages = Math.max(1, Math.ceil(response.total / PER_PAGE))
    const pageUrl = (page: number) => {
      const params = new URLSearchParams()
      for (const [k, v] of Object.entries(raw)) if (k !== 'page') for (const x of formList(v)) params.append(k, x)
      if (page > 1) params.set('page', String(page))
      return `/search?${params}`
    }
    if (response.results.length === 0 && response.total > 0) return reply.redirect(pageUrl(pages), 303)
    const mapData = {
      centre: response.place ? [response.place.latitude, response.place.longitude] : null,
      markers: results.flatMap((r) =>
        r.location ? [{ lat: r.location.latitude, lon: r.location.longitude, name: r.name, place: r.location.name, href: `/services/${r.id}` }] : [],
      ),
    }
    return reply.page('search/search.njk', {
      ...context,
      response,
      results,
      mapData,
      firstShown: (response.page - 1) * PER_PAGE + 1,
      pagination: {
        previous: response.page > 1 ? { href: pageUrl(response.page - 1), labelText: `Page ${response.page - 1} of ${pages}` } : undefined,
        next: response.page < pages ? { href: pageUrl(response.page + 1), labelText: `Page ${response.page + 1} of ${pages}` } : undefined,
      },
    })
  })
}

export default searchPages
