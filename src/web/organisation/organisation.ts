/**
 * "My organisation": a VCSE organisation's editors answer the referrals link workers made to
 * their listings (accept, decline with a reason, attended or not: the reference, date, listing and
 * status are all they see), keep their listings current (confirm still
 * running, referral status), resolve problems link workers reported, edit the organisation's
 * details and invite colleagues. Every write goes through the self-service API; these pages ask
 * and answer in words. The service edit form itself lives in service-form.ts.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { INVITATION_DAYS } from '../../auth/invitations.ts'
import { REFERRAL_CAPACITIES } from '../../directory/vocabulary.ts'
import { HIDE_AFTER_DAYS } from '../../freshness/freshness.ts'
import { ResolveProblemBodySchema, type Report } from '../../manage/problems.ts'
import { OrganizationDocumentSchema, type OrganizationDocument } from '../../manage/schemas.ts'
import type { IncomingReferral } from '../../referrals/schemas.ts'
import { movesFor } from '../../referrals/status.ts'
import { DECLINE_REASONS, REFERRAL_STATUSES, type ReferralStatus } from '../../referrals/vocabulary.ts'
import { STALE_AFTER_DAYS } from '../../search/postgres.ts'
import { callApi, fieldProblems, formChoice, formErrors, formFields, idOr404 as idOrNotFound, maxLengthAt, unreadableForm, type FieldProblem } from '../api.ts'
import { choices, label } from '../labels.ts'
import { authorityOptions, places } from '../places.ts'
import { freshnessTag } from '../present.ts'
import { DECLINE_REASON_WORDS, REFERRAL_MOVE_WORDS, REFERRAL_STATUS_COLOUR, REFERRAL_STATUS_MEANING, REFERRAL_STATUS_WORDS } from './referral-labels.ts'


/** The organisation's length limits, read off the API's own schema, never retyped. */
export const ORG_LIMITS = {
  name: maxLengthAt(OrganizationDocumentSchema, 'name'),
  description: maxLengthAt(OrganizationDocumentSchema, 'description'),
  charity_number: maxLengthAt(OrganizationDocumentSchema, 'charity_number'),
}

/** The longest "what you did" note the resolve API takes. */
const MAX_RESOLUTION_NOTE = maxLengthAt(ResolveProblemBodySchema, 'resolution_note')

interface Listing {
  id: string
  name: string
  status: string
  version: number
  verified_at: string | null
  stale: boolean
  referral_capacity: (typeof REFERRAL_CAPACITIES)[number]
  held: 'pending_approval' | 'hidden_until_confirmed' | null
  /** The feed that keeps it up to date, if one does. */
  managed_by: string | null
}
interface ManagedOrganisation {
  id: string
  name: string
  version: number
  services: Listing[]
}
interface VersionedOrganisation {
  id: string
  version: number
  document: OrganizationDocument
}

/** The success banners a redirect may ask for: a fixed set, so no text from the URL is ever shown. */
const DONE = ['confirmed', 'referrals', 'resolved', 'saved', 'listing-saved', 'created', 'referral-moved'] as const
type Done = (typeof DONE)[number]

const HELD: Record<NonNullable<Listing['held']>, string> = {
  hidden_until_confirmed: 'Hidden from search until you confirm it is still running',
  pending_approval: 'Not shown yet: your organisation is waiting for approval',
}

/**
 * Where the pages about one organisation lead back to: "My organisation" for its editors; for an
 * admin (who edits any organisation without being one of its editors), the organisation's admin page.
 */
export function organisationHome(request: FastifyRequest, organisation: { id: string; name: string }): { href: string; text: string } {
  return request.principal?.role === 'admin'
    ? { href: `/admin/organisations/${organisation.id}`, text: organisation.name }
    : { href: '/my-organisation', text: 'My organisation' }
}

/** The page to return to after a change, asking for its success banner. */
export const doneAt = (home: { href: string }, done: string, id: string): string => `${home.href}?done=${done}&id=${id}`

/** A uuid from the address, or the same "page not found" as for a record that is not theirs. */
const idOr404 = (id: string): string => idOrNotFound(id, 'There is nothing at this address. It may not be one of your organisation’s records.')

type IdRequest = FastifyRequest<{ Params: { id: string } }>

