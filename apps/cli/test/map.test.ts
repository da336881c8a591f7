import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNifti, writeNifti } from '@fedrad/imaging';
import { runMap } from '../src/commands/map.js';

// `fedrad map` on the IBSI 2 sphere phantom: the written map is on the image's grid and each ROI
// voxel holds the mean of its 3 × 3 × 3 neighbourhood ∩ ROI, computed here from the phantom file.
const here = dirname(fileURLToPath(import.meta.url));
const phantom = join(here, '../../../../shared/ibsi/ibsi2/digital_phantoms/sphere.nii.gz');

describe('fedrad map', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-map-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the neighbourhood mean of every ROI voxel, aligned with the image, with its provenance', async () => {
    const image = readNifti(phantom);
    const [nx, ny, nz] = image.dims;
    const at = (x: number, y: number, z: number) => x + nx * (y + ny * z);
    const roi = new Uint8Array(image.data.length);
    for (let z = 28; z < 36; z++) for (let y = 20; y < 30; y++) for (let x = 10; x < 22; x++) roi[at(x, y, z)] = 1;
    const maskPath = join(dir, 'roi.nii.gz');
    writeNifti({ ...image, data: roi }, maskPath);
    const out = join(dir, 'map.nii.gz');
    const r = await runMap({ image: phantom, mask: maskPath, feature: 'stat_mean', kernel: 3, out, progress: false });
    expect(r.roiVoxels).toBe(8 * 10 * 12);
    const map = readNifti(out);
    expect(map.dims).toEqual(image.dims);
    expect(map.spacing).toEqual(image.spacing);
    expect(map.origin).toEqual(image.origin);
    for (const [x, y, z] of [[10, 20, 28], [15, 25, 31], [21, 29, 35], [12, 22, 33]]) {
      let s = 0, c = 0;
      for (let dz = -1; dz <= 1; dz++) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const i = at(x + dx, y + dy, z + dz);
        if (roi[i]) { s += image.data[i]; c++; }
      }
      expect(map.data[at(x, y, z)]).toBeCloseTo(s / c, 3);
    }
    expect(map.data[at(5, 5, 5)]).toBe(0);
    const prov = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8'));
    expect(prov.command).toBe('fedrad map');
    expect(prov.details).toMatchObject({ feature: 'stat_mean', family: 'intensity_statistics', kernelVoxels: 3, roiVoxels: 960 });
  }, 60_000);

  it('refuses a tag no family computes, naming it (before writing anything)', async () => {
    await expect(runMap({ image: phantom, mask: phantom, feature: 'cm_homogeneity', kernel: 3, out: join(dir, 'x.nii.gz'), progress: false })).rejects.toThrow('cm_homogeneity');
  });
});
