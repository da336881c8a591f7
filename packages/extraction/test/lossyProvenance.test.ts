import { describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage, writeNifti } from '@fedrad/imaging';
import { extractCase } from '../src/extractCase.js';

// Issue #19.10: lossy compression is a known confounder of texture features, so a case read from a
// lossy-compressed DICOM says so in its provenance. 693_J2KI.dcm is pydicom's JPEG 2000 (lossy) test file.
const codecs = join(dirname(fileURLToPath(import.meta.url)), '../../imaging/test/fixtures/dicom-codecs');

describe('case provenance', () => {
  it('records the lossy transfer syntax of the image, and nothing for a lossless one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-lossy-'));
    for (const [file, lossy] of [['693_J2KI.dcm', true], ['MR_small_jp2klossless.dcm', false]] as const) {
      // Each file alone in a folder: the MR_small variants share one series UID in the fixture folder.
      const folder = join(dir, file.replace('.dcm', ''));
      mkdirSync(folder);
      copyFileSync(join(codecs, file), join(folder, file));
      const image = readImage(join(folder, file));
      const [nx, ny] = image.dims;
      const data = new Uint8Array(image.data.length);
      // A 20 × 20 square ROI in the middle of the slice.
      for (let j = (ny >> 1) - 10; j < (ny >> 1) + 10; j++) for (let i = (nx >> 1) - 10; i < (nx >> 1) + 10; i++) data[i + nx * j] = 1;
      const mask = join(dir, `${file}.mask.nii.gz`);
      writeNifti({ ...image, data }, mask);
      const out = extractCase({ id: file, image: join(folder, file), mask, config: { families: ['intensity_statistics'] } });
      expect(out.ok).toBe(true);
      if (!out.ok) continue;
      if (lossy) expect(out.provenance?.lossyCompression).toMatchObject({ transferSyntax: '1.2.840.10008.1.2.4.91' });
      else expect(out.provenance?.lossyCompression).toBeUndefined();
    }
  });

  it("records the scanner and voxel grid of a DICOM image as its header states them, and only the grid of a NIfTI", () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-acquisition-'));
    const folder = join(dir, 'mr');
    mkdirSync(folder);
    copyFileSync(join(codecs, 'MR_small_jp2klossless.dcm'), join(folder, 'mr.dcm'));
    const image = readImage(join(folder, 'mr.dcm'));
    const data = new Uint8Array(image.data.length);
    for (let i = 0; i < data.length; i += 3) data[i] = 1;
    const mask = join(dir, 'mask.nii.gz');
    writeNifti({ ...image, data }, mask);
    const fromDicom = extractCase({ id: 'mr', image: join(folder, 'mr.dcm'), mask, config: { families: ['intensity_statistics'] } });
    // pydicom 2.3 reads: Modality MR, Manufacturer TOSHIBA_MEC, ManufacturerModelName MRT50H1, SliceThickness 0.8, PixelSpacing 0.3125.
    expect(fromDicom.ok && fromDicom.provenance?.acquisition).toEqual({
      modality: 'MR', manufacturer: 'TOSHIBA_MEC', model: 'MRT50H1', sliceThickness: 0.8, pixelSpacing: [0.3125, 0.3125], sliceSpacing: image.spacing[2],
    });
    const nifti = join(dir, 'image.nii.gz');
    writeNifti({ ...image, spacing: [0.7, 0.9, 2.5] }, nifti);
    writeNifti({ ...image, spacing: [0.7, 0.9, 2.5], data }, mask);
    const fromNifti = extractCase({ id: 'nii', image: nifti, mask, config: { families: ['intensity_statistics'] } });
    expect(fromNifti.ok && fromNifti.provenance?.acquisition).toEqual({ pixelSpacing: [Math.fround(0.7), Math.fround(0.9)], sliceSpacing: 2.5 });
  });
});
