import { boundingBox } from '../preprocess/roiBox.js';

/**
 * What the IBSI diagnostics of one ROI stage need, in one array: [0] morphological voxel count,
 * [1] intensity voxel count, [2] Σ, [3] min and [4] max of the intensities in the intensity mask
 * (voxel order), [5–10] morphological mask box lo x, y, z, hi x, y, z, [11–16] intensity mask
 * box likewise (−1 throughout for an empty mask).
 * This is the TypeScript twin of the native kernel (the same sums in voxel order, the same
 * boxes), RadiomicsKernels.roiSummary.
 */
export function roiSummaryTs(values: Float64Array, morph: Uint8Array, intensity: Uint8Array, dims: readonly [number, number, number]): Float64Array {
  const out = new Float64Array(17).fill(-1);
  out.set([0, 0, 0, Infinity, -Infinity]);
  for (let i = 0; i < morph.length; i += dims[0]) summaryRow(out, values, morph, intensity, i, Math.min(dims[0], morph.length - i));
  const mb = boundingBox(morph, dims), ib = boundingBox(intensity, dims);
  if (mb) out.set([...mb.lo, ...mb.hi], 5);
  if (ib) out.set([...ib.lo, ...ib.hi], 11);
  return out;
}

/** One row of the sums; a small function so the JIT optimises it within the first case. */
function summaryRow(acc: Float64Array, values: Float64Array, morph: Uint8Array, intensity: Uint8Array, i0: number, n: number): void {
  let nMorph = acc[0], nInt = acc[1], sum = acc[2], min = acc[3], max = acc[4];
  for (let i = i0; i < i0 + n; i++) {
    if (morph[i]) nMorph++;
    if (!intensity[i]) continue;
    nInt++;
    sum += values[i];
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  acc[0] = nMorph; acc[1] = nInt; acc[2] = sum; acc[3] = min; acc[4] = max;
}
