import type { ImageVolume, MaskVolume } from '@fedrad/imaging';

/**
 * The image and ROI moved rigidly on their own grid: rotated in-plane by `degrees` about the k
 * axis through the ROI's centroid (in mm, so anisotropic in-plane spacing rotates correctly), then
 * shifted by `shift` voxels. Each output voxel takes the image's trilinear interpolation at the
 * source position (clamped to the grid's edge) and the ROI's trilinear interpolation of its 0/1
 * values, kept where it is at least 0.5 (IBSI 1 §2.4, mask interpolation with a partial-volume
 * threshold of 0.5).
 */
export function rigidResample(image: ImageVolume, mask: MaskVolume, degrees: number, shift: readonly [number, number, number]): { image: ImageVolume; mask: MaskVolume } {
  const [nx, ny, nz] = image.dims;
  const [sx, sy] = image.spacing;
  let ci = 0;
  let cj = 0;
  let count = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (mask.data[i + nx * (j + ny * k)]) { ci += i; cj += j; count++; }
  ci = count ? ci / count : (nx - 1) / 2;
  cj = count ? cj / count : (ny - 1) / 2;
  const theta = (degrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const out = new Float32Array(image.data.length);
  const outMask = new Uint8Array(mask.data.length);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        // Inverse map: undo the shift, then rotate by −θ about the centroid (mm).
        const x = (i - shift[0] - ci) * sx;
        const y = (j - shift[1] - cj) * sy;
        const si = ci + (cos * x + sin * y) / sx;
        const sj = cj + (-sin * x + cos * y) / sy;
        const sk = k - shift[2];
        const index = i + nx * (j + ny * k);
        out[index] = trilinear(image.data, image.dims, si, sj, sk);
        outMask[index] = trilinear(mask.data, mask.dims, si, sj, sk) >= 0.5 ? 1 : 0;
      }
    }
  }
  return { image: { ...image, data: out }, mask: { ...mask, data: outMask } };
}

/** Trilinear interpolation at a fractional index, the position clamped to the grid (edge values extend outward). */
function trilinear(data: ArrayLike<number>, dims: readonly [number, number, number], i: number, j: number, k: number): number {
  const [nx, ny, nz] = dims;
  const clamp = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);
  const x = clamp(i, nx);
  const y = clamp(j, ny);
  const z = clamp(k, nz);
  const i0 = Math.floor(x);
  const j0 = Math.floor(y);
  const k0 = Math.floor(z);
  const i1 = Math.min(i0 + 1, nx - 1);
  const j1 = Math.min(j0 + 1, ny - 1);
  const k1 = Math.min(k0 + 1, nz - 1);
  const fx = x - i0;
  const fy = y - j0;
  const fz = z - k0;
  const v = (a: number, b: number, c: number) => data[a + nx * (b + ny * c)];
  const c00 = v(i0, j0, k0) * (1 - fx) + v(i1, j0, k0) * fx;
  const c10 = v(i0, j1, k0) * (1 - fx) + v(i1, j1, k0) * fx;
  const c01 = v(i0, j0, k1) * (1 - fx) + v(i1, j0, k1) * fx;
  const c11 = v(i0, j1, k1) * (1 - fx) + v(i1, j1, k1) * fx;
  return (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
}
