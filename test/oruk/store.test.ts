import t from 'tap'
import { findServiceAtLocationIds, findServiceIds, loadFullServices } from '../../src/oruk/store.ts'
import { testDatabase } from '../helper.ts'

const HOUSING = 'af9468da-a55e-4eba-9eab-97a7d4d91cd9'

t.test('oruk store over the demo directory', async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  const all = await findServiceIds(db, {})

  t.test('findServiceIds: restrict_to keeps a search engine’s order and still applies the filters', async (t) => {
    const [a, b, c] = all.ids
    const unknown = '00000000-0000-4000-8000-000000000000'
    t.same(await findServiceIds(db, { restrict_to: [c!, a!, unknown, c!, b!] }), { total: 3, ids: [c, a, b] })
    t.same(await findServiceIds(db, { restrict_to: [c!, a!, b!] }, { page: 2, per_page: 2 }), { total: 3, ids: [b] })
    t.same(await findServiceIds(db, { restrict_to: [] }), { total: 0, ids: [] }, 'nothing found means nothing')
    const housing = await findServiceIds(db, { taxonomy_term_id: HOUSING })
    const mixed = [...all.ids].reverse()
    t.same((await findServiceIds(db, { restrict_to: mixed, taxonomy_term_id: HOUSING })).ids, mixed.filter((id) => housing.ids.includes(id)))
  })

  t.test('findServiceAtLocationIds: restrict_to works the same way', async (t) => {
    const sal = await findServiceAtLocationIds(db, {}, { page: 1, per_page: 3 })
    const reversed = [...sal.ids].reverse()
    t.same(await findServiceAtLocationIds(db, { restrict_to: reversed }), { total: 3, ids: reversed })
  })

  t.test('loadFullServices: a page of services in one query, in the order asked', async (t) => {
    const ids = all.ids.slice(0, 50).reverse()
    const rows = await loadFullServices(db, ids)
    t.same(rows.map((r) => r.id), ids)
    t.ok(rows.every((r) => Array.isArray(r.schedules) && Array.isArray(r.terms) && r.organization.id === r.organization_id))
  })
})
