/**
 * The admin's pages. /admin: what needs an administrator now: organisations waiting for approval
 * (with the button that approves them), listings nobody has confirmed for STALE_AFTER_DAYS, and
 * problem reports left unresolved for OLD_REPORT_DAYS. /admin/organisations: every organisation,
 * adding one (approved at once, its first editor invited), and each organisation's page with its
 * listings, from which an admin adds and edits listings for it with the editors' own forms.
 * /admin/teams: link workers' teams (a primary care network or a service), each link worker's
 * team, and inviting a link worker into a team.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { ServiceSummary } from '../../directory/schemas.ts'
import { staleListings } from '../../freshness/freshness.ts'
import { OLD_REPORT_DAYS, type Report } from '../../manage/problems.ts'
import type { OrganizationDocument } from '../../manage/schemas.ts'
import { INVITATION_DAYS } from '../../auth/invitations.ts'
import { readOrganization } from '../../manage/store.ts'
import { NotFound } from '../../problem.ts'
import { LinkWorkerSchema, PcnSchema, TeamCreateSchema, TeamSchema } from '../../referrals/schemas.ts'
import { STALE_AFTER_DAYS } from '../../search/postgres.ts'
import { callApi, fieldProblems, formErrors, formFields, idOr404, maxLengthAt, readForm, type FieldProblem } from '../api.ts'
import { label } from '../labels.ts'
import { ORG_FIELDS, orgDocument, orgFieldProblem, orgFormPage, type OrgForm } from '../organisation/organisation.ts'
import { freshnessTag } from '../present.ts'
import { IdSchema } from '../../id.ts'

const DAY = 86_400_000
export const STALE_PER_PAGE = 25

interface Pending {
  id: string
  name: string
  email: string | null
  website: string | null
  charity_number: string | null
  services: number
}

/** One organisation as GET /api/admin/organizations lists it. */
interface OrganisationRow {
  id: string
  name: string
  moderation: 'pending' | 'approved'
  local_authority: { code: string; name: string } | null
  services: number
}

/** The success banners an organisation's admin page may show: a fixed set, so no text from the URL is ever shown. */
const DONE = ['added', 'added-invited', 'saved', 'listing-saved', 'created'] as const
const OrganisationQuery = z.object({ done: z.enum(DONE).optional().catch(undefined), id: IdSchema.optional().catch(undefined) })

const EDITOR_EMAIL_FORMAT = 'Enter the editor’s email address in the right format, like name@example.org'

/** The admin's "add an organisation" form's complaint for each pointer of POST /api/admin/organizations. */
function newOrganisationProblem(form: OrgForm) {
  const field = orgFieldProblem(form)
  return (pointer: string): FieldProblem | undefined =>
    pointer === '/editor_email' ? { field: 'editor_email', text: EDITOR_EMAIL_FORMAT }
    : pointer.startsWith('/organization/') ? field(pointer.slice('/organization'.length))
    : undefined
}

/** Every listing of an organisation, whatever its status, from the directory API a page of 100 at a time. */
async function listingsOf(app: FastifyInstance, request: FastifyRequest, id: string): Promise<ServiceSummary[]> {
  const listings: ServiceSummary[] = []
  for (let page = 1; ; page++) {
    const { body } = await callApi<{ total: number; items: ServiceSummary[] }>(app, request, 'GET', `/api/services?organization_id=${id}&per_page=100&page=${page}`)
    listings.push(...body.items)
    if (body.items.length === 0 || listings.length >= body.total) return listings
  }
}

/** A team and a link worker as GET /api/admin/teams and /api/admin/link-workers list them. */
type TeamRow = z.infer<typeof TeamSchema>
type PcnRow = z.infer<typeof PcnSchema>
type LinkWorkerRow = z.infer<typeof LinkWorkerSchema>

const TEAM_NAME_MAX = maxLengthAt(TeamCreateSchema, 'name')

/** The teams page's success banners: a fixed set, naming only what the ids find. */
const TEAMS_DONE = ['team-added', 'team-set', 'pcn-set'] as const
const TeamsQuery = z.object({ done: z.enum(TEAMS_DONE).optional().catch(undefined), id: IdSchema.optional().catch(undefined) })

const AdminQuery = z.object({
  stale_page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
  approved: IdSchema.optional().catch(undefined),
  published: z.coerce.number().int().min(0).optional().catch(undefined),
})

