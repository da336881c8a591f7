import type { FeatureDefinition } from '../featureDefinition.js';
import type { IvhGridSpec } from './ivhGrid.js';
import type { RoiFeatureFamily } from '../featureFamily.js';
import { ivhGrid } from './ivhGrid.js';

/**
 * The IVH grid and fractional volumes (IBSI 1 §3.5, family P88C): discretised intensities
 * i_k = G_min + k·w_d, k = 0..K, with volume fraction ν_k = fraction of voxels with X_d,gl ≥ i_k and
 * intensity fraction γ_k = (i_k − G_min)/(G_max − G_min).
 */
export interface IntensityVolumeHistogramCoefficients {
  gridMin: number;
  gridMax: number;
  step: number;
  /** ν_k for k = 0..K+1; the extra last point lies one step above G_max (ν = share at or above it). */
  volumeFraction: Float64Array;
}

export function intensityVolumeHistogramCoefficients(spec: IvhGridSpec): IntensityVolumeHistogramCoefficients {
  const { values, gridMin, gridMax, step } = spec;
  const K = Math.max(0, Math.round((gridMax - gridMin) / step));
  const buckets = new Float64Array(K + 2); // bucket k: i_k ≤ x < i_{k+1}; K+1 holds x ≥ i_{K+1}
  for (let j = 0; j < values.length; j++) {
    const k = Math.floor((values[j] - gridMin) / step + 1e-9);
    if (k >= 0) buckets[Math.min(K + 1, k)]++; // below G_min: never counted as ≥ any i_k
  }
  const n = values.length;
  const volumeFraction = new Float64Array(K + 2);
  let atOrAbove = 0;
  for (let k = K + 1; k >= 0; k--) {
    atOrAbove += buckets[k];
    volumeFraction[k] = atOrAbove / n;
  }
  return { gridMin, gridMax, step, volumeFraction };
}

type C = IntensityVolumeHistogramCoefficients;

const gridSize = (c: C): number => c.volumeFraction.length - 1; // K + 1 grid points
const intensityAt = (c: C, k: number): number => c.gridMin + k * c.step;
const fractionAt = (c: C, k: number): number => (c.gridMax === c.gridMin ? 0 : (intensityAt(c, k) - c.gridMin) / (c.gridMax - c.gridMin));

/** V_x: the largest ν among grid intensities with γ ≥ x (ν falls with i, so the first such one). */
function volumeAtIntensityFraction(c: C, x: number): number {
  for (let k = 0; k < gridSize(c); k++) if (fractionAt(c, k) >= x - 1e-12) return c.volumeFraction[k];
  return 0;
}

/** I_x: the lowest grid intensity present in at most a fraction x of the volume (ν ≤ x). */
function intensityAtVolumeFraction(c: C, x: number): number {
  for (let k = 0; k <= gridSize(c); k++) if (c.volumeFraction[k] <= x + 1e-12) return intensityAt(c, k);
  return intensityAt(c, gridSize(c));
}

/** Volume fraction at 10% intensity, BC2M: V10. */
export const volumeAt10 = (c: C): number => volumeAtIntensityFraction(c, 0.1);
/** Volume fraction at 90% intensity, BC2M: V90. */
export const volumeAt90 = (c: C): number => volumeAtIntensityFraction(c, 0.9);
/** Intensity at 10% volume, GBPN: I10. */
export const intensityAt10 = (c: C): number => intensityAtVolumeFraction(c, 0.1);
/** Intensity at 90% volume, GBPN: I90. */
export const intensityAt90 = (c: C): number => intensityAtVolumeFraction(c, 0.9);
/** Volume fraction difference between 10% and 90% intensity, DDTU: V10 − V90. */
export const volumeDifference = (c: C): number => volumeAt10(c) - volumeAt90(c);
/** Intensity difference between 10% and 90% volume, CNV2: I10 − I90. */
export const intensityDifference = (c: C): number => intensityAt10(c) - intensityAt90(c);
/** Area under the IVH curve, 9CMM: trapezoidal rule over γ; 0 with a single grid intensity. */
export const areaUnderCurve = (c: C): number => {
  let auc = 0;
  for (let k = 0; k + 1 < gridSize(c); k++) {
    auc += (fractionAt(c, k + 1) - fractionAt(c, k)) * (c.volumeFraction[k] + c.volumeFraction[k + 1]) / 2;
  }
  return auc;
};

export const INTENSITY_VOLUME_HISTOGRAM_FEATURES: ReadonlyArray<FeatureDefinition<C>> = [
  { tag: 'ivh_v10', code: 'BC2M', name: 'Volume fraction at 10% intensity', compute: volumeAt10 },
  { tag: 'ivh_v90', code: 'BC2M', name: 'Volume fraction at 90% intensity', compute: volumeAt90 },
  { tag: 'ivh_i10', code: 'GBPN', name: 'Intensity at 10% volume', compute: intensityAt10 },
  { tag: 'ivh_i90', code: 'GBPN', name: 'Intensity at 90% volume', compute: intensityAt90 },
  { tag: 'ivh_diff_v10_v90', code: 'DDTU', name: 'Volume fraction difference between 10% and 90% intensity', compute: volumeDifference },
  { tag: 'ivh_diff_i10_i90', code: 'CNV2', name: 'Intensity difference between 10% and 90% volume', compute: intensityDifference },
  { tag: 'ivh_auc', code: '9CMM', name: 'Area under the IVH curve', compute: areaUnderCurve },
];

/** The intensity-volume histogram family (IBSI 1 §3.5, P88C), on the intensity-mask values. */
export const INTENSITY_VOLUME_HISTOGRAM_FAMILY: RoiFeatureFamily<C> = {
  kind: 'roi',
  name: 'intensity_volume_histogram',
  ibsiCode: 'P88C',
  features: INTENSITY_VOLUME_HISTOGRAM_FEATURES,
  coefficients: ({ roiValues, config }) => intensityVolumeHistogramCoefficients(ivhGrid(roiValues, config.ivhDiscretisation, config.resegmentation.range)),
};
