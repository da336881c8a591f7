import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sourceFiles } from '../src/index.js';
import { FIXTURES, STS_DICOM } from './paths.js';

// The files behind each kind of input, as the fixtures and the shared DICOM cases are laid out.
describe('sourceFiles', () => {
  it('a NIfTI .hdr comes with its .img; a single-file NIfTI alone', () => {
    const hdr = join(FIXTURES, 'nifti/pair_int16.hdr');
    expect(sourceFiles(hdr)).toEqual([hdr, join(FIXTURES, 'nifti/pair_int16.img')]);
    const nii = join(FIXTURES, 'nifti/dtype_int16.nii');
    expect(sourceFiles(nii)).toEqual([nii]);
  });

  it('an NRRD .nhdr comes with the data file its header names', () => {
    const nhdr = join(FIXTURES, 'nrrd/uint8_detached.nhdr');
    expect(sourceFiles(nhdr)).toEqual([nhdr, join(FIXTURES, 'nrrd/uint8_detached.raw.gz')]);
  });

  it('a DICOM series folder, or one slice of it, stands for every file in the folder', () => {
    const folder = join(STS_DICOM, 'STS_002/MR_T1/image');
    const files = readdirSync(folder).map((f) => join(folder, f)).sort();
    expect(sourceFiles(folder)).toEqual(files);
    expect(sourceFiles(files[0])).toEqual(files);
  });

  it('a path that does not exist comes back alone', () => {
    expect(sourceFiles('/no/such/file.nii.gz')).toEqual(['/no/such/file.nii.gz']);
  });
});
