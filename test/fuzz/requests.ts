/**
 * Requests generated from the service's own OpenAPI document: for each operation, path
 * parameters (real ids of the right kind, others' ids, and bad ones), query parameters from
 * their schemas (valid, hostile, repeated, unknown), bodies from the request body schema or
 * from real documents (valid, then mutated), wrong content types and malformed JSON, sent
 * anonymously or as each role. A request is plain data, so fast-check prints and shrinks it.
 */
import fc from 'fast-check'
import { CALLERS, type Caller, type Example, type FuzzContext } from './context.ts'
import { applyMutations, hostileString, hostileValue, mutation, PROTOTYPE_KEYS, taint, TAINTS, withOwn } from './hostile.ts'
import { arbitraryFor, type JsonSchema } from './schema-arbitrary.ts'

/** The parts of an OpenAPI 3.1 document the generator reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>
}

interface OpenApiOperation {
  parameters?: Array<{ in: 'path' | 'query' | 'header' | 'cookie'; name: string; required?: boolean; schema: JsonSchema }>
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> }
}

export interface Operation {
  /** 'PUT /api/manage/services/{id}' */
  key: string
  method: string
  path: string
  pathParams: Array<{ name: string; schema: JsonSchema }>
  query: Array<{ name: string; schema: JsonSchema; required: boolean }>
  body?: JsonSchema
}

/** Every operation of the document, in its order. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const params = op.parameters ?? []
      return {
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema, required: p.required ?? false })),
        body: op.requestBody?.content['application/json']?.schema,
      }
    }),
  )
}

/** How the caller shows who they are: or fails to. */
export type Credential = 'none' | 'token' | 'session' | 'bad-token' | 'malformed-authorization' | 'bad-cookie'

export type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; text: string }

export interface FuzzRequest {
  operation: string
  caller: Caller
  credential: Credential
  method: string
  /** Each path parameter as raw URL text (already percent-encoded, or deliberately not). */
  pathParams: Record<string, string>
  /** Decoded name/value pairs, in order (repeats allowed); encoded when sent. */
  query: Array<[string, string]>
  /** Appended to the query as is: malformed escapes and the like. */
  rawQuery: string
  /** accept, content-type, if-match ('current': the version the record has when sent). */
  headers: Record<string, string>
  body: Body
  remoteAddress: string
}

/**
 * Percent-encodes a string for a URL, lone surrogates included: encodeURIComponent throws on
 * them, so they are written as the three bytes WTF-8 gives them (invalid UTF-8, as a careless
 * client would send).
 */
export function encodeComponent(s: string): string {
  let out = ''
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
    } else {
      out += encodeURIComponent(ch)
    }
  }
  return out
}

/** Path segments that are not ids: NUL, encoded slashes and dots, broken escapes, over-long. */
const BAD_SEGMENTS = [
  'abc', '1', '-1', '0', 'null', 'undefined', '{id}', '%20', '%00', 'abc%00', '%2F', '..%2F..%2Fhealth', '%2e%2e', '%', '%zz', '%E0%A4%A',
  '%C0%AF', '%ED%A0%80', 'caf%C3%A9', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '00000000-0000-0000-0000-000000000001', 'urn:uuid:3f1c2e4a-9b7d-4e2f-8a1b-2c3d4e5f6a7b', '99999999999999999999', '1.5',
]

