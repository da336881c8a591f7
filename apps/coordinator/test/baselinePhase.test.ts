import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate, verifyModel } from '@fedrad/pki';
import { trainingSiteStep } from '@fedrad/methods';
import { sha256Hex, type BaselineRoundParams, type CampaignProtocol, type EvaluateParams, type JobEnvelope, type JobResult, type ModelCard } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext, ModelExporter } from '../src/core/context.js';
import { plan } from '../src/core/phases/plan.js';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { openStore } from '../src/store/openStore.js';
import { answerTrainJob, glmFixture, makeSite, protocolFor, signResult, type FakeSite } from './fakeSites.js';

// The baseline step (analysisPlan.baseline, issue #13): the clinical and combined models trained
// by exact Newton rounds after training, locked beside the radiomics model, resumable after a
// restart. Each fake site answers with the site node's own training step on its rows (the glm
// fixture's), its covariates being c1 = f1 · f2 and c2 = f3² of the same rows (not collinear with them). The reference for
// a restart is the uninterrupted run: the same rounds, the same locked models.
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c', 'site-t1', 'site-t2'].map((s) => [s, makeSite(s)]));
const exportModel: ModelExporter = (_p, parameters) => new TextEncoder().encode(`onnx:${JSON.stringify(parameters)}`);
const COVARIATES = ['c1', 'c2'];

const baselineProtocolFor = (campaignId: string, extra: Partial<NonNullable<CampaignProtocol['analysisPlan']>['baseline']> = {}): CampaignProtocol => ({
  ...protocolFor({ campaignId, training: { strategy: 'exact-newton', rounds: 30 }, testSites: ['site-t1', 'site-t2'] }),
  analysisPlan: { baseline: { covariates: COVARIATES, ...extra } },
});

function context(path = ':memory:', start = Date.parse('2026-11-26T12:00:00Z')) {
  const t = start;
  const ctx: CoreContext = { db: openStore(path), clock: () => new Date(t), exportModel };
  return ctx;
}

/** A site's answer to a baseline round: the training step on its rows for the model's inputs (features f1…f5, covariates c1, c2). */
async function answerBaselineJob(site: FakeSite, job: JobEnvelope): Promise<JobResult> {
  const params = job.params as BaselineRoundParams;
  const data = glmFixture.sites[site.siteId];
  const column = (name: string, row: number[]): number => (name === 'c1' ? row[0] * row[1] : name === 'c2' ? row[2] * row[2] : row[Number(name.slice(1)) - 1]);
  const x = Float64Array.from(data.x.flatMap((row) => params.step.features.map((f) => column(f, row))));
  const update = await trainingSiteStep(params.step, { featureNames: params.step.features, x, label: Float64Array.from(data.y) });
  return signResult(site, {
    type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: site.siteId, protocolHash: job.protocolHash, kind: job.kind,
    attempt: job.attempt, round: job.round, nonce: job.nonce, completedAt: '2026-11-26T12:00:00Z',
    result: { ...update, kind: 'baseline-round', model: params.model, missingCovariates: 1 } as unknown as JobResult['result'],
  });
}

/** Answers training and baseline jobs until only evaluate jobs are left (returned); `stopAfter` stops after that many answers. */
async function run(ctx: CoreContext, queue: JobEnvelope[], stopAfter = Infinity): Promise<JobEnvelope[]> {
  const rest: JobEnvelope[] = [];
  let answered = 0;
  while (queue.length > 0 && answered < stopAfter) {
    const job = queue.shift()!;
    if (job.kind !== 'train-round' && job.kind !== 'baseline-round') {
      rest.push(job);
      continue;
    }
    const result = job.kind === 'train-round' ? await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job) : await answerBaselineJob(sites[job.siteId], job);
    const out = acceptResult(ctx, sites[job.siteId].peer, result);
    expect(out.ack.status).toBe('accepted');
    answered++;
    queue.push(...out.send);
  }
  return [...rest, ...queue];
}

