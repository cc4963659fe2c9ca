// npm run bench:search:data -- --sizes 10k,100k,1m [--fresh] [--seed N] [--server postgres://...]
// Builds (or reuses) the search benchmark's databases without running the benchmark.
import { parseArgs } from 'node:util'
import { DEFAULT_SEED, DEFAULT_SERVER, ensureSearchData, parseSize } from '../bench/search/data.ts'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10k,100k' },
    fresh: { type: 'boolean', default: false },
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    server: { type: 'string', default: process.env.BENCH_PG_URL ?? DEFAULT_SERVER },
  },
})

try {
  for (const label of values.sizes.split(',').map((s) => s.trim())) {
    parseSize(label)
    await ensureSearchData({ label, fresh: values.fresh, seed: Number(values.seed), server: values.server })
  }
} catch (error) {
  console.error(`bench data failed: ${(error as Error).stack}`)
  process.exit(1)
}
