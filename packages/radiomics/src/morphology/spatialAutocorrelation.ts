import { fastLength, fftBatch } from '../math/fft.js';

/** Moran's I and Geary's C of the intensity-mask voxels (IBSI 1 N365, NPT7). */
export interface SpatialAutocorrelation {
  moranI: number;
  gearyC: number;
}

// Work arrays, kept between calls (one case after another in a worker) so a cohort does not
// allocate and garbage-collect tens of MB per case.
const pool = new Map<string, Float64Array>();
function scratch(name: string, size: number): Float64Array {
  let a = pool.get(name);
  if (!a || a.length < size) {
    a = new Float64Array(size);
    pool.set(name, a);
  }
  return a.subarray(0, size);
}

/**
 * IBSI weights every pair of intensity-mask voxels by the inverse Euclidean distance of their
 * centres, w = 1/‖x₁ − x₂‖ (k₁ ≠ k₂). Every sum over pairs then has the form
 * Σ_k f_k (w ∗ g)_k, which the convolution theorem turns into (1/L) Σ_ω conj(F̂) Ŵ Ĝ on a grid
 * of L points padded to ≥ 2n − 1 per axis (no wrap-around). This is exact, not subsampled:
 * O(N log N) instead of the O(N²) pair loop IBSI warns about.
 *
 *   Moran  I = N/W · Σ w a₁a₂ / Σ a²,  a = X − μ
 *   Geary  C = (N − 1)/(2W) · Σ w (X₁ − X₂)² / Σ a²,  Σ w (a₁ − a₂)² = 2 Σ a²(w ∗ m) − 2 Σ a (w ∗ a)
 *
 * Cost: the signals m (mask), a and a² are real, so their spectra are Hermitian and only the half
 * kx ≤ lx/2 is transformed along y and z (m and a share one complex x transform, two slices of a²
 * another). The kernel is real and even in each axis, so Ŵ is real and even and only its octant
 * is computed, from the octant of w. The sum over the full spectrum is the half-spectrum sum with
 * every column counted twice except kx = 0 and kx = lx/2 (their own mirror images).
 *
 * `values` and `mask` cover a box of `dims` voxels (the ROI bounding box), x fastest. This is the
 * TypeScript twin of the native kernel (same algorithm and sums; the native one adds them in
 * another order, equal to rounding), RadiomicsKernels.spatialAutocorrelation.
 */
export function spatialAutocorrelationTs(
  values: Float32Array | Float64Array,
  mask: Uint8Array,
  dims: readonly [number, number, number],
  spacing: readonly [number, number, number],
): SpatialAutocorrelation {
  const [nx, ny, nz] = dims;
  const moments = maskedMoments(values, mask);
  const count = moments[0], mean = moments[1], ss = moments[2];
  if (count < 2 || ss === 0) return { moranI: NaN, gearyC: NaN };

  const lx = fastLength(2 * nx - 1), ly = fastLength(2 * ny - 1), lz = fastLength(2 * nz - 1);
  const hx = (lx >> 1) + 1;
  const slice = hx * ly;
  const size = slice * lz;
  // Half spectra (kx < hx) of m, a and a², layout kx + hx·(ky + ly·kz).
  const mr = scratch('mr', size).fill(0), mi = scratch('mi', size).fill(0);
  const ar = scratch('ar', size).fill(0), ai = scratch('ai', size).fill(0);
  const br = scratch('br', size).fill(0), bi = scratch('bi', size).fill(0);
  // Scratch for every transform below: the x pass needs lx·ny, which can exceed `size` when nz = 1.
  const sr = scratch('sr', Math.max(size, lx * ny)), si = scratch('si', Math.max(size, lx * ny));

  // x pass, one slice at a time, lines batched: row buffer t[x·ny + y]. Module-level helpers, not
  // closures: a closure made anew in every case is re-optimised by the JIT in every case.
  const tr = scratch('tr', lx * ny), ti = scratch('ti', lx * ny);
  for (let z = 0; z < nz; z++) {
    // m + i·a of slice z.
    tr.fill(0);
    ti.fill(0);
    fillMaskAndDeviation(tr, ti, values, mask, mean, nx, ny, z);
    fftBatch(tr, ti, 0, lx, ny, sr, si);
    unpackTwoReal(tr, ti, lx, ny, hx, mr, mi, slice * z, ar, ai, slice * z);
  }
  for (let z = 0; z < nz; z += 2) {
    // a² of slices z and z + 1 (a lone last slice pairs with zeros, whose spectrum is dropped).
    const pair = z + 1 < nz;
    tr.fill(0);
    ti.fill(0);
    fillSquaredDeviation(tr, values, mask, mean, nx, ny, z);
    if (pair) fillSquaredDeviation(ti, values, mask, mean, nx, ny, z + 1);
    fftBatch(tr, ti, 0, lx, ny, sr, si);
    if (pair) unpackTwoReal(tr, ti, lx, ny, hx, br, bi, slice * z, br, bi, slice * (z + 1));
    else unpackTwoReal(tr, ti, lx, ny, hx, br, bi, slice * z, scratch('dr', slice), scratch('di', slice), 0);
  }
  // y pass over the slices that hold data, then z pass over every pillar.
  for (const [re, im] of [[mr, mi], [ar, ai], [br, bi]] as const) {
    for (let z = 0; z < nz; z++) fftBatch(re, im, slice * z, ly, hx, sr, si);
    fftBatch(re, im, 0, lz, slice, sr, si);
  }

  const w = kernelOctant(dims, spacing, lx, ly, lz);
  const sums = new Float64Array(3); // Σ Ŵ|M̂|², Σ Ŵ|Â|², Σ Ŵ Re(conj(Â²) M̂)
  spectrumSums(sums, mr, mi, ar, ai, br, bi, w, lx, ly, lz);
  const [sumMM, sumAA, sumA2M] = sums;
  const L = lx * ly * lz;
  const weightTotal = sumMM / L;
  const moranNumerator = sumAA / L;
  const gearyNumerator = 2 * (sumA2M / L) - 2 * moranNumerator;
  return {
    moranI: (count / weightTotal) * (moranNumerator / ss),
    gearyC: ((count - 1) / (2 * weightTotal)) * (gearyNumerator / ss),
  };
}