export const ORG_FIELDS = ['name', 'description', 'email', 'website', 'charity_number', 'local_authority'] as const
export type OrgForm = Record<(typeof ORG_FIELDS)[number], string>

/** What the organisation form sends to the API: empty optional fields are "none". */
export function orgDocument(form: OrgForm): OrganizationDocument {
  const orNull = (v: string) => (v.trim() === '' ? null : v.trim())
  return {
    name: form.name.trim(),
    description: form.description.trim(),
    email: orNull(form.email),
    website: orNull(form.website),
    charity_number: orNull(form.charity_number),
    local_authority: orNull(form.local_authority),
  }
}

const orgForm = (doc: OrganizationDocument): OrgForm => ({
  name: doc.name,
  description: doc.description,
  email: doc.email ?? '',
  website: doc.website ?? '',
  charity_number: doc.charity_number ?? '',
  local_authority: doc.local_authority ?? '',
})

/** The "local authority it mainly works in" choice and the words for one we do not hold. */
export const LOCAL_AUTHORITY = {
  label: 'Local authority it mainly works in (optional)',
  hint: 'Its listings with home visits, telephone or online sessions are available there unless they say otherwise.',
  unknown: 'Choose a local authority from the list',
}

/** The organisation form's fields as the templates take them, with the local authority choices. */
export async function orgFormPage(app: FastifyInstance, values: OrgForm) {
  return { values, maxDescription: ORG_LIMITS.description, authorities: authorityOptions((await places(app.db)).authorities, values.local_authority), localAuthority: LOCAL_AUTHORITY }
}

/** Plain words for each field the organisation API refuses. */
export function orgFieldProblem(form: OrgForm) {
  return (pointer: string): FieldProblem | undefined => {
    switch (pointer) {
      case '/name':
        return { field: 'name', text: form.name.trim() === '' ? 'Enter the organisation’s name' : `Organisation name must be ${ORG_LIMITS.name} characters or fewer` }
      case '/description':
        return { field: 'description', text: `Description must be ${ORG_LIMITS.description} characters or fewer` }
      case '/email':
        return { field: 'email', text: 'Enter an email address in the right format, like name@example.org' }
      case '/website':
        return { field: 'website', text: 'Enter a web address starting with https://, like https://www.example.org' }
      case '/charity_number':
        return { field: 'charity_number', text: `Charity number must be ${ORG_LIMITS.charity_number} characters or fewer` }
      case '/local_authority':
        return { field: 'local_authority', text: LOCAL_AUTHORITY.unknown }
      default:
        return undefined
    }
  }
}

/**
 * Incoming referrals as the "Referrals to us" table shows them: those waiting for an answer
 * first (oldest first: they have waited longest), then those the organisation can still update,
 * then the rest; newest first within each. Each with the moves the organisation may make now.
 */
export function referralRows(referrals: IncomingReferral[]) {
  const rank = (r: IncomingReferral) => (r.status === 'sent' ? 0 : movesFor(r.status, 'organisation').length > 0 ? 1 : 2)
  return [...referrals]
    .sort((a, b) => rank(a) - rank(b) || (rank(a) === 0 ? a.created_at.localeCompare(b.created_at) : b.created_at.localeCompare(a.created_at)) || a.reference.localeCompare(b.reference))
    .map((r) => {
      const moves = movesFor(r.status, 'organisation')
      return {
        ...r,
        statusText: REFERRAL_STATUS_WORDS[r.status],
        statusColour: REFERRAL_STATUS_COLOUR[r.status],
        reasonText: r.decline_reason ? DECLINE_REASON_WORDS[r.decline_reason] : null,
        buttons: moves.filter((m) => m !== 'declined' && m !== 'sent').map((m) => ({ status: m, text: REFERRAL_MOVE_WORDS[m as Exclude<ReferralStatus, 'sent'>] })),
        canDecline: moves.includes('declined'),
      }
    })
}

/** The statuses and what each means, for the explanation under the table. */
const STATUS_MEANINGS = REFERRAL_STATUSES.map((s) => ({ status: s, text: REFERRAL_STATUS_WORDS[s], meaning: REFERRAL_STATUS_MEANING[s] }))

/** The reasons for declining, as the select offers them. */
const DECLINE_CHOICES = [{ value: '', text: 'Choose a reason' }, ...DECLINE_REASONS.map((r) => ({ value: r, text: DECLINE_REASON_WORDS[r] }))]

