/**
 * Hostile inputs, and mutations that plant them in otherwise valid JSON: wrong types, huge
 * strings and arrays, NUL, lone surrogates, deep nesting, prototype keys. Mutations are plain
 * data (a path of picks and what to do there), so fast-check prints and shrinks them.
 */
import fc from 'fast-check'

/** Long enough to overflow any column or limit the service sets, short of the 1 MB body limit. */
export const HUGE = 100_000

/** Nesting deeper than any schema, and deep enough to hurt a recursive walk. */
export const DEEP = 1_000

/** `depth` arrays inside each other, or objects, around `inner`. */
export function nest(depth: number, inner: unknown, as: 'array' | 'object'): unknown {
  let value = inner
  for (let i = 0; i < depth; i++) value = as === 'array' ? [value] : { a: value }
  return value
}

/** An object with `key` as its own property, even for `__proto__` (plain assignment would set the prototype). */
export function withOwn(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  return Object.defineProperty({ ...target }, key, { value, enumerable: true, writable: true, configurable: true })
}

/**
 * Characters to slip into an otherwise valid string: NUL, lone surrogates, a BOM, bidi and
 * other controls. Inserted rather than replacing, so the string keeps its type and usually its
 * length limit, gets past validation, and reaches the code and the database behind it.
 */
export const TAINTS = ['\u0000', '\ud800', '\udfff', '\u0000\ud800', '\ufeff', '\u202e', '\u0007', '\uffff', '\u0085'] as const

/** `s` with `taint` inserted at `position` (modulo its length). */
export const taint = (s: string, inserted: string, position: number) => {
  const at = position % (s.length + 1)
  return s.slice(0, at) + inserted + s.slice(at)
}

/** Keys that have meant something to JavaScript objects, or to the code reading them. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'] as const

/** Strings that each break something somewhere: NUL, lone surrogates, controls, huge, SQL and LIKE syntax. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'a\udfffb',
    '\udc00\ud800',
    '\ufeff',
    '\u202etxet',
    '\u0007\u001b[31m',
    '\r\n',
    ' ',
    '',
    "' OR 1=1 --",
    '%_\\',
    '$1',
    '${x}',
    '{{ x }}',
    '<script>alert(1)</script>',
    'NaN',
    '-0',
    '1e999',
    '0x10',
    'null',
    'true',
    '[]',
    '🏳️‍🌈',
    'ß'.repeat(300),
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.tuple(fc.constantFrom('a', 'é', '\u0000', '\ud800', '😀', ' '), fc.constantFrom(300, 5_000, HUGE)).map(([c, n]) => c.repeat(n)),
)

/** A JSON object whose own keys are prototype keys (JSON.parse makes `__proto__` an own key). */
const prototypeObject: fc.Arbitrary<unknown> = fc.constantFrom(
  JSON.parse('{"__proto__": {"isAdmin": true, "role": "admin"}}'),
  { constructor: { prototype: { isAdmin: true } } },
  JSON.parse('{"__proto__": null}'),
  { prototype: {}, toString: 'x', hasOwnProperty: 1 },
)

/** Any value of the wrong kind, or of the right kind and hostile. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 4 },
  {
    arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, [], {}, [null], ['']),
    weight: 3,
  },
  { arbitrary: prototypeObject, weight: 1 },
  { arbitrary: fc.constantFrom('array', 'object').map((as) => nest(DEEP, 1, as as 'array' | 'object')), weight: 1 },
  { arbitrary: fc.constantFrom(1, 'a', null, {}).map((x) => Array.from({ length: 10_000 }, () => x)), weight: 1 },
)

/** What a mutation does at the place it lands. */
export type MutationKind = 'replace' | 'taint' | 'delete' | 'add-key' | 'duplicate' | 'nest' | 'grow'

