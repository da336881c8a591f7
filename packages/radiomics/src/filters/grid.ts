/**
 * The grid a filter works on: Float64 intensities (x fastest, index x + nx·(y + ny·z)) with the
 * voxel spacing in mm. Filters compute in Float64 and the caller stores the response as Float32
 * voxels (DESIGN: Float32 only for voxel storage).
 */
export interface FilterGrid {
  data: Float64Array;
  dims: readonly [number, number, number];
  spacing: readonly [number, number, number];
}

/** IBSI 2 manual, section 2.3 ("boundary conditions"): how the image is extended past its edge. */
export type BoundaryCondition = 'constant' | 'nearest' | 'periodic' | 'mirror';
export const BOUNDARY_CONDITIONS: readonly BoundaryCondition[] = ['constant', 'nearest', 'periodic', 'mirror'];

/** 2D filters act in the axial (x, y) plane of each slice; 3D filters act over the volume. */
export type FilterDimensionality = '2D' | '3D';

/** The image axes a filter acts along: x and y in 2D, x, y and z in 3D. */
export function filterAxes(dimensionality: FilterDimensionality): number[] {
  return dimensionality === '2D' ? [0, 1] : [0, 1, 2];
}

export function withData(grid: FilterGrid, data: Float64Array): FilterGrid {
  return { data, dims: grid.dims, spacing: grid.spacing };
}

/**
 * Index of sample j of a line of length n once the line is extended by `mode`, or -1 where the
 * extension is the constant 0 (IBSI 2 manual, section 2.3: constant (zero) padding, nearest value,
 * periodic, and mirror — the symmetric extension that repeats the edge voxel, d c b a | a b c d).
 */
export function extendIndex(j: number, n: number, mode: BoundaryCondition): number {
  if (j >= 0 && j < n) return j;
  switch (mode) {
    case 'constant':
      return -1;
    case 'nearest':
      return j < 0 ? 0 : n - 1;
    case 'periodic':
      return ((j % n) + n) % n;
    case 'mirror': {
      const period = 2 * n;
      const r = ((j % period) + period) % period;
      return r < n ? r : period - 1 - r;
    }
  }
}

/** Element-wise helpers shared by the families' pooling and energy steps. */
export function absInPlace(a: Float64Array): Float64Array {
  for (let i = 0; i < a.length; i++) a[i] = Math.abs(a[i]);
  return a;
}
