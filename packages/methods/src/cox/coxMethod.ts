import {
  coxLayout,
  coxNewtonStep,
  coxPenaltyOf,
  coxPooledDerivatives,
  StrategyConfigError,
  type CoxRoundParams,
  type CoxState,
  type CoxUpdate,
  type CoxVariant,
  type FederatedMethod,
} from '@fedrad/federation';
import type { CoxTies } from '@fedrad/numeric';
import type { ModelSpec } from '@fedrad/protocol';
import { MethodConfigError } from '../errors.js';
import { coxSiteStep } from './coxSiteStep.js';
import type { SurvivalRows } from './survivalRows.js';

export interface CoxMethodOptions {
  variant: CoxVariant;
  ties: CoxTies;
  /** family "cox"; lambda, alpha and standardize as glmnet's Cox. */
  model: ModelSpec;
  features: string[];
  minCohortSize: number;
  /** Pooled: the bins' lower edges (coxTimeBinsMethod finds them) and the minimum per bin they were found for. */
  timeEdges?: number[];
  minEventsPerTimeBin?: number;
  /** Most Newton rounds (default 50). */
  maxRounds?: number;
  /** Converged when no standardised coefficient moves more than this (default 1e-10). */
  tolerance?: number;
}

export type CoxMethod = FederatedMethod<CoxState, CoxRoundParams, CoxUpdate, SurvivalRows>;

/**
 * Federated Cox by exact Newton (stratified by site or pooled, Breslow or Efron ties, optionally
 * with glmnet's elastic net): the site half is coxSiteStep, the coordinator half federation's
 * coxPooledDerivatives + coxNewtonStep. One round is one iteration of the centralised fit on the
 * pooled rows, so the fixed point is coxph's (or glmnet's) estimate.
 */
export function coxMethod(options: CoxMethodOptions): CoxMethod {
  let penalty: ReturnType<typeof coxPenaltyOf>;
  try {
    penalty = coxPenaltyOf(options.model);
  } catch (e) {
    if (e instanceof StrategyConfigError) throw new MethodConfigError(e.message, { field: e.field }, { cause: e });
    throw e;
  }
  if (options.features.length === 0) throw new MethodConfigError('Federated Cox needs the list of model features fixed in advance.', { field: 'features' });
  if (options.variant === 'pooled' && !options.timeEdges?.length) throw new MethodConfigError('Pooled Cox needs the time bins (run the time-bin step first).', { field: 'timeEdges' });
  const name = `cox-round/${options.variant}/${options.ties}`;
  const maxRounds = options.maxRounds ?? 50;
  const tolerance = options.tolerance ?? 1e-10;
  const paramsAt = (state: CoxState): CoxRoundParams => ({
    kind: 'cox-round',
    round: state.round,
    variant: options.variant,
    ties: options.ties,
    model: options.model,
    features: options.features,
    beta: state.beta,
    ...(options.variant === 'pooled' ? { timeEdges: options.timeEdges, minEventsPerTimeBin: options.minEventsPerTimeBin ?? options.minCohortSize } : {}),
    minCohortSize: options.minCohortSize,
  });
  return {
    name,
    initialState: () => ({ round: 0, beta: new Array(options.features.length).fill(0), halvings: 0 }),
    configure: (state, sites) => Object.fromEntries(sites.map((s) => [s, paramsAt(state)])),
    siteStep: async (params, rows) => coxSiteStep(params, rows),
    aggregate(state, results) {
      const sums = coxPooledDerivatives(paramsAt(state), results, name);
      const step = coxNewtonStep(state, sums, penalty, { tolerance, strategy: name });
      return {
        state: step.state,
        converged: step.converged,
        done: step.converged || state.round + 1 >= maxRounds,
        sites: sums.sites,
        sampleCount: sums.sampleCount,
        loss: sums.loss,
      };
    },
    layout: (params) => coxLayout(params),
    egress: (params) => ({
      tensors: coxLayout(params),
      counts: ['sampleCount', 'eventCount'],
      scalars: params.variant === 'stratified' ? ['loss'] : [],
      minCohortSize: options.minCohortSize,
      summary:
        params.variant === 'stratified'
          ? "The gradient and Hessian of the site's own Cox partial likelihood at the global coefficients, its value, and per-feature sums and sums of squares; no times."
          : `Per time bin, sums over the site's patients still at risk of e^(xβ), x·e^(xβ) and x xᵀ·e^(xβ)${params.ties === 'efron' ? ', the same over its events in the bin' : ''} and its number of events (each bin 0 or at least ${params.minEventsPerTimeBin} events and patients leaving), Σx over its events, and per-feature sums and sums of squares.`,
    }),
  };
}
