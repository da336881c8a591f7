import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInferenceModel, predictOutputs } from '@fedrad/learn';
import { runCoxTwin, trainingSiteStep } from '@fedrad/methods';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate } from '@fedrad/pki';
import type { CampaignProtocol, EvaluateParams, JobEnvelope, ModelCard, TrainRoundParams } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { recordHello } from '../src/core/sites.js';
import { campaignStatus } from '../src/core/status.js';
import { tick } from '../src/core/tick.js';
import { learnModelDescriber, learnModelExporter } from '../src/modelExport.js';
import { openStore } from '../src/store/openStore.js';
import { makeSite, protocolFor, signResult, type FakeSite } from './fakeSites.js';

// A pooled Cox campaign (model.strata "none": one baseline hazard, the protocol's time bins) end to
// end on the coordinator: three training sites answer with the site node's own step on the rows of
// scripts/fixtures/methods/cox-sites.R. References: R's coxph(Surv(time, event) ~ f1 + … + f4) on
// the pooled rows with each time coarsened to its bin's lower edge, basehaz of that fit at the two
// horizons, and the local twin (fedrad train --sites --time-grid) in the same bins.
interface Fit { coef: number[]; loglik: number }
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/cox-sites.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  coarsened: { minEvents: number; edges: number[]; breslow: Fit; efron: Fit };
  coarsenedBreslowBaseline: { horizons: number[]; hazard: number[] };
};
const features = ['f1', 'f2', 'f3', 'f4'];
const trainingSites = ['site-a', 'site-b', 'site-c'];
const sites: Record<string, FakeSite> = Object.fromEntries([...trainingSites, 'site-t1'].map((s) => [s, makeSite(s)]));
const rowsOf = (siteId: string) => {
  const d = fixture.sites[siteId];
  return { featureNames: features, x: Float64Array.from(d.x.flat()), time: Float64Array.from(d.time), event: Float64Array.from(d.event) };
};
const { edges, minEvents } = fixture.coarsened;
const horizons = fixture.coarsenedBreslowBaseline.horizons;

const protocolFor_ = (campaignId: string, ties: 'breslow' | 'efron'): CampaignProtocol => ({
  ...protocolFor({ campaignId, model: { family: 'cox', ties, strata: 'none', timeGridDays: edges }, testSites: ['site-t1'] }),
  features,
  trainingSites,
  // The fixture's bins hold 0 or at least 3 events and patients leaving at every site.
  minCohortSize: minEvents,
  outcome: { type: 'survival', time: 'time', event: 'event', horizonDays: horizons },
  analysisPlan: { primaryMetric: 'c-index' },
});

async function answer(job: JobEnvelope) {
  const update = await trainingSiteStep(job.params as TrainRoundParams, { ...rowsOf(job.siteId), label: new Float64Array(0) }, { minCohortSize: minEvents });
  return signResult(sites[job.siteId], {
    type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind,
    attempt: job.attempt, round: job.round, nonce: job.nonce, completedAt: '2026-12-07T04:00:00Z', result: update,
  });
}

const ca = createCampaignCa({ campaignId: 'cox-pooled', validityDays: 30 });
const coordinatorKey = createSiteKeyAndCsr('coordinator');
const modelSigner = { keyPem: coordinatorKey.keyPem, certPem: issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: coordinatorKey.csrPem, validityDays: 30 }), softwareVersion: '9.9.9' };
async function context(path: string): Promise<CoreContext> {
  return { db: openStore(path), clock: () => new Date('2026-12-07T04:00:00Z'), exportModel: await learnModelExporter(), describeModel: await learnModelDescriber(), modelSigner };
}

/** Answers every training job until the campaign sends its evaluate jobs; returns them. */
async function run(ctx: CoreContext, queue: JobEnvelope[]): Promise<JobEnvelope[]> {
  const evaluate: JobEnvelope[] = [];
  for (let job = queue.shift(); job; job = queue.shift()) {
    if (job.kind !== 'train-round') {
      evaluate.push(job);
      continue;
    }
    const accepted = acceptResult(ctx, sites[job.siteId].peer, await answer(job));
    expect(accepted.ack.status).toBe('accepted');
    queue.push(...accepted.send);
  }
  return evaluate;
}

const lockedCoef = (ctx: CoreContext, campaignId: string) => (campaignStatus(ctx, campaignId).model!.parameters as Array<{ name: string; data: number[] }>).find((t) => t.name === 'coef')!.data;

