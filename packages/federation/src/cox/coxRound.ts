import { coxPooledLayout, coxStratifiedLayout, type ModelSpec, type TensorLayout } from '@fedrad/protocol';
import type { CoxTies } from '@fedrad/numeric';
import type { TensorView } from '../types.js';

/**
 * Federated Cox: the wire of one Newton round. `stratified`: a baseline hazard per site (coxph's
 * strata(site)), each site sends the gradient and Hessian of its own partial likelihood.
 * `pooled`: one baseline hazard, each site sends its risk-set sums at the common time points
 * (bin lower edges), which the coordinator adds before taking the partial likelihood.
 */
export type CoxVariant = 'stratified' | 'pooled';

export interface CoxRoundParams {
  kind: 'cox-round';
  round: number;
  variant: CoxVariant;
  ties: CoxTies;
  model: ModelSpec;
  features: string[];
  /** β on the original feature scale, one per feature (Cox has no intercept). */
  beta: number[];
  /** Pooled only: ascending lower edges of the time bins; a time t falls in the last bin whose edge ≤ t. */
  timeEdges?: number[];
  /** Pooled only: a bin with 1 … n−1 of the site's events, or of its patients leaving the risk set, is refused. */
  minEventsPerTimeBin?: number;
  /** Stratified: horizons (days) at which the site adds its Breslow baseline cumulative hazard; pooled: where the coordinator takes it from the pooled sums. */
  horizonDays?: number[];
  minCohortSize: number;
}

/** A site's answer: aggregate tensors only (coxLayout fixes their names and shapes). */
export interface CoxUpdate {
  kind: 'cox-round';
  round: number;
  sampleCount: number;
  eventCount: number;
  tensors: TensorView[];
  /** Stratified only: the site's −log partial likelihood at β. */
  loss?: number;
}

/** What the coordinator carries between rounds (JSON). */
export interface CoxState {
  round: number;
  beta: number[];
  /** The last accepted point and its penalised objective (for step halving). */
  accepted?: { beta: number[]; objective: number };
  halvings: number;
  lastChange?: number;
}

/** Every tensor a Cox update may hold, by name and shape: nothing else may leave a site. */
export function coxLayout(params: Pick<CoxRoundParams, 'variant' | 'ties' | 'features' | 'timeEdges' | 'horizonDays'>): TensorLayout {
  // A campaign's layouts are protocol's (SITE_CHANNEL.md §6), the local twin's the same.
  const p = params.features.length;
  if (params.variant === 'stratified') return coxStratifiedLayout(p, params.horizonDays?.length ?? 0);
  return coxPooledLayout(p, params.timeEdges?.length ?? 0, params.ties);
}
