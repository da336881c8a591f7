import { BatchTooSmallError, ConstantFeatureError, HarmonizeInputError, MismatchedIdsError } from '../errors.js';
import { isConstantColumn, columnMoments } from '../moments.js';
import type { FeatureRows } from '../siteRows.js';

/** Rows with the covariates whose effect ComBat must preserve (e.g. the label), n × q row-major, aligned to `ids`. */
export interface CombatRows extends FeatureRows {
  covariateNames?: readonly string[];
  covariates?: Float64Array;
}

export interface CombatOptions {
  /** Adjust location only (sva's mean.only). */
  meanOnly?: boolean;
  /** The non-parametric prior (sva's par.prior = FALSE). */
  nonParametric?: boolean;
  /** A batch (site) left as it is, the others brought to it (sva's ref.batch). */
  referenceBatch?: string;
}

export const covariateCount = (rows: CombatRows) => rows.covariateNames?.length ?? 0;

/** Refuses covariates that do not fill ids × names or hold a non-finite value, naming the case. */
export function requireCovariates(rows: CombatRows, what: string): void {
  const q = covariateCount(rows);
  const values = rows.covariates ?? new Float64Array(0);
  if (values.length !== rows.ids.length * q) {
    throw new MismatchedIdsError(`${what}: ${values.length} covariate values for ${rows.ids.length} cases × ${q} covariates; every case needs every covariate.`, { file: rows.source });
  }
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) {
      const caseId = rows.ids[Math.floor(k / q)];
      throw new HarmonizeInputError(`${what}: case "${caseId}" has no finite value for covariate "${rows.covariateNames![k % q]}".`, { caseId, field: rows.covariateNames![k % q] });
    }
  }
}

/** A covariate with one value everywhere is an intercept (sva drops it silently); here it is refused by name. */
export function requireVaryingCovariates(names: readonly string[], values: Float64Array, n: number): void {
  const { mean, sumSq } = columnMoments(values, n, names.length);
  names.forEach((name, c) => {
    if (isConstantColumn(mean[c], sumSq[c], n)) throw new HarmonizeInputError(`Covariate "${name}" has the same value for every case; it would be confounded with the batch effects. Drop it.`, { field: name });
  });
}

/** A batch needs two cases for a variance; ComBat needs two batches to have anything to remove. */
export function requireBatches(sizes: ReadonlyMap<string, number>, reference: string | undefined): void {
  if (sizes.size < 2) throw new HarmonizeInputError(`ComBat needs at least two batches (sites); found ${sizes.size}.`, { field: 'batch', expected: 'at least 2 batches', found: `${sizes.size}` });
  for (const [batch, n] of sizes) if (n < 2) throw new BatchTooSmallError(batch, n);
  if (reference !== undefined && !sizes.has(reference)) {
    throw new HarmonizeInputError(`The reference batch "${reference}" is not one of the batches (${[...sizes.keys()].join(', ')}).`, { field: 'referenceBatch', found: reference });
  }
}

export const confoundedMessage = 'The covariates are confounded with the batches (or with each other): the design has no unique fit. Remove the covariate that a site determines, or a redundant one.';

/** A feature constant within one batch has no scale there to estimate (sva leaves it unharmonised); here it is refused by name. */
export function requireVaryingFeatures(featureNames: readonly string[], values: Float64Array, n: number, batch: string): { mean: Float64Array; sumSq: Float64Array } {
  const moments = columnMoments(values, n, featureNames.length);
  featureNames.forEach((name, f) => {
    if (isConstantColumn(moments.mean[f], moments.sumSq[f], n)) throw new ConstantFeatureError(name, `within site ${batch}`, batch);
  });
  return moments;
}
