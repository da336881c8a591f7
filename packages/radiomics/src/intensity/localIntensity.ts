import type { FeatureDefinition } from '../featureDefinition.js';

/**
 * IBSI 1 §3.2 (family 9ST6): mean intensity in a 1 cm³ sphere, radius r = (3/(4π))^{1/3} cm,
 * around intensity-mask voxels, drawing on every image voxel whose centre lies within r (not only
 * ROI voxels). The sphere is a stack of x-runs, so each mean is a sum of prefix-sum differences:
 * O(N · rows) instead of O(N · sphere voxels), and exact.
 */
export const PEAK_SPHERE_RADIUS_MM = 10 * Math.cbrt(3 / (4 * Math.PI));

export interface LocalIntensityInput {
  /** Whole image (all voxels can fall in a sphere), x fastest. */
  image: Float32Array | Float64Array;
  dims: [number, number, number];
  spacing: [number, number, number];
  /** Intensity mask on the same grid. */
  intensityMask: Uint8Array;
}

export interface LocalIntensityCoefficients {
  localPeak: number;
  globalPeak: number;
}

export function localIntensityCoefficients(input: LocalIntensityInput): LocalIntensityCoefficients {
  const { image, dims, spacing, intensityMask } = input;
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = spacing;
  const r = PEAK_SPHERE_RADIUS_MM;
  // Sphere rows: for each (dy, dz) the half-width in x of the voxel centres within r.
  const rowList: Array<[number, number, number]> = [];
  const ry = Math.floor(r / sy + 1e-9), rz = Math.floor(r / sz + 1e-9);
  for (let dz = -rz; dz <= rz; dz++) {
    for (let dy = -ry; dy <= ry; dy++) {
      const rest = r * r - (dy * sy) ** 2 - (dz * sz) ** 2;
      if (rest < -1e-9) continue;
      rowList.push([dy, dz, Math.floor(Math.sqrt(Math.max(0, rest)) / sx + 1e-9)]);
    }
  }
  // ROI bounding box (and the highest intensity in it), widened by the sphere, clipped to the image.
  // (Inline: as a helper this scan measured 3 ms slower per case.)
  let x0 = nx, x1 = -1, y0 = ny, y1 = -1, z0 = nz, z1 = -1;
  let maxValue = -Infinity;
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) {
    if (!intensityMask[i]) continue;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
    if (image[i] > maxValue) maxValue = image[i];
  }
  const rx = Math.floor(r / sx + 1e-9);
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
  const nRows = rowList.length;
  const rowDy = Int32Array.from(rowList, (r) => r[0]);
  const rowDz = Int32Array.from(rowList, (r) => r[1]);
  const rowHw = Int32Array.from(rowList, (r) => r[2]);
  // Offset of each row's prefix line relative to the centre voxel's line.
  const rowOffset = Int32Array.from(rowList, (r) => bw * (r[0] + bh * r[1]));
  let localPeak = -Infinity, globalPeak = -Infinity;
  for (let z = z0; z <= z1; z++) for (let y = y0; y <= y1; y++) {
    // The whole sphere stays inside the image in y and z for most lines: skip the checks there.
    const inside = y - ry >= 0 && y + ry < ny && z - rz >= 0 && z + rz < nz;
    const lineBase = bw * (y - by0 + bh * (z - bz0)) - bx0 + 1;
    for (let x = x0; x <= x1; x++) {
      const i = x + nx * (y + ny * z);
      if (!intensityMask[i]) continue;
      const m = sphereMean(prefix, missing, rowDy, rowDz, rowHw, rowOffset, nRows, x, y, z, nx, ny, nz, inside, lineBase);
      if (m > globalPeak) globalPeak = m;
      if (image[i] === maxValue && m > localPeak) localPeak = m;
    }
  }
  // Built in a helper: an object literal right after the hot loop made the loop's on-stack
  // compiled code deoptimise there in every case of a cohort.
  return peakCoefficients(localPeak, globalPeak);
}

function peakCoefficients(localPeak: number, globalPeak: number): LocalIntensityCoefficients {
  return { localPeak, globalPeak };
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
