import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig(process.env, process.stdout.isTTY === true)
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(78) // EX_CONFIG
    }
    throw error
  }
  const app = await buildApp(config)
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error')
    else app.log.info({ signal }, 'closing')
    await app.close()
  })
  await app.listen({ port: config.port, host: config.host })
}

main().catch((error: unknown) => {
  console.error('Connector failed to start:', error instanceof Error ? error.message : error)
  if (error instanceof Error && error.cause) console.error('  caused by:', (error.cause as Error).message ?? error.cause)
  process.exit(1)
})
