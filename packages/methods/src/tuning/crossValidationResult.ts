import { MethodConfigError } from '../errors.js';
import type { CoxCvMeasure } from './coxCvStep.js';
import { curveChoices } from './cvChecks.js';
import type { CrossValidationSettings, CvState } from './crossValidationMethod.js';

/** What `fedrad tune` writes: cv.glmnet's curve and choices, and the fit on every row at each λ. */
export interface CrossValidationResult extends PathResult {
  alpha: number;
  /** deviance or auc (logistic); C or deviance (Cox). */
  measure: CrossValidationSettings['measure'] | CoxCvMeasure;
  folds: { scheme: CrossValidationSettings['folds']['scheme']; count: number; sizes: number[] };
  /** foldValues[k][l]: fold k's held-out mean deviance (or AUC) at λ_l. */
  foldValues: number[][];
  sampleCount: number;
  /** Mean held-out criterion per λ, and its standard error. */
  cvm: number[];
  cvsd: number[];
  lambdaMin: number;
  lambda1se: number;
}

/** The fit on every row along the λ grid: a regularisation path (glmnet's path, from pooled sums). */
export interface PathResult {
  lambda: number[];
  /** Non-zero coefficients (intercept excluded) per λ. */
  nonzero: number[];
  /** Coefficients per λ, intercept first, original scale. */
  coefficients: number[][];
}

export function pathResult(state: CvState): PathResult {
  return { lambda: state.lambdas, nonzero: state.path.map((c) => c.slice(1).filter((v) => v !== 0).length), coefficients: state.path };
}

/** The summary of a finished cross-validation (numeric's crossValidationCurve: cv.glmnet's rules). */
export function crossValidationResult(state: CvState, settings: CrossValidationSettings): CrossValidationResult {
  if (settings.folds.scheme === 'none') throw new MethodConfigError('A run without folds has a path, not a cross-validation curve: read it with pathResult.', { field: 'folds' });
  return {
    alpha: settings.alpha,
    measure: settings.measure,
    folds: { scheme: settings.folds.scheme, count: state.folds, sizes: state.foldSize },
    foldValues: state.heldOut,
    sampleCount: state.sampleCount,
    ...curveChoices(state.heldOut, state.foldSize, state.lambdas, settings.measure === 'auc'),
    ...pathResult(state),
  };
}
