// Disclosure control (src/reports/disclosure.ts): worked examples with exact outputs, then
// properties over random tables. The properties restate the rule as a reader would attack a
// published table: from each published total and the shown counts of its line, what can be
// worked out about the hidden ones.
import assert from 'node:assert/strict'
import fc from 'fast-check'
import t from 'tap'
import {
  MIN_PEOPLE,
  SMALL_MAX,
  SUPPRESSED,
  SUPPRESSION_RULE,
  mean,
  protect,
  protectList,
  share,
  type ProtectOptions,
  type Protected,
  type Shown,
} from '../../src/reports/disclosure.ts'

const SEED = 20261202
const NUM_RUNS = 3000

t.test('constants', async (t) => {
  t.equal(SMALL_MAX, 7)
  t.equal(MIN_PEOPLE, 10)
  t.equal(SUPPRESSED, '*')
  t.match(SUPPRESSION_RULE, /^Counts from 1 to 7 are shown as \*;/)
  t.match(SUPPRESSION_RULE, /fewer than 10 people\.$/)
})

t.test('protect: worked examples', async (t) => {
  t.test('without totals only 1–7 is hidden; 0 and 8+ are shown', async (t) => {
    t.same(protect([[0, 1, 7, 8, 120]]), { cells: [[0, '*', '*', 8, 120]] })
  })

  t.test('a single hidden count in a row with its total shown forces the smallest other count', async (t) => {
    t.same(protect([[3, 20, 15]], { rowTotals: true }), { cells: [['*', 20, '*']], rowTotals: [38] })
  })

  t.test('zero stays 0 and is never the second count hidden', async (t) => {
    t.same(protect([[0, 5, 12, 9]], { rowTotals: true }), { cells: [[0, '*', 12, '*']], rowTotals: [26] })
  })

  t.test('ties go to the first smallest count', async (t) => {
    t.same(protect([[4, 9, 9]], { rowTotals: true }), { cells: [['*', '*', 9]], rowTotals: [22] })
  })

  t.test('two hidden 1s (sum = number hidden) force a third count', async (t) => {
    t.same(protect([[1, 1, 20, 30]], { rowTotals: true }), { cells: [['*', '*', '*', 30]], rowTotals: [52] })
  })

  t.test('eight hidden 1s and nothing else to hide: the total is hidden', async (t) => {
    t.same(protect([[1, 1, 1, 1, 1, 1, 1, 1]], { rowTotals: true }), { cells: [Array(8).fill('*')], rowTotals: ['*'] })
  })

  t.test('a total from 1 to 7 is hidden; a zero total is shown', async (t) => {
    t.same(protect([[0, 3], [0, 2]], { rowTotals: true, columnTotals: true }), {
      cells: [[0, '*'], [0, '*']],
      rowTotals: ['*', '*'],
      columnTotals: [0, '*'],
      total: '*',
    })
  })

  t.test('a row whose only other counts are zeros gets its total hidden', async (t) => {
    // Column 1 (3, 20, 0 = 23) hides the 20 next to the 3; row 2 is then 20 hidden beside a 0,
    // so its total 20 would give it away: the total is hidden. The totals row (23, 2 → 25) then
    // hides the 23, and the column of row totals (3, 20, 2) is safe: 3 hidden, summing to 25.
    t.same(protect([[3, 0], [20, 0], [0, 2]], { rowTotals: true, columnTotals: true }), {
      cells: [['*', 0], ['*', 0], [0, '*']],
      rowTotals: ['*', '*', '*'],
      columnTotals: ['*', '*'],
      total: 25,
    })
  })

  t.test('a hidden total whose counts are all shown is their sum: a count is hidden too', async (t) => {
    // Rows and columns 2 and 3 are safe on primary suppression alone. The totals row (8, 5 hidden,
    // 13; grand total 26) would give the 5 away, so its smallest shown total, column 1's 8, is
    // hidden; but column 1 is 8 and 0, all shown, so its 8 is hidden as well.
    t.same(protect([[8, 3, 6], [0, 2, 7]], { rowTotals: true, columnTotals: true }), {
      cells: [['*', '*', '*'], [0, '*', '*']],
      rowTotals: [17, 9],
      columnTotals: ['*', '*', 13],
      total: 26,
    })
  })

  t.test('large counts everywhere: nothing hidden', async (t) => {
    t.same(protect([[10, 20], [30, 40]], { rowTotals: true, columnTotals: true }), {
      cells: [[10, 20], [30, 40]],
      rowTotals: [30, 70],
      columnTotals: [40, 60],
      total: 100,
    })
  })

  t.test('empty tables', async (t) => {
    t.same(protect([]), { cells: [] })
    t.same(protect([], { rowTotals: true, columnTotals: true }), { cells: [], rowTotals: [], columnTotals: [], total: 0 })
    t.same(protect([[], []], { rowTotals: true, columnTotals: true }), { cells: [[], []], rowTotals: [0, 0], columnTotals: [], total: 0 })
  })

  t.test('bad input is a programming error', async (t) => {
    t.throws(() => protect([[1, 2], [3]]), { message: /every row of a table must have 2 counts; one has 1/ })
    t.throws(() => protect([[-1]]), { message: /non-negative integer/ })
    t.throws(() => protect([[1.5]]), { message: /non-negative integer/ })
    t.throws(() => protect([[Number.NaN]]), { message: /non-negative integer/ })
    t.throws(() => protectList([2, -3], true), { message: /non-negative integer/ })
  })
})

