/** Every web page, one plugin per area; registered by the web plugin inside its own scope. */
import type { FastifyPluginAsync } from 'fastify'
import accountPages from './account.ts'
import adminPages from './admin.ts'
import homePages from './home.ts'
import invitationPages from './invitations.ts'
import listingPages from './listing.ts'
import matchPages from './match.ts'
import myClientsPages from './my-clients.ts'
import organisationPages from './organisation.ts'
import searchPages from './search.ts'
import serviceFormPages from './service-form.ts'

const pages: FastifyPluginAsync = async (app) => {
  await app.register(homePages)
  await app.register(accountPages)
  await app.register(invitationPages)
  await app.register(searchPages)
  await app.register(listingPages)
  await app.register(matchPages)
  await app.register(myClientsPages)
  await app.register(organisationPages)
  await app.register(serviceFormPages)
  await app.register(adminPages)
}

export default pages
