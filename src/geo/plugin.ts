import fp from 'fastify-plugin'
import { loadShippedBoundariesIfEmpty } from './boundaries.ts'
import { loadShippedPostcodesIfEmpty } from './import.ts'
import { loadShippedProfilesIfEmpty } from './profiles.ts'

/** Loads the shipped postcodes, postcode districts, boundaries and area profiles into an empty database at start. */
export default fp(
  async (app) => {
    const reports = await loadShippedPostcodesIfEmpty(app.db)
    if (reports) app.log.info({ files: reports }, 'loaded the shipped postcode files')
    const boundaries = await loadShippedBoundariesIfEmpty(app.db)
    if (boundaries) app.log.info({ files: boundaries }, 'loaded the shipped boundaries')
    const profiles = await loadShippedProfilesIfEmpty(app.db)
    if (profiles) app.log.info({ files: profiles }, 'loaded the shipped ward and LSOA profiles')
  },
  { name: 'geo', dependencies: ['db'] },
)
