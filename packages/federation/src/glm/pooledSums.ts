import { trainRoundLayout } from '@fedrad/protocol';
import { AggregationError } from '../errors.js';
import { requireResults, sortedBySite, tensorNamed } from '../tensors.js';
import type { SiteResult } from '../types.js';

/** Sums over every patient of every site (SITE_CHANNEL.md §6): the pooled sufficient statistics. */
export interface PooledSums {
  sampleCount: number;
  /** Σ (σ − y) x̃, length p + 1 (intercept first). */
  gradient: Float64Array;
  /** Σ σ(1 − σ) x̃ x̃ᵀ, row-major (p + 1)²; absent for gradient-only updates. */
  hessian?: Float64Array;
  featureSum: Float64Array;
  featureSumSq: Float64Array;
  loss?: number;
  sites: string[];
}

/**
 * Adds the sites' sums in site-id order. Sums of sums are the pooled sums exactly (up to Float64
 * rounding), which is why exact aggregation reproduces the centralised fit.
 */
export function pooledSums(results: readonly SiteResult[], parameterCount: number, withHessian: boolean, strategy: string, round: number): PooledSums {
  requireResults(results, strategy, round);
  // What each site sent is read by protocol's update layout: the names and shapes §6 fixes.
  const layout = trainRoundLayout(withHessian ? 'exact-newton' : 'exact-gradient', parameterCount - 1);
  const sums = new Map(Object.entries(layout).map(([name, shape]) => [name, new Float64Array(shape.reduce((a, d) => a * d, 1))]));
  let sampleCount = 0;
  let loss: number | undefined = 0;
  const sites: string[] = [];
  const add = (into: Float64Array, r: SiteResult, name: string) => {
    const t = tensorNamed(r, name, strategy);
    if (t.data.length !== into.length) {
      throw new AggregationError(
        'LAYOUT_MISMATCH',
        `Site ${r.siteId} sent "${name}" with ${t.data.length} values; the model needs ${into.length}`,
        { strategy, siteId: r.siteId, round, tensor: name },
      );
    }
    for (let i = 0; i < into.length; i++) into[i] += t.data[i];
  };
  for (const r of sortedBySite(results)) {
    const expected = withHessian ? 'gradient-hessian' : 'gradient';
    if (r.update.contents !== expected && !(r.update.contents === 'gradient-hessian' && !withHessian)) {
      throw new AggregationError('WRONG_CONTENTS', `Site ${r.siteId} sent "${r.update.contents}" but strategy ${strategy} needs "${expected}"`, {
        strategy,
        siteId: r.siteId,
        round,
      });
    }
    for (const [name, into] of sums) add(into, r, name);
    sampleCount += r.update.sampleCount;
    loss = typeof r.update.loss === 'number' && loss !== undefined ? loss + r.update.loss : undefined;
    sites.push(r.siteId);
  }
  return { sampleCount, gradient: sums.get('gradient')!, hessian: sums.get('hessian'), featureSum: sums.get('feature-sum')!, featureSumSq: sums.get('feature-sumsq')!, loss, sites };
}
