import { existsSync } from 'node:fs';
import { decomposeAffine, rasToLps, type Affine3x4 } from './affine.js';
import { CorruptFileError, UnsupportedDatatypeError, UnsupportedLayoutError } from './errors.js';
import { readMaybeGzip } from './fileBytes.js';
import { applyRescale, decodeScalars, type ScalarType } from './voxelDecode.js';
import type { ImageVolume, Volume, VoxelData } from './volume.js';

/**
 * NIfTI-1 / NIfTI-2 reader. Field offsets follow nifti1.h and nifti2.h (NITRC, NIfTI Data
 * Format Working Group). World geometry: sform when sform_code > 0, else qform when
 * qform_code > 0, else "method 1" (diag(pixdim), origin 0) — the precedence nibabel's
 * get_best_affine and ITK use — converted from NIfTI's RAS to LPS.
 */

/** NIfTI `datatype` codes (nifti1.h, DT_*) we can read as scalars. */
const NIFTI_DATATYPES: Record<number, ScalarType> = {
  2: 'uint8', 4: 'int16', 8: 'int32', 16: 'float32', 64: 'float64',
  256: 'int8', 512: 'uint16', 768: 'uint32', 1024: 'int64', 1280: 'uint64',
};
const NIFTI_UNSUPPORTED: Record<number, string> = {
  0: 'DT_UNKNOWN (0)', 1: 'DT_BINARY (1)', 32: 'DT_COMPLEX64 (32)', 128: 'DT_RGB24 (128)',
  1536: 'DT_FLOAT128 (1536)', 1792: 'DT_COMPLEX128 (1792)', 2048: 'DT_COMPLEX256 (2048)', 2304: 'DT_RGBA32 (2304)',
};
const SUPPORTED_LIST = 'uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64';

export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0..7] */
  dim: number[];
  datatype: number;
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  srow: Affine3x4;
  /** xyzt_units & 0x07: 1 metre, 2 mm, 3 µm, 0 unknown (treated as mm). */
  spaceUnits: number;
  /** true for a single .nii file ("n+1"/"n+2"), false for a .hdr/.img pair ("ni1"/"ni2"). */
  singleFile: boolean;
}

/** Reads a .nii, .nii.gz or .hdr(/.img) file into a Float32 intensity volume in LPS. */
export function readNifti(path: string): ImageVolume {
  const bytes = readMaybeGzip(path);
  const header = parseNiftiHeader(bytes, path);
  let dataBytes = bytes;
  let dataPath = path;
  if (!header.singleFile) {
    dataPath = pairedImagePath(path);
    dataBytes = readMaybeGzip(dataPath);
  }
  return niftiVolume(header, dataBytes, dataPath, path);
}

/**
 * Reads a NIfTI label image (a mask) for `labelToMask`. An unscaled uint8 / uint16 / int16 file
 * in host byte order comes back as a typed-array view of the inflated bytes, with the same values
 * the Float32 decode would give (every such integer is exact in Float32) but without converting
 * and scanning a 16 MB Float32 copy of a mostly-zero volume. Anything else reads as readNifti.
 */
