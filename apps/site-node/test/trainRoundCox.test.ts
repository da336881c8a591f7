import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainingMethod } from '@fedrad/methods';
import { packTensor, updateLayout, type CampaignProtocol, type JobEnvelope, type TrainRoundParams } from '@fedrad/protocol';
import { checkEgress } from '../src/egressGuard.js';
import { runJob } from '../src/jobs/runJob.js';
import { protocolDeviations } from '../src/protocolConformance.js';
import { envelope } from './helpers.js';

// A Cox train-round at each of the three sites of scripts/fixtures/methods/cox-sites.R: the sites'
// −log partial likelihoods at β = 0 add up to R's coxph(... + strata(site), ties = "breslow")
// null log-likelihood, and no site sends more than the cox row of SITE_CHANNEL.md §6.
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/cox-sites.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  stratifiedBreslow: { loglik0: number };
  coarsened: { minEvents: number; edges: number[]; loneEventGrid: number[]; breslow: { loglik0: number } };
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

describe('train-round job for a pooled Cox model (model.strata "none", the protocol\'s time bins)', () => {
  const c = fixture.coarsened;
  const sites = Object.keys(fixture.sites);
  const protocolWith = (timeGridDays: number[]): CampaignProtocol => ({
    type: 'campaign-protocol', campaignId: 'test', title: 'pooled cox', version: 1, outcome: { type: 'survival', time: 'time', event: 'event' }, features,
    model: { family: 'cox', ties: 'breslow', strata: 'none', timeGridDays }, trainingSites: sites, testSites: [], minCohortSize: c.minEvents,
    training: { strategy: 'exact-newton', rounds: 20 },
  });
  const protocol = protocolWith(c.edges);
  const roundZero = (p: CampaignProtocol) => JSON.parse(JSON.stringify(trainingMethod(p).configure(trainingMethod(p).initialState(), sites)['site-a'])) as TrainRoundParams;
  const jobOf = (params: TrainRoundParams) => ({ ...envelope('train-round', params as never, 0), campaignId: 'test' }) as JobEnvelope;

  it("the sites' risk-set sums in the protocol's bins give R's null partial log-likelihood of coxph on the coarsened rows; each holds only the pooled layout", async () => {
    const params = roundZero(protocol);
    expect(protocolDeviations(jobOf(params), protocol, 'training')).toEqual([]);
    const results = [];
    for (const site of sites) {
      const update = (await runJob({ envelope: envelope('train-round', params as never, 0), siteId: site, cohort: cohortOf(site), minCohortSize: c.minEvents, workDir: dir })) as never as {
        contents: string; sampleCount: number; loss?: number; tensors: Array<{ name: string; shape: number[]; data: number[] }>;
      };
      expect(update.contents).toBe('risk-set-sums');
      expect(update.loss).toBeUndefined();
      expect(update.tensors.map((t) => [t.name, t.shape])).toEqual(Object.entries(updateLayout(params)));
      // The site's egress guard lets exactly that layout out.
      const packed = { ...update, tensors: update.tensors.map((t) => packTensor({ name: t.name, shape: t.shape, data: Float64Array.from(t.data) })) };
      expect(checkEgress('model-update', packed, { localPatientCounts: [update.sampleCount], minCohortSize: c.minEvents, modelUpdateTensors: updateLayout(params) })).toMatchObject({ allowed: true });
      results.push({ siteId: site, update: update as never });
    }
    // The coordinator's aggregate of the three sites' sums: −ℓ(0) of the pooled risk sets.
    const method = trainingMethod(protocol);
    expect(-method.aggregate(method.initialState(), results, []).loss!).toBeCloseTo(c.breslow.loglik0, 9);
  });

  it('the attacker: a coordinator asking for finer bins than the protocol\'s is refused as outside it; a protocol bin with a single event of this site is refused at the site and nothing is sent', async () => {
    // The fixture's grid with a bin of its own at an event time only one of site-a's patients has.
    const fine = c.loneEventGrid;
    // The approved protocol has c.edges: a job with the fine grid is another model, refused before any row is read.
    const finer = { ...roundZero(protocol), model: { ...protocol.model, timeGridDays: fine } };
    expect(protocolDeviations(jobOf(finer), protocol, 'training')).toEqual([expect.stringMatching(/the model .* is not the protocol's/)]);
    // Every event time its own bin (exact times) is no better.
    const a = fixture.sites['site-a'];
    const exact = [...new Set(a.time.filter((_, i) => a.event[i] === 1))].sort((x, y) => x - y);
    expect(protocolDeviations(jobOf({ ...roundZero(protocol), model: { ...protocol.model, timeGridDays: exact } }), protocol, 'training')).toHaveLength(1);
    // A pre-registered grid that gives this site a bin with one event: the site's own step refuses it.
    const lonely = protocolWith(fine);
    const params = roundZero(lonely);
    expect(protocolDeviations(jobOf(params), lonely, 'training')).toEqual([]);
    await expect(runJob({ envelope: envelope('train-round', params as never, 0), siteId: 'site-a', cohort: cohortOf('site-a'), minCohortSize: c.minEvents, workDir: dir })).rejects.toMatchObject({
      code: 'EGRESS_REFUSED',
      message: expect.stringMatching(/holds 1 event\(s\) at this site; the campaign requires 0 or at least 3 per bin/),
    });
    // A site whose own minimum is higher than the campaign's holds the bins to its own.
    await expect(runJob({ envelope: envelope('train-round', roundZero(protocol) as never, 0), siteId: 'site-a', cohort: cohortOf('site-a'), minCohortSize: 40, workDir: dir })).rejects.toMatchObject({ code: 'EGRESS_REFUSED' });
  });
});
