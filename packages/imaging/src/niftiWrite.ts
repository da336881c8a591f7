import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { rasToLps, type Affine3x4 } from './affine.js';
import type { Volume } from './volume.js';

/**
 * NIfTI-1 writer (field offsets from nifti1.h, NIfTI Data Format Working Group): one .nii file
 * (magic "n+1", data at byte 352), float32 voxels, millimetres, and the same world geometry in
 * both the sform and the qform (code 1, scanner anatomical), in RAS as NIfTI requires: the
 * volume's LPS affine with its first two world rows negated.
 */

/** The voxel → RAS world affine of a volume (whose geometry is LPS). */
export function rasAffine(v: Pick<Volume, 'spacing' | 'origin' | 'direction'>): Affine3x4 {
  const d = v.direction;
  const s = v.spacing;
  const lps: Affine3x4 = [
    d[0] * s[0], d[1] * s[1], d[2] * s[2], v.origin[0],
    d[3] * s[0], d[4] * s[1], d[5] * s[2], v.origin[1],
    d[6] * s[0], d[7] * s[1], d[8] * s[2], v.origin[2],
  ];
  return rasToLps(lps); // the flip is its own inverse
}

/**
 * The qform's quaternion (b, c, d) and qfac of a rotation whose columns are `r` (row-major 3×3),
 * after nifti1_io.c's nifti_mat44_to_quatern: a left-handed frame is stored with qfac = -1 and its
 * third column negated.
 */
export function rotationToQuaternion(r: number[]): { b: number; c: number; d: number; qfac: 1 | -1 } {
  const m = [...r];
  const det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) for (const i of [2, 5, 8]) m[i] = -m[i];
  const [r11, r12, r13, r21, r22, r23, r31, r32, r33] = m;
  let a = r11 + r22 + r33 + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd); c = (0.25 * (r12 + r21)) / b; d = (0.25 * (r13 + r31)) / b; a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd); b = (0.25 * (r12 + r21)) / c; d = (0.25 * (r23 + r32)) / c; a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd); b = (0.25 * (r13 + r31)) / d; c = (0.25 * (r23 + r32)) / d; a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) { b = -b; c = -c; d = -d; }
  }
  return { b, c, d, qfac };
}

const HEADER_BYTES = 348;
const VOX_OFFSET = 352; // header + the 4-byte extension flag (no extension)

/** A volume as the bytes of a NIfTI-1 .nii file (uncompressed). */
export function encodeNifti(v: Volume, description = 'fedrad'): Uint8Array {
  const count = v.dims[0] * v.dims[1] * v.dims[2];
  const out = new Uint8Array(VOX_OFFSET + 4 * count);
  const dv = new DataView(out.buffer);
  const le = true;
  dv.setInt32(0, HEADER_BYTES, le);
  out[38] = 'r'.charCodeAt(0); // regular: ignored by readers, set as nifti1_io does
  [3, v.dims[0], v.dims[1], v.dims[2], 1, 1, 1, 1].forEach((x, i) => dv.setInt16(40 + 2 * i, x, le));
  dv.setInt16(70, 16, le); // datatype DT_FLOAT32
  dv.setInt16(72, 32, le); // bitpix
  const affine = rasAffine(v);
  const rotation = [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => affine[4 * row + col] / v.spacing[col]));
  const q = rotationToQuaternion(rotation);
  [q.qfac, v.spacing[0], v.spacing[1], v.spacing[2], 1, 1, 1, 1].forEach((x, i) => dv.setFloat32(76 + 4 * i, x, le));
  dv.setFloat32(108, VOX_OFFSET, le);
  dv.setFloat32(112, 1, le); // scl_slope: values as stored
  dv.setFloat32(116, 0, le); // scl_inter
  out[123] = 2; // xyzt_units: NIFTI_UNITS_MM
  const text = new TextEncoder().encode(description).subarray(0, 79);
  out.set(text, 148);
  dv.setInt16(252, 1, le); // qform_code NIFTI_XFORM_SCANNER_ANAT
  dv.setInt16(254, 1, le); // sform_code NIFTI_XFORM_SCANNER_ANAT
  dv.setFloat32(256, q.b, le);
  dv.setFloat32(260, q.c, le);
  dv.setFloat32(264, q.d, le);
  dv.setFloat32(268, affine[3], le);
  dv.setFloat32(272, affine[7], le);
  dv.setFloat32(276, affine[11], le);
  affine.forEach((x, i) => dv.setFloat32(280 + 4 * i, x, le)); // srow_x, srow_y, srow_z
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // magic "n+1\0"
  for (let i = 0; i < count; i++) dv.setFloat32(VOX_OFFSET + 4 * i, v.data[i], le);
  return out;
}

/** Writes a volume as NIfTI-1, gzip-compressed when the path ends in .gz. */
export function writeNifti(v: Volume, path: string, description?: string): void {
  const bytes = encodeNifti(v, description);
  writeFileSync(path, path.toLowerCase().endsWith('.gz') ? gzipSync(bytes) : bytes);
}