const organisationPages: FastifyPluginAsync = async (app) => {
  const editors = app.authorize('editor', 'admin')
  const hide = { schema: { hide: true } }

  /** The dashboard: referrals to the organisation's listings, the listings with their freshness and referral status, and problems to resolve. */
  async function showDashboard(
    request: FastifyRequest,
    reply: FastifyReply,
    problems: FieldProblem[] = [],
    posted?: { id: string; note: string },
    status?: 409 | 422,
  ) {
    // Referrals come to organisations' editors; an admin editing here has none of their own.
    const isEditor = request.principal?.role === 'editor'
    const [orgs, reports, incoming] = await Promise.all([
      callApi<ManagedOrganisation[]>(app, request, 'GET', '/api/manage/organizations'),
      callApi<Report[]>(app, request, 'GET', '/api/manage/problems'),
      isEditor ? callApi<{ referrals: IncomingReferral[] }>(app, request, 'GET', '/api/manage/referrals') : undefined,
    ])
    const referrals = incoming ? referralRows(incoming.body.referrals) : []
    const now = app.now()
    const organisations = orgs.body.map((o) => ({
      ...o,
      services: o.services.map((s) => ({
        ...s,
        freshness: freshnessTag(s.verified_at, now),
        heldText: s.held ? HELD[s.held] : null,
        referralChoices: choices('referral_capacity', [s.referral_capacity]),
      })),
    }))
    const query = request.query as { done?: unknown; id?: unknown }
    const done = DONE.find((d) => d === query.done)
    const listing = organisations.flatMap((o) => o.services).find((s) => s.id === query.id)
    const report = reports.body.find((r) => r.id === query.id)
    const referral = referrals.find((r) => r.id === query.id)
    return reply.code(status ?? (problems.length ? 422 : 200)).page('organisation/organisation.njk', {
      title: 'My organisation',
      organisations,
      isEditor,
      referrals,
      waiting: referrals.filter((r) => r.status === 'sent').length,
      statusMeanings: STATUS_MEANINGS,
      declineChoices: DECLINE_CHOICES,
      open: reports.body.filter((r) => r.resolved_at === null),
      resolved: reports.body
        .filter((r) => r.resolved_at !== null)
        .sort((a, b) => b.resolved_at!.localeCompare(a.resolved_at!))
        .slice(0, 10),
      banner: done ? doneText(done, listing, report, referral) : undefined,
      maxNote: MAX_RESOLUTION_NOTE,
      staleAfterDays: STALE_AFTER_DAYS,
      hideAfterDays: HIDE_AFTER_DAYS,
      posted,
      ...formErrors(problems),
    })
  }

  function doneText(
    done: Done,
    listing: { name: string; referral_capacity: string } | undefined,
    report: Report | undefined,
    referral: { reference: string; status: ReferralStatus; service: { name: string } } | undefined,
  ): string {
    switch (done) {
      case 'confirmed':
        return listing ? `Thank you. ${listing.name} is marked as still running.` : 'Thank you. The listing is marked as still running.'
      case 'referrals':
        return listing
          ? `${listing.name} now shows: ${label(listing.referral_capacity, 'referral_capacity')}.`
          : 'The referral status is changed.'
      case 'resolved':
        return report ? `The problem with ${report.service.name} is marked as resolved.` : 'The problem is marked as resolved.'
      case 'saved':
        return 'Your organisation’s details are saved.'
      case 'listing-saved':
        return listing ? `Your changes to ${listing.name} are saved.` : 'Your changes to the listing are saved.'
      case 'created':
        return listing ? `${listing.name} is added to your listings.` : 'The listing is added.'
      case 'referral-moved':
        return referral
          ? `Referral ${referral.reference} to ${referral.service.name} is now: ${REFERRAL_STATUS_WORDS[referral.status]}. The link worker can see this.`
          : 'The referral is updated.'
    }
  }

  const back = (reply: FastifyReply, done: Done, id: string) => reply.redirect(`/my-organisation?done=${done}&id=${id}`, 303)

  app.get('/my-organisation', { preHandler: editors, ...hide }, async (request, reply) => showDashboard(request, reply))

  app.post('/my-organisation/services/:id/confirm', { preHandler: editors, ...hide }, async (request: IdRequest, reply) => {
    const id = idOr404(request.params.id)
    await callApi(app, request, 'POST', `/api/manage/services/${id}/confirm`)
    return back(reply, 'confirmed', id)
  })

  app.post('/my-organisation/services/:id/referrals', { preHandler: editors, ...hide }, async (request: IdRequest, reply) => {
    const id = idOr404(request.params.id)
    const { referral_capacity: chosen } = formFields(request.body, ['referral_capacity'])
    const capacity = formChoice(REFERRAL_CAPACITIES, chosen)
    if (!capacity) return showDashboard(request, reply, [{ field: `referral-${id}`, text: 'Select whether the listing is taking referrals, has a waiting list or is full' }])
    const answer = await callApi(app, request, 'PUT', `/api/manage/services/${id}/referral-capacity`, { referral_capacity: capacity })
    if (answer.problem) return showDashboard(request, reply, [{ field: `referral-${id}`, text: answer.problem.detail ?? answer.problem.title }])
    return back(reply, 'referrals', id)
  })

  app.post('/my-organisation/problems/:id/resolve', { preHandler: editors, ...hide }, async (request: IdRequest, reply) => {
    const id = idOr404(request.params.id)
    const { resolution_note: note } = formFields(request.body, ['resolution_note'])
    const field = `resolution-${id}`
    if (note.length > MAX_RESOLUTION_NOTE) return showDashboard(request, reply, [{ field, text: `What you did must be ${MAX_RESOLUTION_NOTE} characters or fewer` }], { id, note })
    const answer = await callApi(app, request, 'POST', `/api/manage/problems/${id}/resolve`, { resolution_note: note })
    if (answer.problem) return showDashboard(request, reply, [{ field, text: answer.problem.detail ?? answer.problem.title }], { id, note })
    return back(reply, 'resolved', id)
  })

  app.post('/my-organisation/referrals/:id/status', { preHandler: app.authorize('editor'), ...hide }, async (request: IdRequest, reply) => {
    const id = idOr404(request.params.id)
    const form = formFields(request.body, ['status', 'reason'])
    const status = formChoice(REFERRAL_STATUSES, form.status)
    if (!status) throw unreadableForm()
    const field = `decline-${id}`
    const reason = formChoice(DECLINE_REASONS, form.reason)
    if (status === 'declined' && !reason) {
      return showDashboard(request, reply, [{ field, text: 'Select why you cannot take this referral' }])
    }
    const answer = await callApi<IncomingReferral>(app, request, 'POST', `/api/manage/referrals/${id}/status`, { status, ...(status === 'declined' ? { reason } : {}) })
    if (answer.status === 409) {
      // Someone (a colleague, or the link worker) moved it first: say where it stands now.
      const now = (await callApi<{ referrals: IncomingReferral[] }>(app, request, 'GET', '/api/manage/referrals')).body.referrals.find((r) => r.id === id)
      const text = now
        ? `Referral ${now.reference} could not be marked “${REFERRAL_STATUS_WORDS[status]}”: it is now “${REFERRAL_STATUS_WORDS[now.status]}”. Someone may have changed it since you loaded the page. The table below shows what you can do now.`
        : 'The referral could not be changed: it has moved on since you loaded the page. The table below shows what you can do now.'
      return showDashboard(request, reply, [{ field: `referral-${id}`, text }], undefined, 409)
    }
    if (answer.problem) return showDashboard(request, reply, [{ field: `referral-${id}`, text: answer.problem.detail ?? answer.problem.title }])
    return back(reply, 'referral-moved', id)
  })

  registerOrganisationForms(app, editors)
}

