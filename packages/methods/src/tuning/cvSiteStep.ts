import { linearPredictor, logisticSums } from '@fedrad/numeric';
import { resampleRows, type Resampling } from '@fedrad/learn';
import { auc } from '@fedrad/stats';
import { MethodInputError } from '../errors.js';
import type { CvStepParams, CvStepUpdate } from './cvStep.js';
import { foldAssignment } from './foldScheme.js';
import type { TuningRows } from './tuningRows.js';

/** cv.glmnet's clipping of held-out probabilities before the deviance (glmnet 4.1, cv.lognet: prob_min = 1e-5). */
const PROB_MIN = 1e-5;

/**
 * The site half of federated cross-validation: sums of the site's own rows only (see CvStepParams).
 * Refuses, naming what is wrong: features other than the job's, a cohort under the minimum, or a
 * fold whose training or held-out part at this site is non-empty but under the minimum (a sum over
 * fewer patients would leave), and an AUC over held-out rows of one class.
 */
export async function cvSiteStep(params: CvStepParams, rows: TuningRows, site: { siteId: string }): Promise<CvStepUpdate> {
  const p = params.features.length;
  if (rows.featureNames.length !== p || rows.featureNames.some((f, j) => f !== params.features[j])) {
    throw new MethodInputError(`Site ${site.siteId} holds features ${rows.featureNames.join(', ')}; the job needs ${params.features.join(', ')}, in that order.`, { field: 'params/features' });
  }
  const n = rows.label.length;
  const min = params.minCohortSize;
  if (n < min) throw new MethodInputError(`Site ${site.siteId} has ${n} patients; the campaign requires at least ${min} under any aggregate.`, { field: 'params/minCohortSize' });
  const eventCount = rows.label.reduce((a, y) => a + y, 0);
  const base = { sampleCount: n, eventCount };
  const { x, label } = rows;
  if (params.phase === 'grid') {
    const sum = new Array<number>(p).fill(0);
    const sumSq = new Array<number>(p).fill(0);
    const sumY = new Array<number>(p).fill(0);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < p; j++) {
        const v = x[i * p + j];
        sum[j] += v;
        sumSq[j] += v * v;
        sumY[j] += v * label[i];
      }
    return { ...base, tensors: [{ name: 'feature-sum', shape: [p], data: sum }, { name: 'feature-sumsq', shape: [p], data: sumSq }, { name: 'feature-sumy', shape: [p], data: sumY }] };
  }
  const coef = params.coef ?? [];
  const fold = foldAssignment(rows, params.folds);
  const k0 = params.folds.count;
  const tensors: CvStepUpdate['tensors'] = [];
  for (let k = 0; k <= k0; k++) {
    const inFold = (i: number) => fold[i] === k;
    const heldOutRows = k < k0 ? fold.reduce((a, f) => a + (f === k ? 1 : 0), 0) : 0;
    const trainRows = n - heldOutRows;
    const refuseSmall = (count: number, part: string) => {
      if (count > 0 && count < min) {
        throw new MethodInputError(`Site ${site.siteId} has ${count} patients in the ${part} of fold ${k + 1}; a sum over fewer than ${min} may not leave the site (use fewer folds).`, { field: 'params/folds' });
      }
    };
    if (params.train?.[k]) {
      refuseSmall(trainRows, 'training part');
      const training = trainingPart(rows, (i) => !inFold(i), params.resampling && { ...params.resampling, seed: params.resampling.seed + k });
      const count = training.label.length;
      const s = logisticSums(training.x, p, training.label, coef[k]);
      const sum = new Array<number>(p).fill(0);
      const sumSq = new Array<number>(p).fill(0);
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < p; j++) {
          sum[j] += training.x[i * p + j];
          sumSq[j] += training.x[i * p + j] ** 2;
        }
      }
      tensors.push(
        { name: `fold-${k}/count`, shape: [1], data: [count] },
        { name: `fold-${k}/gradient`, shape: [p + 1], data: Array.from(s.gradient) },
        { name: `fold-${k}/hessian`, shape: [p + 1, p + 1], data: Array.from(s.hessian) },
        { name: `fold-${k}/feature-sum`, shape: [p], data: sum },
        { name: `fold-${k}/feature-sumsq`, shape: [p], data: sumSq },
      );
    }
    if (params.heldOut && k < k0 && heldOutRows > 0) {
      refuseSmall(heldOutRows, 'held-out part');
      tensors.push({ name: `fold-${k}/held-out`, shape: [2], data: [heldOutRows, heldOutScore(rows, coef[k], inFold, params.measure, site.siteId, k)] });
    }
  }
  return { ...base, tensors };
}

/** The rows `take` selects (a fold's training part), rebalanced when asked: resampling touches training rows only. */
function trainingPart(rows: TuningRows, take: (i: number) => boolean, resampling: Resampling | undefined): { x: Float64Array; label: Float64Array } {
  const p = rows.featureNames.length;
  const chosen = [...rows.label.keys()].filter(take);
  const x = new Float64Array(chosen.length * p);
  chosen.forEach((i, r) => x.set(rows.x.subarray(i * p, (i + 1) * p), r * p));
  const label = Float64Array.from(chosen, (i) => rows.label[i]);
  if (!resampling || chosen.length === 0) return { x, label };
  const out = resampleRows({ x, label, p }, resampling);
  return { x: out.x, label: out.label };
}

/** The held-out rows' deviance sum (cv.glmnet's binomial deviance, probabilities clipped) or their AUC. */
function heldOutScore(rows: TuningRows, coef: number[], inFold: (i: number) => boolean, measure: CvStepParams['measure'], siteId: string, k: number): number {
  const p = rows.featureNames.length;
  const scores: number[] = [];
  const labels: number[] = [];
  let deviance = 0;
  for (let i = 0; i < rows.label.length; i++) {
    if (!inFold(i)) continue;
    const eta = linearPredictor(rows.x, p, i, coef);
    const prob = Math.min(Math.max(1 / (1 + Math.exp(-eta)), PROB_MIN), 1 - PROB_MIN);
    // −2 [y log π + (1 − y) log(1 − π)] (glmnet 4.1, cv.lognet, type.measure = "deviance").
    deviance += -2 * (rows.label[i] === 1 ? Math.log(prob) : Math.log(1 - prob));
    scores.push(eta);
    labels.push(rows.label[i]);
  }
  if (measure === 'deviance') return deviance;
  const cases = labels.filter((y) => y === 1).length;
  if (cases === 0 || cases === labels.length) {
    throw new MethodInputError(`The held-out rows of fold ${k + 1} at site ${siteId} are all of one class; their AUC is undefined (use the deviance).`, { field: 'params/measure' });
  }
  return auc(scores, labels);
}