describe('a pooled Cox campaign (one baseline hazard in the protocol\'s time bins)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-cox-pooled-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("trains to coxph's coefficients on the coarsened pooled rows and to the local twin's; the locked ONNX model gives S(t | x) at each horizon from the pooled H0; the card says pooled, the ties and the bins", async () => {
    const ctx = await context(join(dir, 'a.sqlite'));
    createCampaign(ctx, protocolFor_('cox-pooled', 'breslow'));
    const evaluate = await run(ctx, startCampaign(ctx, 'cox-pooled'));
    expect(evaluate.map((j) => j.siteId)).toEqual(['site-t1']);
    const coef = lockedCoef(ctx, 'cox-pooled');
    coef.forEach((b, j) => expect(Math.abs(b - fixture.coarsened.breslow.coef[j])).toBeLessThan(1e-7));
    // The local twin in the same bins (what fedrad train --sites --time-grid runs).
    const twin = await runCoxTwin(
      { variant: 'pooled', ties: 'breslow', model: { family: 'cox', ties: 'breslow' }, features, minCohortSize: minEvents, timeEdges: edges },
      new Map(trainingSites.map((s) => [s, rowsOf(s)])),
    );
    coef.forEach((b, j) => expect(Math.abs(b - twin.state.beta[j])).toBeLessThan(1e-9));

    const params = evaluate[0].params as EvaluateParams;
    const model = await loadInferenceModel(new Uint8Array(Buffer.from(params.modelOnnxBase64, 'base64')));
    expect(model.horizonsDays).toEqual(horizons);
    const x = [5, 0.1, 40, 1];
    const out = await predictOutputs(model, { ids: ['p'], featureNames: features, values: Float64Array.from(x), source: 'test' });
    const eta = x.reduce((a, v, j) => a + Math.fround(v) * fixture.coarsened.breslow.coef[j], 0);
    expect(out.score[0]).toBeCloseTo(eta, 6);
    fixture.coarsenedBreslowBaseline.hazard.forEach((h0, k) => expect(out.survival![k]).toBeCloseTo(Math.exp(-h0) ** Math.exp(eta), 6));
    await model.session.release();

    const card = (params as EvaluateParams & { modelCard?: ModelCard }).modelCard!;
    expect(card.survival).toEqual({ variant: 'pooled', ties: 'breslow', strata: [], timeBins: edges, horizonsDays: horizons, baselineSurvival: expect.any(Array) });
    card.survival!.baselineSurvival.forEach((s, k) => expect(s).toBeCloseTo(Math.exp(-fixture.coarsenedBreslowBaseline.hazard[k]), 7));
    ctx.db.close();
  }, 300_000);

  it('with Efron ties equals coxph(..., ties = "efron") on the coarsened rows', async () => {
    const ctx = await context(':memory:');
    createCampaign(ctx, protocolFor_('cox-pooled-efron', 'efron'));
    await run(ctx, startCampaign(ctx, 'cox-pooled-efron'));
    lockedCoef(ctx, 'cox-pooled-efron').forEach((b, j) => expect(Math.abs(b - fixture.coarsened.efron.coef[j])).toBeLessThan(1e-7));
  }, 300_000);

  it('resumes after a coordinator restart mid-round with the same locked model as an uninterrupted run', async () => {
    const straight = await context(join(dir, 'straight.sqlite'));
    createCampaign(straight, protocolFor_('cox-pooled-resume', 'breslow'));
    await run(straight, startCampaign(straight, 'cox-pooled-resume'));
    const expected = campaignStatus(straight, 'cox-pooled-resume').model!.modelHash;
    straight.db.close();

    const path = join(dir, 'resume.sqlite');
    let ctx = await context(path);
    createCampaign(ctx, protocolFor_('cox-pooled-resume', 'breslow'));
    const queue = startCampaign(ctx, 'cox-pooled-resume');
    // Round 0 in full, then one answer of round 1; the process then "dies".
    for (;;) {
      const job = queue.shift()!;
      queue.push(...acceptResult(ctx, sites[job.siteId].peer, await answer(job)).send);
      if (job.round === 1) break;
    }
    ctx.db.close();
    ctx = await context(path);
    expect(tick(ctx)).toEqual([]);
    // The sites reconnect and get their open jobs of round 1.
    const reopened = trainingSites.flatMap((s) => recordHello(ctx, sites[s].peer, {
      type: 'site-hello', siteId: s, softwareVersion: '0.1.0', protocolVersion: 1, capabilities: { jobKinds: ['train-round'] }, approvedProtocols: [], sentAt: '2026-12-07T04:00:00Z',
    }).jobs);
    expect(reopened.length).toBe(2);
    expect(reopened.every((j) => j.round === 1)).toBe(true);
    await run(ctx, reopened);
    expect(campaignStatus(ctx, 'cox-pooled-resume').model!.modelHash).toBe(expected);
    ctx.db.close();
  }, 300_000);
});
