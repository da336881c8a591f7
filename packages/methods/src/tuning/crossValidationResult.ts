import { crossValidationCurve } from '@fedrad/numeric';
import type { CrossValidationSettings, CvState } from './crossValidationMethod.js';

/** What `fedrad tune` writes: cv.glmnet's curve and choices, and the fit on every row at each λ. */
export interface CrossValidationResult {
  alpha: number;
  measure: CrossValidationSettings['measure'];
  folds: { scheme: CrossValidationSettings['folds']['scheme']; count: number; sizes: number[] };
  /** foldValues[k][l]: fold k's held-out mean deviance (or AUC) at λ_l. */
  foldValues: number[][];
  sampleCount: number;
  lambda: number[];
  /** Mean held-out criterion per λ, and its standard error. */
  cvm: number[];
  cvsd: number[];
  lambdaMin: number;
  lambda1se: number;
  /** Non-zero coefficients (intercept excluded) of the fit on every row, per λ. */
  nonzero: number[];
  /** That fit's coefficients, intercept first, original scale, per λ. */
  coefficients: number[][];
}

/** The summary of a finished cross-validation (numeric's crossValidationCurve: cv.glmnet's rules). */
export function crossValidationResult(state: CvState, settings: CrossValidationSettings): CrossValidationResult {
  const curve = crossValidationCurve(state.heldOut, state.foldSize, state.lambdas, settings.measure === 'auc');
  return {
    alpha: settings.alpha,
    measure: settings.measure,
    folds: { scheme: settings.folds.scheme, count: state.folds, sizes: state.foldSize },
    foldValues: state.heldOut,
    sampleCount: state.sampleCount,
    lambda: state.lambdas,
    cvm: curve.cvm,
    cvsd: curve.cvsd,
    lambdaMin: state.lambdas[curve.indexMin],
    lambda1se: state.lambdas[curve.index1se],
    nonzero: state.path.map((c) => c.slice(1).filter((v) => v !== 0).length),
    coefficients: state.path,
  };
}
