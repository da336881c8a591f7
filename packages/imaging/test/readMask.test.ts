import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertSameGrid, readImage, readMask, readNifti } from '../src/index.js';
import { expectImagingError } from './errorAssert.js';
import { labelToMask } from '../src/maskChecks.js';
import { FIXTURES, STS_DICOM } from './paths.js';

/** nibabel-written image and masks (make_mask_fixtures.py) and what they were built to hold. */
const DIR = join(FIXTURES, 'masks');
const truth = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));
const imagePath = join(DIR, 'image.nii.gz');
const image = () => readImage(imagePath);
const mask = (name: string, sel: { label?: number; roi?: string; cropToImage?: boolean } = {}) => readMask(join(DIR, name), image(), { ...sel, imagePath });

describe('readMask on label images', () => {
  it('selects a label on the image grid', () => {
    const m = mask('labels.nii.gz', { label: 1 });
    expect(Array.from(m.data)).toEqual(truth.label1);
    expect(m.voxelCount).toBe(18);
    expect(m.selected).toBe('label 1');
  });
  it('places a mask cropped to its extent (same lattice) onto the image grid', () => {
    expect(Array.from(mask('labels_cropped.nii.gz').data)).toEqual(truth.label1);
  });
  it('NaN intensities inside the ROI are refused, counted, naming the image', () => {
    const e = expectImagingError(() => mask('labels.nii.gz', { label: 2 }), 'NAN_VOXELS', /image\.nii\.gz/, /1 voxel\(s\) inside the mask are NaN/);
    expect(e.path).toBe(imagePath);
    // The image itself reads: NaN outside a ROI is no error.
    expect(Number.isNaN(image().data[truth.nanIndex])).toBe(true);
  });
  it('a label that is not in the file is an empty mask listing the labels present', () => {
    expectImagingError(() => mask('labels.nii.gz', { label: 5 }), 'EMPTY_MASK', /labels\.nii\.gz/, /voxels with label 5/, /labels present: 1, 2/);
  });
  it('an all-zero mask is empty', () => {
    expectImagingError(() => mask('labels_empty.nii.gz'), 'EMPTY_MASK', /labels_empty\.nii\.gz/, /0 non-zero voxels/);
  });
  it('a mask on the image lattice but beyond its extent has no voxel inside the image', () => {
    expectImagingError(() => mask('labels_beyond.nii.gz', { label: 1 }), 'MASK_OUTSIDE_IMAGE', /labels_beyond/, /image\.nii\.gz/, /18 mask voxel/);
  });
  it('a mask slipped one voxel across the image edge is refused, naming the file and the voxels lost (issue #19.1)', () => {
    const e = expectImagingError(() => mask('labels_slipped.nii.gz', { label: 1 }), 'MASK_BEYOND_IMAGE',
      /labels_slipped\.nii\.gz: 6 voxels of label 1 lie beyond the extent of image .*image\.nii\.gz/, /--crop-mask-to-image/);
    expect((e as unknown as { count: number }).count).toBe(truth.slipped.dropped);
  });
  it('a mask grid larger than the image is refused too', () => {
    expectImagingError(() => mask('labels_larger.nii.gz'), 'MASK_BEYOND_IMAGE', new RegExp(`${truth.larger.dropped} voxels of non-zero voxels`));
  });
  it('with cropToImage the part inside is kept and the cropped count is returned', () => {
    for (const [name, label, expected] of [['labels_slipped.nii.gz', 1, truth.slipped], ['labels_larger.nii.gz', undefined, truth.larger]] as const) {
      const m = mask(name, { label, cropToImage: true });
      expect(Array.from(m.data)).toEqual(expected.kept);
      expect(m.voxelCount).toBe(expected.keptCount);
      expect(m.outsideImage).toEqual({ count: expected.dropped, unit: 'voxels' });
    }
    expect(mask('labels.nii.gz', { label: 1, cropToImage: true }).outsideImage).toBeUndefined();
  });
  it('a mask half a voxel off the grid is a grid mismatch that states both geometries', () => {
    const e = expectImagingError(() => mask('labels_half_voxel.nii.gz', { label: 1 }), 'GRID_MISMATCH',
      /labels_half_voxel\.nii\.gz is not on the grid of image .*image\.nii\.gz/, /\(different origin\)/,
      /Image: dims \[8, 7, 6\], spacing \[1\.2, 1\.2, 3\] mm, origin \[30, -15, 40\]/, /Mask: dims \[8, 7, 6\].*origin \[29\.4268, -15\.1773, 40\]/);
    expect(e.path).toBe(join(DIR, 'labels_half_voxel.nii.gz'));
  });
  it('several labels and no choice is refused, listing the labels', () => {
    expectImagingError(() => mask('labels.nii.gz'), 'UNKNOWN_ROI', /choose one with a label value/, /"label 1", "label 2"/);
  });
  it('a mask with non-integer values is not taken for a label image', () => {
    expectImagingError(() => mask('probability.nii.gz'), 'UNSUPPORTED_DATATYPE', /not whole numbers \(e\.g\. 0\.75\)/);
  });
  it('a float mask stored as 0.9999999 is label 1 after IBSI rounding, with or without --label', () => {
    expect(Array.from(mask('label1_float_rounding.nii.gz').data)).toEqual(truth.label1);
    expect(Array.from(mask('label1_float_rounding.nii.gz', { label: 1 }).data)).toEqual(truth.label1);
  });
  it('a plain label image has no ROI names', () => {
    expectImagingError(() => mask('labels.nii.gz', { roi: 'GTV' }), 'UNKNOWN_ROI', /use a label/);
  });
});

