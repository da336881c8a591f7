import { dirname } from 'node:path';
import { listFiles } from './dicom/dicomSeries.js';
import { fileKind, type FileKind } from './fileKind.js';
import { pairedImagePath } from './nifti.js';
import { nhdrDataFile } from './nrrd.js';

/**
 * The files the readers read for an image or mask path: every file of a DICOM folder (one DICOM
 * file stands for the series in its folder, as readImage reads it), a NIfTI .hdr with its .img,
 * an NRRD .nhdr with its detached data file. For telling whether an input changed since it was
 * read (the extract journal). A path that cannot be read comes back alone: reading it fails with
 * its own error.
 */
export function sourceFiles(path: string): string[] {
  let kind: FileKind;
  try {
    kind = fileKind(path);
  } catch {
    return [path];
  }
  try {
    switch (kind) {
      case 'dicom-folder':
        return listFiles(path);
      case 'dicom':
        return listFiles(dirname(path));
      case 'nifti':
        return /\.hdr(\.gz)?$/i.test(path) ? [path, pairedImagePath(path)] : [path];
      case 'nrrd': {
        // Only a .nhdr is read here: an attached .nrrd would be read whole to learn nothing.
        const data = /\.nhdr$/i.test(path) ? nhdrDataFile(path) : undefined;
        return data ? [path, data] : [path];
      }
    }
  } catch {
    return [path];
  }
}
