import type { FeatureDefinition } from '../featureDefinition.js';
import type { RoiFeatureFamily } from '../featureFamily.js';
import { discretise } from '../preprocess/discretisation.js';
import { gatherMasked } from '../preprocess/gatherMasked.js';

/** Shared quantities of the discretised intensities X_d (IBSI 1 §3.4, family ZVCW). */
export interface IntensityHistogramCoefficients {
  /** Number of grey levels N_g: the histogram runs over 1..N_g without gaps. */
  nLevels: number;
  n: number;
  /** counts[i] = n_i for i = 1..N_g (index 0 unused). */
  counts: Float64Array;
  mean: number;
  m2: number;
  m3: number;
  m4: number;
  min: number;
  max: number;
  median: number;
  p10: number;
  p25: number;
  p75: number;
  p90: number;
  /** Histogram gradient H'_i, i = 1..N_g (index 0 unused). */
  gradient: Float64Array;
}

/**
 * Voxel count per grey level (index 0 unused). The one loop over the ROI in a function of its
 * own: compiled on-stack inside intensityHistogramCoefficients, it deoptimised at the code after
 * it in every case of a cohort.
 */
function histogram(levels: ArrayLike<number>, nLevels: number): Float64Array {
  const counts = new Float64Array(nLevels + 1);
  for (let k = 0; k < levels.length; k++) counts[levels[k]]++;
  return counts;
}

export function intensityHistogramCoefficients(levels: ArrayLike<number>, nLevels: number): IntensityHistogramCoefficients {
  const counts = histogram(levels, nLevels);
  const n = levels.length;
  let mean = 0;
  for (let i = 1; i <= nLevels; i++) mean += i * counts[i];
  mean /= n;
  let m2 = 0, m3 = 0, m4 = 0, min = Infinity, max = -Infinity;
  for (let i = 1; i <= nLevels; i++) {
    if (!counts[i]) continue;
    const d = i - mean, d2 = d * d;
    m2 += counts[i] * d2; m3 += counts[i] * d2 * d; m4 += counts[i] * d2 * d2;
    if (i < min) min = i;
    if (i > max) max = i;
  }
  // Order statistic k (0-based) read from the cumulative histogram.
  const orderStatistic = (k: number): number => {
    let cum = 0;
    for (let i = 1; i <= nLevels; i++) { cum += counts[i]; if (cum > k) return i; }
    return nLevels;
  };
  // Type-7 percentile, as for the intensity statistics.
  const percentile = (q: number): number => {
    const h = (n - 1) * q, lo = Math.floor(h);
    const a = orderStatistic(lo), b = orderStatistic(Math.min(n - 1, lo + 1));
    return a + (h - lo) * (b - a);
  };
  // IBSI 12CE: H'_1 = n_2 − n_1, H'_i = (n_{i+1} − n_{i−1})/2, H'_Ng = n_Ng − n_{Ng−1}.
  const gradient = new Float64Array(nLevels + 1);
  for (let i = 1; i <= nLevels; i++) {
    if (nLevels === 1) gradient[i] = 0;
    else if (i === 1) gradient[i] = counts[2] - counts[1];
    else if (i === nLevels) gradient[i] = counts[i] - counts[i - 1];
    else gradient[i] = (counts[i + 1] - counts[i - 1]) / 2;
  }
  return {
    nLevels, n, counts, mean, m2: m2 / n, m3: m3 / n, m4: m4 / n, min, max,
    median: percentile(0.5), p10: percentile(0.1), p25: percentile(0.25), p75: percentile(0.75), p90: percentile(0.9), gradient,
  };
}

type C = IntensityHistogramCoefficients;

function sumOverLevels(c: C, f: (i: number, count: number) => number): number {
  let s = 0;
  for (let i = 1; i <= c.nLevels; i++) if (c.counts[i]) s += f(i, c.counts[i]);
  return s;
}

function argExtremeGradient(c: C, sign: 1 | -1): number {
  let best = 1;
  for (let i = 2; i <= c.nLevels; i++) if (sign * c.gradient[i] > sign * c.gradient[best]) best = i;
  return best;
}

