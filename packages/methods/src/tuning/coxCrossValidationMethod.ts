import { coxNewtonStep, type CoxState, type FederatedMethod, type MethodOutcome, type MethodResult } from '@fedrad/federation';
import { lambdaGrid, lambdaMax, pooledStandardization } from '@fedrad/numeric';
import { MethodConfigError } from '../errors.js';
import type { CoxCvMeasure, CoxCvStepParams, CoxCvStepUpdate } from './coxCvStep.js';
import { coxCvSiteStep } from './coxCvSiteStep.js';
import type { CvState } from './crossValidationMethod.js';
import type { CrossValidationResult } from './crossValidationResult.js';
import type { FoldScheme } from './foldScheme.js';
import { checkGridSettings, curveChoices, refuseConstantFeature, summedTensor } from './cvChecks.js';
import { CrossValidationError } from './tuningErrors.js';
import type { CoxTuningRows } from './tuningRows.js';

/** What to cross-validate: glmnet's Cox elastic net stratified by site, leave-one-site-out or K folds within sites, over a λ grid. */
export interface CoxCrossValidationSettings {
  features: string[];
  /** Leave-one-site-out (the default) or K folds within sites, split as the logistic tuning splits (foldScheme.ts). */
  folds?: Exclude<FoldScheme, { scheme: 'none' }>;
  alpha: number;
  lambdas?: number[];
  nlambda?: number;
  lambdaMinRatio?: number;
  measure: CoxCvMeasure;
  minCohortSize: number;
  tolerance?: number;
  maxIterations?: number;
}

/** The logistic cross-validation's state (K folds, then the fit on every site), with Cox fits in place of coefficients. */
export type CoxCvState = Omit<CvState, 'coef' | 'foldSize'> & {
  /** Per fold, then the fit on every site: federation's Cox Newton state (β and its step-halving record). */
  fits: CoxState[];
  /** foldWeight[k]: site k's rows (C) or events (deviance), cv.glmnet's fold weights. */
  foldWeight: number[];
};

export type CoxCrossValidationMethod = FederatedMethod<CoxCvState, CoxCvStepParams, CoxCvStepUpdate, CoxTuningRows>;

const tensorOf = (u: CoxCvStepUpdate, name: string) => u.tensors.find((t) => t.name === name);

/**
 * Federated cross-validation of glmnet's Cox elastic net (Breslow ties, each site its own stratum),
 * equal to glmnet::cv.glmnet(x, stratifySurv(y, site), family = "cox", foldid) on the pooled rows,
 * foldid = site (leave-one-site-out) or the folds each site draws within its rows (kfold): a grid
 * step (the sites' scores at β = 0 give glmnet's λ_max), then the path — at each λ, from the previous λ's solution, every fold's fit (on the other sites)
 * and the fit on every site take federation's proximal Newton steps (coxNewtonStep, with coxph's
 * step halving) on the sum of the training sites' partial-likelihood derivatives until no
 * standardised coefficient moves more than `tolerance`; then each site scores its own rows at its
 * fold's solution: Harrell's C from concordance counts (type.measure = "C": folds weighted by
 * rows) or the partial-likelihood deviance (type.measure = "deviance", grouped = TRUE: the held-out
 * stratum's deviance, which is cv.glmnet's full-minus-training difference when the fold is a
 * stratum; folds weighted by events). With K folds within sites each fold's fit trains on the
 * sites' rows outside the fold (each site summing its own training rows, its own stratum) and is
 * scored by the grouped deviance only: cv.glmnet's D(all rows) − D(training rows) at the fold's fit,
 * both stratified, so each site sends its stratum's difference and the sum over sites is exact,
 * divided by the fold's events (folds weighted by events). cv.glmnet's C for such a fold ranks the
 * held-out rows of every site together, pairs across sites and strata included (glmnet 4.1, Cindex
 * on y[which, ] ignores the strata), which no per-site sum gives: refused.
 * Summarise with coxCrossValidationResult.
 */
