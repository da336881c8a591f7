import type { FeatureDefinition } from '../featureDefinition.js';
import { boundingBox } from '../preprocess/roiBox.js';
import type { VoxelBox } from '../preprocess/voxelBox.js';
import type { LocalIntensityCoefficients, LocalIntensityInput } from './localIntensityTypes.js';
import type { RoiFeatureFamily } from '../featureFamily.js';

/**
 * IBSI 1 §3.2 (family 9ST6): mean intensity in a 1 cm³ sphere, radius r = (3/(4π))^{1/3} cm,
 * around intensity-mask voxels, drawing on every image voxel whose centre lies within r (not only
 * ROI voxels). The sphere is a stack of x-runs, so each mean is a sum of prefix-sum differences:
 * O(N · rows) instead of O(N · sphere voxels), and exact.
 */
export const PEAK_SPHERE_RADIUS_MM = 10 * Math.cbrt(3 / (4 * Math.PI));

/**
 * The peaks, the TypeScript twin of the native kernel (the same prefix sums added in the same
 * order), RadiomicsKernels.localIntensityPeaks.
 */
export function localIntensityCoefficientsTs(input: LocalIntensityInput): LocalIntensityCoefficients {
  const { image, dims, spacing, intensityMask } = input;
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = spacing;
  const r = PEAK_SPHERE_RADIUS_MM;
  const rx = Math.floor(r / sx + 1e-9), ry = Math.floor(r / sy + 1e-9), rz = Math.floor(r / sz + 1e-9);
  const rows = sphereRows(r, spacing, ry, rz);
  // ROI bounding box (and the highest intensity in it), widened by the sphere, clipped to the image.
  const roi = boundingBox(intensityMask, dims);
  if (!roi) return { localPeak: NaN, globalPeak: NaN }; // no voxel in the intensity mask
  const [x0, y0, z0] = roi.lo, [x1, y1, z1] = roi.hi;
  const maxValue = maskedMax(image, intensityMask, roi, nx, ny);
  const bx0 = Math.max(0, x0 - rx), bx1 = Math.min(nx - 1, x1 + rx);
  const by0 = Math.max(0, y0 - ry), by1 = Math.min(ny - 1, y1 + ry);
  const bz0 = Math.max(0, z0 - rz), bz1 = Math.min(nz - 1, z1 + rz);
  const bw = bx1 - bx0 + 2; // prefix length per row
  const bh = by1 - by0 + 1;
  const prefix = new Float64Array(bw * bh * (bz1 - bz0 + 1));
  // Voxels without a value (NaN background of resampled MR/PET) are not part of any sphere:
  // they are left out of both the sum and the count (prefix counts only when such voxels exist).
  const missing = rowPrefixSums(image, prefix, nx, ny, bx0, bx1, by0, by1, bz0, bz1, bw, bh);
  if (missing) for (let line = 0; line < prefix.length; line += bw) prefixRow(missing, line, bw);
  // Offset of each row's prefix line relative to the centre voxel's line.
  const rowOffset = new Int32Array(rows.count);
  for (let k = 0; k < rows.count; k++) rowOffset[k] = bw * (rows.dy[k] + bh * rows.dz[k]);
  const peaks = new Float64Array([-Infinity, -Infinity]); // [local, global]
  for (let z = z0; z <= z1; z++) {
    peaksInSlice(peaks, image, intensityMask, prefix, missing, rows, rowOffset, maxValue, z, x0, x1, y0, y1, nx, ny, nz, ry, rz, by0, bz0, bx0, bw, bh);
  }
  return { localPeak: peaks[0], globalPeak: peaks[1] };
}

/** The sphere as x-runs: for each (dy, dz) within r, the half-width in x of the voxel centres inside. */
interface SphereRows {
  count: number;
  dy: Int32Array;
  dz: Int32Array;
  halfWidth: Int32Array;
}

function sphereRows(r: number, spacing: readonly [number, number, number], ry: number, rz: number): SphereRows {
  const [sx, sy, sz] = spacing;
  const dy: number[] = [], dz: number[] = [], halfWidth: number[] = [];
  for (let z = -rz; z <= rz; z++) {
    for (let y = -ry; y <= ry; y++) {
      const rest = r * r - (y * sy) ** 2 - (z * sz) ** 2;
      if (rest < -1e-9) continue;
      dy.push(y);
      dz.push(z);
      halfWidth.push(Math.floor(Math.sqrt(Math.max(0, rest)) / sx + 1e-9));
    }
  }
  return { count: dy.length, dy: Int32Array.from(dy), dz: Int32Array.from(dz), halfWidth: Int32Array.from(halfWidth) };
}

/**
 * Highest intensity of the mask's voxels in `box`, row by row. Loops live in helpers like this
 * one, with nothing after them: compiled on-stack inside the once-per-case caller, a loop
 * deoptimised at the code after it in every case of a cohort.
 */
function maskedMax(image: Float32Array | Float64Array, mask: Uint8Array, box: VoxelBox, nx: number, ny: number): number {
  let max = -Infinity;
  for (let z = box.lo[2]; z <= box.hi[2]; z++) {
    for (let y = box.lo[1]; y <= box.hi[1]; y++) max = rowMax(image, mask, nx * (y + ny * z), box.lo[0], box.hi[0], max);
  }
  return max;
}

