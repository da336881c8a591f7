import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainingMethod } from '@fedrad/methods';
import { baselineJobRound, baselineProtocol, updateLayout, type CampaignProtocol, type JobEnvelope, type TrainRoundParams } from '@fedrad/protocol';
import { checkEgress } from '../src/egressGuard.js';
import { runJob } from '../src/jobs/runJob.js';
import { protocolDeviations } from '../src/protocolConformance.js';
import { envelope, repoRoot } from './helpers.js';

// A survival campaign's baseline rounds at the training sites (analysisPlan.baseline, issue #13):
// each site reads its radiomics features, its clinical table and its times and events, and answers
// the Cox baseline model's round with its own partial likelihood's sums. Reference:
// scripts/fixtures/baseline/cox-baseline.R — Newton rounds over the three sites' answers reach R's
// coxph(Surv ~ c1 + c2 + strata(site)) and coxph(Surv ~ f1 + f2 + c1 + c2 + strata(site)) with
// Efron ties (the campaign's model.ties). What leaves passes the site's egress guard; a round that
// is not the approved protocol's Cox baseline is refused.
const cox = JSON.parse(readFileSync(join(repoRoot, 'packages/methods/test/fixtures/cox-sites.json'), 'utf8')) as { sites: Record<string, { x: number[][]; time: number[]; event: number[] }> };
const ref = JSON.parse(readFileSync(join(repoRoot, 'apps/coordinator/test/fixtures/cox-baseline.json'), 'utf8')) as Record<'clinical' | 'combined', { efron: { coef: number[] } }>;
const SITES = ['site-a', 'site-b', 'site-c'];
const dir = mkdtempSync(join(tmpdir(), 'cox-baseline-round-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const example = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
const protocol: CampaignProtocol = {
  ...example, features: ['f1', 'f2'], trainingSites: SITES, testSites: ['site-t'],
  outcome: { type: 'survival', time: 'time', event: 'event', horizonDays: 20 },
  model: { family: 'cox', ties: 'efron' },
  training: { strategy: 'exact-newton', rounds: 30 },
  analysisPlan: { baseline: { covariates: ['c1', 'c2'] } },
};

/** A training site's cohort: f1, f2 its features, c1, c2 (the fixture's f3, f4) its clinical table, time and event its outcome. */
function cohortOf(siteId: string) {
  const d = cox.sites[siteId];
  const id = (i: number) => `${siteId}-p${i}`;
  const files = { features: join(dir, `${siteId}-features.csv`), outcome: join(dir, `${siteId}-outcome.csv`), clinical: join(dir, `${siteId}-clinical.csv`) };
  writeFileSync(files.features, ['id,f1,f2', ...d.x.map((r, i) => `${id(i)},${r[0]},${r[1]}`)].join('\n') + '\n');
  writeFileSync(files.outcome, ['id,time,event', ...d.time.map((t, i) => `${id(i)},${t},${d.event[i]}`)].join('\n') + '\n');
  writeFileSync(files.clinical, ['id,c1,c2', ...d.x.map((r, i) => `${id(i)},${r[2]},${r[3]}`)].join('\n') + '\n');
  return { name: 'training', features: files.features, outcome: files.outcome, clinical: { table: files.clinical }, ids: d.time.map((_, i) => id(i)) };
}
const cohorts = Object.fromEntries(SITES.map((s) => [s, cohortOf(s)]));

function jobFor(model: 'clinical' | 'combined', step: TrainRoundParams, siteId: string): JobEnvelope {
  const round = baselineJobRound(model, step.round);
  return {
    ...envelope('baseline-round', { kind: 'baseline-round', model, covariates: ['c1', 'c2'], radiomicsFeatures: model === 'combined' ? ['f1', 'f2'] : [], step }, round),
    jobId: `${protocol.campaignId}/baseline/${model}/r${round}/${siteId}`,
    campaignId: protocol.campaignId,
  };
}

describe('a Cox baseline round at the training sites', () => {
  for (const model of ['clinical', 'combined'] as const) {
    it(`reaches R's coxph(... + strata(site)) for the ${model} model by Newton rounds over the sites' answers, each passing the egress guard`, async () => {
      const arm = baselineProtocol(protocol, model, model === 'combined' ? ['f1', 'f2'] : []);
      expect(arm.model).toEqual({ family: 'cox', ties: 'efron' });
      const method = trainingMethod(arm);
      let state = method.initialState();
      for (let r = 0; r < 25; r++) {
        const steps = method.configure(state, SITES);
        const results = [];
        for (const siteId of SITES) {
          const job = jobFor(model, steps[siteId], siteId);
          expect(protocolDeviations(job, protocol, 'training')).toEqual([]);
          const c = cohorts[siteId];
          const update = (await runJob({ envelope: job, siteId, cohort: c, minCohortSize: 5, workDir: dir })) as unknown as { kind: string; model: string; sampleCount: number; missingCovariates: number; tensors: Array<{ name: string; data: number[] }> };
          expect(update).toMatchObject({ kind: 'baseline-round', model, sampleCount: c.ids.length, missingCovariates: 0 });
          // The round's layout: the gradient, Hessian and the site's H0 at the horizon; no times, no identifiers.
          expect(checkEgress('baseline-round-result', update, { localPatientCounts: [c.ids.length], patientIds: new Set(c.ids), minCohortSize: 5, modelUpdateTensors: updateLayout(steps[siteId]) })).toMatchObject({ allowed: true });
          results.push({ siteId, update: update as never });
        }
        const outcome = method.aggregate(state, results, []);
        state = outcome.state;
        if (outcome.done) break;
      }
      const coef = Array.from(state.parameters.find((t) => t.name === 'coef')!.data);
      coef.forEach((v, k) => expect(Math.abs(v - ref[model].efron.coef[k])).toBeLessThan(1e-7 * Math.max(1, Math.abs(ref[model].efron.coef[k]))));
    });
  }

  it('refuses a baseline round of a survival campaign that asks for a logistic model (attacker test), and a Cox round on a cohort without times', async () => {
    const arm = baselineProtocol(protocol, 'clinical', []);
    const step = trainingMethod(arm).configure(trainingMethod(arm).initialState(), SITES)['site-a'];
    const logistic = jobFor('clinical', { ...step, model: { family: 'logistic' }, globalParameters: [{ name: 'coef', shape: [3], data: [0, 0, 0] }] }, 'site-a');
    expect(protocolDeviations(logistic, protocol, 'training')[0]).toBe(`the model {"family":"logistic"} is not the protocol's {"family":"cox","ties":"efron"}`);
    const binaryOutcome = join(dir, 'binary-outcome.csv');
    writeFileSync(binaryOutcome, ['id,label', ...cohorts['site-a'].ids.map((id, i) => `${id},${i % 2}`)].join('\n') + '\n');
    await expect(runJob({ envelope: jobFor('clinical', step, 'site-a'), siteId: 'site-a', cohort: { ...cohorts['site-a'], outcome: binaryOutcome }, minCohortSize: 5, workDir: dir })).rejects.toThrow(/has no time and event columns; this baseline model is a Cox model/);
  });
});
