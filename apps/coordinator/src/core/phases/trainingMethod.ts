import type { CampaignProtocol, Tensor, TrainRoundParams } from '@fedrad/protocol';
import { initialGlmParameters, strategyForProtocol, type AggregateOutcome, type RoundState, type SiteFailure, type SiteResult } from '@fedrad/federation';

// The coordinator's one seam onto a federated training method: the training phase calls nothing
// else for what a round asks, what an update must hold and how updates combine.
export type { AggregateOutcome, Json, SiteFailure, SiteResult, TensorView, UpdateView } from '@fedrad/federation';

/** Where training stands between rounds: the global parameters and the method's own server state. */
export type TrainingState = RoundState;

export interface TrainingMethod {
  /** Round 0's state. Throws when the protocol's model or features cannot start. */
  initialState(): TrainingState;
  /** Each site's complete train-round params for the round of `state` (SITE_CHANNEL.md §6). */
  configure(state: TrainingState, sites: readonly string[]): Record<string, TrainRoundParams>;
  /** The tensors (name → shape) an update answering `params` must hold (SITE_CHANNEL.md §6 table). */
  layout(params: TrainRoundParams): Record<string, number[]>;
  /** Combines a round's updates (sorted by site) given the sites that failed. */
  aggregate(state: TrainingState, results: readonly SiteResult[], failures: readonly SiteFailure[]): AggregateOutcome;
}

/** The training method a protocol asks for. Throws (a StrategyConfigError) when it names one that cannot run. */
export function trainingMethod(protocol: CampaignProtocol): TrainingMethod {
  const strategy = strategyForProtocol(protocol);
  return {
    initialState: () => ({ round: 0, parameters: initialGlmParameters(protocol), server: null }),
    configure(state, sites) {
      const configs = strategy.configureRound(state, sites);
      const params: Record<string, TrainRoundParams> = {};
      for (const siteId of sites) {
        params[siteId] = { kind: 'train-round', round: state.round, model: protocol.model, features: protocol.features, globalParameters: state.parameters, ...configs[siteId] } as TrainRoundParams;
      }
      return params;
    },
    layout: updateLayout,
    aggregate: (state, results, failures) => strategy.aggregate(state, results, failures),
  };
}

/** The exact strategies send sums over the site's patients at the global coefficients; the others send parameters like the global ones. */
function updateLayout(params: TrainRoundParams): Record<string, number[]> {
  const global: Tensor[] = params.globalParameters ?? [];
  const p1 = global.reduce((n, t) => n + t.data.length, 0);
  switch (params.strategy) {
    case 'exact-newton':
      return { gradient: [p1], hessian: [p1, p1], 'feature-sum': [p1 - 1], 'feature-sumsq': [p1 - 1] };
    case 'exact-gradient':
      return { gradient: [p1], 'feature-sum': [p1 - 1], 'feature-sumsq': [p1 - 1] };
    default:
      return Object.fromEntries(global.map((t) => [t.name, t.shape]));
  }
}
