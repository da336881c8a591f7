import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInferenceModel, predictOutputs } from '@fedrad/learn';
import { trainingSiteStep } from '@fedrad/methods';
import { sha256Hex, type BaselineRoundParams, type CampaignProtocol, type EvaluateParams, type JobEnvelope, type JobResult, type ModelCard, type TrainRoundParams } from '@fedrad/protocol';
import { evaluateSurvival } from '@fedrad/stats';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { learnModelExporter } from '../src/modelExport.js';
import { openStore } from '../src/store/openStore.js';
import { makeSite, protocolFor, signResult, type FakeSite } from './fakeSites.js';
import { createSiteKeyAndCsr, createCampaignCa, issueCertificate } from '@fedrad/pki';

// A survival campaign with a clinical baseline (analysisPlan.baseline, issue #13) on the
// coordinator, end to end: three training sites answer the training and baseline rounds with the
// site node's own step on the rows of scripts/fixtures/methods/cox-sites.R (radiomics features
// f1, f2; covariates c1, c2 = its f3, f4). Reference: scripts/fixtures/baseline/cox-baseline.R —
// R's coxph(... + strata(site)) on the pooled training rows for the radiomics, clinical and
// combined models (Breslow and Efron ties, as the campaign's model.ties), and each site's basehaz
// at the horizon behind the locked baseline models' S0. The two test sites answer with the
// evaluation the site node makes (@fedrad/stats' evaluateSurvival with the clinical model's risk as
// baseline); each baseline model's evaluations are kept per site and pooled.
const here = dirname(fileURLToPath(import.meta.url));
const cox = JSON.parse(readFileSync(join(here, '../../../packages/methods/test/fixtures/cox-sites.json'), 'utf8')) as { sites: Record<string, { x: number[][]; time: number[]; event: number[] }> };
type Ties = 'breslow' | 'efron';
interface Fit { breslow: { coef: number[] }; efron: { coef: number[] }; breslowHazard: Record<string, number> }
const ref = JSON.parse(readFileSync(join(here, 'fixtures/cox-baseline.json'), 'utf8')) as {
  horizon: number; radiomics: Fit; clinical: Fit; combined: Fit;
  test: { rows: Array<{ id: string; f1: number; f2: number; c1: number; c2: number; time: number; event: number }>; missing: number[] };
};
const COVARIATES = ['c1', 'c2'];
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c', 'site-t1', 'site-t2'].map((s) => [s, makeSite(s)]));
const column = (name: string) => ({ f1: 0, f2: 1, c1: 2, c2: 3 })[name]!;

function rowsOf(siteId: string, features: string[]) {
  const d = cox.sites[siteId];
  return { featureNames: features, x: Float64Array.from(d.x.flatMap((row) => features.map((f) => row[column(f)]))), label: new Float64Array(0), time: Float64Array.from(d.time), event: Float64Array.from(d.event) };
}

const result = (job: JobEnvelope, body: unknown): JobResult =>
  signResult(sites[job.siteId], {
    type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind,
    attempt: job.attempt, round: job.round, nonce: job.nonce, completedAt: '2026-12-07T12:00:00Z', result: body as JobResult['result'],
  });

