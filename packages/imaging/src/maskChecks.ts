import { EmptyMaskError, NanVoxelsError, UnknownRoiError, UnsupportedDatatypeError } from './errors.js';
import type { ImageVolume, MaskVolume, Volume, VoxelData } from './volume.js';

/**
 * Calls `visit(i)` for every non-zero byte of `bytes`, in increasing order. A mask is mostly
 * zeros (50,000 of 4 million voxels in a CT), so whole 32-bit words are tested first: the scan
 * of a full-size mask then costs about a quarter of a byte loop.
 */
export function forEachNonZeroByte(bytes: Uint8Array, visit: (i: number) => void): void {
  const n = bytes.length;
  let start = 0;
  if (bytes.byteOffset % 4 === 0 && n >= 4) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, n >> 2);
    for (let w = 0; w < words.length; w++) {
      if (words[w] === 0) continue;
      for (let i = 4 * w; i < 4 * w + 4; i++) if (bytes[i] !== 0) visit(i);
    }
    start = 4 * words.length;
  }
  for (let i = start; i < n; i++) if (bytes[i] !== 0) visit(i);
}

export function maskVoxelCount(mask: MaskVolume): number {
  let n = 0;
  forEachNonZeroByte(mask.data, () => { n++; });
  return n;
}

export function assertMaskNotEmpty(mask: MaskVolume, path: string, what = 'at least one mask voxel'): number {
  const n = maskVoxelCount(mask);
  if (n === 0) throw new EmptyMaskError(path, what);
  return n;
}

/** Features of a ROI with NaN / ±Inf intensities are meaningless: refuse them, counting how many. */
export function assertFiniteInMask(image: ImageVolume, mask: MaskVolume, imagePath: string): void {
  let bad = 0;
  const values = image.data;
  forEachNonZeroByte(mask.data, (i) => { if (!Number.isFinite(values[i])) bad++; });
  if (bad) throw new NanVoxelsError(imagePath, bad, 'inside the mask');
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
  if (src instanceof Uint8Array) {
    // Raw uint8 labels (the usual mask file): skip the zero words.
    forEachNonZeroByte(src, take);
  } else {
    for (let i = 0; i < data.length; i++) {
      const v = src[i];
      if (v === 0 || Number.isNaN(v)) continue;
      take(i);
    }
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
