export { extractFeatures, FILTER_SEPARATOR, type ExtractionInput, type ExtractionResult, type Diagnostics } from './pipeline/extractFeatures.js';
export { parseFeatureConfig, resolveFeatureConfig, ALL_FAMILIES, TEXTURE_FAMILIES, type ResolvedFeatureConfig } from './config/resolveConfig.js';
export { recordedFeatureConfig } from './config/recordedConfig.js';
export { EmptyRoiError, GridMismatchError, DiscretisationError, FeatureConfigError } from './errors.js';
export { featureCatalogue, catalogueEntryOf, type CatalogueEntry } from './featureCatalogue.js';
export type { TextureInput, TextureSettings, DirectionalAggregation, ZoneAggregation } from './textureContract.js';
export { radiomicsKernelKind } from './kernels/selectKernels.js';
export {
  applyFilter, parseFilterSpec, parseFilterConfigFile, filterLabel, filterIbsiCodes, FILTER_FAMILIES, BOUNDARY_CONDITIONS, LAWS_KERNELS, waveletFilters, WAVELET_NAMES, rightAngleRotations,
  type FilterSpec, type FilterFamily, type BoundaryCondition, type FilterDimensionality, type FilterGrid, type Pooling, type FilterProgress,
} from './filters/index.js';
export { FilterConfigError } from './errors.js';
export { featureMap, type FeatureMapInput, type FeatureMap } from './maps/featureMap.js';
