import type { CsvRecord } from './csv.js';
import { TableFormatError } from './tableErrors.js';

/** The header of a table: its line and its column names, distinct and non-empty. */
export interface TableHeader {
  row: number;
  names: string[];
}

/**
 * Reads the header record and checks the table has data: every column is named, no name
 * repeats (a repeated name means two columns a reader could confuse), and at least one data
 * row follows. `expected` shows the caller's format in messages, e.g. "id,score".
 */
export function readHeader(records: CsvRecord[], source: string, expected: string): TableHeader {
  if (!records.length) throw new TableFormatError(`${source}: the file is empty; expected a header line such as "${expected}"`, { source, row: 1 });
  const { row, cells: names } = records[0];
  const seen = new Set<string>();
  names.forEach((name, j) => {
    if (!name) throw new TableFormatError(`${source}: header cell ${j + 1} is empty; every column needs a name (expected ${expected})`, { source, row });
    if (seen.has(name)) throw new TableFormatError(`${source}: column "${name}" appears twice in the header`, { source, row, column: name });
    seen.add(name);
  });
  if (records.length < 2) throw new TableFormatError(`${source}: no data rows after the header`, { source, row: row + 1 });
  return { row, names };
}

/**
 * The index of the column named by one of `names` (letter case ignored), or -1. Two columns
 * that both match (`ID` and `id`, `event` and `status`) are refused rather than one picked.
 */
export function findColumn(header: TableHeader, names: readonly string[], source: string): number {
  const hits = header.names.flatMap((h, j) => (names.includes(h.toLowerCase()) ? [j] : []));
  if (hits.length > 1) {
    const found = hits.map((j) => `"${header.names[j]}"`).join(' and ');
    throw new TableFormatError(`${source}: columns ${found} both name the ${names[0]} column; keep one`, { source, row: header.row, column: header.names[hits[1]] });
  }
  return hits.length ? hits[0] : -1;
}
