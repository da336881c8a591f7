import { resampleRows, type Resampling } from '@fedrad/learn';
import type { TrainingRows } from '@fedrad/methods';
import type { FeatureCsv, ModelResampling, OutcomeCsv } from '@fedrad/protocol';
import { CliUsageError } from './errors.js';

/** The resampling the flags ask for (train's and tune's --resample, --resample-seed, --smote-neighbours). */
export function resamplingOf(o: { resample?: Resampling['method']; resampleSeed?: number; smoteNeighbours?: number }): Resampling | undefined {
  if (o.resample === undefined) {
    if (o.resampleSeed !== undefined || o.smoteNeighbours !== undefined) throw new CliUsageError('--resample-seed and --smote-neighbours set --resample; give --resample too');
    return undefined;
  }
  if (o.smoteNeighbours !== undefined && o.resample !== 'smote') throw new CliUsageError(`--smote-neighbours applies to --resample smote, not ${o.resample}`);
  return { method: o.resample, seed: o.resampleSeed ?? 1, ...(o.resample === 'smote' ? { neighbours: o.smoteNeighbours ?? 5 } : {}) };
}

/** What the model card records: the method, and the patients before resampling. */
export const resamplingRecord = (r: Resampling, patients: number, patientEvents: number): ModelResampling => ({ method: r.method, seed: r.seed, ...(r.neighbours !== undefined ? { neighbours: r.neighbours } : {}), patients, patientEvents });

/**
 * The training tables rebalanced (pooled `fedrad train`): the features and outcome rows of
 * learn's resampleRows, new rows named `<method>-<k>` (ids of no patient). Binary outcomes only.
 */
export function resampledTables(features: FeatureCsv, outcome: OutcomeCsv, r: Resampling): { features: FeatureCsv; outcome: OutcomeCsv } {
  if (outcome.kind !== 'binary') throw new CliUsageError('--resample rebalances the classes of a binary outcome (id,label); this outcome is a survival table');
  const index = new Map(outcome.ids.map((id, i) => [id, i]));
  const label = Float64Array.from(features.ids, (id) => {
    const i = index.get(id);
    if (i === undefined) throw new CliUsageError(`${outcome.source} has no outcome for case "${id}" of ${features.source}`);
    return outcome.label[i];
  });
  const out = resampleRows({ x: features.values, label, p: features.featureNames.length }, r);
  // Kept rows keep their case id; an added row is no patient's, so it gets a name of its own.
  const ids = Array.from(out.origin, (o, i) => (o >= 0 ? features.ids[o] : `${r.method}-${i + 1}`));
  return { features: { ...features, ids, values: out.x }, outcome: { kind: 'binary', ids, label: out.label, source: outcome.source } };
}

/** Each site rebalances its own rows (seed + the site's index), as a site would before training. */
export function resampledPartitions(partitions: Map<string, TrainingRows>, r: Resampling): Map<string, TrainingRows> {
  return new Map([...partitions].map(([site, rows], s) => {
    const out = resampleRows({ x: rows.x, label: rows.label, p: rows.featureNames.length }, { ...r, seed: r.seed + s });
    return [site, { featureNames: rows.featureNames, x: out.x, label: out.label }];
  }));
}
