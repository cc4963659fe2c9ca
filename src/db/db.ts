/** What a query returns, whichever database answered it. */
export interface QueryResult<R> {
  rows: R[]
  rowCount: number
}

/**
 * A statement PostgreSQL keeps prepared under its name on each connection, so it is parsed and
 * planned there once rather than on every call (after five calls the server may keep a generic
 * plan). For the hot statements whose planning costs more than running them. PGlite runs the text.
 */
export interface Named {
  readonly name: string
  readonly text: string
}

export const named = (name: string, text: string): Named => ({ name, text })

/** A statement's text, named or not. */
export const sqlText = (sql: string | Named): string => (typeof sql === 'string' ? sql : sql.text)

/** Something that runs parameterised SQL: the database itself, or one transaction on it. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string | Named, params?: readonly unknown[]): Promise<QueryResult<R>>
  /** Runs a script of several statements with no parameters (a migration). */
  exec(sql: string): Promise<void>
}

/**
 * The one small interface the code talks to. Two implementations: a `pg` Pool (PostgreSQL
 * server) and PGlite (embedded). Both return the same JavaScript types for the same SQL:
 * int8 and numeric as numbers, date as 'YYYY-MM-DD', timestamptz as Date, time as 'HH:MM:SS'.
 */
export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite'
  /** Runs fn in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /**
   * Runs fn only if this process can take the advisory lock `key` (held on its own session
   * while fn runs); resolves false without running fn when another holder has it.
   */
  withTryLock(key: number, fn: () => Promise<void>): Promise<boolean>
  close(): Promise<void>
}

/** Type OIDs whose text form both implementations parse the same way. */
export const TYPE_PARSERS: Record<number, (text: string) => unknown> = {
  20: Number, // int8: counts fit comfortably in a double
  1700: Number, // numeric: money amounts with two decimals
  1082: (text) => text, // date: keep the calendar date, no time-zone shift
}
