import { filterByTransfer } from './fourier.js';
import { filterAxes, withData, type BoundaryCondition, type FilterDimensionality, type FilterGrid } from './grid.js';
import { laplacianOfGaussian } from './laplacianOfGaussian.js';
import { rieszTransfer, type RieszOrder } from './riesz.js';

/**
 * Riesz-transformed Laplacian of Gaussian (IBSI 2 manual, section 3.8): the LoG response, then
 * the Riesz transform of order N applied in the Fourier domain on the image extended by half its
 * size on each side by the same boundary condition, sampled like the wavelets (see FrequencyGrid).
 */
export function rieszLaplacianOfGaussian(grid: FilterGrid, sigmaMm: number, truncation: number, order: RieszOrder, dimensionality: FilterDimensionality, boundary: BoundaryCondition): Float64Array {
  const log = laplacianOfGaussian(grid, sigmaMm, truncation, dimensionality, boundary);
  const axes = filterAxes(dimensionality);
  const pad = grid.dims.map((n, a) => (axes.includes(a) ? Math.ceil(n / 2) : 0)) as [number, number, number];
  return filterByTransfer(withData(grid, log), axes, pad, boundary, rieszTransfer(order), 'symmetric').re;
}
