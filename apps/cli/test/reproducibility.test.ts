import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as reproducibility from '../src/commands/reproducibility.js';
import { runCommands } from './commandRunner.js';

// psych::ICC (lmer = FALSE) of seeded readings by three readers: scripts/fixtures/harmonize/icc.R.
const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '../../../packages/harmonize/test/fixtures');
const fixture = JSON.parse(readFileSync(join(fixtureDir, 'icc.json'), 'utf8')) as {
  site: string[];
  sets: Array<{ readers: number; features: Array<{ name: string; readers: number[][]; icc: Array<{ type: string; estimate: number; lower: number; upper: number }> }> }>;
};
const set = fixture.sets[1];
const n = set.features[0].readers.length;
const ids = [...Array(n).keys()].map((i) => `c${i + 1}`);
const PSYCH: Record<string, string> = { ICC1: 'ICC(1,1)', ICC2: 'ICC(2,1)', ICC3: 'ICC(3,1)', ICC1k: 'ICC(1,k)', ICC2k: 'ICC(2,k)', ICC3k: 'ICC(3,k)' };

function readers() {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-icc-'));
  const write = (name: string, lines: string[]) => { writeFileSync(join(dir, name), lines.join('\n') + '\n'); return join(dir, name); };
  const files = [...Array(set.readers).keys()].map((r) => {
    // Each reader's table lists the cases in its own order: alignment is by id.
    const rows = ids.map((id, i) => [id, ...set.features.map((f) => f.readers[i][r])].join(','));
    return write(`seg${r + 1}.csv`, ['id,' + set.features.map((f) => f.name).join(','), ...(r % 2 ? rows.reverse() : rows)]);
  });
  return { dir, files, sites: write('S.csv', ['id,site', ...ids.map((id, i) => `${id},${fixture.site[i]}`)]), write };
}

describe('fedrad reproducibility', () => {
  it('every form and CI equals psych::ICC, pooled and over --sites alike; the threshold lists kept and dropped features', async () => {
    const r = readers();
    const features = r.files.flatMap((f) => ['--features', f]);
    await runCommands([reproducibility], ['reproducibility', ...features, '--out', join(r.dir, 'pooled.json')]);
    const stdout = await runCommands([reproducibility], ['reproducibility', ...features, '--sites', r.sites, '--threshold', '0.75', '--on', 'lower', '--out', join(r.dir, 'sites.json')]);
    expect(stdout).toMatch(/ICC of 4 features over 24 cases and 3 measurements; \d of 4 reach the threshold/);
    const pooled = JSON.parse(readFileSync(join(r.dir, 'pooled.json'), 'utf8'));
    const sites = JSON.parse(readFileSync(join(r.dir, 'sites.json'), 'utf8'));
    expect(sites.sites).toEqual({ 'site-a': 7, 'site-b': 8, 'site-c': 9 });
    set.features.forEach((feature, f) => {
      for (const row of feature.icc) {
        for (const report of [pooled, sites]) {
          const ours = report.features[f][PSYCH[row.type]];
          expect(Math.abs(ours.estimate - row.estimate)).toBeLessThan(1e-10);
          expect(Math.abs(ours.lower - row.lower)).toBeLessThan(1e-10);
          expect(Math.abs(ours.upper - row.upper)).toBeLessThan(1e-10);
        }
      }
      const lower = feature.icc.find((x) => x.type === 'ICC2')!.lower;
      expect(sites.filter.kept.includes(feature.name)).toBe(lower >= 0.75);
    });
    const provenance = JSON.parse(readFileSync(join(r.dir, 'sites.json.provenance.json'), 'utf8'));
    expect(provenance.inputs.map((i: { role: string }) => i.role)).toEqual(['features', 'features', 'features', 'sites']);
    expect(provenance.config.value).toMatchObject({ confidence: 0.95, federated: true, form: 'ICC(2,1)', threshold: 0.75, on: 'lower' });
  });

  it('refuses one table, a case a reader lacks, and a site below the minimum', async () => {
    const r = readers();
    const out = join(r.dir, 'icc.json');
    await expect(runCommands([reproducibility], ['reproducibility', '--features', r.files[0], '--out', out])).rejects.toThrow(/at least two/);
    const short = r.write('short.csv', readFileSync(r.files[1], 'utf8').trim().split('\n').filter((l) => !l.startsWith('c3,')));
    await expect(runCommands([reproducibility], ['reproducibility', '--features', r.files[0], '--features', short, '--out', out])).rejects.toThrow(/short\.csv has no row for case "c3"/);
    await expect(runCommands([reproducibility], ['reproducibility', '--features', r.files[0], '--features', r.files[1], '--sites', r.sites, '--min-cohort', '8', '--out', out])).rejects.toThrow(/Site site-a has 7 patients/);
  });
});

