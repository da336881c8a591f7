import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNifti, writeNifti } from '@fedrad/imaging';
import { runFilter } from '../src/commands/filter.js';

// IBSI 2 phase 1 data (shared/ibsi/ibsi2): the response map written by `fedrad filter` is checked
// against the consensus map of the manual's test, voxel by voxel, within 1 % of its range.
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const ibsi2 = join(repo, '../shared/ibsi/ibsi2');
const configs = join(repo, 'packages/radiomics/configs/ibsi2-phase1');
const main = join(here, '../dist/main.js');

function worstRelativeError(path: string, reference: string, inside?: (i: number) => boolean): number {
  const out = readNifti(path), ref = readNifti(reference);
  expect(out.dims).toEqual(ref.dims);
  expect(out.spacing).toEqual(ref.spacing);
  let lo = Infinity, hi = -Infinity, worst = 0;
  for (const v of ref.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  for (let i = 0; i < ref.data.length; i++) if (!inside || inside(i)) worst = Math.max(worst, Math.abs(out.data[i] - ref.data[i]));
  return worst / (hi - lo);
}

describe('fedrad filter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-filter-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the 3.b.2 response map (rotation-invariant Laws E3W5R5 on the checkerboard) within 1 % of the IBSI 2 reference, with its provenance', async () => {
    const out = join(dir, '3b2.nii.gz');
    const r = await runFilter({ image: join(ibsi2, 'digital_phantoms/checkerboard.nii.gz'), config: join(configs, '3.b.2.json'), out, progress: false });
    expect(r.filter).toBe('laws3d_E3W5R5_rotmax_mirror');
    expect(worstRelativeError(out, join(ibsi2, 'reference_response_maps/3_b_2-ValidCRM.nii.gz'))).toBeLessThan(0.01);
    const prov = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8'));
    expect(prov.command).toBe('fedrad filter');
    expect(prov.config.value).toMatchObject({ family: 'laws', kernel: 'E3W5R5', pooling: 'max', boundary: 'mirror' });
    expect(prov.inputs.map((i: { role: string }) => i.role)).toEqual(['image']);
  });

  it('with --mask keeps the response inside the mask (filtered over the whole image) and writes 0 outside', async () => {
    const image = join(ibsi2, 'digital_phantoms/sphere.nii.gz');
    const phantom = readNifti(image);
    const [nx, ny] = phantom.dims;
    const mask = new Uint8Array(phantom.data.length);
    for (let i = 0; i < mask.length; i++) if (Math.floor(i / (nx * ny)) >= 32 && i % nx < 40) mask[i] = 1;
    const maskPath = join(dir, 'half.nii.gz');
    writeNifti({ ...phantom, data: mask }, maskPath);
    const out = join(dir, '6a1.nii.gz');
    const r = await runFilter({ image, mask: maskPath, config: join(configs, '6.a.1.json'), out, progress: false });
    expect(r.keptVoxels).toBe(mask.reduce((s, v) => s + v, 0));
    expect(worstRelativeError(out, join(ibsi2, 'reference_response_maps/6_a_1-ValidCRM.nii.gz'), (i) => mask[i] === 1)).toBeLessThan(0.01);
    const written = readNifti(out);
    expect(written.data.every((v, i) => mask[i] === 1 || v === 0)).toBe(true);
    expect(JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8')).details.roiVoxels).toBe(r.keptVoxels);
  });

  it('refuses a config field the filter does not take, naming the file and the field (exit 1), and writes nothing', () => {
    if (!existsSync(main)) throw new Error(`build the CLI first (npm run build): ${main} is missing`);
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ filter: { family: 'gabor', boundary: 'mirror', sigma: 5, lambda: 2, gamma: 1, theta: 0, orientation: 30 } }));
    const out = join(dir, 'bad.nii.gz');
    const r = spawnSync(process.execPath, [main, 'filter', '--image', join(ibsi2, 'digital_phantoms/impulse.nii.gz'), '--config', cfg, '--out', out], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('FILTER_CONFIG_INVALID');
    expect(r.stderr).toContain('"orientation"');
    expect(r.stderr).toContain(cfg);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an output that is not NIfTI (exit 2)', async () => {
    await expect(runFilter({ image: join(ibsi2, 'digital_phantoms/impulse.nii.gz'), config: join(configs, '1.b.1.json'), out: join(dir, 'x.nrrd') })).rejects.toThrow('--out');
  });
});
