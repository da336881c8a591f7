import type { ZoneAggregation } from '../textureContract.js';
import { aggregateBySlice } from './aggregation.js';
import { countMatrixFromPairs, mergeCountMatrices, type CountMatrix } from './countMatrix.js';
import * as f from './countFeatures.js';
import type { FeatureDefinition } from '../featureDefinition.js';
import type { TextureFamily } from './featureTable.js';
import { slicesWithRoi, type RoiGrid } from './roiGrid.js';
import { allZones, zonesBySlice, type ZoneLabellings, type Zones } from './zones.js';
import type { TextureFeatureFamily } from '../featureFamily.js';

/**
 * Grey level size zone matrix (IBSI 1 §3.8, family 9SAK): number of zones of grey level i
 * and size j voxels. Built from the zone labelling shared with the GLDZM (zones.ts).
 */

/** GLSZM of the zones `picked`, describing `nVoxels` ROI voxels. */
export function buildGlszm(grid: RoiGrid, zones: Zones, picked: Int32Array, nVoxels: number): CountMatrix {
  const levels = new Int32Array(picked.length);
  const sizes = new Int32Array(picked.length);
  for (let k = 0; k < picked.length; k++) {
    levels[k] = zones.level[picked[k]];
    sizes[k] = zones.size[picked[k]];
  }
  return countMatrixFromPairs(levels, sizes, picked.length, grid.nLevels, nVoxels);
}

/** The 16 GLSZM features of IBSI 1 §3.8 (formulas in countFeatures.ts). */
export const GLSZM_FEATURES: readonly FeatureDefinition<f.CountCoefficients>[] = [
  { tag: 'szm_sze', code: '5QRC', name: 'Small zone emphasis', compute: f.lowColumnEmphasis },
  { tag: 'szm_lze', code: '48P8', name: 'Large zone emphasis', compute: f.highColumnEmphasis },
  { tag: 'szm_lgze', code: 'XMSY', name: 'Low grey level zone emphasis', compute: f.lowLevelEmphasis },
  { tag: 'szm_hgze', code: '5GN9', name: 'High grey level zone emphasis', compute: f.highLevelEmphasis },
  { tag: 'szm_szlge', code: '5RAI', name: 'Small zone low grey level emphasis', compute: f.lowColumnLowLevelEmphasis },
  { tag: 'szm_szhge', code: 'HW1V', name: 'Small zone high grey level emphasis', compute: f.lowColumnHighLevelEmphasis },
  { tag: 'szm_lzlge', code: 'YH51', name: 'Large zone low grey level emphasis', compute: f.highColumnLowLevelEmphasis },
  { tag: 'szm_lzhge', code: 'J17V', name: 'Large zone high grey level emphasis', compute: f.highColumnHighLevelEmphasis },
  { tag: 'szm_glnu', code: 'JNSA', name: 'Grey level non-uniformity', compute: f.levelNonUniformity },
  { tag: 'szm_glnu_norm', code: 'Y1RO', name: 'Normalised grey level non-uniformity', compute: f.levelNonUniformityNormalised },
  { tag: 'szm_zsnu', code: '4JP3', name: 'Zone size non-uniformity', compute: f.columnNonUniformity },
  { tag: 'szm_zsnu_norm', code: 'VB3A', name: 'Normalised zone size non-uniformity', compute: f.columnNonUniformityNormalised },
  { tag: 'szm_z_perc', code: 'P30P', name: 'Zone percentage', compute: f.countPercentage },
  { tag: 'szm_gl_var', code: 'BYLV', name: 'Grey level variance', compute: f.levelVariance },
  { tag: 'szm_zs_var', code: '3NSA', name: 'Zone size variance', compute: f.columnVariance },
  { tag: 'szm_zs_entr', code: 'GU8N', name: 'Zone size entropy', compute: f.countEntropy },
];

export const glszmFamily: TextureFamily<CountMatrix, f.CountCoefficients> = {
  coefficients: f.countCoefficients,
  merge: mergeCountMatrices,
  features: GLSZM_FEATURES,
};

/** GLSZM features for the requested aggregations, keyed by IBSI tag (e.g. `szm_sze_2D`). */
export function glszmFeatures(grid: RoiGrid, zones: ZoneLabellings, aggregations: readonly ZoneAggregation[]): Record<string, number> {
  return aggregateBySlice(glszmFamily, {
    perSlice: () => {
      const planar = zones.planar();
      const bySlice = zonesBySlice(planar, grid.nSlices);
      return slicesWithRoi(grid).map((z) => buildGlszm(grid, planar, bySlice[z], grid.sliceStart[z + 1] - grid.sliceStart[z]));
    },
    volume: () => {
      const volumetric = zones.volumetric();
      return buildGlszm(grid, volumetric, allZones(volumetric), grid.roi.length);
    },
  }, aggregations);
}

/** The GLSZM family (IBSI 1 §3.8, 9SAK) for the registry: its settings from the config, and its aggregations. */
export const GLSZM_FAMILY: TextureFeatureFamily<'glszm', f.CountCoefficients> = {
  kind: 'texture',
  name: 'glszm',
  ibsiCode: '9SAK',
  features: GLSZM_FEATURES,
  settings: ({ texture: { glszm } }) => ({ aggregations: glszm.aggregations }),
  compute: (grid, zones, s) => glszmFeatures(grid, zones, s.aggregations),
};
