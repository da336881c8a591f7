import type { DirectionalAggregation } from '../textureContract.js';
import { aggregateDirectional, type DirectionalSource } from './aggregation.js';
import { countMatrixFromDense, mergeCountMatrices, type CountMatrix } from './countMatrix.js';
import * as f from './countFeatures.js';
import { DIRECTIONS_2D, DIRECTIONS_3D, type Direction } from './directions.js';
import type { FeatureDefinition } from '../featureDefinition.js';
import type { TextureFamily } from './featureTable.js';
import { offsetOf, slicesWithRoi, type RoiGrid } from './roiGrid.js';
import type { TextureFeatureFamily } from '../featureFamily.js';

/**
 * Grey level run length matrix (IBSI 1 §3.7, family TP0I): for one direction m, the number
 * of runs (maximal sequences of consecutive ROI voxels along m with the same grey level) of
 * grey level i and length j. N_v is the voxel count of the slice or volume scanned.
 */

/**
 * One pass over the ROI voxels of slice `z` (or the whole box when null): a voxel starts a
 * run when its predecessor along `dir` is outside the ROI or has another grey level; the run
 * is then walked forward. Every voxel is visited once as a start test and once inside a run.
 */
export function buildGlrlm(grid: RoiGrid, dir: Direction, z: number | null): CountMatrix {
  const ng = grid.nLevels;
  // Longest possible run: the longest line through the cropped box.
  const maxRun = Math.max(grid.nx, grid.ny, grid.nz) - 2 * grid.pad;
  const dense = new Float64Array(ng * maxRun);
  const step = offsetOf(grid, dir[0], dir[1], dir[2]);
  const { levels, roi } = grid;
  const from = z === null ? 0 : grid.sliceStart[z];
  const to = z === null ? roi.length : grid.sliceStart[z + 1];
  countRuns(dense, levels, roi, from, to, step, maxRun);
  return countMatrixFromDense(dense, ng, maxRun, to - from);
}

/** The run counts, in a function of its own so no code follows the loop (see countPairs in glcm.ts). */
function countRuns(dense: Float64Array, levels: Int32Array, roi: Int32Array, from: number, to: number, step: number, maxRun: number): void {
  for (let k = from; k < to; k++) {
    const p = roi[k];
    const g = levels[p];
    if (levels[p - step] === g) continue; // not the first voxel of its run
    let length = 1;
    for (let q = p + step; levels[q] === g; q += step) length++;
    dense[(g - 1) * maxRun + (length - 1)] += 1;
  }
}

/** The 16 GLRLM features of IBSI 1 §3.7 (formulas in countFeatures.ts). */
export const GLRLM_FEATURES: readonly FeatureDefinition<f.CountCoefficients>[] = [
  { tag: 'rlm_sre', code: '22OV', name: 'Short runs emphasis', compute: f.lowColumnEmphasis },
  { tag: 'rlm_lre', code: 'W4KF', name: 'Long runs emphasis', compute: f.highColumnEmphasis },
  { tag: 'rlm_lgre', code: 'V3SW', name: 'Low grey level run emphasis', compute: f.lowLevelEmphasis },
  { tag: 'rlm_hgre', code: 'G3QZ', name: 'High grey level run emphasis', compute: f.highLevelEmphasis },
  { tag: 'rlm_srlge', code: 'HTZT', name: 'Short run low grey level emphasis', compute: f.lowColumnLowLevelEmphasis },
  { tag: 'rlm_srhge', code: 'GD3A', name: 'Short run high grey level emphasis', compute: f.lowColumnHighLevelEmphasis },
  { tag: 'rlm_lrlge', code: 'IVPO', name: 'Long run low grey level emphasis', compute: f.highColumnLowLevelEmphasis },
  { tag: 'rlm_lrhge', code: '3KUM', name: 'Long run high grey level emphasis', compute: f.highColumnHighLevelEmphasis },
  { tag: 'rlm_glnu', code: 'R5YN', name: 'Grey level non-uniformity', compute: f.levelNonUniformity },
  { tag: 'rlm_glnu_norm', code: 'OVBL', name: 'Normalised grey level non-uniformity', compute: f.levelNonUniformityNormalised },
  { tag: 'rlm_rlnu', code: 'W92Y', name: 'Run length non-uniformity', compute: f.columnNonUniformity },
  { tag: 'rlm_rlnu_norm', code: 'IC23', name: 'Normalised run length non-uniformity', compute: f.columnNonUniformityNormalised },
  { tag: 'rlm_r_perc', code: '9ZK5', name: 'Run percentage', compute: f.countPercentage },
  { tag: 'rlm_gl_var', code: '8CE5', name: 'Grey level variance', compute: f.levelVariance },
  { tag: 'rlm_rl_var', code: 'SXLW', name: 'Run length variance', compute: f.columnVariance },
  { tag: 'rlm_rl_entr', code: 'HJ9O', name: 'Run entropy', compute: f.countEntropy },
];

export const glrlmFamily: TextureFamily<CountMatrix, f.CountCoefficients> = {
  coefficients: f.countCoefficients,
  merge: mergeCountMatrices,
  features: GLRLM_FEATURES,
};

/** GLRLM features for the requested aggregations, keyed by IBSI tag (e.g. `rlm_sre_3D_comb`). */
export function glrlmFeatures(grid: RoiGrid, aggregations: readonly DirectionalAggregation[]): Record<string, number> {
  const source: DirectionalSource<CountMatrix> = {
    slices: slicesWithRoi(grid),
    inPlane: (d, z) => buildGlrlm(grid, DIRECTIONS_2D[d], z),
    volume: (d) => buildGlrlm(grid, DIRECTIONS_3D[d], null),
  };
  return aggregateDirectional(glrlmFamily, source, aggregations);
}

/** The GLRLM family (IBSI 1 §3.7, TP0I) for the registry: its settings from the config, and its aggregations. */
export const GLRLM_FAMILY: TextureFeatureFamily<'glrlm', f.CountCoefficients> = {
  kind: 'texture',
  name: 'glrlm',
  ibsiCode: 'TP0I',
  features: GLRLM_FEATURES,
  settings: ({ texture: { glrlm } }) => ({ aggregations: glrlm.aggregations }),
  compute: (grid, _zones, s) => glrlmFeatures(grid, s.aggregations),
};
