import os from 'node:os'

/** The machine a benchmark ran on, for the report's header. */
export interface Machine {
  cpus: number
  model: string
  memoryGb: number
  os: string
  node: string
}

export function machine(): Machine {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  }
}
