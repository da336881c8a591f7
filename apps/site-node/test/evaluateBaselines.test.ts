import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportInferenceModel, fitModel, modelCard, originalScaleCoefficients, readFeatureTable, readOutcomeTable, sha256Hex } from '@fedrad/learn';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate, signModel } from '@fedrad/pki';
import type { ModelCard, ModelCardCampaign } from '@fedrad/protocol';
import { checkEgress } from '../src/egressGuard.js';
import { runJob } from '../src/jobs/runJob.js';
import { envelope, generateCohorts, readCsv } from './helpers.js';

// An evaluate job with the campaign's baseline models (analysisPlan.baseline, issue #13): the
// test site scores the locked model and the clinical model on its patients with every covariate.
// Reference: the Mann–Whitney AUC of scores computed here by hand from each model's original-scale
// coefficients on those patients. Attacker tests: a baseline model the locked model's signed card
// does not list, or one whose card names other covariates, or other bytes, is not evaluated.
const ca = createCampaignCa({ campaignId: 'test', validityDays: 30 });
const { keyPem, csrPem } = createSiteKeyAndCsr('coordinator');
const coordinator = { keyPem, certPem: issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30 }) };
const COVARIATES = ['age', 'size'];

let dir: string;
let onnx: Uint8Array;
let clinicalOnnx: Uint8Array;
let radiomicsCoef: { intercept: number; beta: number[] };
let clinicalCoef: { intercept: number; beta: number[] };
let baseCard: ModelCard;
let clinicalBase: ModelCard;
let cohort: { name: string; features: string; outcome: string; clinical: { table: string } };

