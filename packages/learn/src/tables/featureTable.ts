import { MissingValueError, TableFormatError } from '../errors.js';
import { parseCsv, parseNumber } from './csv.js';

/** Features per case: what `fedrad extract` writes (id + one numeric column per feature). */
export interface FeatureTable {
  ids: string[];
  featureNames: string[];
  /** Row-major n × p, Float64. */
  values: Float64Array;
  /** File name or label used in error messages. */
  source?: string;
}

function header(rows: string[][], source: string): string[] {
  if (!rows.length) throw new TableFormatError(`${source}: the table is empty (expected a header line)`, source);
  const head = rows[0].map((h) => h.trim());
  if (head[0] !== 'id') throw new TableFormatError(`${source}: the first column must be "id", found "${head[0]}"`, source, 1, head[0]);
  const seen = new Set<string>();
  for (const h of head) {
    if (!h) throw new TableFormatError(`${source}: a header cell is empty`, source, 1);
    if (seen.has(h)) throw new TableFormatError(`${source}: column "${h}" appears twice`, source, 1, h);
    seen.add(h);
  }
  return head;
}

export function caseIds(rows: string[][], width: number, source: string): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (let r = 1; r < rows.length; r++) {
    if (rows[r].length !== width)
      throw new TableFormatError(`${source}: line ${r + 1} has ${rows[r].length} cells, the header has ${width}`, source, r + 1);
    const id = rows[r][0].trim();
    if (!id) throw new TableFormatError(`${source}: line ${r + 1} has an empty id`, source, r + 1, 'id');
    if (seen.has(id)) throw new TableFormatError(`${source}: case id "${id}" appears twice (line ${r + 1})`, source, r + 1, 'id');
    seen.add(id);
    ids.push(id);
  }
  return ids;
}

/** Reads a features CSV; refuses missing values, naming the case and the column. */
export function readFeatureTable(csvText: string, source = 'features CSV'): FeatureTable {
  const rows = parseCsv(csvText, source);
  const head = header(rows, source);
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

export { header as readHeader };
