import { offsetOf, type RoiGrid } from './roiGrid.js';

/**
 * Distance of each voxel to the ROI edge for the GLDZM (IBSI 1 §3.9): the number of
 * face-connected steps (6-connectivity in 3D, 4 within the slice in 2D) needed to leave the
 * morphological mask, 1 for a voxel touching the edge. Space outside the cropped box counts
 * as outside the ROI. IBSI describes it as repeated erosion of the mask, each erosion adding
 * 1 to the surviving voxels; a breadth-first search from the edge voxels yields the same map
 * in one pass instead of one pass per erosion.
 *
 * Returns the distance per padded voxel (0 outside the morphological mask).
 */
export function borderDistance(grid: RoiGrid, planar: boolean): Int32Array {
  const faces = planar
    ? [offsetOf(grid, 1, 0, 0), offsetOf(grid, -1, 0, 0), offsetOf(grid, 0, 1, 0), offsetOf(grid, 0, -1, 0)]
    : [offsetOf(grid, 1, 0, 0), offsetOf(grid, -1, 0, 0), offsetOf(grid, 0, 1, 0), offsetOf(grid, 0, -1, 0), offsetOf(grid, 0, 0, 1), offsetOf(grid, 0, 0, -1)];
  const { morph } = grid;
  const distance = new Int32Array(morph.length);
  const queue = new Int32Array(morph.length);
  let tail = 0;
  // Edge voxels (distance 1) seed the search. The padding (>= 1 voxel) is outside the mask,
  // so every neighbour index stays inside the array.
  for (let p = 0; p < morph.length; p++) {
    if (morph[p] === 0) continue;
    for (let f = 0; f < faces.length; f++) {
      if (morph[p + faces[f]] === 0) {
        distance[p] = 1;
        queue[tail++] = p;
        break;
      }
    }
  }
  for (let head = 0; head < tail; head++) {
    const p = queue[head];
    const next = distance[p] + 1;
    for (let f = 0; f < faces.length; f++) {
      const q = p + faces[f];
      if (morph[q] !== 0 && distance[q] === 0) {
        distance[q] = next;
        queue[tail++] = q;
      }
    }
  }
  return distance;
}
