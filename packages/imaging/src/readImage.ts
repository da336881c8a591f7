import { dirname } from 'node:path';
import { TAG, readDicomFile, str } from './dicom/dicomFile.js';
import { readDicomSeries } from './dicom/dicomSeries.js';
import { fileKind } from './fileKind.js';
import { readNifti } from './nifti.js';
import { readNrrd } from './nrrd.js';
import type { ImageVolume } from './volume.js';

/**
 * Reads an image from a NIfTI or NRRD file, a DICOM series folder, or one DICOM slice (then the
 * whole series it belongs to, from its folder).
 */
export function readImage(pathOrFolder: string): ImageVolume {
  switch (fileKind(pathOrFolder)) {
    case 'dicom-folder':
      return readDicomSeries(pathOrFolder);
    case 'dicom': {
      const uid = str(readDicomFile(pathOrFolder, TAG.PixelData), TAG.SeriesInstanceUID);
      return readDicomSeries(dirname(pathOrFolder), { seriesInstanceUid: uid });
    }
    case 'nifti':
      return readNifti(pathOrFolder);
    case 'nrrd':
      return readNrrd(pathOrFolder);
  }
}
