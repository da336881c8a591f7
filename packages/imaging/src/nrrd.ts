import { dirname, isAbsolute, join } from 'node:path';
import { decomposeAffine, type Affine3x4 } from './affine.js';
import {
  CorruptFileError,
  UnsupportedDatatypeError,
  UnsupportedFormatError,
  UnsupportedLayoutError,
} from './errors.js';
import { gunzip, isGzip, readFileBytes } from './fileBytes.js';
import { BYTES_PER_SCALAR, decodeScalars, type ScalarType } from './voxelDecode.js';
import type { ImageVolume, Volume } from './volume.js';

/**
 * NRRD reader after the teem format definition (NRRD0001–0005, teem.sourceforge.net/nrrd/format.html):
 * attached or detached (.nhdr + "data file") data, raw / gzip / ascii encodings, byte and line skip,
 * space / space directions / space origin, or plain spacings. World coordinates are converted to
 * LPS from RAS / LAS / LPS spaces.
 */

export interface NrrdHeader {
  fields: Record<string, string>;
  /** `key:=value` pairs (Slicer's Segment*_ metadata lives here). */
  keyValues: Record<string, string>;
  /** Byte offset of the data after the header's blank line (attached data). */
  dataStart: number;
}

const NRRD_TYPES: Record<string, ScalarType> = {};
const alias = (t: ScalarType, names: string[]) => names.forEach((n) => (NRRD_TYPES[n] = t));
alias('int8', ['signed char', 'int8', 'int8_t']);
alias('uint8', ['uchar', 'unsigned char', 'uint8', 'uint8_t']);
alias('int16', ['short', 'short int', 'signed short', 'signed short int', 'int16', 'int16_t']);
alias('uint16', ['ushort', 'unsigned short', 'unsigned short int', 'uint16', 'uint16_t']);
alias('int32', ['int', 'signed int', 'int32', 'int32_t']);
alias('uint32', ['uint', 'unsigned int', 'uint32', 'uint32_t']);
alias('int64', ['longlong', 'long long', 'long long int', 'signed long long', 'signed long long int', 'int64', 'int64_t']);
alias('uint64', ['ulonglong', 'unsigned long long', 'unsigned long long int', 'uint64', 'uint64_t']);
alias('float32', ['float']);
alias('float64', ['double']);

/** Space names → sign of each world axis relative to LPS. */
const SPACE_TO_LPS: Record<string, [number, number, number]> = {
  'left-posterior-superior': [1, 1, 1], lps: [1, 1, 1],
  'right-anterior-superior': [-1, -1, 1], ras: [-1, -1, 1],
  'left-anterior-superior': [1, -1, 1], las: [1, -1, 1],
  // Scanner/3D-handed spaces carry no patient anatomy; keep the vectors as they are.
  'scanner-xyz': [1, 1, 1], '3d-right-handed': [1, 1, 1], '3d-left-handed': [1, 1, 1],
};

export function parseNrrdHeader(bytes: Uint8Array, path: string): NrrdHeader {
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (!/^NRRD000[1-5]$/.test(magic)) {
    throw new CorruptFileError(path, 'an NRRD file starting with "NRRD0001".."NRRD0005"', JSON.stringify(magic));
  }
  const fields: Record<string, string> = {};
  const keyValues: Record<string, string> = {};
  let pos = 0;
  let lineNo = 0;
  while (pos < bytes.length) {
    let end = bytes.indexOf(0x0a, pos);
    if (end < 0) end = bytes.length;
    let line = Buffer.from(bytes.subarray(pos, end)).toString('latin1');
    pos = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (lineNo++ === 0) continue;
    if (line === '') return { fields, keyValues, dataStart: pos };
    if (line.startsWith('#')) continue;
    const kv = line.indexOf(':=');
    const colon = line.indexOf(': ');
    if (kv >= 0 && (colon < 0 || kv < colon)) keyValues[line.slice(0, kv)] = line.slice(kv + 2);
    else if (colon >= 0) fields[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 2).trim();
    else throw new CorruptFileError(path, '"field: value" or "key:=value" header lines', JSON.stringify(line));
  }
  // A detached header (.nhdr) may end without a blank line.
  return { fields, keyValues, dataStart: bytes.length };
}

function parseVector(s: string): number[] | null {
  const t = s.trim();
  if (t === 'none') return null;
  return t.replace(/[()]/g, '').split(',').map(Number);
}

