/**
 * The pictures on the report pages, worked out on the server from a report table: a
 * choropleth's classes and legend (the browser only paints them: assets/reports-map.js), and a
 * monthly bar chart drawn as inline SVG with its figures as a text alternative. Neither is ever
 * the only way to read a figure: the table follows each.
 */
import type { Cell, ReportTable } from '../../reports/schemas.ts'

const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 })

/** A cell as the pages show it: '*' for a hidden count, '–' for a figure not given, numbers as en-GB writes them. */
export function cellText(cell: Cell): string {
  if (cell === null) return '–'
  if (typeof cell === 'number') return numberFormat.format(cell)
  return cell
}

/**
 * Five blues whose lightness falls clearly from one to the next (about 88, 72, 56, 40 and 24 in
 * CIELAB L*), so the legend still reads printed in grey; 0 is white, its own class.
 */
export const CLASS_COLOURS = ['#d2e3f3', '#8fb9df', '#4a8cc4', '#1d5f98', '#0b2f55'] as const

export interface LegendEntry {
  key: string
  label: string
}

export interface Choropleth {
  /** Where the browser fetches the areas' outlines: the table's GeoJSON download. */
  geojson: string
  column: string
  columnLabel: string
  /** Legend entries in order: 0, the classes from low to high, hidden, no figure. */
  legend: LegendEntry[]
  /** Each area's class and figure as the table shows it, by code. */
  areas: Record<string, { name: string; cls: string; text: string }>
  colours: Record<string, string>
}

const format = (n: number, decimals: number) => n.toLocaleString('en-GB', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })

/**
 * The table's `column` in classes: 0 alone; the positive figures in up to five classes of equal
 * width (whole numbers for counts); '*' hidden; null no figure.
 */
export function choropleth(table: ReportTable, column: string, geojson: string): Choropleth {
  const index = table.columns.findIndex((c) => c.key === column)
  const col = table.columns[index]!
  const values = table.rows.map((r) => r.cells[index] ?? null)
  const numbers = values.filter((v): v is number => typeof v === 'number' && v > 0)
  const whole = numbers.every(Number.isInteger)
  const decimals = whole ? 0 : 1
  const classes: { lo: number; hi: number; label: string }[] = []
  if (numbers.length) {
    const min = Math.min(...numbers)
    const max = Math.max(...numbers)
    if (whole) {
      const size = Math.max(1, Math.ceil((max - min + 1) / 5))
      for (let lo = min; lo <= max; lo += size) {
        const hi = Math.min(lo + size - 1, max)
        classes.push({ lo, hi, label: lo === hi ? format(lo, 0) : `${format(lo, 0)} to ${format(hi, 0)}` })
      }
    } else {
      const step = (max - min) / 5
      if (step === 0) classes.push({ lo: min, hi: max, label: format(min, decimals) })
      else
        for (let i = 0; i < 5; i++) {
          const lo = min + i * step
          const hi = i === 4 ? max : min + (i + 1) * step
          classes.push({ lo, hi, label: i === 0 ? `${format(lo, decimals)} to ${format(hi, decimals)}` : `over ${format(lo, decimals)} to ${format(hi, decimals)}` })
        }
    }
  }
  // Fewer than five classes still spread from light to dark.
  const colourOf = (i: number) => CLASS_COLOURS[classes.length === 1 ? 2 : Math.round((i * 4) / Math.max(1, classes.length - 1))]!
  const classOf = (v: Cell): string => {
    if (v === '*') return 'hidden'
    if (typeof v !== 'number') return 'none'
    if (v <= 0) return 'zero'
    const i = classes.findIndex((c, j) => (j === classes.length - 1 ? true : whole ? v <= c.hi : v < classes[j + 1]!.lo))
    return `c${i + 1}`
  }
  const areas: Choropleth['areas'] = {}
  table.rows.forEach((r, i) => {
    areas[r.key] = { name: r.label, cls: classOf(values[i]!), text: cellText(values[i]!) }
  })
  const used = new Set(Object.values(areas).map((a) => a.cls))
  const colours: Record<string, string> = { zero: '#ffffff', none: '#ffffff', hidden: '#ffffff' }
  classes.forEach((_, i) => (colours[`c${i + 1}`] = colourOf(i)))
  const legend: LegendEntry[] = [
    { key: 'zero', label: '0' },
    ...classes.map((c, i) => ({ key: `c${i + 1}`, label: c.label })),
    { key: 'hidden', label: 'Hidden: from 1 to 7, or hidden so another small count cannot be worked out (*)' },
    ...(used.has('none') ? [{ key: 'none', label: 'No figure (–)' }] : []),
  ]
  return { geojson, column, columnLabel: col.label, legend, areas, colours }
}

export interface MonthChart {
  id: string
  title: string
  desc: string
  width: number
  height: number
  baseline: number
  left: number
  right: number
  bars: { x: number; y: number; w: number; h: number; kind: 'value' | 'hidden' | 'none'; mark: string; markY: number; cx: number }[]
  xLabels: { x: number; text: string }[]
  yLabels: { y: number; text: string }[]
}

const SHORT_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** The table's first column, month by month (rows keyed YYYY-MM), as a bar chart: hidden months marked *, not drawn as 0. */
export function monthChart(table: ReportTable, title: string): MonthChart {
  const width = 480
  const height = 200
  const left = 36
  const right = width - 8
  const top = 16
  const baseline = height - 36
  const values = table.rows.map((r) => r.cells[0] ?? null)
  const max = Math.max(1, ...values.filter((v): v is number => typeof v === 'number'))
  const n = Math.max(1, table.rows.length)
  const slot = (right - left) / n
  const every = Math.ceil(n / 12)
  const plot = baseline - top
  const bars = values.map((v, i) => {
    const x = left + i * slot + slot * 0.15
    const w = slot * 0.7
    const cx = left + i * slot + slot / 2
    if (typeof v === 'number') {
      const h = (Math.max(0, v) / max) * plot
      return { x, y: baseline - h, w, h, kind: 'value' as const, mark: '', markY: 0, cx }
    }
    const hidden = v === '*'
    return { x, y: baseline - 10, w, h: hidden ? 10 : 0, kind: hidden ? ('hidden' as const) : ('none' as const), mark: hidden ? '*' : '–', markY: baseline - 14, cx }
  })
  const xLabels = table.rows
    .map((r, i) => ({ i, key: r.key }))
    .filter(({ i }) => i % every === 0)
    .map(({ i, key }) => {
      const [year, month] = key.split('-')
      const m = Number(month) - 1
      return { x: left + i * slot + slot / 2, text: SHORT_MONTHS[m] ? (m === 0 || i === 0 ? `${SHORT_MONTHS[m]} ${year}` : SHORT_MONTHS[m]) : key }
    })
  const yLabels = [
    { y: baseline, text: '0' },
    { y: top, text: format(max, Number.isInteger(max) ? 0 : 1) },
  ]
  const hiddenMonths = values.filter((v) => v === '*').length
  const desc =
    table.rows.map((r, i) => `${r.label}: ${cellText(values[i]!)}`).join('; ') +
    '.' +
    (hiddenMonths ? ' Months marked * had from 1 to 7, or were hidden so another small count cannot be worked out.' : '')
  return { id: `chart-${table.name}`, title, desc, width, height, baseline, left, right, bars, xLabels, yLabels }
}
