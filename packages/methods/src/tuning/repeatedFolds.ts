import { crossValidationCurve } from '@fedrad/numeric';
import type { CrossValidationResult } from './crossValidationResult.js';

/**
 * Repeated K-fold: the folds of every repeat taken together as R·K folds, so cvm is their
 * size-weighted mean and cvsd cv.glmnet's standard error over R·K folds (numeric's
 * crossValidationCurve); every repeat shares the λ grid (it comes from all rows).
 */
export function pooledRepeats(runs: CrossValidationResult[], measure: 'deviance' | 'auc'): CrossValidationResult {
  const foldValues = runs.flatMap((r) => r.foldValues);
  const sizes = runs.flatMap((r) => r.folds.sizes);
  const lambda = runs[0].lambda;
  const curve = crossValidationCurve(foldValues, sizes, lambda, measure === 'auc');
  return { ...runs[0], folds: { ...runs[0].folds, count: foldValues.length, sizes }, foldValues, cvm: curve.cvm, cvsd: curve.cvsd, lambdaMin: lambda[curve.indexMin], lambda1se: lambda[curve.index1se] };
}

