import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, readNifti, writeNifti, type ImageVolume } from '../src/index.js';
import { FIXTURES } from './paths.js';

/**
 * writeNifti checked by an independent reader: nibabel (Debian python3-nibabel) loads the file
 * and reports its data and both affines; they must equal what our reader returned for the source.
 */
const PYTHON = '/usr/bin/python3';
const NIBABEL = `
import json, sys
import nibabel as nib, numpy as np
img = nib.load(sys.argv[1])
data = np.asarray(img.dataobj, dtype=np.float32)
print(json.dumps({
  'shape': list(data.shape), 'dtype': str(img.get_data_dtype()),
  'data': data.ravel(order='F').astype(float).tolist(),
  'sform': img.get_sform().tolist(), 'sformCode': int(img.header['sform_code']),
  'qform': img.get_qform().tolist(), 'qformCode': int(img.header['qform_code']),
  'zooms': [float(z) for z in img.header.get_zooms()],
}))
`;

interface Nibabel {
  shape: number[]; dtype: string; data: number[];
  sform: number[][]; sformCode: number; qform: number[][]; qformCode: number; zooms: number[];
}

function nibabel(path: string): Nibabel {
  return JSON.parse(execFileSync(PYTHON, ['-c', NIBABEL, path], { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

function expectAffine(m: number[][], a: number[], digits = 3): void {
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(m[r][c]).toBeCloseTo(a[4 * r + c], digits);
  expect(m[3]).toEqual([0, 0, 0, 1]);
}

const dicomTruth = JSON.parse(readFileSync(join(FIXTURES, 'dicom', 'expected.json'), 'utf8'));
const codecTruth = JSON.parse(readFileSync(join(FIXTURES, 'dicom-codecs', 'expected.json'), 'utf8'));

/** RAS affine rows from LPS axis columns (unit vectors), spacing and origin: negate world x and y. */
function rasFromLps(axes: number[][], spacing: number[], origin: number[]): number[][] {
  return [0, 1, 2].map((r) => {
    const sign = r < 2 ? -1 : 1;
    return [...axes.map((ax, c) => sign * ax[r] * spacing[c]), sign * origin[r]];
  });
}

/** Each source with the RAS affine an independent reader assigns it (pydicom + numpy, nibabel, by hand). */
const SOURCES: Array<[string, () => ImageVolume, () => number[][]]> = [
  ['an oblique DICOM series', () => readImage(join(FIXTURES, 'dicom', 'series_ok')), () => rasFromLps(
    [dicomTruth.rowDirection, dicomTruth.columnDirection, dicomTruth.normal],
    [dicomTruth.pixelSpacing[1], dicomTruth.pixelSpacing[0], dicomTruth.sliceSpacing], dicomTruth.origin)],
  ['an Enhanced MR multi-frame object (RLE)', () => readImage(join(FIXTURES, 'dicom-codecs', 'enhanced_mr_rle.dcm')), () => {
    const e = codecTruth.enhanced;
    const axes = [0, 1, 2].map((c) => [e.direction[c], e.direction[3 + c], e.direction[6 + c]]);
    return rasFromLps(axes, e.spacing, e.origin);
  }],
  ['a NIfTI with a left-handed qform', () => readImage(join(FIXTURES, 'nifti', 'qform_only_qfac_neg.nii')),
    () => nibabel(join(FIXTURES, 'nifti', 'qform_only_qfac_neg.nii')).qform.slice(0, 3)],
  ['a left-handed grid', () => ({
    data: Float32Array.from({ length: 24 }, (_, i) => i * 1.5 - 7),
    dims: [2, 3, 4], spacing: [0.5, 2, 3.25], origin: [10, -20, 30.5],
    direction: [0, 1, 0, 1, 0, 0, 0, 0, -1],
  }), () => [[0, -2, 0, -10], [-0.5, 0, 0, 20], [0, 0, -3.25, 30.5]]],
];

describe('writeNifti', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-nifti-write-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(SOURCES)('%s: nibabel reads our data and RAS affine (sform and qform alike)', (_, read, expectedRas) => {
    const v = read();
    const path = join(dir, 'out.nii.gz');
    writeNifti(v, path);
    const nib = nibabel(path);
    expect(nib.shape).toEqual(v.dims);
    expect(nib.dtype).toBe('float32');
    expect(nib.data).toEqual(Array.from(v.data));
    expect(nib.sformCode).toBe(1);
    expect(nib.qformCode).toBe(1);
    const ras = expectedRas().flat();
    expectAffine(nib.sform, ras);
    // The qform holds only b, c, d in float32 and rebuilds a = √(1 − b² − c² − d²): near a 180°
    // rotation (a ≈ 0) that loses ~1e-3 (nifti1.h's own caveat), so it is compared more loosely.
    expectAffine(nib.qform, ras, 2);
    nib.zooms.forEach((z, a) => expect(z).toBeCloseTo(v.spacing[a], 5));
  });

  it.each(SOURCES)('%s: round-trips through readNifti', (_, read) => {
    const v = read();
    const path = join(dir, 'roundtrip.nii');
    writeNifti(v, path);
    const back = readNifti(path);
    expect(back.dims).toEqual(v.dims);
    expect(Array.from(back.data)).toEqual(Array.from(v.data));
    for (let a = 0; a < 3; a++) {
      expect(back.spacing[a]).toBeCloseTo(v.spacing[a], 4);
      expect(back.origin[a]).toBeCloseTo(v.origin[a], 3);
    }
    back.direction.forEach((x, i) => expect(x).toBeCloseTo(v.direction[i], 5));
  });
});
