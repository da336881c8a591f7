import type { CrossValidationResult } from './crossValidationResult.js';

/**
 * The α whose curve is best at its own lambda.min (lowest mean deviance, or highest mean AUC or C-index),
 * the first on ties — how `fedrad tune` and a campaign's tuning step choose among the α tried
 * (glmnet has no α search; this follows Friedman, Hastie & Tibshirani 2010, §2.1: tune λ per α).
 */
export function bestAlpha<R extends Pick<CrossValidationResult, 'cvm' | 'lambda' | 'lambdaMin' | 'measure'>>(results: readonly R[]): { chosen: R; best: number[] } {
  const best = results.map((r) => r.cvm[r.lambda.indexOf(r.lambdaMin)]);
  const larger = results[0].measure === 'auc' || results[0].measure === 'C';
  let at = 0;
  best.forEach((b, i) => {
    if (larger ? b > best[at] : b < best[at]) at = i;
  });
  return { chosen: results[at], best };
}
