/** Axis-aligned box of voxel indices, inclusive bounds. */
export interface VoxelBox {
  lo: [number, number, number];
  hi: [number, number, number];
}

/** Bounding box of the non-zero (and non-NaN) voxels of a mask, or null when the mask is empty. */
export function boundingBox(mask: ArrayLike<number>, dims: readonly [number, number, number]): VoxelBox | null {
  const [nx, ny, nz] = dims;
  const lo: [number, number, number] = [nx, ny, nz];
  const hi: [number, number, number] = [-1, -1, -1];
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const v = mask[i];
        if (v === 0 || v !== v) continue;
        if (x < lo[0]) lo[0] = x;
        if (x > hi[0]) hi[0] = x;
        if (y < lo[1]) lo[1] = y;
        if (y > hi[1]) hi[1] = y;
        if (z < lo[2]) lo[2] = z;
        if (z > hi[2]) hi[2] = z;
      }
    }
  }
  return hi[0] < 0 ? null : { lo, hi };
}

export function boxDims(box: VoxelBox): [number, number, number] {
  return [box.hi[0] - box.lo[0] + 1, box.hi[1] - box.lo[1] + 1, box.hi[2] - box.lo[2] + 1];
}

/** Copies the box out of a volume into a new array of the same kind. */
export function crop<T extends Float32Array | Float64Array | Uint8Array | Int32Array>(data: T, dims: readonly [number, number, number], box: VoxelBox): T {
  const [bx, by, bz] = boxDims(box);
  const out = new (data.constructor as new (n: number) => T)(bx * by * bz);
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      const src = box.lo[0] + dims[0] * (box.lo[1] + y + dims[1] * (box.lo[2] + z));
      out.set(data.subarray(src, src + bx) as never, bx * (y + by * z));
    }
  }
  return out;
}