t.test('protectList: worked examples', async (t) => {
  t.same(protectList([3, 20, 15, 0], true), { cells: ['*', 20, '*', 0], total: 38 })
  t.same(protectList([3, 20, 15, 0]), { cells: ['*', 20, 15, 0] })
  t.same(protectList([2, 3], true), { cells: ['*', '*'], total: '*' })
  t.same(protectList([], true), { cells: [], total: 0 })
  t.same(protectList([]), { cells: [] })
})

t.test('share', async (t) => {
  t.equal(share(0, 9), null, 'whole 9: too few people')
  t.equal(share(9, 9), null)
  t.equal(share(0, 10), 0, 'whole 10: shown')
  t.equal(share(10, 10), 100)
  t.equal(share(3, 20), null, 'part 3: small')
  t.equal(share(17, 20), null, 'the rest, 20 − 17 = 3, is small')
  t.equal(share(10, 20), 50)
  t.equal(share(8, 20), 40)
  t.equal(share(12, 20), 60)
  t.equal(share(13, 20), null, 'the rest, 7, is small')
  t.equal(share(11, 30), 36.7, 'rounded to 1 decimal place')
  t.equal(share(9, 27), 33.3)
  t.equal(share(9, 80), 11.3, '11.25 rounds up')
  t.throws(() => share(11, 10), { message: /cannot exceed/ })
  t.throws(() => share(-1, 10), { message: /non-negative integer/ })
  t.throws(() => share(1, 10.5), { message: /non-negative integer/ })
})

t.test('mean', async (t) => {
  t.equal(mean([]), null)
  t.equal(mean([1, 2, 3, 4, 5, 6, 7, 8, 9]), null, '9 values: too few')
  t.equal(mean([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 5.5, '10 values: shown')
  t.equal(mean([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 0.08, '1/12 to 2 decimal places')
  t.equal(mean([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 0.17, '2/12 to 2 decimal places')
  t.ok(Object.is(mean(Array(10).fill(-0.001)), 0), 'no −0')
  t.throws(() => mean([1, Number.NaN]), { message: /finite number/ })
  t.throws(() => mean([Number.POSITIVE_INFINITY]), { message: /finite number/ })
})

// ---- properties -------------------------------------------------------------------------------

/** Counts as reports see them: mostly small (where the rule bites), some zeros, some large. */
const countArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.constant(1) },
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 400 }) },
)
const tableArb = fc
  .tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }))
  .chain(([rows, columns]) => fc.array(fc.array(countArb, { minLength: columns, maxLength: columns }), { minLength: rows, maxLength: rows }))
const optionsArb: fc.Arbitrary<ProtectOptions> = fc.record({ rowTotals: fc.boolean(), columnTotals: fc.boolean() })

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

/** One line a reader can use: true values, what was published, and the total (true and published). */
interface Line {
  name: string
  values: number[]
  shown: Shown[]
  total: number
  totalShown: Shown
}

/** Every line with a published total, rebuilt from the input and the output independently of src. */
function linesOf(cells: number[][], out: Protected): Line[] {
  const columns = cells[0]?.length ?? 0
  const rowTrue = cells.map(sum)
  const columnTrue = Array.from({ length: columns }, (_, j) => sum(cells.map((r) => r[j]!)))
  const lines: Line[] = []
  if (out.rowTotals) {
    cells.forEach((row, i) => lines.push({ name: `row ${i}`, values: row, shown: out.cells[i]!, total: rowTrue[i]!, totalShown: out.rowTotals![i]! }))
  }
  if (out.columnTotals) {
    for (let j = 0; j < columns; j++) {
      lines.push({ name: `column ${j}`, values: cells.map((r) => r[j]!), shown: out.cells.map((r) => r[j]!), total: columnTrue[j]!, totalShown: out.columnTotals[j]! })
    }
  }
  if (out.total !== undefined) {
    const grand = sum(rowTrue)
    lines.push({ name: 'column totals', values: columnTrue, shown: out.columnTotals!, total: grand, totalShown: out.total })
    lines.push({ name: 'row totals', values: rowTrue, shown: out.rowTotals!, total: grand, totalShown: out.total })
  }
  return lines
}

/** Every published number beside its true value. */
function pairs(cells: number[][], out: Protected): [number, Shown][] {
  const ps: [number, Shown][] = cells.flatMap((row, i) => row.map((v, j): [number, Shown] => [v, out.cells[i]![j]!]))
  const columns = cells[0]?.length ?? 0
  if (out.rowTotals) cells.forEach((row, i) => ps.push([sum(row), out.rowTotals![i]!]))
  if (out.columnTotals) for (let j = 0; j < columns; j++) ps.push([sum(cells.map((r) => r[j]!)), out.columnTotals[j]!])
  if (out.total !== undefined) ps.push([sum(cells.flat()), out.total])
  return ps
}