const adminPages: FastifyPluginAsync = async (app) => {
  app.get('/admin', { preHandler: app.authorize('admin'), schema: { hide: true } }, async (request, reply) => {
    const query = readForm(AdminQuery, request.query)
    const now = app.now()
    const pending = (await callApi<Pending[]>(app, request, 'GET', '/api/admin/organizations/pending')).body
    const reports = (await callApi<Report[]>(app, request, 'GET', '/api/admin/problems')).body.map((r) => ({
      ...r,
      kindText: label(r.kind, 'problem_kind'),
      ageDays: Math.floor((now.getTime() - new Date(r.created_at).getTime()) / DAY),
    }))
    const stale = await staleListings(app.db, now, { limit: STALE_PER_PAGE, offset: (query.stale_page - 1) * STALE_PER_PAGE })
    const pages = Math.max(1, Math.ceil(stale.total / STALE_PER_PAGE))
    let approved: { name: string; published: number } | undefined
    if (query.approved) {
      const organization = await readOrganization(app.db, query.approved)
      if (organization) approved = { name: organization.document.name, published: query.published ?? 0 }
    }
    return reply.page('admin/admin.njk', {
      title: 'Admin',
      approved,
      pending,
      reports,
      oldReportDays: OLD_REPORT_DAYS,
      staleAfterDays: STALE_AFTER_DAYS,
      stale: {
        total: stale.total,
        rows: stale.rows.map((s) => ({ ...s, ageDays: s.verified_at ? Math.floor((now.getTime() - new Date(s.verified_at).getTime()) / DAY) : null })),
        page: Math.min(query.stale_page, pages),
        pages,
        from: stale.rows.length ? (query.stale_page - 1) * STALE_PER_PAGE + 1 : 0,
        to: (query.stale_page - 1) * STALE_PER_PAGE + stale.rows.length,
      },
    })
  })

  const admins = { preHandler: app.authorize('admin'), schema: { hide: true } }

  app.get('/admin/organisations', admins, async (request, reply) => {
    const organisations = (await callApi<OrganisationRow[]>(app, request, 'GET', '/api/admin/organizations')).body
    return reply.page('admin/admin-organisations.njk', { title: 'Organisations', organisations })
  })

  const showNew = async (reply: FastifyReply, values: OrgForm & { editor_email: string }, problems: FieldProblem[] = []) =>
    reply.code(problems.length ? 422 : 200).page('admin/admin-organisation-new.njk', {
      title: 'Add an organisation',
      ...(await orgFormPage(app, values)),
      editorEmail: values.editor_email,
      ...formErrors(problems),
    })

  app.get('/admin/organisations/new', admins, async (_request, reply) =>
    showNew(reply, { ...(Object.fromEntries(ORG_FIELDS.map((f) => [f, ''])) as OrgForm), editor_email: '' }),
  )

  app.post('/admin/organisations/new', admins, async (request, reply) => {
    const form = formFields(request.body, ORG_FIELDS)
    const { editor_email: email } = formFields(request.body, ['editor_email'])
    const answer = await callApi<{ id: string }>(app, request, 'POST', '/api/admin/organizations', {
      organization: orgDocument(form),
      ...(email ? { editor_email: email } : {}),
    })
    if (answer.problem) return showNew(reply, { ...form, editor_email: email }, fieldProblems(answer.problem, newOrganisationProblem(form), 'name'))
    return reply.redirect(`/admin/organisations/${answer.body.id}?done=${email ? 'added-invited' : 'added'}&id=${answer.body.id}`, 303)
  })

  app.get('/admin/organisations/:id', admins, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const id = IdSchema.safeParse(request.params.id)
    const row = id.success ? (await callApi<OrganisationRow[]>(app, request, 'GET', '/api/admin/organizations')).body.find((o) => o.id === id.data) : undefined
    if (!row) throw new NotFound('There is no organisation at this address.')
    const [organisation, listings] = await Promise.all([
      callApi<{ version: number; document: OrganizationDocument }>(app, request, 'GET', `/api/manage/organizations/${row.id}`),
      listingsOf(app, request, row.id),
    ])
    const query = readForm(OrganisationQuery, request.query)
    const now = app.now()
    const listing = listings.find((l) => l.id === query.id)
    const banner: Record<(typeof DONE)[number], string> = {
      added: `${row.name} is added and approved. Add its listings below.`,
      'added-invited': `${row.name} is added and approved, and its editor has been emailed an invitation. Add its listings below, or leave them to the editor.`,
      saved: `${row.name}’s details are saved.`,
      'listing-saved': listing ? `Your changes to ${listing.name} are saved.` : 'Your changes to the listing are saved.',
      created: listing ? `${listing.name} is added to ${row.name}’s listings.` : 'The listing is added.',
    }
    return reply.page('admin/admin-organisation.njk', {
      title: row.name,
      organisation: { ...row, document: organisation.body.document },
      banner: query.done ? banner[query.done] : undefined,
      listings: listings.map((l) => ({ ...l, freshness: freshnessTag(l.verified_at, now) })),
    })
  })

  registerTeamPages(app)

  app.post(
    '/admin/organisations/:id/approve',
    { preHandler: app.authorize('admin'), schema: { hide: true } },
    async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const id = idOr404(request.params.id, 'There is no organisation waiting for approval at this address.')
      // A second click (or another admin first) finds nothing pending: the page says it is done.
      const answer = await callApi<{ id: string; services_published: number }>(app, request, 'POST', `/api/admin/organizations/${id}/approve`, undefined, {}, [404])
      if (answer.status === 404) return reply.redirect('/admin', 303)
      return reply.redirect(`/admin?approved=${answer.body.id}&published=${answer.body.services_published}`, 303)
    },
  )
}

