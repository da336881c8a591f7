import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportInferenceModel, identityStandardization, modelCard, resolveSpec, sha256Hex, type TrainedModel } from '@fedrad/learn';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate, signModel } from '@fedrad/pki';
import { validate, type EvaluationReport, type ModelCard, type ModelCardCampaign } from '@fedrad/protocol';
import { checkEgress } from '../src/egressGuard.js';
import { runJob } from '../src/jobs/runJob.js';
import { envelope } from './helpers.js';

// A survival campaign's evaluate job with its Cox baseline models (analysisPlan.baseline, issue
// #13): the test site scores the radiomics (f1, f2), clinical (c1, c2) and combined Cox models on
// its patients with every covariate. Reference: scripts/fixtures/baseline/cox-baseline.R — the
// models are R's coxph(... + strata(site)) fits, the test site's rows are drawn there, and R gives
// each model's Harrell's C (survival::concordance) and the paired bootstrap of the differences
// against the clinical model on the same resamples (SE and boot's percentile interval). Attacker
// tests: a baseline model the radiomics model's signed card does not list is not evaluated.
const f = JSON.parse(readFileSync(new URL('../../coordinator/test/fixtures/cox-baseline.json', import.meta.url), 'utf8')) as {
  horizon: number;
  radiomics: Fit; clinical: Fit; combined: Fit;
  test: {
    rows: Array<{ id: string; f1: number; f2: number; c1: number; c2: number; time: number; event: number }>;
    missing: number[]; seed: number; replicates: number; patients: number;
    harrellC: Record<'radiomics' | 'clinical' | 'combined', number>;
    radiomicsVsClinical: Paired; combinedVsClinical: Paired;
  };
};
interface Fit { breslow: { coef: number[] }; breslowHazard: Record<string, number> }
interface Paired { difference: number; se: number; lower: number; upper: number }
const COVARIATES = ['c1', 'c2'];
const SITES = { 'site-a': 80, 'site-b': 100, 'site-c': 120 };

