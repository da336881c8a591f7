/** Axis-aligned box of voxel indices, inclusive bounds. */
export interface VoxelBox {
  lo: [number, number, number];
  hi: [number, number, number];
}
