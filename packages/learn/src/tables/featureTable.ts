import { MissingValueError, TableFormatError } from '../errors.js';
import { caseIds, parseCsv, parseNumber, readHeader } from './csv.js';

/** Features per case: what `fedrad extract` writes (id + one numeric column per feature). */
export interface FeatureTable {
  ids: string[];
  featureNames: string[];
  /** Row-major n × p, Float64. */
  values: Float64Array;
  /** File name or label used in error messages. */
  source?: string;
}

/** Reads a features CSV; refuses missing values, naming the case and the column. */
export function readFeatureTable(csvText: string, source = 'features CSV'): FeatureTable {
  const rows = parseCsv(csvText, source);
  const head = readHeader(rows, source);
  const featureNames = head.slice(1);
  if (!featureNames.length) throw new TableFormatError(`${source}: no feature columns after "id"`, source, 1);
  const ids = caseIds(rows, head.length, source);
  const p = featureNames.length;
  const values = new Float64Array(ids.length * p);
  for (let r = 0; r < ids.length; r++) {
    for (let j = 0; j < p; j++) {
      const v = parseNumber(rows[r + 1][j + 1], source, r + 2, featureNames[j]);
      if (v === undefined) throw new MissingValueError(source, ids[r], featureNames[j], r + 2);
      values[r * p + j] = v;
    }
  }
  return { ids, featureNames, values, source };
}
