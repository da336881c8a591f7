import type { ClinicalRows } from '../clinicalTable.js';

/** A baseline model's rows: the patients with every covariate, radiomics columns first, then the covariates. */
export interface BaselineRows {
  featureNames: string[];
  /** Row-major (kept patients) × (radiomics + covariates). */
  x: Float64Array;
  /** The kept patients' positions in the cohort. */
  keep: number[];
  /** Patients left out for lacking a covariate. */
  missing: number;
}

/**
 * Joins a cohort's radiomics rows (n × p, in cohort order) with its covariates and keeps the
 * complete cases: a baseline model and the radiomics model it is compared with are fitted and
 * scored on the same patients, and the ones left out are counted, never dropped unseen.
 */
export function baselineRows(ids: readonly string[], radiomics: { names: readonly string[]; values: Float64Array }, clinical: ClinicalRows): BaselineRows {
  const p = radiomics.names.length;
  const q = clinical.covariates.length;
  const keep = ids.map((_, i) => i).filter((i) => clinical.complete[i]);
  const width = p + q;
  const x = new Float64Array(keep.length * width);
  keep.forEach((i, r) => {
    x.set(radiomics.values.subarray(i * p, (i + 1) * p), r * width);
    x.set(clinical.values.subarray(i * q, (i + 1) * q), r * width + p);
  });
  return { featureNames: [...radiomics.names, ...clinical.covariates], x, keep, missing: ids.length - keep.length };
}
