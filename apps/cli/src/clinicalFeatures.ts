import type { FeatureCsv } from '@fedrad/protocol';
import { CliUsageError } from './errors.js';

/** Which columns a model is trained on: the radiomics features, the clinical covariates, or both. */
export type ModelSet = 'radiomics' | 'clinical' | 'combined';

/**
 * The training table of a model set (DESIGN.md: a radiomics model must beat, or add to, a clinical
 * baseline): the clinical covariates (a table of id + numeric columns, categories coded as numbers)
 * joined to the radiomics features by id, in the features table's case order. Every case of the
 * features table needs its clinical row; a covariate may not share a feature's name.
 */
export function modelSetTable(features: FeatureCsv, clinical: FeatureCsv, set: Exclude<ModelSet, 'radiomics'>): FeatureCsv {
  const row = new Map(clinical.ids.map((id, i) => [id, i]));
  const missing = features.ids.find((id) => !row.has(id));
  if (missing !== undefined) throw new CliUsageError(`${clinical.source} has no row for case "${missing}" of ${features.source}; every case needs its clinical covariates`);
  const q = clinical.featureNames.length;
  const clash = clinical.featureNames.find((c) => features.featureNames.includes(c));
  if (set === 'combined' && clash !== undefined) throw new CliUsageError(`"${clash}" is both a feature of ${features.source} and a covariate of ${clinical.source}; rename one`);
  const names = set === 'clinical' ? clinical.featureNames : [...features.featureNames, ...clinical.featureNames];
  const p = features.featureNames.length;
  const width = names.length;
  const values = new Float64Array(features.ids.length * width);
  features.ids.forEach((id, i) => {
    const c = row.get(id)!;
    if (set === 'combined') values.set(features.values.subarray(i * p, (i + 1) * p), i * width);
    values.set(clinical.values.subarray(c * q, (c + 1) * q), i * width + (set === 'combined' ? p : 0));
  });
  return { ids: features.ids, featureNames: names, values, source: `${features.source} + ${clinical.source}` };
}