/** Splits "(a,b,c) (d,e,f) none" into vectors, keeping "none" for non-spatial axes. */
function parseVectors(s: string): Array<number[] | null> {
  return (s.match(/\([^)]*\)|none/g) ?? []).map(parseVector);
}

export interface NrrdArray {
  header: NrrdHeader;
  /** Every axis's size, fastest first. */
  sizes: number[];
  /** Indices (into sizes) of the three spatial axes. */
  spatialAxes: [number, number, number];
  data: Float32Array;
  geometry: Pick<Volume, 'spacing' | 'origin' | 'direction'>;
}

/** Reads header, geometry and all voxels (every axis) of an NRRD file. */
export function readNrrdArray(path: string): NrrdArray {
  const bytes = readFileBytes(path);
  const header = parseNrrdHeader(bytes, path);
  const f = header.fields;
  const type = NRRD_TYPES[(f.type ?? '').toLowerCase()];
  if (!type) {
    throw new UnsupportedDatatypeError(path, `NRRD type "${f.type ?? '(missing)'}"`, Object.keys(NRRD_TYPES).join(', '));
  }
  const dimension = Number(f.dimension);
  const sizes = (f.sizes ?? '').split(/\s+/).filter(Boolean).map(Number);
  if (!(dimension >= 1) || sizes.length !== dimension || sizes.some((s) => !(s >= 1) || !Number.isInteger(s))) {
    throw new CorruptFileError(path, `"sizes" with ${f.dimension ?? '?'} positive integers`, JSON.stringify(f.sizes ?? ''));
  }
  const { spatialAxes, geometry } = nrrdGeometry(f, sizes, path);
  const count = sizes.reduce((a, b) => a * b, 1);
  const { data: payload, offset } = nrrdPayload(bytes, header, path);
  const encoding = (f.encoding ?? 'raw').toLowerCase();
  let data: Float32Array;
  if (encoding === 'txt' || encoding === 'text' || encoding === 'ascii') {
    const text = Buffer.from(payload.subarray(offset)).toString('latin1').trim();
    const values = text.split(/[\s,]+/).filter(Boolean).map(Number);
    if (values.length < count) throw new CorruptFileError(path, `${count} ascii values`, `${values.length}`);
    data = Float32Array.from(values.slice(0, count));
  } else {
    let raw: Uint8Array;
    let skip = offset;
    if (encoding === 'raw') raw = payload;
    else if (encoding === 'gz' || encoding === 'gzip') {
      raw = gunzip(payload.subarray(offset), path);
      skip = Number(f['byte skip'] ?? 0);
    } else {
      throw new UnsupportedFormatError(path, `NRRD encoding "${encoding}"`, 'NRRD with raw, gzip or ascii encoding');
    }
    const size = count * BYTES_PER_SCALAR[type];
    // byte skip -1 (raw only): the data are the last bytes of the file.
    if (skip < 0) skip = raw.length - size;
    const little = (f.endian ?? 'little').toLowerCase() !== 'big';
    data = decodeScalars(raw, skip, count, type, little, path);
  }
  return { header, sizes, spatialAxes, data, geometry };
}

/** The detached data file a header names ("data file"), or undefined when the data are attached. */
function detachedSource(header: NrrdHeader, path: string): string | undefined {
  const detached = header.fields['data file'] ?? header.fields.datafile;
  if (!detached) return undefined;
  if (/^LIST$/i.test(detached) || /%/.test(detached)) {
    throw new UnsupportedFormatError(path, `a multi-file NRRD ("data file: ${detached}")`, 'one attached or detached data file');
  }
  return isAbsolute(detached) ? detached : join(dirname(path), detached);
}

/** The data file of a detached header (.nhdr), or undefined (attached data, or not readable as one). */
export function nhdrDataFile(path: string): string | undefined {
  try {
    return detachedSource(parseNrrdHeader(readFileBytes(path), path), path);
  } catch {
    return undefined; // reading the image reports what is wrong
  }
}

