/**
 * A person in a browser, for inject-level page tests: keeps cookies (session and CSRF secret),
 * reads each form's CSRF token from the page it was served on, and posts forms url-encoded.
 */
import type { FastifyInstance } from 'fastify'

export type FormValue = string | number | boolean | undefined | Array<string | number>

export interface PageAnswer {
  status: number
  html: string
  location: string | undefined
  headers: Record<string, unknown>
}

export class Visitor {
  private readonly cookies = new Map<string, string>()
  /** The CSRF token of the last page served (every page carries one). */
  csrf = ''

  constructor(private readonly app: FastifyInstance) {}

  private keep(setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const [pair] = line.split(';')
      const at = pair!.indexOf('=')
      const name = pair!.slice(0, at).trim()
      const value = pair!.slice(at + 1).trim()
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name)
  }

  private answer(res: Awaited<ReturnType<FastifyInstance['inject']>>): PageAnswer {
    this.keep(res.headers['set-cookie'] as string | string[] | undefined)
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body) ?? /_csrf=([^"&]+)/.exec(res.body)
    if (token) this.csrf = decodeURIComponent(token[1]!)
    return { status: res.statusCode, html: res.body, location: res.headers.location as string | undefined, headers: res.headers }
  }

  async get(url: string): Promise<PageAnswer> {
    return this.answer(await this.app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie: this.cookieHeader } }))
  }

  /** Posts a form with the current CSRF token (unless the form gives its own `_csrf`). */
  async post(url: string, form: Record<string, FormValue> = {}): Promise<PageAnswer> {
    const body = new URLSearchParams()
    for (const [k, v] of Object.entries({ _csrf: this.csrf, ...form })) {
      if (v === undefined) continue
      for (const x of Array.isArray(v) ? v : [v]) body.append(k, String(x))
    }
    return this.answer(
      await this.app.inject({
        method: 'POST',
        url,
        headers: { accept: 'text/html', cookie: this.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
        payload: body.toString(),
      }),
    )
  }

  /** Posts a multipart form, as a browser sends a form with a file input, with the current CSRF token. */
  async postFile(url: string, form: Record<string, string>, file: { field: string; filename: string; content: string | Buffer }): Promise<PageAnswer> {
    const boundary = '----ConnectorTestBoundary7MA4YWxkTrZu0gW'
    const parts: Buffer[] = []
    for (const [k, v] of Object.entries({ _csrf: this.csrf, ...form })) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: text/csv\r\n\r\n`), Buffer.from(file.content), Buffer.from(`\r\n--${boundary}--\r\n`))
    return this.answer(
      await this.app.inject({
        method: 'POST',
        url,
        headers: { accept: 'text/html', cookie: this.cookieHeader, 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: Buffer.concat(parts),
      }),
    )
  }

  /** Signs in through the sign-in page; returns where it sent them. */
  async signIn(email: string, password: string): Promise<string | undefined> {
    await this.get('/sign-in')
    const res = await this.post('/sign-in', { email, password })
    if (res.status !== 303) throw new Error(`sign-in as ${email} answered ${res.status}`)
    return res.location
  }
}

/** The text of the NHS error summary's links, in order (empty when there is none). */
export function errorSummary(html: string): string[] {
  const summary = /nhsuk-error-summary__list[\s\S]*?<\/ul>/.exec(html)?.[0] ?? ''
  return [...summary.matchAll(/<a href="#([^"]+)"[^>]*>\s*([\s\S]*?)\s*<\/a>/g)].map((m) => `${m[1]}: ${m[2]!.trim()}`)
}

/** Text with tags stripped and whitespace collapsed, for asserting on what a person reads. */
export function text(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim()
}

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
const attrs = (s: string) => Object.fromEntries([...s.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((m) => [m[1]!, m[2] === undefined ? true : decode(m[2])]))

/** What a browser would submit for the page's (first POST) form: text, ticked boxes, chosen options. */
export function formFields(html: string): Record<string, FormValue> {
  const form = /<form method="post"[\s\S]*?<\/form>/.exec(html)![0]
  const pairs: Array<[string, string]> = []
  for (const m of form.matchAll(/<input\b([^>]*)>|<textarea\b([^>]*)>([\s\S]*?)<\/textarea>|<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    if (m[1] !== undefined) {
      const a = attrs(m[1])
      if (typeof a.name !== 'string') continue
      if ((a.type === 'checkbox' || a.type === 'radio') && !a.checked) continue
      pairs.push([a.name, typeof a.value === 'string' ? a.value : ''])
    } else if (m[2] !== undefined) {
      pairs.push([attrs(m[2]).name as string, decode(m[3]!)])
    } else {
      const chosen = [...m[5]!.matchAll(/<option\b([^>]*)>/g)].map((o) => attrs(o[1]!)).find((o) => o.selected)
      pairs.push([attrs(m[4]!).name as string, typeof chosen?.value === 'string' ? chosen.value : ''])
    }
  }
  const out: Record<string, FormValue> = {}
  for (const [k, v] of pairs) {
    const had = out[k]
    out[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [String(had)]), v]
  }
  return out
}

/** Jane (the persona of test/match/routes.test.ts) as the match form asks about her: housebound, 45, wanting befriending or peer support one to one. */
export const janeForm = (postcode: string): Record<string, FormValue> => ({
  postcode,
  travel: 'housebound',
  terms: ['befriending', 'peer-support'],
  group_size: 'one_to_one',
  audiences: 'mental_health',
  accompanied_first_visit: 'no',
  cost: 'any',
  age: '45',
  gender: 'woman',
})