/**
 * [N, μ, Σ (X − μ)²] of the masked voxels, two passes. Loops live in helpers like this one, with
 * nothing after them: code compiled on-stack in a loop of the once-per-case caller knows nothing
 * of what follows it, and deoptimised there in every case of a cohort.
 */
function maskedMoments(values: Float32Array | Float64Array, mask: Uint8Array): Float64Array {
  let count = 0, sum = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) { count++; sum += values[i]; }
  const mean = sum / count;
  let ss = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) ss += (values[i] - mean) ** 2;
  const out = new Float64Array(3);
  out[0] = count; out[1] = mean; out[2] = ss;
  return out;
}

/** Slice z of the mask (re) and of a = X − μ (im), at t[x·ny + y]. */
function fillMaskAndDeviation(re: Float64Array, im: Float64Array, values: Float32Array | Float64Array, mask: Uint8Array, mean: number, nx: number, ny: number, z: number): void {
  for (let y = 0, s = nx * ny * z; y < ny; y++) {
    for (let x = 0; x < nx; x++, s++) {
      if (!mask[s]) continue;
      re[x * ny + y] = 1;
      im[x * ny + y] = values[s] - mean;
    }
  }
}

/** Slice z of a² at t[x·ny + y]. */
function fillSquaredDeviation(t: Float64Array, values: Float32Array | Float64Array, mask: Uint8Array, mean: number, nx: number, ny: number, z: number): void {
  for (let y = 0, s = nx * ny * z; y < ny; y++) {
    for (let x = 0; x < nx; x++, s++) if (mask[s]) t[x * ny + y] = (values[s] - mean) ** 2;
  }
}

/**
 * Splits the batched x transforms of two real signals packed as f + i·g (line y at t[k·ny + y])
 * into their half spectra, F = (Z(k) + conj Z(−k))/2 and G = (Z(k) − conj Z(−k))/(2i), written
 * at out[off + k + hx·y] for k < hx.
 */
function unpackTwoReal(tr: Float64Array, ti: Float64Array, lx: number, ny: number, hx: number, fr: Float64Array, fi: Float64Array, offF: number, gr: Float64Array, gi: Float64Array, offG: number): void {
  for (let y = 0; y < ny; y++) {
    const o = hx * y;
    for (let k = 0; k < hx; k++) {
      const p = k * ny + y, q = ((lx - k) % lx) * ny + y;
      const zr = tr[p], zi = ti[p], cr = tr[q], ci = -ti[q];
      fr[offF + o + k] = (zr + cr) / 2;
      fi[offF + o + k] = (zi + ci) / 2;
      gr[offG + o + k] = (zi - ci) / 2;
      gi[offG + o + k] = -(zr - cr) / 2;
    }
  }
}

