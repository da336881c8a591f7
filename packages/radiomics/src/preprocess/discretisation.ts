import type { Discretisation } from '@fedrad/protocol';
import { DiscretisationError } from '../errors.js';
import type { RadiomicsKernels } from '../kernels/radiomicsKernels.js';

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
 * The fixed-bin loops run through `kernels` (the native ones when built: same arithmetic) for a
 * Float64 box, else through the TypeScript loops below.
 */
export function discretise(
  intensities: ArrayLike<number>,
  mask: Uint8Array,
  spec: Discretisation,
  resegmentationLower: number | null,
  caseId?: string,
  kernels?: RadiomicsKernels,
): Discretised {
  checkSpec(spec, caseId);
  const native = intensities instanceof Float64Array && intensities.length === mask.length ? kernels : undefined;
  const range = native ? native.maskedRange(intensities as Float64Array, mask) : maskedRange(intensities, mask);
  const min = range[0], max = range[1];
  const levels = new Int32Array(mask.length);
  let nLevels: number;
  if (spec.method === 'FBN') {
    if (native) native.binFixedNumber(intensities as Float64Array, mask, levels, min, max, spec.bins);
    else binFixedNumber(intensities, mask, levels, min, max, spec.bins);
    nLevels = spec.bins;
  } else if (spec.method === 'FBS') {
    const lowerBound = spec.lowerBound ?? resegmentationLower ?? min;
    if (min < lowerBound) {
      throw new DiscretisationError(`fixed bin size discretisation starts at ${lowerBound}, but the ROI holds intensities down to ${min}; lower the bound or re-segment with it.`, caseId);
    }
    nLevels = native ? native.binFixedSize(intensities as Float64Array, mask, levels, lowerBound, spec.binWidth) : binFixedSize(intensities, mask, levels, lowerBound, spec.binWidth);
  } else {
    const bad = copyIntegerLevels(intensities, mask, levels);
    if (bad !== null) {
      throw new DiscretisationError(`discretisation 'none' needs integer grey levels from 1 to ${MAX_LEVELS} in the ROI, found ${bad}; use FBN or FBS.`, caseId);
    }
    nLevels = maxLevel(levels);
  }
  if (nLevels > MAX_LEVELS) {
    throw new DiscretisationError(`the discretisation gives ${nLevels} grey levels, more than the ${MAX_LEVELS} a texture matrix can hold; use a wider bin or fewer bins.`, caseId);
  }
  return { levels, nLevels };
}

/** The most grey levels a discretisation may give: texture matrices grow with their square. */
export const MAX_LEVELS = 65536;

/** Bins and bin widths that can discretise at all, checked before any voxel is binned. */
function checkSpec(spec: Discretisation, caseId?: string): void {
  if (spec.method === 'FBN' && !(Number.isInteger(spec.bins) && spec.bins >= 1 && spec.bins <= MAX_LEVELS)) {
    throw new DiscretisationError(`fixed bin number discretisation needs a whole number of bins from 1 to ${MAX_LEVELS}, got ${spec.bins}.`, caseId);
  }
  if (spec.method === 'FBS' && !(Number.isFinite(spec.binWidth) && spec.binWidth > 0)) {
    throw new DiscretisationError(`fixed bin size discretisation needs a finite bin width above 0, got ${spec.binWidth}.`, caseId);
  }
}

// The loops below are functions of their own: code compiled on-stack inside a loop of
// discretise knew nothing of what follows it and deoptimised there in every case of a cohort.

/** [min, max] of the masked intensities. */
export function maskedRange(intensities: ArrayLike<number>, mask: Uint8Array): Float64Array {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const v = intensities[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Float64Array(2);
  out[0] = min; out[1] = max;
  return out;
}

/** Fixed bin number (IBSI 1 §2.7, Eq. for FBN): ⌊N_g (X − X_min)/(X_max − X_min)⌋ + 1, X_max in bin N_g. */
export function binFixedNumber(intensities: ArrayLike<number>, mask: Uint8Array, levels: Int32Array, min: number, max: number, bins: number): void {
  const width = max - min;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const v = intensities[i];
    levels[i] = width === 0 ? 1 : v >= max ? bins : Math.floor((bins * (v - min)) / width) + 1;
  }
}

/** Fixed bin size (IBSI 1 §2.7, Eq. for FBS): ⌊(X − X_b)/w_b⌋ + 1; returns the highest level. */
export function binFixedSize(intensities: ArrayLike<number>, mask: Uint8Array, levels: Int32Array, lowerBound: number, binWidth: number): number {
  let nLevels = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const level = Math.floor((intensities[i] - lowerBound) / binWidth) + 1;
    levels[i] = level;
    if (level > nLevels) nLevels = level;
  }
  return nLevels;
}

/** The masked intensities as levels when all are integers from 1 to MAX_LEVELS; else the first offending value. */
function copyIntegerLevels(intensities: ArrayLike<number>, mask: Uint8Array, levels: Int32Array): number | null {
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const v = intensities[i];
    if (!Number.isInteger(v) || v < 1 || v > MAX_LEVELS) return v;
    levels[i] = v;
  }
  return null;
}

function maxLevel(levels: Int32Array): number {
  let n = 0;
  for (let i = 0; i < levels.length; i++) if (levels[i] > n) n = levels[i];
  return n;
}
