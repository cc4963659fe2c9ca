import fp from 'fastify-plugin'
import cron, { type ScheduledTask } from 'node-cron'
import { isDatabaseUnavailable } from '../db/errors.ts'

export interface Job {
  name: string
  /** A node-cron expression (seconds allowed: six fields). */
  schedule: string
  run: () => Promise<unknown>
  /** Run under the job's advisory lock (default); false for a job that takes its own. */
  lock?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Registers a job to run on its schedule once the app is ready (when the scheduler is on). */
    addJob(job: Job): void
    /**
     * Starts a job now, after the app is ready (a schedule an admin has just set); resolves with
     * a function that stops it. Does nothing when the scheduler is off.
     */
    scheduleJob(job: Job): Promise<() => Promise<void>>
  }
}

// A stable advisory-lock key per job name, so one instance runs each job at a time.
export function lockKey(name: string): number {
  let h = 7_310_526
  for (const c of name) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0
  return h
}

/**
 * Runs jobs with node-cron, each under pg_try_advisory_lock so several instances do not run
 * the same job at once, never overlapping itself, and stopped when the app closes. Off in
 * tests: jobs are plain functions the tests call directly.
 */
export default fp<{ enabled: boolean }>(
  async (app, opts) => {
    const jobs: Job[] = []
    const tasks: ScheduledTask[] = []
    app.decorate('addJob', (job: Job) => {
      jobs.push(job)
    })
    const start = (job: Job): ScheduledTask => {
      const task = cron.schedule(
        job.schedule,
        async () => {
          if (job.lock === false) {
            const result = await job.run()
            app.log.debug({ job: job.name, result }, 'job ran')
            return
          }
          const locked = await app.db.withTryLock(lockKey(job.name), async () => {
            const result = await job.run()
            app.log.debug({ job: job.name, result }, 'job ran')
          })
          if (!locked) app.log.debug({ job: job.name }, 'job skipped: another instance holds it')
        },
        { name: job.name, noOverlap: true },
      )
      task.on('execution:failed', (ctx) => {
        const error = ctx.execution?.error
        // An outage fails every job on every tick: one warning line each, not a stack trace
        // at error level every few seconds. /ready and the requests' 503s say the rest.
        if (isDatabaseUnavailable(error)) app.log.warn({ job: job.name, reason: error instanceof Error ? error.message : String(error) }, 'job skipped: database unavailable')
        else app.log.error({ job: job.name, err: error }, 'job failed')
      })
      tasks.push(task)
      return task
    }
    app.decorate('scheduleJob', async (job: Job) => {
      if (!opts.enabled) return async () => {}
      const task = start(job)
      return async () => {
        tasks.splice(tasks.indexOf(task), 1)
        await task.stop()
        await task.destroy()
      }
    })
    if (!opts.enabled) return
    app.addHook('onReady', async () => {
      for (const job of jobs) start(job)
    })
    app.addHook('onClose', async () => {
      await Promise.all(tasks.map((t) => t.stop()))
    })
  },
  { name: 'scheduler', dependencies: ['db'] },
)
