import type { ZoneAggregation } from '../textureContract.js';
import { aggregateBySlice } from './aggregation.js';
import { borderDistance } from './borderDistance.js';
import { countMatrixFromPairs, mergeCountMatrices, type CountMatrix } from './countMatrix.js';
import * as f from './countFeatures.js';
import type { FeatureDefinition } from '../featureDefinition.js';
import type { TextureFamily } from './featureTable.js';
import { slicesWithRoi, type RoiGrid } from './roiGrid.js';
import { allZones, zonesBySlice, type ZoneLabellings, type Zones } from './zones.js';
import type { TextureFeatureFamily } from '../featureFamily.js';

/**
 * Grey level distance zone matrix (IBSI 1 §3.9, family VMDZ): number of zones of grey level i
 * whose distance to the ROI edge is j. Zones are those of the GLSZM (intensity mask, 8-/26-
 * connectivity); a zone's distance is the minimum over its voxels of the border distance
 * map, which IBSI computes on the morphological mask with 4-/6-connectivity (borderDistance.ts).
 */

/** Minimum border distance of each zone. */
export function zoneDistances(grid: RoiGrid, zones: Zones, planar: boolean): Int32Array {
  const distance = borderDistance(grid, planar);
  const out = new Int32Array(zones.count).fill(0x7fffffff);
  for (let k = 0; k < grid.roi.length; k++) {
    const z = zones.zoneOfRoi[k];
    const d = distance[grid.roi[k]];
    if (d < out[z]) out[z] = d;
  }
  return out;
}

/** GLDZM of the zones `picked`, describing `nVoxels` ROI voxels. */
export function buildGldzm(grid: RoiGrid, zones: Zones, distances: Int32Array, picked: Int32Array, nVoxels: number): CountMatrix {
  const levels = new Int32Array(picked.length);
  const columns = new Int32Array(picked.length);
  for (let k = 0; k < picked.length; k++) {
    levels[k] = zones.level[picked[k]];
    columns[k] = distances[picked[k]];
  }
  return countMatrixFromPairs(levels, columns, picked.length, grid.nLevels, nVoxels);
}

/** The 16 GLDZM features of IBSI 1 §3.9 (formulas in countFeatures.ts). */
export const GLDZM_FEATURES: readonly FeatureDefinition<f.CountCoefficients>[] = [
  { tag: 'dzm_sde', code: '0GBI', name: 'Small distance emphasis', compute: f.lowColumnEmphasis },
  { tag: 'dzm_lde', code: 'MB4I', name: 'Large distance emphasis', compute: f.highColumnEmphasis },
  { tag: 'dzm_lgze', code: 'S1RA', name: 'Low grey level zone emphasis', compute: f.lowLevelEmphasis },
  { tag: 'dzm_hgze', code: 'K26C', name: 'High grey level zone emphasis', compute: f.highLevelEmphasis },
  { tag: 'dzm_sdlge', code: 'RUVG', name: 'Small distance low grey level emphasis', compute: f.lowColumnLowLevelEmphasis },
  { tag: 'dzm_sdhge', code: 'DKNJ', name: 'Small distance high grey level emphasis', compute: f.lowColumnHighLevelEmphasis },
  { tag: 'dzm_ldlge', code: 'A7WM', name: 'Large distance low grey level emphasis', compute: f.highColumnLowLevelEmphasis },
  { tag: 'dzm_ldhge', code: 'KLTH', name: 'Large distance high grey level emphasis', compute: f.highColumnHighLevelEmphasis },
  { tag: 'dzm_glnu', code: 'VFT7', name: 'Grey level non-uniformity', compute: f.levelNonUniformity },
  { tag: 'dzm_glnu_norm', code: '7HP3', name: 'Normalised grey level non-uniformity', compute: f.levelNonUniformityNormalised },
  { tag: 'dzm_zdnu', code: 'V294', name: 'Zone distance non-uniformity', compute: f.columnNonUniformity },
  { tag: 'dzm_zdnu_norm', code: 'IATH', name: 'Normalised zone distance non-uniformity', compute: f.columnNonUniformityNormalised },
  { tag: 'dzm_z_perc', code: 'VIWW', name: 'Zone percentage', compute: f.countPercentage },
  { tag: 'dzm_gl_var', code: 'QK93', name: 'Grey level variance', compute: f.levelVariance },
  { tag: 'dzm_zd_var', code: '7WT1', name: 'Zone distance variance', compute: f.columnVariance },
  { tag: 'dzm_zd_entr', code: 'GBDU', name: 'Zone distance entropy', compute: f.countEntropy },
];

export const gldzmFamily: TextureFamily<CountMatrix, f.CountCoefficients> = {
  coefficients: f.countCoefficients,
  merge: mergeCountMatrices,
  features: GLDZM_FEATURES,
};

/** GLDZM features for the requested aggregations, keyed by IBSI tag (e.g. `dzm_sde_3D`). */
export function gldzmFeatures(grid: RoiGrid, zones: ZoneLabellings, aggregations: readonly ZoneAggregation[]): Record<string, number> {
  return aggregateBySlice(gldzmFamily, {
    perSlice: () => {
      const planar = zones.planar();
      const distances = zoneDistances(grid, planar, true);
      const bySlice = zonesBySlice(planar, grid.nSlices);
      return slicesWithRoi(grid).map((z) => buildGldzm(grid, planar, distances, bySlice[z], grid.sliceStart[z + 1] - grid.sliceStart[z]));
    },
    volume: () => {
      const volumetric = zones.volumetric();
      return buildGldzm(grid, volumetric, zoneDistances(grid, volumetric, false), allZones(volumetric), grid.roi.length);
    },
  }, aggregations);
}

/** The GLDZM family (IBSI 1 §3.9, VMDZ) for the registry: its settings from the config, and its aggregations. */
export const GLDZM_FAMILY: TextureFeatureFamily<'gldzm', f.CountCoefficients> = {
  kind: 'texture',
  name: 'gldzm',
  ibsiCode: 'VMDZ',
  features: GLDZM_FEATURES,
  settings: ({ texture: { gldzm } }) => ({ aggregations: gldzm.aggregations }),
  compute: (grid, zones, s) => gldzmFeatures(grid, zones, s.aggregations),
};
