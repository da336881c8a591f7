export * from './volume.js';
export * from './errors.js';
export { indexToWorld, worldToIndex } from './affine.js';
export { readNifti, parseNifti } from './nifti.js';
export { readDicomSeries, type DicomImageVolume, type DicomSeriesInfo } from './dicom/dicomSeries.js';
export { readRtstruct, readRtstructRois, type RtstructRoi } from './dicom/rtstruct.js';