/** Attached data follow the header; detached data are in "data file" (skips applied). */
function nrrdPayload(bytes: Uint8Array, header: NrrdHeader, path: string): { data: Uint8Array; offset: number } {
  const f = header.fields;
  const detached = detachedSource(header, path);
  let data = bytes;
  let offset = header.dataStart;
  let source = path;
  if (detached) {
    source = detached;
    data = readFileBytes(source);
    offset = 0;
  }
  const lineSkip = Number(f['line skip'] ?? 0);
  for (let l = 0; l < lineSkip; l++) {
    const nl = data.indexOf(0x0a, offset);
    if (nl < 0) throw new CorruptFileError(source, `${lineSkip} lines to skip`, `${l}`);
    offset = nl + 1;
  }
  const encoding = (f.encoding ?? 'raw').toLowerCase();
  if (encoding === 'raw') {
    const byteSkip = Number(f['byte skip'] ?? 0);
    if (byteSkip < 0) return { data: data.subarray(offset), offset: -1 };
    offset += byteSkip;
  }
  if ((encoding === 'gz' || encoding === 'gzip') && !isGzip(data.subarray(offset))) {
    throw new CorruptFileError(source, 'gzip data (1f 8b) after the NRRD header', 'other bytes');
  }
  return { data, offset };
}

function nrrdGeometry(f: Record<string, string>, sizes: number[], path: string): { spatialAxes: [number, number, number]; geometry: NrrdArray['geometry'] } {
  const dims = sizes.length;
  const directions = f['space directions'] ? parseVectors(f['space directions']) : null;
  let spatial: number[];
  if (directions) {
    if (directions.length !== dims) {
      throw new CorruptFileError(path, `${dims} "space directions" entries (one per axis)`, `${directions.length}`);
    }
    spatial = directions.flatMap((d, i) => (d ? [i] : []));
  } else {
    const kinds = (f.kinds ?? '').split(/\s+/).filter(Boolean);
    spatial = sizes.map((_, i) => i).filter((i) => !kinds[i] || /domain|space/i.test(kinds[i]));
  }
  // 2D images get a unit third axis (a single slice).
  while (!directions && spatial.length < 3 && dims <= 2) spatial.push(-1 - spatial.length);
  if (spatial.length !== 3) {
    throw new UnsupportedLayoutError(path, 'three spatial axes', `${spatial.length} spatial axes in ${dims} dimensions`);
  }
  const spatialAxes = spatial as [number, number, number];
  if (directions) {
    const space = (f.space ?? 'left-posterior-superior').toLowerCase();
    const sign = SPACE_TO_LPS[space];
    if (!sign) throw new UnsupportedLayoutError(path, 'space RAS, LAS or LPS', `space "${f.space}"`);
    const cols = spatialAxes.map((a) => directions[a]!);
    if (cols.some((c) => c.length !== 3 || c.some((x) => !Number.isFinite(x)))) {
      throw new UnsupportedLayoutError(path, 'three 3-component space directions', f['space directions']);
    }
    const originRaw = f['space origin'] ? parseVector(f['space origin']) ?? [0, 0, 0] : [0, 0, 0];
    const affine: Affine3x4 = [0, 1, 2].flatMap((r) => [
      sign[r] * cols[0][r], sign[r] * cols[1][r], sign[r] * cols[2][r], sign[r] * originRaw[r],
    ]) as Affine3x4;
    const g = decomposeAffine(affine);
    if (g.sheared) throw new UnsupportedLayoutError(path, 'an orthogonal voxel grid', 'sheared space directions');
    return { spatialAxes, geometry: { spacing: g.spacing, origin: g.origin, direction: g.direction } };
  }
  const spacings = (f.spacings ?? '').split(/\s+/).filter(Boolean).map(Number);
  const spacing = spatialAxes.map((a) => (a >= 0 && Number.isFinite(spacings[a]) && spacings[a] > 0 ? spacings[a] : 1)) as Volume['spacing'];
  return { spatialAxes, geometry: { spacing, origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] } };
}

/** Reads a scalar 3D NRRD (a list axis of size 1 is dropped) as a Float32 volume in LPS. */
export function readNrrd(path: string): ImageVolume {
  const a = readNrrdArray(path);
  const extra = a.sizes.filter((_, i) => !a.spatialAxes.includes(i));
  if (extra.some((s) => s > 1)) {
    throw new UnsupportedLayoutError(path, 'a single 3D scalar volume', `an extra non-spatial axis of size ${extra.join('×')} (vector or multi-layer image)`);
  }
  const dims = a.spatialAxes.map((ax) => (ax >= 0 ? a.sizes[ax] : 1)) as Volume['dims'];
  return { data: a.data, dims, ...a.geometry };
}
