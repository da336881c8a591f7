import { CohortTooSmallError, HarmonizeInputError, MismatchedIdsError } from './errors.js';

/**
 * One site's feature table as a step sees it: its case ids (they never leave the site; they name a
 * case in an error), the feature names and the values, row-major n × p (the shape of protocol's
 * FeatureCsv, so a table read by `readFeatureTable` is one).
 */
export interface FeatureRows {
  ids: readonly string[];
  featureNames: readonly string[];
  values: Float64Array;
  /** The file the rows came from, for messages. */
  source?: string;
}

/** What a site step needs besides its rows: who it is and the campaign's egress minimum. */
export interface SiteStepContext {
  siteId: string;
  /** The fewest cases an aggregate may rest on (DESIGN.md "What leaves a site"; default 5). */
  minCohortSize?: number;
}

export const DEFAULT_MIN_COHORT_SIZE = 5;

/** Refuses a site below the campaign's minimum before any aggregate of its rows is computed. */
export function requireMinimumCohort(n: number, context: SiteStepContext): void {
  const minimum = context.minCohortSize ?? DEFAULT_MIN_COHORT_SIZE;
  if (n < minimum) throw new CohortTooSmallError(context.siteId, n, minimum);
}

/** Refuses a table whose values do not fill ids × features or hold a non-finite number, naming the case and feature. */
export function requireWellFormed(rows: FeatureRows, what: string): void {
  const n = rows.ids.length;
  const p = rows.featureNames.length;
  if (p === 0) throw new HarmonizeInputError(`${what} has no feature columns.`, { field: 'featureNames' });
  if (rows.values.length !== n * p) {
    throw new HarmonizeInputError(`${what} holds ${rows.values.length} values for ${n} cases × ${p} features.`, { expected: `${n * p} values`, found: `${rows.values.length}` });
  }
  const seen = new Set<string>();
  for (const id of rows.ids) {
    if (seen.has(id)) throw new MismatchedIdsError(`${what} lists case "${id}" twice.`, { caseId: id, file: rows.source });
    seen.add(id);
  }
  for (let k = 0; k < rows.values.length; k++) {
    if (!Number.isFinite(rows.values[k])) {
      const caseId = rows.ids[Math.floor(k / p)];
      const feature = rows.featureNames[k % p];
      throw new HarmonizeInputError(`${what}: case "${caseId}" has no finite value for "${feature}".`, { caseId, field: feature });
    }
  }
}

/** Refuses summaries of different features (a site that extracted another configuration), naming the site. */
export function requireSameFeatures(reference: readonly string[], found: readonly string[], siteId: string): void {
  if (reference.length === found.length && reference.every((f, j) => f === found[j])) return;
  const differing = reference.find((f, j) => found[j] !== f) ?? found[reference.length];
  throw new HarmonizeInputError(`Site ${siteId}'s features are not the ones agreed (first difference: "${differing}"); every site must use the campaign's feature list in its order.`, {
    siteId, field: differing, expected: `${reference.length} features`, found: `${found.length}`,
  });
}
