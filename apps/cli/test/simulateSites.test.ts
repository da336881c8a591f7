import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CampaignProtocol } from '@fedrad/protocol';
import { CliUsageError } from '../src/errors.js';
import { comparisonLines } from '../src/simulation/runSimulation.js';
import { cohortYaml, readSiteFolders, sameFederation } from '../src/simulation/siteFolders.js';

// `fedrad simulate --sites DIR`: one folder per site of the protocol, each a site's cohorts.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-sim-sites-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const protocol = { trainingSites: ['site-a', 'site-b'], testSites: ['site-t'] } as unknown as CampaignProtocol;

function sites(name: string, files: Record<string, Record<string, string>>): string {
  const root = join(dir, name);
  for (const [site, content] of Object.entries(files)) {
    mkdirSync(join(root, site), { recursive: true });
    for (const [file, text] of Object.entries(content)) writeFileSync(join(root, site, file), text);
  }
  return root;
}

describe('simulation site folders', () => {
  it('reads an image folder, a feature-table folder and a site.yaml with its own cohorts and minimum', () => {
    const root = sites('ok', {
      'site-a': { 'manifest.csv': 'id,image,mask\n', 'outcome.csv': 'id,label\n' },
      'site-b': { 'features.csv': 'id,f\n', 'outcome.csv': 'id,label\n' },
      'site-t': { 'site.yaml': 'siteId: site-t\nminCohortSize: 8\ncohorts:\n  - { name: scans, images: m/manifest.csv, outcome: o.csv }\n' },
    });
    const read = readSiteFolders(root, protocol);
    expect(read.map((s) => [s.siteId, s.role])).toEqual([['site-a', 'training'], ['site-b', 'training'], ['site-t', 'test']]);
    expect(read[0].cohorts).toEqual([{ name: 'local', images: join(root, 'site-a/manifest.csv'), outcome: join(root, 'site-a/outcome.csv') }]);
    expect(read[1].cohorts).toEqual([{ name: 'local', features: join(root, 'site-b/features.csv'), outcome: join(root, 'site-b/outcome.csv') }]);
    expect(read[2]).toMatchObject({ minCohortSize: 8, cohorts: [{ name: 'scans', images: join(root, 'site-t/m/manifest.csv'), outcome: join(root, 'site-t/o.csv') }] });
    expect(cohortYaml(read[2].cohorts)).toEqual(['cohorts:', `  - { name: "scans", images: ${JSON.stringify(join(root, 'site-t/m/manifest.csv'))}, outcome: ${JSON.stringify(join(root, 'site-t/o.csv'))} }`]);
  });

  it('gives a cohort its clinical table: clinical.csv beside it, or clinical: in site.yaml (with the columns it offers)', () => {
    const root = sites('clinical', {
      'site-a': { 'features.csv': 'id,f\n', 'outcome.csv': 'id,label\n', 'clinical.csv': 'id,age\n' },
      'site-b': { 'site.yaml': 'cohorts:\n  - { name: c, features: f.csv, outcome: o.csv, clinical: { table: t/clin.csv, columns: [age] } }\n' },
      'site-t': { 'manifest.csv': 'id,image,mask\n', 'outcome.csv': 'id,label\n' },
    });
    const read = readSiteFolders(root, protocol);
    expect(read[0].cohorts[0].clinical).toEqual({ table: join(root, 'site-a/clinical.csv') });
    expect(read[1].cohorts[0].clinical).toEqual({ table: join(root, 'site-b/t/clin.csv'), columns: ['age'] });
    expect(read[2].cohorts[0].clinical).toBeUndefined();
    expect(cohortYaml(read[1].cohorts)[1]).toBe(`  - { name: "c", features: ${JSON.stringify(join(root, 'site-b/f.csv'))}, outcome: ${JSON.stringify(join(root, 'site-b/o.csv'))}, clinical: { table: ${JSON.stringify(join(root, 'site-b/t/clin.csv'))}, columns: ["age"] } }`);
  });

  it('refuses a folder that is not a site, a site without a folder, a folder with nothing usable, and a site.yaml setting what the simulation sets', () => {
    const cases: Array<[Record<string, Record<string, string>>, string]> = [
      [{ 'site-a': {}, 'site-b': {}, 'site-t': {}, 'site-x': {} }, 'folder "site-x" is not a site of the protocol'],
      [{ 'site-a': {}, 'site-b': {} }, 'no folder for site(s) site-t'],
      [{ 'site-a': { 'outcome.csv': '' }, 'site-b': {}, 'site-t': {} }, 'has outcome.csv but neither manifest.csv'],
      [{ 'site-a': { 'site.yaml': 'coordinatorUrl: https://x\ncohorts: []\n' }, 'site-b': {}, 'site-t': {} }, '"coordinatorUrl" cannot be set in a simulation'],
      [{ 'site-a': { 'site.yaml': 'cohorts:\n  - { name: a, features: f.csv, outcome: o.csv }\n  - { name: b, features: g.csv, outcome: o.csv }\n' }, 'site-b': {}, 'site-t': {} }, "2 cohorts listed; a campaign's jobs use a site's first cohort"],
    ];
    cases.forEach(([files, message], i) => {
      const root = sites(`bad-${i}`, files);
      expect(() => readSiteFolders(root, protocol)).toThrow(CliUsageError);
      expect(() => readSiteFolders(root, protocol)).toThrow(message);
    });
  });

  it('runs several protocols together only on the same sites in the same roles, each with its own campaign id', () => {
    const plan = (campaignId: string, trainingSites: string[], testSites: string[]) => ({ campaignId, trainingSites, testSites }) as unknown as CampaignProtocol;
    expect(() => sameFederation([plan('a', ['s1', 's2'], ['t']), plan('b', ['s2', 's1'], ['t'])], ['a.json', 'b.json'])).not.toThrow();
    expect(() => sameFederation([plan('a', ['s1', 's2'], ['t']), plan('b', ['s1', 't'], ['s2'])], ['a.json', 'b.json'])).toThrow('--protocol b.json: its training and test sites differ from those of a.json');
    expect(() => sameFederation([plan('a', ['s1'], ['t']), plan('b', ['s1'], ['t']), plan('a', ['s1'], ['t'])], ['a.json', 'b.json', 'c.json'])).toThrow('--protocol c.json and a.json have the same campaignId "a"');
  });

  it("prints each test site's discrimination under each campaign side by side: AUC, or Harrell's C for survival", () => {
    type Status = Parameters<typeof comparisonLines>[0][number];
    const status = (campaignId: string, reports: Record<string, unknown>) => ({ campaignId, state: 'completed', evaluations: Object.entries(reports).map(([siteId, report]) => ({ siteId, report })) }) as unknown as Status;
    const auc = (estimate: number) => ({ discrimination: { auc: { estimate, lower: estimate - 0.1, upper: estimate + 0.1 } } });
    expect(comparisonLines([status('plain', { 't1': auc(0.7), 't2': auc(0.65) }), status('combat', { 't1': auc(0.8) })])).toEqual([
      '', 'the same test patients under each campaign:',
      '  test site t1', '    plain   AUC 0.700 (95% CI 0.600 to 0.800)', '    combat  AUC 0.800 (95% CI 0.700 to 0.900)',
      '  test site t2', '    plain   AUC 0.650 (95% CI 0.550 to 0.750)', '    combat  no evaluation (completed)',
    ]);
    expect(comparisonLines([status('cox-a', { t: { survival: { harrellC: { estimate: 0.64 } } } }), status('cox-b', { t: { survival: { harrellC: { estimate: 0.61 } } } })]).slice(3)).toEqual([
      "    cox-a  Harrell's C 0.640", "    cox-b  Harrell's C 0.610",
    ]);
    expect(comparisonLines([status('only', {})])).toEqual([]);
    // With a meta-analysis, each campaign's pooled AUC and calibration slope follow.
    const pooled = (campaignId: string, auc: number, slope: number) => ({
      ...status(campaignId, { t1: auc, t2: auc }),
      metaAnalysis: { report: { metaAnalyses: [{ measure: 'auc', pooled: { estimate: auc, lower: auc - 0.1, upper: auc + 0.05 } }, { measure: 'calibrationSlope', pooled: { estimate: slope } }, { measure: 'calibrationInTheLarge', pooled: { estimate: 0 } }] } },
    }) as unknown as Status;
    expect(comparisonLines([pooled('plain', 0.88, 3.03), pooled('combat', 0.912, 1.907)]).slice(-3)).toEqual([
      '  pooled over the test sites (random effects)',
      '    plain   AUC 0.880 (95% CI 0.780 to 0.930), calibration slope 3.030',
      '    combat  AUC 0.912 (95% CI 0.812 to 0.962), calibration slope 1.907',
    ]);
  });
});