export function readNiftiLabels(path: string): Volume<VoxelData> {
  const bytes = readMaybeGzip(path);
  const header = parseNiftiHeader(bytes, path);
  const type = NIFTI_DATATYPES[header.datatype];
  const scaled = Number.isFinite(header.sclSlope) && header.sclSlope !== 0 &&
    !(header.sclSlope === 1 && (Number.isFinite(header.sclInter) ? header.sclInter : 0) === 0);
  if (!header.singleFile || scaled || (type !== 'uint8' && type !== 'uint16' && type !== 'int16')) {
    return header.singleFile ? niftiVolume(header, bytes, path, path) : readNifti(path);
  }
  const { dims, offset } = niftiLayout(header, path);
  const count = dims[0] * dims[1] * dims[2];
  const size = type === 'uint8' ? 1 : 2;
  const start = bytes.byteOffset + offset;
  if (bytes.length < offset + count * size || (size === 2 && (start % 2 !== 0 || header.littleEndian !== HOST_LITTLE_ENDIAN))) {
    return niftiVolume(header, bytes, path, path); // short file (typed error there), odd offset or byte swap
  }
  const data = type === 'uint8' ? new Uint8Array(bytes.buffer, start, count)
    : type === 'uint16' ? new Uint16Array(bytes.buffer, start, count) : new Int16Array(bytes.buffer, start, count);
  return { data, dims, ...niftiGeometry(header, path) };
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes a NIfTI file already in memory (inflated). `path` is only used in messages. */
export function parseNifti(bytes: Uint8Array, path: string): ImageVolume {
  const header = parseNiftiHeader(bytes, path);
  if (!header.singleFile) {
    throw new UnsupportedLayoutError(path, 'a single-file NIfTI (magic n+1 / n+2)', 'a .hdr header without its .img data');
  }
  return niftiVolume(header, bytes, path, path);
}

/** The .img (or .img.gz) beside a NIfTI .hdr header. */
export function pairedImagePath(hdrPath: string): string {
  const base = hdrPath.replace(/\.hdr(\.gz)?$/i, '');
  for (const candidate of [`${base}.img`, `${base}.img.gz`]) if (existsSync(candidate)) return candidate;
  return `${base}.img`;
}

export function parseNiftiHeader(bytes: Uint8Array, path: string): NiftiHeader {
  if (bytes.length < 348) {
    throw new CorruptFileError(path, 'a NIfTI header of at least 348 bytes', `${bytes.length} bytes`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // sizeof_hdr (348 or 540) tells both the version and the byte order.
  let littleEndian = true;
  let size = dv.getInt32(0, true);
  if (size !== 348 && size !== 540) {
    littleEndian = false;
    size = dv.getInt32(0, false);
  }
  if (size === 348) return parseNifti1(dv, littleEndian, bytes, path);
  if (size === 540) {
    if (bytes.length < 540) throw new CorruptFileError(path, 'a NIfTI-2 header of 540 bytes', `${bytes.length} bytes`);
    return parseNifti2(dv, littleEndian, bytes, path);
  }
  throw new CorruptFileError(path, 'NIfTI sizeof_hdr 348 (NIfTI-1) or 540 (NIfTI-2)', `${dv.getInt32(0, true)}`);
}

function ascii(bytes: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let i = start; i < start + len && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function parseNifti1(dv: DataView, le: boolean, bytes: Uint8Array, path: string): NiftiHeader {
  const magic = ascii(bytes, 344, 4);
  if (magic !== 'n+1' && magic !== 'ni1') {
    throw new CorruptFileError(path, 'NIfTI-1 magic "n+1" or "ni1" at byte 344', JSON.stringify(magic));
  }
  const f32 = (o: number) => dv.getFloat32(o, le);
  return {
    version: 1,
    littleEndian: le,
    dim: Array.from({ length: 8 }, (_, i) => dv.getInt16(40 + 2 * i, le)),
    datatype: dv.getInt16(70, le),
    pixdim: Array.from({ length: 8 }, (_, i) => f32(76 + 4 * i)),
    voxOffset: f32(108),
    sclSlope: f32(112),
    sclInter: f32(116),
    qformCode: dv.getInt16(252, le),
    sformCode: dv.getInt16(254, le),
    quatern: [f32(256), f32(260), f32(264)],
    qoffset: [f32(268), f32(272), f32(276)],
    srow: Array.from({ length: 12 }, (_, i) => f32(280 + 4 * i)) as Affine3x4,
    spaceUnits: bytes[123] & 0x07,
    singleFile: magic === 'n+1',
  };
}

function parseNifti2(dv: DataView, le: boolean, bytes: Uint8Array, path: string): NiftiHeader {
  const magic = ascii(bytes, 4, 3);
  if (magic !== 'n+2' && magic !== 'ni2') {
    throw new CorruptFileError(path, 'NIfTI-2 magic "n+2" or "ni2" at byte 4', JSON.stringify(magic));
  }
  const f64 = (o: number) => dv.getFloat64(o, le);
  const i64 = (o: number) => Number(dv.getBigInt64(o, le));
  return {
    version: 2,
    littleEndian: le,
    dim: Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i)),
    datatype: dv.getInt16(12, le),
    pixdim: Array.from({ length: 8 }, (_, i) => f64(104 + 8 * i)),
    voxOffset: i64(168),
    sclSlope: f64(176),
    sclInter: f64(184),
    qformCode: dv.getInt32(344, le),
    sformCode: dv.getInt32(348, le),
    quatern: [f64(352), f64(360), f64(368)],
    qoffset: [f64(376), f64(384), f64(392)],
    srow: Array.from({ length: 12 }, (_, i) => f64(400 + 8 * i)) as Affine3x4,
    spaceUnits: dv.getInt32(500, le) & 0x07,
    singleFile: magic === 'n+2',
  };
}

function niftiVolume(h: NiftiHeader, dataBytes: Uint8Array, dataPath: string, headerPath: string): ImageVolume {
  const type = NIFTI_DATATYPES[h.datatype];
  const { dims, offset } = niftiLayout(h, headerPath);
  const count = dims[0] * dims[1] * dims[2];
  const data = decodeScalars(dataBytes, offset, count, type, h.littleEndian, dataPath);
  // scl_slope = 0 (or not a number) means "no scaling" (nifti1.h).
  if (Number.isFinite(h.sclSlope) && h.sclSlope !== 0) {
    applyRescale(data, h.sclSlope, Number.isFinite(h.sclInter) ? h.sclInter : 0);
  }
  const geometry = niftiGeometry(h, headerPath);
  return { data, dims, ...geometry };
}

/** Checks datatype and dimensions; the 3D size and the byte offset of the voxel data. */
function niftiLayout(h: NiftiHeader, headerPath: string): { dims: Volume['dims']; offset: number } {
  const type = NIFTI_DATATYPES[h.datatype];
  if (!type) {
    const name = NIFTI_UNSUPPORTED[h.datatype] ?? `code ${h.datatype}`;
    throw new UnsupportedDatatypeError(headerPath, `NIfTI datatype ${name}`, SUPPORTED_LIST);
  }
  const ndim = h.dim[0];
  if (!(ndim >= 1 && ndim <= 7)) {
    throw new CorruptFileError(headerPath, 'dim[0] between 1 and 7', `dim[0] = ${ndim}`);
  }
  const dims = [1, 2, 3].map((i) => (i <= ndim ? h.dim[i] : 1)) as Volume['dims'];
  if (dims.some((d) => !(d >= 1))) {
    throw new CorruptFileError(headerPath, 'positive image dimensions', `dim = [${h.dim.slice(1, ndim + 1).join(', ')}]`);
  }
  const extra = h.dim.slice(4, ndim + 1).reduce((a, b) => a * Math.max(b, 1), 1);
  if (extra > 1) {
    throw new UnsupportedLayoutError(headerPath, 'a single 3D volume', `a ${ndim}D image with dim = [${h.dim.slice(1, ndim + 1).join(', ')}]`);
  }
  // A single-file vox_offset below the header + 4-byte extension flag is invalid; some writers
  // leave it 0 (the IBSI phantom does), so fall back to the minimum, as nibabel does.
  const minOffset = h.version === 1 ? 352 : 544;
  const offset = h.singleFile ? Math.max(Math.floor(h.voxOffset), minOffset) : Math.max(Math.floor(h.voxOffset), 0);
  return { dims, offset };
}

/** Millimetres per NIfTI spatial unit (nifti1.h NIFTI_UNITS_METER / _MM / _MICRON). */
const MM_PER_UNIT: Record<number, number> = { 1: 1000, 2: 1, 3: 0.001 };

/** voxel → RAS affine by the NIfTI precedence, then to LPS spacing/direction/origin, in mm. */
export function niftiGeometry(h: NiftiHeader, path: string): Pick<Volume, 'spacing' | 'origin' | 'direction'> {
  const g = niftiGeometryInFileUnits(h, path);
  const mm = MM_PER_UNIT[h.spaceUnits] ?? 1;
  if (mm === 1) return g;
  return {
    spacing: g.spacing.map((s) => s * mm) as Volume['spacing'],
    origin: g.origin.map((o) => o * mm) as Volume['origin'],
    direction: g.direction,
  };
}

function niftiGeometryInFileUnits(h: NiftiHeader, path: string): Pick<Volume, 'spacing' | 'origin' | 'direction'> {
  const candidates: Affine3x4[] = [];
  if (h.sformCode > 0) candidates.push(h.srow);
  if (h.qformCode > 0) candidates.push(qformAffine(h));
  for (const a of candidates) {
    const g = decomposeAffine(rasToLps(a));
    // A sheared sform cannot be held by a Volume; like ITK, fall back to the (rigid) qform.
    if (!g.sheared) return { spacing: g.spacing, origin: g.origin, direction: g.direction };
  }
  if (candidates.length > 0) {
    throw new UnsupportedLayoutError(path, 'an orthogonal voxel grid', 'a sheared sform/qform voxel-to-world transform');
  }
  // Method 1 (qform_code = sform_code = 0): x = pixdim · index, no rotation (nifti1.h).
  const sp = [1, 2, 3].map((i) => Math.abs(h.pixdim[i]) || 1);
  const g = decomposeAffine(rasToLps([sp[0], 0, 0, 0, 0, sp[1], 0, 0, 0, 0, sp[2], 0]));
  return { spacing: g.spacing, origin: g.origin, direction: g.direction };
}

/**
 * Method 2 (nifti1.h, "quatern_b/c/d"): R from the unit quaternion (a, b, c, d) with
 * a = sqrt(1 − b² − c² − d²); the k column is multiplied by qfac = pixdim[0] (±1).
 */
function qformAffine(h: NiftiHeader): Affine3x4 {
  const [b, c, d] = h.quatern;
  const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
  const qfac = h.pixdim[0] < 0 ? -1 : 1;
  const dx = Math.abs(h.pixdim[1]) || 1;
  const dy = Math.abs(h.pixdim[2]) || 1;
  const dz = (Math.abs(h.pixdim[3]) || 1) * qfac;
  const r = [
    a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
    2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b),
    2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b,
  ];
  return [
    r[0] * dx, r[1] * dy, r[2] * dz, h.qoffset[0],
    r[3] * dx, r[4] * dy, r[5] * dz, h.qoffset[1],
    r[6] * dx, r[7] * dy, r[8] * dz, h.qoffset[2],
  ];
}
