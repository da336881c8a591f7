import type { MethodResult } from '@fedrad/federation';
import { pooledStandardization, type Standardization } from '@fedrad/numeric';
import type { SelectionSummary } from './selectionSummary.js';

/** The sums over every patient of every site: what each selection statistic is computed from. */
export interface PooledMoments {
  features: string[];
  n: number;
  events: number;
  sum: number[];
  sumSq: number[];
  sumY: number[];
  /** Σ xⱼ xₖ, row-major p × p. */
  cross: number[];
  /** Survival outcomes: each feature's Cox score and information at β = 0, summed over the sites (stratified by site). */
  coxScore?: number[];
  coxInformation?: number[];
}

/** Adds the sites' summaries (in site-id order, so the result does not depend on who answered first). */
export function pooledMoments(features: string[], results: readonly MethodResult<SelectionSummary>[]): PooledMoments {
  const p = features.length;
  const m: PooledMoments = { features, n: 0, events: 0, sum: new Array(p).fill(0), sumSq: new Array(p).fill(0), sumY: new Array(p).fill(0), cross: new Array(p * p).fill(0) };
  const into: Record<string, number[]> = { 'feature-sum': m.sum, 'feature-sumsq': m.sumSq, 'feature-sumy': m.sumY, 'cross-products': m.cross };
  if (results.some((r) => r.update.tensors.some((t) => t.name === 'cox-score'))) {
    m.coxScore = new Array(p).fill(0);
    m.coxInformation = new Array(p).fill(0);
    Object.assign(into, { 'cox-score': m.coxScore, 'cox-information': m.coxInformation });
  }
  for (const r of [...results].sort((a, b) => (a.siteId < b.siteId ? -1 : 1))) {
    m.n += r.update.sampleCount;
    m.events += r.update.eventCount;
    for (const t of r.update.tensors) {
      const target = into[t.name];
      if (target) for (let i = 0; i < target.length; i++) target[i] += t.data[i];
    }
  }
  return m;
}

/** Pooled means and population standard deviations (numeric's rule: a constant feature has scale 0). */
export const momentsStandardization = (m: PooledMoments): Standardization => pooledStandardization(m.n, m.sum, m.sumSq, true);

/** Pearson's r of features j and k: (Σxⱼxₖ − n m_j m_k) / (n s_j s_k), s the population SD. */
export function pooledCorrelation(m: PooledMoments, std: Standardization, j: number, k: number): number {
  const p = m.features.length;
  return (m.cross[j * p + k] - m.n * std.mean[j] * std.mean[k]) / (m.n * std.scale[j] * std.scale[k]);
}
