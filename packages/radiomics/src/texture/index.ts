import type { TextureInput, TextureSettings } from '../textureContract.js';
import { TextureInputError } from './errors.js';
import { gldzmFeatures } from './gldzm.js';
import { glcmFeatures } from './glcm.js';
import { glrlmFeatures } from './glrlm.js';
import { glszmFeatures } from './glszm.js';
import { ngldmFeatures } from './ngldm.js';
import { ngtdmFeatures } from './ngtdm.js';
import { buildRoiGrid } from './roiGrid.js';
import { lazyZoneLabellings } from './zones.js';

export { TextureInputError } from './errors.js';
export { GLCM_FEATURES } from './glcmFeatures.js';
export { GLRLM_FEATURES } from './glrlm.js';
export { GLSZM_FEATURES } from './glszm.js';
export { GLDZM_FEATURES } from './gldzm.js';
export { NGTDM_FEATURES } from './ngtdm.js';
export { NGLDM_FEATURES } from './ngldm.js';


/**
 * Every enabled texture family (IBSI 1 §3.6–§3.11) in every enabled aggregation, keyed by the
 * IBSI tags of reference_values.csv (e.g. `cm_joint_max_3D_comb`, `szm_sze_2D`). The ROI is
 * copied once into a padded grid shared by all families; GLSZM and GLDZM share one zone
 * labelling per dimensionality.
 */
export function computeTextureFeatures(input: TextureInput, settings: TextureSettings): Record<string, number> {
  const glcmDistance = checkedDistance('glcm.distance', settings.glcm?.distance);
  const ngtdmDistance = checkedDistance('ngtdm.distance', settings.ngtdm?.distance);
  const ngldmDistance = checkedDistance('ngldm.distance', settings.ngldm?.distance);
  const coarseness = settings.ngldm?.coarseness ?? 0;
  if (!(Number.isFinite(coarseness) && coarseness >= 0)) {
    throw new TextureInputError('ngldm.coarseness', 'a non-negative number (IBSI alpha, usually 0)', String(coarseness));
  }
  const anyFamily = settings.glcm || settings.glrlm || settings.glszm || settings.gldzm || settings.ngtdm || settings.ngldm;
  if (!anyFamily) return {};

  // Padding covers the largest reach of any neighbourhood or co-occurrence offset.
  const grid = buildRoiGrid(input, Math.max(1, glcmDistance, ngtdmDistance, ngldmDistance));
  const zones = lazyZoneLabellings(grid);
  const out: Record<string, number> = {};
  if (settings.glcm) Object.assign(out, glcmFeatures(grid, settings.glcm.aggregations, glcmDistance));
  if (settings.glrlm) Object.assign(out, glrlmFeatures(grid, settings.glrlm.aggregations));
  if (settings.glszm) Object.assign(out, glszmFeatures(grid, zones, settings.glszm.aggregations));
  if (settings.gldzm) Object.assign(out, gldzmFeatures(grid, zones, settings.gldzm.aggregations));
  if (settings.ngtdm) Object.assign(out, ngtdmFeatures(grid, settings.ngtdm.aggregations, ngtdmDistance));
  if (settings.ngldm) Object.assign(out, ngldmFeatures(grid, settings.ngldm.aggregations, ngldmDistance, coarseness));
  return out;
}

/** A Chebyshev distance δ: a positive integer, 1 when the family is absent or leaves it out. */
function checkedDistance(field: string, value: number | undefined): number {
  const d = value ?? 1;
  if (!(Number.isInteger(d) && d >= 1)) throw new TextureInputError(field, 'a positive integer Chebyshev distance', String(value));
  return d;
}
