import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImage, readMask, readNrrd, readSegNrrd, type ImageVolume } from '../src/index.js';
import { expectImagingError } from './errorAssert.js';
import { FIXTURES } from './paths.js';

/** Files and ground truth written from the NRRD / Slicer definitions by make_nrrd_fixtures.py. */
const DIR = join(FIXTURES, 'nrrd');
const truth = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')).files;

function affineOf(v: ImageVolume): number[] {
  const d = v.direction;
  const s = v.spacing;
  return [0, 1, 2].flatMap((r) => [d[3 * r] * s[0], d[3 * r + 1] * s[1], d[3 * r + 2] * s[2], v.origin[r]]);
}

describe('readNrrd', () => {
  for (const name of ['int16_raw_ras.nrrd', 'float32_gzip_bigendian.nrrd', 'uint8_detached.nhdr', 'ascii_spacings.nrrd']) {
    it(`${name}: voxels and LPS geometry`, () => {
      const v = readNrrd(join(DIR, name));
      const t = truth[name];
      expect(v.dims).toEqual(t.dims);
      expect(Array.from(v.data)).toEqual(t.values.map(Math.fround));
      affineOf(v).forEach((x, i) => expect(x).toBeCloseTo(t.affineLps[i], 9));
    });
  }
  it('readImage dispatches .nhdr to the NRRD reader', () => {
    expect(readImage(join(DIR, 'uint8_detached.nhdr')).dims).toEqual(truth['uint8_detached.nhdr'].dims);
  });
  it('refuses truncated data and unsupported encodings', () => {
    expectImagingError(() => readNrrd(join(DIR, 'truncated.nrrd')), 'CORRUPT_FILE', /truncated\.nrrd/, /expected \d+ bytes/);
    expectImagingError(() => readNrrd(join(DIR, 'bzip2.nrrd')), 'UNSUPPORTED_FORMAT', /bzip2/);
  });
  it('refuses a multi-layer segmentation as an intensity image', () => {
    expectImagingError(() => readNrrd(join(DIR, 'layers.seg.nrrd')), 'UNSUPPORTED_LAYOUT', /non-spatial axis of size 2/);
  });
});

describe('3D Slicer .seg.nrrd', () => {
  const image = () => readNrrd(join(DIR, 'int16_raw_ras.nrrd'));
  const imagePath = join(DIR, 'int16_raw_ras.nrrd');

  it('a labelmap cropped to its extent lands on the image grid, by name and by label value', () => {
    const t = truth['labelmap_cropped.seg.nrrd'];
    const byName = readMask(join(DIR, 'labelmap_cropped.seg.nrrd'), image(), { roi: 'tumour', imagePath });
    expect(byName.dims).toEqual(image().dims);
    expect(Array.from(byName.data)).toEqual(t.tumour);
    const byLabel = readMask(join(DIR, 'labelmap_cropped.seg.nrrd'), image(), { label: 7, imagePath });
    expect(Array.from(byLabel.data)).toEqual(t.oedema);
    expect(byLabel.selected).toBe('segment "oedema"');
  });
  it('overlapping segments are read from their own layer', () => {
    const t = truth['layers.seg.nrrd'];
    expect(Array.from(readSegNrrd(join(DIR, 'layers.seg.nrrd'), { roi: 'gtv' }).data)).toEqual(t.gtv);
    expect(Array.from(readSegNrrd(join(DIR, 'layers.seg.nrrd'), { roi: 'CTV' }).data)).toEqual(t.ctv);
  });
  it('an unknown segment lists the segments, with labels and layers', () => {
    expectImagingError(() => readSegNrrd(join(DIR, 'layers.seg.nrrd'), { roi: 'ptv' }), 'UNKNOWN_ROI',
      /segment "ptv"/, /"gtv \(label 1\)", "ctv \(label 1, layer 1\)"/);
  });
  it('a label value shared by two layers is ambiguous', () => {
    expectImagingError(() => readSegNrrd(join(DIR, 'layers.seg.nrrd'), { label: 1 }), 'UNKNOWN_ROI', /one per layer: name it/);
  });
});
