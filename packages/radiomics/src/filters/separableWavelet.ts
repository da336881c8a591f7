import { filterAxes, type BoundaryCondition, type FilterDimensionality, type FilterGrid } from './grid.js';
import { IDENTITY_ROTATION_2D, IDENTITY_ROTATION_3D, ResponsePool, rightAngleRotations, type FilterProgress, type Pooling } from './rotations.js';
import { dilateKernel, type Kernel1D } from './separable.js';
import { applyRotatedSeparable } from './separableFilter.js';
import { waveletFilters } from './waveletCoefficients.js';

export interface SeparableWaveletSettings {
  wavelet: string;
  /** one letter per filter axis, L (low-pass) or H (high-pass): "LHL" in 3D, "HH" in 2D */
  subband: string;
  /** decomposition level j ≥ 1 */
  level: number;
  dimensionality: FilterDimensionality;
  boundary: BoundaryCondition;
  pooling: Pooling | null;
}

/** Where an even-length decomposition filter is anchored: tap L/2 sits on the output voxel. */
function anchored(weights: number[]): Kernel1D {
  return { weights: Float64Array.from(weights), origin: Math.floor(weights.length / 2) };
}

/**
 * Undecimated separable wavelet response (IBSI 2 manual, section 3.6): along each filter axis the
 * low-pass or high-pass decomposition filter named by the sub-band. Level j is the à trous
 * decomposition (section 3.6.2): the image is first low-passed along every axis at levels
 * 1 … j−1, the filter of level l upsampled by 2^{l−1}, then the sub-band's filters upsampled by
 * 2^{j−1} are applied. With rotation invariance the whole chain is rotated and pooled.
 */
export function separableWavelet(grid: FilterGrid, s: SeparableWaveletSettings, progress?: FilterProgress): Float64Array {
  const filters = waveletFilters(s.wavelet);
  const d = filterAxes(s.dimensionality).length;
  if (!filters) throw new RangeError(`unknown wavelet ${s.wavelet}`);
  if (s.subband.length !== d || /[^LH]/.test(s.subband)) throw new RangeError(`sub-band ${s.subband} is not ${d} letters of L and H`);
  const low = anchored(filters.low);
  const high = anchored(filters.high);
  const chains: Kernel1D[][] = [...s.subband].map((band) => {
    const chain: Kernel1D[] = [];
    for (let l = 1; l < s.level; l++) chain.push(dilateKernel(low, 2 ** (l - 1)));
    chain.push(dilateKernel(band === 'L' ? low : high, 2 ** (s.level - 1)));
    return chain;
  });
  if (!s.pooling) return applyRotatedSeparable(grid, chains, s.dimensionality === '2D' ? IDENTITY_ROTATION_2D : IDENTITY_ROTATION_3D, s.boundary);
  const rotations = rightAngleRotations(s.dimensionality);
  const pool = new ResponsePool(s.pooling, progress && { total: rotations.length, report: progress });
  for (const r of rotations) pool.add(applyRotatedSeparable(grid, chains, r, s.boundary));
  return pool.result();
}