/** What the teams page shows again after a refused form: the values sent and the complaints. */
interface TeamsForm {
  teamName?: string
  teamPcn?: string
  invite?: { email: string; team_id: string }
  sentTo?: string
  problems?: FieldProblem[]
  status?: number
}

function registerTeamPages(app: FastifyInstance) {
  const admins = { preHandler: app.authorize('admin'), schema: { hide: true } }

  const showTeams = async (request: FastifyRequest, reply: FastifyReply, form: TeamsForm = {}) => {
    const [teams, workers, pcns] = await Promise.all([
      callApi<TeamRow[]>(app, request, 'GET', '/api/admin/teams'),
      callApi<LinkWorkerRow[]>(app, request, 'GET', '/api/admin/link-workers'),
      callApi<PcnRow[]>(app, request, 'GET', '/api/admin/pcns'),
    ])
    const query = readForm(TeamsQuery, request.query)
    const team = teams.body.find((x) => x.id === query.id)
    const worker = workers.body.find((w) => w.id === query.id)
    const banner =
      query.done === 'team-added' ? (team ? `${team.name} is added. Put link workers in it below, or invite them.` : 'The team is added.')
      : query.done === 'pcn-set' ? (team ? (team.pcn ? `${team.name} now serves ${team.pcn.name}.` : `${team.name} now serves no primary care network.`) : 'The team’s primary care network is changed.')
      : query.done === 'team-set' ? (worker ? (worker.team ? `${worker.email} is now in ${worker.team.name}.` : `${worker.email} is now in no team.`) : 'The link worker’s team is changed.')
      : form.sentTo ? `Invitation sent to ${form.sentTo}`
      : undefined
    const options = (chosen: string | undefined, none: string) => [
      { value: '', text: none, selected: !chosen },
      ...teams.body.map((x) => ({ value: x.id, text: x.name, selected: x.id === chosen })),
    ]
    const pcnOptions = (chosen: string | undefined) => [
      { value: '', text: 'No primary care network', selected: !chosen },
      ...pcns.body.map((p) => ({ value: p.code, text: `${p.name} (${p.code})`, selected: p.code === chosen })),
    ]
    return reply.code(form.status ?? (form.problems?.length ? 422 : 200)).page('admin/admin-teams.njk', {
      title: 'Link workers’ teams',
      banner,
      teams: teams.body.map((x) => ({ ...x, pcnOptions: pcnOptions(x.pcn?.code) })),
      newTeamPcns: pcnOptions(form.teamPcn),
      pcnsHeld: pcns.body.length,
      workers: workers.body.map((w) => ({ ...w, options: options(w.team?.id, 'No team') })),
      teamName: form.teamName ?? '',
      teamNameMax: TEAM_NAME_MAX,
      invite: { email: form.invite?.email ?? '', options: options(form.invite?.team_id, 'Choose a team') },
      invitationDays: INVITATION_DAYS,
      ...formErrors(form.problems ?? []),
    })
  }

  app.get('/admin/teams', admins, async (request, reply) => showTeams(request, reply))

  app.post('/admin/teams', admins, async (request, reply) => {
    const { name, pcn_code: pcn } = formFields(request.body, ['name', 'pcn_code'])
    const refuse = (text: string, status?: number, field = 'team-name') => showTeams(request, reply, { teamName: name, teamPcn: pcn, problems: [{ field, text }], status })
    if (name === '') return refuse('Enter the team’s name')
    if (name.length > TEAM_NAME_MAX) return refuse(`Team name must be ${TEAM_NAME_MAX} characters or fewer`)
    const answer = await callApi<TeamRow>(app, request, 'POST', '/api/admin/teams', { name, ...(pcn ? { pcn_code: pcn } : {}) })
    if (answer.status === 409) return refuse('A team already has this name: choose another, or use that team', 409)
    if (answer.status === 422 && answer.problem?.errors?.some((e) => e.pointer === '/pcn_code')) return refuse('Choose a primary care network from the list', undefined, 'team-pcn')
    if (answer.problem) return refuse(answer.problem.detail ?? answer.problem.title)
    return reply.redirect(`/admin/teams?done=team-added&id=${answer.body.id}`, 303)
  })

  app.post('/admin/teams/:id/pcn', admins, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const id = idOr404(request.params.id, 'There is no team at this address.')
    const { pcn_code: pcn } = formFields(request.body, ['pcn_code'])
    const answer = await callApi<TeamRow>(app, request, 'PUT', `/api/admin/teams/${id}/pcn`, { pcn_code: pcn === '' ? null : pcn })
    if (answer.status === 404) throw new NotFound('There is no team at this address.')
    if (answer.problem) return showTeams(request, reply, { problems: [{ field: `pcn-${id}`, text: 'Choose a primary care network from the list' }] })
    return reply.redirect(`/admin/teams?done=pcn-set&id=${id}`, 303)
  })

  app.post('/admin/link-workers/:id/team', admins, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const id = idOr404(request.params.id, 'There is no link worker at this address.')
    const { team_id: chosen } = formFields(request.body, ['team_id'])
    const team = chosen === '' ? null : IdSchema.safeParse(chosen).data
    const refuse = (text: string) => showTeams(request, reply, { problems: [{ field: `team-${id}`, text }] })
    if (team === undefined) return refuse('Choose a team from the list')
    const answer = await callApi(app, request, 'PUT', `/api/admin/accounts/${id}/team`, { team_id: team })
    if (answer.problem) return refuse(answer.status === 422 && answer.problem.errors?.some((e) => e.pointer === '/team_id') ? 'Choose a team from the list' : (answer.problem.detail ?? answer.problem.title))
    return reply.redirect(`/admin/teams?done=team-set&id=${id}`, 303)
  })

  app.post('/admin/teams/invite', admins, async (request, reply) => {
    const invite = formFields(request.body, ['email', 'team_id'])
    const problems: FieldProblem[] = []
    if (invite.email === '') problems.push({ field: 'invite-email', text: 'Enter the link worker’s email address' })
    const team = IdSchema.safeParse(invite.team_id).data
    if (!team) problems.push({ field: 'invite-team', text: 'Choose the team the link worker works in' })
    if (problems.length || !team) return showTeams(request, reply, { invite, problems })
    const answer = await callApi<{ email: string }>(app, request, 'POST', '/api/invitations', { email: invite.email, role: 'link_worker', team_id: team })
    if (answer.problem) {
      const problem =
        answer.status === 400 ? { field: 'invite-email', text: 'Enter an email address in the right format, like name@example.org' }
        : answer.status === 429 ? { field: 'invite-email', text: 'You have sent a lot of invitations in a short time. Wait a minute and try again.' }
        : answer.status === 422 && answer.problem.errors?.some((e) => e.pointer === '/team_id') ? { field: 'invite-team', text: 'Choose the team the link worker works in' }
        : { field: 'invite-email', text: answer.problem.detail ?? answer.problem.title }
      return showTeams(request, reply, { invite, problems: [problem] })
    }
    // Shown on this answer rather than after a redirect, so the address never travels in a URL.
    return showTeams(request, reply, { sentTo: answer.body.email })
  })
}

export default adminPages