const campaignBlock = (extra: Partial<ModelCardCampaign>): ModelCardCampaign => ({
  campaignId: 'test', protocolHash: 'ab'.repeat(32), lockedModelHash: 'cd'.repeat(32), strategy: 'exact-newton', roundsRun: 5,
  sites: [{ siteId: 'site-test', role: 'test' }], features: [], intendedUse: 'Research', limitations: ['research only'], software: { name: 'fedrad', version: '0' }, ...extra,
});
const signedEntry = (bytes: Uint8Array, card: ModelCard) => ({ model: 'clinical' as const, modelHash: sha256Hex(bytes), modelOnnxBase64: Buffer.from(bytes).toString('base64'), modelCard: card, modelSignature: signModel(bytes, card, coordinator.keyPem, coordinator.certPem) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evaluate-baselines-'));
  const [train, test] = generateCohorts(dir, 'site-a=120,site-test=90', 5).sites;
  const trainFeatures = readFeatureTable(readFileSync(train.featuresCsv, 'utf8'));
  const outcome = readOutcomeTable(readFileSync(train.outcomeCsv, 'utf8'));
  const model = await fitModel({ family: 'logistic' }, trainFeatures, outcome);
  radiomicsCoef = originalScaleCoefficients(model);
  onnx = exportInferenceModel(model);
  baseCard = modelCard(model, onnx);
  // The clinical model: age and size, here the first two feature columns of the same rows under the covariates' names.
  const p = trainFeatures.featureNames.length;
  const covariateTable = { ids: trainFeatures.ids, featureNames: COVARIATES, values: Float64Array.from(trainFeatures.ids.flatMap((_, i) => [trainFeatures.values[i * p], trainFeatures.values[i * p + 1]])) };
  const clinical = await fitModel({ family: 'logistic' }, covariateTable, outcome);
  clinicalCoef = originalScaleCoefficients(clinical);
  clinicalOnnx = exportInferenceModel(clinical);
  clinicalBase = modelCard(clinical, clinicalOnnx);
  // The test site's clinical table: two patients lack a covariate (one has no row).
  const rows = readCsv(test.featuresCsv).rows;
  writeFileSync(join(dir, 'clinical.csv'), ['id,age,size', ...rows.filter((_, i) => i !== 4).map((r, i) => `${r[0]},${i === 10 ? 'NA' : r[1]},${r[2]}`)].join('\n') + '\n');
  cohort = { name: 'test', features: test.featuresCsv, outcome: test.outcomeCsv, clinical: { table: join(dir, 'clinical.csv') } };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function evaluateJob(baselineEntry: ReturnType<typeof signedEntry>, listed = true, covariates = COVARIATES) {
  const card: ModelCard = { ...baseCard, campaign: campaignBlock(listed ? { baselineModels: [{ model: 'clinical', lockedModelHash: 'ef'.repeat(32), onnxSha256: sha256Hex(clinicalOnnx), features: COVARIATES }] } : {}) };
  const params = { kind: 'evaluate', modelHash: sha256Hex(onnx), modelOnnxBase64: Buffer.from(onnx).toString('base64'), modelCard: card, modelSignature: signModel(onnx, card, coordinator.keyPem, coordinator.certPem), bootstrapReplicates: 20, seed: 1, baselineModels: [baselineEntry], covariates };
  return runJob({ envelope: envelope('evaluate', params), siteId: 'site-test', cohort, minCohortSize: 5, workDir: dir, caCertPem: ca.certPem });
}
const clinicalCard = (covariates = COVARIATES): ModelCard => ({ ...clinicalBase, campaign: campaignBlock({ baselineModel: { model: 'clinical', covariates } }) });

const mannWhitney = (score: number[], y: number[]) => {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < score.length; i++) for (let k = 0; k < score.length; k++) if (y[i] === 1 && y[k] === 0) (pairs++, (wins += score[i] > score[k] ? 1 : score[i] === score[k] ? 0.5 : 0));
  return wins / pairs;
};

describe('evaluate job with the baseline models', () => {
  it('scores the model and the clinical model on the patients with every covariate, with the paired test; only aggregates leave', async () => {
    const report = (await evaluateJob(signedEntry(clinicalOnnx, clinicalCard()))) as Record<string, any>;
    const rows = readCsv(cohort.features).rows;
    const y = readCsv(cohort.outcome).rows.map((r) => Number(r[1]));
    const kept = rows.map((_, i) => i).filter((i) => i !== 4 && i !== 11);
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    const radiomics = kept.map((i) => sigmoid(radiomicsCoef.intercept + rows[i].slice(1).reduce((a, v, j) => a + Number(v) * radiomicsCoef.beta[j], 0)));
    const clinical = kept.map((i) => sigmoid(clinicalCoef.intercept + Number(rows[i][1]) * clinicalCoef.beta[0] + Number(rows[i][2]) * clinicalCoef.beta[1]));
    const labels = kept.map((i) => y[i]);
    expect(report).toMatchObject({ patientCount: 88, missingCovariates: 2 });
    expect(report.discrimination.auc.estimate).toBeCloseTo(mannWhitney(radiomics, labels), 6);
    expect(report.baselineModels).toHaveLength(1);
    expect(report.baselineModels[0]).toMatchObject({ model: 'clinical', modelSha256: sha256Hex(clinicalOnnx), patientCount: 88 });
    expect(report.baselineModels[0].discrimination.auc.estimate).toBeCloseTo(mannWhitney(clinical, labels), 6);
    expect(report.baselineComparison.baseline.estimate).toBeCloseTo(mannWhitney(clinical, labels), 6);
    expect(report.baselineComparison.difference.estimate).toBeCloseTo(mannWhitney(radiomics, labels) - mannWhitney(clinical, labels), 6);
    const verdict = checkEgress('job-result', {
      type: 'job-result', jobId: 'test/eval/site-test', campaignId: 'test', siteId: 'site-test', protocolHash: 'ab'.repeat(32), kind: 'evaluate',
      attempt: 1, nonce: 'cd'.repeat(32), completedAt: new Date().toISOString(), result: report,
      signature: { algorithm: 'RSA-SHA256', value: 'x', signerFingerprint: 'ab'.repeat(32) },
    }, { localPatientCounts: [90, 88], patientIds: new Set(rows.map((r) => r[0])), minCohortSize: 5 });
    expect(verdict).toMatchObject({ allowed: true });
  });

  it('refuses a baseline model the locked model\'s signed card does not list', async () => {
    await expect(evaluateJob(signedEntry(clinicalOnnx, clinicalCard()), false)).rejects.toMatchObject({ code: 'BASELINE_MODEL_INVALID' });
  });

  it('refuses a baseline model whose signed card names other covariates, and bytes that are not its hash', async () => {
    await expect(evaluateJob(signedEntry(clinicalOnnx, clinicalCard(['age'])))).rejects.toMatchObject({ code: 'BASELINE_MODEL_INVALID' });
    const swapped = { ...signedEntry(clinicalOnnx, clinicalCard()), modelOnnxBase64: Buffer.from(onnx).toString('base64') };
    await expect(evaluateJob(swapped)).rejects.toMatchObject({ code: 'MODEL_HASH_MISMATCH' });
  });
});
