import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDicomFile } from '../src/dicom/dicomFile.js';
import { decodeFrame } from '../src/dicom/pixelData.js';
import { readDicomMultiFrame, readDicomSeries, readImage, type DicomImageVolume } from '../src/index.js';
import { expectImagingError } from './errorAssert.js';
import { FIXTURES } from './paths.js';

/** pydicom's (or, for JPEG / JPEG-LS, dcmtk's) decoding, by make_dicom_codec_fixtures.py. */
const DIR = join(FIXTURES, 'dicom-codecs');
const truth = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));

interface Digest { sha256: string; count: number; min: number; max: number; sum: number; first: number[] }

/** The same fingerprint the fixture script takes: SHA-256 of the values as little-endian int32. */
function storedDigest(values: Float32Array): Digest {
  const ints = Int32Array.from(values);
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of ints) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
  return {
    sha256: createHash('sha256').update(new Uint8Array(ints.buffer)).digest('hex'),
    count: ints.length, min, max, sum, first: Array.from(ints.subarray(0, 8)),
  };
}

function storedValues(name: string): Float32Array {
  const path = join(DIR, name);
  const ds = readDicomFile(path);
  const frames = truth.files[name].frames as number;
  const parts = Array.from({ length: frames }, (_, f) => decodeFrame(ds, path, f));
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { all.set(p, off); off += p.length; }
  return all;
}

function expectDigest(name: string): void {
  const { sha256, count, min, max, sum, first } = truth.files[name].storedValues as Digest;
  expect(storedDigest(storedValues(name))).toEqual({ sha256, count, min, max, sum, first });
}

describe('compressed DICOM decodes to what pydicom / dcmtk decode', () => {
  it.each([
    'MR_small.dcm',
    'MR_small_RLE.dcm',
    'MR_small_jpeg_ls_lossless.dcm',
    'MR_small_jp2klossless.dcm',
    'MR_small_jpeg_lossless_sv1.dcm',
    'MR_small_jpeg_lossless_p14.dcm',
    'MR_small_deflate.dcm',
    'image_dfl.dcm',
    'MR_small_jpeg_ls_near.dcm',
    '693_J2KI.dcm',
  ])('%s', (name) => expectDigest(name));

  it('lossless syntaxes give exactly the uncompressed MR_small', () => {
    const original = storedValues('MR_small.dcm');
    for (const name of ['MR_small_RLE.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm',
      'MR_small_jpeg_lossless_sv1.dcm', 'MR_small_jpeg_lossless_p14.dcm', 'MR_small_deflate.dcm']) {
      expect(Array.from(storedValues(name))).toEqual(Array.from(original));
    }
  });
});

describe('a transfer syntax no reader decodes', () => {
  it('is an UnsupportedFormatError naming the file, the syntax UID and its name', () => {
    const path = join(DIR, 'unsupported', 'MR_small_mpeg2.dcm');
    const e = expectImagingError(() => readImage(path), 'UNSUPPORTED_FORMAT',
      /MR_small_mpeg2\.dcm/, /MPEG2 Main Profile @ Main Level/, /1\.2\.840\.10008\.1\.2\.4\.100/);
    expect(e.path).toBe(path);
  });
});

/** SHA-256 of the values as little-endian float32, as the fixture script takes it. */
function floatDigest(values: Float32Array) {
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of values) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
  return {
    sha256: createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex'),
    count: values.length, min, max, sum, first: Array.from(values.subarray(0, 8)),
  };
}

describe('Enhanced MR multi-frame: frames placed by the functional groups', () => {
  const want = truth.enhanced;
  it.each(['enhanced_mr.dcm', 'enhanced_mr_rle.dcm', 'enhanced_mr_jpeg_ls.dcm'])(
    '%s: sorted along the normal, rescaled per frame, geometry as pydicom + numpy build it', (name) => {
      const v = readImage(join(DIR, name)) as DicomImageVolume;
      expect(v.dims).toEqual(want.dims);
      want.spacing.forEach((s: number, a: number) => expect(v.spacing[a]).toBeCloseTo(s, 5));
      want.origin.forEach((o: number, a: number) => expect(v.origin[a]).toBeCloseTo(o, 5));
      want.direction.forEach((d: number, a: number) => expect(v.direction[a]).toBeCloseTo(d, 6));
      const { sha256, count, min, max, sum, first } = want.valuesXFastest;
      expect(floatDigest(v.data)).toEqual({ sha256, count, min, max, sum, first });
      expect(v.dicom.frames).toEqual([2, 4, 5, 1, 3]); // file frame n holds slice [3, 0, 4, 1, 2][n]
      expect(v.dicom.lossyCompression).toBeUndefined();
    });

  it('a series folder holding one multi-frame file reads as that file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-enhanced-'));
    try {
      copyFileSync(join(DIR, 'enhanced_mr_rle.dcm'), join(dir, 'IM1'));
      const v = readDicomSeries(dir);
      expect(v.dims).toEqual(want.dims);
      expect(v.dicom.files).toEqual(Array(5).fill(join(dir, 'IM1')));
      // two multi-frame files of one series are not one grid
      copyFileSync(join(DIR, 'enhanced_mr_jpeg_ls.dcm'), join(dir, 'IM2'));
      expectImagingError(() => readDicomSeries(dir), 'UNSUPPORTED_LAYOUT', /multi-frame image with 5 frames among 2 files/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a multi-frame object without per-frame plane positions (RT Dose), naming the file', () => {
    const path = join(DIR, 'rtdose.dcm');
    const e = expectImagingError(() => readDicomMultiFrame(path), 'UNSUPPORTED_LAYOUT', /rtdose\.dcm/, /without per-frame positions/);
    expect(e.path).toBe(path);
  });

  it('refuses frames in two orientations, naming the file and the frame', () => {
    const path = join(DIR, 'enhanced_mr_two_orientations.dcm');
    const e = expectImagingError(() => readImage(path), 'UNSUPPORTED_LAYOUT', /enhanced_mr_two_orientations\.dcm/, /orientation/, /frame \d of/);
    expect(e.path).toBe(path);
  });
  it('refuses unevenly spaced frames, naming the file and the frames', () => {
    const path = join(DIR, 'enhanced_mr_uneven.dcm');
    const e = expectImagingError(() => readImage(path), 'SLICE_SPACING', /enhanced_mr_uneven\.dcm/, /evenly spaced/, /between frame \d of .* and frame \d of/);
    expect(e.path).toBe(path);
  });
});

describe('lossy compression is recorded on the volume', () => {
  it('JPEG 2000 lossy: transfer syntax and LossyImageCompressionRatio', () => {
    const v = readImage(join(DIR, '693_J2KI.dcm')) as DicomImageVolume;
    expect(v.dicom.lossyCompression).toEqual(expect.objectContaining({
      transferSyntax: '1.2.840.10008.1.2.4.91', transferSyntaxName: 'JPEG 2000', ratio: truth.files['693_J2KI.dcm'].lossy.ratio,
    }));
  });
  it('a lossless syntax records nothing', () => {
    const v = readImage(join(DIR, 'enhanced_mr_rle.dcm')) as DicomImageVolume;
    expect(v.dicom.lossyCompression).toBeUndefined();
  });
});
