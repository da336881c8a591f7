import { dirname } from 'node:path';
import { TAG, num, readDicomFile, str } from './dicom/dicomFile.js';
import { readDicomSeries } from './dicom/dicomSeries.js';
import { readDicomMultiFrame } from './dicom/multiFrame.js';
import { UnsupportedFormatError } from './errors.js';
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
      const header = readDicomFile(pathOrFolder, TAG.PixelData);
      const modality = str(header, TAG.Modality);
      // A structure set or segmentation given as the image (--image and --mask swapped): say so,
      // instead of looking for an image series beside it.
      if (modality === 'RTSTRUCT' || modality === 'SEG') {
        throw new UnsupportedFormatError(pathOrFolder, `a DICOM ${modality}, which is a mask, not an image (were the image and the mask swapped?)`, 'an image: NIfTI, NRRD, or a DICOM image series folder or file');
      }
      // A multi-frame object (Enhanced CT/MR) is a whole volume in itself.
      if ((num(header, TAG.NumberOfFrames) ?? 1) > 1) return readDicomMultiFrame(pathOrFolder);
      return readDicomSeries(dirname(pathOrFolder), { seriesInstanceUid: str(header, TAG.SeriesInstanceUID) });
    }
    case 'nifti':
      return readNifti(pathOrFolder);
    case 'nrrd':
      return readNrrd(pathOrFolder);
  }
}
