import { worldToIndex } from './affine.js';
import { GridMismatchError } from './errors.js';
import type { MaskVolume, Volume } from './volume.js';

/**
 * Tolerances for "the same grid". NIfTI stores geometry as float32 and DICOM as decimal strings,
 * so a mask exported from the image's grid can differ by ~1e-5 mm; a real mismatch is at least
 * a voxel fraction. Origins must agree to 1% of a voxel, spacings to 1e-4 relative (0.05 mm over
 * 512 voxels of 1 mm), axis cosines to 1e-4.
 */
export const GRID_TOLERANCE = { originVoxels: 0.01, spacingRelative: 1e-4, direction: 1e-4 } as const;

type Grid = Pick<Volume, 'dims' | 'spacing' | 'origin' | 'direction'>;

/** Which parts of two grids differ (empty when they are the same grid). */
export function gridDifferences(a: Grid, b: Grid): string[] {
  const out: string[] = [];
  if (a.dims.some((d, i) => d !== b.dims[i])) out.push('dimensions');
  if (a.spacing.some((s, i) => Math.abs(s - b.spacing[i]) > GRID_TOLERANCE.spacingRelative * s)) out.push('spacing');
  const minSpacing = Math.min(...a.spacing);
  if (Math.hypot(a.origin[0] - b.origin[0], a.origin[1] - b.origin[1], a.origin[2] - b.origin[2]) > GRID_TOLERANCE.originVoxels * minSpacing) out.push('origin');
  if (a.direction.some((d, i) => Math.abs(d - b.direction[i]) > GRID_TOLERANCE.direction)) out.push('direction');
  return out;
}

/** Throws a GridMismatchError stating both geometries unless mask and image share one grid. */
export function assertSameGrid(image: Grid, mask: Grid, paths: { imagePath: string; maskPath: string }): void {
  const diff = gridDifferences(image, mask);
  if (diff.length) throw new GridMismatchError(paths.imagePath, paths.maskPath, image, mask, diff.join(', '));
}

/**
 * Places a mask on the image grid. Besides the identical grid, accepts a mask on the same lattice
 * but a different extent (same spacing and axes, origin a whole number of voxels away), as 3D
 * Slicer writes segmentations cropped to their content; voxels beyond the image are dropped and
 * counted. Any other geometry is a GridMismatchError.
 */
export function placeOnGrid(mask: MaskVolume, image: Grid, paths: { imagePath: string; maskPath: string }): { mask: MaskVolume; dropped: number } {
  const diff = gridDifferences(image, mask);
  if (diff.length === 0) return { mask, dropped: 0 };
  const lattice = diff.filter((d) => d !== 'dimensions' && d !== 'origin');
  const shift = worldToIndex(image, mask.origin);
  const integral = shift.every((x) => Math.abs(x - Math.round(x)) <= GRID_TOLERANCE.originVoxels);
  if (lattice.length || !integral) {
    throw new GridMismatchError(paths.imagePath, paths.maskPath, image, mask, diff.join(', '));
  }
  const [ox, oy, oz] = shift.map(Math.round);
  const [nx, ny, nz] = image.dims;
  const [mx, my, mz] = mask.dims;
  const data = new Uint8Array(nx * ny * nz);
  let dropped = 0;
  for (let k = 0; k < mz; k++)
    for (let j = 0; j < my; j++)
      for (let i = 0; i < mx; i++) {
        if (!mask.data[i + mx * (j + my * k)]) continue;
        const x = i + ox;
        const y = j + oy;
        const z = k + oz;
        if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) dropped++;
        else data[x + nx * (y + ny * z)] = 1;
      }
  return {
    mask: { data, dims: [...image.dims], spacing: [...image.spacing], origin: [...image.origin], direction: [...image.direction] },
    dropped,
  };
}
