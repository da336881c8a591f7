import type { AnyTextureFeatureFamily } from '../featureFamily.js';
import { GLCM_FAMILY } from './glcm.js';
import { GLDZM_FAMILY } from './gldzm.js';
import { GLRLM_FAMILY } from './glrlm.js';
import { GLSZM_FAMILY } from './glszm.js';
import { NGLDM_FAMILY } from './ngldm.js';
import { NGTDM_FAMILY } from './ngtdm.js';

/** The six texture families, in output order. */
export const TEXTURE_FEATURE_FAMILIES: readonly AnyTextureFeatureFamily[] = [GLCM_FAMILY, GLRLM_FAMILY, GLSZM_FAMILY, GLDZM_FAMILY, NGTDM_FAMILY, NGLDM_FAMILY];