/** A path parameter: mostly a real id of the kind the path names, sometimes another kind's, or a bad one. */
function pathParamArbitrary(collection: string | undefined, schema: JsonSchema, ctx: FuzzContext): fc.Arbitrary<string> {
  const own = (collection && ctx.ids[collection]) || []
  const all = Object.values(ctx.ids).flat()
  const real = own.length > 0 ? fc.constantFrom(...own) : fc.constantFrom(...all)
  // A parameter that is not an id (a version number): values from its own schema, and numbers
  // past what a database column holds.
  if (schema.format !== 'uuid') {
    return fc.oneof(
      { arbitrary: arbitraryFor(schema, { hints: ctx.hints }).map((v) => encodeComponent(String(v))), weight: 6 },
      { arbitrary: fc.constantFrom('0', '-1', '1.5', '2147483648', '99999999999', '1e400', '9007199254740993'), weight: 3 },
      { arbitrary: fc.constantFrom(...BAD_SEGMENTS), weight: 1 },
      { arbitrary: hostileString.map(encodeComponent), weight: 1 },
    )
  }
  return fc.oneof(
    { arbitrary: real.map(encodeComponent), weight: 14 },
    { arbitrary: fc.constantFrom(...all).map(encodeComponent), weight: 1 },
    { arbitrary: real.map((id) => encodeComponent(id.toUpperCase())), weight: 2 },
    { arbitrary: fc.uuid().map(String), weight: 1 },
    { arbitrary: fc.constantFrom(...BAD_SEGMENTS), weight: 3 },
    { arbitrary: fc.tuple(real, fc.constantFrom('%00', '%20', '.', '%2F', 'x', '%ED%A0%80')).map(([id, s]) => encodeComponent(id) + s), weight: 1 },
    { arbitrary: fc.constantFrom(101, 1_000, 5_000, 70_000).map((n) => 'a'.repeat(n)), weight: 1 },
    { arbitrary: hostileString.map(encodeComponent), weight: 1 },
  )
}

/** The word before a path parameter names what it is: /services/{id} is a service. */
function collectionOf(path: string, param: string): string | undefined {
  const segments = path.split('/')
  const at = segments.indexOf(`{${param}}`)
  return at > 0 ? segments[at - 1] : undefined
}

/** A value as query text: arrays as repeated pairs or one comma-joined pair, objects as JSON. */
function queryPairs(name: string, value: unknown, joinArrays: boolean): Array<[string, string]> {
  if (Array.isArray(value)) return joinArrays ? [[name, value.map(String).join(',')]] : value.map((v) => [name, typeof v === 'object' ? JSON.stringify(v) : String(v)])
  if (value === null || value === undefined) return [[name, '']]
  return [[name, typeof value === 'object' ? JSON.stringify(value) : String(value)]]
}

/** Query strings appended raw: broken escapes, empty pairs, a flood of parameters. */
const RAW_QUERIES = ['&%', '&q=%zz', '&%00=1', '&=', '&&&', '&page=%E0%A4%A', '&per_page=%ED%A0%80', '&a=b=c', `&${'x=1&'.repeat(2_000)}`, '#fragment', ';a=1', '&a[b]=1&a[c]=2', '&__proto__[x]=1']

/** What a mutation of name/value pairs (a query, a form) does: a hostile or tainted value, a name again, an unknown name, one dropped. */
export interface PairMutation {
  kind: 'hostile' | 'taint' | 'repeat' | 'unknown' | 'drop'
  /** Which pair (modulo how many there are). */
  index: number
  key: string
  value: string
  taint: string
}

type Pairs = Array<[string, string]>

/** Mutations of pairs whose declared names are `names`: unknown ones are prototype keys and oddities. */
export function pairMutation(names: readonly string[]): fc.Arbitrary<PairMutation> {
  return fc.record({
    kind: fc.constantFrom<PairMutation['kind']>('hostile', 'hostile', 'taint', 'taint', 'repeat', 'unknown', 'drop'),
    index: fc.nat({ max: 30 }),
    key: fc.constantFrom(...names, ...PROTOTYPE_KEYS, 'unknown', 'a[b]', 'a[]', '', '\u0000', '\ud800'),
    value: fc.oneof(
      { arbitrary: hostileString, weight: 3 },
      { arbitrary: hostileValue.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))), weight: 1 },
      { arbitrary: fc.constantFrom('1', 'true', 'x', ''), weight: 1 },
    ),
    taint: fc.constantFrom(...TAINTS),
  })
}

/** `pairs` with the mutation applied; `declared` names what a mutation of no pair at all adds. */
export function mutatePairs(pairs: Pairs, m: PairMutation, declared: readonly string[]): Pairs {
  const at = pairs.length === 0 ? -1 : m.index % pairs.length
  const name = declared.length === 0 ? m.key : declared[m.index % declared.length]!
  switch (m.kind) {
    case 'hostile':
      return at < 0 ? [[name, m.value]] : pairs.map((p, i): [string, string] => (i === at ? [p[0], m.value] : p))
    case 'taint':
      return at < 0 ? [[name, m.taint]] : pairs.map((p, i): [string, string] => (i === at ? [p[0], taint(p[1], m.taint, m.index)] : p))
    case 'repeat':
      return at < 0 ? [[name, m.value], [name, m.value]] : [...pairs, [pairs[at]![0], m.value]]
    case 'unknown':
      return [...pairs, [m.key, m.value]]
    case 'drop':
      return pairs.filter((_, i) => i !== at)
  }
}

