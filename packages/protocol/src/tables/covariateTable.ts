import { caseRows } from './caseRows.js';
import { isMissing } from './cells.js';
import { readCsv } from './csv.js';
import { readHeader } from './header.js';
import { TableFormatError } from './tableErrors.js';

/**
 * Clinical or semantic covariates per case (age, size, depth, grade: categories coded as
 * numbers): `id` first, then one numeric column per covariate. Unlike a features table a cell
 * may be missing (NA, empty, …): it is read as NaN and counted, so whoever uses the table says
 * how many patients lacked what instead of dropping them unseen.
 */
export interface CovariateCsv {
  ids: string[];
  covariateNames: string[];
  /** Row-major n × q, Float64; NaN where the cell is missing. */
  values: Float64Array;
  source?: string;
}

/**
 * Reads a covariates CSV, keeping `columns` (default: every column after id, in file order). A
 * column that is not there, or a cell that is neither a number nor a missing-value word, is
 * refused naming the file, the line, the case and the column.
 */
export function readCovariateTable(csvText: string, source = 'covariates CSV', columns?: readonly string[]): CovariateCsv {
  const records = readCsv(csvText, source);
  const header = readHeader(records, source, 'id,<covariate>,<covariate>,…');
  const [first, ...all] = header.names;
  if (first.toLowerCase() !== 'id') throw new TableFormatError(`${source}: the first column must be "id", found "${first}"`, { source, row: header.row, column: first });
  const covariateNames = columns ? [...columns] : all;
  if (!covariateNames.length) throw new TableFormatError(`${source}: no covariate columns after "id"`, { source, row: header.row });
  const at = covariateNames.map((name) => {
    const j = all.indexOf(name);
    if (j < 0) throw new TableFormatError(`${source}: no column "${name}" (it has: ${all.join(', ')})`, { source, row: header.row, column: name });
    return j + 1;
  });
  const rows = caseRows(records, header, 0, source);
  const q = covariateNames.length;
  const values = new Float64Array(rows.length * q);
  rows.forEach(({ row, id, cells }, i) => {
    for (let k = 0; k < q; k++) {
      const cell = cells[at[k]];
      if (isMissing(cell)) {
        values[i * q + k] = NaN;
        continue;
      }
      const v = Number(cell);
      if (!Number.isFinite(v)) {
        throw new TableFormatError(`${source} line ${row}: case "${id}", column "${covariateNames[k]}": "${cell}" is not a number (code categories as numbers; leave a missing value empty or NA)`, {
          source,
          row,
          column: covariateNames[k],
          caseId: id,
          value: cell,
        });
      }
      values[i * q + k] = v;
    }
  });
  return { ids: rows.map((r) => r.id), covariateNames, values, source };
}
