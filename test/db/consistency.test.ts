// The database-wide consistency check: clean on the demo directory, and it names each kind of
// damage. The damage is done with raw SQL on purpose (dropping or bypassing constraints where
// the schema would refuse it): these are states the product must never write, so the product
// cannot be used to make them.
import t from 'tap'
import { checkConsistency, findInconsistencies } from '../../src/db/consistency.ts'
import { createAccount } from '../../src/auth/store.ts'
import { createEpisode, createReferral, createTeam, moveReferral } from '../../src/referrals/store.ts'
import { FIXED_NOW, testDatabase } from '../helper.ts'

t.test('checkConsistency: the demo directory is clean', async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  t.same(await checkConsistency(db), [])
})

t.test('checkConsistency: names each kind of damage, one after another', async (t) => {
  const { db } = await testDatabase(t, { demo: true })
  const one = async (sql: string) => (await db.query<Record<string, string>>(sql)).rows[0]!
  const service = await one(`SELECT id, organization_id FROM service WHERE hidden_at IS NULL AND status = 'active' ORDER BY id LIMIT 1`)
  const other = await one(`SELECT id FROM service WHERE organization_id <> '${service.organization_id}' ORDER BY id LIMIT 1`)
  const venue = await one(`SELECT location_id AS id FROM service_at_location WHERE service_id <> '${service.id}' ORDER BY id LIMIT 1`)
  const missing = '00000000-0000-4000-8000-00000000dead'

  /** Applies the damage and returns the checks it newly trips, with their words. */
  const damage = async (sql: string) => {
    const before = new Set((await findInconsistencies(db)).map((f) => f.check))
    await db.exec(sql)
    const found = (await findInconsistencies(db)).filter((f) => !before.has(f.check))
    return { checks: found.map((f) => f.check).sort(), words: found.map((f) => f.detail) }
  }

  await t.test('a venue no listing uses is an orphan location', async (t) => {
    const got = await damage(`INSERT INTO location (name, latitude, longitude) VALUES ('Left behind', 51.37, -0.1)`)
    t.same(got.checks, ['orphan:location'])
    t.match(got.words[0], /^1 location row \(venues\) is used by no listing \(e\.g\. [0-9a-f-]{36}\)$/)
  })

  await t.test('a venue with a second address', async (t) => {
    const got = await damage(
      `INSERT INTO address (location_id, address_1, city, state_province, postal_code) VALUES ('${venue.id}', '2 Other Road', 'Croydon', 'Croydon', 'CR0 1NX')`,
    )
    t.same(got.checks, ['orphan:address'])
    t.match(got.words[0], /2 address rows belong to venues with more than one address/)
  })

  await t.test('a foreign key added NOT VALID over a row that breaks it', async (t) => {
    const got = await damage(`
      ALTER TABLE contact DROP CONSTRAINT contact_service_id_fkey;
      INSERT INTO contact (service_id, name) VALUES ('${missing}', 'Nobody');
      ALTER TABLE contact ADD CONSTRAINT contact_service_id_fkey FOREIGN KEY (service_id) REFERENCES service (id) ON DELETE CASCADE NOT VALID;`)
    t.same(got.checks, ['foreign-key:contact_service_id_fkey', 'orphan:contact.service_id'])
    t.ok(got.words.some((w) => w.includes(`1 contact row names a service that does not exist in service_id (foreign key contact_service_id_fkey) (e.g. ${missing})`)))
  })

  await t.test('a foreign key missing from the schema: phones and schedules whose owner is gone', async (t) => {
    const got = await damage(`
      ALTER TABLE phone DROP CONSTRAINT phone_contact_id_fkey;
      INSERT INTO phone (contact_id, number) VALUES ('${missing}', '020 7946 0000');
      ALTER TABLE schedule DROP CONSTRAINT schedule_service_id_fkey;
      INSERT INTO schedule (service_id, kind) VALUES ('${missing}', 'by_arrangement');`)
    t.same(got.checks, ['orphan:phone.contact_id', 'orphan:schedule.service_id'])
  })

  await t.test('an area whose service is gone, and a radius drawn around another listing’s venue', async (t) => {
    const got = await damage(`
      ALTER TABLE service_area DROP CONSTRAINT service_area_service_id_fkey;
      INSERT INTO service_area (service_id, name, extent, kind, code) VALUES
        ('${missing}', 'Croydon', '{"type":"Point","coordinates":[-0.1,51.37]}', 'local_authority', 'E09000008');
      INSERT INTO service_area (service_id, name, extent, kind, radius_km, location_id) VALUES
        ('${service.id}', '2 km', '{"type":"Point","coordinates":[-0.1,51.37]}', 'radius', 2, '${venue.id}');`)
    t.same(got.checks, ['orphan:radius-area-venue', 'orphan:service_area.service_id'])
  })

  await t.test('history of a record that does not exist', async (t) => {
    const got = await damage(
      `INSERT INTO record_version (record_type, record_id, version, action, changed_at, snapshot) VALUES ('service', '${missing}', 1, 'create', now(), '{}')`,
    )
    t.same(got.checks, ['orphan:record_version'])
    t.match(got.words[0], `e.g. service ${missing}`)
  })

  await t.test('a service with no search document', async (t) => {
    const got = await damage(`DELETE FROM service_search WHERE service_id = '${other.id}'`)
    t.same(got.checks, ['missing:service_search'])
  })

  await t.test('a search read model out of step with its listings', async (t) => {
    const got = await damage(`UPDATE search_entry SET free = NOT free WHERE service_id = '${service.id}'`)
    t.same(got.checks, ['stale:search_entry'])
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM search_entry WHERE service_id = $1', [service.id])
    t.ok(rows[0]!.n >= 1, 'the listing has venue rows to damage')
    t.equal(got.words[0], `${rows[0]!.n} search_entry row${rows[0]!.n === 1 ? '' : 's'} (the search read model) ${rows[0]!.n === 1 ? 'differs' : 'differ'} from the listings' venues as they stand (e.g. ${service.id})`)
  })

  await t.test('referrals: sent to another organisation, a history that is not the status, a move the machine forbids', async (t) => {
    // Made through the store as a link worker and an editor would, then damaged.
    const team = await createTeam(db, 'Consistency PCN', FIXED_NOW)
    const worker = await createAccount(db, { email: 'worker@example.org', role: 'link_worker', passwordHash: null, teamId: team.id })
    const area = { outcode: 'CR0', ward_code: null, ward_name: null, lsoa_code: null }
    const episode = await createEpisode(db, { teamId: team.id, linkWorkerId: worker, caseNumber: 'C-1', referralRoute: 'gp', ageBand: '65-74', area, openedOn: '2026-10-01' }, FIXED_NOW)
    const referral = await createReferral(db, { episodeId: episode, teamId: team.id, serviceId: service.id!, source: 'match', by: worker }, FIXED_NOW)
    await moveReferral(db, referral.id, { status: 'accepted' }, { mover: 'organisation', organizationIds: [service.organization_id!] }, worker, FIXED_NOW)
    t.same((await findInconsistencies(db)).filter((f) => f.check.startsWith('referral:')), [], 'made by the product: clean')

    let got = await damage(`UPDATE referral SET organization_id = (SELECT organization_id FROM service WHERE id = '${other.id}')`)
    t.same(got.checks, ['referral:organisation'])
    t.same(got.words, [`1 referral row names an organisation other than the one running the listing (e.g. ${referral.reference})`])
    got = await damage(`UPDATE referral SET status = 'attended'`)
    t.same(got.checks, ['referral:history'])
    got = await damage(`INSERT INTO referral_event (referral_id, status, at) VALUES ('${referral.id}', 'sent', now()), ('${referral.id}', 'attended', now() + interval '1 second')`)
    t.same(got.checks, ['referral:illegal-move'], 'accepted → sent and sent → attended are not moves (and the history ends at the status again)')
    t.same(got.words, [`2 referral_event rows record a status move the referral status machine does not allow (e.g. ${referral.reference})`])
  })

  await t.test('a hidden listing still offered, and one held without the status it waits for', async (t) => {
    const got = await damage(`UPDATE service SET hidden_at = now() WHERE id = '${service.id}'`)
    t.same(got.checks, ['held:offered', 'held:status-lost'])
  })

  await t.test('values outside a vocabulary: text, text[], and a column no CHECK guards', async (t) => {
    const got = await damage(`
      ALTER TABLE service DROP CONSTRAINT service_group_size_check;
      ALTER TABLE service DROP CONSTRAINT service_audiences_check;
      UPDATE service SET group_size = 'enormous', audiences = '{carers,martians}' WHERE id = '${other.id}';
      UPDATE service SET status_before_hidden = 'paused' WHERE id = '${service.id}';`)
    t.same(got.checks, ['vocabulary:service.audiences', 'vocabulary:service.group_size', 'vocabulary:service.status_before_hidden'])
    t.ok(got.words.includes('1 service row holds audiences values outside its vocabulary (e.g. martians)'), got.words.join('\n'))
  })

  await t.test('a vocabulary column dropped from the database', async (t) => {
    const got = await damage(`ALTER TABLE accessibility DROP COLUMN feature CASCADE`)
    t.same(got.checks, ['vocabulary:accessibility.feature'])
    t.same(got.words, ['accessibility.feature, which holds a vocabulary, is missing from the database'])
    // The search read model holds each venue's features: it can no longer be derived, and says so.
    const drift = (await findInconsistencies(db)).find((f) => f.check === 'stale:search_entry')
    t.match(drift?.detail, /search_entry rows \(the search read model\) differ from the listings' venues as they stand \(e\.g\. cannot be derived: column a\.feature does not exist\)$/)
  })

  t.ok((await checkConsistency(db)).length >= 14, 'every finding is still reported in words')
})
