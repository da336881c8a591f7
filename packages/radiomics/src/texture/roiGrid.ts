import type { TextureInput } from '../textureContract.js';
import { TextureInputError } from './errors.js';

/**
 * The discretised ROI copied once into a zero-padded grid, so that every neighbour lookup
 * of every family is a plain index offset with no bounds test: a voxel outside the cropped
 * box (or outside the ROI) reads grey level 0. Built once per case and shared by all six
 * families.
 */
export interface RoiGrid {
  /** Padded dimensions. */
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
  /** Padding width on every side (voxels). */
  readonly pad: number;
  /** Grey level 1..nLevels inside the intensity mask, 0 elsewhere (padded grid). */
  readonly levels: Int32Array;
  /** 1 inside the morphological mask, 0 elsewhere (padded grid); used for GLDZM border distance. */
  readonly morph: Uint8Array;
  /** Padded indices of intensity-mask voxels, in increasing order (so slice by slice). */
  readonly roi: Int32Array;
  /** roi[sliceStart[z] .. sliceStart[z+1]) are the ROI voxels of slice z (z of the unpadded box). */
  readonly sliceStart: Int32Array;
  /** Number of unpadded slices. */
  readonly nSlices: number;
  readonly nLevels: number;
}

/** Padded index offset of the displacement (dx, dy, dz). */
export function offsetOf(grid: RoiGrid, dx: number, dy: number, dz: number): number {
  return dx + grid.nx * (dy + grid.ny * dz);
}

/**
 * Copy the input into a grid padded by `pad` voxels (at least the largest neighbourhood or
 * co-occurrence distance in use), checking the hand-over contract on the way.
 */
export function buildRoiGrid(input: TextureInput, pad: number): RoiGrid {
  const [bx, by, bz] = input.dims;
  const n = bx * by * bz;
  if (!(bx > 0 && by > 0 && bz > 0)) throw new TextureInputError('dims', 'three positive sizes', JSON.stringify(input.dims));
  if (input.levels.length !== n) throw new TextureInputError('levels', `${n} voxels (dims ${bx}x${by}x${bz})`, `${input.levels.length}`);
  if (input.mask.length !== n) throw new TextureInputError('mask', `${n} voxels (dims ${bx}x${by}x${bz})`, `${input.mask.length}`);
  const morphIn = input.morphologicalMask ?? input.mask;
  if (morphIn.length !== n) throw new TextureInputError('morphologicalMask', `${n} voxels`, `${morphIn.length}`);
  const ng = input.nLevels;
  if (!(Number.isInteger(ng) && ng >= 1)) throw new TextureInputError('nLevels', 'a positive integer', String(ng));

  const nx = bx + 2 * pad;
  const ny = by + 2 * pad;
  const nz = bz + 2 * pad;
  const levels = new Int32Array(nx * ny * nz);
  const morph = new Uint8Array(nx * ny * nz);
  const roiTmp = new Int32Array(n);
  const sliceStart = new Int32Array(bz + 1);
  let count = 0;
  let src = 0;
  for (let z = 0; z < bz; z++) {
    sliceStart[z] = count;
    for (let y = 0; y < by; y++) {
      let dst = pad + nx * (y + pad + ny * (z + pad));
      for (let x = 0; x < bx; x++, src++, dst++) {
        // The intensity mask is a subset of the morphological one by construction (re-segmentation
        // only removes voxels); OR-ing keeps every zone at border distance >= 1 even if not.
        if (morphIn[src] !== 0 || input.mask[src] !== 0) morph[dst] = 1;
        if (input.mask[src] === 0) continue;
        const g = input.levels[src];
        if (!(g >= 1 && g <= ng)) {
          throw new TextureInputError('levels', `grey levels 1..${ng} inside the mask`, `${g} at voxel (${x}, ${y}, ${z}) of the cropped ROI box`);
        }
        levels[dst] = g;
        roiTmp[count++] = dst;
      }
    }
  }
  sliceStart[bz] = count;
  if (count === 0) throw new TextureInputError('mask', 'at least one ROI voxel', 'an empty mask');
  return { nx, ny, nz, pad, levels, morph, roi: roiTmp.slice(0, count), sliceStart, nSlices: bz, nLevels: ng };
}

/** z of every slice of the cropped box that holds at least one ROI voxel. */
export function slicesWithRoi(grid: RoiGrid): number[] {
  const out: number[] = [];
  for (let z = 0; z < grid.nSlices; z++) if (grid.sliceStart[z + 1] > grid.sliceStart[z]) out.push(z);
  return out;
}

/** Slice (z of the cropped box) of a padded index. */
export function sliceOf(grid: RoiGrid, p: number): number {
  return Math.floor(p / (grid.nx * grid.ny)) - grid.pad;
}
