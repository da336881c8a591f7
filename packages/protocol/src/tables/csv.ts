import { createRequire } from 'node:module';
import { TableFormatError } from './tableErrors.js';

/** One CSV record: its cells (trimmed) and the line of the file it starts on. */
export interface CsvRecord {
  /** 1-based line where the record starts; a quoted newline makes a record span lines. */
  row: number;
  cells: string[];
}

/**
 * Parses CSV text as RFC 4180 describes it (comma-separated, fields quoted with ", "" inside
 * quotes for a quote, quoted commas and newlines), as spreadsheets and R/pandas write it:
 * a leading byte-order mark is dropped, CRLF, LF and CR line ends are all accepted (also mixed
 * in one file), blank lines are skipped and every cell is trimmed of surrounding whitespace.
 * A stray quote (`ab"c`, `"ab"c`, an unclosed `"`) is refused with its line rather than guessed at.
 * Records may have different lengths: the table readers say which row is ragged.
 */
export function readCsv(text: string, source: string): CsvRecord[] {
  const { CsvError, parse } = csvParse();
  // One line-end convention before parsing, so line numbers count what an editor shows; a
  // quoted CRLF inside a cell becomes LF, which no table cell depends on.
  const normalised = text.replace(/\r\n?/g, '\n');
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, csv-parse returns { record, info } per record (its typings only list string[][]).
    parsed = parse(normalised, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as typeof parsed;
  } catch (e) {
    if (e instanceof CsvError) {
      const row = typeof e.lines === 'number' ? e.lines : undefined;
      throw new TableFormatError(`${source}${row ? ` line ${row}` : ''}: not valid CSV (${quoteProblem(e.code)}); quote a cell that holds a comma, a quote or a line break, and write a quote inside it as ""`, { source, row }, e);
    }
    throw e;
  }
  return parsed.map(({ record, info }) => {
    // csv-parse reports the line a record ends on; quoted newlines inside it move its start back.
    const inner = record.reduce((n, cell) => n + countNewlines(cell), 0);
    return { row: info.lines - inner, cells: record.map((c) => c.trim()) };
  });
}

// csv-parse is loaded with the first table read, like ajv: processes that read no CSV (the
// workers of a cohort extraction) never load it.
type CsvParse = typeof import('csv-parse/sync');
let csvModule: CsvParse | undefined;
function csvParse(): CsvParse {
  return (csvModule ??= createRequire(import.meta.url)('csv-parse/sync') as CsvParse);
}

function countNewlines(cell: string): number {
  let n = 0;
  for (let i = cell.indexOf('\n'); i >= 0; i = cell.indexOf('\n', i + 1)) n++;
  return n;
}

function quoteProblem(code: string): string {
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quote opened on or before this line is never closed: the file ends inside it';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote inside an unquoted cell';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'text after the closing quote of a cell';
    default:
      return code;
  }
}

/**
 * One CSV line (no line end) as RFC 4180 writes it: a cell holding a comma, a quote or a line
 * break is quoted, with its quotes doubled (what Python's csv.writer does with QUOTE_MINIMAL).
 */
export function formatCsvRow(cells: readonly (string | number)[]): string {
  return cells.map((c) => (typeof c === 'number' ? String(c) : /[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
}
