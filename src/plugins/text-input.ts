import type { FastifyInstance, FastifyRequest } from 'fastify'
import { clip, ValidationProblem, type FieldError } from '../problem.ts'

/** A UTF-16 surrogate without its partner (matched on code units: no `u` flag). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why a string cannot be stored, or undefined when it can. */
function unstorable(text: string): string | undefined {
  // PostgreSQL text cannot hold U+0000 (22021), and JSON in jsonb cannot hold a lone UTF-16
  // surrogate (22P02): either would fail deep inside a write as a 500.
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which text here cannot hold'
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate, which is not a character'
  return undefined
}

/** JSON Pointer escaping (RFC 6901) of one key. */
const pointerPart = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1')

/**
 * Every string in a parsed request part (keys too) that cannot be stored. Walks with a stack of
 * its own, not recursion, so a body nested a hundred thousand deep is read, not a stack overflow.
 */
export function unstorableText(value: unknown, part: FieldError['in']): FieldError[] {
  const found: FieldError[] = []
  const stack: Array<[unknown, string]> = [[value, '']]
  while (stack.length > 0 && found.length < 20) {
    const [item, pointer] = stack.pop()!
    if (typeof item === 'string') {
      const why = unstorable(item)
      if (why) found.push({ in: part, pointer: clip(pointer || '/'), detail: why })
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        const at = `${pointer}/${pointerPart(key)}`
        const why = unstorable(key)
        if (why) found.push({ in: part, pointer: clip(at), detail: `its name ${why}` })
        stack.push([child, at])
      }
    }
  }
  return found
}

/**
 * Refuses, in one place and before any schema or handler sees them, requests whose query string,
 * path, JSON body or form holds text that cannot be stored: a 400 problem naming each field.
 */
export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const errors = [
      ...unstorableText(request.params, 'params'),
      ...unstorableText(request.query, 'querystring'),
      ...unstorableText(request.body, 'body'),
    ]
    if (errors.length === 0) return
    const fields = errors.map((e) => `${e.in} ${e.pointer}`)
    throw new ValidationProblem(`Text that cannot be stored in ${[...new Set(fields)].join(', ')}`, errors)
  })
}