const ca = createCampaignCa({ campaignId: 'test', validityDays: 30 });
const key = createSiteKeyAndCsr('coordinator');
const coordinator = { keyPem: key.keyPem, certPem: issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: key.csrPem, validityDays: 30 }) };
const dir = mkdtempSync(join(tmpdir(), 'evaluate-cox-baselines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A locked Cox model of R's fit, S0 at the horizon from the sites' Breslow H0 weighted by their patients (as the coordinator locks it). */
function coxModel(fit: Fit, features: string[]): { bytes: Uint8Array; card: ModelCard } {
  const total = Object.values(SITES).reduce((a, b) => a + b, 0);
  const h0 = Object.entries(SITES).reduce((a, [s, n]) => a + (fit.breslowHazard[s] * n) / total, 0);
  const model: TrainedModel = {
    spec: resolveSpec({ family: 'cox' }), featureNames: features, outcome: 'survival', standardization: identityStandardization(features.length),
    params: [{ name: 'beta', shape: [features.length, 1], data: fit.breslow.coef }],
    survival: { variant: 'stratified', strata: Object.keys(SITES), ties: 'breslow', horizonsDays: [f.horizon], baselineSurvival: [Math.exp(-h0)] },
    training: { n: total, events: 0, optimizer: 'federated', iterations: 5, converged: true, objective: 1, lastChange: 0 },
  };
  const bytes = exportInferenceModel(model);
  return { bytes, card: modelCard(model, bytes) };
}
const campaignBlock = (extra: Partial<ModelCardCampaign>): ModelCardCampaign => ({
  campaignId: 'test', protocolHash: 'ab'.repeat(32), lockedModelHash: 'cd'.repeat(32), strategy: 'exact-newton', roundsRun: 5,
  sites: [{ siteId: 'site-t', role: 'test' }], features: [], intendedUse: 'Research', limitations: ['research only'], software: { name: 'fedrad', version: '0' }, ...extra,
});

const radiomics = coxModel(f.radiomics, ['f1', 'f2']);
const baselines = (['clinical', 'combined'] as const).map((model) => {
  const m = coxModel(f[model], model === 'clinical' ? COVARIATES : ['f1', 'f2', ...COVARIATES]);
  const card: ModelCard = { ...m.card, campaign: campaignBlock({ baselineModel: { model, covariates: COVARIATES } }) };
  return { model, modelHash: sha256Hex(m.bytes), modelOnnxBase64: Buffer.from(m.bytes).toString('base64'), modelCard: card, modelSignature: signModel(m.bytes, card, coordinator.keyPem, coordinator.certPem) };
});

function evaluate(listed: typeof baselines): Promise<unknown> {
  const rows = f.test.rows;
  const features = join(dir, 'features.csv');
  const outcome = join(dir, 'outcome.csv');
  const clinical = join(dir, 'clinical.csv');
  writeFileSync(features, ['id,f1,f2', ...rows.map((r) => `${r.id},${r.f1},${r.f2}`)].join('\n') + '\n');
  writeFileSync(outcome, ['id,time,event', ...rows.map((r) => `${r.id},${r.time},${r.event}`)].join('\n') + '\n');
  // The fixture's first left-out patient lacks c1; the second has no clinical row at all.
  const [lacking, absent] = f.test.missing;
  writeFileSync(clinical, ['id,c1,c2', ...rows.flatMap((r, i) => (i === absent ? [] : [`${r.id},${i === lacking ? 'NA' : r.c1},${r.c2}`]))].join('\n') + '\n');
  const card: ModelCard = { ...radiomics.card, campaign: campaignBlock({ baselineModels: listed.map((b) => ({ model: b.model, lockedModelHash: 'ef'.repeat(32), onnxSha256: b.modelHash, features: b.model === 'clinical' ? COVARIATES : ['f1', 'f2', ...COVARIATES] })) }) };
  const params = {
    kind: 'evaluate', modelHash: sha256Hex(radiomics.bytes), modelOnnxBase64: Buffer.from(radiomics.bytes).toString('base64'), modelCard: card,
    modelSignature: signModel(radiomics.bytes, card, coordinator.keyPem, coordinator.certPem), bootstrapReplicates: f.test.replicates, seed: f.test.seed, baselineModels: baselines, covariates: COVARIATES,
  };
  return runJob({ envelope: envelope('evaluate', params), siteId: 'site-t', cohort: { name: 'test', features, outcome, clinical: { table: clinical } }, minCohortSize: 5, workDir: dir, caCertPem: ca.certPem });
}

describe('evaluate job of a Cox model with its Cox baseline models', () => {
  it("reports R's Harrell's C of each model on the patients with every covariate, and the paired bootstrap of the differences on the same resamples", async () => {
    const report = (await evaluate(baselines)) as EvaluationReport;
    expect(validate('evaluation-report', report).valid).toBe(true);
    expect(report).toMatchObject({ outcome: 'survival', patientCount: f.test.patients, missingCovariates: 2 });
    const t = f.test;
    // The models read float32 features: their linear predictors agree with R's to float32 rounding, which moves no pair's order.
    expect(report.survival!.harrellC.estimate).toBeCloseTo(t.harrellC.radiomics, 10);
    const own = (m: string) => report.baselineModels!.find((b) => b.model === m)!;
    expect(own('clinical').survival!.harrellC.estimate).toBeCloseTo(t.harrellC.clinical, 10);
    expect(own('combined').survival!.harrellC.estimate).toBeCloseTo(t.harrellC.combined, 10);
    expect(own('clinical').patientCount).toBe(t.patients);
    expect(own('clinical').baselineComparison).toBeUndefined();
    const paired: Array<[EvaluationReport['baselineComparison'], Paired]> = [[report.baselineComparison, t.radiomicsVsClinical], [own('combined').baselineComparison, t.combinedVsClinical]];
    for (const [c, r] of paired) {
      expect(c).toMatchObject({ measure: 'harrellC', method: 'bootstrap-paired' });
      expect(c!.baseline.estimate).toBeCloseTo(t.harrellC.clinical, 10);
      expect(c!.difference.estimate).toBeCloseTo(r.difference, 10);
      expect(c!.difference.lower).toBeCloseTo(r.lower, 10);
      expect(c!.difference.upper).toBeCloseTo(r.upper, 10);
      expect(c!.statistic).toBeCloseTo(r.difference / r.se, 8);
      // Two-sided p of z = Δ / SE (normal approximation); here the standard normal's tail by erfc.
      expect(c!.pValue).toBeCloseTo(erfc(Math.abs(r.difference / r.se) / Math.SQRT2), 6);
    }
    // Only aggregates leave: the site's egress guard passes the report.
    const verdict = checkEgress('job-result', {
      type: 'job-result', jobId: 'test/eval/site-t', campaignId: 'test', siteId: 'site-t', protocolHash: 'ab'.repeat(32), kind: 'evaluate',
      attempt: 1, nonce: 'cd'.repeat(32), completedAt: new Date().toISOString(), result: report,
      signature: { algorithm: 'RSA-SHA256', value: 'x', signerFingerprint: 'ab'.repeat(32) },
    }, { localPatientCounts: [t.rows.length, t.patients], patientIds: new Set(t.rows.map((r) => r.id)), minCohortSize: 5 });
    expect(verdict).toMatchObject({ allowed: true });
  });

  it("refuses a Cox baseline model the radiomics model's signed card does not list", async () => {
    await expect(evaluate(baselines.filter((b) => b.model === 'clinical'))).rejects.toMatchObject({ code: 'BASELINE_MODEL_INVALID' });
  });
});

/** erfc(x) = 1 − erf(x), erf by its Maclaurin series (Abramowitz & Stegun 7.1.5), exact to ~1e-15 for the |x| < 4 used here. */
function erfc(x: number): number {
  let sum = 0;
  let term = x;
  for (let k = 0; k < 200; k++) {
    sum += term / (2 * k + 1);
    term *= (-x * x) / (k + 1);
  }
  return 1 - (2 / Math.sqrt(Math.PI)) * sum;
}