t.test('properties of protect over random tables', async (t) => {
  let runs = 0
  let secondary = 0
  fc.assert(
    fc.property(tableArb, optionsArb, (cells, options) => {
      runs++
      const out = protect(cells, options)
      // Shape: the same table, and exactly the totals asked for.
      assert.deepEqual(
        out.cells.map((r) => r.length),
        cells.map((r) => r.length),
      )
      assert.equal(out.rowTotals !== undefined, options.rowTotals === true)
      assert.equal(out.columnTotals !== undefined, options.columnTotals === true)
      assert.equal(out.total !== undefined, options.rowTotals === true && options.columnTotals === true)

      for (const [value, shown] of pairs(cells, out)) {
        if (shown === SUPPRESSED) {
          // (d) zeros are always shown as 0 (a hidden number is at least 1)
          if (value === 0) throw new Error('a 0 was hidden')
        } else {
          // (a) nothing shown lies in 1–7; (b) every shown number is its true value
          if (shown >= 1 && shown <= 7) throw new Error(`${shown} was shown`)
          if (shown !== value) throw new Error(`${value} was shown as ${shown}`)
        }
        if (value >= 1 && value <= 7 && shown !== SUPPRESSED) throw new Error(`${value} was not hidden`)
        if (value === 0 && shown !== 0) throw new Error('a 0 was not shown as 0')
      }

      // (c) no hidden number can be worked out from one line: with its total shown, a line has no
      // hidden count, or ≥ 2 whose sum (total − shown) is not their number (k hidden 1s); with its
      // total hidden, it has a hidden count too (else the total is the sum of the shown ones).
      for (const line of linesOf(cells, out)) {
        const hidden = line.shown.filter((s) => s === SUPPRESSED).length
        if (line.totalShown === SUPPRESSED) {
          if (hidden === 0) throw new Error(`${line.name}: hidden total ${line.total} is the sum of its shown counts`)
        } else {
          const shownSum = sum(line.shown.filter((s): s is number => s !== SUPPRESSED))
          const hiddenSum = line.totalShown - shownSum
          if (hidden === 1 || (hidden >= 2 && hiddenSum === hidden)) {
            throw new Error(`${line.name}: ${hidden} hidden count(s) summing to ${hiddenSum} can be worked out`)
          }
        }
      }

      const primary = cells.flat().filter((v) => v >= 1 && v <= 7).length
      if (out.cells.flat().filter((s) => s === SUPPRESSED).length > primary) secondary++
    }),
    { numRuns: NUM_RUNS, seed: SEED },
  )
  t.equal(runs >= NUM_RUNS, true, `${runs} runs`)
  // The generator must reach the interesting cases: secondary suppression in a fair share of runs.
  t.ok(secondary > NUM_RUNS / 10, `${secondary} of ${NUM_RUNS} tables needed secondary suppression`)
})

t.test('without totals, only primary suppression', async (t) => {
  fc.assert(
    fc.property(tableArb, (cells) => {
      const out = protect(cells)
      const expected = cells.map((row) => row.map((v) => (v >= 1 && v <= 7 ? SUPPRESSED : v)))
      assert.deepEqual(out, { cells: expected })
    }),
    { numRuns: 300, seed: SEED },
  )
  t.pass('300 tables')
})

t.test('(e) protectList agrees with protect on one column', async (t) => {
  fc.assert(
    fc.property(fc.array(countArb, { maxLength: 12 }), fc.boolean(), (counts, withTotal) => {
      const list = protectList(counts, withTotal)
      const table = protect(
        counts.map((c) => [c]),
        { columnTotals: withTotal },
      )
      assert.deepEqual(
        list.cells,
        table.cells.map((r) => r[0]),
      )
      if (!withTotal) assert.equal('total' in list, false)
      else if (counts.length === 0) assert.equal(list.total, 0)
      else assert.equal(list.total, table.columnTotals![0])
    }),
    { numRuns: 1000, seed: SEED },
  )
  t.pass('1000 lists')
})

t.test('share and mean over random inputs', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 200 }).chain((whole) => fc.tuple(fc.integer({ min: 0, max: whole }), fc.constant(whole))),
      ([part, whole]) => {
        const s = share(part, whole)
        const small = (n: number) => n >= 1 && n <= 7
        if (whole < 10 || small(part) || small(whole - part)) assert.equal(s, null)
        else {
          assert.notEqual(s, null)
          assert.ok(Math.abs(s! - (100 * part) / whole) <= 0.05 + 1e-9)
          assert.equal(Math.round(s! * 10) / 10, s)
        }
      },
    ),
    { numRuns: 1000, seed: SEED },
  )
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 30 }), (values) => {
      const m = mean(values)
      if (values.length < 10) assert.equal(m, null)
      else assert.ok(Math.abs(m! - sum(values) / values.length) <= 0.005 + 1e-9)
    }),
    { numRuns: 500, seed: SEED },
  )
  t.pass('1000 shares, 500 means')
})
