/**
 * Statistical disclosure control for every count a commissioner report publishes (JSON, CSV,
 * GeoJSON, pages), after the NHS Digital small-numbers rule. Pure functions, no I/O.
 *
 * The rule in plain words:
 * - Primary suppression: a count from 1 to 7 is shown as `*`. 0 stays 0; 8 and more are shown.
 *   Totals are counts too, so a published total from 1 to 7 is `*` as well.
 * - Secondary suppression: a published total must not let a hidden count be worked out from the
 *   shown counts of its row or column. The reader is assumed to know that every `*` is at least 1,
 *   so a 0 is never hidden. A line (a row, a column, and, when the grand total is published, the
 *   row of column totals and the column of row totals) is safe when
 *     - its total is shown and it has no hidden count, or at least 2 hidden counts whose sum is
 *       not the number of hidden counts (k hidden counts summing to k would all be 1), or
 *     - its total is hidden and at least one of its counts is hidden too (a hidden total whose
 *       counts are all shown is their sum).
 *   An unsafe line gets its smallest nonzero shown count hidden (the first, on a tie); when it has
 *   none left, its total is hidden instead, which the totals line then checks. This repeats until
 *   every line is safe; it ends because every step hides one more number.
 * - Percentages and averages are not given for fewer than 10 people, nor a percentage whose
 *   part, or whose whole minus part, is from 1 to 7 (with the whole, it would give that count).
 *
 * Each line is checked on its own: the rule does not solve the rows and columns together, as a
 * full audit of a table (linear programming over all its lines) would.
 */

/** The sentence the CSV exports (and report pages) print under a protected table. */
export const SUPPRESSION_RULE =
  'Counts from 1 to 7 are shown as *; where a total would let a hidden count be worked out, another count in the same row or column is hidden too; percentages and averages are not shown for fewer than 10 people.'

/** The largest count hidden by primary suppression; the smallest hidden count is 1. */
export const SMALL_MAX = 7
/** The fewest people a percentage (its whole) or an average (its values) may describe. */
export const MIN_PEOPLE = 10
/** What a hidden count is shown as. */
export const SUPPRESSED = '*'

/** A count as published: the number itself, or `*` when hidden. */
export type Shown = number | typeof SUPPRESSED

/** Which totals the report publishes; the grand total is published when both are. */
export interface ProtectOptions {
  /** One total per row (e.g. per ward), over its columns. */
  rowTotals?: boolean
  /** One total per column (e.g. per month), over its rows. */
  columnTotals?: boolean
}

/** A table ready to publish: each field present exactly when the options asked for it. */
export interface Protected {
  cells: Shown[][]
  rowTotals?: Shown[]
  columnTotals?: Shown[]
  total?: Shown
}

/** True for a count primary suppression hides: 1 to 7. */
export function isSmall(count: number): boolean {
  return count >= 1 && count <= SMALL_MAX
}

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`a count must be a non-negative integer, not ${count}`)
}

/** One equation a reader can use: the members sum to the total. Items are indices into one flat array. */
interface Line {
  members: number[]
  total: number
}

/**
 * Which items the rule hides, given every item's true value and the lines (published totals) a
 * reader can use. Each pass of the loop fixes every unsafe line in order; each fix hides one item.
 */
function suppress(values: number[], lines: Line[]): boolean[] {
  const hidden = values.map(isSmall)
  const unsafe = (line: Line): boolean => {
    let h = 0
    let sum = 0
    for (const m of line.members) {
      if (hidden[m]) {
        h++
        sum += values[m]!
      }
    }
    if (hidden[line.total]) return h === 0
    return h === 1 || (h >= 2 && sum === h)
  }
  const hideOne = (line: Line): void => {
    let smallest = -1
    for (const m of line.members) {
      if (!hidden[m] && values[m]! > 0 && (smallest < 0 || values[m]! < values[smallest]!)) smallest = m
    }
    // With no nonzero shown member the total is shown (a hidden total's shown members sum to it, so
    // one is nonzero): hiding it makes the line safe, and hands the question to the totals line.
    hidden[smallest < 0 ? line.total : smallest] = true
  }
  for (let changed = true; changed; ) {
    changed = false
    for (const line of lines) {
      while (unsafe(line)) {
        hideOne(line)
        changed = true
      }
    }
  }
  return hidden
}

