import type { FilterSpec } from './filterConfig.js';
import { AXIAL_PLANE, gaborFilter, gaborOrientations, ORTHOGONAL_PLANES } from './gabor.js';
import type { FilterGrid } from './grid.js';
import type { FilterProgress } from './rotations.js';
import { laplacianOfGaussian } from './laplacianOfGaussian.js';
import { lawsFilter } from './laws.js';
import { meanFilter } from './mean.js';
import { nonSeparableWavelet } from './nonSeparableWavelet.js';
import { rieszLaplacianOfGaussian } from './rieszLaplacianOfGaussian.js';
import { separableWavelet } from './separableWavelet.js';

const DEG = Math.PI / 180;

/**
 * The response map of one filter over the whole grid (Float64, same grid as the input).
 * `progress` hears of each rotation or orientation of a pooled filter, and of the end of any filter.
 */
export function applyFilter(grid: FilterGrid, f: FilterSpec, progress?: FilterProgress): Float64Array {
  const response = responseOf(grid, f, progress);
  progress?.(1, 1);
  return response;
}

function responseOf(grid: FilterGrid, f: FilterSpec, progress?: FilterProgress): Float64Array {
  switch (f.family) {
    case 'mean':
      return meanFilter(grid, f.support, f.dimensionality, f.boundary);
    case 'laplacian_of_gaussian':
      return laplacianOfGaussian(grid, f.sigma, f.truncation, f.dimensionality, f.boundary);
    case 'riesz_laplacian_of_gaussian':
      return rieszLaplacianOfGaussian(grid, f.sigma, f.truncation, f.riesz, f.dimensionality, f.boundary);
    case 'laws':
      return lawsFilter(grid, f, progress);
    case 'gabor':
      return gaborFilter(grid, {
        sigma: f.sigma, lambda: f.lambda, gamma: f.gamma, truncation: f.truncation, boundary: f.boundary, pooling: f.pooling,
        thetas: f.thetaStep === null ? [f.theta * DEG] : gaborOrientations(f.thetaStep * DEG),
        planes: f.dimensionality === '2D' ? [AXIAL_PLANE] : ORTHOGONAL_PLANES,
      }, progress);
    case 'wavelet':
      return separableWavelet(grid, f, progress);
    case 'simoncelli':
    case 'shannon':
      return nonSeparableWavelet(grid, { wavelet: f.family, level: f.level, dimensionality: f.dimensionality, boundary: f.boundary, riesz: f.riesz });
  }
}
