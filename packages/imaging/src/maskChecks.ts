import { EmptyMaskError, NanVoxelsError, UnknownRoiError, UnsupportedDatatypeError } from './errors.js';
import type { ImageVolume, MaskVolume } from './volume.js';

export function maskVoxelCount(mask: MaskVolume): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) n++;
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
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] && !Number.isFinite(image.data[i])) bad++;
  if (bad) throw new NanVoxelsError(imagePath, bad, 'inside the mask');
}

/**
 * Binary mask from a label image: the voxels equal to `label`; without a label, the non-zero
 * voxels of a file that holds a single label value. Several labels without a choice, or
 * non-integer values (a probability map, an interpolated mask), are refused rather than guessed.
 */
export function labelToMask(labels: ImageVolume, path: string, label?: number): MaskVolume {
  const data = new Uint8Array(labels.data.length);
  const seen = new Set<number>();
  let fractional: number | undefined;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const v = labels.data[i];
    if (v === 0 || Number.isNaN(v)) continue;
    if (seen.size <= 32) seen.add(v);
    if (fractional === undefined && !Number.isInteger(v)) fractional = v;
    if (label === undefined || v === label) {
      data[i] = 1;
      n++;
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
