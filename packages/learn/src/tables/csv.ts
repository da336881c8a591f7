/** The structure shared by FedRad CSV tables: RFC 4180 cells, the header, case ids, numeric cells. */
import { TableFormatError } from '../errors.js';

/** Parses RFC 4180 CSV (quoted fields, "" escapes, CRLF or LF); returns rows of cells. */
export function parseCsv(text: string, source: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark written by some spreadsheet tools
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') (cell += '"'), i++;
        else quoted = false;
      } else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (quoted) throw new TableFormatError(`${source}: unterminated quoted field`, source);
  if (cell !== '' || row.length) row.push(cell), rows.push(row);
  return rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
}

const MISSING = new Set(['', 'na', 'nan', 'null', 'none', '?']);

/** A numeric cell: undefined when missing (empty, NA, NaN), throws when not a number. */
export function parseNumber(cell: string, source: string, row: number, column: string): number | undefined {
  const t = cell.trim();
  if (MISSING.has(t.toLowerCase())) return undefined;
  const v = Number(t);
  if (!Number.isFinite(v)) throw new TableFormatError(`${source}: row ${row}, column "${column}": "${cell}" is not a number`, source, row, column);
  return v;
}

/**
 * The header line of a FedRad table: distinct, non-empty column names, one of them `id` (any
 * letter case, as fedrad evaluate reads it) — the first one when `idFirst` (a features table).
 */
export function readHeader(rows: string[][], source: string, idFirst = true): string[] {
  if (!rows.length) throw new TableFormatError(`${source}: the table is empty (expected a header line)`, source);
  const head = rows[0].map((h) => h.trim());
  if (idFirst && head[0].toLowerCase() !== 'id') throw new TableFormatError(`${source}: the first column must be "id", found "${head[0]}"`, source, 1, head[0]);
  if (!head.some((h) => h.toLowerCase() === 'id')) throw new TableFormatError(`${source}: no "id" column in the header "${head.join(',')}"`, source, 1);
  const seen = new Set<string>();
  for (const h of head) {
    if (!h) throw new TableFormatError(`${source}: a header cell is empty`, source, 1);
    if (seen.has(h)) throw new TableFormatError(`${source}: column "${h}" appears twice`, source, 1, h);
    seen.add(h);
  }
  return head;
}

/** The `id` of every data row, refusing ragged rows, empty ids and duplicates (with the line number). */
export function caseIds(rows: string[][], width: number, source: string, idColumn = 0): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (let r = 1; r < rows.length; r++) {
    if (rows[r].length !== width)
      throw new TableFormatError(`${source}: line ${r + 1} has ${rows[r].length} cells, the header has ${width}`, source, r + 1);
    const id = rows[r][idColumn].trim();
    if (!id) throw new TableFormatError(`${source}: line ${r + 1} has an empty id`, source, r + 1, 'id');
    if (seen.has(id)) throw new TableFormatError(`${source}: case id "${id}" appears twice (line ${r + 1})`, source, r + 1, 'id');
    seen.add(id);
    ids.push(id);
  }
  return ids;
}