/** Nothing, or one to three mutations: half the requests keep their valid values, and shrinking can drop the rest. */
export const someMutations = (m: fc.Arbitrary<PairMutation>) =>
  fc.oneof({ arbitrary: fc.constant<PairMutation[]>([]), weight: 1 }, { arbitrary: fc.array(m, { minLength: 1, maxLength: 3 }), weight: 1 })

/**
 * Query parameters: valid values for some of the declared ones (from their schemas and the
 * hints) or an example query, then, for half the requests, up to three mutations.
 */
function queryArbitrary(op: Operation, ctx: FuzzContext): fc.Arbitrary<Pick<FuzzRequest, 'query' | 'rawQuery'>> {
  const queries = (ctx.examples[op.key] ?? []).flatMap((e) => (e.query ? [e.query] : []))
  const params = op.query.map((p) => {
    const valid = fc.tuple(arbitraryFor(p.schema, { hints: ctx.hints, name: p.name }), fc.boolean()).map(([v, join]) => queryPairs(p.name, v, join))
    return fc.oneof({ arbitrary: fc.constant<Pairs>([]), weight: p.required ? 1 : 3 }, { arbitrary: valid, weight: 2 })
  })
  const names = op.query.map((p) => p.name)
  const fromSchema = fc.tuple(...params).map((p) => p.flat())
  return fc
    .record({
      params: queries.length === 0 ? fromSchema : fc.oneof({ arbitrary: fromSchema, weight: 1 }, { arbitrary: fc.constantFrom(...queries), weight: 2 }),
      mutations: someMutations(pairMutation(names)),
      rawQuery: fc.oneof({ arbitrary: fc.constant(''), weight: 12 }, { arbitrary: fc.constantFrom(...RAW_QUERIES), weight: 1 }),
    })
    .map(({ params: p, mutations, rawQuery }) => ({ query: mutations.reduce((q, m) => mutatePairs(q, m, names), p), rawQuery }))
}

/** Text that is not the JSON it claims to be, or is JSON of a strange shape. */
const MALFORMED_JSON = [
  '', '{', '{"a":', '{"name": "x",}', "{'name': 'x'}", '\u0000', 'null', '[]', '"text"', '1e999999', 'NaN', '{"a": undefined}',
  '\ufeff{}', '{"name":"a","name":"b"}', '{"__proto__": {"x": 1}}', '{"constructor": {"prototype": {"x": 1}}}', '{"a":"\\ud800"}',
  '{"a":"\\u0000"}', '['.repeat(100_000), `{"a":"${'x'.repeat(200_000)}"}`, 'true', '{"a":1}garbage', '\n\n\n',
]

/** Content types a client might send instead of application/json, and some no client should. */
const CONTENT_TYPES = [
  'application/json; charset=utf-8', 'application/JSON', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'text/plain',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/problem+json', 'application/vnd.api+json', '*/*',
  'application/json;;', 'application', '', 'application/json, text/plain',
]

interface BodyChoice {
  body: Body
  /** Path parameters to use with this body (an example document's own id). */
  params?: Record<string, string>
  contentType: string | undefined
}

