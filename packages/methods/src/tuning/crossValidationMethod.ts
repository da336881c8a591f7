import type { FederatedMethod, MethodOutcome, MethodResult, SiteFailure } from '@fedrad/federation';
import type { Resampling } from '@fedrad/learn';
import { lambdaGrid, lambdaMax, pooledStandardization, type Standardization } from '@fedrad/numeric';
import type { Tensor } from '@fedrad/protocol';
import { MethodConfigError } from '../errors.js';
import type { CvMeasure, CvStepParams, CvStepUpdate } from './cvStep.js';
import { cvSiteStep } from './cvSiteStep.js';
import { foldNewtonStep } from './foldNewtonStep.js';
import type { FoldScheme } from './foldScheme.js';
import { checkGridSettings, refuseConstantFeature, summedTensor } from './cvChecks.js';
import { CrossValidationError } from './tuningErrors.js';
import type { TuningRows } from './tuningRows.js';

/** What to cross-validate: an elastic-net logistic model over a λ grid, with glmnet's conventions. */
export interface CrossValidationSettings {
  features: string[];
  /** glmnet's α (1 = lasso). */
  alpha: number;
  /** A given λ grid (sorted decreasing, as glmnet does); otherwise glmnet's grid of `nlambda` values. */
  lambdas?: number[];
  nlambda?: number;
  /** Smallest λ as a fraction of λ_max; glmnet's default is 10⁻⁴, or 0.01 when there are fewer patients than features. */
  lambdaMinRatio?: number;
  folds: FoldScheme;
  measure: CvMeasure;
  minCohortSize: number;
  /** Newton's stopping rule on the standardised coefficients, per fold and λ. */
  tolerance?: number;
  /** Newton iterations allowed at one λ. */
  maxIterations?: number;
  /** Rebalance each fold's training rows at the sites (never the held-out rows). */
  resampling?: Resampling;
}

export interface CvState {
  phase: 'grid' | 'path' | 'done';
  lambdas: number[];
  /** K, known once the sites answered the grid step (leave-one-site-out: the number of sites). */
  folds: number;
  lambdaIndex: number;
  /** Per fold, then the full fit (index K): current coefficients, intercept first. */
  coef: number[][];
  converged: boolean[];
  iterations: number;
  /** Index of the λ whose converged coefficients this step's held-out scores are taken at. */
  evaluating: number | null;
  /** heldOut[k][l]: fold k's mean deviance (or AUC) at λ_l; foldSize[k]: its rows. */
  heldOut: number[][];
  foldSize: number[];
  /** The full fit's coefficients at every λ. */
  path: number[][];
  /** Patients over every site. */
  sampleCount: number;
}

export type CrossValidationMethod = FederatedMethod<CvState, CvStepParams, CvStepUpdate, TuningRows>;

const tensor = (u: CvStepUpdate, name: string): Tensor | undefined => u.tensors.find((t) => t.name === name);

/**
 * Federated K-fold cross-validation of glmnet's logistic elastic net, equal to
 * glmnet::cv.glmnet(..., foldid) on the pooled rows: a grid step (the pooled moments give λ_max
 * and the grid), then the path — at each λ, from the previous λ's solution, every fold's fit (and
 * the fit on all rows) takes proximal Newton steps on the pooled sums of its training rows until
 * no standardised coefficient moves more than `tolerance`; the next step's held-out scores are at
 * those solutions. No per-patient value leaves a site: only sums and held-out scores over at least
 * the minimum cohort (cvSiteStep). Summarise the final state with crossValidationResult.
 */
