import type { FeatureDefinition } from '../featureDefinition.js';
import { percentileSorted } from './percentile.js';
import type { RadiomicsKernels } from '../kernels/radiomicsKernels.js';
import type { RoiFeatureFamily } from '../featureFamily.js';

/** Shared quantities of the intensity-mask values X_gl (IBSI 1 §3.3, family UHIW). */
export interface IntensityStatisticsCoefficients {
  n: number;
  sorted: Float64Array;
  mean: number;
  /** Central moments m2, m3, m4 (divided by N, no bias correction). */
  m2: number;
  m3: number;
  m4: number;
  sumSquares: number;
  p10: number;
  p25: number;
  p75: number;
  p90: number;
  median: number;
  /** Mean absolute deviations: about the mean, about the median, and robust (within [P10, P90] about their own mean). */
  meanAbsDev: number;
  medianAbsDev: number;
  robustMeanAbsDev: number;
}

export function intensityStatisticsCoefficients(values: ArrayLike<number>, kernels: RadiomicsKernels): IntensityStatisticsCoefficients {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const p10 = percentileSorted(sorted, 0.1), p90 = percentileSorted(sorted, 0.9), median = percentileSorted(sorted, 0.5);
  const sums = kernels.statisticsSums(sorted, median, p10, p90);
  const [mean, m2, m3, m4, sumSquares, meanAbsDev, medianAbsDev, robustMeanAbsDev] = sums;
  return {
    n, sorted, mean, m2, m3, m4, sumSquares, p10, p25: percentileSorted(sorted, 0.25), p75: percentileSorted(sorted, 0.75), p90, median,
    meanAbsDev, medianAbsDev, robustMeanAbsDev,
  };
}

/**
 * The sums over the sorted values, the TypeScript twin of the native kernel: [mean, m2, m3, m4,
 * Σx², MAD about the mean, MAD about the median, robust MAD within [P10, P90]], central moments
 * divided by N.
 */
export function statisticsSumsTs(sorted: Float64Array, median: number, p10: number, p90: number): Float64Array {
  const m = moments(sorted);
  const out = new Float64Array(8);
  out.set(m);
  out[5] = meanAbsoluteDeviation(sorted, m[0]);
  out[6] = meanAbsoluteDeviation(sorted, median);
  out[7] = robustMeanAbsoluteDeviation(sorted, p10, p90);
  return out;
}

/**
 * [mean, m2, m3, m4, Σx²] with central moments divided by N. Loops in a function of their own:
 * code compiled on-stack inside a loop knows nothing of the object built after it, and
 * deoptimised there in every case of a cohort.
 */
function moments(x: Float64Array): Float64Array {
  const n = x.length;
  let sum = 0, sumSquares = 0;
  for (let i = 0; i < n; i++) { sum += x[i]; sumSquares += x[i] * x[i]; }
  const mean = sum / n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean, d2 = d * d;
    m2 += d2; m3 += d2 * d; m4 += d2 * d2;
  }
  const out = new Float64Array(5);
  out[0] = mean; out[1] = m2 / n; out[2] = m3 / n; out[3] = m4 / n; out[4] = sumSquares;
  return out;
}

type C = IntensityStatisticsCoefficients;

/** Mean of |x − centre| over the values. */
function meanAbsoluteDeviation(values: ArrayLike<number>, centre: number): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.abs(values[i] - centre);
  return s / values.length;
}

/** Robust MAD: mean absolute deviation from their own mean of the values within [P10, P90]. */
function robustMeanAbsoluteDeviation(sorted: Float64Array, p10: number, p90: number): number {
  // Indexed loops: a for-of over a typed array allocates an iterator result per value until the
  // JIT has optimised it, which is most of a first (fresh-process) extraction.
  let s = 0, k = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i];
    if (v >= p10 && v <= p90) { s += v; k++; }
  }
  const m = s / k;
  let d = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i];
    if (v >= p10 && v <= p90) d += Math.abs(v - m);
  }
  return d / k;
}

