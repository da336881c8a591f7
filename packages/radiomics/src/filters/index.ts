export { applyFilter } from './applyFilter.js';
export { parseFilterSpec, parseFilterConfigFile, filterLabel, FILTER_FAMILIES, type FilterSpec, type FilterFamily } from './filterConfig.js';
export { BOUNDARY_CONDITIONS, type BoundaryCondition, type FilterDimensionality, type FilterGrid } from './grid.js';
export { LAWS_KERNELS } from './laws.js';
export { waveletFilters, WAVELET_NAMES } from './waveletCoefficients.js';
export { rightAngleRotations, type Pooling, type FilterProgress } from './rotations.js';
export { filterIbsiCodes } from './filterCodes.js';
