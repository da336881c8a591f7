import { EmptyMaskError, NanVoxelsError, UnknownRoiError, UnsupportedDatatypeError } from './errors.js';
import type { ImageVolume, MaskVolume, Volume, VoxelData } from './volume.js';

/**
 * Whole-mask scans in chunks of CHUNK words, each a small function called a thousand times per
 * image: V8 optimises it within the first slices. One loop over four million voxels in one call
 * ran unoptimised until compiled on-stack, and a shared scan taking a callback changed callee on
 * every call (count, check, copy) and was thrown away each time.
 */
const CHUNK = 1024;

export function maskVoxelCount(mask: MaskVolume): number {
  const bytes = mask.data;
  const words = wordView(bytes);
  let n = 0;
  for (let w = 0; w < words.length; w += CHUNK) n += countChunk(bytes, words, w, Math.min(words.length, w + CHUNK));
  for (let i = 4 * words.length; i < bytes.length; i++) if (bytes[i] !== 0) n++;
  return n;
}

/** The mask's bytes as whole 32-bit words where alignment allows (empty otherwise: bytes are then scanned one by one). */
function wordView(bytes: Uint8Array): Uint32Array {
  return bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2) : new Uint32Array(0);
}

function countChunk(bytes: Uint8Array, words: Uint32Array, w0: number, w1: number): number {
  let n = 0;
  for (let w = w0; w < w1; w++) {
    if (words[w] === 0) continue;
    for (let i = 4 * w; i < 4 * w + 4; i++) if (bytes[i] !== 0) n++;
  }
  return n;
}

function scanChunk(acc: Float64Array, values: ArrayLike<number>, bytes: Uint8Array, words: Uint32Array, w0: number, w1: number): void {
  let count = acc[0], bad = acc[1];
  for (let w = w0; w < w1; w++) {
    if (words[w] === 0) continue;
    for (let i = 4 * w; i < 4 * w + 4; i++) {
      if (bytes[i] === 0) continue;
      count++;
      if (!Number.isFinite(values[i])) bad++;
    }
  }
  acc[0] = count; acc[1] = bad;
}

export function assertMaskNotEmpty(mask: MaskVolume, path: string, what = 'at least one mask voxel'): number {
  const n = maskVoxelCount(mask);
  if (n === 0) throw new EmptyMaskError(path, what);
  return n;
}

/** Features of a ROI with NaN / ±Inf intensities are meaningless: refuse them, counting how many. */
export function assertFiniteInMask(image: ImageVolume, mask: MaskVolume, imagePath: string): void {
  const { nonFinite } = scanMaskedValues(image, mask);
  if (nonFinite) throw new NanVoxelsError(imagePath, nonFinite, 'inside the mask');
}

/**
 * The mask's voxel count and how many of its voxels hold NaN or ±Inf in the image, in one pass
 * (readMask needs both; two whole-mask scans cost twice as much in a process's first case).
 */
export function scanMaskedValues(image: ImageVolume, mask: MaskVolume): { count: number; nonFinite: number } {
  const bytes = mask.data, values = image.data;
  const words = wordView(bytes);
  const acc = new Float64Array(2); // [count, non-finite]
  for (let w = 0; w < words.length; w += CHUNK) scanChunk(acc, values, bytes, words, w, Math.min(words.length, w + CHUNK));
  for (let i = 4 * words.length; i < bytes.length; i++) {
    if (bytes[i] === 0) continue;
    acc[0]++;
    if (!Number.isFinite(values[i])) acc[1]++;
  }
  return { count: acc[0], nonFinite: acc[1] };
}

/** How far a stored mask value may sit from a whole number and still be read as that label. */
const LABEL_ROUNDING_TOLERANCE = 1e-3;

/**
 * Binary mask from a label image: the voxels equal to `label`; without a label, the non-zero
 * voxels of a file that holds a single label value. Several labels without a choice, or
 * non-integer values (a probability map, an interpolated mask), are refused rather than guessed.
 */
