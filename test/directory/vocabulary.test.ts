import t from 'tap'
import { VOCABULARY_CONSTRAINTS } from '../../src/directory/vocabulary.ts'
import { REFERRAL_VOCABULARY_CONSTRAINTS } from '../../src/referrals/vocabulary.ts'
import { testDatabase } from '../helper.ts'

// Each TypeScript vocabulary is mirrored by a CHECK constraint; read the constraint back from
// the catalogue and compare the quoted values it allows with the array.
t.test('every closed vocabulary (directory and referrals) agrees with its CHECK constraint in SQL', async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  for (const [key, values] of Object.entries({ ...VOCABULARY_CONSTRAINTS, ...REFERRAL_VOCABULARY_CONSTRAINTS })) {
    const [table, constraint] = key.split('.')
    const { rows } = await db.query<{ def: string }>(
      `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
        WHERE c.conrelid = $1::regclass AND c.conname = $2`,
      [table, constraint],
    )
    t.equal(rows.length, 1, `${key} exists`)
    const allowed = [...rows[0]!.def.matchAll(/'([^']+)'/g)].map((m) => m[1]).filter((v) => v !== '{}')
    t.same([...new Set(allowed)].sort(), [...values].sort(), `${key} allows exactly the TypeScript values`)
  }
})

t.test('the database refuses a value outside a vocabulary', async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  const { rows } = await db.query<{ id: string }>('SELECT id FROM service ORDER BY id LIMIT 1')
  await t.rejects(db.query(`UPDATE service SET group_size = 'huge' WHERE id = $1`, [rows[0]!.id]), { message: /service_group_size_check/ })
  await t.rejects(db.query(`UPDATE service SET audiences = '{men,aliens}' WHERE id = $1`, [rows[0]!.id]), { message: /service_audiences_check/ })
})
