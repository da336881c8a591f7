import { chebyshevNeighbourhood } from './directions.js';
import { offsetOf, sliceOf, type RoiGrid } from './roiGrid.js';

/**
 * Zones of the GLSZM and GLDZM (IBSI 1 §3.8, §3.9): maximal groups of ROI voxels with the same
 * grey level linked through 26-connectivity in 3D or 8-connectivity within a slice in 2D.
 * Labelling in 2D runs over all slices at once: 8-connected zones never cross a slice.
 */
export interface Zones {
  readonly count: number;
  /** Per zone (0..count-1): grey level, voxel count, slice of its voxels (2D) or of its first voxel (3D). */
  readonly level: Int32Array;
  readonly size: Int32Array;
  readonly slice: Int32Array;
  /** Zone index of each ROI voxel, in the order of grid.roi. */
  readonly zoneOfRoi: Int32Array;
}

/**
 * Flood fill with an explicit typed stack: no recursion, no per-voxel objects. A working copy
 * of the grey levels is cleared as voxels join a zone, so each neighbour test is a single load
 * ("same grey level and not yet in a zone").
 */
export function labelZones(grid: RoiGrid, planar: boolean): Zones {
  const offsets = Int32Array.from(chebyshevNeighbourhood(1, planar), ([dx, dy, dz]) => offsetOf(grid, dx, dy, dz));
  const { roi } = grid;
  const n = roi.length;
  const unvisited = grid.levels.slice();
  // Zone of each padded voxel, needed to map grid.roi order back to zones.
  const zoneOfVoxel = new Int32Array(unvisited.length);
  const level = new Int32Array(n);
  const size = new Int32Array(n);
  const seed = new Int32Array(n);
  const count = floodFillZones(roi, unvisited, offsets, zoneOfVoxel, level, size, seed, new Int32Array(n));
  const slice = new Int32Array(count);
  zoneSlices(grid, seed, slice);
  const zoneOfRoi = new Int32Array(n);
  gather(zoneOfVoxel, roi, zoneOfRoi);
  return { count, level: level.slice(0, count), size: size.slice(0, count), slice, zoneOfRoi };
}

/**
 * The flood fill itself: zone ids in seed order, with each zone's grey level, size and seed
 * voxel; returns the zone count. Its own function with nothing after the loop: compiled
 * on-stack inside labelZones it deoptimised at the code that follows, in every case of a cohort.
 */
function floodFillZones(
  roi: Int32Array, unvisited: Int32Array, offsets: Int32Array, zoneOfVoxel: Int32Array,
  level: Int32Array, size: Int32Array, seedOf: Int32Array, stack: Int32Array,
): number {
  const nOffsets = offsets.length;
  let count = 0;
  for (let k = 0; k < roi.length; k++) {
    const seed = roi[k];
    const g = unvisited[seed];
    if (g === 0) continue;
    const id = count++;
    unvisited[seed] = 0;
    zoneOfVoxel[seed] = id;
    let top = 0;
    stack[top++] = seed;
    let voxels = 0;
    while (top > 0) {
      const p = stack[--top];
      voxels++;
      for (let o = 0; o < nOffsets; o++) {
        const q = p + offsets[o];
        if (unvisited[q] === g) {
          unvisited[q] = 0;
          zoneOfVoxel[q] = id;
          stack[top++] = q;
        }
      }
    }
    level[id] = g;
    size[id] = voxels;
    seedOf[id] = seed;
  }
  return count;
}

/** The slice of each zone's seed voxel. */
function zoneSlices(grid: RoiGrid, seed: Int32Array, out: Int32Array): void {
  for (let id = 0; id < out.length; id++) out[id] = sliceOf(grid, seed[id]);
}

/** out[k] = values[index[k]]. */
function gather(values: Int32Array, index: Int32Array, out: Int32Array): void {
  for (let k = 0; k < index.length; k++) out[k] = values[index[k]];
}

/** Zone indices grouped by slice, in one pass (for the per-slice 2D matrices). */
export function zonesBySlice(zones: Zones, nSlices: number): Int32Array[] {
  const counts = new Int32Array(nSlices);
  for (let z = 0; z < zones.count; z++) counts[zones.slice[z]]++;
  const out = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(nSlices);
  for (let z = 0; z < zones.count; z++) {
    const s = zones.slice[z];
    out[s][fill[s]++] = z;
  }
  return out;
}

/** All zone indices 0..count-1 (the 3D matrix uses every zone). */
export function allZones(zones: Zones): Int32Array {
  return Int32Array.from({ length: zones.count }, (_, k) => k);
}

/** Zone labellings, computed at most once per case and shared by GLSZM and GLDZM. */
export interface ZoneLabellings {
  planar(): Zones;
  volumetric(): Zones;
}

export function lazyZoneLabellings(grid: RoiGrid): ZoneLabellings {
  let planar: Zones | null = null;
  let volumetric: Zones | null = null;
  return {
    planar: () => (planar ??= labelZones(grid, true)),
    volumetric: () => (volumetric ??= labelZones(grid, false)),
  };
}
