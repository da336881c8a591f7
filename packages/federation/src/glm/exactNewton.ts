import type { ModelSpec } from '@fedrad/protocol';
import { uniformConfig } from '../fedAvg.js';
import { flatten, unflatten } from '../tensors.js';
import type { Strategy } from '../types.js';
import { penaltyOf } from './glmPenalty.js';
import { minimizePenalizedQuadratic } from './penalizedQuadratic.js';
import { pooledSums } from './pooledSums.js';
import { gradientToStandardized, hessianToStandardized, pooledStandardization, toOriginal, toStandardized } from '@fedrad/numeric';

export interface ExactNewtonOptions {
  model: ModelSpec;
  /** Stop when no standardised coefficient moves more than this in a round. */
  tolerance?: number;
}

/**
 * Exact federated Newton for logistic GLMs. Sites return Σ gradient and Σ Hessian of the
 * negative log-likelihood at the global β (SITE_CHANNEL.md §6); their sum is the pooled gradient
 * and Hessian, so one round is one iteration of the centralised fit: a full Newton step when there
 * is no L1 penalty, otherwise glmnet's proximal Newton step (the penalised quadratic model solved
 * by coordinate descent, Friedman et al. 2010 §3; Lee, Sun & Saunders 2014, proximal Newton).
 * The fixed point is the penalised maximum-likelihood estimate of the pooled data.
 */
export function exactNewton(options: ExactNewtonOptions): Strategy {
  const penalty = penaltyOf(options.model);
  const tolerance = options.tolerance ?? 1e-10;
  return {
    name: 'exact-newton',
    configureRound(_state, sites) {
      return uniformConfig(sites, { strategy: 'exact-newton' });
    },
    aggregate(state, results) {
      const context = { strategy: 'exact-newton', round: state.round };
      const beta0 = flatten(state.parameters);
      const sums = pooledSums(results, beta0.length, true, 'exact-newton', state.round);
      const n = sums.sampleCount;
      const std = pooledStandardization(n, sums.featureSum, sums.featureSumSq, penalty.standardize);
      const gamma0 = toStandardized(beta0, std);
      const a = hessianToStandardized(sums.hessian!, std).map((v) => v / n);
      const b = gradientToStandardized(sums.gradient, std).map((v) => v / n);
      const frozen = (j: number) => j > 0 && std.scale[j - 1] === 0;
      const gamma = minimizePenalizedQuadratic(a, b, gamma0, penalty, frozen, context);
      let change = 0;
      for (let j = 0; j < gamma.length; j++) change = Math.max(change, Math.abs(gamma[j] - gamma0[j]));
      return {
        parameters: unflatten(state.parameters, toOriginal(gamma, std)),
        server: { lastChange: change },
        converged: change < tolerance,
        sites: sums.sites,
        sampleCount: n,
        loss: sums.loss,
      };
    },
  };
}
