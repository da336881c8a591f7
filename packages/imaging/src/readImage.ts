import { dirname } from 'node:path';
import { TAG, num, readDicomFile, str } from './dicom/dicomFile.js';
import { readDicomSeries } from './dicom/dicomSeries.js';
import { readDicomMultiFrame } from './dicom/multiFrame.js';
import { fileKind } from './fileKind.js';
import { readNifti } from './nifti.js';
import { readNrrd } from './nrrd.js';
import type { ImageVolume } from './volume.js';

/**
 * Reads an image from a NIfTI or NRRD file, a DICOM series folder, a multi-frame DICOM file, or
 * one DICOM slice (then the whole series it belongs to, from its folder).
 */
export function readImage(pathOrFolder: string): ImageVolume {
  switch (fileKind(pathOrFolder)) {
    case 'dicom-folder':
      return readDicomSeries(pathOrFolder);
    case 'dicom': {
      const head = readDicomFile(pathOrFolder, TAG.PixelData);
      // A multi-frame object (Enhanced CT/MR) is a whole volume in itself.
      if ((num(head, TAG.NumberOfFrames) ?? 1) > 1) return readDicomMultiFrame(pathOrFolder);
      return readDicomSeries(dirname(pathOrFolder), { seriesInstanceUid: str(head, TAG.SeriesInstanceUID) });
    }
    case 'nifti':
      return readNifti(pathOrFolder);
    case 'nrrd':
      return readNrrd(pathOrFolder);
  }
}
