import t from 'tap'
import { ACCESSIBILITY_FEATURES } from '../../src/directory/vocabulary.ts'
import { ACCESSIBILITY_LABELS, orukAddress, orukCostOption, orukPage, orukSchedule, uuidV5 } from '../../src/oruk/map.ts'
import type { AddressRow, CostOptionRow, ScheduleRow } from '../../src/oruk/store.ts'

const SCHEDULE: ScheduleRow = {
  id: '8ed98e9b-7160-470b-8bde-33dee8fc2f4d',
  service_id: null,
  service_at_location_id: '8c16e2ef-1598-4c86-b017-c1f3503e6b07',
  kind: 'weekly',
  byday: [],
  week_of_month: null,
  on_date: null,
  opens_at: '14:00',
  closes_at: '16:00',
  valid_from: null,
  valid_to: null,
  description: null,
  notes: null,
}

t.test('uuidV5 → the RFC 9562 test vector, and the same id for the same name', async (t) => {
  t.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2')
  t.equal(uuidV5('a/language/en'), uuidV5('a/language/en'))
  t.not(uuidV5('a/language/en'), uuidV5('a/language/ur'))
  t.match(uuidV5('anything'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})

t.test('orukSchedule: each kind of our schedule as an ORUK recurrence', async (t) => {
  t.same(orukSchedule({ ...SCHEDULE, byday: ['WE', 'MO'], description: 'Mondays and Wednesdays' }), {
    id: SCHEDULE.id,
    service_at_location_id: SCHEDULE.service_at_location_id,
    freq: 'WEEKLY',
    interval: 1,
    byday: 'MO,WE',
    opens_at: '14:00',
    closes_at: '16:00',
    description: 'Mondays and Wednesdays',
  })
  t.match(orukSchedule({ ...SCHEDULE, kind: 'monthly', byday: ['FR'], week_of_month: -1 }), { freq: 'MONTHLY', byday: '-1FR' })
  t.match(orukSchedule({ ...SCHEDULE, kind: 'monthly', byday: ['TU'], week_of_month: 2 }), { freq: 'MONTHLY', byday: '2TU' })
  const oneOff = orukSchedule({ ...SCHEDULE, kind: 'one_off', on_date: '2026-11-22', notes: 'One-off event.' })
  t.same(oneOff, {
    id: SCHEDULE.id,
    service_at_location_id: SCHEDULE.service_at_location_id,
    valid_from: '2026-11-22',
    valid_to: '2026-11-22',
    dtstart: '2026-11-22',
    opens_at: '14:00',
    closes_at: '16:00',
    notes: 'One-off event.',
  })
  const byArrangement = orukSchedule({
    ...SCHEDULE,
    service_id: 'ffb523b4-9bf9-43b8-8222-f72526ffb6e3',
    service_at_location_id: null,
    kind: 'by_arrangement',
    opens_at: null,
    closes_at: null,
    description: 'By appointment on Tuesdays.',
    notes: 'Ring first.',
  })
  t.same(byArrangement, {
    id: SCHEDULE.id,
    service_id: 'ffb523b4-9bf9-43b8-8222-f72526ffb6e3',
    description: 'By arrangement',
    notes: 'By appointment on Tuesdays. Ring first.',
  })
  t.notOk('freq' in byArrangement)
})

t.test('orukCostOption keeps concessions in the amount description', async (t) => {
  const row: CostOptionRow = {
    id: '7290c4ec-fb7d-4485-ab73-71c424419828',
    service_id: 'ffb523b4-9bf9-43b8-8222-f72526ffb6e3',
    option: 'Per session',
    amount: 4.5,
    amount_description: '£4.50 per session',
    concessions: 'First visit free',
    valid_from: null,
    valid_to: null,
  }
  t.equal(orukCostOption(row).amount_description, '£4.50 per session. Concessions: First visit free')
  t.equal(orukCostOption({ ...row, amount_description: null }).amount_description, 'Concessions: First visit free')
  t.notOk('amount_description' in orukCostOption({ ...row, amount_description: null, concessions: null }))
})

t.test('orukAddress appends address_2, which the UK profile does not have', async (t) => {
  const row: AddressRow = {
    id: '67e0310d-67b5-4baa-b592-3c5d5f7cc154',
    location_id: '78f1c7f6-f47f-4b03-80e4-6d8db81c6acd',
    attention: null,
    address_1: '174 Kilnworth Street',
    address_2: 'Side entrance',
    city: 'Croydon',
    region: null,
    state_province: 'Greater London',
    postal_code: 'CR0 4DZ',
    country: 'GB',
    address_type: 'physical',
  }
  const address = orukAddress(row)
  t.equal(address.address_1, '174 Kilnworth Street, Side entrance')
  t.notOk('address_2' in address)
  t.notOk('region' in address, 'absent values are left out, not null')
})

t.test('every accessibility feature has a readable label', async (t) => {
  for (const feature of ACCESSIBILITY_FEATURES) t.match(ACCESSIBILITY_LABELS[feature], /^[A-Z]/, feature)
})

t.test('orukPage: the envelope numbers', async (t) => {
  const items = (n: number) => Array.from({ length: n }, (_, i) => i)
  t.same(orukPage(374, { page: 8, per_page: 50 }, items(24)), {
    total_items: 374,
    total_pages: 8,
    page_number: 8,
    size: 24,
    first_page: false,
    last_page: true,
    empty: false,
    contents: items(24),
  })
  t.match(orukPage(374, { page: 1, per_page: 50 }, items(50)), { first_page: true, last_page: false, size: 50 })
  t.match(orukPage(0, { page: 1, per_page: 50 }, []), { total_pages: 0, first_page: true, last_page: true, empty: true })
})