export function crossValidationMethod(settings: CrossValidationSettings): CrossValidationMethod {
  const p = settings.features.length;
  checkGridSettings(settings);
  if (settings.folds.scheme === 'kfold' && !(Number.isInteger(settings.folds.count) && settings.folds.count >= 2)) {
    throw new MethodConfigError(`K-fold cross-validation needs at least 2 folds; got ${settings.folds.count}.`, { field: 'folds.count' });
  }
  if (settings.measure === 'auc' && settings.folds.scheme !== 'leave-one-site-out') {
    throw new MethodConfigError(
      'AUC as the criterion needs each held-out fold at one site (leave-one-site-out): a fold spread over sites would need patient-level scores from several sites to rank. Use the deviance with K-fold within sites.',
      { field: 'measure' },
    );
  }
  const tolerance = settings.tolerance ?? 1e-10;
  const maxIterations = settings.maxIterations ?? 200;
  // glmnet fits the first λ of a grid it generated from all rows at its `big` (9.9e35), not at λ_max
  // itself, where the leading coefficient sits exactly on the soft threshold and rounding would
  // decide; cv.glmnet's fold fits are given the grid, so they fit λ_max as it is.
  const penaltyAt = (index: number, lambdas: number[], fullFit: boolean) => ({ lambda: index === 0 && fullFit && !settings.lambdas ? 9.9e35 : lambdas[index], alpha: settings.alpha });
  const zeros = () => new Array<number>(p + 1).fill(0);

  const siteFolds = (sites: readonly string[], siteId: string): CvStepParams['folds'] =>
    settings.folds.scheme === 'leave-one-site-out'
      ? { scheme: 'leave-one-site-out', count: sites.length, fold: sites.indexOf(siteId) }
      : settings.folds.scheme === 'none'
        ? { scheme: 'none', count: 0 }
        : { scheme: 'kfold', count: settings.folds.count, seed: settings.folds.seed };

  const layoutOf = (params: CvStepParams): Record<string, number[]> => {
    if (params.phase === 'grid') return { 'feature-sum': [p], 'feature-sumsq': [p], 'feature-sumy': [p] };
    const layout: Record<string, number[]> = {};
    params.train?.forEach((t, k) => {
      if (!t) return;
      Object.assign(layout, { [`fold-${k}/count`]: [1], [`fold-${k}/gradient`]: [p + 1], [`fold-${k}/hessian`]: [p + 1, p + 1], [`fold-${k}/feature-sum`]: [p], [`fold-${k}/feature-sumsq`]: [p] });
    });
    if (params.heldOut) for (let k = 0; k < params.folds.count; k++) layout[`fold-${k}/held-out`] = [2];
    return layout;
  };

  return {
    name: 'cross-validation',
    initialState: () => ({ phase: 'grid', lambdas: [], folds: 0, lambdaIndex: 0, coef: [], converged: [], iterations: 0, evaluating: null, heldOut: [], foldSize: [], path: [], sampleCount: 0 }),
    configure(state, sites) {
      const sorted = [...sites].sort();
      const out: Record<string, CvStepParams> = {};
      for (const siteId of sites) {
        const common = { kind: 'cv-step' as const, features: settings.features, folds: siteFolds(sorted, siteId), measure: settings.measure, minCohortSize: settings.minCohortSize, ...(settings.resampling ? { resampling: settings.resampling } : {}) };
        out[siteId] =
          state.phase === 'grid'
            ? { ...common, phase: 'grid' }
            : { ...common, phase: 'path', coef: state.coef, train: state.converged.map((c) => !c && state.lambdaIndex < state.lambdas.length), heldOut: state.evaluating !== null };
      }
      return out;
    },
    siteStep: (params, rows, site) => cvSiteStep(params, rows, site),
    aggregate(state, results, failures): MethodOutcome<CvState> {
      if (failures.length > 0) {
        throw new CrossValidationError('CV_SITE_FAILED', `Site ${failures[0].siteId} did not answer (${failures[0].message}); every fold needs every site's rows.`, { siteId: failures[0].siteId });
      }
      const sites = results.map((r) => r.siteId).sort();
      const sampleCount = results.reduce((a, r) => a + r.update.sampleCount, 0);
      const next = state.phase === 'grid' ? afterGrid(results, sites.length) : afterPathStep(state, results);
      return { state: next, converged: next.phase === 'done', done: next.phase === 'done', sites, sampleCount };
    },
    layout: (params) => layoutOf(params),
    egress(params) {
      return {
        tensors: layoutOf(params),
        counts: ['sampleCount', 'eventCount'],
        scalars: [],
        minCohortSize: settings.minCohortSize,
        summary:
          params.phase === 'grid'
            ? "Per-feature sums, sums of squares and sums of feature × outcome over the site's patients."
            : "Per fold: sums over the site's training rows of the log-likelihood's gradient and Hessian at the fold's coefficients, per-feature sums and sums of squares, and the held-out rows' count with their deviance sum (or AUC).",
      };
    },
  };

  function afterGrid(results: readonly MethodResult<CvStepUpdate>[], siteCount: number): CvState {
    const n = results.reduce((a, r) => a + r.update.sampleCount, 0);
    const events = results.reduce((a, r) => a + r.update.eventCount, 0);
    const sum = summed(results, 'feature-sum', p);
    const sumSq = summed(results, 'feature-sumsq', p);
    const sumY = summed(results, 'feature-sumy', p);
    const std = pooledStandardization(n, sum, sumSq, true);
    refuseConstant(std, 'all rows');
    const folds = settings.folds.scheme === 'leave-one-site-out' ? siteCount : settings.folds.scheme === 'none' ? 0 : settings.folds.count;
    if (settings.folds.scheme === 'leave-one-site-out' && folds < 2) throw new MethodConfigError('Leave-one-site-out cross-validation needs at least 2 sites.', { field: 'folds' });
    let lambdas = settings.lambdas ? [...settings.lambdas].sort((a, b) => b - a) : undefined;
    if (!lambdas) {
      // Σ (yᵢ − ȳ) x̃ᵢⱼ = (Σ yᵢ xᵢⱼ − ȳ Σ xᵢⱼ) / s_j (glmnet's λ_max, numeric's lambdaGrid.ts).
      const ybar = events / n;
      const inner = sum.map((s, j) => (sumY[j] - ybar * s) / std.scale[j]);
      const ratio = settings.lambdaMinRatio ?? (n < p ? 0.01 : 1e-4);
      lambdas = lambdaGrid(lambdaMax(inner, n, settings.alpha), settings.nlambda ?? 100, ratio);
    }
    return {
      phase: 'path', lambdas, folds, lambdaIndex: 0,
      coef: Array.from({ length: folds + 1 }, zeros),
      converged: new Array(folds + 1).fill(false),
      iterations: 0, evaluating: null,
      heldOut: Array.from({ length: folds }, () => new Array(lambdas.length).fill(Number.NaN)),
      foldSize: new Array(folds).fill(0), path: [], sampleCount: n,
    };
  }

  function afterPathStep(state: CvState, results: readonly MethodResult<CvStepUpdate>[]): CvState {
    const s: CvState = { ...state, coef: state.coef.map((c) => [...c]), converged: [...state.converged], heldOut: state.heldOut.map((h) => [...h]), foldSize: [...state.foldSize], path: [...state.path] };
    if (state.evaluating !== null) recordHeldOut(s, state.evaluating, results);
    if (state.lambdaIndex >= state.lambdas.length) return { ...s, phase: 'done', evaluating: null };
    const lambda = state.lambdas[state.lambdaIndex];
    for (let k = 0; k <= state.folds; k++) {
      if (state.converged[k]) continue;
      const count = summed(results, `fold-${k}/count`, 1)[0];
      const std = pooledStandardization(count, summed(results, `fold-${k}/feature-sum`, p), summed(results, `fold-${k}/feature-sumsq`, p), true);
      refuseConstant(std, k === state.folds ? 'all rows' : `the training rows of fold ${k + 1}`);
      const step = foldNewtonStep({ count, gradient: summed(results, `fold-${k}/gradient`, p + 1), hessian: summed(results, `fold-${k}/hessian`, (p + 1) ** 2) }, state.coef[k], std, penaltyAt(state.lambdaIndex, state.lambdas, k === state.folds));
      s.coef[k] = step.coef;
      s.converged[k] = step.change < tolerance;
    }
    if (s.converged.every(Boolean)) {
      s.path.push([...s.coef[state.folds]]);
      return { ...s, lambdaIndex: state.lambdaIndex + 1, converged: s.converged.map(() => false), iterations: 0, evaluating: state.lambdaIndex };
    }
    if (state.iterations + 1 >= maxIterations) {
      throw new CrossValidationError('CV_NOT_CONVERGED', `The fits at λ = ${lambda} did not converge in ${maxIterations} Newton steps; the outcome may be separable at this λ (use a larger --lambda-min-ratio).`, { round: state.iterations });
    }
    return { ...s, iterations: state.iterations + 1, evaluating: null };
  }

  function recordHeldOut(s: CvState, l: number, results: readonly MethodResult<CvStepUpdate>[]) {
    for (let k = 0; k < s.folds; k++) {
      let rows = 0;
      let total = 0;
      let parts = 0;
      for (const r of results) {
        const t = tensor(r.update, `fold-${k}/held-out`);
        if (!t) continue;
        rows += t.data[0];
        total += t.data[1];
        parts++;
      }
      // A deviance is summed over the fold's rows at every site; an AUC comes from the one site
      // that holds the fold (leave-one-site-out), so it is that site's value.
      s.heldOut[k][l] = settings.measure === 'auc' ? total / parts : total / rows;
      s.foldSize[k] = rows;
    }
  }

  function refuseConstant(std: Standardization, where: string) {
    refuseConstantFeature(std.scale, settings.features, where);
  }

}

const summed = summedTensor;
