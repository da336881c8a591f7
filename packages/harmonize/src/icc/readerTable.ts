import { HarmonizeInputError, MismatchedIdsError } from '../errors.js';
import { requireWellFormed, type FeatureRows } from '../siteRows.js';

/**
 * The same cases measured k times (k segmentations, readers or perturbations), aligned by case id:
 * value (case i, reader r, feature f) at `(i·k + r)·p + f`, in the first reader's case and
 * feature order.
 */
export interface ReaderTable {
  ids: readonly string[];
  featureNames: readonly string[];
  readerCount: number;
  values: Float64Array;
}

const nameOf = (rows: FeatureRows, r: number) => rows.source ?? `reader ${r + 1}`;

/**
 * Aligns k ≥ 2 tables of the same cases and features. A case or a feature that one table has and
 * another lacks is refused, naming it and the table; nothing is dropped to make them fit.
 */
export function alignReaders(readers: readonly FeatureRows[]): ReaderTable {
  if (readers.length < 2) throw new HarmonizeInputError(`An ICC needs at least two measurements of each case (segmentations, readers or perturbations); got ${readers.length}.`, { field: 'readers', expected: 'at least 2', found: `${readers.length}` });
  readers.forEach((r, i) => requireWellFormed(r, nameOf(r, i)));
  const [first] = readers;
  const n = first.ids.length;
  const p = first.featureNames.length;
  const k = readers.length;
  const values = new Float64Array(n * k * p);
  readers.forEach((reader, r) => {
    const name = nameOf(reader, r);
    const column = new Map(reader.featureNames.map((f, j) => [f, j]));
    const row = new Map(reader.ids.map((id, i) => [id, i]));
    const missingFeature = first.featureNames.find((f) => !column.has(f));
    if (missingFeature !== undefined) throw new HarmonizeInputError(`${name} has no column "${missingFeature}", which ${nameOf(first, 0)} has; every measurement must have the same features.`, { field: missingFeature });
    const extraFeature = reader.featureNames.find((f) => !first.featureNames.includes(f));
    if (extraFeature !== undefined) throw new HarmonizeInputError(`${name} has a column "${extraFeature}" that ${nameOf(first, 0)} lacks; every measurement must have the same features.`, { field: extraFeature });
    const missingCase = first.ids.find((id) => !row.has(id));
    if (missingCase !== undefined) throw new MismatchedIdsError(`${name} has no row for case "${missingCase}", which ${nameOf(first, 0)} has; every case must be measured by every reader.`, { caseId: missingCase, file: reader.source });
    if (reader.ids.length !== n) {
      const extra = reader.ids.find((id) => !first.ids.includes(id))!;
      throw new MismatchedIdsError(`${name} has case "${extra}", which ${nameOf(first, 0)} lacks; every case must be measured by every reader.`, { caseId: extra, file: reader.source });
    }
    const q = reader.featureNames.length;
    first.ids.forEach((id, i) => {
      const source = row.get(id)! * q;
      first.featureNames.forEach((f, j) => {
        values[(i * k + r) * p + j] = reader.values[source + column.get(f)!];
      });
    });
  });
  return { ids: first.ids, featureNames: first.featureNames, readerCount: k, values };
}
