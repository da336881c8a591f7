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
});
