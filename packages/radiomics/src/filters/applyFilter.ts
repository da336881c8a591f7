import { FilterConfigError } from '../errors.js';
import type { FilterSpec } from './filterConfig.js';
import { filterReach } from './reach.js';
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
 * `progress` hears of each rotation or orientation of a pooled filter, or of the end of any other.
 */
export function applyFilter(grid: FilterGrid, f: FilterSpec, progress?: FilterProgress): Float64Array {
  checkReach(grid, f);
  let told = false;
  const response = responseOf(grid, f, progress && ((done, total) => ((told = true), progress(done, total))));
  if (!told) progress?.(1, 1);
  return response;
}

/** The parameter that sets how far each family reaches, named when that reach is refused. */
const SIZE_FIELD: Partial<Record<FilterSpec['family'], string>> = { mean: 'support', laplacian_of_gaussian: 'sigma', gabor: 'sigma', laws: 'energyDistance', wavelet: 'level' };

/**
 * A kernel reaching past twice the image's extent (plus a margin) sees nothing but the boundary
 * extension there, and its cost grows with its size: refused before any voxel is touched, so a
 * config sent to a site cannot make it spend hours or gigabytes on one filter.
 */
function checkReach(grid: FilterGrid, f: FilterSpec): void {
  const reach = filterReach({ ...f, boundary: 'mirror' } as FilterSpec, grid.spacing);
  if (!reach) return;
  for (let a = 0; a < 3; a++) {
    const limit = 2 * grid.dims[a] + 32;
    if (reach[a] > limit) {
      throw new FilterConfigError(SIZE_FIELD[f.family] ?? 'family', `the ${f.family} filter reaches ${reach[a]} voxels along axis ${'xyz'[a]}, more than ${limit} (twice the image's ${grid.dims[a]} voxels plus 32): the kernel would see only the boundary extension there`);
    }
  }
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
