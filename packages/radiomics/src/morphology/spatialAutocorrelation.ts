import { fastLength, fft3d } from '../math/fft.js';

// Six grids of ~8× the ROI box each; kept between calls (one case after another in a worker)
// so a cohort does not allocate and garbage-collect tens of MB per case.
let pool: Float64Array[] = [];

function grids(size: number): Float64Array[] {
  if (pool.length === 0 || pool[0].length < size) pool = Array.from({ length: 6 }, () => new Float64Array(size));
  const views = pool.map((g) => g.subarray(0, size));
  for (const v of views.slice(0, 4)) v.fill(0);
  return views;
}

/** Moran's I and Geary's C of the intensity-mask voxels (IBSI 1 N365, NPT7). */
export interface SpatialAutocorrelation {
  moranI: number;
  gearyC: number;
}

/**
 * IBSI weights every pair of intensity-mask voxels by the inverse Euclidean distance of their
 * centres, w = 1/‖x₁ − x₂‖ (k₁ ≠ k₂). Every sum over pairs then has the form
 * Σ_k f_k (w ∗ g)_k, which the convolution theorem turns into (1/N) Σ_ω conj(F̂) Ŵ Ĝ on a grid
 * padded to ≥ 2n − 1 per axis (no wrap-around). This is exact, not subsampled: O(N log N)
 * instead of the O(N²) pair loop IBSI warns about.
 *
 *   Moran  I = N/W · Σ w a₁a₂ / Σ a²,  a = X − μ
 *   Geary  C = (N − 1)/(2W) · Σ w (X₁ − X₂)² / Σ a²,  Σ w (a₁ − a₂)² = 2 Σ a²(w ∗ m) − 2 Σ a (w ∗ a)
 *
 * `values` and `mask` cover a box of `dims` voxels (the ROI bounding box), x fastest.
 */
export function spatialAutocorrelation(
  values: Float32Array | Float64Array,
  mask: Uint8Array,
  dims: readonly [number, number, number],
  spacing: readonly [number, number, number],
): SpatialAutocorrelation {
  const [nx, ny, nz] = dims;
  let count = 0, sum = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) { count++; sum += values[i]; }
  const mean = sum / count;
  let ss = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) ss += (values[i] - mean) ** 2;
  if (count < 2 || ss === 0) return { moranI: NaN, gearyC: NaN };

  const lx = fastLength(2 * nx - 1), ly = fastLength(2 * ny - 1), lz = fastLength(2 * nz - 1);
  const size = lx * ly * lz;
  // Grid 1: mask + i·a.  Grid 2: a² + i·w (kernel centred at the origin, wrapped).
  const [r1, i1, r2, i2, s1, s2] = grids(size);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const s = x + nx * (y + ny * z);
        if (!mask[s]) continue;
        const d = x + lx * (y + ly * z);
        const a = values[s] - mean;
        r1[d] = 1;
        i1[d] = a;
        r2[d] = a * a;
      }
    }
  }
  const [sx, sy, sz] = spacing;
  for (let dz = -(nz - 1); dz <= nz - 1; dz++) {
    const wz = (dz + lz) % lz;
    for (let dy = -(ny - 1); dy <= ny - 1; dy++) {
      const wy = (dy + ly) % ly;
      const row = lx * (wy + ly * wz);
      const yz2 = (dy * sy) ** 2 + (dz * sz) ** 2;
      for (let dx = -(nx - 1); dx <= nx - 1; dx++) {
        const r2d = (dx * sx) ** 2 + yz2;
        if (r2d > 0) i2[row + ((dx + lx) % lx)] = 1 / Math.sqrt(r2d);
      }
    }
  }
  fft3d(r1, i1, [lx, ly, lz], [nx, ny, nz], [s1, s2]);
  fft3d(r2, i2, [lx, ly, lz], [lx, ly, lz], [s1, s2]);

  // Unpack the two real spectra of each grid: F(ω) = (Z(ω) + conj Z(−ω))/2, G(ω) = (Z(ω) − conj Z(−ω))/(2i).
  let sumMM = 0, sumAA = 0, sumA2M = 0;
  for (let z = 0; z < lz; z++) {
    const zn = (lz - z) % lz;
    for (let y = 0; y < ly; y++) {
      const yn = (ly - y) % ly;
      for (let x = 0; x < lx; x++) {
        const k = x + lx * (y + ly * z);
        const kn = (lx - x) % lx + lx * (yn + ly * zn);
        const zr = r1[k], zi = i1[k], cr = r1[kn], ci = -i1[kn];
        const mr = (zr + cr) / 2, mi = (zi + ci) / 2; // M̂
        const ar = (zi - ci) / 2, ai = -(zr - cr) / 2; // Â
        const ur = r2[k], ui = i2[k], vr = r2[kn], vi = -i2[kn];
        const br = (ur + vr) / 2, bi = (ui + vi) / 2; // (a²)^
        const w = (ui - vi) / 2; // Ŵ is real: the kernel is real and even
        sumMM += w * (mr * mr + mi * mi);
        sumAA += w * (ar * ar + ai * ai);
        sumA2M += w * (br * mr + bi * mi);
      }
    }
  }
  const weightTotal = sumMM / size;
  const moranNumerator = sumAA / size;
  const gearyNumerator = 2 * (sumA2M / size) - 2 * moranNumerator;
  return {
    moranI: (count / weightTotal) * (moranNumerator / ss),
    gearyC: ((count - 1) / (2 * weightTotal)) * (gearyNumerator / ss),
  };
}
