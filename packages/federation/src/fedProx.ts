import { fedAvg, localTrainingConfig, type FedAvgOptions } from './fedAvg.js';
import type { Strategy } from './types.js';

/**
 * FedProx (Li et al. 2020, "Federated optimization in heterogeneous networks", Algorithm 2):
 * each site minimises its loss plus (μ/2)‖w − w_global‖²; the server aggregates as FedAvg.
 * The proximal term lives at the site, so the strategy's only job is to send μ.
 */
export function fedProx(options: FedAvgOptions & { proximalMu: number }): Strategy {
  const avg = fedAvg(options);
  return {
    name: 'fedprox',
    configureRound(state, sites) {
      return localTrainingConfig(sites, state.round, options, { strategy: 'fedprox', proximalMu: options.proximalMu });
    },
    aggregate: (state, results, failures) => avg.aggregate(state, results, failures),
  };
}
