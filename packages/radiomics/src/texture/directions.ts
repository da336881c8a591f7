/**
 * Direction vectors for GLCM and GLRLM (IBSI 1 §3.6: "13 unique direction vectors within the
 * neighbourhood for Chebyshev distance 1" in 3D, 4 in 2D). Each unordered direction appears
 * once; the symmetric GLCM adds the opposite direction itself.
 */
export type Direction = readonly [number, number, number];

/** The 4 in-plane (x-y) directions used by the 2D and 2.5D approaches. */
export const DIRECTIONS_2D: readonly Direction[] = [
  [1, 0, 0],
  [1, 1, 0],
  [0, 1, 0],
  [-1, 1, 0],
];

/**
 * The 13 3D directions. The first four are the in-plane ones of DIRECTIONS_2D (same axis,
 * sign irrelevant), so a 3D in-plane matrix is exactly the sum of the 2D per-slice matrices
 * of that direction: the aggregation step reuses them instead of a second pass.
 */
export const DIRECTIONS_3D: readonly Direction[] = [
  ...DIRECTIONS_2D,
  [0, 0, 1],
  [0, 1, 1],
  [0, 1, -1],
  [1, 0, 1],
  [1, 0, -1],
  [1, 1, 1],
  [1, 1, -1],
  [1, -1, 1],
  [1, -1, -1],
];

/** Number of 3D directions that lie in the slice plane (the first entries of DIRECTIONS_3D). */
export const IN_PLANE_COUNT = DIRECTIONS_2D.length;

/**
 * Offsets (dx, dy, dz) of every voxel within Chebyshev distance `distance` of the centre,
 * excluding the centre: the NGTDM/NGLDM neighbourhood (IBSI 1 §3.10, §3.11). `planar`
 * keeps dz = 0 (2D approach: "averages are not calculated between different slices").
 */
export function chebyshevNeighbourhood(distance: number, planar: boolean): Direction[] {
  const out: Direction[] = [];
  const dzMax = planar ? 0 : distance;
  for (let dz = -dzMax; dz <= dzMax; dz++) {
    for (let dy = -distance; dy <= distance; dy++) {
      for (let dx = -distance; dx <= distance; dx++) {
        if (dx !== 0 || dy !== 0 || dz !== 0) out.push([dx, dy, dz]);
      }
    }
  }
  return out;
}
