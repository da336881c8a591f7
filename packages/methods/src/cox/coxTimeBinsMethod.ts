import { mergeTimeBins, type FederatedMethod } from '@fedrad/federation';
import { MethodConfigError } from '../errors.js';
import { coxBinObjections } from './coxSiteStep.js';
import type { SurvivalRows } from './survivalRows.js';

export interface TimeBinsParams {
  kind: 'cox-time-bins';
  round: number;
  edges: number[];
  minEventsPerTimeBin: number;
}

export interface TimeBinsState {
  round: number;
  edges: number[];
}

/** One bit per bin: 1 when the bin holds 1 … m − 1 of the site's events or patients leaving the risk set. */
export interface TimeBinsUpdate {
  objections: number[];
}

/**
 * The time bins of pooled Cox, found federatedly (federation's mergeTimeBins): start from
 * candidate edges, let each site object to the bins it may not report on, merge, repeat until no
 * site objects. A site reveals one bit per bin, never a count or a time of its own.
 */
export function coxTimeBinsMethod(options: { candidateEdges: number[]; minEventsPerTimeBin: number; minCohortSize: number; maxRounds?: number }): FederatedMethod<TimeBinsState, TimeBinsParams, TimeBinsUpdate, SurvivalRows> {
  const m = options.minEventsPerTimeBin;
  if (!Number.isInteger(m) || m < 1) throw new MethodConfigError(`The minimum events per time bin must be a whole number ≥ 1, got ${m}.`, { field: 'minEventsPerTimeBin' });
  return {
    name: 'cox-time-bins',
    initialState: () => ({ round: 0, edges: [...options.candidateEdges].sort((a, b) => a - b) }),
    configure: (state, sites) => Object.fromEntries(sites.map((s) => [s, { kind: 'cox-time-bins' as const, round: state.round, edges: state.edges, minEventsPerTimeBin: m }])),
    siteStep: async (params, rows) => ({ objections: coxBinObjections(params.edges, params.minEventsPerTimeBin, rows) }),
    aggregate(state, results) {
      const any = state.edges.map((_, k) => (results.some((r) => r.update.objections[k]) ? 1 : 0));
      const sites = results.map((r) => r.siteId).sort();
      const done = !any.some(Boolean);
      const edges = done ? state.edges : mergeTimeBins(state.edges, any);
      if (!done && edges.length === state.edges.length) {
        throw new MethodConfigError(`No binning of the event times gives every site 0 or at least ${m} events per bin; lower the minimum or pool fewer sites.`, { field: 'minEventsPerTimeBin' });
      }
      return { state: { round: state.round + 1, edges }, converged: done, done: done || state.round + 1 >= (options.maxRounds ?? 1000), sites, sampleCount: 0 };
    },
    layout: (params) => ({ objections: [params.edges.length] }),
    egress: (params) => ({
      tensors: { objections: [params.edges.length] },
      counts: [],
      scalars: [],
      minCohortSize: options.minCohortSize,
      summary: `One bit per time bin: whether the bin holds between 1 and ${params.minEventsPerTimeBin - 1} of the site's events or patients leaving the risk set.`,
    }),
  };
}
