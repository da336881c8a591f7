import type { ModelUpdate, Tensor, TrainRoundParams } from '@fedrad/protocol';

/** JSON-serialisable value: a strategy's server state is persisted by the coordinator between rounds. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What the coordinator knows going into a round. */
export interface RoundState {
  round: number;
  parameters: Tensor[];
  /** Strategy-owned state (server optimiser moments, …); null before the first aggregation. */
  server: Json;
}

/** The per-site part of a train-round job a strategy decides; the coordinator adds model, features and parameters. */
export type SiteRoundConfig = Pick<
  TrainRoundParams,
  'strategy' | 'localEpochs' | 'learningRate' | 'proximalMu' | 'clipNorm' | 'seed'
>;

/** A tensor as strategies read it: the coordinator hands stored updates over as Float64Array views (no JSON arrays). */
export interface TensorView {
  name: string;
  shape: number[];
  data: ArrayLike<number>;
}

/**
 * A model update whose tensor data may be any array-like of numbers, with its sample count: a
 * plain ModelUpdate, or the one update rebuilt from a secure round's unmasked sum (whose masked
 * parts carry their counts masked, not in clear).
 */
export type UpdateView = Omit<ModelUpdate, 'tensors' | 'sampleCount'> & { sampleCount: number; tensors: TensorView[] };

export interface SiteResult {
  siteId: string;
  update: UpdateView;
}

export interface SiteFailure {
  siteId: string;
  code: string;
  message: string;
}

export interface AggregateOutcome {
  parameters: Tensor[];
  server: Json;
  /** True when the strategy's own stopping rule says further rounds would not change the model. */
  converged: boolean;
  /** Sites whose updates entered the aggregate, sorted. */
  sites: string[];
  sampleCount: number;
  /** Pooled loss (sum of site losses) when every site reported one. */
  loss?: number;
}

/**
 * A federation strategy (after Flower's Strategy): decides what each site does in a round and
 * combines what came back. No I/O: the coordinator's round runner does deadlines, quorum and
 * persistence. aggregate must not depend on the order of `results`.
 */
export interface Strategy {
  readonly name: TrainRoundParams['strategy'];
  configureRound(state: RoundState, sites: readonly string[]): Record<string, SiteRoundConfig>;
  aggregate(state: RoundState, results: readonly SiteResult[], failures: readonly SiteFailure[]): AggregateOutcome;
}
