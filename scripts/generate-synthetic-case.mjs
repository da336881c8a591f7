#!/usr/bin/env node
// Seeded synthetic CT case for the radiomics benchmark (issue 3): a 256×256×64 int16 image at
// 0.8×0.8×3 mm and a lumpy blob ROI of exactly 50,000 voxels, written as NIfTI-1 .nii.gz so any
// other radiomics tool (PyRadiomics, MIRP, …) can be run on the very same files.
//
//   node scripts/generate-synthetic-case.mjs [outDir]   → outDir/synthetic-ct.nii.gz, synthetic-roi.nii.gz
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const CASE_DIMS = [256, 256, 64];
export const CASE_SPACING = [0.8, 0.8, 3];
export const CASE_ROI_VOXELS = 50000;

/** mulberry32: small seeded PRNG, identical output on every platform. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The ROI (Uint8Array, x fastest) and the PRNG state the image continues from. */
export function syntheticRoi(seed = 20261126) {
  const [nx, ny, nz] = CASE_DIMS;
  const [sx, sy, sz] = CASE_SPACING;
  const rand = rng(seed);
  // Blob: radius modulated by low-order harmonics of the direction, centred off-centre in the body.
  const c = [130 * sx, 120 * sy, 31 * sz];
  const h = Array.from({ length: 6 }, () => 0.25 * (rand() - 0.5));
  const shape = (dx, dy, dz) => {
    const r = Math.hypot(dx, dy, dz) || 1e-9;
    const th = Math.acos(dz / r), ph = Math.atan2(dy, dx);
    const f = 1 + h[0] * Math.cos(2 * th) + h[1] * Math.sin(3 * ph) * Math.sin(th) + h[2] * Math.cos(2 * ph) * Math.sin(th) ** 2
      + h[3] * Math.cos(3 * th) + h[4] * Math.sin(ph + 2 * th) + h[5] * Math.cos(4 * ph) * Math.sin(th);
    return r / f;
  };
  // Normalised radius of every voxel in a generous box; the 50,000 smallest form the ROI
  // (threshold = the 50,000th smallest value, found with a native typed-array sort).
  const box = [[80, 180], [70, 170], [10, 54]];
  const bw = box[0][1] - box[0][0], bh = box[1][1] - box[1][0], bd = box[2][1] - box[2][0];
  const rho = new Float64Array(bw * bh * bd);
  for (let k = 0, q = 0; k < bd; k++)
    for (let j = 0; j < bh; j++)
      for (let i = 0; i < bw; i++, q++) rho[q] = shape((i + box[0][0]) * sx - c[0], (j + box[1][0]) * sy - c[1], (k + box[2][0]) * sz - c[2]);
  const threshold = Float64Array.from(rho).sort()[CASE_ROI_VOXELS - 1];
  const mask = new Uint8Array(nx * ny * nz);
  for (let k = 0, q = 0; k < bd; k++)
    for (let j = 0; j < bh; j++)
      for (let i = 0; i < bw; i++, q++) if (rho[q] <= threshold) mask[i + box[0][0] + nx * (j + box[1][0] + ny * (k + box[2][0]))] = 1;
  return { mask, rand };
}

/** Builds the image (Int16Array) and the mask (Uint8Array), x fastest. */
export function syntheticCase(seed = 20261126) {
  const [nx, ny, nz] = CASE_DIMS;
  const { mask, rand } = syntheticRoi(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const image = new Int16Array(nx * ny * nz);
  for (let k = 0, p = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, p++) {
        const ex = (i - nx / 2) / (0.42 * nx), ey = (j - ny / 2) / (0.34 * ny);
        let hu = ex * ex + ey * ey < 1 ? 35 + 12 * gauss() : -1000 + 4 * gauss();
        if (mask[p]) hu = 55 + 10 * Math.sin(i / 6) * Math.cos(j / 9) + 6 * (k - 31) / 10 + 22 * gauss();
        image[p] = Math.max(-1024, Math.min(3071, Math.round(hu)));
      }
  return { image, mask };
}

/** Minimal NIfTI-1 single-file writer (nifti1.h offsets): qform = sform = diag(spacing), origin 0. */
export function niftiBytes(data, datatype, bitpix, dims, spacing) {
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0); // sizeof_hdr
  [3, ...dims, 1, 1, 1, 1].forEach((d, i) => h.writeInt16LE(d, 40 + 2 * i)); // dim[8]
  h.writeInt16LE(datatype, 70);
  h.writeInt16LE(bitpix, 72);
  [1, ...spacing, 0, 0, 0, 0].forEach((s, i) => h.writeFloatLE(s, 76 + 4 * i)); // pixdim, qfac = 1
  h.writeFloatLE(352, 108); // vox_offset
  h.writeFloatLE(1, 112); // scl_slope
  h.writeUInt8(2, 123); // xyzt_units: mm
  h.writeInt16LE(1, 252); // qform_code: scanner
  h.writeInt16LE(1, 254); // sform_code: scanner
  [spacing[0], 0, 0, 0, 0, spacing[1], 0, 0, 0, 0, spacing[2], 0].forEach((x, i) => h.writeFloatLE(x, 280 + 4 * i));
  h.write('n+1\0', 344, 'latin1');
  return Buffer.concat([h, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** Writes the case; returns the two paths and the ROI size. */
export function writeSyntheticCase(outDir, seed) {
  mkdirSync(outDir, { recursive: true });
  const { image, mask } = syntheticCase(seed);
  const imagePath = join(outDir, 'synthetic-ct.nii.gz');
  const maskPath = join(outDir, 'synthetic-roi.nii.gz');
  writeFileSync(imagePath, gzipSync(niftiBytes(image, 4, 16, CASE_DIMS, CASE_SPACING), { level: 6 }));
  writeFileSync(maskPath, gzipSync(niftiBytes(mask, 2, 8, CASE_DIMS, CASE_SPACING), { level: 6 }));
  return { imagePath, maskPath, roiVoxels: CASE_ROI_VOXELS };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = writeSyntheticCase(resolve(process.argv[2] ?? 'synthetic-case'));
  process.stdout.write(`${out.imagePath}\n${out.maskPath}\n`);
}
