import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** How long to spend timing one thing directly (no HTTP): a run budget. */
export interface RunBudget {
  /** Timed runs wanted (after warm-up). */
  runs: number
  /** Stop early after this many seconds, keeping at least `minRuns`. */
  seconds: number
  minRuns: number
  /** Warm-up runs, cut short after `seconds / 4`. */
  warmup: number
}

/** Times `run` one call at a time: warm-up first, then up to `runs` calls within `seconds`. */
export async function timeRuns(budget: RunBudget, run: () => Promise<unknown>): Promise<number[]> {
  const warmUntil = performance.now() + (budget.seconds * 1000) / 4
  for (let i = 0; i < budget.warmup && performance.now() < warmUntil; i++) await run()
  const samples: number[] = []
  const deadline = performance.now() + budget.seconds * 1000
  while (samples.length < budget.runs && (samples.length < budget.minRuns || performance.now() < deadline)) {
    const t0 = performance.now()
    await run()
    samples.push(performance.now() - t0)
  }
  return samples
}

export interface CodeState {
  commit: string
  /** Files under src/ and sql/ changed since that commit: the code measured is not exactly it. */
  uncommitted: string[]
}

/** The commit a benchmark measured, and what differed from it. */
export function codeState(): CodeState {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) })
  try {
    const uncommitted = git('status', '--porcelain', '--', 'src', 'sql')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3))
    return { commit: git('rev-parse', '--short', 'HEAD').trim(), uncommitted }
  } catch (error) {
    // A copy without git history is still worth benchmarking; the report says so.
    return { commit: `unknown (${(error as Error).message.split('\n')[0]})`, uncommitted: [] }
  }
}

/**
 * Benchmarks each size in turn, keeping each result in a checkpoint file until the run is
 * written, so `--resume` picks up after an interruption (only a checkpoint made under the same
 * key, i.e. the same method, shapes and seed, is reused). `clear` removes the checkpoints.
 */
export async function eachSize<R>(options: {
  labels: readonly string[]
  /** The run's name (its results file stem). */
  name: string
  key: string
  resume: boolean
  log: (line: string) => void
  run: (label: string) => Promise<R>
}): Promise<{ results: R[]; clear: () => void }> {
  const dir = join(os.tmpdir(), 'connector-bench')
  const file = (label: string) => join(dir, `${options.name}-${label}.json`)
  mkdirSync(dir, { recursive: true })
  const results: R[] = []
  for (const label of options.labels) {
    const saved = options.resume && existsSync(file(label)) ? (JSON.parse(readFileSync(file(label), 'utf8')) as { key: string; result: R }) : undefined
    const earlier = saved?.key === options.key ? saved.result : undefined
    if (earlier) options.log(`${label}: resumed from ${file(label)}`)
    const result = earlier ?? (await options.run(label))
    writeFileSync(file(label), JSON.stringify({ key: options.key, result }))
    results.push(result)
  }
  return { results, clear: () => options.labels.forEach((label) => rmSync(file(label), { force: true })) }
}
