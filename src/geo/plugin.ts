import fp from 'fastify-plugin'
import { loadShippedBoundariesIfEmpty } from './boundaries.ts'
import { loadShippedPostcodesIfEmpty } from './import.ts'
import { loadShippedPracticesIfEmpty } from './practices.ts'
import { loadShippedProfilesIfEmpty } from './profiles.ts'

/** Loads the shipped postcodes, postcode districts, boundaries, area profiles and GP practices into an empty database at start. */
export default fp(
  async (app) => {
    const reports = await loadShippedPostcodesIfEmpty(app.db)
    if (reports) app.log.info({ files: reports }, 'loaded the shipped postcode files')
    const boundaries = await loadShippedBoundariesIfEmpty(app.db)
    if (boundaries) app.log.info({ files: boundaries }, 'loaded the shipped boundaries')
    const profiles = await loadShippedProfilesIfEmpty(app.db)
    if (profiles) app.log.info({ files: profiles }, 'loaded the shipped ward and LSOA profiles')
    const practices = await loadShippedPracticesIfEmpty(app.db)
    if (practices) app.log.info(practices, 'loaded the shipped GP practices and their primary care networks')
  },
  { name: 'geo', dependencies: ['db'] },
)
