import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNifti, type ImageVolume } from '../src/index.js';
import { FIXTURES, IBSI_PHANTOM_DIR } from './paths.js';

const NIFTI = join(FIXTURES, 'nifti');
interface Expected {
  dims: number[];
  values: number[];
  affineLps: number[];
}
const expected: Record<string, Expected> = JSON.parse(readFileSync(join(NIFTI, 'expected.json'), 'utf8')).files;

/** The affine our geometry implies: direction · diag(spacing) | origin, row-major 3×4. */
function affineOf(v: ImageVolume): number[] {
  const d = v.direction;
  const s = v.spacing;
  return [0, 1, 2].flatMap((r) => [d[3 * r] * s[0], d[3 * r + 1] * s[1], d[3 * r + 2] * s[2], v.origin[r]]);
}

describe('readNifti against files written by nibabel (scripts/fixtures/imaging/make_nifti_fixtures.py)', () => {
  for (const [name, exp] of Object.entries(expected)) {
    it(`${name}: voxel values and LPS geometry match nibabel`, () => {
      const v = readNifti(join(NIFTI, name));
      expect(v.dims).toEqual(exp.dims);
      expect(v.data).toBeInstanceOf(Float32Array);
      expect(v.data.length).toBe(exp.values.length);
      // Voxels are stored as Float32 (DESIGN): nibabel's float64 value rounded to float32.
      for (let i = 0; i < exp.values.length; i++) expect(v.data[i]).toBe(Math.fround(exp.values[i]));
      const a = affineOf(v);
      // NIfTI-1 stores the affine as float32: allow its rounding.
      for (let i = 0; i < 12; i++) expect(a[i]).toBeCloseTo(exp.affineLps[i], 4);
    });
  }
});

describe('readNifti on the IBSI digital phantom', () => {
  it('decodes the voxels listed in phantom.json (decoded by hand, x fastest) with 2 mm spacing', () => {
    const ref = JSON.parse(readFileSync(join(IBSI_PHANTOM_DIR, 'phantom.json'), 'utf8'));
    const img = readNifti(join(IBSI_PHANTOM_DIR, 'phantom.nii.gz'));
    const mask = readNifti(join(IBSI_PHANTOM_DIR, 'mask.nii.gz'));
    expect(img.dims).toEqual(ref.dims_xyz);
    expect(img.spacing).toEqual(ref.spacing_mm_xyz);
    expect(Array.from(img.data)).toEqual(ref.image_flat);
    expect(Array.from(mask.data)).toEqual(ref.mask_flat);
    expect(mask.data.reduce((a, b) => a + b, 0)).toBe(74); // README sanity value
    // sform (code 1) is diag(-2, -2, 2) in RAS, i.e. +2 mm along L and P: identity in LPS.
    expect(img.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
});

describe('readNifti without qform or sform', () => {
  it('uses nifti1.h method 1: RAS = pixdim · index, origin 0 (i.e. LPS axes -x, -y, +z)', () => {
    const v = readNifti(join(NIFTI, 'method1_no_transform.nii'));
    expect(v.spacing).toEqual([0.5, 0.75, 4]);
    expect(v.origin).toEqual([0, 0, 0]);
    expect(v.direction).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
  });
});

describe('readNifti spatial units', () => {
  it('converts micrometres (xyzt_units 3) to millimetres', () => {
    // Written as 500 × 500 × 2000 µm voxels at RAS (1000, -2000, 3000) µm.
    const v = readNifti(join(NIFTI, 'units_micron.nii'));
    [0.5, 0.5, 2].forEach((s, i) => expect(v.spacing[i]).toBeCloseTo(s, 9));
    [-1, 2, 3].forEach((o, i) => expect(v.origin[i]).toBeCloseTo(o, 9));
  });
});

describe('readNifti refuses bad input with typed errors', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['truncated_int16.nii', 'CORRUPT_FILE', /truncated_int16\.nii.*expected 472 bytes.*found 462 bytes/],
    ['corrupt.nii.gz', 'CORRUPT_FILE', /corrupt\.nii\.gz.*gzip/],
    ['not_nifti.nii', 'CORRUPT_FILE', /not_nifti\.nii.*sizeof_hdr 348/],
    ['complex64.nii', 'UNSUPPORTED_DATATYPE', /complex64\.nii.*DT_COMPLEX64 \(32\).*expected one of/],
    ['timeseries_4d.nii', 'UNSUPPORTED_LAYOUT', /timeseries_4d\.nii.*4D.*expected a single 3D volume/],
    ['does_not_exist.nii', 'FILE_NOT_FOUND', /does_not_exist\.nii.*ENOENT/],
  ];
  for (const [file, code, message] of cases) {
    it(`${file} → ${code}`, () => {
      const path = join(NIFTI, file);
      let err: unknown;
      try {
        readNifti(path);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code, path });
      expect((err as Error).message).toMatch(message);
    });
  }
});
