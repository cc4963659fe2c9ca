import type { Queryable } from '../db/db.ts'

// How alike (pg_trgm similarity, 0-1) a known word must be to stand in for a misspelt one:
// "knittng" → "knitting" is 0.55, "zumbba" → "zumba" 0.5; unrelated words score under 0.3.
const MIN_SIMILARITY = 0.4

/**
 * The plain words of a web-search-syntax query, lower-cased: operators (OR, a leading '-')
 * and quotes are syntax, not words. Words under three letters are never corrected.
 */
export function queryWords(q: string): string[] {
  return q
    .replace(/"/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^-/, ''))
    .filter((w) => w !== '' && w.toLowerCase() !== 'or')
    .map((w) => w.toLowerCase())
    .filter((w) => /^[a-z]{3,}$/.test(w))
}

/**
 * Typo tolerance: each word of the query that is not in the search vocabulary is replaced by
 * the most similar word that is (by trigram similarity), keeping the query's syntax. Returns
 * the corrected query, or undefined when nothing needed correcting.
 */
export async function correctQuery(db: Queryable, q: string): Promise<string | undefined> {
  const words = [...new Set(queryWords(q))]
  if (words.length === 0) return undefined
  const { rows } = await db.query<{ word: string; correction: string | null }>(
    `SELECT u.word,
            (SELECT v.word FROM search_word v
              WHERE v.word % u.word AND similarity(v.word, u.word) >= $2
              ORDER BY similarity(v.word, u.word) DESC, v.word LIMIT 1) AS correction
       FROM unnest($1::text[]) AS u (word)
      WHERE NOT EXISTS (SELECT 1 FROM search_word k WHERE k.word = u.word)`,
    [words, MIN_SIMILARITY],
  )
  const corrections = new Map(rows.filter((r) => r.correction).map((r) => [r.word, r.correction!]))
  if (corrections.size === 0) return undefined
  return q.replace(/[A-Za-z]+/g, (w) => corrections.get(w.toLowerCase()) ?? w)
}
