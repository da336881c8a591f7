import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomSeg, readDicomSeries, readImage, readRtstruct, type MaskVolume } from '../src/index.js';
import { expectImagingError } from './errorAssert.js';
import { FIXTURES } from './paths.js';

/** Ground truth the pydicom fixture script built the files from (make_dicom_fixtures.py). */
const DIR = join(FIXTURES, 'dicom');
const truth = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));

function voxels(m: MaskVolume): number[][] {
  const [nx, ny, nz] = m.dims;
  const out: number[][] = [];
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (m.data[i + nx * (j + ny * k)]) out.push([i, j, k]);
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
}

describe('readDicomSeries on pydicom-written slices', () => {
  it('sorts an oblique series along its normal (not by file name or InstanceNumber) and rescales', () => {
    const v = readDicomSeries(join(DIR, 'series_ok'));
    expect(v.dims).toEqual([truth.columns, truth.rows, 4]);
    expect(v.spacing[0]).toBeCloseTo(truth.pixelSpacing[1], 6);
    expect(v.spacing[1]).toBeCloseTo(truth.pixelSpacing[0], 6);
    expect(v.spacing[2]).toBeCloseTo(truth.sliceSpacing, 5);
    const d = v.direction;
    for (let r = 0; r < 3; r++) {
      expect(d[3 * r]).toBeCloseTo(truth.rowDirection[r], 6);
      expect(d[3 * r + 1]).toBeCloseTo(truth.columnDirection[r], 6);
      expect(d[3 * r + 2]).toBeCloseTo(truth.normal[r], 6);
      expect(v.origin[r]).toBeCloseTo(truth.origin[r], 5);
    }
    expect(Array.from(v.data)).toEqual(truth.series_ok.valuesXFastest);
    expect(v.dicom.seriesInstanceUid).toBe(truth.series_ok.seriesInstanceUid);
  });

  it('ignores bits above HighBit (12 bits stored in 16)', () => {
    const v = readDicomSeries(join(DIR, 'series_unsigned12_junkbits'));
    expect(Array.from(v.data)).toEqual(truth.series_unsigned12_junkbits.valuesXFastest);
  });

  it('readImage on one slice file reads its whole series', () => {
    const v = readImage(join(DIR, 'series_ok', 'IM0000'));
    expect(v.dims).toEqual([truth.columns, truth.rows, 4]);
  });

  it('refuses a missing slice, naming the step and the files around it', () => {
    expectImagingError(() => readDicomSeries(join(DIR, 'series_gap')), 'SLICE_SPACING',
      /series_gap/, /step of 5\.0000 mm/, /1\.dcm and .*2\.dcm/, /1 slice\(s\) missing/);
  });
  it('refuses uneven spacing', () => {
    expectImagingError(() => readDicomSeries(join(DIR, 'series_uneven')), 'SLICE_SPACING', /evenly spaced/, /step of 3\.5000 mm/);
  });
  it('refuses two slices at one position', () => {
    expectImagingError(() => readDicomSeries(join(DIR, 'series_duplicate')), 'SLICE_SPACING', /two slices at/, /1\.dcm and .*2\.dcm/);
  });
  it('refuses a tilted (sheared) stack', () => {
    expectImagingError(() => readDicomSeries(join(DIR, 'series_tilted')), 'UNSUPPORTED_LAYOUT', /gantry tilt/);
  });
  it('refuses a folder with several series, listing them', () => {
    const e = expectImagingError(() => readDicomSeries(join(DIR, 'series_two')), 'SERIES_SELECTION', /3 series/, /exactly one DICOM image series/);
    expect(e.path).toBe(join(DIR, 'series_two'));
  });
  // JPEG Lossless is decoded now (#19.10; dicomCodecs.test.ts); these slices hold a fake stream.
  it('refuses compressed pixel data that does not decode, naming the file and the syntax', () => {
    const e = expectImagingError(() => readDicomSeries(join(DIR, 'series_jpeg')), 'CORRUPT_FILE',
      /JPEG Lossless, Non-Hierarchical, First-Order Prediction \(Process 14, SV1\)/, /1\.2\.840\.10008\.1\.2\.4\.70/, /found/);
    expect(e.path).toBe(join(DIR, 'series_jpeg', '0.dcm'));
  });
  it('refuses a truncated slice, naming that file', () => {
    const e = expectImagingError(() => readDicomSeries(join(DIR, 'series_truncated')), 'CORRUPT_FILE', /1\.dcm/);
    expect(e.path).toBe(join(DIR, 'series_truncated', '1.dcm'));
  });
  it('refuses a folder without DICOM images', () => {
    expectImagingError(() => readDicomSeries(join(FIXTURES, 'nifti')), 'SERIES_SELECTION', /no DICOM image files/);
  });
});