export function labelToMask(labels: Volume<VoxelData>, path: string, label?: number): MaskVolume {
  const src = labels.data;
  if (src instanceof Uint8Array) return byteLabelsToMask(labels as Volume<Uint8Array>, path, label);
  const data = new Uint8Array(src.length);
  const seen = new Set<number>();
  let fractional: number | undefined;
  let n = 0;
  const take = (i: number): void => {
    // IBSI 2.1 rounds mask values; a float mask written as 0.9999999 is label 1, while a
    // value far from any whole number (a probability map) is refused below.
    const stored = src[i];
    const v = Math.abs(stored - Math.round(stored)) < LABEL_ROUNDING_TOLERANCE ? Math.round(stored) : stored;
    if (v === 0) return;
    if (seen.size <= 32) seen.add(v);
    if (fractional === undefined && !Number.isInteger(v)) fractional = v;
    if (label === undefined || v === label) {
      data[i] = 1;
      n++;
    }
  };
  for (let i = 0; i < data.length; i++) {
    const v = src[i];
    if (v === 0 || Number.isNaN(v)) continue;
    take(i);
  }
  const present = [...seen].sort((a, b) => a - b);
  const list = present.slice(0, 32).join(', ') + (seen.size > 32 ? ', …' : '');
  if (label === undefined && fractional !== undefined) {
    throw new UnsupportedDatatypeError(path, `mask values that are not whole numbers (e.g. ${fractional})`,
      'integer label values (binarise probability or interpolated masks first)');
  }
  if (label === undefined && seen.size > 1) {
    throw new UnknownRoiError(path, 'one label (the mask holds several: choose one with a label value)', present.slice(0, 32).map((v) => `label ${v}`));
  }
  if (n === 0) {
    const found = present.length ? `no voxel with label ${label}; labels present: ${list}` : '0 non-zero voxels';
    throw new EmptyMaskError(path, label === undefined ? 'non-zero mask voxels' : `voxels with label ${label}`, found);
  }
  return { data, dims: [...labels.dims], spacing: [...labels.spacing], origin: [...labels.origin], direction: [...labels.direction] };
}

/**
 * labelToMask for raw uint8 labels, the usual mask file: a histogram of the byte values (zero
 * words skipped) answers which labels are present and how many voxels each has, and a 0/1 file
 * is copied as it is. No call per voxel: this runs on every case, four million voxels for a CT.
 */
function byteLabelsToMask(labels: Volume<Uint8Array>, path: string, label?: number): MaskVolume {
  const src = labels.data;
  const words = wordView(src);
  const counts = new Float64Array(256);
  for (let w = 0; w < words.length; w += CHUNK) histogramChunk(counts, src, words, w, Math.min(words.length, w + CHUNK));
  for (let i = 4 * words.length; i < src.length; i++) counts[src[i]]++;
  const present: number[] = [];
  for (let v = 1; v < 256; v++) if (counts[v] > 0) present.push(v);
  const list = present.slice(0, 32).join(', ') + (present.length > 32 ? ', …' : '');
  if (label === undefined && present.length > 1) {
    throw new UnknownRoiError(path, 'one label (the mask holds several: choose one with a label value)', present.slice(0, 32).map((v) => `label ${v}`));
  }
  const wanted = label ?? present[0];
  const n = Number.isInteger(wanted) && wanted > 0 && wanted < 256 ? counts[wanted] : 0;
  if (n === 0) {
    const found = present.length ? `no voxel with label ${label}; labels present: ${list}` : '0 non-zero voxels';
    throw new EmptyMaskError(path, label === undefined ? 'non-zero mask voxels' : `voxels with label ${label}`, found);
  }
  let data: Uint8Array;
  if (wanted === 1 && present.length === 1) data = src.slice(); // already 0/1
  else {
    data = new Uint8Array(src.length);
    for (let w = 0; w < words.length; w += CHUNK) selectChunk(data, src, words, w, Math.min(words.length, w + CHUNK), wanted);
    for (let i = 4 * words.length; i < src.length; i++) if (src[i] === wanted) data[i] = 1;
  }
  return { data, dims: [...labels.dims], spacing: [...labels.spacing], origin: [...labels.origin], direction: [...labels.direction] };
}

function histogramChunk(counts: Float64Array, bytes: Uint8Array, words: Uint32Array, w0: number, w1: number): void {
  for (let w = w0; w < w1; w++) {
    if (words[w] === 0) continue;
    for (let i = 4 * w; i < 4 * w + 4; i++) counts[bytes[i]]++;
  }
}

function selectChunk(out: Uint8Array, bytes: Uint8Array, words: Uint32Array, w0: number, w1: number, value: number): void {
  for (let w = w0; w < w1; w++) {
    if (words[w] === 0) continue;
    for (let i = 4 * w; i < 4 * w + 4; i++) if (bytes[i] === value) out[i] = 1;
  }
}
