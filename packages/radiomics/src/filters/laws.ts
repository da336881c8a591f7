import { absInPlace, filterAxes, type BoundaryCondition, type FilterDimensionality, type FilterGrid } from './grid.js';
import { meanFilter } from './mean.js';
import { IDENTITY_ROTATION_2D, IDENTITY_ROTATION_3D, ResponsePool, rightAngleRotations, type FilterProgress, type Pooling } from './rotations.js';
import { centredKernel, type Kernel1D } from './separable.js';
import { applyRotatedSeparable } from './separableFilter.js';

/**
 * Laws' kernels (IBSI 2 manual, section 3.4, table of 1-D kernels), normalised to unit ℓ2 norm as
 * the manual gives them: L level, E edge, S spot, W wave, R ripple.
 */
export const LAWS_KERNELS: Readonly<Record<string, readonly number[]>> = {
  L3: [1, 2, 1].map((v) => v / Math.sqrt(6)),
  E3: [-1, 0, 1].map((v) => v / Math.sqrt(2)),
  S3: [-1, 2, -1].map((v) => v / Math.sqrt(6)),
  L5: [1, 4, 6, 4, 1].map((v) => v / Math.sqrt(70)),
  E5: [-1, -2, 0, 2, 1].map((v) => v / Math.sqrt(10)),
  S5: [-1, 0, 2, 0, -1].map((v) => v / Math.sqrt(6)),
  W5: [-1, 2, 0, -2, 1].map((v) => v / Math.sqrt(10)),
  R5: [1, -4, 6, -4, 1].map((v) => v / Math.sqrt(70)),
};

/** Splits a Laws kernel name, "E5L5S5" → ["E5", "L5", "S5"]: one 1-D kernel per filter axis x, y(, z). */
export function lawsKernelNames(name: string): string[] | null {
  const parts = name.match(/[A-Z]\d/g);
  if (!parts || parts.join('') !== name || parts.some((p) => !(p in LAWS_KERNELS))) return null;
  return parts;
}

export interface LawsSettings {
  kernel: string;
  dimensionality: FilterDimensionality;
  boundary: BoundaryCondition;
  /** pooled over the right-angle rotations when set */
  pooling: Pooling | null;
  /** δ of the energy map: the Chebyshev distance in voxels it averages over, or null for the plain response */
  energyDistance: number | null;
}

/**
 * Laws filter response (IBSI 2 manual, section 3.4): the separable product of the named 1-D
 * kernels; with rotation invariance, pooled over the right-angle rotations; then, when asked, the
 * energy map E(x) = 1/(2δ+1)^d Σ_{‖y − x‖∞ ≤ δ} |h(y)| (section 3.4.1: the neighbourhood of
 * Chebyshev distance δ), a mean filter of width 2δ + 1 over the absolute response with the same
 * boundary condition.
 */
export function lawsFilter(grid: FilterGrid, s: LawsSettings, progress?: FilterProgress): Float64Array {
  const names = lawsKernelNames(s.kernel);
  const d = filterAxes(s.dimensionality).length;
  if (!names || names.length !== d) throw new RangeError(`Laws kernel ${s.kernel} does not name ${d} 1-D kernels`);
  const chains: Kernel1D[][] = names.map((n) => [centredKernel(LAWS_KERNELS[n])]);
  const identity = s.dimensionality === '2D' ? IDENTITY_ROTATION_2D : IDENTITY_ROTATION_3D;
  let response: Float64Array;
  if (s.pooling) {
    const rotations = rightAngleRotations(s.dimensionality);
    const pool = new ResponsePool(s.pooling, progress && { total: rotations.length, report: progress });
    for (const r of rotations) pool.add(applyRotatedSeparable(grid, chains, r, s.boundary));
    response = pool.result();
  } else {
    response = applyRotatedSeparable(grid, chains, identity, s.boundary);
  }
  if (s.energyDistance === null) return response;
  return meanFilter({ data: absInPlace(response), dims: grid.dims, spacing: grid.spacing }, 2 * s.energyDistance + 1, s.dimensionality, s.boundary);
}
