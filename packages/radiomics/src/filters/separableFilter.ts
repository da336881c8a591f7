import { convolveSeparable, reverseKernel, type Kernel1D } from './separable.js';
import type { BoundaryCondition, FilterGrid } from './grid.js';
import type { RightAngleRotation } from './rotations.js';

/**
 * A separable filter given per filter axis as a chain of 1-D kernels (one kernel for Laws or the
 * mean filter, the à trous levels for a wavelet), rotated by a right-angle rotation: filter axis a
 * acts along image axis rotation.axisOf[a], mirrored when rotation.sign[a] is −1 (IBSI 2 manual,
 * section 2.4: g_R(x) = g(R⁻¹x), and for separable g each factor moves to its rotated axis).
 */
export function applyRotatedSeparable(grid: FilterGrid, chains: ReadonlyArray<readonly Kernel1D[]>, rotation: RightAngleRotation, mode: BoundaryCondition): Float64Array {
  let data = grid.data;
  for (let a = 0; a < chains.length; a++) {
    const axis = rotation.axisOf[a];
    for (const kernel of chains[a]) {
      const k = rotation.sign[a] < 0 ? reverseKernel(kernel) : kernel;
      const perAxis: Array<Kernel1D | null> = [null, null, null];
      perAxis[axis] = k;
      data = convolveSeparable({ data, dims: grid.dims, spacing: grid.spacing }, perAxis, mode);
    }
  }
  return data === grid.data ? Float64Array.from(data) : data;
}
