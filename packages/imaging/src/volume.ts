/** Voxel storage: Float32 for intensities (DESIGN: Float32 only for voxels), Uint8 for masks. */
export type VoxelData = Float32Array | Uint8Array | Int16Array | Int32Array | Uint16Array | Float64Array;

/**
 * A 3D image on a regular grid. Voxel (i, j, k) sits at flat index i + nx * (j + ny * k)
 * (x fastest, as NIfTI stores it) and at world position (LPS, mm):
 *   origin + direction · diag(spacing) · [i, j, k]
 * `direction` holds the three unit axis vectors as columns, row-major: [r00 r01 r02 r10 …].
 */
export interface Volume<T extends VoxelData = VoxelData> {
  data: T;
  /** [nx, ny, nz] */
  dims: [number, number, number];
  /** mm per voxel along i, j, k */
  spacing: [number, number, number];
  /** world position (mm, LPS) of voxel (0,0,0)'s centre */
  origin: [number, number, number];
  /** 3×3 direction cosines, row-major, columns are the i, j, k axes */
  direction: [number, number, number, number, number, number, number, number, number];
}

export type ImageVolume = Volume<Float32Array>;
export type MaskVolume = Volume<Uint8Array>;

export const IDENTITY_DIRECTION: Volume['direction'] = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function voxelCount(v: Pick<Volume, 'dims'>): number {
  return v.dims[0] * v.dims[1] * v.dims[2];
}