/** Kernel row (dy, dz) of the octant, mirrored to ±dx on the lx grid, at t[dx·ny + dy]. */
function kernelRow(t: Float64Array, dy: number, dz: number, nx: number, ny: number, lx: number, sx: number, sy: number, sz: number): void {
  const yz2 = (dy * sy) ** 2 + (dz * sz) ** 2;
  for (let dx = 0; dx < nx; dx++) {
    const r2 = (dx * sx) ** 2 + yz2;
    const v = r2 > 0 ? 1 / Math.sqrt(r2) : 0;
    t[dx * ny + dy] = v;
    if (dx > 0) t[(lx - dx) * ny + dy] = v;
  }
}

/**
 * The three half-spectrum sums, row by row. A function of its own: code compiled on-stack inside
 * this loop nest knew nothing of the result object built after it in spatialAutocorrelation, and
 * deoptimised there in every case of a cohort.
 */
function spectrumSums(sums: Float64Array, mr: Float64Array, mi: Float64Array, ar: Float64Array, ai: Float64Array, br: Float64Array, bi: Float64Array, w: Float64Array, lx: number, ly: number, lz: number): void {
  const hx = (lx >> 1) + 1, hy = (ly >> 1) + 1;
  const nyq = lx % 2 === 0 ? lx >> 1 : -1;
  for (let z = 0; z < lz; z++) {
    const wz = hy * (z <= lz - z ? z : lz - z);
    for (let y = 0; y < ly; y++) {
      const wy = hx * ((y <= ly - y ? y : ly - y) + wz);
      addRowSums(sums, mr, mi, ar, ai, br, bi, w, hx * (y + ly * z), wy, hx, nyq);
    }
  }
}

/**
 * One kx row of the half-spectrum sums, added to `sums`. A small function called once per row
 * (rather than a loop nest inside the one-call main function) is optimised by the JIT after a
 * few rows of the first case, instead of running unoptimised until on-stack replacement.
 */
function addRowSums(sums: Float64Array, mr: Float64Array, mi: Float64Array, ar: Float64Array, ai: Float64Array, br: Float64Array, bi: Float64Array, w: Float64Array, row: number, wy: number, hx: number, nyq: number): void {
  let rowMM = 0, rowAA = 0, rowA2M = 0;
  for (let x = 0; x < hx; x++) {
    const k = row + x;
    const c = x === 0 || x === nyq ? w[wy + x] : 2 * w[wy + x];
    const Mr = mr[k], Mi = mi[k];
    rowMM += c * (Mr * Mr + Mi * Mi);
    rowAA += c * (ar[k] * ar[k] + ai[k] * ai[k]);
    rowA2M += c * (br[k] * Mr + bi[k] * Mi);
  }
  sums[0] += rowMM;
  sums[1] += rowAA;
  sums[2] += rowA2M;
}

/**
 * The DFT of the kernel w(d) = 1/‖d‖ (|d_i| < n_i, w(0) = 0) on the lx × ly × lz grid, which is
 * real and even in each axis: Ŵ(kx, ky, kz) = out[kx + hx·(ky + hy·kz)] for the octant kx < hx,
 * ky < hy, kz < hz (h = ⌊l/2⌋ + 1). Built axis by axis from the octant dx, dy, dz ≥ 0 of w;
 * every intermediate is real, so two lines go through each complex transform (re and im).
 */
function kernelOctant(dims: readonly [number, number, number], spacing: readonly [number, number, number], lx: number, ly: number, lz: number): Float64Array {
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = spacing;
  const hx = (lx >> 1) + 1, hy = (ly >> 1) + 1, hz = (lz >> 1) + 1;
  // x: rows (dy, dz) of the octant, two dz slices per transform; k1[kx + hx·(dy + ny·dz)].
  const k1 = scratch('k1', hx * ny * nz);
  const tr = scratch('ktr', Math.max(lx * ny, ly * hx, lz * Math.ceil((hx * hy) / 2)));
  const ti = scratch('kti', tr.length);
  const sr = scratch('ksr', tr.length), si = scratch('ksi', tr.length);
  // The loops are in the helpers below, one per pass and step, each with nothing after its loop:
  // this function then runs only its short slab loops and is never compiled on-stack mid-loop.
  for (let dz = 0; dz < nz; dz += 2) {
    const re = tr.subarray(0, lx * ny), im = ti.subarray(0, lx * ny);
    re.fill(0);
    im.fill(0);
    kernelRows(re, im, dz, nx, ny, nz, lx, sx, sy, sz);
    fftBatch(re, im, 0, lx, ny, sr, si);
    keepXHalf(k1, re, im, dz, ny, nz, hx);
  }
  // y: per dz, the hx columns mirrored to ±dy; k2[kx + hx·(ky + hy·dz)].
  const k2 = scratch('k2', hx * hy * nz);
  for (let dz = 0; dz < nz; dz += 2) {
    const re = tr.subarray(0, ly * hx), im = ti.subarray(0, ly * hx);
    re.fill(0);
    im.fill(0);
    mirrorY(re, im, k1, dz, ny, nz, ly, hx);
    fftBatch(re, im, 0, ly, hx, sr, si);
    keepYHalf(k2, re, im, dz, nz, hx, hy);
  }
  // z: the hx·hy pillars mirrored to ±dz, the first half of them in re, the rest in im.
  const plane = hx * hy, half = Math.ceil(plane / 2);
  const re = tr.subarray(0, lz * half), im = ti.subarray(0, lz * half);
  re.fill(0);
  im.fill(0);
  mirrorZ(re, im, k2, nz, lz, plane, half);
  fftBatch(re, im, 0, lz, half, sr, si);
  const out = scratch('w', plane * hz);
  keepZHalf(out, re, im, hz, plane, half);
  return out;
}

