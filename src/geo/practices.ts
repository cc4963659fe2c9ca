/**
 * GP practices and the primary care networks (PCNs) they belong to, for link worker teams (a
 * team that is a PCN's social prescribing service names its PCN) and the reports by PCN. The
 * shipped Croydon practices (./data, see ATTRIBUTION.md) load on first start;
 * `npm run import:areas` loads any area's, or all of England's.
 *
 * A practice CSV has a header row naming, in any order and any letter case, `practice_code`,
 * `practice_name`, `pcn_code` and `pcn_name`, and optionally `practice_postcode`: the columns of
 * NHS Digital's "Patients Registered at a GP Practice" mapping file, so that file loads as it
 * is. A practice whose PCN code is "U" (unallocated) belongs to no PCN and is left out. A file
 * with any bad row is refused whole, saying which line and why; a practice or PCN already held
 * is updated (a practice moved to another PCN moves).
 */
import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import type { Db, Queryable } from '../db/db.ts'
import { normalisePostcode } from './postcode.ts'
import { readCsvFile } from './profiles.ts'

export class PracticeFileRefused extends Error {
  override name = 'PracticeFileRefused'
}

const REQUIRED = ['practice_code', 'practice_name', 'pcn_code', 'pcn_name'] as const

export interface PracticeImport {
  practices: number
  pcns: number
  /** Practices in no PCN (code "U"), left out. */
  unallocated: number
}

/** The header names a practice file by: practice_code and pcn_code, in any letter case. */
export function isPracticeFile(text: string): boolean {
  let header: string[]
  try {
    header = (parse(text, { bom: true, trim: true, to_line: 1 }) as string[][])[0]?.map((h) => h.toLowerCase()) ?? []
  } catch {
    return false
  }
  return header.includes('practice_code') && header.includes('pcn_code')
}

interface PracticeRow {
  code: string
  name: string
  postcode: string | null
  pcn_code: string
}

function readRows(text: string): { practices: PracticeRow[]; pcns: Map<string, string>; unallocated: number } {
  const { header, body } = readCsvFile(text, PracticeFileRefused)
  const at = (name: string) => header.findIndex((h) => h.toLowerCase() === name)
  const missing = REQUIRED.filter((c) => at(c) < 0)
  if (missing.length > 0) throw new PracticeFileRefused(`No column named ${missing.join(', ')}.`)
  const [code, name, pcnCode, pcnName, postcode] = [...REQUIRED, 'practice_postcode'].map(at) as [number, number, number, number, number]
  const practices: PracticeRow[] = []
  const pcns = new Map<string, string>()
  const seen = new Set<string>()
  let unallocated = 0
  body.forEach((record, index) => {
    const line = index + 2
    const practice = record[code]!.toUpperCase()
    if (!/^[A-Z][0-9A-Z]{5}$/.test(practice)) throw new PracticeFileRefused(`Line ${line}: "${record[code]}" is not a GP practice code (a letter and five letters or digits, like H83001).`)
    if (seen.has(practice)) throw new PracticeFileRefused(`Line ${line}: practice ${practice} is listed twice.`)
    seen.add(practice)
    const pcn = record[pcnCode]!.toUpperCase()
    if (pcn === 'U') {
      unallocated++
      return
    }
    if (!/^U\d{5}$/.test(pcn)) throw new PracticeFileRefused(`Line ${line}: "${record[pcnCode]}" is not a PCN code (U and five digits, like U74798, or U for none).`)
    const practiceName = record[name]!
    const networkName = record[pcnName]!
    if (practiceName === '' || practiceName.length > 200) throw new PracticeFileRefused(`Line ${line}: the practice name must have 1 to 200 characters.`)
    if (networkName === '' || networkName.length > 200) throw new PracticeFileRefused(`Line ${line}: the PCN name must have 1 to 200 characters.`)
    const named = pcns.get(pcn)
    if (named !== undefined && named !== networkName) throw new PracticeFileRefused(`Line ${line}: PCN ${pcn} is named "${networkName}" here and "${named}" above.`)
    pcns.set(pcn, networkName)
    const typed = postcode < 0 ? '' : record[postcode]!
    practices.push({ code: practice, name: practiceName, postcode: typed === '' ? null : (normalisePostcode(typed) ?? null), pcn_code: pcn })
  })
  return { practices, pcns, unallocated }
}

async function writePractices(tx: Queryable, text: string): Promise<PracticeImport> {
  const { practices, pcns, unallocated } = readRows(text)
  await tx.query(
    `INSERT INTO pcn (code, name) SELECT code, name FROM json_populate_recordset(NULL::pcn, $1::json)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name`,
    [JSON.stringify([...pcns].map(([code, name]) => ({ code, name })))],
  )
  await tx.query(
    `INSERT INTO gp_practice (code, name, postcode, pcn_code)
     SELECT code, name, postcode, pcn_code FROM json_populate_recordset(NULL::gp_practice, $1::json)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, postcode = EXCLUDED.postcode, pcn_code = EXCLUDED.pcn_code`,
    [JSON.stringify(practices)],
  )
  return { practices: practices.length, pcns: pcns.size, unallocated }
}

/** Imports one practice CSV in one transaction: a bad file changes nothing. */
export function importPractices(db: Db, text: string): Promise<PracticeImport> {
  return db.transaction((tx) => writePractices(tx, text))
}

export const SHIPPED_PRACTICE_FILE = new URL('./data/croydon_gp_practices.csv', import.meta.url)

// Shared by every instance, so only one loads the shipped practices.
const PRACTICE_LOCK = 7_310_526_020

/** On the first start, loads the shipped GP practices and their PCNs. */
export async function loadShippedPracticesIfEmpty(db: Db): Promise<PracticeImport | undefined> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PRACTICE_LOCK])
    const { rowCount } = await tx.query('SELECT 1 FROM pcn LIMIT 1')
    if (rowCount > 0) return undefined
    return writePractices(tx, readFileSync(SHIPPED_PRACTICE_FILE, 'utf8'))
  })
}
