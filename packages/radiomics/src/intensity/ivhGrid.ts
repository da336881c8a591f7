import type { IvhDiscretisation } from '@fedrad/protocol';

/** How the intensity-mask values were turned into X_d,gl (see ivhGrid). */
export interface IvhGridSpec {
  /** X_d,gl per intensity-mask voxel. */
  values: ArrayLike<number>;
  gridMin: number;
  gridMax: number;
  step: number;
}

/**
 * IBSI 1 §3.5 (P88C) IVH discretisation, by case:
 *  - none (discrete calibrated, e.g. CT): X_d,gl = X_gl, w_d = 1, G = re-segmentation range
 *    (an open end taken from the data), else [min, max];
 *  - FBS (continuous calibrated, e.g. PET): bins of w_b from X_min, replaced by their centres
 *    X_min + (X_d − 0.5) w_b; G = [X_min + w_b/2, X_max − w_b/2], X_min/X_max from the
 *    re-segmentation range if set, else from the data;
 *  - FBN (arbitrary units): N_g bins over [min, max]; X_d,gl = X_d, w_d = 1, G = [1, N_g].
 */
export function ivhGrid(values: Float64Array, spec: IvhDiscretisation, range: [number | null, number | null] | undefined): IvhGridSpec {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const lower = range?.[0] ?? null, upper = range?.[1] ?? null;
  if (spec.method === 'none') {
    return { values, gridMin: lower ?? min, gridMax: upper ?? max, step: 1 };
  }
  if (spec.method === 'FBS') {
    const w = spec.binWidth;
    const xMin = spec.lowerBound ?? lower ?? min;
    const xMax = spec.upperBound ?? upper ?? max;
    const centres = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) centres[i] = xMin + (Math.floor((values[i] - xMin) / w) + 1 - 0.5) * w;
    return { values: centres, gridMin: xMin + 0.5 * w, gridMax: xMax - 0.5 * w, step: w };
  }
  const bins = spec.bins;
  const levels = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    levels[i] = max === min ? 1 : values[i] >= max ? bins : Math.floor((bins * (values[i] - min)) / (max - min)) + 1;
  }
  return { values: levels, gridMin: 1, gridMax: bins, step: 1 };
}
