// GET /api/search over a directory that organisations wrote themselves (through the editing
// API): each filter keeps exactly the listings that meet it, and each listing it drops comes
// back when that one filter is lifted. Home, telephone and online listings are found where
// their areas reach, and nowhere else.
import t from 'tap'
import { buildAcceptanceDirectory, ENTRIES } from '../acceptance-directory.ts'
import { buildTestApp } from '../helper.ts'

const sorted = (xs: string[]) => [...xs].sort()

t.test('searching a directory built through the editing API', async (t) => {
  const app = await buildTestApp(t, { demo: 'empty' })
  await buildAcceptanceDirectory(app)
  const search = async (query: Record<string, string>) => {
    const res = await app.inject({ url: `/api/search?${new URLSearchParams({ per_page: '100', ...query })}` })
    t.equal(res.statusCode, 200, res.statusCode === 200 ? 'searched' : res.body)
    return sorted(res.json().results.map((r: { name: string }) => r.name))
  }
  const roseFor = ENTRIES.filter((e) => e.for === 'rose').map((e) => e.name)

  t.test('befriending near Rose (Bensham Manor): every phone, home and online listing reaching her ward, and the lunch club nearby', async (t) => {
    const all = await search({ postcode: 'CR7 7DD', q: 'befriending' })
    t.same(all, sorted(roseFor.filter((n) => n !== 'Sutton Tamil Line')), 'all of Rose’s listings but Sutton’s, whose area stops at the borough line')
    const filters: [Record<string, string>, string[]][] = [
      [{ taking_referrals: 'true' }, ['Tamil Circle']],
      [{ free: 'true' }, ['Paid Tamil Calls']],
      [{ time_from: '09:00', time_to: '17:00' }, ['Tamil Evening Calls']],
      [{ age: '82' }, ['Tamil Youth Line']],
    ]
    for (const [filter, dropped] of filters) {
      t.same(await search({ postcode: 'CR7 7DD', q: 'befriending', ...filter }), all.filter((n) => !dropped.includes(n)), `${JSON.stringify(filter)} drops exactly ${dropped.join(', ')}`)
    }
    t.same(await search({ postcode: 'CR7 7DD', q: 'befriending', delivery_mode: 'home_visit' }), ['Interpreted Home Visits'])
    t.same(await search({ postcode: 'CR7 7DD', q: 'befriending', delivery_mode: 'venue' }), ['Tamil Lunch Club'])
  })

  t.test('from Sutton: Sutton’s own line and the England-wide one, nothing of Croydon’s', async (t) => {
    t.same(await search({ postcode: 'SM1 1AA', q: 'befriending' }), ['Sutton Tamil Line', 'Tamil Online Coffee Morning'])
  })

  t.test('Tom’s neighbourhood: within 1 km, step-free, on weekdays in the day: the venues that fit, and each filter drops its decoy', async (t) => {
    const tomsFilters = { postcode: 'CR0 2JD', delivery_mode: 'venue', radius_km: '1', accessibility: 'step_free', day: 'MO,TU,WE,TH,FR', time_from: '09:00', time_to: '17:00' }
    const fitting = ENTRIES.filter((e) => e.for === 'tom' && !['distance', 'access', 'time'].includes(e.fails ?? '')).map((e) => e.name)
    t.same(await search(tomsFilters), sorted(fitting), 'the housing sessions, his three groups, and the listings search does not judge him for (gender, age, intensity)')
    t.ok((await search({ ...tomsFilters, radius_km: '2' })).includes('Norbury Men’s Shed'), 'the shed 1.5 km away comes within 2 km')
    const { accessibility: _a, ...anyAccess } = tomsFilters
    t.ok((await search(anyAccess)).includes('Upstairs Art Club'), 'the art club with steps, without the access filter')
    const { day: _d, ...anyDay } = tomsFilters
    t.ok((await search(anyDay)).includes('Saturday Social'), 'the Saturday group, without the day filter')
    t.same(await search({ ...tomsFilters, q: 'housing' }), ['Housing Advice 1', 'Housing Advice 2', 'Housing Advice 3', 'Housing Advice 4'])
  })
})