/** A test site's evaluation: half of the fixture's test rows each (the patients with every covariate), every model by its linear predictor from the locked coefficients. */
function evaluation(job: JobEnvelope, coef: Record<'radiomics' | 'clinical' | 'combined', number[]>) {
  const params = job.params as EvaluateParams;
  const kept = ref.test.rows.filter((_, i) => !ref.test.missing.includes(i));
  const half = kept.filter((_, i) => (job.siteId === 'site-t1') === i < kept.length / 2);
  const lp = (b: number[], names: string[]) => half.map((r) => names.reduce((a, f, j) => a + (r as unknown as Record<string, number>)[f] * b[j], 0));
  const time = half.map((r) => r.time);
  const event = half.map((r) => r.event);
  const clinical = lp(coef.clinical, COVARIATES);
  const options = { siteId: job.siteId, bootstrapReplicates: 50, seed: params.seed ?? 1, minGroupSize: 5 };
  const own = (model: 'clinical' | 'combined', risk: number[], withBaseline: boolean) => {
    const entry = params.baselineModels!.find((b) => b.model === model)!;
    const r = evaluateSurvival(time, event, risk, { ...options, modelSha256: entry.modelHash, ...(withBaseline ? { baselineRisk: clinical } : {}) });
    return { model, modelSha256: entry.modelHash, patientCount: r.patientCount, eventCount: r.eventCount, survival: r.survival, ...(r.baselineComparison ? { baselineComparison: r.baselineComparison } : {}) };
  };
  const report = evaluateSurvival(time, event, lp(coef.radiomics, ['f1', 'f2']), { ...options, modelSha256: params.modelHash, baselineRisk: clinical });
  return { ...report, baselineModels: [own('clinical', clinical, false), own('combined', lp(coef.combined, ['f1', 'f2', ...COVARIATES]), true)], missingCovariates: 1 };
}

async function runCampaign(ties: Ties) {
  const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T12:00:00Z'), exportModel: await learnModelExporter() };
  const ca = createCampaignCa({ campaignId: `cox-${ties}`, validityDays: 30 });
  const { keyPem, csrPem } = createSiteKeyAndCsr('coordinator');
  const example = JSON.parse(readFileSync(join(here, '../../../protocols/examples/model-card/valid-lasso.json'), 'utf8')) as ModelCard;
  ctx.describeModel = (_p, _params, _info, onnx) => ({ ...example, modelSha256: sha256Hex(onnx) });
  ctx.modelSigner = { keyPem, certPem: issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30 }), softwareVersion: '9.9.9' };
  const protocol: CampaignProtocol = {
    ...protocolFor({ campaignId: `cox-${ties}`, model: { family: 'cox', ties }, testSites: ['site-t1', 'site-t2'], training: { seed: 7 } }),
    features: ['f1', 'f2'],
    outcome: { type: 'survival', time: 'time', event: 'event', horizonDays: ref.horizon },
    analysisPlan: { primaryMetric: 'c-index', baseline: { covariates: COVARIATES } },
  };
  createCampaign(ctx, protocol);
  const queue = startCampaign(ctx, protocol.campaignId);
  const evaluate: JobEnvelope[] = [];
  for (let job = queue.shift(); job; job = queue.shift()) {
    let body: unknown;
    if (job.kind === 'train-round') body = await trainingSiteStep(job.params as TrainRoundParams, rowsOf(job.siteId, ['f1', 'f2']), { minCohortSize: 5 });
    else if (job.kind === 'baseline-round') {
      const p = job.params as BaselineRoundParams;
      const update = await trainingSiteStep(p.step, rowsOf(job.siteId, p.step.features), { minCohortSize: 5 });
      body = { ...update, kind: 'baseline-round', model: p.model, missingCovariates: 0 };
    } else {
      evaluate.push(job);
      continue;
    }
    const accepted = acceptResult(ctx, sites[job.siteId].peer, result(job, body));
    expect(accepted.ack.status).toBe('accepted');
    queue.push(...accepted.send);
  }
  return { ctx, campaignId: protocol.campaignId, evaluate };
}

const close = (actual: readonly number[], expected: readonly number[]) => actual.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThan(1e-7 * Math.max(1, Math.abs(expected[k]))));
const coefOf = (tensors: Array<{ name: string; data: ArrayLike<number> }>) => Array.from(tensors.find((t) => t.name === 'coef')!.data);