/**
 * Six cases in `dir`/cohort.csv: ellipsoids of different sizes with different intensity levels and
 * a gradient. With `secondReader`, a mask2 column: each mask one voxel wider (the 6-neighbourhood
 * dilation, computed here).
 */
async function writeCases(prefix: string, secondReader: boolean): Promise<string> {
  const { writeNifti } = await import('@fedrad/imaging');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dims: [number, number, number] = [14, 14, 8];
  const geometry = { spacing: [1, 1, 2] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number] };
  const rows = [secondReader ? 'id,image,mask,mask2' : 'id,image,mask'];
  const at = (m: Uint8Array, i: number, j: number, k: number) => (i < 0 || j < 0 || k < 0 || i >= dims[0] || j >= dims[1] || k >= dims[2] ? 0 : m[i + dims[0] * (j + dims[1] * k)]);
  for (let c = 0; c < 6; c++) {
    const image = new Float32Array(dims[0] * dims[1] * dims[2]);
    const mask = new Uint8Array(image.length);
    const radius = 3 + (c % 3) * 0.8;
    for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) {
      const v = i + dims[0] * (j + dims[1] * k);
      image[v] = 50 + 20 * c + 3 * i + ((i * 7 + j * 13 + k * 17 + c * 5) % 11);
      mask[v] = ((i - 6.5) / radius) ** 2 + ((j - 6.5) / (radius + c * 0.3)) ** 2 + ((k - 3.5) / 2.5) ** 2 <= 1 ? 1 : 0;
    }
    writeNifti({ data: image, dims, ...geometry }, join(dir, `c${c}-img.nii.gz`));
    writeNifti({ data: mask, dims, ...geometry }, join(dir, `c${c}-roi.nii.gz`));
    if (secondReader) {
      const wider = new Uint8Array(mask.length);
      for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) {
        wider[i + dims[0] * (j + dims[1] * k)] = [at(mask, i, j, k), at(mask, i - 1, j, k), at(mask, i + 1, j, k), at(mask, i, j - 1, k), at(mask, i, j + 1, k), at(mask, i, j, k - 1), at(mask, i, j, k + 1)].some((x) => x) ? 1 : 0;
      }
      writeNifti({ data: wider, dims, ...geometry }, join(dir, `c${c}-roi2.nii.gz`));
    }
    rows.push(`c${c},c${c}-img.nii.gz,c${c}-roi.nii.gz${secondReader ? `,c${c}-roi2.nii.gz` : ''}`);
  }
  writeFileSync(join(dir, 'cohort.csv'), rows.join('\n') + '\n');
  return dir;
}

