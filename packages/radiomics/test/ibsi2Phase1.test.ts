import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNifti } from '@fedrad/imaging';
import { applyFilter, parseFilterSpec } from '../src/index.js';

/**
 * IBSI 2 phase 1 (Depeursinge et al., IBSI 2 reference manual, arXiv:2006.05470, chapter 5): every
 * shipped config applied to its digital phantom reproduces the consensus response map
 * (reference_response_maps/<ID>-ValidCRM.nii.gz) within 1 % of that map's intensity range at
 * every voxel — the manual's own validity criterion.
 */
const here = dirname(fileURLToPath(import.meta.url));
const configDir = join(here, '../configs/ibsi2-phase1');
const ibsi2 = join(here, '../../../../shared/ibsi/ibsi2');
const configs = readdirSync(configDir).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(configDir, f), 'utf8')) as { id: string; phantom: string; reference: string; filter: unknown });

describe('IBSI 2 phase 1 response maps', () => {
  it('ships one config for each of the 33 reference maps', () => {
    const maps = readdirSync(join(ibsi2, 'reference_response_maps')).filter((f) => f.endsWith('-ValidCRM.nii.gz')).sort();
    expect(configs.map((c) => c.reference).sort()).toEqual(maps);
    expect(maps).toHaveLength(33);
    for (const c of configs) expect(c.reference).toBe(`${c.id.replace(/\./g, '_')}-ValidCRM.nii.gz`);
  });

  it.each(configs.map((c) => [c.id, c] as const))('%s is within 1 %% of the reference range at every voxel', (_id, c) => {
    const phantom = readNifti(join(ibsi2, 'digital_phantoms', `${c.phantom}.nii.gz`));
    const reference = readNifti(join(ibsi2, 'reference_response_maps', c.reference));
    expect(reference.dims).toEqual(phantom.dims);
    const response = applyFilter({ data: Float64Array.from(phantom.data), dims: phantom.dims, spacing: phantom.spacing }, parseFilterSpec(c.filter, c.id));
    let lo = Infinity, hi = -Infinity;
    for (const v of reference.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    let worst = 0;
    for (let i = 0; i < response.length; i++) worst = Math.max(worst, Math.abs(response[i] - reference.data[i]));
    expect(hi - lo).toBeGreaterThan(0);
    expect(worst / (hi - lo)).toBeLessThan(0.01);
  }, 120_000);
});