describe('a survival campaign with a clinical baseline', () => {
  for (const ties of ['breslow', 'efron'] as const) {
    it(`trains the clinical and combined Cox models to R's coxph(... + strata(site)) with ${ties} ties, beside the radiomics model`, async () => {
      const { ctx, campaignId, evaluate } = await runCampaign(ties);
      const status = campaignStatus(ctx, campaignId);
      expect([status.phase, status.failure]).toEqual(['evaluation', undefined]);
      expect(status.plan.slice(0, 3).map((s) => [s.phase, s.state])).toEqual([['training', 'done'], ['baseline', 'done'], ['lock', 'done']]);
      close(coefOf(status.model!.parameters as never), ref.radiomics[ties].coef);
      const models = status.baseline!.models;
      expect(models.map((m) => [m.model, m.features, m.converged])).toEqual([['clinical', COVARIATES, true], ['combined', ['f1', 'f2', ...COVARIATES], true]]);
      for (const m of models) close(coefOf((m as unknown as { parameters: Array<{ name: string; data: number[] }> }).parameters), ref[m.model][ties].coef);
      expect(evaluate.map((j) => j.siteId)).toEqual(['site-t1', 'site-t2']);
      const params = evaluate[0].params as EvaluateParams;
      expect(params.covariates).toEqual(COVARIATES);
      expect(params.baselineModels!.map((b) => b.model)).toEqual(['clinical', 'combined']);
    });
  }

  it("locks each Cox baseline model with S0 at the horizon from the sites' Breslow H0 (R's basehaz, weighted by their patients), and pools their evaluations at the test sites", async () => {
    const { ctx, campaignId, evaluate } = await runCampaign('breslow');
    const params = evaluate[0].params as EvaluateParams;
    const n = Object.fromEntries(Object.entries(cox.sites).map(([s, d]) => [s, d.time.length]));
    const total = Object.values(n).reduce((a, b) => a + b, 0);
    for (const b of params.baselineModels!) {
      const model = await loadInferenceModel(new Uint8Array(Buffer.from(b.modelOnnxBase64, 'base64')));
      expect(model.horizonsDays).toEqual([ref.horizon]);
      const h0 = Object.entries(ref[b.model].breslowHazard).reduce((a, [s, h]) => a + (h * n[s]) / total, 0);
      const x = b.model === 'clinical' ? [40, 1] : [5, 0.1, 40, 1];
      const out = await predictOutputs(model, { ids: ['p'], featureNames: model.featureNames, values: Float64Array.from(x), source: 'test' });
      const eta = x.reduce((a, v, j) => a + Math.fround(v) * ref[b.model].breslow.coef[j], 0);
      expect(out.score[0]).toBeCloseTo(eta, 6);
      expect(out.survival![0]).toBeCloseTo(Math.exp(-h0) ** Math.exp(eta), 6);
      await model.session.release();
    }
    const status0 = campaignStatus(ctx, campaignId);
    const coef = { radiomics: coefOf(status0.model!.parameters as never), ...Object.fromEntries(status0.baseline!.models.map((m) => [m.model, coefOf((m as unknown as { parameters: Array<{ name: string; data: number[] }> }).parameters)])) } as Record<'radiomics' | 'clinical' | 'combined', number[]>;
    for (const job of evaluate) expect(acceptResult(ctx, sites[job.siteId].peer, result(job, evaluation(job, coef))).ack.status).toBe('accepted');
    const status = campaignStatus(ctx, campaignId);
    expect(status.state).toBe('completed');
    // Each baseline model's meta-analysis pools its own Harrell's C at each test site.
    for (const name of ['clinical', 'combined'] as const) {
      const meta = status.baseline!.metaAnalyses.find((m) => m.model === name)!;
      expect(meta.notes).toEqual([]);
      const c = meta.report!.metaAnalyses!.find((m) => m.measure === 'harrellC')!;
      expect(c.sites.map((s) => s.label)).toEqual(['site-t1', 'site-t2']);
      for (const s of c.sites) {
        const own = status.evaluations.find((e) => e.siteId === s.label)!.report as unknown as { baselineModels: Array<{ model: string; survival: { harrellC: { estimate: number } } }> };
        expect(s.estimate.estimate).toBeCloseTo(own.baselineModels.find((b) => b.model === name)!.survival.harrellC.estimate, 12);
      }
    }
  });
});
