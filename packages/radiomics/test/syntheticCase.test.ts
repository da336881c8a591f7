import { describe, expect, it } from '@jest/globals';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseNifti } from '@fedrad/imaging';

// The bench case must be what issue 3 specifies; its NIfTI writer is checked with the imaging
// package's reader on a small volume (the full case takes seconds to gzip).
const script = join(dirname(fileURLToPath(import.meta.url)), '../../../scripts/generate-synthetic-case.mjs');
interface Generator {
  CASE_DIMS: number[];
  CASE_SPACING: number[];
  syntheticRoi: () => { mask: Uint8Array };
  niftiBytes: (data: Int16Array | Uint8Array, datatype: number, bitpix: number, dims: number[], spacing: number[]) => Uint8Array;
}
const load = async () => (await import(pathToFileURL(script).href)) as Generator;

describe('scripts/generate-synthetic-case.mjs', () => {
  it('a 256×256×64 grid at 0.8×0.8×3 mm with a ROI of exactly 50,000 voxels', async () => {
    const g = await load();
    expect(g.CASE_DIMS).toEqual([256, 256, 64]);
    expect(g.CASE_SPACING).toEqual([0.8, 0.8, 3]);
    const { mask } = g.syntheticRoi();
    expect(mask.length).toBe(256 * 256 * 64);
    expect(mask.reduce((s, v) => s + v, 0)).toBe(50000);
  });
  it('its NIfTI-1 writer is read back by the imaging reader (dims, spacing, int16 values)', async () => {
    const g = await load();
    const data = Int16Array.from({ length: 4 * 3 * 2 }, (_, i) => i * 37 - 400);
    const volume = parseNifti(g.niftiBytes(data, 4, 16, [4, 3, 2], [0.8, 0.8, 3]), 'small.nii');
    expect(volume.dims).toEqual([4, 3, 2]);
    volume.spacing.forEach((s, k) => expect(s).toBeCloseTo([0.8, 0.8, 3][k], 6));
    expect(Array.from(volume.data)).toEqual(Array.from(data));
  });
});