/** Mean intensity, Q4LE: (1/N) Σ X. */
export const mean = (c: C): number => c.mean;
/** Intensity variance, ECT3: (1/N) Σ (X − μ)². */
export const variance = (c: C): number => c.m2;
/** Intensity skewness, KE2A: m3 / m2^{3/2} (0 if m2 = 0). */
export const skewness = (c: C): number => (c.m2 === 0 ? 0 : c.m3 / c.m2 ** 1.5);
/** (Excess) intensity kurtosis, IPH6: m4 / m2² − 3 (0 if m2 = 0). */
export const kurtosis = (c: C): number => (c.m2 === 0 ? 0 : c.m4 / (c.m2 * c.m2) - 3);
/** Median intensity, Y12H. */
export const median = (c: C): number => c.median;
/** Minimum intensity, 1GSF. */
export const minimum = (c: C): number => c.sorted[0];
/** 10th intensity percentile, QG58. */
export const percentile10 = (c: C): number => c.p10;
/** 90th intensity percentile, 8DWT. */
export const percentile90 = (c: C): number => c.p90;
/** Maximum intensity, 84IY. */
export const maximum = (c: C): number => c.sorted[c.n - 1];
/** Intensity interquartile range, SALO: P75 − P25. */
export const interquartileRange = (c: C): number => c.p75 - c.p25;
/** Intensity range, 2OJQ: max − min. */
export const range = (c: C): number => c.sorted[c.n - 1] - c.sorted[0];
/** Intensity-based mean absolute deviation, 4FUA: (1/N) Σ |X − μ|. */
export const meanAbsDeviation = (c: C): number => c.meanAbsDev;
/** Intensity-based robust mean absolute deviation, 1128: MAD of X within [P10, P90] about their mean. */
export const robustMeanAbsDeviation = (c: C): number => c.robustMeanAbsDev;
/** Intensity-based median absolute deviation, N72L: (1/N) Σ |X − M|. */
export const medianAbsDeviation = (c: C): number => c.medianAbsDev;
/** Intensity-based coefficient of variation, 7TET: σ/μ. */
export const coefficientOfVariation = (c: C): number => Math.sqrt(c.m2) / c.mean;
/** Intensity-based quartile coefficient of dispersion, 9S40: (P75 − P25)/(P75 + P25). */
export const quartileCoefficientOfDispersion = (c: C): number => (c.p75 - c.p25) / (c.p75 + c.p25);
/** Intensity-based energy, N8CA: Σ X². */
export const energy = (c: C): number => c.sumSquares;
/** Root mean square intensity, 5ZWQ: √(Σ X² / N). */
export const rootMeanSquare = (c: C): number => Math.sqrt(c.sumSquares / c.n);

export const INTENSITY_STATISTICS_FEATURES: ReadonlyArray<FeatureDefinition<C>> = [
  { tag: 'stat_mean', code: 'Q4LE', name: 'Mean intensity', compute: mean },
  { tag: 'stat_var', code: 'ECT3', name: 'Intensity variance', compute: variance },
  { tag: 'stat_skew', code: 'KE2A', name: 'Intensity skewness', compute: skewness },
  { tag: 'stat_kurt', code: 'IPH6', name: '(Excess) intensity kurtosis', compute: kurtosis },
  { tag: 'stat_median', code: 'Y12H', name: 'Median intensity', compute: median },
  { tag: 'stat_min', code: '1GSF', name: 'Minimum intensity', compute: minimum },
  { tag: 'stat_p10', code: 'QG58', name: '10th intensity percentile', compute: percentile10 },
  { tag: 'stat_p90', code: '8DWT', name: '90th intensity percentile', compute: percentile90 },
  { tag: 'stat_max', code: '84IY', name: 'Maximum intensity', compute: maximum },
  { tag: 'stat_iqr', code: 'SALO', name: 'Intensity interquartile range', compute: interquartileRange },
  { tag: 'stat_range', code: '2OJQ', name: 'Intensity range', compute: range },
  { tag: 'stat_mad', code: '4FUA', name: 'Intensity-based mean absolute deviation', compute: meanAbsDeviation },
  { tag: 'stat_rmad', code: '1128', name: 'Intensity-based robust mean absolute deviation', compute: robustMeanAbsDeviation },
  { tag: 'stat_medad', code: 'N72L', name: 'Intensity-based median absolute deviation', compute: medianAbsDeviation },
  { tag: 'stat_cov', code: '7TET', name: 'Intensity-based coefficient of variation', compute: coefficientOfVariation },
  { tag: 'stat_qcod', code: '9S40', name: 'Intensity-based quartile coefficient of dispersion', compute: quartileCoefficientOfDispersion },
  { tag: 'stat_energy', code: 'N8CA', name: 'Intensity-based energy', compute: energy },
  { tag: 'stat_rms', code: '5ZWQ', name: 'Root mean square intensity', compute: rootMeanSquare },
];

/** The intensity statistics family (IBSI 1 §3.3, UHIW), on the intensity-mask values. */
export const INTENSITY_STATISTICS_FAMILY: RoiFeatureFamily<C> = {
  kind: 'roi',
  name: 'intensity_statistics',
  ibsiCode: 'UHIW',
  features: INTENSITY_STATISTICS_FEATURES,
  coefficients: ({ roiValues, kernels }) => intensityStatisticsCoefficients(roiValues, kernels),
};
