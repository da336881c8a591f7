import type { Resampling } from '@fedrad/learn';
import type { Tensor } from '@fedrad/protocol';
import type { SiteFolds } from './foldScheme.js';

/** The criterion a held-out fold is scored by (cv.glmnet's type.measure). */
export type CvMeasure = 'deviance' | 'auc';

/**
 * One step of federated cross-validation at a site. `phase: 'grid'` asks for the pooled moments
 * the λ grid and the standardisation need; `phase: 'path'` for, per fold k, the logistic sums over
 * the site's training rows of fold k (rows not in fold k) at `coef[k]` when `train[k]`, and the
 * held-out score of fold k's rows at `coef[k]` when `heldOut`. Fold K (one past the last) is the
 * fit on every row, the model cv.glmnet returns beside the curve.
 */
export interface CvStepParams {
  kind: 'cv-step';
  phase: 'grid' | 'path';
  features: string[];
  folds: SiteFolds;
  measure: CvMeasure;
  minCohortSize: number;
  /** Per fold (K + 1 with the full fit), intercept first, original feature scale. */
  coef?: number[][];
  train?: boolean[];
  heldOut?: boolean;
  /** Rebalance the classes of each fold's TRAINING rows (seed + fold index); held-out rows never are. */
  resampling?: Resampling;
}

/**
 * What leaves the site: counts, and named tensors — `feature-sum`, `feature-sumsq`,
 * `feature-sumy` (grid); `fold-k/count`, `fold-k/gradient`, `fold-k/hessian`, `fold-k/feature-sum`,
 * `fold-k/feature-sumsq` (training sums) and `fold-k/held-out` = [rows, deviance sum] or
 * [rows, AUC] (held-out score). Every sum rests on at least the minimum cohort.
 */
export interface CvStepUpdate {
  sampleCount: number;
  eventCount: number;
  tensors: Tensor[];
}