function bodyArbitrary(op: Operation, ctx: FuzzContext): fc.Arbitrary<BodyChoice> {
  const json = (value: unknown): Body => ({ kind: 'json', value })
  const contentType = fc.oneof(
    { arbitrary: fc.constant<string | undefined>('application/json'), weight: 14 },
    { arbitrary: fc.constantFrom<string | undefined>(undefined, ...CONTENT_TYPES), weight: 1 },
  )
  const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 })
  const malformed = fc.constantFrom(...MALFORMED_JSON).map((text): Body => ({ kind: 'raw', text }))
  if (!op.body) {
    // An operation that takes no body may still be sent one.
    const body = fc.oneof(
      { arbitrary: fc.constant<Body>({ kind: 'none' }), weight: 12 },
      { arbitrary: hostileValue.map(json), weight: 1 },
      { arbitrary: malformed, weight: 1 },
    )
    return fc.record({ body, contentType: fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: contentType, weight: 1 }) })
  }
  const schema = arbitraryFor(op.body, { hints: ctx.hints })
  // One NUL or lone surrogate slipped into a valid body: the mutation most likely to reach the database.
  const tainting = mutation.map((m) => ({ ...m, kind: 'taint' as const }))
  const examples: Example[] = ctx.examples[op.key] ?? []
  const choices: Array<fc.WeightedArbitrary<Omit<BodyChoice, 'contentType'>>> = [
    { arbitrary: schema.map((v) => ({ body: json(v) })), weight: 2 },
    { arbitrary: fc.tuple(schema, tainting).map(([v, m]) => ({ body: json(applyMutations(v, [m])) })), weight: 2 },
    { arbitrary: fc.tuple(schema, mutations).map(([v, m]) => ({ body: json(applyMutations(v, m)) })), weight: 3 },
    { arbitrary: hostileValue.map((v) => ({ body: json(v) })), weight: 1 },
    { arbitrary: malformed.map((body) => ({ body })), weight: 1 },
    { arbitrary: fc.constant({ body: { kind: 'none' } as Body }), weight: 1 },
  ]
  if (examples.length > 0) {
    // Real documents, with their own ids in the path: as sent, with one taint, or mutated.
    const example = fc.constantFrom(...examples)
    const own = (e: Example, body: unknown) => ({ body: json(body), params: e.params })
    choices.push(
      { arbitrary: example.map((e) => own(e, e.body)), weight: 3 },
      { arbitrary: fc.tuple(example, tainting).map(([e, m]) => own(e, applyMutations(e.body, [m]))), weight: 4 },
      { arbitrary: fc.tuple(example, mutations).map(([e, m]) => own(e, applyMutations(e.body, m))), weight: 3 },
    )
  }
  return fc.record({ choice: fc.oneof(...choices), contentType }).map(({ choice, contentType: ct }) => ({ ...choice, contentType: ct }))
}

const SIGNED_IN = CALLERS.filter((c) => c !== 'anonymous')

/** Who sends it: anyone for most operations; admins and editors more often where only they get through. */
function whoArbitrary(op: Operation): fc.Arbitrary<{ caller: Caller; credential: Credential }> {
  const privileged = /\/(manage|admin)\/|\/invitations$/.test(op.path)
  const as = (caller: Caller, credential: Credential) => ({ caller, credential })
  return fc.oneof(
    { arbitrary: fc.constant(as('anonymous', 'none')), weight: 3 },
    { arbitrary: fc.constantFrom(as('anonymous', 'bad-token'), as('anonymous', 'malformed-authorization'), as('anonymous', 'bad-cookie')), weight: 1 },
    { arbitrary: fc.constantFrom(...SIGNED_IN).map((c) => as(c, 'token')), weight: 5 },
    { arbitrary: fc.constantFrom(...SIGNED_IN).map((c) => as(c, 'session')), weight: 2 },
    { arbitrary: fc.constantFrom(as('admin', 'token'), as('editor', 'token'), as('editor', 'session')), weight: privileged ? 8 : 1 },
  )
}

