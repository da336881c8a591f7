import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runExtract } from '../src/commands/extract.js';

// `fedrad extract` with filters in the feature config: the phase 2 tags of
// shared/ibsi/ibsi2/reference_feature_values_phase2.csv as --format ibsi keys, the filter's
// name in CSV columns, and the IBSI codes (feature and filter) in the provenance.
const here = dirname(fileURLToPath(import.meta.url));
const ibsi2 = join(here, '../../../../shared/ibsi/ibsi2');
const image = join(ibsi2, 'digital_phantoms/sphere.nii.gz');
const mask = join(ibsi2, 'digital_phantoms/mask.nii.gz');
const phase2Tags = readFileSync(join(ibsi2, 'reference_feature_values_phase2.csv'), 'utf8').trim().split('\n').slice(1)
  .map((l) => l.split(';')).filter((r) => r[0] === '3.B').map((r) => r[2]);

describe('fedrad extract with filters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-extract-filters-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = (doc: unknown) => { const p = join(dir, `cfg${Math.random().toString(36).slice(2)}.json`); writeFileSync(p, JSON.stringify(doc)); return p; };

  it('--format ibsi keys one response map\'s features by the phase 2 tags, and the provenance names the IBSI codes', async () => {
    const out = join(dir, 'log.json');
    const cfg = config({ families: [], filters: [{ family: 'laplacian_of_gaussian', boundary: 'mirror', sigma: 1.5 }] });
    await runExtract({ image, mask, config: cfg, out, format: 'ibsi', progress: false });
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(doc).sort()).toEqual([...phase2Tags].sort());
    const prov = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8'));
    expect(prov.details.ibsiFeatures.stat_mean).toMatchObject({ code: 'Q4LE', filter: { label: 'log3d_s1p5_mirror', ibsiCodes: ['L6PA'] } });
    expect(prov.config.value.filters[0]).toMatchObject({ family: 'laplacian_of_gaussian', sigma: 1.5, truncation: 4, dimensionality: '3D' });
  }, 60_000);

  it('CSV and --format ibsi keep each filter\'s name when the image\'s own or several filters\' features are output', async () => {
    const cfg = config({ families: ['intensity_statistics'], filters: [{ family: 'mean', boundary: 'mirror', support: 3 }, { family: 'wavelet', wavelet: 'haar', subband: 'HHL', boundary: 'periodic' }] });
    const csv = join(dir, 'two.csv');
    await runExtract({ image, mask, config: cfg, out: csv, progress: false });
    const header = readFileSync(csv, 'utf8').split('\n')[0].split(',');
    expect(header).toContain('stat_mean');
    expect(header).toContain('mean3d_m3_mirror__stat_mean');
    expect(header).toContain('wavelet3d_haar_HHL_l1_periodic__stat_mean');
    const prov = JSON.parse(readFileSync(`${csv}.provenance.json`, 'utf8'));
    expect(prov.details.ibsiFeatures['wavelet3d_haar_HHL_l1_periodic__stat_var']).toMatchObject({ code: 'ECT3', filter: { ibsiCodes: ['UOUE'] } });
    const json = join(dir, 'two.json');
    await runExtract({ image, mask, config: cfg, out: json, format: 'ibsi', progress: false });
    const keys = Object.keys(JSON.parse(readFileSync(json, 'utf8')));
    expect(keys).toHaveLength(3 * 18);
    expect(keys).toContain('mean3d_m3_mirror__stat_mean');
  }, 60_000);

  it('refuses a bad filter field in the feature config, naming it', async () => {
    const cfg = config({ filters: [{ family: 'gabor', boundary: 'mirror', sigma: 5, lambda: 2, gamma: 1, theta: 0, thetaStep: 45 }] });
    await expect(runExtract({ image, mask, config: cfg, out: join(dir, 'bad.json'), progress: false })).rejects.toThrow('filters[0].thetaStep');
  });
});