describe('fedrad reproducibility --manifest (robustness without a second reader)', () => {
  it('extracts every case under each perturbation and reports the ICC over them; an identity perturbation agrees perfectly', async () => {
    const dir = await writeCases('fedrad-perturb-', false);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ families: ['intensity_statistics'] }));
    const out = join(dir, 'icc.json');
    const run = (...perturbations: string[]) => runCommands([reproducibility], ['reproducibility', '--manifest', join(dir, 'cohort.csv'), '--config', join(dir, 'config.json'), ...perturbations.flatMap((p) => ['--perturbation', p]), '--out', out]);
    await run('none', 'translate:0,0,0');
    const identical = JSON.parse(readFileSync(out, 'utf8'));
    expect(identical.perturbations).toEqual(['none', 'translate:0,0,0']);
    // Two identical measurements: no within-case variance, every ICC is exactly 1.
    for (const f of identical.features) expect([f['ICC(1,1)'].estimate, f['ICC(1,1)'].lower, f['ICC(1,1)'].F, f['ICC(1,1)'].p]).toEqual([1, 1, 'Infinity', 0]);
    const stdout = await run('none', 'rotate:15', 'dilate:1', 'noise:4');
    expect(stdout).toMatch(/over 6 cases and 4 measurements/);
    const perturbed = JSON.parse(readFileSync(out, 'utf8'));
    const mean = perturbed.features.find((f: { feature: string }) => f.feature === 'stat_mean');
    // The mean intensity is dominated by the case level (20 per case): robust, but no longer perfect.
    expect(mean['ICC(1,1)'].estimate).toBeGreaterThan(0.9);
    expect(mean['ICC(1,1)'].estimate).toBeLessThan(1);
    const provenance = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8'));
    expect(provenance.inputs.map((i: { role: string }) => i.role)).toEqual(['manifest']);
    expect(provenance.config.value).toMatchObject({ perturbations: ['none', 'rotate:15', 'dilate:1', 'noise:4'], seed: 1 });
    await expect(runCommands([reproducibility], ['reproducibility', '--manifest', join(dir, 'cohort.csv'), '--perturbation', 'spin:3', '--perturbation', 'none', '--out', out])).rejects.toThrow(/perturbation "spin:3": unknown kind/);
    await expect(runCommands([reproducibility], ['reproducibility', '--features', 'a.csv', '--features', 'b.csv', '--perturbation', 'none', '--out', out])).rejects.toThrow(/--perturbation belongs to --manifest/);
  });
});

describe('fedrad reproducibility --manifest with further segmentations (a campaign site\'s measurement, one machine)', () => {
  it('extracts each case from mask and mask2 and gives the ICC of the perturbation run that dilates the same mask; refuses a manifest without one', async () => {
    const dir = await writeCases('fedrad-segs-', true);
    const rows = readFileSync(join(dir, 'cohort.csv'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'single.csv'), rows.map((r) => r.split(',').slice(0, 3).join(',')).join('\n') + '\n');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ families: ['morphology', 'intensity_statistics'] }));
    const base = ['reproducibility', '--config', join(dir, 'config.json')];
    const stdout = await runCommands([reproducibility], [...base, '--manifest', join(dir, 'cohort.csv'), '--threshold', '0.9', '--out', join(dir, 'segs.json')]);
    expect(stdout).toMatch(/over 6 cases and 2 measurements/);
    await runCommands([reproducibility], [...base, '--manifest', join(dir, 'single.csv'), '--perturbation', 'none', '--perturbation', 'dilate:1', '--out', join(dir, 'dilated.json')]);
    const segs = JSON.parse(readFileSync(join(dir, 'segs.json'), 'utf8'));
    const dilated = JSON.parse(readFileSync(join(dir, 'dilated.json'), 'utf8'));
    expect(segs.segmentations).toEqual(['mask', 'mask2']);
    expect(segs.features.map((f: { feature: string }) => f.feature)).toEqual(dilated.features.map((f: { feature: string }) => f.feature));
    segs.features.forEach((f: Record<string, { estimate: number }>, i: number) => expect(f['ICC(2,1)'].estimate).toBe(dilated.features[i]['ICC(2,1)'].estimate));
    expect(segs.filter.dropped.map((d: { feature: string }) => d.feature)).toContain('morph_volume');
    expect(JSON.parse(readFileSync(join(dir, 'segs.json.provenance.json'), 'utf8')).config.value).toMatchObject({ segmentations: 2 });
    await expect(runCommands([reproducibility], [...base, '--manifest', join(dir, 'single.csv'), '--out', join(dir, 'x.json')])).rejects.toThrow(/has no further segmentation column \(mask2, mask3, …\)/);
    await expect(runCommands([reproducibility], [...base, '--manifest', join(dir, 'cohort.csv'), '--perturbation', 'none', '--perturbation', 'noise', '--out', join(dir, 'x.json')])).rejects.toThrow(/"mask2" hold further segmentations/);
  }, 120_000);
});
