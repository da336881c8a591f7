import type { VoxelBox } from './voxelBox.js';

/** Bounding box of the non-zero (and non-NaN) voxels of a mask, or null when the mask is empty. */
export function boundingBox(mask: ArrayLike<number>, dims: readonly [number, number, number]): VoxelBox | null {
  if (mask instanceof Uint8Array && mask.length === dims[0] * dims[1] * dims[2] && dims[0] < 65536) return byteMaskBox(mask, dims);
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
 * The same box for a byte mask, row by row: each x-row is searched from both ends (a 32-bit word
 * at a time when rows are whole words, as whole CT slices are), so the empty rows of a
 * whole-image mask cost a quarter of a byte loop and the interior of an ROI row is never read.
 */
function byteMaskBox(mask: Uint8Array, dims: readonly [number, number, number]): VoxelBox | null {
  const [nx, ny, nz] = dims;
  const words = nx % 4 === 0 && mask.byteOffset % 4 === 0 ? new Uint32Array(mask.buffer, mask.byteOffset, mask.length >> 2) : null;
  let x0 = nx, x1 = -1, y0 = ny, y1 = -1, z0 = nz, z1 = -1;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const row = y + ny * z;
      const ends = words ? wordRowEnds(mask, words, row, nx) : byteRowEnds(mask, row, nx);
      if (ends < 0) continue;
      const xa = ends >> 16, xb = ends & 0xffff;
      if (xa < x0) x0 = xa;
      if (xb > x1) x1 = xb;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (z < z0) z0 = z;
      z1 = z;
    }
  }
  return x1 < 0 ? null : { lo: [x0, y0, z0], hi: [x1, y1, z1] };
}

// The row scans are small functions called once per row, so V8 optimises them within the first
// slices of the first case instead of running a whole-image loop unoptimised until it compiles
// the caller on-stack. They return the first and last set x as (first << 16) | last, or −1.

/** A row searched a 32-bit word at a time from both ends (rows of whole words, as CT slices are). */
function wordRowEnds(mask: Uint8Array, words: Uint32Array, row: number, nx: number): number {
  const wx = nx >> 2, w0 = row * wx, base = row * nx;
  let a = 0;
  while (a < wx && words[w0 + a] === 0) a++;
  if (a === wx) return -1;
  let b = wx - 1;
  while (words[w0 + b] === 0) b--;
  let xa = 4 * a, xb = 4 * b + 3;
  while (mask[base + xa] === 0) xa++;
  while (mask[base + xb] === 0) xb--;
  return (xa << 16) | xb;
}

/** The same a byte at a time. */
function byteRowEnds(mask: Uint8Array, row: number, nx: number): number {
  const base = row * nx;
  let xa = 0;
  while (xa < nx && mask[base + xa] === 0) xa++;
  if (xa === nx) return -1;
  let xb = nx - 1;
  while (mask[base + xb] === 0) xb--;
  return (xa << 16) | xb;
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
