import type { MaskVolume } from '@fedrad/imaging';

/** The six face neighbours (6-connectivity) of a voxel, as index offsets. */
function faceNeighbours(i: number, j: number, k: number): Array<[number, number, number]> {
  return [[i - 1, j, k], [i + 1, j, k], [i, j - 1, k], [i, j + 1, k], [i, j, k - 1], [i, j, k + 1]];
}

/**
 * One step of binary morphology with the 6-connected cross (Serra 1982): dilation sets every
 * voxel with an ROI face neighbour; erosion clears every ROI voxel with a background face
 * neighbour (beyond the grid counts as background).
 */
function step(mask: MaskVolume, grow: boolean): MaskVolume {
  const [nx, ny, nz] = mask.dims;
  const at = (i: number, j: number, k: number) => (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz ? 0 : mask.data[i + nx * (j + ny * k)]);
  const data = new Uint8Array(mask.data.length);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const inside = at(i, j, k) !== 0;
        const neighbours = faceNeighbours(i, j, k).map(([a, b, c]) => at(a, b, c) !== 0);
        data[i + nx * (j + ny * k)] = grow ? (inside || neighbours.some(Boolean) ? 1 : 0) : (inside && neighbours.every(Boolean) ? 1 : 0);
      }
    }
  }
  return { ...mask, data };
}

/** The ROI grown by `voxels` steps of 6-connected dilation (Zwanenburg 2019's volume adaptation, growing). */
export function dilateMask(mask: MaskVolume, voxels: number): MaskVolume {
  let out = mask;
  for (let s = 0; s < voxels; s++) out = step(out, true);
  return out;
}

/** The ROI shrunk by `voxels` steps of 6-connected erosion. */
export function erodeMask(mask: MaskVolume, voxels: number): MaskVolume {
  let out = mask;
  for (let s = 0; s < voxels; s++) out = step(out, false);
  return out;
}
