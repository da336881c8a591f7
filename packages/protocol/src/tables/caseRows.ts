import type { CsvRecord } from './csv.js';
import type { TableHeader } from './header.js';
import { TableFormatError } from './tableErrors.js';

/** A data row of a table: its line, its cells and its case id. */
export interface CaseRow {
  row: number;
  id: string;
  cells: string[];
}

/**
 * The data rows, each with its case id from column `idColumn`. A row with more or fewer
 * cells than the header (usually an unquoted comma inside a value, which would shift every
 * later cell), an empty id or an id seen before is refused, naming the line.
 */
export function caseRows(records: CsvRecord[], header: TableHeader, idColumn: number, source: string): CaseRow[] {
  const width = header.names.length;
  const firstRow = new Map<string, number>();
  return records.slice(1).map(({ row, cells }) => {
    if (cells.length !== width) {
      throw new TableFormatError(`${source} line ${row} has ${cells.length} cells, the header has ${width}; quote any cell that holds a comma`, { source, row });
    }
    const id = cells[idColumn];
    const column = header.names[idColumn];
    if (!id) throw new TableFormatError(`${source} line ${row}: the ${column} cell is empty; every row needs its case id`, { source, row, column });
    const first = firstRow.get(id);
    if (first !== undefined) {
      throw new TableFormatError(`${source} line ${row}: case id "${id}" appears twice (first on line ${first}); each case must have one row`, { source, row, column, caseId: id, value: id });
    }
    firstRow.set(id, row);
    return { row, id, cells };
  });
}