describe('assertSameGrid', () => {
  it('passes for the same grid and names the differing parts otherwise', () => {
    expect(() => assertSameGrid(image(), readNifti(join(DIR, 'labels.nii.gz')), { imagePath, maskPath: 'labels' })).not.toThrow();
    expectImagingError(() => assertSameGrid(image(), readNifti(join(DIR, 'labels_other_spacing.nii.gz')), { imagePath: 'img.nii', maskPath: 'seg.nii' }),
      'GRID_MISMATCH', /mask seg\.nii is not on the grid of image img\.nii \(different spacing\)/, /spacing \[1\.8, 1\.8, 4\.5\]/);
  });
});

describe('readMask on real RTSTRUCT files', () => {
  it('dispatches an RTSTRUCT and picks GTV_Mass_MR_T1 on the MR series', () => {
    const ct = readImage(join(STS_DICOM, 'STS_002/MR_T1/image'));
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'sts/reference.json'), 'utf8')).series['STS_002/MR_T1'];
    const m = readMask(join(STS_DICOM, 'STS_002/MR_T1/mask/RS.dcm'), ct, { roi: 'GTV_Mass_MR_T1' });
    const skimageCount = Object.values(ref.rtstruct.GTV_Mass_MR_T1.skimageSliceCounts as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(m.voxelCount).toBe(skimageCount);
    expect(m.selected).toBe('ROI "GTV_Mass_MR_T1"');
  });
  it('an unknown ROI lists the names the structure set holds', () => {
    const pet = readImage(join(STS_DICOM, 'STS_002/PET/image'));
    expectImagingError(() => readMask(join(STS_DICOM, 'STS_002/PET/mask/RS.dcm'), pet, { roi: 'GTV_Node' }), 'UNKNOWN_ROI',
      /RS\.dcm: no ROI\/segment "GTV_Node" \(names must match exactly, letter case aside\); the file holds: "GTV_Mass_PET"/);
    // The structure set's only ROI is not taken for a partial name either.
    expectImagingError(() => readMask(join(STS_DICOM, 'STS_002/PET/mask/RS.dcm'), pet, { roi: 'GTV_Mass' }), 'UNKNOWN_ROI', /the file holds: "GTV_Mass_PET"/);
  });
});

describe('labelToMask on raw uint8 labels (the histogram path)', () => {
  // A 7×6×5 uint8 label volume, hand-made: values chosen by position, so the expected masks are
  // computed here independently of the code under test.
  const dims: [number, number, number] = [7, 6, 5];
  const volume = (value: (i: number) => number) => ({
    data: Uint8Array.from({ length: 210 }, (_, i) => value(i)), dims, spacing: [1, 1, 1] as [number, number, number],
    origin: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number],
  });
  it('a single label other than 1 becomes a 0/1 mask of its voxels', () => {
    const labels = volume((i) => (i % 11 === 3 ? 7 : 0));
    const m = labelToMask(labels, 'seven.nii');
    expect(Array.from(m.data)).toEqual(Array.from(labels.data, (v) => (v === 7 ? 1 : 0)));
  });
  it('a 0/1 file is copied, not shared', () => {
    const labels = volume((i) => (i % 3 === 0 ? 1 : 0));
    const m = labelToMask(labels, 'binary.nii');
    expect(m.data).toEqual(labels.data);
    expect(m.data).not.toBe(labels.data);
  });
  it('a chosen label among several keeps only its voxels; a missing one lists those present', () => {
    const labels = volume((i) => i % 4); // labels 1, 2, 3
    expect(Array.from(labelToMask(labels, 'three.nii', 2).data)).toEqual(Array.from(labels.data, (v) => (v === 2 ? 1 : 0)));
    expectImagingError(() => labelToMask(labels, 'three.nii', 9), 'EMPTY_MASK', /no voxel with label 9; labels present: 1, 2, 3/);
    expectImagingError(() => labelToMask(labels, 'three.nii'), 'UNKNOWN_ROI', /several/);
  });
  it('more than 32 labels are listed as the 32 smallest and an ellipsis', () => {
    const labels = volume((i) => i % 40); // labels 1 … 39
    expectImagingError(() => labelToMask(labels, 'many.nii', 200), 'EMPTY_MASK', new RegExp(`labels present: ${Array.from({ length: 32 }, (_, k) => k + 1).join(', ')}, …`));
  });
});

describe('image and mask swapped (issue #19.9)', () => {
  const ct = join(STS_DICOM, 'STS_001/CT');
  it('an RTSTRUCT given as the image says it is a mask and asks whether the two were swapped', () => {
    expectImagingError(() => readImage(join(ct, 'mask/RS.dcm')), 'UNSUPPORTED_FORMAT', /RS\.dcm: unsupported file type \(a DICOM RTSTRUCT, which is a mask, not an image \(were the image and the mask swapped\?\)\)/);
  });
  it('an image series folder given as the mask says so too', () => {
    const image = readImage(join(ct, 'image'));
    expectImagingError(() => readMask(join(ct, 'image'), image), 'UNSUPPORTED_FORMAT', /a mask is one file \(give the RTSTRUCT or SEG file itself, not its folder; if this folder holds the image series, were the image and the mask swapped\?\)/);
  });
});
