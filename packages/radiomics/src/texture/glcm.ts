import type { DirectionalAggregation } from '../textureContract.js';
import { aggregateDirectional, type DirectionalSource } from './aggregation.js';
import { DIRECTIONS_2D, DIRECTIONS_3D, type Direction } from './directions.js';
import type { TextureFamily } from './featureTable.js';
import type { GlcmMatrix } from './glcmMatrix.js';
import { GLCM_FEATURES, glcmCoefficients, type GlcmCoefficients } from './glcmFeatures.js';
import { offsetOf, slicesWithRoi, type RoiGrid } from './roiGrid.js';
import type { TextureFeatureFamily } from '../featureFamily.js';

/**
 * One pass over the ROI voxels of slice `z` (or of the whole box when z is null) for
 * direction `dir` scaled by the Chebyshev distance.
 */
export function buildGlcm(grid: RoiGrid, dir: Direction, distance: number, z: number | null): GlcmMatrix {
  const ng = grid.nLevels;
  const counts = new Float64Array(ng * ng);
  const step = offsetOf(grid, dir[0] * distance, dir[1] * distance, dir[2] * distance);
  const { levels, roi } = grid;
  const from = z === null ? 0 : grid.sliceStart[z];
  const to = z === null ? roi.length : grid.sliceStart[z + 1];
  countPairs(counts, levels, roi, from, to, step, ng);
  return { nLevels: ng, counts };
}

/**
 * The symmetric pair counts of ROI voxels from..to with their neighbour at `step`. The loop lives
 * here rather than in buildGlcm: code compiled on-stack in the middle of a loop knows nothing of
 * what follows it, and buildGlcm's result object made that code deoptimise in every call.
 */
function countPairs(counts: Float64Array, levels: Int32Array, roi: Int32Array, from: number, to: number, step: number, ng: number): void {
  for (let k = from; k < to; k++) {
    const p = roi[k];
    const b = levels[p + step];
    if (b === 0) continue;
    const a = levels[p];
    counts[(a - 1) * ng + (b - 1)] += 1;
    counts[(b - 1) * ng + (a - 1)] += 1;
  }
}

export function mergeGlcm(matrices: readonly GlcmMatrix[]): GlcmMatrix {
  if (matrices.length === 1) return matrices[0];
  const counts = new Float64Array(matrices[0].counts.length);
  for (const m of matrices) for (let k = 0; k < counts.length; k++) counts[k] += m.counts[k];
  return { nLevels: matrices[0].nLevels, counts };
}

export const glcmFamily: TextureFamily<GlcmMatrix, GlcmCoefficients> = {
  coefficients: glcmCoefficients,
  merge: mergeGlcm,
  features: GLCM_FEATURES,
};

/** GLCM features for the requested aggregations, keyed by IBSI tag (e.g. `cm_joint_max_3D_comb`). */
export function glcmFeatures(grid: RoiGrid, aggregations: readonly DirectionalAggregation[], distance: number): Record<string, number> {
  const source: DirectionalSource<GlcmMatrix> = {
    slices: slicesWithRoi(grid),
    inPlane: (d, z) => buildGlcm(grid, DIRECTIONS_2D[d], distance, z),
    volume: (d) => buildGlcm(grid, DIRECTIONS_3D[d], distance, null),
  };
  return aggregateDirectional(glcmFamily, source, aggregations);
}

/** The GLCM family (IBSI 1 §3.6, LFYI) for the registry: its settings from the config, and its aggregations. */
export const GLCM_FAMILY: TextureFeatureFamily<'glcm', GlcmCoefficients> = {
  kind: 'texture',
  name: 'glcm',
  ibsiCode: 'LFYI',
  features: GLCM_FEATURES,
  settings: ({ texture: { glcm } }) => ({ aggregations: glcm.aggregations, distance: glcm.distance }),
  compute: (grid, _zones, s) => glcmFeatures(grid, s.aggregations, s.distance),
};
