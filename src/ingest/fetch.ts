/**
 * Fetching a feed page without letting a feed reach inside our network or exhaust us: https
 * only (http when an admin allows it for the source), every address a name resolves to checked
 * against private, loopback, link-local and other non-public ranges at connect time (so a DNS
 * answer cannot change between the check and the connection) and again on every redirect, a
 * limit on redirects, bytes and time, and the content type checked before the body is read.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'

export interface FetchPolicy {
  /** Plain http is allowed (an admin chose it for this source). */
  allowHttp: boolean
  /** Loopback addresses are allowed: tests serving fixtures on 127.0.0.1 only. */
  allowLoopback: boolean
  maxBytes: number
  timeoutMs: number
  maxRedirects: number
}

export const DEFAULT_POLICY: FetchPolicy = {
  allowHttp: false,
  allowLoopback: false,
  maxBytes: 50 * 1024 * 1024,
  timeoutMs: 60_000,
  maxRedirects: 5,
}

/** Why a fetch failed, in words an admin can act on; `status` when the server answered. */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** Seconds the server asked us to wait (Retry-After), when it said. */
    readonly retryAfter?: number,
  ) {
    super(message)
    this.name = 'FetchError'
  }
}

// Addresses no feed may resolve to: RFC 6890 special-purpose ranges (private, shared, loopback,
// link-local, documentation, multicast, reserved) and their IPv6 counterparts.
const BLOCKED = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 128], ['64:ff9b::', 96], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) BLOCKED.addSubnet(net, bits, 'ipv6')
const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

/** Why an address may not be fetched from, or undefined when it may. */
export function refusedAddress(address: string, policy: Pick<FetchPolicy, 'allowLoopback'>): string | undefined {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1, or ::ffff:a00:1 as URLs write it) is judged as
  // the IPv4 address it carries. (Not by a ::ffff:0:0/96 rule: BlockList matches plain IPv4
  // addresses against such a rule, which would refuse every IPv4 address.)
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  if (mapped) return refusedAddress(mapped, policy)
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address)
  if (hex) {
    const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)]
    return refusedAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, policy)
  }
  if (LOOPBACK.check(address, family)) return policy.allowLoopback ? undefined : `${address} is a loopback address`
  if (BLOCKED.check(address, family)) return `${address} is a private, link-local or reserved address`
  return undefined
}

/** dns.lookup, refusing any answer that is not a public address. */
function guardedLookup(policy: FetchPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0)
      for (const a of addresses) {
        const why = refusedAddress(a.address, policy)
        if (why) return callback(Object.assign(new Error(`${hostname} resolves to ${why}`), { code: 'EREFUSEDADDRESS' }), '', 0)
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses)
      callback(null, addresses[0]!.address, addresses[0]!.family)
    })
  }
}

/** A URL we may fetch under the policy, or the reason not. */
export function checkUrl(raw: string, policy: Pick<FetchPolicy, 'allowHttp' | 'allowLoopback'>): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new FetchError(`${raw.slice(0, 200)} is not a URL`)
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new FetchError(`${url.protocol.slice(0, -1)} is not allowed: feeds are fetched over https${policy.allowHttp ? ' or http' : ''}`)
  }
  if (url.username || url.password) throw new FetchError('A feed URL may not carry a user name or password')
  // A literal address is checked here; a name is checked when it resolves.
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host)) {
    const why = refusedAddress(host, policy)
    if (why) throw new FetchError(`${url.host} is refused: ${why}`)
  }
  return url
}

export interface Fetched {
  url: string
  status: number
  body: Buffer
  contentType: string
}

