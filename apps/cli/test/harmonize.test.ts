import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFeatureTable } from '@fedrad/protocol';
import * as harmonize from '../src/commands/harmonize.js';
import { runCommands } from './commandRunner.js';

// sva::ComBat and R's scale() on a seeded three-site table: scripts/fixtures/harmonize/combat.R.
const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '../../../packages/harmonize/test/fixtures');
const fixture = JSON.parse(readFileSync(join(fixtureDir, 'combat.json'), 'utf8')) as {
  features: string[]; site: string[]; x: number[][]; covariateNames: string[]; covariates: number[][];
  cases: Array<{ name: string; out: number[][] }>; zscoreSite: number[][]; zscorePooled: number[][];
};
const ids = fixture.x.map((_, i) => `p${String(i + 1).padStart(3, '0')}`);
// Rows written in a shuffled order (reversed), so the output must follow F.csv's order, not the sites'.
const order = ids.map((_, i) => ids.length - 1 - i);

function cohort() {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-harmonize-'));
  const write = (name: string, lines: string[]) => { writeFileSync(join(dir, name), lines.join('\n') + '\n'); return join(dir, name); };
  return {
    dir,
    features: write('F.csv', ['id,' + fixture.features.join(','), ...order.map((i) => [ids[i], ...fixture.x[i].map(String)].join(','))]),
    sites: write('S.csv', ['id,site', ...ids.map((id, i) => `${id},${fixture.site[i]}`)]),
    covariates: write('C.csv', ['id,' + fixture.covariateNames.join(','), ...ids.map((id, i) => [id, ...fixture.covariates[i]].join(','))]),
    write,
  };
}

function expectTable(path: string, expected: number[][], tol: number) {
  const table = readFeatureTable(readFileSync(path, 'utf8'), path);
  expect(table.featureNames).toEqual(fixture.features);
  expect(table.ids).toEqual(order.map((i) => ids[i]));
  const p = fixture.features.length;
  order.forEach((i, r) => fixture.features.forEach((_, f) => expect(Math.abs(table.values[r * p + f] - expected[i][f])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i][f])))));
}

describe('fedrad harmonize', () => {
  it('combat with covariates over --sites equals sva::ComBat(mod = ~label + age), with a provenance sidecar', async () => {
    const c = cohort();
    const out = join(c.dir, 'H.csv');
    const stdout = await runCommands([harmonize], ['harmonize', '--method', 'combat', '--features', c.features, '--sites', c.sites, '--covariates', c.covariates, '--out', out]);
    expect(stdout).toMatch(/harmonised 51 cases × 10 features by combat over site-a \(14\), site-b \(17\), site-c \(20\)/);
    expectTable(out, fixture.cases.find((k) => k.name === 'parametric-covariates')!.out, 1e-9);
    const provenance = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8'));
    expect(provenance.command).toBe('fedrad harmonize');
    expect(provenance.inputs.map((i: { role: string }) => i.role)).toEqual(['features', 'sites', 'covariates']);
    expect(provenance.config.value).toMatchObject({ method: 'combat', federated: true, meanOnly: false, nonParametric: false, referenceSite: null, covariates: ['label', 'age'], minCohortSize: 5 });
  });

  it('--reference-site, --mean-only and --non-parametric reach the method', async () => {
    const c = cohort();
    const out = join(c.dir, 'H.csv');
    await runCommands([harmonize], ['harmonize', '--method', 'combat', '--features', c.features, '--sites', c.sites, '--covariates', c.covariates, '--reference-site', 'site-a', '--mean-only', '--non-parametric', '--out', out]);
    expectTable(out, fixture.cases.find((k) => k.name === 'reference-nonparametric-mean-only')!.out, 1e-9);
  });

  it('z-scoring per site, pooled over sites and pooled without sites equal scale()', async () => {
    const c = cohort();
    await runCommands([harmonize], ['harmonize', '--method', 'zscore-site', '--features', c.features, '--sites', c.sites, '--out', join(c.dir, 'a.csv')]);
    expectTable(join(c.dir, 'a.csv'), fixture.zscoreSite, 1e-12);
    await runCommands([harmonize], ['harmonize', '--method', 'zscore-pooled', '--features', c.features, '--sites', c.sites, '--out', join(c.dir, 'b.csv')]);
    expectTable(join(c.dir, 'b.csv'), fixture.zscorePooled, 1e-12);
    await runCommands([harmonize], ['harmonize', '--method', 'zscore-pooled', '--features', c.features, '--out', join(c.dir, 'c.csv')]);
    expectTable(join(c.dir, 'c.csv'), fixture.zscorePooled, 1e-12);
  });

  it('refuses what it cannot carry out, naming the flag, file, case or site', async () => {
    const c = cohort();
    const out = join(c.dir, 'H.csv');
    const run = (...args: string[]) => runCommands([harmonize], ['harmonize', '--features', c.features, '--out', out, ...args]);
    await expect(run('--method', 'zscore-site', '--sites', c.sites, '--mean-only')).rejects.toThrow(/--mean-only is ComBat's/);
    await expect(run('--method', 'combat')).rejects.toThrow(/give --sites S\.csv/);
    await expect(run('--method', 'combat', '--sites', c.sites, '--reference-site', 'site-q')).rejects.toThrow(/--reference-site site-q is not a site of/);
    const noP005 = c.write('C2.csv', ['id,label,age', ...ids.filter((id) => id !== 'p005').map((id, i) => `${id},${fixture.covariates[i][0]},${fixture.covariates[i][1]}`)]);
    await expect(run('--method', 'combat', '--sites', c.sites, '--covariates', noP005)).rejects.toThrow(/C2\.csv has no row for case "p005"/);
    await expect(run('--method', 'combat', '--sites', c.sites, '--min-cohort', '15')).rejects.toThrow(/Site site-a has 14 patients; the campaign requires at least 15/);
    const constant = c.write('F2.csv', ['id,' + fixture.features.join(','), ...ids.map((id, i) => [id, ...fixture.x[i].map((v, f) => (f === 3 && fixture.site[i] === 'site-c' ? 1 : v))].join(','))]);
    await expect(runCommands([harmonize], ['harmonize', '--method', 'combat', '--features', constant, '--sites', c.sites, '--out', out])).rejects.toThrow(/"f4" is constant within site site-c/);
  });
});
