import type { TextureInput, TextureSettings } from '../textureContract.js';
import { TextureInputError } from './errors.js';
import { buildRoiGrid } from './roiGrid.js';
import { TEXTURE_FEATURE_FAMILIES } from './textureFamilies.js';
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
 * IBSI tags of reference_values.csv (e.g. `cm_joint_max_3D_comb`, `szm_sze_2D`), walking the
 * texture families of the registry in order. The ROI is copied once into a padded grid shared by
 * all families; GLSZM and GLDZM share one zone labelling per dimensionality.
 */
export function computeTextureFeatures(input: TextureInput, settings: TextureSettings): Record<string, number> {
  const glcmDistance = checkedDistance('glcm.distance', settings.glcm?.distance);
  const ngtdmDistance = checkedDistance('ngtdm.distance', settings.ngtdm?.distance);
  const ngldmDistance = checkedDistance('ngldm.distance', settings.ngldm?.distance);
  const coarseness = settings.ngldm?.coarseness ?? 0;
  if (!(Number.isFinite(coarseness) && coarseness >= 0)) {
    throw new TextureInputError('ngldm.coarseness', 'a non-negative number (IBSI alpha, usually 0)', String(coarseness));
  }
  // The settings with their checked defaults, as the families read them.
  const checked: TextureSettings = {
    ...settings,
    ...(settings.glcm && { glcm: { ...settings.glcm, distance: glcmDistance } }),
    ...(settings.ngtdm && { ngtdm: { ...settings.ngtdm, distance: ngtdmDistance } }),
    ...(settings.ngldm && { ngldm: { ...settings.ngldm, distance: ngldmDistance, coarseness } }),
  };
  const enabled = TEXTURE_FEATURE_FAMILIES.filter((family) => checked[family.name]);
  if (enabled.length === 0) return {};

  // Padding covers the largest reach of any neighbourhood or co-occurrence offset.
  const grid = buildRoiGrid(input, Math.max(1, glcmDistance, ngtdmDistance, ngldmDistance));
  const zones = lazyZoneLabellings(grid);
  const out: Record<string, number> = {};
  for (const family of enabled) {
    // Each family reads the settings of its own name (the union cannot say so to the compiler).
    const compute = family.compute as (g: typeof grid, z: typeof zones, s: NonNullable<TextureSettings[typeof family.name]>) => Record<string, number>;
    Object.assign(out, compute(grid, zones, checked[family.name]!));
  }
  return out;
}

/** A Chebyshev distance δ: a positive integer, 1 when the family is absent or leaves it out. */
function checkedDistance(field: string, value: number | undefined): number {
  const d = value ?? 1;
  if (!(Number.isInteger(d) && d >= 1)) throw new TextureInputError(field, 'a positive integer Chebyshev distance', String(value));
  return d;
}