describe('readRtstruct on a hand-built structure set', () => {
  const image = () => readDicomSeries(join(DIR, 'series_ok'));

  it('rasterises pixel centres with the even-odd rule (hole) on the right slices', () => {
    const m = readRtstruct(join(DIR, 'rtstruct.dcm'), image(), 'gtv_mass_ct'); // letter case aside, the exact name
    expect(m.roiName).toBe('GTV_Mass_CT');
    expect(voxels(m)).toEqual(truth.rtstruct.GTV_Mass_CT);
  });
  it('lists the ROI names when the requested one does not exist', () => {
    const e = expectImagingError(() => readRtstruct(join(DIR, 'rtstruct.dcm'), image(), 'PTV'), 'UNKNOWN_ROI',
      /"PTV"/, /"GTV_Mass_CT", "Outside", "NoContours"/);
    expect((e as unknown as { available: string[] }).available).toEqual(['GTV_Mass_CT', 'Outside', 'NoContours']);
  });
  it('an ROI without contours is an empty mask', () => {
    expectImagingError(() => readRtstruct(join(DIR, 'rtstruct.dcm'), image(), 'NoContours'), 'EMPTY_MASK', /NoContours/, /no contours/);
  });
  it('an ROI beyond the image is reported as outside it', () => {
    expectImagingError(() => readRtstruct(join(DIR, 'rtstruct.dcm'), image(), 'Outside', 'ct/'), 'MASK_OUTSIDE_IMAGE', /no mask voxel lies inside image ct\//);
  });
  it('a truncated structure set is a corrupt file, not a crash', () => {
    expectImagingError(() => readRtstruct(join(DIR, 'rtstruct_truncated.dcm'), image(), 'GTV'), 'CORRUPT_FILE', /rtstruct_truncated\.dcm/);
  });
  it('a structure set from another frame of reference is refused', () => {
    expectImagingError(() => readRtstruct(join(DIR, 'rtstruct_other_frame.dcm'), image(), 'GTV'), 'REFERENCE_MISMATCH', /1\.2\.3\.4\.5\.6/);
  });
});

describe('readDicomSeg on a hand-built BINARY segmentation', () => {
  const image = () => readDicomSeries(join(DIR, 'series_ok'));
  it('unpacks bits across frames and places each segment by plane position', () => {
    expect(voxels(readDicomSeg(join(DIR, 'seg.dcm'), image(), { roi: 'Tumour' }))).toEqual(truth.seg['1']);
    expect(voxels(readDicomSeg(join(DIR, 'seg.dcm'), image(), { label: 2 }))).toEqual(truth.seg['2']);
  });
  it('FRACTIONAL: a voxel belongs to the segment from half the maximum fractional value', () => {
    expect(voxels(readDicomSeg(join(DIR, 'seg_fractional.dcm'), image(), { roi: 'Tumour' }))).toEqual(truth.segFractional);
  });
  it('asks for a segment when there are several and none is named', () => {
    expectImagingError(() => readDicomSeg(join(DIR, 'seg.dcm'), image()), 'UNKNOWN_ROI', /Tumour \(segment 1\)/, /Necrosis \(segment 2\)/);
  });
  it('a SEG half a pixel off the image grid is a grid mismatch stating both grids', () => {
    expectImagingError(() => readDicomSeg(join(DIR, 'seg_half_pixel_shift.dcm'), image(), { roi: 'Tumour' }, 'ct/'), 'GRID_MISMATCH',
      /Image: dims \[6, 5, 4\]/, /Mask: dims \[6, 5, 3\]/);
  });
});