/** Mean discretised intensity, X6K6: Σ i p_i. */
export const mean = (c: C): number => c.mean;
/** Discretised intensity variance, CH89: Σ (i − μ)² p_i. */
export const variance = (c: C): number => c.m2;
/** Discretised intensity skewness, 88K1 (0 if the variance is 0). */
export const skewness = (c: C): number => (c.m2 === 0 ? 0 : c.m3 / c.m2 ** 1.5);
/** (Excess) discretised intensity kurtosis, C3I7 (0 if the variance is 0). */
export const kurtosis = (c: C): number => (c.m2 === 0 ? 0 : c.m4 / (c.m2 * c.m2) - 3);
/** Median discretised intensity, WIFQ. */
export const median = (c: C): number => c.median;
/** Minimum discretised intensity, 1PR8. */
export const minimum = (c: C): number => c.min;
/** 10th discretised intensity percentile, GPMT. */
export const percentile10 = (c: C): number => c.p10;
/** 90th discretised intensity percentile, OZ0C. */
export const percentile90 = (c: C): number => c.p90;
/** Maximum discretised intensity, 3NCY. */
export const maximum = (c: C): number => c.max;
/** Intensity histogram mode, AMMC: most frequent i; ties go to the bin nearest the mean, then the lower one. */
export const mode = (c: C): number => {
  let best = -1;
  for (let i = 1; i <= c.nLevels; i++) {
    if (best < 0 || c.counts[i] > c.counts[best]) best = i;
    else if (c.counts[i] === c.counts[best] && Math.abs(i - c.mean) < Math.abs(best - c.mean)) best = i;
  }
  return best;
};
/** Discretised intensity interquartile range, WR0O: P75 − P25. */
export const interquartileRange = (c: C): number => c.p75 - c.p25;
/** Discretised intensity range, 5Z3W: max − min. */
export const range = (c: C): number => c.max - c.min;
/** Intensity histogram mean absolute deviation, D2ZX: (1/N) Σ |X_d − μ|. */
export const meanAbsDeviation = (c: C): number => sumOverLevels(c, (i, k) => k * Math.abs(i - c.mean)) / c.n;
/** Intensity histogram robust mean absolute deviation, WRZB: MAD of X_d within [P10, P90]. */
export const robustMeanAbsDeviation = (c: C): number => {
  let s = 0, k = 0;
  for (let i = 1; i <= c.nLevels; i++) if (c.counts[i] && i >= c.p10 && i <= c.p90) { s += i * c.counts[i]; k += c.counts[i]; }
  const m = s / k;
  let d = 0;
  for (let i = 1; i <= c.nLevels; i++) if (c.counts[i] && i >= c.p10 && i <= c.p90) d += c.counts[i] * Math.abs(i - m);
  return d / k;
};
/** Intensity histogram median absolute deviation, 4RNL: (1/N) Σ |X_d − M|. */
export const medianAbsDeviation = (c: C): number => sumOverLevels(c, (i, k) => k * Math.abs(i - c.median)) / c.n;
/** Intensity histogram coefficient of variation, CWYJ: σ/μ. */
export const coefficientOfVariation = (c: C): number => Math.sqrt(c.m2) / c.mean;
/** Intensity histogram quartile coefficient of dispersion, SLWD: (P75 − P25)/(P75 + P25). */
export const quartileCoefficientOfDispersion = (c: C): number => (c.p75 - c.p25) / (c.p75 + c.p25);
/** Discretised intensity entropy, TLU2: −Σ p_i log₂ p_i. */
export const entropy = (c: C): number => -sumOverLevels(c, (_i, k) => (k / c.n) * Math.log2(k / c.n));
/** Discretised intensity uniformity, BJ5W: Σ p_i². */
export const uniformity = (c: C): number => sumOverLevels(c, (_i, k) => (k / c.n) ** 2);
/** Maximum histogram gradient, 12CE: max H'. */
export const maxGradient = (c: C): number => c.gradient[argExtremeGradient(c, 1)];
/** Maximum histogram gradient intensity, 8E6O: argmax_i H'_i. */
export const maxGradientIntensity = (c: C): number => argExtremeGradient(c, 1);
/** Minimum histogram gradient, VQB3: min H'. */
export const minGradient = (c: C): number => c.gradient[argExtremeGradient(c, -1)];
/** Minimum histogram gradient intensity, RHQZ: argmin_i H'_i. */
export const minGradientIntensity = (c: C): number => argExtremeGradient(c, -1);

