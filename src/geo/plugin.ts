import fp from 'fastify-plugin'
import { loadShippedPostcodesIfEmpty } from './import.ts'

/** Loads the shipped postcodes and postcode districts into an empty database at start. */
export default fp(
  async (app) => {
    const reports = await loadShippedPostcodesIfEmpty(app.db)
    if (reports) app.log.info({ files: reports }, 'loaded the shipped postcode files')
  },
  { name: 'geo', dependencies: ['db'] },
)
