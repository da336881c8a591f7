import { AggregationError, type MethodResult, type UpdateView } from '@fedrad/federation';
import type { Tensor } from '@fedrad/protocol';
import { MethodInputError } from '../errors.js';
import { exactSums } from './exactSums.js';
import type { TrainingRows } from './trainingRows.js';

/**
 * Balanced class weights in the exact strategies. A patient of class c weighs w_c = n / (2 n_c)
 * with n and n_c POOLED over the sites (the learning engine's caseWeights, glmnet's and glm's
 * `weights`), so Σ wᵢ = n and the weighted objective is the mean of the two classes' mean losses.
 * No site knows the pooled counts, so each sends its sums twice — over all its patients and over
 * its positive ones — and the coordinator, which has every site's counts, forms
 *   Σ wᵢ tᵢ = w₀ (T − T₊) + w₁ T₊
 * for every sum t (gradient, Hessian, feature sums and squares, loss) before the strategy's
 * aggregation, which then equals the weighted pooled fit.
 */
export const balancedWeights = (n: number, positives: number) => ({ negative: n / (2 * (n - positives)), positive: n / (2 * positives) });

/**
 * The site half: the sums of exactSums over the site's positive patients, named `<name>-positive`
 * (protocol's updateLayout). Refused when either class at the site is under the minimum cohort,
 * since a class's sums would then rest on fewer patients.
 */
export async function positiveClassTensors(rows: TrainingRows, coef: ArrayLike<number>, withHessian: boolean, minCohortSize: number): Promise<Tensor[]> {
  const p = rows.featureNames.length;
  const positive = [...rows.label.keys()].filter((i) => rows.label[i] === 1);
  const negatives = rows.label.length - positive.length;
  if (positive.length < minCohortSize || negatives < minCohortSize) {
    throw new MethodInputError(
      `Balanced class weights send sums per class; this site has ${positive.length} positive and ${negatives} negative patients, and each class needs at least ${minCohortSize}.`,
      { field: 'params/model/classWeights' },
    );
  }
  const x = new Float64Array(positive.length * p);
  positive.forEach((i, r) => x.set(rows.x.subarray(i * p, (i + 1) * p), r * p));
  const sums = await exactSums({ featureNames: rows.featureNames, x, label: new Float64Array(positive.length).fill(1) }, coef, withHessian);
  const tensors: Tensor[] = [{ name: 'gradient-positive', shape: [p + 1], data: sums.gradient }];
  if (withHessian) tensors.push({ name: 'hessian-positive', shape: [p + 1, p + 1], data: sums.hessian! });
  tensors.push(
    { name: 'feature-sum-positive', shape: [p], data: sums.featureSum },
    { name: 'feature-sumsq-positive', shape: [p], data: sums.featureSumSq },
    { name: 'loss-positive', shape: [1], data: [sums.loss] },
  );
  return tensors;
}

/** The coordinator half: each site's update with its sums weighted by the pooled balanced weights, the class parts consumed. */
export function classWeightedResults(results: readonly MethodResult<UpdateView>[], context: { strategy: string; round: number }): MethodResult<UpdateView>[] {
  const n = results.reduce((a, r) => a + r.update.sampleCount, 0);
  const positives = results.reduce((a, r) => a + (r.update.eventCount ?? 0), 0);
  const w = balancedWeights(n, positives);
  return results.map((r) => {
    const part = (name: string) => {
      const found = r.update.tensors.find((t) => t.name === `${name}-positive`);
      // A sum without its class part cannot be weighted: refuse rather than aggregate it unweighted.
      if (!found) throw new AggregationError('LAYOUT_MISMATCH', `Site ${r.siteId} sent "${name}" without "${name}-positive"; balanced class weights need every sum split by class.`, { ...context, siteId: r.siteId, tensor: `${name}-positive` });
      return found;
    };
    const weighted = (all: ArrayLike<number>, pos: ArrayLike<number>) => Array.from(all, (v, i) => w.negative * (v - pos[i]) + w.positive * pos[i]);
    const tensors = r.update.tensors
      .filter((t) => !t.name.endsWith('-positive'))
      .map((t) => {
        const pos = part(t.name);
        return pos ? { ...t, data: weighted(t.data, pos.data) } : t;
      });
    const loss = r.update.loss !== undefined ? weighted([r.update.loss], part('loss').data)[0] : undefined;
    return { siteId: r.siteId, update: { ...r.update, tensors, ...(loss !== undefined ? { loss } : {}) } };
  });
}
