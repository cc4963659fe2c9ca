/**
 * The web pages' forms as fuzz targets: a person in a browser (signed in as the form's role)
 * opens the page, which gives the form's fields and a CSRF token; the fields are posted back
 * mutated (hostile, tainted, repeated, unknown, dropped), with the token, without it, or with
 * a wrong one. A page must answer below 500, and its errors as pages people can read.
 */
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { formFields, Visitor } from '../web/helper.ts'
import { PASSWORD, type Caller, type FuzzContext, type SignedIn } from './context.ts'
import { judgePage, truncate, type Exchange } from './exchange.ts'
import { encodeComponent, mutatePairs, pairMutation, someMutations, type PairMutation } from './requests.ts'
import type { Target } from './run.ts'

/** A form post: what is done to the fields the page gave, and to the CSRF token. */
export interface FormRequest {
  mutations: PairMutation[]
  csrf: 'valid' | 'missing' | 'wrong'
}

interface Form {
  /** The page the form is on, which it posts to (the pages' own form action). */
  page: string
  /** 'FORM /my-organisation/services/{id}/edit' */
  key: string
  role: Caller
}

/** The fields of a page's form, in order, repeated ones repeated: what a browser submits. */
function fieldPairs(html: string): Array<[string, string]> {
  return Object.entries(formFields(html)).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).flatMap((v): Array<[string, string]> => (v === undefined ? [] : [[name, String(v)]])),
  )
}

/**
 * The forms people fill in, each as its role: signing in and registering, matching a client,
 * reporting a problem, editing an organisation and its listings, inviting, adding an organisation,
 * adding a team.
 * Sign-out is left out: posting it would sign the fuzzer's browser out.
 */
export async function formTargets(app: FastifyInstance, ctx: FuzzContext, exchange: Exchange): Promise<Array<Target<FormRequest>>> {
  const org = ctx.editorOrganization
  const service = ctx.editorService
  const forms: Form[] = [
    { page: '/sign-in', key: 'FORM /sign-in', role: 'anonymous' },
    { page: '/register', key: 'FORM /register', role: 'anonymous' },
    { page: '/password-reset', key: 'FORM /password-reset', role: 'anonymous' },
    { page: '/match', key: 'FORM /match', role: 'link_worker' },
    { page: `/services/${service}/report-problem`, key: 'FORM /services/{id}/report-problem', role: 'link_worker' },
    { page: `/my-organisation/organisations/${org}/edit`, key: 'FORM /my-organisation/organisations/{id}/edit', role: 'editor' },
    { page: `/my-organisation/services/${service}/edit`, key: 'FORM /my-organisation/services/{id}/edit', role: 'editor' },
    { page: `/my-organisation/organisations/${org}/services/new`, key: 'FORM /my-organisation/organisations/{id}/services/new', role: 'editor' },
    { page: `/my-organisation/organisations/${org}/invite`, key: 'FORM /my-organisation/organisations/{id}/invite', role: 'editor' },
    { page: '/admin/organisations/new', key: 'FORM /admin/organisations/new', role: 'admin' },
    { page: '/admin/teams', key: 'FORM /admin/teams', role: 'admin' },
  ]
  // One browser per role, signed in through the sign-in page as a person would be.
  const browsers = new Map<Caller, Visitor>([['anonymous', new Visitor(app)]])
  for (const role of new Set(forms.map((f) => f.role))) {
    if (role === 'anonymous') continue
    const browser = new Visitor(app)
    await browser.signIn(ctx.emails[role as SignedIn], PASSWORD)
    browsers.set(role, browser)
  }

  return forms.map((form) => {
    const browser = browsers.get(form.role)!
    // The page as it is now, its fields and its form's action: opened before every post, so
    // the fields (a listing's version, say) are current.
    const open = async () => {
      const page = await browser.get(form.page)
      if (page.status !== 200) throw new Error(`fuzz: ${form.page} answered ${page.status} to ${form.role}`)
      const action = /<form method="post" action="([^"]+)"/.exec(page.html)?.[1]?.replaceAll('&amp;', '&') ?? form.page
      return { fields: fieldPairs(page.html), action }
    }
    // What the last post sent, for its reproduction (made right after it is sent).
    let sent = ''
    return {
      key: form.key,
      // Each post costs two requests (the page, then the form) and a page to render.
      weight: 2,
      arbitrary: fc.record({
        mutations: someMutations(pairMutation(['_csrf', 'name', 'email', 'description', 'postcode'])),
        csrf: fc.oneof({ arbitrary: fc.constant<FormRequest['csrf']>('valid'), weight: 8 }, { arbitrary: fc.constantFrom<FormRequest['csrf']>('missing', 'wrong'), weight: 1 }),
      }),
      examples: [],
      async send(req) {
        const { fields, action } = await open()
        const token = req.csrf === 'valid' ? browser.csrf : req.csrf === 'wrong' ? 'not-the-token' : undefined
        const pairs = req.mutations.reduce((p, m) => mutatePairs(p, m, fields.map(([name]) => name)), [...(token === undefined ? [] : [['_csrf', token] as [string, string]]), ...fields])
        const payload = pairs.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&')
        sent = `POST ${action} as ${form.role} in a browser (opened ${form.page} first) body ${truncate(payload, 600)}`
        return exchange.send(
          form.key,
          { method: 'POST', url: action, headers: { accept: 'text/html', cookie: browser.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' }, payload },
          judgePage,
        )
      },
      reproduce: () => sent,
    }
  })
}
