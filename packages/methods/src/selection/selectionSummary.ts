import type { Tensor } from '@fedrad/protocol';
import { MethodInputError } from '../errors.js';
import type { TrainingRows } from '../training/trainingRows.js';
import { coxScoreSums } from './coxScoreSums.js';

/** The job of selection's one site step: the features, in order, and the campaign's minimum cohort. */
export interface SelectionSummaryParams {
  kind: 'select-summary';
  features: string[];
  minCohortSize: number;
  /** A survival outcome: the site also sends each feature's Cox score and information at β = 0 (its own stratum), with these ties. */
  survival?: { ties: 'breslow' | 'efron' };
}

/**
 * Counts and named tensors: `feature-sum`, `feature-sumsq`, `feature-sumy` [p] (Σ x · label, or Σ x · event)
 * and `cross-products` [p, p]; for a survival outcome also `cox-score` and `cox-information` [p].
 */
export interface SelectionSummary {
  sampleCount: number;
  eventCount: number;
  tensors: Tensor[];
}

/**
 * The site half of feature selection: sums over the site's own patients from which every
 * selection step's statistic follows exactly — Σx, Σx², Σxy per feature and the cross-products
 * Σ xⱼ xₖ. Refuses a cohort under the minimum and features other than the job's, naming them.
 */
export async function selectionSiteSummary(params: SelectionSummaryParams, rows: TrainingRows, site: { siteId: string }): Promise<SelectionSummary> {
  const p = params.features.length;
  const missing = params.features.filter((f) => !rows.featureNames.includes(f));
  if (missing.length > 0 || rows.featureNames.length !== p || rows.featureNames.some((f, j) => f !== params.features[j])) {
    throw new MethodInputError(
      missing.length > 0
        ? `Site ${site.siteId} has no feature ${missing.map((f) => `"${f}"`).join(', ')}; the job needs ${params.features.join(', ')}.`
        : `Site ${site.siteId} holds features ${rows.featureNames.join(', ')}; the job needs ${params.features.join(', ')}, in that order.`,
      { field: 'params/features' },
    );
  }
  const survival = params.survival;
  if (survival && (!rows.time || !rows.event)) throw new MethodInputError(`Site ${site.siteId}'s cohort has no follow-up time and event; the job tests a survival outcome.`, { field: 'params/survival' });
  // The outcome each feature is summed against: the 0/1 label, or the event indicator of a survival outcome.
  const outcome = survival ? rows.event! : rows.label;
  const n = outcome.length;
  if (n < params.minCohortSize) throw new MethodInputError(`Site ${site.siteId} has ${n} patients; the campaign requires at least ${params.minCohortSize} under any aggregate.`, { field: 'params/minCohortSize' });
  const events = outcome.reduce((a, y) => a + y, 0);
  // A Cox score sums over the deaths' risk sets: it rests on the events, which must reach the minimum too.
  if (survival && events < params.minCohortSize) throw new MethodInputError(`Site ${site.siteId} has ${events} events; the Cox score test's sums rest on its events, and the campaign requires at least ${params.minCohortSize}.`, { field: 'params/minCohortSize' });
  const sum = new Array<number>(p).fill(0);
  const sumSq = new Array<number>(p).fill(0);
  const sumY = new Array<number>(p).fill(0);
  const cross = new Array<number>(p * p).fill(0);
  for (let i = 0; i < n; i++) {
    const y = outcome[i];
    for (let j = 0; j < p; j++) {
      const v = rows.x[i * p + j];
      sum[j] += v;
      sumSq[j] += v * v;
      sumY[j] += v * y;
      for (let k = j; k < p; k++) cross[j * p + k] += v * rows.x[i * p + k];
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) cross[j * p + k] = cross[k * p + j];
  const tensors: Tensor[] = [
    { name: 'feature-sum', shape: [p], data: sum },
    { name: 'feature-sumsq', shape: [p], data: sumSq },
    { name: 'feature-sumy', shape: [p], data: sumY },
    { name: 'cross-products', shape: [p, p], data: cross },
  ];
  if (survival) {
    const cox = coxScoreSums(rows.x, p, rows.time!, rows.event!, survival.ties);
    tensors.push({ name: 'cox-score', shape: [p], data: cox.score }, { name: 'cox-information', shape: [p], data: cox.information });
  }
  return { sampleCount: n, eventCount: events, tensors };
}
