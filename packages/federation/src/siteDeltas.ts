import { clipByNorm } from './clipping.js';
import { AggregationError } from './errors.js';
import { assertSameLayout, flatten, requireResults, sortedBySite } from './tensors.js';
import type { RoundState, SiteResult } from './types.js';

export interface SiteDelta {
  siteId: string;
  sampleCount: number;
  /** Local parameters minus global parameters (clipped when a clip norm is set). */
  delta: Float64Array;
  loss?: number;
}

/**
 * Turns `parameters` or `delta` updates into per-site deltas from the global parameters,
 * sorted by site id, clipped to `clipNorm` when given.
 */
export function siteDeltas(state: RoundState, results: readonly SiteResult[], strategy: string, clipNorm?: number): SiteDelta[] {
  requireResults(results, strategy, state.round);
  const global = flatten(state.parameters);
  return sortedBySite(results).map((r) => {
    const { contents, tensors } = r.update;
    if (contents !== 'parameters' && contents !== 'delta') {
      throw new AggregationError(
        'WRONG_CONTENTS',
        `Site ${r.siteId} sent "${contents}" but strategy ${strategy} averages parameters; the site and coordinator disagree on the strategy`,
        { strategy, siteId: r.siteId, round: state.round },
      );
    }
    assertSameLayout(state.parameters, tensors, r.siteId, strategy);
    const local = flatten(tensors);
    let delta = contents === 'delta' ? local : local.map((v, i) => v - global[i]);
    if (clipNorm !== undefined) delta = clipByNorm(delta, clipNorm);
    return { siteId: r.siteId, sampleCount: r.update.sampleCount, delta, loss: r.update.loss };
  });
}

/** Sample-weighted mean of the deltas: Σ n_k Δ_k / Σ n_k (McMahan et al. 2017, FedAvg, Algorithm 1). */
export function weightedMeanDelta(deltas: readonly SiteDelta[], strategy: string, round: number): Float64Array {
  const total = deltas.reduce((n, d) => n + d.sampleCount, 0);
  if (total <= 0) {
    throw new AggregationError('NOT_ENOUGH_SITES', `Round ${round}: the sites reported 0 samples in total; nothing to weight by`, { strategy, round });
  }
  const out = new Float64Array(deltas[0].delta.length);
  for (const d of deltas) {
    const w = d.sampleCount / total;
    for (let i = 0; i < out.length; i++) out[i] += w * d.delta[i];
  }
  return out;
}

export function pooledLoss(deltas: readonly { loss?: number }[]): number | undefined {
  return deltas.every((d) => typeof d.loss === 'number') ? deltas.reduce((s, d) => s + (d.loss as number), 0) : undefined;
}
