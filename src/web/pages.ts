/** Every web page, one plugin per area; registered by the web plugin inside its own scope. */
import type { FastifyPluginAsync } from 'fastify'
import accountPages from './accounts/account.ts'
import adminPages from './admin/admin.ts'
import homePages from './home.ts'
import ingestPages from './ingest/ingest.ts'
import invitationPages from './accounts/invitations.ts'
import listingPages from './search/listing.ts'
import matchPages from './match/match.ts'
import myClientsPages from './referrals/my-clients.ts'
import organisationPages from './organisation/organisation.ts'
import reportPages from './reports/reports.ts'
import searchPages from './search/search.ts'
import serviceFormPages from './organisation/service-form.ts'

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
  await app.register(ingestPages)
  await app.register(reportPages)
}

export default pages