export const INTENSITY_HISTOGRAM_FEATURES: ReadonlyArray<FeatureDefinition<C>> = [
  { tag: 'ih_mean', code: 'X6K6', name: 'Mean discretised intensity', compute: mean },
  { tag: 'ih_var', code: 'CH89', name: 'Discretised intensity variance', compute: variance },
  { tag: 'ih_skew', code: '88K1', name: 'Discretised intensity skewness', compute: skewness },
  { tag: 'ih_kurt', code: 'C3I7', name: '(Excess) discretised intensity kurtosis', compute: kurtosis },
  { tag: 'ih_median', code: 'WIFQ', name: 'Median discretised intensity', compute: median },
  { tag: 'ih_min', code: '1PR8', name: 'Minimum discretised intensity', compute: minimum },
  { tag: 'ih_p10', code: 'GPMT', name: '10th discretised intensity percentile', compute: percentile10 },
  { tag: 'ih_p90', code: 'OZ0C', name: '90th discretised intensity percentile', compute: percentile90 },
  { tag: 'ih_max', code: '3NCY', name: 'Maximum discretised intensity', compute: maximum },
  { tag: 'ih_mode', code: 'AMMC', name: 'Intensity histogram mode', compute: mode },
  { tag: 'ih_iqr', code: 'WR0O', name: 'Discretised intensity interquartile range', compute: interquartileRange },
  { tag: 'ih_range', code: '5Z3W', name: 'Discretised intensity range', compute: range },
  { tag: 'ih_mad', code: 'D2ZX', name: 'Intensity histogram mean absolute deviation', compute: meanAbsDeviation },
  { tag: 'ih_rmad', code: 'WRZB', name: 'Intensity histogram robust mean absolute deviation', compute: robustMeanAbsDeviation },
  { tag: 'ih_medad', code: '4RNL', name: 'Intensity histogram median absolute deviation', compute: medianAbsDeviation },
  { tag: 'ih_cov', code: 'CWYJ', name: 'Intensity histogram coefficient of variation', compute: coefficientOfVariation },
  { tag: 'ih_qcod', code: 'SLWD', name: 'Intensity histogram quartile coefficient of dispersion', compute: quartileCoefficientOfDispersion },
  { tag: 'ih_entropy', code: 'TLU2', name: 'Discretised intensity entropy', compute: entropy },
  { tag: 'ih_uniformity', code: 'BJ5W', name: 'Discretised intensity uniformity', compute: uniformity },
  { tag: 'ih_max_grad', code: '12CE', name: 'Maximum histogram gradient', compute: maxGradient },
  { tag: 'ih_max_grad_g', code: '8E6O', name: 'Maximum histogram gradient intensity', compute: maxGradientIntensity },
  { tag: 'ih_min_grad', code: 'VQB3', name: 'Minimum histogram gradient', compute: minGradient },
  { tag: 'ih_min_grad_g', code: 'RHQZ', name: 'Minimum histogram gradient intensity', compute: minGradientIntensity },
];

/**
 * The intensity histogram family (IBSI 1 §3.4, ZVCW), on the intensity-mask values discretised
 * with the config's intensity-histogram discretisation.
 */
export const INTENSITY_HISTOGRAM_FAMILY: RoiFeatureFamily<C> = {
  kind: 'roi',
  name: 'intensity_histogram',
  ibsiCode: 'ZVCW',
  features: INTENSITY_HISTOGRAM_FEATURES,
  coefficients({ box, roiValues, lowerBound, config, kernels, caseId }) {
    const d = discretise(box.values, box.intensityMask, config.intensityHistogramDiscretisation, lowerBound, caseId, kernels);
    const levels = new Int32Array(roiValues.length);
    gatherMasked(d.levels, box.intensityMask, levels);
    return intensityHistogramCoefficients(levels, d.nLevels);
  },
};
