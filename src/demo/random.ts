/** A small seeded random source over pure-rand: every draw in the demo data comes from here. */
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator'

export class Rng {
  readonly #gen: RandomGenerator

  constructor(seed: number) {
    this.#gen = xoroshiro128plus(seed)
  }

  /** An integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.#gen, from, to)
  }

  /** True with probability p (to 1 in 10,000). */
  chance(p: number): boolean {
    return this.int(0, 9999) < Math.round(p * 10000)
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[this.int(0, items.length - 1)] as T
  }

  /** A new array, shuffled (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i)
      const tmp = out[i] as T
      out[i] = out[j] as T
      out[j] = tmp
    }
    return out
  }

  /** `count` distinct items, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    return this.shuffle(items).slice(0, count)
  }

  /** A version 4 UUID. */
  uuid(): string {
    let hex = ''
    for (let i = 0; i < 8; i++) hex += this.int(0, 0xffff).toString(16).padStart(4, '0')
    const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16)
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
  }
}
