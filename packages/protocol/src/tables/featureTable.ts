import { caseRows } from './caseRows.js';
import { isMissing } from './cells.js';
import { readCsv } from './csv.js';
import { readHeader } from './header.js';
import { MissingValueError, TableFormatError } from './tableErrors.js';

/** Features per case, as `fedrad extract` writes them: `id` first, then one numeric column per feature. */
export interface FeatureCsv {
  ids: string[];
  featureNames: string[];
  /** Row-major n × p, Float64. */
  values: Float64Array;
  /** File name or label used in error messages. */
  source?: string;
}

/** Reads a features CSV; refuses a missing or non-numeric cell, naming the case, the line and the column. */
export function readFeatureTable(csvText: string, source = 'features CSV'): FeatureCsv {
  const records = readCsv(csvText, source);
  const header = readHeader(records, source, 'id,<feature>,<feature>,…');
  const [first, ...featureNames] = header.names;
  if (first.toLowerCase() !== 'id') throw new TableFormatError(`${source}: the first column must be "id", found "${first}"`, { source, row: header.row, column: first });
  if (!featureNames.length) throw new TableFormatError(`${source}: no feature columns after "id"`, { source, row: header.row });
  const rows = caseRows(records, header, 0, source);
  const p = featureNames.length;
  const values = new Float64Array(rows.length * p);
  rows.forEach(({ row, id, cells }, i) => {
    for (let j = 0; j < p; j++) {
      const cell = cells[j + 1];
      const column = featureNames[j];
      if (isMissing(cell)) throw new MissingValueError({ source, row, column, caseId: id, value: cell });
      const v = Number(cell);
      if (!Number.isFinite(v)) {
        throw new TableFormatError(`${source} line ${row}: case "${id}", column "${column}": "${cell}" is not a number`, { source, row, column, caseId: id, value: cell });
      }
      values[i * p + j] = v;
    }
  });
  return { ids: rows.map((r) => r.id), featureNames, values, source };
}
