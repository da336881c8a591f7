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
    checkContents(r, strategy, state.round);
    assertSameLayout(state.parameters, r.update.tensors, r.siteId, strategy);
    // One array per site: local − global written straight from the update's tensors.
    let delta: Float64Array = new Float64Array(global.length);
    writeDelta(delta, r, global, r.update.contents === 'delta');
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

export interface MeanUpdate {
  /** Σ n_k Δ_k / Σ n_k over the sites, Δ_k clipped when a clip norm is set. */
  mean: Float64Array;
  sites: string[];
  sampleCount: number;
  loss?: number;
}

/**
 * The sample-weighted mean delta of `parameters`/`delta` updates (FedAvg, McMahan et al. 2017,
 * Algorithm 1; clipping as clipByNorm) read straight from each update's tensors: no per-site
 * flattened copy or delta array, one output vector. Same checks, sums and rounding, site by site
 * in site-id order, as weightedMeanDelta(siteDeltas(…)), so the aggregate is bit-for-bit the same.
 */
export function weightedMeanUpdate(state: RoundState, results: readonly SiteResult[], strategy: string, clipNorm?: number): MeanUpdate {
  requireResults(results, strategy, state.round);
  const global = flatten(state.parameters);
  const sorted = sortedBySite(results);
  let total = 0;
  for (const r of sorted) {
    checkContents(r, strategy, state.round);
    assertSameLayout(state.parameters, r.update.tensors, r.siteId, strategy);
    total += r.update.sampleCount;
  }
  if (total <= 0) {
    throw new AggregationError('NOT_ENOUGH_SITES', `Round ${state.round}: the sites reported 0 samples in total; nothing to weight by`, { strategy, round: state.round });
  }
  const mean = new Float64Array(global.length);
  for (const r of sorted) {
    const isDelta = r.update.contents === 'delta';
    let scale = 1;
    if (clipNorm !== undefined) {
      const norm = Math.sqrt(squaredNorm(r, global, isDelta));
      if (norm > clipNorm && norm !== 0) scale = clipNorm / norm;
    }
    addWeighted(mean, r, global, isDelta, r.update.sampleCount / total, scale);
  }
  return { mean, sites: sorted.map((r) => r.siteId), sampleCount: total, loss: pooledLoss(sorted.map((r) => r.update)) };
}

// Plain loops over each tensor (Δ = local − global, or the sent delta): no closures, no copies.
function writeDelta(out: Float64Array, r: SiteResult, global: Float64Array, isDelta: boolean): void {
  let offset = 0;
  for (const { data } of r.update.tensors) {
    for (let j = 0; j < data.length; j++) out[offset + j] = isDelta ? data[j] : data[j] - global[offset + j];
    offset += data.length;
  }
}

function squaredNorm(r: SiteResult, global: Float64Array, isDelta: boolean): number {
  let sq = 0;
  let offset = 0;
  for (const { data } of r.update.tensors) {
    for (let j = 0; j < data.length; j++) {
      const d = isDelta ? data[j] : data[j] - global[offset + j];
      sq += d * d;
    }
    offset += data.length;
  }
  return sq;
}

/** mean += w · scale·Δ, rounded as clipByNorm then weightedMeanDelta round it (scale 1 = not clipped). */
function addWeighted(mean: Float64Array, r: SiteResult, global: Float64Array, isDelta: boolean, w: number, scale: number): void {
  let offset = 0;
  for (const { data } of r.update.tensors) {
    for (let j = 0; j < data.length; j++) {
      const d = isDelta ? data[j] : data[j] - global[offset + j];
      mean[offset + j] += scale === 1 ? w * d : w * (d * scale);
    }
    offset += data.length;
  }
}

function checkContents(r: SiteResult, strategy: string, round: number): void {
  const { contents } = r.update;
  if (contents !== 'parameters' && contents !== 'delta') {
    throw new AggregationError(
      'WRONG_CONTENTS',
      `Site ${r.siteId} sent "${contents}" but strategy ${strategy} averages parameters; the site and coordinator disagree on the strategy`,
      { strategy, siteId: r.siteId, round },
    );
  }
}
