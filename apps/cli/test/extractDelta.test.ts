import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Delta-radiomics from the command line (#12.6): a manifest with a timepoint column gives one row
// per patient. Reference: the same images extracted as plain cases, their differences taken here.
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const main = join(here, '../dist/main.js');
const fedrad = (args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: repo });
const dir = mkdtempSync(join(tmpdir(), 'fedrad-extract-delta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function table(file: string): Map<string, Record<string, number>> {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(','));
  return new Map(rows.map((r) => [r[0], Object.fromEntries(header.slice(1).map((h, j) => [h, Number(r[j + 1])]))]));
}

describe('fedrad extract with time points', () => {
  it('writes baseline, absolute and relative change per patient, equal to the differences of the plain extractions', () => {
    execFileSync(process.execPath, [join(repo, 'scripts/generate-image-cohorts.mjs'), '--out', join(dir, 'cohorts'), '--patients', '4', '--seed', '9']);
    const site = join(dir, 'cohorts/site-a');
    const img = (p: number) => `images/site-a-p00${p}.nii.gz,masks/site-a-p00${p}.nii.gz`;
    // Two "patients", each imaged twice (their follow-up is another generated case); one patient lacks a follow-up.
    writeFileSync(join(site, 'delta.csv'), ['id,timepoint,image,mask', `A,pre,${img(1)}`, `B,pre,${img(2)}`, `C,pre,${img(4)}`, `A,post,${img(3)}`, `B,post,${img(4)}`].join('\n') + '\n');
    writeFileSync(join(site, 'plain.csv'), ['id,image,mask', ...[1, 2, 3, 4].map((p) => `c${p},${img(p)}`)].join('\n') + '\n');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ families: ['morphology', 'intensity_statistics'] }));
    const delta = fedrad(['extract', '--manifest', join(site, 'delta.csv'), '--config', config, '--out', join(dir, 'delta.csv'), '--no-progress']);
    expect(delta.status).toBe(1); // patient C has no follow-up: no row, and said so
    expect(delta.stderr).toContain('no delta features for patient C: no case at time point(s) post');
    expect(fedrad(['extract', '--manifest', join(site, 'plain.csv'), '--config', config, '--out', join(dir, 'plain.csv'), '--no-progress']).status).toBe(0);
    const d = table(join(dir, 'delta.csv'));
    const plain = table(join(dir, 'plain.csv'));
    expect([...d.keys()]).toEqual(['A', 'B']);
    for (const [patient, pre, post] of [['A', 'c1', 'c3'], ['B', 'c2', 'c4']] as const) {
      for (const f of ['stat_mean', 'stat_var', 'morph_volume']) {
        const x0 = plain.get(pre)![f];
        const xt = plain.get(post)![f];
        expect(d.get(patient)![`${f}.pre`]).toBeCloseTo(x0, 9);
        expect(d.get(patient)![`${f}.delta.post`]).toBeCloseTo(xt - x0, 6);
        expect(d.get(patient)![`${f}.rel.post`]).toBeCloseTo((xt - x0) / Math.abs(x0), 9);
      }
    }
    const provenance = JSON.parse(readFileSync(join(dir, 'delta.csv.provenance.json'), 'utf8'));
    expect(provenance.details.delta).toMatchObject({ timepoints: ['pre', 'post'], baseline: 'pre' });
  }, 120_000);

  it('refuses --format ibsi for delta features, which are not IBSI features', () => {
    writeFileSync(join(dir, 'tp.csv'), 'id,timepoint,image,mask\nA,pre,a.nii.gz,b.nii.gz\n');
    const r = fedrad(['extract', '--manifest', join(dir, 'tp.csv'), '--format', 'ibsi', '--out', join(dir, 'x.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not IBSI features');
  });
});
