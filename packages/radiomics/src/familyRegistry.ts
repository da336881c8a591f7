import type { FeatureFamily, RoiFeatureFamily } from './featureFamily.js';
import { INTENSITY_HISTOGRAM_FAMILY } from './intensity/intensityHistogram.js';
import { INTENSITY_STATISTICS_FAMILY } from './intensity/intensityStatistics.js';
import { INTENSITY_VOLUME_HISTOGRAM_FAMILY } from './intensity/intensityVolumeHistogram.js';
import { LOCAL_INTENSITY_FAMILY } from './intensity/localIntensity.js';
import { MORPHOLOGY_FAMILY } from './morphology/morphologyFeatures.js';
import { TEXTURE_FEATURE_FAMILIES } from './texture/textureFamilies.js';

/** The families computed on the prepared ROI, in output order (texture follows). */
export const ROI_FEATURE_FAMILIES: readonly RoiFeatureFamily[] = [
  MORPHOLOGY_FAMILY, LOCAL_INTENSITY_FAMILY, INTENSITY_STATISTICS_FAMILY, INTENSITY_HISTOGRAM_FAMILY, INTENSITY_VOLUME_HISTOGRAM_FAMILY,
];

/**
 * Every feature family of IBSI 1 chapter 3 the pipeline computes, in output order: the one list
 * extraction walks and the catalogue is read from. A new family is a module that exports its
 * registration, added here.
 */
export const FEATURE_FAMILIES: readonly FeatureFamily[] = [...ROI_FEATURE_FAMILIES, ...TEXTURE_FEATURE_FAMILIES];
