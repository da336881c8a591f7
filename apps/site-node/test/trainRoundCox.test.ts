import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob } from '../src/jobs/runJob.js';
import { envelope } from './helpers.js';

// A Cox train-round at each of the three sites of scripts/fixtures/methods/cox-sites.R: the sites'
// −log partial likelihoods at β = 0 add up to R's coxph(... + strata(site), ties = "breslow")
// null log-likelihood, and no site sends more than the cox row of SITE_CHANNEL.md §6.
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/cox-sites.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  stratifiedBreslow: { loglik0: number };
};
const features = ['f1', 'f2', 'f3', 'f4'];
const dir = mkdtempSync(join(tmpdir(), 'train-round-cox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cohortOf(site: string) {
  const d = fixture.sites[site];
  const featuresCsv = join(dir, `${site}-features.csv`);
  const outcomeCsv = join(dir, `${site}-outcome.csv`);
  writeFileSync(featuresCsv, ['id,' + features.join(','), ...d.x.map((x, i) => `${site}-${i},${x.join(',')}`)].join('\n') + '\n');
  writeFileSync(outcomeCsv, ['id,time,event', ...d.time.map((t, i) => `${site}-${i},${t},${d.event[i]}`)].join('\n') + '\n');
  return { name: 'training', features: featuresCsv, outcome: outcomeCsv };
}

const params = (o: Record<string, unknown> = {}) => ({
  kind: 'train-round', round: 0, strategy: 'exact-newton', model: { family: 'cox', ties: 'breslow' }, features,
  globalParameters: [{ name: 'coef', shape: [4], data: [0, 0, 0, 0] }], ...o,
});

describe('train-round job for a Cox model', () => {
  it("the sites' losses at β = 0 add up to R's null partial log-likelihood; each update holds only §6's cox tensors", async () => {
    let loss = 0;
    for (const site of Object.keys(fixture.sites)) {
      const update = (await runJob({ envelope: envelope('train-round', params({ horizonDays: [30] }), 0), siteId: site, cohort: cohortOf(site), minCohortSize: 5, workDir: dir })) as {
        contents: string; loss: number; sampleCount: number; tensors: Array<{ name: string; shape: number[] }>;
      };
      expect(update.contents).toBe('gradient-hessian');
      expect(update.sampleCount).toBe(fixture.sites[site].time.length);
      expect(update.tensors.map((t) => [t.name, t.shape])).toEqual([['gradient', [4]], ['hessian', [4, 4]], ['feature-sum', [4]], ['feature-sumsq', [4]], ['baseline-hazard', [1]]]);
      loss += update.loss;
    }
    expect(-loss).toBeCloseTo(fixture.stratifiedBreslow.loglik0, 9);
  });

  it('refuses a Cox job on a cohort with a binary label, and a horizon before the minimum cohort of events', async () => {
    const binary = join(dir, 'binary-outcome.csv');
    const d = fixture.sites['site-a'];
    writeFileSync(binary, ['id,label', ...d.time.map((_, i) => `site-a-${i},${i % 2}`)].join('\n') + '\n');
    const cohort = { ...cohortOf('site-a'), outcome: binary };
    await expect(runJob({ envelope: envelope('train-round', params(), 0), siteId: 'site-a', cohort, minCohortSize: 5, workDir: dir })).rejects.toThrow(/no time and event columns; a Cox model needs them/);
    await expect(runJob({ envelope: envelope('train-round', params({ horizonDays: [1] }), 0), siteId: 'site-a', cohort: cohortOf('site-a'), minCohortSize: 5, workDir: dir })).rejects.toMatchObject({ code: 'EGRESS_REFUSED' });
  });
});