/** If-Match values: 'current' is the version the record has when sent; 'absent' sends none. */
const IF_MATCH = ['current', 'absent', '"0"', 'W/"1"', '*', 'abc', '"1", "2"', '"99999999999999999999"', '-1', ' "1" ', '']
const ACCEPT = ['application/json', 'text/html', '*/*', 'application/problem+json', 'text/html;q=0.1, application/json', 'x/y', '']
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** Requests for one operation. */
export function requestArbitrary(op: Operation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const pathParams = fc.record(Object.fromEntries(op.pathParams.map(({ name, schema }) => [name, pathParamArbitrary(collectionOf(op.path, name), schema, ctx)])))
  return fc
    .record({
      who: whoArbitrary(op),
      method: fc.oneof({ arbitrary: fc.constant(op.method), weight: 30 }, { arbitrary: fc.constantFrom(...METHODS), weight: 1 }),
      pathParams,
      query: queryArbitrary(op, ctx),
      choice: bodyArbitrary(op, ctx),
      accept: fc.option(fc.constantFrom(...ACCEPT), { nil: undefined, freq: 3 }),
      // Most PUTs name the version the record has, so the write gets past the version check.
      ifMatch: fc.oneof(
        { arbitrary: fc.constant(op.method === 'PUT' ? 'current' : 'absent'), weight: 8 },
        { arbitrary: fc.constantFrom(...IF_MATCH), weight: op.method === 'PUT' ? 3 : 1 },
      ),
      remoteAddress: fc.constantFrom('127.0.0.1', '10.0.0.1', '10.0.0.2', '::1'),
    })
    .map(({ who, method, pathParams: params, query, choice, accept, ifMatch, remoteAddress }) => ({
      operation: op.key,
      ...who,
      method,
      pathParams: { ...params, ...(choice.params ? Object.fromEntries(Object.entries(choice.params).map(([k, v]) => [k, encodeComponent(v)])) : {}) },
      ...query,
      headers: {
        ...(accept === undefined ? {} : { accept }),
        ...(choice.contentType === undefined ? {} : { 'content-type': choice.contentType }),
        ...(ifMatch === 'absent' ? {} : { 'if-match': ifMatch }),
      },
      body: choice.body,
      remoteAddress,
    }))
}

const holdsString = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'object' && v !== null && Object.values(v).some(holdsString))

/** `value` with `inserted` in its first string, depth first (unchanged when it holds none). */
function taintFirstString(value: unknown, inserted: string): unknown {
  if (typeof value === 'string') return taint(value, inserted, 1)
  if (Array.isArray(value)) {
    const at = value.findIndex(holdsString)
    return value.map((x, i) => (i === at ? taintFirstString(x, inserted) : x))
  }
  if (typeof value !== 'object' || value === null) return value
  const key = Object.keys(value).find((k) => holdsString((value as Record<string, unknown>)[k]))
  return key === undefined ? value : withOwn(value as Record<string, unknown>, key, taintFirstString((value as Record<string, unknown>)[key], inserted))
}

/**
 * The operation's examples as admin sends them: first as they are, then each with a NUL and
 * with a lone surrogate in its first text. The run sends these before the generated requests,
 * so the cases they stand for (the shared venue listed twice; text the database refuses) are
 * sent every run, whatever the count.
 */
export function exampleRequests(op: Operation, ctx: FuzzContext): FuzzRequest[] {
  const anyReal = (name: string) => encodeComponent((ctx.ids[collectionOf(op.path, name) ?? ''] ?? Object.values(ctx.ids).flat())[0]!)
  const examples = ctx.examples[op.key] ?? []
  const tainted = ['\u0000', '\ud800'].flatMap((t) =>
    examples.flatMap((e): Example[] => {
      if (e.body !== undefined) return [{ ...e, body: taintFirstString(e.body, t) }]
      return e.query ? [{ ...e, query: e.query.map(([k, v], i): [string, string] => [k, i === 0 ? taint(v, t, 1) : v]) }] : []
    }),
  )
  return [...examples, ...tainted].map((e) => ({
    operation: op.key,
    caller: 'admin',
    credential: 'token',
    method: op.method,
    pathParams: Object.fromEntries(op.pathParams.map(({ name }) => [name, e.params[name] === undefined ? anyReal(name) : encodeComponent(e.params[name])])),
    query: e.query ?? [],
    rawQuery: '',
    headers: { ...(e.body === undefined ? {} : { 'content-type': 'application/json' }), ...(op.method === 'PUT' ? { 'if-match': 'current' } : {}) },
    body: e.body === undefined ? { kind: 'none' } : { kind: 'json', value: e.body },
    remoteAddress: '127.0.0.1',
  }))
}

/** The URL a request goes to: the path with its parameters, then the query. */
export function urlOf(op: Operation, req: FuzzRequest): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => req.pathParams[name] ?? '')
  const query = req.query.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&')
  const tail = query + req.rawQuery
  return tail === '' ? path : `${path}?${tail.replace(/^&/, '')}`
}
