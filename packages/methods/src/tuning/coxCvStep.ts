import type { SiteFolds } from './foldScheme.js';

/** The criterion a held-out site is scored by in Cox tuning (cv.glmnet's type.measure for family "cox"). */
export type CoxCvMeasure = 'C' | 'deviance';

/**
 * One step of federated cross-validation of glmnet's Cox elastic net at a site, the site its own
 * stratum (Breslow ties, as glmnet). `phase: 'grid'` asks for the score of the site's partial
 * likelihood at β = 0 and its feature moments (glmnet's λ_max and standardisation); `phase: 'path'`
 * for, per fold k the site trains, its partial likelihood's value, gradient and Hessian at `beta[k]`
 * when `train[k]`, and, when `heldOut`, held-out scores. Leave-one-site-out: the site trains every
 * fold but its own (and fold K, the fit on every site) on all its rows, and scores its own rows at
 * `beta[fold]`. K-fold within sites: the site splits its rows (foldAssignment), trains fold k on its
 * rows outside fold k, and scores each fold k's deviance difference at `beta[k]`.
 */
export interface CoxCvStepParams {
  kind: 'cox-cv-step';
  phase: 'grid' | 'path';
  features: string[];
  ties: 'breslow';
  /** Leave-one-site-out: the site's rows are fold `fold` of `count` (sites sorted by id); kfold: the site draws `count` folds from `seed`. */
  folds: Exclude<SiteFolds, { scheme: 'none' }>;
  measure: CoxCvMeasure;
  minCohortSize: number;
  /** Per fold (K + 1 with the fit on every site), original feature scale. */
  beta?: number[][];
  train?: boolean[];
  heldOut?: boolean;
}

/**
 * What leaves the site: counts and named tensors — `score`, `feature-sum`, `feature-sumsq` (grid);
 * `fold-k/loss` (−ℓ), `fold-k/gradient`, `fold-k/hessian`, `fold-k/feature-sum`,
 * `fold-k/feature-sumsq` (training sums over all its rows); `fold-k/held-out` for its own fold =
 * [comparable pairs, concordant, discordant, tied risk] (C) or [events, deviance] (deviance).
 * K-fold adds `fold-k/count` (its training rows) and sends, per fold k it holds rows of,
 * `fold-k/held-out` = [held-out events, deviance of all its rows − deviance of its training rows, at
 * beta[k]]. Every sum is over at least the minimum cohort; no time, no per-patient value.
 */
export interface CoxCvStepUpdate {
  sampleCount: number;
  eventCount: number;
  tensors: Array<{ name: string; shape: number[]; data: number[] }>;
}
