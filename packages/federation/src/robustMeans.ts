import { AggregationError } from './errors.js';
import { localTrainingConfig, type FedAvgOptions } from './fedAvg.js';
import { pooledLoss, siteDeltas } from './siteDeltas.js';
import { flatten, unflatten } from './tensors.js';
import type { Strategy } from './types.js';

/** Median of a sorted copy; the mean of the two middle values for an even count. */
function median(sorted: Float64Array): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Mean after dropping the `cut` smallest and `cut` largest values of a sorted copy. */
function trimmed(sorted: Float64Array, cut: number): number {
  let s = 0;
  for (let i = cut; i < sorted.length - cut; i++) s += sorted[i];
  return s / (sorted.length - 2 * cut);
}

/**
 * Coordinate-wise robust aggregation (Yin et al. 2018, "Byzantine-robust distributed learning:
 * towards optimal statistical rates", Definitions 1–2): for every coordinate, the median, or the
 * mean after removing the ⌊βm⌋ largest and ⌊βm⌋ smallest of the m site values. Unweighted by
 * design: a weight would let one large (or lying) site dominate again.
 */
function coordinateWise(kind: 'median' | 'trimmed-mean', options: FedAvgOptions & { trimFraction?: number }): Strategy {
  const beta = options.trimFraction ?? 0.1;
  return {
    name: kind,
    configureRound(state, sites) {
      return localTrainingConfig(sites, state.round, options, { strategy: kind });
    },
    aggregate(state, results) {
      const deltas = siteDeltas(state, results, kind, options.clipNorm);
      const m = deltas.length;
      const cut = Math.floor(beta * m);
      if (kind === 'trimmed-mean' && m - 2 * cut < 1) {
        throw new AggregationError('NOT_ENOUGH_SITES', `Trimmed mean with fraction ${beta} keeps no site out of ${m}`, { strategy: kind, round: state.round });
      }
      const w = flatten(state.parameters);
      const column = new Float64Array(m);
      for (let i = 0; i < w.length; i++) {
        for (let k = 0; k < m; k++) column[k] = w[i] + deltas[k].delta[i];
        column.sort();
        w[i] = kind === 'median' ? median(column) : trimmed(column, cut);
      }
      return {
        parameters: unflatten(state.parameters, w),
        server: null,
        converged: false,
        sites: deltas.map((d) => d.siteId),
        sampleCount: deltas.reduce((n, d) => n + d.sampleCount, 0),
        loss: pooledLoss(deltas),
      };
    },
  };
}

export const coordinateMedian = (options: FedAvgOptions = {}): Strategy => coordinateWise('median', options);
export const trimmedMean = (options: FedAvgOptions & { trimFraction?: number } = {}): Strategy => coordinateWise('trimmed-mean', options);
