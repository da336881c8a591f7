/**
 * Words that mean "no value" in a cell: pandas' default `na_values` for read_csv (pandas 2.x
 * documentation, which also covers what R writes, `NA`), compared without letter case, and
 * `?` as the UCI repository's data sets write it. Every table refuses a missing cell; knowing
 * it is missing lets the error say "no value" rather than "not a number".
 */
const MISSING_WORDS = new Set(
  ['', '#n/a', '#n/a n/a', '#na', '-1.#ind', '-1.#qnan', '-nan', '1.#ind', '1.#qnan', '<na>', 'n/a', 'na', 'null', 'nan', 'none', '?'],
);

/** True when a (trimmed) cell holds no value. */
export function isMissing(cell: string): boolean {
  return MISSING_WORDS.has(cell.toLowerCase());
}

/** The cell as a finite number, or undefined (missing, text, NaN or ±Infinity). */
export function finiteNumber(cell: string): number | undefined {
  if (isMissing(cell)) return undefined;
  const v = Number(cell);
  return Number.isFinite(v) ? v : undefined;
}

/** The cell as 0 or 1 ("1", "1.0", "0", as R and pandas write logicals cast to numbers), or undefined. */
export function zeroOne(cell: string): 0 | 1 | undefined {
  const v = finiteNumber(cell);
  return v === 0 || v === 1 ? v : undefined;
}
