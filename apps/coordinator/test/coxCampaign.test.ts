import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { loadInferenceModel, predictOutputs } from '@fedrad/learn';
import { trainingSiteStep } from '@fedrad/methods';
import type { CampaignProtocol, EvaluateParams, JobEnvelope, TrainRoundParams } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { learnModelExporter } from '../src/modelExport.js';
import { openStore } from '../src/store/openStore.js';
import { makeSite, protocolFor, signResult, type FakeSite } from './fakeSites.js';

// A Cox campaign end to end on the coordinator: three training sites answer with the site node's
// own step on the rows of scripts/fixtures/methods/cox-sites.R; the locked ONNX model the test
// site receives holds R's coxph(... + strata(site)) coefficients and S0 = exp(−H0) from the sites'
// basehaz, weighted by their patients.
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/cox-sites.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  stratifiedBreslow: { coef: number[] };
  stratifiedBreslowBaseline: { horizon: number; hazard: Record<string, number> };
};
const features = ['f1', 'f2', 'f3', 'f4'];
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c', 'site-t1'].map((s) => [s, makeSite(s)]));

async function answer(job: JobEnvelope) {
  const d = fixture.sites[job.siteId];
  const update = await trainingSiteStep(job.params as TrainRoundParams, { featureNames: features, x: Float64Array.from(d.x.flat()), label: new Float64Array(0), time: Float64Array.from(d.time), event: Float64Array.from(d.event) }, { minCohortSize: 5 });
  return signResult(sites[job.siteId], {
    type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind,
    attempt: job.attempt, round: job.round, nonce: job.nonce, completedAt: '2026-12-06T12:00:00Z', result: update,
  });
}

describe('a Cox campaign (stratified by site)', () => {
  it("trains to coxph's coefficients and locks an ONNX model giving S(horizon | x) from the sites' baseline hazards", async () => {
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-06T12:00:00Z'), exportModel: await learnModelExporter() };
    const horizon = fixture.stratifiedBreslowBaseline.horizon;
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'cox', model: { family: 'cox', ties: 'breslow' }, testSites: ['site-t1'] }),
      features,
      outcome: { type: 'survival', time: 'time', event: 'event', horizonDays: horizon },
      analysisPlan: { primaryMetric: 'c-index' },
    };
    createCampaign(ctx, protocol);
    const queue = startCampaign(ctx, 'cox');
    const evaluate: JobEnvelope[] = [];
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (job.kind === 'train-round') {
        const accepted = acceptResult(ctx, sites[job.siteId].peer, await answer(job));
        expect(accepted.ack.status).toBe('accepted');
        queue.push(...accepted.send);
      } else evaluate.push(job);
    }
    expect(evaluate.map((j) => j.siteId)).toEqual(['site-t1']);
    expect(campaignStatus(ctx, 'cox').state).toBe('evaluating');
    const params = evaluate[0].params as EvaluateParams;
    const model = await loadInferenceModel(new Uint8Array(Buffer.from(params.modelOnnxBase64, 'base64')));
    expect(model.horizonsDays).toEqual([horizon]);
    const n = Object.fromEntries(Object.entries(fixture.sites).map(([s, d]) => [s, d.time.length]));
    const total = Object.values(n).reduce((a, b) => a + b, 0);
    const h0 = Object.entries(fixture.stratifiedBreslowBaseline.hazard).reduce((a, [s, h]) => a + (h * n[s]) / total, 0);
    const x = [5, 0.1, 40, 1];
    const out = await predictOutputs(model, { ids: ['p'], featureNames: features, values: Float64Array.from(x), source: 'test' });
    const eta = x.reduce((a, v, j) => a + Math.fround(v) * fixture.stratifiedBreslow.coef[j], 0);
    expect(out.score[0]).toBeCloseTo(eta, 6);
    expect(out.survival![0]).toBeCloseTo(Math.exp(-h0) ** Math.exp(eta), 6);
    await model.session.release();
  });
});
