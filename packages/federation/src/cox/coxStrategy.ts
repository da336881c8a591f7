import type { ModelSpec } from '@fedrad/protocol';
import type { CoxTies } from '@fedrad/numeric';
import { StrategyConfigError } from '../errors.js';
import { uniformConfig } from '../fedAvg.js';
import type { Json, Strategy } from '../types.js';
import { coxNewtonStep } from './coxNewtonStep.js';
import { coxPenaltyOf } from './coxPenalty.js';
import type { CoxState } from './coxRound.js';
import { coxPooledDerivatives } from './coxSums.js';

export interface CoxExactNewtonOptions {
  model: ModelSpec;
  features: string[];
  /** The protocol's horizons: the sites add their baseline cumulative hazard there. */
  horizonDays: number[];
  minCohortSize: number;
  tolerance?: number;
}

/**
 * A campaign's Cox model as a Strategy over model-updates (SITE_CHANNEL.md §6, the cox rows): the
 * global parameters are `coef` [p] (β on the original scale) and, once a round has run with
 * horizons, `baseline-hazard` [h] at the β that round evaluated. Stratified by site (model.strata
 * "site", the default): the sites' gradients and Hessians add up, and H0 is the patient-weighted
 * mean of the sites' Breslow H0. Pooled (model.strata "none"): the sites' risk-set sums in the
 * protocol's time bins (model.timeGridDays) add up to the pooled risk sets, from which come the
 * partial likelihood (Breslow or Efron) and Breslow's H0 of the one baseline hazard. The server
 * state carries the step-halving bookkeeping.
 */
export function coxExactNewton(options: CoxExactNewtonOptions): Strategy {
  const penalty = coxPenaltyOf(options.model);
  const ties: CoxTies = options.model.ties ?? 'breslow';
  const tolerance = options.tolerance ?? 1e-10;
  const p = options.features.length;
  const pooled = options.model.strata === 'none';
  const timeEdges = options.model.timeGridDays ?? [];
  if (pooled && (timeEdges.length === 0 || timeEdges.some((e, k) => k > 0 && !(e > timeEdges[k - 1])))) {
    throw new StrategyConfigError('Pooled Cox (model.strata "none") needs the time bins\' lower edges in model.timeGridDays, ascending', 'model.timeGridDays');
  }
  const variant = pooled ? ('pooled' as const) : ('stratified' as const);
  return {
    name: 'exact-newton',
    configureRound: (_state, sites) => uniformConfig(sites, { strategy: 'exact-newton' }),
    aggregate(state, results) {
      const beta = Array.from(state.parameters.find((t) => t.name === 'coef')?.data ?? new Array(p).fill(0));
      const server = (state.server ?? {}) as Partial<Pick<CoxState, 'accepted' | 'halvings'>>;
      const coxState: CoxState = { round: state.round, beta, halvings: server.halvings ?? 0, ...(server.accepted ? { accepted: server.accepted } : {}) };
      const params = {
        kind: 'cox-round' as const, round: state.round, variant, ties, model: options.model, features: options.features, beta, horizonDays: options.horizonDays, minCohortSize: options.minCohortSize,
        ...(pooled ? { timeEdges, minEventsPerTimeBin: options.minCohortSize } : {}),
      };
      const sums = coxPooledDerivatives(params, results, 'exact-newton');
      const step = coxNewtonStep(coxState, sums, penalty, { tolerance, strategy: 'exact-newton' });
      const next = step.state;
      return {
        parameters: [
          { name: 'coef', shape: [p], data: next.beta },
          ...(sums.baselineHazard ? [{ name: 'baseline-hazard', shape: [sums.baselineHazard.length], data: sums.baselineHazard }] : []),
        ],
        server: { halvings: next.halvings, ...(next.accepted ? { accepted: next.accepted } : {}), ...(next.lastChange !== undefined ? { lastChange: next.lastChange } : {}) } as Json,
        converged: step.converged,
        sites: sums.sites,
        sampleCount: sums.sampleCount,
        loss: sums.loss,
      };
    },
  };
}
