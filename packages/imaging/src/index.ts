export * from './volume.js';
export * from './errors.js';
export { indexToWorld, worldToIndex } from './affine.js';
export { readNifti, parseNifti } from './nifti.js';