/** One GET, no redirects followed. */
function getOnce(url: URL, policy: FetchPolicy, accept: string, signal: AbortSignal): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http
    const request = client.get(url, { headers: { accept, 'user-agent': 'Connector-ingest/1 (+https://openreferraluk.org)' }, lookup: guardedLookup(policy), signal }, (response) => {
      const status = response.statusCode ?? 0
      const declared = Number(response.headers['content-length'])
      if (Number.isFinite(declared) && declared > policy.maxBytes) {
        response.destroy()
        return reject(new FetchError(`The response is ${declared} bytes, over the limit of ${policy.maxBytes}`, status))
      }
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > policy.maxBytes) {
          response.destroy()
          reject(new FetchError(`The response is over the limit of ${policy.maxBytes} bytes`, status))
        } else chunks.push(chunk)
      })
      response.on('end', () => resolve({ status, headers: response.headers, body: Buffer.concat(chunks) }))
      response.on('error', reject)
    })
    request.on('error', reject)
  })
}

function retryAfterSeconds(header: string | undefined, now: Date): number | undefined {
  if (!header) return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim())
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.round((at - now.getTime()) / 1000))
}

/**
 * GETs a URL under the policy, following up to `maxRedirects` redirects (each checked as the
 * first was), and answers only a 2xx whose content type is one of `types`. Anything else is a
 * FetchError saying why.
 */
export async function safeFetch(raw: string, policy: FetchPolicy, types: readonly string[], now: () => Date = () => new Date()): Promise<Fetched> {
  const signal = AbortSignal.timeout(policy.timeoutMs)
  let url = checkUrl(raw, policy)
  const seen = new Set<string>()
  for (let hop = 0; ; hop++) {
    seen.add(url.href)
    let answer
    try {
      answer = await getOnce(url, policy, types.join(', '), signal)
    } catch (error) {
      if (error instanceof FetchError) throw error
      const e = error as Error & { code?: string }
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new FetchError(`No complete answer from ${url.host} within ${policy.timeoutMs / 1000} s`)
      throw new FetchError(e.code === 'EREFUSEDADDRESS' ? `${url.host} is refused: ${e.message}` : `Could not fetch ${url.href.slice(0, 200)}: ${e.message}`)
    }
    const { status, headers, body } = answer
    if ([301, 302, 303, 307, 308].includes(status)) {
      const location = headers.location
      if (!location) throw new FetchError(`${url.host} answered ${status} without saying where to`, status)
      if (hop >= policy.maxRedirects) throw new FetchError(`More than ${policy.maxRedirects} redirects from ${raw.slice(0, 200)}`, status)
      const next = checkUrl(new URL(location, url).href, policy)
      if (seen.has(next.href)) throw new FetchError(`A redirect loop: ${next.href.slice(0, 200)} redirects back to itself`, status)
      url = next
      continue
    }
    if (status < 200 || status > 299) {
      throw new FetchError(`${url.host} answered ${status}${status === 503 || status === 429 ? ' (busy: try later)' : ''}`, status, retryAfterSeconds(headers['retry-after'] as string | undefined, now()))
    }
    const contentType = String(headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (!types.includes(contentType)) {
      throw new FetchError(`${url.host} sent ${contentType || 'no content type'}, not ${types.join(' or ')}`, status)
    }
    return { url: url.href, status, body, contentType }
  }
}

/** Limits on a parsed JSON document from a feed. */
export const JSON_LIMITS = { maxDepth: 64 }

/**
 * The body as JSON: valid UTF-8 (a feed sending invalid bytes is refused, not silently
 * repaired), no deeper than `maxDepth`. NUL characters are refused later, field by field, by
 * the record's validation.
 */
export function parseJsonBody(fetched: Fetched, limits = JSON_LIMITS): unknown {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(fetched.body)
  } catch {
    throw new FetchError(`${fetched.url.slice(0, 200)} is not valid UTF-8`)
  }
  // Depth is checked on the text before parsing, so a hostile document cannot exhaust the
  // stack: count brackets outside strings.
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > limits.maxDepth) throw new FetchError(`${fetched.url.slice(0, 200)} nests deeper than ${limits.maxDepth} levels`)
    } else if (c === 125 || c === 93) depth--
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new FetchError(`${fetched.url.slice(0, 200)} is not valid JSON: ${(error as Error).message.slice(0, 200)}`)
  }
}
