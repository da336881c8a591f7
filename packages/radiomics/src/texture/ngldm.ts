import type { ZoneAggregation } from '../textureContract.js';
import { aggregateBySlice } from './aggregation.js';
import { countMatrixFromDense, mergeCountMatrices, type CountMatrix } from './countMatrix.js';
import * as f from './countFeatures.js';
import { chebyshevNeighbourhood } from './directions.js';
import type { FeatureDefinition } from '../featureDefinition.js';
import type { TextureFamily } from './featureTable.js';
import { offsetOf, slicesWithRoi, type RoiGrid } from './roiGrid.js';
import type { TextureFeatureFamily } from '../featureFamily.js';

/**
 * Neighbouring grey level dependence matrix (IBSI 1 §3.11, family REK0). For each ROI voxel k
 * with grey level i, the dependence j_k = 1 + number of ROI voxels within Chebyshev distance δ
 * (in 2D within the slice) whose grey level differs from i by at most the coarseness α.
 * Neighbours outside the ROI do not count, and every ROI voxel contributes (so N_s = N_v).
 */

/**
 * One pass over the ROI: with `planar`, one matrix per slice of the cropped box, otherwise
 * one 3D matrix (the only element).
 */
export function buildNgldm(grid: RoiGrid, distance: number, coarseness: number, planar: boolean): CountMatrix[] {
  const ng = grid.nLevels;
  const offsets = Int32Array.from(chebyshevNeighbourhood(distance, planar), ([dx, dy, dz]) => offsetOf(grid, dx, dy, dz));
  const maxDependence = offsets.length + 1;
  const block = ng * maxDependence;
  const nMatrices = planar ? grid.nSlices : 1;
  const dense = new Float64Array(nMatrices * block);
  const { levels, roi } = grid;
  for (let z = 0; z < grid.nSlices; z++) {
    countDependences(dense, levels, roi, offsets, grid.sliceStart[z], grid.sliceStart[z + 1], planar ? z * block : 0, maxDependence, coarseness);
  }
  const out: CountMatrix[] = [];
  for (let m = 0; m < nMatrices; m++) {
    const nVoxels = planar ? grid.sliceStart[m + 1] - grid.sliceStart[m] : roi.length;
    out.push(countMatrixFromDense(dense, ng, maxDependence, nVoxels, m * block));
  }
  return out;
}

/**
 * Dependence counts of ROI voxels from..to into dense[base + …]. The voxel loop is a function of
 * its own with nothing after it: compiled on-stack inside buildNgldm it deoptimised at the
 * matrix code that follows, in every case of a cohort.
 */
function countDependences(
  dense: Float64Array, levels: Int32Array, roi: Int32Array, offsets: Int32Array, from: number, to: number, base: number, maxDependence: number, coarseness: number,
): void {
  for (let k = from; k < to; k++) {
    const p = roi[k];
    const i = levels[p];
    let j = 1;
    for (let o = 0; o < offsets.length; o++) {
      const g = levels[p + offsets[o]];
      if (g !== 0 && Math.abs(g - i) <= coarseness) j++;
    }
    dense[base + (i - 1) * maxDependence + (j - 1)] += 1;
  }
}

/** The 17 NGLDM features of IBSI 1 §3.11 (formulas in countFeatures.ts). */
export const NGLDM_FEATURES: readonly FeatureDefinition<f.CountCoefficients>[] = [
  { tag: 'ngl_lde', code: 'SODN', name: 'Low dependence emphasis', compute: f.lowColumnEmphasis },
  { tag: 'ngl_hde', code: 'IMOQ', name: 'High dependence emphasis', compute: f.highColumnEmphasis },
  { tag: 'ngl_lgce', code: 'TL9H', name: 'Low grey level count emphasis', compute: f.lowLevelEmphasis },
  { tag: 'ngl_hgce', code: 'OAE7', name: 'High grey level count emphasis', compute: f.highLevelEmphasis },
  { tag: 'ngl_ldlge', code: 'EQ3F', name: 'Low dependence low grey level emphasis', compute: f.lowColumnLowLevelEmphasis },
  { tag: 'ngl_ldhge', code: 'JA6D', name: 'Low dependence high grey level emphasis', compute: f.lowColumnHighLevelEmphasis },
  { tag: 'ngl_hdlge', code: 'NBZI', name: 'High dependence low grey level emphasis', compute: f.highColumnLowLevelEmphasis },
  { tag: 'ngl_hdhge', code: '9QMG', name: 'High dependence high grey level emphasis', compute: f.highColumnHighLevelEmphasis },
  { tag: 'ngl_glnu', code: 'FP8K', name: 'Grey level non-uniformity', compute: f.levelNonUniformity },
  { tag: 'ngl_glnu_norm', code: '5SPA', name: 'Normalised grey level non-uniformity', compute: f.levelNonUniformityNormalised },
  { tag: 'ngl_dcnu', code: 'Z87G', name: 'Dependence count non-uniformity', compute: f.columnNonUniformity },
  { tag: 'ngl_dcnu_norm', code: 'OKJI', name: 'Normalised dependence count non-uniformity', compute: f.columnNonUniformityNormalised },
  { tag: 'ngl_dc_perc', code: '6XV8', name: 'Dependence count percentage', compute: f.countPercentage },
  { tag: 'ngl_gl_var', code: '1PFV', name: 'Grey level variance', compute: f.levelVariance },
  { tag: 'ngl_dc_var', code: 'DNX2', name: 'Dependence count variance', compute: f.columnVariance },
  { tag: 'ngl_dc_entr', code: 'FCBV', name: 'Dependence count entropy', compute: f.countEntropy },
  { tag: 'ngl_dc_energy', code: 'CAS9', name: 'Dependence count energy', compute: f.countEnergy },
];

export const ngldmFamily: TextureFamily<CountMatrix, f.CountCoefficients> = {
  coefficients: f.countCoefficients,
  merge: mergeCountMatrices,
  features: NGLDM_FEATURES,
};

/** NGLDM features for the requested aggregations, keyed by IBSI tag (e.g. `ngl_lde_2_5D`). */
export function ngldmFeatures(grid: RoiGrid, aggregations: readonly ZoneAggregation[], distance: number, coarseness: number): Record<string, number> {
  return aggregateBySlice(ngldmFamily, {
    perSlice: () => {
      const all = buildNgldm(grid, distance, coarseness, true);
      return slicesWithRoi(grid).map((z) => all[z]);
    },
    volume: () => buildNgldm(grid, distance, coarseness, false)[0],
  }, aggregations);
}

/** The NGLDM family (IBSI 1 §3.11, REK0) for the registry: its settings from the config, and its aggregations. */
export const NGLDM_FAMILY: TextureFeatureFamily<'ngldm', f.CountCoefficients> = {
  kind: 'texture',
  name: 'ngldm',
  ibsiCode: 'REK0',
  features: NGLDM_FEATURES,
  settings: ({ texture: { ngldm } }) => ({ aggregations: ngldm.aggregations, distance: ngldm.distance, coarseness: ngldm.coarseness }),
  compute: (grid, _zones, s) => ngldmFeatures(grid, s.aggregations, s.distance, s.coarseness),
};