describe('the baseline step', () => {
  it('comes after training and before the lock, only when the protocol has a baseline', () => {
    expect(plan(baselineProtocolFor('p'), { exportModel })).toEqual(['training', 'baseline', 'lock', 'evaluation', 'meta-analysis', 'report']);
    expect(plan(protocolFor({ testSites: ['site-t1'] }), { exportModel })).toEqual(['training', 'lock', 'evaluation', 'report']);
  });

  it('trains both models side by side, locks and signs them beside the radiomics model, and sends them to the test sites with the covariates', async () => {
    const ctx = context();
    const ca = createCampaignCa({ campaignId: 'side', validityDays: 30 });
    const { keyPem, csrPem } = createSiteKeyAndCsr('coordinator');
    const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30 });
    const example = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../protocols/examples/model-card/valid-lasso.json'), 'utf8')) as ModelCard;
    ctx.describeModel = (_p, _params, _info, onnx) => ({ ...example, modelSha256: sha256Hex(onnx) });
    ctx.modelSigner = { keyPem, certPem, softwareVersion: '9.9.9' };
    createCampaign(ctx, baselineProtocolFor('side'));
    const evaluate = await run(ctx, startCampaign(ctx, 'side'));
    const status = campaignStatus(ctx, 'side');
    expect([status.phase, status.failure]).toEqual(['evaluation', undefined]);
    expect(status.plan.slice(0, 3).map((s) => [s.phase, s.state])).toEqual([['training', 'done'], ['baseline', 'done'], ['lock', 'done']]);
    const models = status.baseline!.models;
    expect(models.map((m) => [m.model, m.features, m.converged])).toEqual([['clinical', ['c1', 'c2'], true], ['combined', ['f1', 'f2', 'f3', 'f4', 'f5', 'c1', 'c2'], true]]);
    // Every training site left one patient out of each model: counted, summed, on the record.
    expect(models.map((m) => m.missingCovariates)).toEqual([3, 3]);
    // Both models' round 0 went out with the clinical model's range first (envelope rounds 0 and 25).
    const rounds = status.jobs.filter((j) => j.kind === 'baseline-round' && j.siteId === 'site-a').map((j) => [j.jobId, j.round]);
    expect(rounds).toContainEqual(['side/baseline/clinical/r0/site-a', 0]);
    expect(rounds).toContainEqual(['side/baseline/combined/r25/site-a', 25]);
    const params = JSON.parse(JSON.stringify(evaluate[0].params)) as EvaluateParams;
    expect(params.covariates).toEqual(COVARIATES);
    expect(params.baselineModels!.map((b) => [b.model, b.modelHash])).toEqual(models.map((m) => [m.model, m.onnxSha256]));
    // Each baseline model's card is signed under the campaign CA and says which model it is; the radiomics card lists both.
    for (const b of params.baselineModels!) {
      expect(verifyModel(new Uint8Array(Buffer.from(b.modelOnnxBase64, 'base64')), b.modelCard, b.modelSignature, { caCertPem: ca.certPem }).subjectCommonName).toBe('coordinator');
      expect(b.modelCard.campaign!.baselineModel).toEqual({ model: b.model, covariates: COVARIATES, missingCovariates: 3 });
    }
    expect(params.modelCard!.campaign!.baselineModels!.map((b) => [b.model, b.onnxSha256, b.features])).toEqual(models.map((m) => [m.model, m.onnxSha256, m.features]));
  });

  it('resumes after a restart in the middle of a baseline round with the same locked models, and refuses a stale round\'s result', async () => {
    const reference = context();
    createCampaign(reference, baselineProtocolFor('restart'));
    await run(reference, startCampaign(reference, 'restart'));
    const expected = campaignStatus(reference, 'restart');

    const path = join(mkdtempSync(join(tmpdir(), 'fedrad-baseline-restart-')), 'c.sqlite');
    let ctx = context(path);
    createCampaign(ctx, baselineProtocolFor('restart'));
    const queue = startCampaign(ctx, 'restart');
    // Train to the end, then answer the baseline step's first round and one job of its second.
    const inBaseline = async () => {
      while (campaignStatus(ctx, 'restart').phase !== 'baseline') await run(ctx, queue, 1);
    };
    await inBaseline();
    await run(ctx, queue, 6 + 1);
    const stale = queue.find((j) => j.kind === 'baseline-round')!;
    ctx.db.close();

    ctx = context(path);
    expect(campaignStatus(ctx, 'restart').phase).toBe('baseline');
    await run(ctx, queue);
    const status = campaignStatus(ctx, 'restart');
    expect(status.baseline!.models.map((m) => m.modelHash)).toEqual(expected.baseline!.models.map((m) => m.modelHash));
    expect(status.model!.modelHash).toBe(expected.model!.modelHash);
    // A result for a round that has closed counts no more.
    const late = acceptResult(ctx, sites[stale.siteId].peer, await answerBaselineJob(sites[stale.siteId], stale));
    expect(late.ack.status).not.toBe('accepted');
  });

  it('is refused at creation when this build cannot carry it out, naming the field and why', () => {
    const refused = (p: CampaignProtocol) => {
      try {
        createCampaign(context(), p);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    const p = baselineProtocolFor('refuse');
    expect(refused({ ...p, analysisPlan: { baseline: { covariates: COVARIATES, models: ['combined'] } } })).toMatch(/analysisPlan\.baseline.*list "clinical"/);
    expect(refused({ ...p, analysisPlan: { baseline: { covariates: ['f2', 'age'] } } })).toMatch(/covariate "f2" is also a radiomics feature/);
    expect(refused({ ...p, testSites: [] })).toMatch(/compared at the independent test sites, and the protocol names none/);
    expect(refused({ ...p, training: { ...p.training, secureAggregation: true } })).toMatch(/analysisPlan\.baseline|secureAggregation/);
    expect(refused({ ...p, training: { strategy: 'fedavg', rounds: 5, clipNorm: 1, differentialPrivacy: { noiseMultiplier: 1, delta: 1e-5 } }, model: { family: 'logistic' } })).toMatch(/un-noised Newton sums/);
    // Under shareSiteUpdates the baseline rounds carry the previous round's signed updates (exchangeTranscripts.test.ts): accepted.
    expect(refused({ ...p, campaignId: 'refuse-shared', training: { ...p.training, shareSiteUpdates: true } })).toBe('accepted');
    expect(refused(p)).toBe('accepted');
  });
});