/** Why the edit form was shown again with what is stored now instead of saving. */
const STALE_TEXT = {
  changed: 'Someone else changed these details while you were editing. The form now shows what is saved: make your changes again and save.',
  missing: 'This form was out of date. Here are the details as they are now; make your change again.',
} as const

/** Editing the organisation's details, and inviting colleagues to edit with you. */
function registerOrganisationForms(app: FastifyInstance, editors: ReturnType<FastifyInstance['authorize']>) {
  const hide = { schema: { hide: true } }
  const read = async (request: FastifyRequest, id: string) =>
    (await callApi<VersionedOrganisation>(app, request, 'GET', `/api/manage/organizations/${id}`)).body

  const showEdit = async (
    reply: FastifyReply,
    id: string,
    data: { values: OrgForm; version: number; name: string; problems?: FieldProblem[]; stale?: { tried: OrgForm; why: 'changed' | 'missing' } },
  ) => {
    const { problems = [], stale } = data
    const errors = formErrors(problems)
    const form = await orgFormPage(app, data.values)
    const authorityName = (code: string) => form.authorities.find((a) => a.value === code)?.text ?? code
    return reply.code(stale ? 409 : problems.length ? 422 : 200).page('organisation/organisation-edit.njk', {
      title: `Edit ${data.name}`,
      id,
      name: data.name,
      home: organisationHome(reply.request, { id, name: data.name }),
      version: data.version,
      ...form,
      ...errors,
      ...(stale
        ? {
            errorList: [{ text: STALE_TEXT[stale.why], href: '#name' }],
            tried: { ...stale.tried, local_authority: stale.tried.local_authority ? authorityName(stale.tried.local_authority) : '' },
          }
        : {}),
    })
  }

  app.get('/my-organisation/organisations/:id/edit', { preHandler: editors, ...hide }, async (request: IdRequest, reply) => {
    const id = idOr404(request.params.id)
    const org = await read(request, id)
    return showEdit(reply, id, { values: orgForm(org.document), version: org.version, name: org.document.name })
  })

  app.post('/my-organisation/organisations/:id/edit', { preHandler: editors, ...hide }, async (request: IdRequest, reply) => {
    const id = idOr404(request.params.id)
    const form: OrgForm = formFields(request.body, ORG_FIELDS)
    const { version: sent } = formFields(request.body, ['version'])
    const version = /^\d{1,15}$/.test(sent) ? Number(sent) : undefined
    // A form without the version it was read at cannot be saved safely; nor one read before
    // someone else's save. Either way: show what is stored now, and what they tried.
    const answer =
      version === undefined ? undefined : await callApi<VersionedOrganisation>(app, request, 'PUT', `/api/manage/organizations/${id}`, orgDocument(form), { 'if-match': `"${version}"` })
    if (!answer || answer.status === 412) {
      const org = await read(request, id)
      return showEdit(reply, id, { values: orgForm(org.document), version: org.version, name: org.document.name, stale: { tried: form, why: answer ? 'changed' : 'missing' } })
    }
    if (answer.problem) {
      const org = await read(request, id)
      return showEdit(reply, id, { values: form, version: version!, name: org.document.name, problems: fieldProblems(answer.problem, orgFieldProblem(form), 'name') })
    }
    return reply.redirect(doneAt(organisationHome(request, { id, name: form.name }), 'saved', id), 303)
  })

  const showInvite = (reply: FastifyReply, id: string, name: string, values: { email?: string }, problems: FieldProblem[] = [], sentTo?: string) =>
    reply.code(problems.length ? 422 : 200).page('organisation/organisation-invite.njk', {
      title: `Invite a colleague to edit ${name}`,
      id,
      name,
      home: organisationHome(reply.request, { id, name }),
      values,
      sentTo,
      invitationDays: INVITATION_DAYS,
      ...formErrors(problems),
    })

  app.get('/my-organisation/organisations/:id/invite', { preHandler: editors, ...hide }, async (request: IdRequest, reply) => {
    const id = idOr404(request.params.id)
    const org = await read(request, id)
    return showInvite(reply, id, org.document.name, {})
  })

  app.post('/my-organisation/organisations/:id/invite', { preHandler: editors, ...hide }, async (request: IdRequest, reply) => {
    const id = idOr404(request.params.id)
    const org = await read(request, id)
    const { email } = formFields(request.body, ['email'])
    if (email === '') return showInvite(reply, id, org.document.name, { email }, [{ field: 'email', text: 'Enter your colleague’s email address' }])
    const answer = await callApi<{ email: string }>(app, request, 'POST', '/api/invitations', { email, role: 'editor', organization_id: id })
    if (answer.problem) {
      const text =
        answer.status === 400 ? 'Enter an email address in the right format, like name@example.org'
        : answer.status === 429 ? 'You have sent a lot of invitations in a short time. Wait a minute and try again.'
        : (answer.problem.detail ?? answer.problem.title)
      return showInvite(reply, id, org.document.name, { email }, [{ field: 'email', text }])
    }
    // Shown on this answer rather than after a redirect, so the address never travels in a URL.
    return showInvite(reply, id, org.document.name, {}, [], answer.body.email)
  })
}

export default organisationPages
