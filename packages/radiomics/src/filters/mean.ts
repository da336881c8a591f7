import { filterAxes, type BoundaryCondition, type FilterDimensionality, type FilterGrid } from './grid.js';
import { centredKernel, convolveSeparable, type Kernel1D } from './separable.js';

/**
 * Mean filter (IBSI 2 manual, section 3.2): h(x) = 1 / M^d over a cube (3D) or square (2D, in
 * plane) of M voxels a side, M odd — M 1-D passes of weight 1/M, one per axis.
 */
export function meanFilter(grid: FilterGrid, support: number, dimensionality: FilterDimensionality, boundary: BoundaryCondition): Float64Array {
  const box = centredKernel(new Array<number>(support).fill(1 / support));
  const kernels: Array<Kernel1D | null> = [null, null, null];
  for (const axis of filterAxes(dimensionality)) kernels[axis] = box;
  return convolveSeparable(grid, kernels, boundary);
}
