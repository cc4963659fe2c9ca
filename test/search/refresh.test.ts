// A listing's search document follows every edit an organisation makes through the editing
// API, whichever part of the listing the words come from (its name, description, activity
// types, its organisation's name), and an edit that changes none of those leaves it findable
// as it was. Migration 022 rebuilds the document only when one of them changed.
import t from 'tap'
import { DirectoryBuilder, venueAt, weekly, type ServiceInput } from '../directory.ts'
import { buildTestApp } from '../helper.ts'

t.test('search documents follow edits made through the API', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  const builder = await DirectoryBuilder.start(app)
  const org = await builder.organization({ name: 'Thornton Heath Quokka Trust', description: 'A small local charity.' })
  const listing = await builder.service(org, {
    name: 'Zanzibar Circle',
    description: 'A weekly afternoon of tea and marmalade tasting.',
    delivery_modes: ['venue'],
    group_size: 'large',
    taxonomy_terms: ['social-groups'],
    locations: [await venueAt(app, 'CR7 7DD', 'Bensham Hall')],
    schedules: [weekly(['TU'], '14:00', '16:00', 0)],
  })
  const names = async (q: string) => {
    const res = await app.inject({ url: `/api/search?${new URLSearchParams({ q })}` })
    t.equal(res.statusCode, 200, res.body)
    return res.json().results.map((r: { name: string }) => r.name) as string[]
  }
  let version = 1
  const edit = async (change: (d: ServiceInput) => void) => {
    const document = structuredClone(listing.document) as ServiceInput
    change(document)
    const res = await builder.call('PUT', `/api/manage/services/${listing.id}`, org.cookie, document, { 'if-match': `"${version}"` })
    t.equal(res.status, 200, JSON.stringify(res.body))
    version = res.body.version
    listing.document = res.body.document
  }

  t.same(await names('zanzibar'), ['Zanzibar Circle'], 'by its name')
  t.same(await names('marmalade'), ['Zanzibar Circle'], 'by its description')
  t.same(await names('dominoes'), ['Zanzibar Circle'], 'by a word for its activity type')
  t.same(await names('quokka'), ['Zanzibar Circle'], 'by its organisation’s name')

  await edit((d) => {
    d.group_size = 'small'
    d.schedules = [weekly(['WE'], '10:00', '12:00', 0)]
  })
  t.same(await names('zanzibar'), ['Zanzibar Circle'], 'an edit to neither words nor activity types leaves it found by its name')
  t.same(await names('dominoes'), ['Zanzibar Circle'], '… and by its activity type')

  await edit((d) => {
    d.name = 'Wombat Circle'
  })
  t.same(await names('wombat'), ['Wombat Circle'], 'renamed: found by its new name')
  t.same(await names('zanzibar'), [], '… and no longer by its old one')
  t.same(await names('marmalade'), ['Wombat Circle'], '… and still by its description')

  await edit((d) => {
    d.description = 'A weekly afternoon of tea and crumpets.'
  })
  t.same(await names('crumpets'), ['Wombat Circle'], 'a new description is searched')
  t.same(await names('marmalade'), [], '… and the old one is not')

  await edit((d) => {
    d.taxonomy_terms = ['arts-and-crafts']
  })
  t.same(await names('crochet'), ['Wombat Circle'], 'a new activity type is searched')
  t.same(await names('dominoes'), [], '… and the one taken away is not')

  const current = await builder.call('GET', `/api/manage/organizations/${org.id}`, org.cookie)
  const renamed = await builder.call('PUT', `/api/manage/organizations/${org.id}`, org.cookie, { ...current.body.document, name: 'Thornton Heath Numbat Trust' }, {
    'if-match': `"${current.body.version}"`,
  })
  t.equal(renamed.status, 200, JSON.stringify(renamed.body))
  t.same(await names('numbat'), ['Wombat Circle'], 'the organisation renamed: its listing is found by the new name')
  t.same(await names('quokka'), [], '… and not by the old one')
})
