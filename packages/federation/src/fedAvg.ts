import { privateMeanUpdate, type PrivacyOptions } from './differentialPrivacy.js';
import { weightedMeanUpdate, type MeanUpdate } from './siteDeltas.js';
import { flatten, unflatten } from './tensors.js';
import type { RoundState, SiteResult, SiteRoundConfig, Strategy } from './types.js';

export interface FedAvgOptions {
  localEpochs?: number;
  learningRate?: number;
  clipNorm?: number;
  seed?: number;
  /** Central DP: the mean becomes DP-FedAvg's noised mean of the clipped updates (differentialPrivacy.ts). */
  privacy?: PrivacyOptions;
}

/** The round's mean update: sample-weighted, or DP-FedAvg's noised mean when the protocol asks for privacy. */
export function meanUpdateOf(state: RoundState, results: readonly SiteResult[], strategy: string, options: FedAvgOptions): MeanUpdate {
  return options.privacy ? privateMeanUpdate(state, results, strategy, options.clipNorm, options.privacy) : weightedMeanUpdate(state, results, strategy, options.clipNorm);
}

/** Same config for every site; the seed is offset by the round so local shuffles differ per round but are reproducible. */
export function uniformConfig(sites: readonly string[], config: SiteRoundConfig): Record<string, SiteRoundConfig> {
  const out: Record<string, SiteRoundConfig> = {};
  for (const s of sites) {
    const c: SiteRoundConfig = { strategy: config.strategy };
    for (const [k, v] of Object.entries(config)) if (v !== undefined) (c as Record<string, unknown>)[k] = v;
    out[s] = c;
  }
  return out;
}

/**
 * The local-training settings every site gets this round. The seed moves with the round, so
 * rounds draw differently while a rerun (or a resumed coordinator) draws the same.
 */
export function localTrainingConfig(
  sites: readonly string[],
  round: number,
  options: FedAvgOptions,
  settings: SiteRoundConfig,
): Record<string, SiteRoundConfig> {
  return uniformConfig(sites, {
    ...settings,
    localEpochs: options.localEpochs,
    learningRate: options.learningRate,
    clipNorm: options.clipNorm,
    seed: options.seed === undefined ? undefined : options.seed + round,
  });
}

/**
 * FedAvg (McMahan et al. 2017, "Communication-efficient learning of deep networks from
 * decentralized data", Algorithm 1): w ← Σ_k (n_k / n) w_k, i.e. the global parameters plus the
 * sample-weighted mean of the site deltas (clipped first when clipNorm is set; with privacy,
 * DP-FedAvg's noised mean).
 */
export function fedAvg(options: FedAvgOptions = {}): Strategy {
  return {
    name: 'fedavg',
    configureRound(state, sites) {
      return localTrainingConfig(sites, state.round, options, { strategy: 'fedavg' });
    },
    aggregate(state, results) {
      const { mean, sites, sampleCount, loss } = meanUpdateOf(state, results, 'fedavg', options);
      const global = flatten(state.parameters);
      for (let i = 0; i < global.length; i++) global[i] += mean[i];
      return { parameters: unflatten(state.parameters, global), server: null, converged: false, sites, sampleCount, loss };
    },
  };
}