export function coxCrossValidationMethod(settings: CoxCrossValidationSettings): CoxCrossValidationMethod {
  const p = settings.features.length;
  checkGridSettings(settings);
  if (settings.measure !== 'C' && settings.measure !== 'deviance') throw new MethodConfigError(`A Cox model is tuned by the C-index or the partial-likelihood deviance, not ${String(settings.measure)}.`, { field: 'measure' });
  const folds = settings.folds ?? { scheme: 'leave-one-site-out' as const };
  const kfold = folds.scheme === 'kfold' ? folds : undefined;
  if (kfold && !(Number.isInteger(kfold.count) && kfold.count >= 2)) throw new MethodConfigError(`K-fold cross-validation needs at least 2 folds; got ${kfold.count}.`, { field: 'folds.count' });
  if (kfold && settings.measure === 'C') {
    throw new MethodConfigError(
      "The C-index with K folds within sites: cv.glmnet ranks a held-out fold's pairs across sites (ignoring the strata), which needs patient-level scores from several sites. Use the deviance, or leave-one-site-out.",
      { field: 'measure' },
    );
  }
  const tolerance = settings.tolerance ?? 1e-10;
  const maxIterations = settings.maxIterations ?? 200;
  const strategy = 'cox-cross-validation';
  // As crossValidationMethod: glmnet fits its own grid's first λ on all rows at `big`, the folds at λ_max itself.
  const lambdaAt = (state: CoxCvState, k: number) => (state.lambdaIndex === 0 && k === state.folds && !settings.lambdas ? 9.9e35 : state.lambdas[state.lambdaIndex]);
  const freshFit = (beta: number[]): CoxState => ({ round: 0, beta, halvings: 0 });

  const layoutOf = (params: CoxCvStepParams): Record<string, number[]> => {
    if (params.phase === 'grid') return { score: [p], 'feature-sum': [p], 'feature-sumsq': [p] };
    const layout: Record<string, number[]> = {};
    if (params.folds.scheme === 'kfold') {
      params.train?.forEach((t, k) => {
        if (t) Object.assign(layout, { [`fold-${k}/count`]: [1], [`fold-${k}/loss`]: [1], [`fold-${k}/gradient`]: [p], [`fold-${k}/hessian`]: [p, p], [`fold-${k}/feature-sum`]: [p], [`fold-${k}/feature-sumsq`]: [p] });
      });
      if (params.heldOut) for (let k = 0; k < params.folds.count; k++) layout[`fold-${k}/held-out`] = [2];
      return layout;
    }
    const own = params.folds.fold;
    params.train?.forEach((t, k) => {
      if (!t || k === own) return;
      Object.assign(layout, { [`fold-${k}/loss`]: [1], [`fold-${k}/gradient`]: [p], [`fold-${k}/hessian`]: [p, p], [`fold-${k}/feature-sum`]: [p], [`fold-${k}/feature-sumsq`]: [p] });
    });
    if (params.heldOut) layout[`fold-${own}/held-out`] = [params.measure === 'C' ? 4 : 2];
    return layout;
  };

  return {
    name: 'cox-cross-validation',
    initialState: () => ({ phase: 'grid', lambdas: [], folds: 0, lambdaIndex: 0, fits: [], converged: [], iterations: 0, evaluating: null, heldOut: [], foldWeight: [], path: [], sampleCount: 0 }),
    configure(state, sites) {
      const sorted = [...sites].sort();
      const out: Record<string, CoxCvStepParams> = {};
      for (const siteId of sites) {
        const siteFolds: CoxCvStepParams['folds'] = kfold ? { scheme: 'kfold', count: kfold.count, seed: kfold.seed } : { scheme: 'leave-one-site-out', count: sorted.length, fold: sorted.indexOf(siteId) };
        const common = { kind: 'cox-cv-step' as const, features: settings.features, ties: 'breslow' as const, folds: siteFolds, measure: settings.measure, minCohortSize: settings.minCohortSize };
        out[siteId] =
          state.phase === 'grid'
            ? { ...common, phase: 'grid' }
            : { ...common, phase: 'path', beta: state.fits.map((f) => f.beta), train: state.converged.map((c) => !c && state.lambdaIndex < state.lambdas.length), heldOut: state.evaluating !== null };
      }
      return out;
    },
    siteStep: async (params, rows, site) => coxCvSiteStep(params, rows, site),
    aggregate(state, results, failures): MethodOutcome<CoxCvState> {
      if (failures.length > 0) {
        throw new CrossValidationError('CV_SITE_FAILED', `Site ${failures[0].siteId} did not answer (${failures[0].message}); every fold needs every site's rows.`, { siteId: failures[0].siteId });
      }
      const sorted = [...results].sort((a, b) => (a.siteId < b.siteId ? -1 : 1));
      const sites = sorted.map((r) => r.siteId);
      const next = state.phase === 'grid' ? afterGrid(sorted) : afterPathStep(state, sorted);
      return { state: next, converged: next.phase === 'done', done: next.phase === 'done', sites, sampleCount: sorted.reduce((a, r) => a + r.update.sampleCount, 0) };
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
            ? "The score of the site's own Cox partial likelihood at β = 0, and per-feature sums and sums of squares."
            : kfold
              ? "Per fold: over the site's training rows of the fold, their count, its own partial likelihood's value, gradient and Hessian at the fold's coefficients and per-feature sums and sums of squares; over its held-out rows of the fold, their events and the deviance of all its rows minus that of its training rows. No times."
              : "Per fold the site trains: its own partial likelihood's value, gradient and Hessian at the fold's coefficients and per-feature sums and sums of squares; for its own fold, its concordance counts (comparable, concordant, discordant, tied pairs) or its events and deviance. No times.",
      };
    },
  };

  function afterGrid(results: readonly MethodResult<CoxCvStepUpdate>[]): CoxCvState {
    const K = kfold ? kfold.count : results.length;
    if (!kfold && K < 2) throw new MethodConfigError('Leave-one-site-out cross-validation needs at least 2 sites.', { field: 'folds' });
    const n = results.reduce((a, r) => a + r.update.sampleCount, 0);
    const std = pooledStandardization(n, summed(results, 'feature-sum', p), summed(results, 'feature-sumsq', p), true);
    refuseConstant(std.scale, 'all rows');
    let lambdas = settings.lambdas ? [...settings.lambdas].sort((a, b) => b - a) : undefined;
    if (!lambdas) {
      // λ_max = max_j |∂ℓ/∂γ_j at 0| / (N α), γ_j = β_j s_j (glmnet's Cox: Simon et al. 2011, §2.5).
      const score = summed(results, 'score', p);
      const inner = score.map((g, j) => g / std.scale[j]);
      lambdas = lambdaGrid(lambdaMax(inner, n, settings.alpha), settings.nlambda ?? 100, settings.lambdaMinRatio ?? (n < p ? 0.01 : 1e-4));
    }
    const zeros = () => new Array<number>(p).fill(0);
    return {
      phase: 'path', lambdas, folds: K, lambdaIndex: 0,
      fits: Array.from({ length: K + 1 }, () => freshFit(zeros())),
      converged: new Array(K + 1).fill(false), iterations: 0, evaluating: null,
      heldOut: Array.from({ length: K }, () => new Array(lambdas.length).fill(Number.NaN)),
      foldWeight: new Array(K).fill(0), path: [], sampleCount: n,
    };
  }

  function afterPathStep(state: CoxCvState, results: readonly MethodResult<CoxCvStepUpdate>[]): CoxCvState {
    const s: CoxCvState = { ...state, fits: [...state.fits], converged: [...state.converged], heldOut: state.heldOut.map((h) => [...h]), foldWeight: [...state.foldWeight], path: [...state.path] };
    if (state.evaluating !== null) recordHeldOut(s, state.evaluating, results);
    if (state.lambdaIndex >= state.lambdas.length) return { ...s, phase: 'done', evaluating: null };
    for (let k = 0; k <= state.folds; k++) {
      if (state.converged[k]) continue;
      // Leave-one-site-out: fold k trains on every site but the k-th (sites sorted); fit K on all of
      // them. K-fold: every site sends the sums of its own training rows of fold k.
      const training = kfold ? results : results.filter((_, i) => i !== k);
      const sums = {
        sampleCount: kfold ? summed(training, `fold-${k}/count`, 1)[0] : training.reduce((a, r) => a + r.update.sampleCount, 0),
        loss: summed(training, `fold-${k}/loss`, 1)[0],
        gradient: Float64Array.from(summed(training, `fold-${k}/gradient`, p)),
        hessian: Float64Array.from(summed(training, `fold-${k}/hessian`, p * p)),
        featureSum: Float64Array.from(summed(training, `fold-${k}/feature-sum`, p)),
        featureSumSq: Float64Array.from(summed(training, `fold-${k}/feature-sumsq`, p)),
      };
      const std = pooledStandardization(sums.sampleCount, sums.featureSum, sums.featureSumSq, true);
      refuseConstant(std.scale, k === state.folds ? 'all rows' : `the training ${kfold ? 'rows' : 'sites'} of fold ${k + 1}`);
      const step = coxNewtonStep(state.fits[k], sums, { lambda: lambdaAt(state, k), alpha: settings.alpha, standardize: true }, { tolerance, strategy });
      s.fits[k] = step.state;
      s.converged[k] = step.converged;
    }
    if (s.converged.every(Boolean)) {
      s.path.push([...s.fits[state.folds].beta]);
      // The next λ's objective differs: restart each fit's step-halving record from its solution.
      return { ...s, fits: s.fits.map((f) => freshFit(f.beta)), lambdaIndex: state.lambdaIndex + 1, converged: s.converged.map(() => false), iterations: 0, evaluating: state.lambdaIndex };
    }
    if (state.iterations + 1 >= maxIterations) {
      throw new CrossValidationError('CV_NOT_CONVERGED', `The Cox fits at λ = ${state.lambdas[state.lambdaIndex]} did not converge in ${maxIterations} Newton steps (use a larger --lambda-min-ratio).`, { round: state.iterations });
    }
    return { ...s, iterations: state.iterations + 1, evaluating: null };
  }

  function recordHeldOut(s: CoxCvState, l: number, results: readonly MethodResult<CoxCvStepUpdate>[]) {
    if (kfold) {
      for (let k = 0; k < s.folds; k++) {
        // cv.coxnet: (Σ_sites [D_all − D_training]) / the fold's events; the fold weighs its events.
        const [events, deviance] = summed(results, `fold-${k}/held-out`, 2);
        if (!(events > 0)) throw new CrossValidationError('CV_SITE_FAILED', `Fold ${k + 1} holds no event at any site; its deviance per event is undefined (use fewer folds).`, { round: s.iterations });
        s.heldOut[k][l] = deviance / events;
        s.foldWeight[k] = events;
      }
      return;
    }
    for (let k = 0; k < s.folds; k++) {
      const t = tensorOf(results[k].update, `fold-${k}/held-out`);
      if (!t) throw new CrossValidationError('CV_SITE_FAILED', `Site ${results[k].siteId} sent no held-out score for its fold.`, { siteId: results[k].siteId });
      if (settings.measure === 'C') {
        const [comparable, concordant, , tied] = t.data;
        // Harrell's C: (concordant + ½ tied) / comparable (survival::concordance, as glmnet's Cindex).
        s.heldOut[k][l] = (concordant + 0.5 * tied) / comparable;
        s.foldWeight[k] = results[k].update.sampleCount;
      } else {
        s.heldOut[k][l] = t.data[1] / t.data[0];
        s.foldWeight[k] = t.data[0];
      }
    }
  }

  function refuseConstant(scale: ArrayLike<number>, where: string) {
    refuseConstantFeature(scale, settings.features, where);
  }

}

/** The summary of a finished Cox cross-validation (numeric's crossValidationCurve: cv.glmnet's rules; C is maximised). */
export function coxCrossValidationResult(state: CoxCvState, settings: CoxCrossValidationSettings): CrossValidationResult {
  return {
    alpha: settings.alpha,
    measure: settings.measure,
    folds: { scheme: settings.folds?.scheme ?? 'leave-one-site-out', count: state.folds, sizes: state.foldWeight },
    foldValues: state.heldOut,
    sampleCount: state.sampleCount,
    ...curveChoices(state.heldOut, state.foldWeight, state.lambdas, settings.measure === 'C'),
    lambda: state.lambdas,
    nonzero: state.path.map((c) => c.filter((v) => v !== 0).length),
    coefficients: state.path,
  };
}

const summed = summedTensor;
