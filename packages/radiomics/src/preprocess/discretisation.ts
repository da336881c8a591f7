import type { Discretisation } from '@fedrad/protocol';
import { DiscretisationError } from '../errors.js';

/** Discretised intensity-mask voxels: grey level 1..nLevels inside the mask, 0 outside. */
export interface Discretised {
  levels: Int32Array;
  nLevels: number;
}

/**
 * IBSI 1 §2.7 (4R0B). Fixed bin number (K15C): ⌊N_g (X − X_min)/(X_max − X_min)⌋ + 1, and N_g at
 * X_max, with X_min/X_max of the ROI. Fixed bin size (Q3RU): ⌊(X − X_min)/w_b⌋ + 1 with X_min
 * the set lower bound (the re-segmentation range's lower bound by default, else the ROI minimum);
 * N_g is then the highest level present. `none`: the intensities are grey levels already.
 */
export function discretise(
  intensities: ArrayLike<number>,
  mask: Uint8Array,
  spec: Discretisation,
  resegmentationLower: number | null,
  caseId?: string,
): Discretised {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const v = intensities[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const levels = new Int32Array(mask.length);
  let nLevels = 0;
  if (spec.method === 'FBN') {
    const bins = spec.bins;
    const width = max - min;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      const v = intensities[i];
      levels[i] = width === 0 ? 1 : v >= max ? bins : Math.floor((bins * (v - min)) / width) + 1;
    }
    nLevels = bins;
  } else if (spec.method === 'FBS') {
    const lowerBound = spec.lowerBound ?? resegmentationLower ?? min;
    if (min < lowerBound) {
      throw new DiscretisationError(`fixed bin size discretisation starts at ${lowerBound}, but the ROI holds intensities down to ${min}; lower the bound or re-segment with it.`, caseId);
    }
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      const level = Math.floor((intensities[i] - lowerBound) / spec.binWidth) + 1;
      levels[i] = level;
      if (level > nLevels) nLevels = level;
    }
  } else {
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      const v = intensities[i];
      if (!Number.isInteger(v) || v < 1) {
        throw new DiscretisationError(`discretisation 'none' needs integer grey levels ≥ 1 in the ROI, found ${v}; use FBN or FBS.`, caseId);
      }
      levels[i] = v;
      if (v > nLevels) nLevels = v;
    }
  }
  return { levels, nLevels };
}
