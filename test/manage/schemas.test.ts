// The editable documents refuse impossible dates at validation (a 400), rather than letting
// PostgreSQL refuse them mid-write (which would be a 500).
import t from 'tap'
import { ScheduleDocumentSchema } from '../../src/manage/schemas.ts'

t.test('schedule dates must be real calendar dates', async (t) => {
  const oneOff = (on_date: string) => ScheduleDocumentSchema.safeParse({ kind: 'one_off', on_date, opens_at: '10:00', closes_at: '11:00' })
  t.equal(oneOff('2028-02-29').success, true, 'a leap day')
  for (const bad of ['2027-02-31', '2027-02-29', '2027-04-31', '2027-13-01', '27-01-01']) {
    const parsed = oneOff(bad)
    t.equal(parsed.success, false, bad)
    t.match(parsed.error?.issues[0], { path: ['on_date'], message: 'must be a real date, YYYY-MM-DD' })
  }
  const range = ScheduleDocumentSchema.safeParse({ kind: 'by_arrangement', valid_from: '2027-06-31' })
  t.match(range.error?.issues[0], { path: ['valid_from'] })
})
