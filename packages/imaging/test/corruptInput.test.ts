import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImagingError, readDicomSeries, readImage, readMask } from '../src/index.js';
import { FIXTURES } from './paths.js';

/** Seeded LCG (glibc constants) so every run damages the files the same way. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

const CASES: Array<[string, 'image' | 'rtstruct' | 'seg' | 'segnrrd']> = [
  ['nifti/dtype_int16.nii', 'image'],
  ['nifti/nifti2_int16.nii.gz', 'image'],
  ['nrrd/int16_raw_ras.nrrd', 'image'],
  ['nrrd/layers.seg.nrrd', 'segnrrd'],
  ['dicom/series_ok/IM0000', 'image'],
  ['dicom/rtstruct.dcm', 'rtstruct'],
  ['dicom/seg.dcm', 'seg'],
];

describe('damaged files never crash a reader', () => {
  it('truncated or byte-flipped copies of every format end in success or a typed ImagingError', () => {
    const rand = lcg(42);
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-imaging-corrupt-'));
    const dicomImage = readDicomSeries(join(FIXTURES, 'dicom/series_ok'));
    const nrrdImage = readImage(join(FIXTURES, 'nrrd/int16_raw_ras.nrrd'));
    const escaped: string[] = [];
    let typed = 0;
    try {
      for (const [c, [file, kind]] of CASES.entries()) {
        const original = readFileSync(join(FIXTURES, file));
        for (let t = 0; t < 40; t++) {
          const bytes = Buffer.from(original);
          let damaged: Buffer = bytes;
          if (t % 2 === 0) damaged = bytes.subarray(0, Math.floor(rand() * bytes.length));
          else for (let n = 0; n < 1 + rand() * 8; n++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
          const sub = join(dir, `${c}-${t}`);
          mkdirSync(sub);
          const path = join(sub, file.split('/').pop()!.replace('IM0000', 'slice.dcm'));
          writeFileSync(path, damaged);
          try {
            if (kind === 'image') readImage(path);
            else if (kind === 'rtstruct') readMask(path, dicomImage, { roi: 'GTV_Mass_CT' });
            else if (kind === 'seg') readMask(path, dicomImage, { roi: 'Tumour' });
            else readMask(path, nrrdImage, { roi: 'gtv' });
          } catch (e) {
            if (e instanceof ImagingError && e.path && e.message.length > 0) typed++;
            else escaped.push(`${file} #${t}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
          }
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(escaped).toEqual([]);
    expect(typed).toBeGreaterThan(100); // the damage was real: most copies were refused
  });
});