/** Kernel rows of slices dz (into re) and dz + 1 (into im) of the octant. */
function kernelRows(re: Float64Array, im: Float64Array, dz: number, nx: number, ny: number, nz: number, lx: number, sx: number, sy: number, sz: number): void {
  for (let dy = 0; dy < ny; dy++) {
    kernelRow(re, dy, dz, nx, ny, lx, sx, sy, sz);
    if (dz + 1 < nz) kernelRow(im, dy, dz + 1, nx, ny, lx, sx, sy, sz);
  }
}

/** The kx < hx half of the x transforms of slices dz, dz + 1 into k1. */
function keepXHalf(k1: Float64Array, re: Float64Array, im: Float64Array, dz: number, ny: number, nz: number, hx: number): void {
  for (let dy = 0; dy < ny; dy++) {
    for (let k = 0; k < hx; k++) {
      k1[k + hx * (dy + ny * dz)] = re[k * ny + dy];
      if (dz + 1 < nz) k1[k + hx * (dy + ny * (dz + 1))] = im[k * ny + dy];
    }
  }
}

/** Slices dz (re) and dz + 1 (im) of k1, mirrored to ±dy on the ly grid. */
function mirrorY(re: Float64Array, im: Float64Array, k1: Float64Array, dz: number, ny: number, nz: number, ly: number, hx: number): void {
  for (let dy = 0; dy < ny; dy++) {
    for (let k = 0; k < hx; k++) {
      const a = k1[k + hx * (dy + ny * dz)];
      re[dy * hx + k] = a;
      if (dy > 0) re[(ly - dy) * hx + k] = a;
      if (dz + 1 < nz) {
        const b = k1[k + hx * (dy + ny * (dz + 1))];
        im[dy * hx + k] = b;
        if (dy > 0) im[(ly - dy) * hx + k] = b;
      }
    }
  }
}

/** The ky < hy half of the y transforms of slices dz, dz + 1 into k2. */
function keepYHalf(k2: Float64Array, re: Float64Array, im: Float64Array, dz: number, nz: number, hx: number, hy: number): void {
  for (let ky = 0; ky < hy; ky++) {
    for (let k = 0; k < hx; k++) {
      k2[k + hx * (ky + hy * dz)] = re[ky * hx + k];
      if (dz + 1 < nz) k2[k + hx * (ky + hy * (dz + 1))] = im[ky * hx + k];
    }
  }
}

/** The hx·hy pillars of k2 mirrored to ±dz, the first half of them in re, the rest in im. */
function mirrorZ(re: Float64Array, im: Float64Array, k2: Float64Array, nz: number, lz: number, plane: number, half: number): void {
  for (let dz = 0; dz < nz; dz++) {
    for (let b = 0; b < plane; b++) {
      const v = k2[b + plane * dz];
      const t = b < half ? re : im, j = b < half ? b : b - half;
      t[dz * half + j] = v;
      if (dz > 0) t[(lz - dz) * half + j] = v;
    }
  }
}

/** The kz < hz half of the z transforms, pillars back in order: out[b + plane·kz]. */
function keepZHalf(out: Float64Array, re: Float64Array, im: Float64Array, hz: number, plane: number, half: number): void {
  for (let kz = 0; kz < hz; kz++) {
    for (let b = 0; b < plane; b++) out[b + plane * kz] = b < half ? re[kz * half + b] : im[kz * half + b - half];
  }
}