function rowMax(image: Float32Array | Float64Array, mask: Uint8Array, row: number, x0: number, x1: number, max: number): number {
  for (let i = row + x0; i <= row + x1; i++) if (mask[i] && image[i] > max) max = image[i];
  return max;
}

/** Sphere means around the intensity-mask voxels of slice z, folded into peaks [local, global]. */
function peaksInSlice(
  peaks: Float64Array, image: Float32Array | Float64Array, mask: Uint8Array, prefix: Float64Array, missing: Float64Array | null,
  rows: SphereRows, rowOffset: Int32Array, maxValue: number, z: number, x0: number, x1: number, y0: number, y1: number,
  nx: number, ny: number, nz: number, ry: number, rz: number, by0: number, bz0: number, bx0: number, bw: number, bh: number,
): void {
  for (let y = y0; y <= y1; y++) {
    // The whole sphere stays inside the image in y and z for most lines: skip the checks there.
    const inside = y - ry >= 0 && y + ry < ny && z - rz >= 0 && z + rz < nz;
    const lineBase = bw * (y - by0 + bh * (z - bz0)) - bx0 + 1;
    for (let x = x0; x <= x1; x++) {
      const i = x + nx * (y + ny * z);
      if (!mask[i]) continue;
      const m = sphereMean(prefix, missing, rows.dy, rows.dz, rows.halfWidth, rowOffset, rows.count, x, y, z, nx, ny, nz, inside, lineBase);
      if (m > peaks[1]) peaks[1] = m;
      if (image[i] === maxValue && m > peaks[0]) peaks[0] = m;
    }
  }
}

// The prefix sums are helpers with nothing after their loop: compiled on-stack inside the
// once-per-case caller, they deoptimised at the code after them in every case of a cohort.

/**
 * Running sums along x of each row of the box, prefix[line + x − bx0 + 1] (slot 0 of a line is
 * 0); returns the running counts of value-less voxels in the same layout when there are any.
 */
function rowPrefixSums(
  image: Float32Array | Float64Array, prefix: Float64Array, nx: number, ny: number,
  bx0: number, bx1: number, by0: number, by1: number, bz0: number, bz1: number, bw: number, bh: number,
): Float64Array | null {
  let missing: Float64Array | null = null;
  for (let z = bz0; z <= bz1; z++) for (let y = by0; y <= by1; y++) {
    const base = bw * (y - by0 + bh * (z - bz0));
    let s = 0;
    const src = nx * (y + ny * z);
    for (let x = bx0; x <= bx1; x++) {
      const v = image[src + x];
      if (v === v) s += v;
      else (missing ??= new Float64Array(prefix.length))[base + x - bx0 + 1] = 1;
      prefix[base + x - bx0 + 1] = s;
    }
  }
  return missing;
}

/** In-place running sum of one prefix line. */
function prefixRow(a: Float64Array, line: number, bw: number): void {
  for (let k = 1; k < bw; k++) a[line + k] += a[line + k - 1];
}

/**
 * Mean of the image voxels with a value in the sphere around (x, y, z): prefix-sum differences,
 * run by run. A small function called per voxel: the JIT optimises (and inlines) it within the
 * first case, where the once-per-case caller would otherwise run it unoptimised until on-stack
 * replacement, and deoptimise again after it in every later case.
 */
function sphereMean(
  prefix: Float64Array, missing: Float64Array | null, rowDy: Int32Array, rowDz: Int32Array, rowHw: Int32Array, rowOffset: Int32Array,
  nRows: number, x: number, y: number, z: number, nx: number, ny: number, nz: number, inside: boolean, lineBase: number,
): number {
  let sum = 0, count = 0;
  for (let r = 0; r < nRows; r++) {
    if (!inside) {
      const yy = y + rowDy[r], zz = z + rowDz[r];
      if (yy < 0 || yy >= ny || zz < 0 || zz >= nz) continue;
    }
    const hw = rowHw[r];
    const xa = x - hw < 0 ? 0 : x - hw;
    const xb = x + hw >= nx ? nx - 1 : x + hw;
    const base = lineBase + rowOffset[r];
    sum += prefix[base + xb] - prefix[base + xa - 1];
    count += xb - xa + 1;
    if (missing) count -= missing[base + xb] - missing[base + xa - 1];
  }
  return sum / count;
}

type C = LocalIntensityCoefficients;
/** Local intensity peak, VJGA: sphere mean around the maximum-intensity voxel(s), highest if several. */
export const localIntensityPeak = (c: C): number => c.localPeak;
/** Global intensity peak, 0F91: highest sphere mean over all intensity-mask voxels. */
export const globalIntensityPeak = (c: C): number => c.globalPeak;

export const LOCAL_INTENSITY_FEATURES: ReadonlyArray<FeatureDefinition<C>> = [
  { tag: 'loc_peak_loc', code: 'VJGA', name: 'Local intensity peak', compute: localIntensityPeak },
  { tag: 'loc_peak_glob', code: '0F91', name: 'Global intensity peak', compute: globalIntensityPeak },
];

/** The local intensity family (IBSI 1 §3.2, 9ST6): spheres over the whole work box, centred in the intensity mask. */
export const LOCAL_INTENSITY_FAMILY: RoiFeatureFamily<C> = {
  kind: 'roi',
  name: 'local_intensity',
  ibsiCode: '9ST6',
  features: LOCAL_INTENSITY_FEATURES,
  coefficients: ({ image, dims, spacing, intensityMask, kernels }) => kernels.localIntensityPeaks({ image, dims, spacing, intensityMask }),
};