export interface Mutation {
  kind: MutationKind
  /** Which child to descend into at each level (modulo the number of children); stops at a leaf. */
  picks: number[]
  /** The new value for replace and add-key. */
  value: unknown
  /** The key add-key adds. */
  key: string
  /** What taint inserts into a string, and where. */
  taint: string
  position: number
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom<MutationKind>('replace', 'replace', 'taint', 'taint', 'taint', 'delete', 'add-key', 'duplicate', 'nest', 'grow'),
  picks: fc.array(fc.nat({ max: 50 }), { maxLength: 6 }),
  value: hostileValue,
  key: fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS, 'unknown', 'id', '', ' ', 'a'.repeat(1_000)), hostileString.filter((s) => s.length < 100)),
  taint: fc.constantFrom(...TAINTS),
  position: fc.nat({ max: 1_000 }),
})

type Container = Record<string, unknown> | unknown[]
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null

/** The entries a pick chooses among: array items, or an object's own keys. */
const childKeys = (v: Container): Array<string | number> => (Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v))

/** A copy of `container` with its child `key` set to `value` (own property, whatever the key). */
function setChild(container: Container, key: string | number, value: unknown): Container {
  if (Array.isArray(container)) return container.map((x, i) => (i === key ? value : x))
  return withOwn(container, String(key), value)
}

/**
 * Follows the picks down through containers and applies the mutation where the path ends: to
 * the chosen child of the last container reached, or to that container when it has none.
 * The value is copied along the path, never changed in place.
 */
function applyAt(value: unknown, m: Mutation, depth: number): unknown {
  if (!isContainer(value)) return m.kind === 'replace' ? m.value : m.kind === 'taint' ? tainted(value, m) : value
  const keys = childKeys(value)
  const pick = m.picks[depth]
  if (pick === undefined || keys.length === 0) return mutateHere(value, undefined, m)
  const child = keys[pick % keys.length]!
  const inner = (value as Record<string | number, unknown>)[child]
  if (depth + 1 < m.picks.length && isContainer(inner)) return setChild(value, child, applyAt(inner, m, depth + 1))
  return mutateHere(value, child, m)
}

/** A string with the taint inserted; anything else is replaced by the taint alone. */
const tainted = (value: unknown, m: Mutation) => (typeof value === 'string' ? taint(value, m.taint, m.position) : m.taint)

function mutateHere(container: Container, child: string | number | undefined, m: Mutation): unknown {
  const at = (k: string | number) => (container as Record<string | number, unknown>)[k]
  switch (m.kind) {
    case 'replace':
      return child === undefined ? m.value : setChild(container, child, m.value)
    case 'taint':
      return child === undefined ? container : setChild(container, child, tainted(at(child), m))
    case 'delete':
      if (child === undefined) return container
      return Array.isArray(container) ? container.filter((_, i) => i !== child) : Object.fromEntries(Object.entries(container).filter(([k]) => k !== child))
    case 'add-key':
      return Array.isArray(container) ? [...container, m.value] : withOwn(container, m.key, m.value)
    case 'duplicate':
      // The same element twice: a venue listed twice, an activity type twice.
      if (child === undefined) return container
      return Array.isArray(container) ? [...container, at(child)] : withOwn(container, `${child}_copy`, at(child))
    case 'nest':
      return child === undefined ? nest(DEEP, container, 'array') : setChild(container, child, nest(DEEP, at(child), 'array'))
    case 'grow': {
      if (!Array.isArray(container) || container.length === 0) {
        return Array.isArray(container) ? ['x'.repeat(HUGE)] : withOwn(container, m.key, 'x'.repeat(HUGE))
      }
      // Up to 10,000 items, and about the 1 MB body limit at most: big, but never gigabytes.
      const each = Math.max(1, (JSON.stringify(container)?.length ?? 1) / container.length)
      const length = Math.max(container.length + 1, Math.min(10_000, Math.floor(1_200_000 / each)))
      return Array.from({ length }, (_, i) => container[i % container.length])
    }
  }
}

/** `value` with each mutation applied in turn. */
export function applyMutations(value: unknown, mutations: readonly Mutation[]): unknown {
  return mutations.reduce((v, m) => applyAt(v, m, 0), value)
}
