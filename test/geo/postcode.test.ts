import t from 'tap'
import { normalisePostcode, parsePostcode } from '../../src/geo/postcode.ts'

t.test('parsePostcode: the ways people type a postcode all normalise to the ONS form', async (t) => {
  for (const typed of ['cr01nx', ' CR0  1NX ', 'Cr0 1nX', 'CR0\t1NX']) t.equal(normalisePostcode(typed), 'CR0 1NX', typed)
  t.equal(normalisePostcode('se191ru'), 'SE19 1RU')
  t.equal(normalisePostcode('SW1A1AA'), 'SW1A 1AA')
  t.equal(normalisePostcode('W1A 0AX'), 'W1A 0AX')
  t.same(parsePostcode('cr7 8ng'), { kind: 'postcode', postcode: 'CR7 8NG', outcode: 'CR7' })
})

t.test('parsePostcode: a bare district is an outcode; anything else is not a postcode', async (t) => {
  t.same(parsePostcode(' cr0 '), { kind: 'outcode', outcode: 'CR0' })
  t.same(parsePostcode('SE25'), { kind: 'outcode', outcode: 'SE25' })
  for (const bad of ['', 'hello', 'CR0 1N', '12345', 'CR0 1NXX', 'Q1 1AA', 'CR0 ANX', 'CR0 1CI', 'CZ1 1AA']) {
    t.equal(parsePostcode(bad) === undefined || parsePostcode(bad)?.kind === 'outcode', true, bad)
    t.equal(normalisePostcode(bad), undefined, `${JSON.stringify(bad)} is not a full postcode`)
  }
})
