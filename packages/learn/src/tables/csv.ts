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
