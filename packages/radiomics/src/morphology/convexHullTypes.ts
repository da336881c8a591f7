/**
 * Convex hull of the mesh vertices (IBSI 1, R3ER/7T7F/L0JK), as every hull builder returns it:
 * quickhull3d's general hull, the exact lattice hull and its native twin.
 */
export interface ConvexHull {
  volume: number;
  area: number;
  /** Hull vertex coordinates, flat [x0, y0, z0, …] in mm. */
  vertices: Float64Array;
  /** Unit outward normals of the hull's (coplanar-merged) polygon faces, flat. */
  normals: Float64Array;
  /** Area of each polygon face, same order as the normals. */
  faceAreas: Float64Array;
}
