import fp from 'fastify-plugin'
import { loadShippedBoundariesIfEmpty } from './boundaries.ts'
import { loadShippedPostcodesIfEmpty } from './import.ts'

/** Loads the shipped postcodes, postcode districts and boundaries into an empty database at start. */
export default fp(
  async (app) => {
    const reports = await loadShippedPostcodesIfEmpty(app.db)
    if (reports) app.log.info({ files: reports }, 'loaded the shipped postcode files')
    const boundaries = await loadShippedBoundariesIfEmpty(app.db)
    if (boundaries) app.log.info({ files: boundaries }, 'loaded the shipped boundaries')
  },
  { name: 'geo', dependencies: ['db'] },
)