function table(cells: number[][], columns: number, options: ProtectOptions): Protected {
  const rows = cells.length
  const values: number[] = []
  for (const row of cells) {
    if (row.length !== columns) throw new Error(`every row of a table must have ${columns} counts; one has ${row.length}`)
    for (const count of row) checkCount(count)
    values.push(...row)
  }
  // Items, flat: the cells row by row, then the row totals, the column totals and the grand total.
  const rowTotalAt = rows * columns
  const columnTotalAt = rowTotalAt + rows
  const grandAt = columnTotalAt + columns
  const rowIndex = [...Array(rows).keys()]
  const columnIndex = [...Array(columns).keys()]
  for (const i of rowIndex) values.push(cells[i]!.reduce((a, b) => a + b, 0))
  for (const j of columnIndex) values.push(cells.reduce((a, row) => a + row[j]!, 0))
  values.push(values.slice(rowTotalAt, columnTotalAt).reduce((a, b) => a + b, 0))

  const rowTotals = options.rowTotals === true
  const columnTotals = options.columnTotals === true
  const grand = rowTotals && columnTotals
  const lines: Line[] = []
  if (rowTotals) {
    for (const i of rowIndex) lines.push({ members: columnIndex.map((j) => i * columns + j), total: rowTotalAt + i })
  }
  if (columnTotals) {
    for (const j of columnIndex) lines.push({ members: rowIndex.map((i) => i * columns + j), total: columnTotalAt + j })
  }
  if (grand) {
    lines.push({ members: columnIndex.map((j) => columnTotalAt + j), total: grandAt })
    lines.push({ members: rowIndex.map((i) => rowTotalAt + i), total: grandAt })
  }

  const hidden = suppress(values, lines)
  const show = (at: number): Shown => (hidden[at] ? SUPPRESSED : values[at]!)
  const out: Protected = { cells: rowIndex.map((i) => columnIndex.map((j) => show(i * columns + j))) }
  if (rowTotals) out.rowTotals = rowIndex.map((i) => show(rowTotalAt + i))
  if (columnTotals) out.columnTotals = columnIndex.map((j) => show(columnTotalAt + j))
  if (grand) out.total = show(grandAt)
  return out
}

/**
 * Protects a table of counts (rows × columns, every row the same length) for publication, with the
 * totals the report publishes. Throws on a ragged table or a count that is not a non-negative integer.
 */
export function protect(cells: number[][], options: ProtectOptions = {}): Protected {
  return table(cells, cells[0]?.length ?? 0, options)
}

/** Protects one column of counts, with its total when `withTotal` (an empty list's total is 0). */
export function protectList(counts: number[], withTotal = false): { cells: Shown[]; total?: Shown } {
  const t = table(
    counts.map((c) => [c]),
    1,
    { columnTotals: withTotal },
  )
  const out: { cells: Shown[]; total?: Shown } = { cells: t.cells.map((row) => row[0]!) }
  if (withTotal) out.total = t.columnTotals![0]!
  return out
}

/**
 * `part` as a percentage of `whole`, to 1 decimal place; null when the whole is under 10 people,
 * or when the part or the rest (whole − part) is from 1 to 7.
 */
export function share(part: number, whole: number): number | null {
  checkCount(part)
  checkCount(whole)
  if (part > whole) throw new Error(`a part (${part}) cannot exceed its whole (${whole})`)
  if (whole < MIN_PEOPLE || isSmall(part) || isSmall(whole - part)) return null
  return Math.round((part * 1000) / whole) / 10
}

/** The mean of one value per person, to 2 decimal places; null for fewer than 10 values. */
export function mean(values: number[]): number | null {
  for (const v of values) if (!Number.isFinite(v)) throw new Error(`a value must be a finite number, not ${v}`)
  if (values.length < MIN_PEOPLE) return null
  const m = values.reduce((a, b) => a + b, 0) / values.length
  return Math.round(m * 100) / 100 + 0
}
