import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportInferenceModel, fitModel, modelCard, originalScaleCoefficients, readFeatureTable, readOutcomeTable, sha256Hex } from '@fedrad/learn';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate, signModel } from '@fedrad/pki';
import type { ModelCard, ModelSignature } from '@fedrad/protocol';
import { checkEgress } from '../src/egressGuard.js';
import { runJob } from '../src/jobs/runJob.js';
import { keepHarmonization } from '../src/harmonizations.js';
import { envelope, generateCohorts, readCsv } from './helpers.js';

let dir: string;
let onnx: Uint8Array;
let coef: { intercept: number; beta: number[] };
let testCohort: { name: string; features: string; outcome: string };
let card: ModelCard;
let signed: { modelCard: ModelCard; modelSignature: ModelSignature };
// The campaign CA and the coordinator's certificate under it (CN "coordinator"): the model's card is signed with it.
const ca = createCampaignCa({ campaignId: 'test', validityDays: 30 });
const issue = (cn: string, issuer = ca) => {
  const { keyPem, csrPem } = createSiteKeyAndCsr(cn);
  return { keyPem, certPem: issueCertificate({ caCertPem: issuer.certPem, caKeyPem: issuer.keyPem, csrPem, validityDays: 30 }) };
};
const coordinator = issue('coordinator');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evaluate-'));
  const summary = generateCohorts(dir, 'site-a=120,site-test=90', 5);
  const [train, test] = summary.sites;
  const model = await fitModel(
    { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.02 },
    readFeatureTable(readFileSync(train.featuresCsv, 'utf8')),
    readOutcomeTable(readFileSync(train.outcomeCsv, 'utf8')),
  );
  coef = originalScaleCoefficients(model);
  onnx = exportInferenceModel(model);
  card = modelCard(model, onnx);
  signed = { modelCard: card, modelSignature: signModel(onnx, card, coordinator.keyPem, coordinator.certPem) };
  testCohort = { name: 'test', features: test.featuresCsv, outcome: test.outcomeCsv };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = (params: Record<string, unknown>) => ({ envelope: envelope('evaluate', params), siteId: 'site-test', cohort: testCohort, minCohortSize: 5, workDir: dir, caCertPem: ca.certPem });

describe('evaluate job', () => {
  it('scores the test cohort with the locked model and reports the Mann–Whitney AUC; the report may leave', async () => {
    const modelHash = sha256Hex(onnx);
    const report = (await runJob(input({ kind: 'evaluate', modelHash, modelOnnxBase64: Buffer.from(onnx).toString('base64'), ...signed, bootstrapReplicates: 50, seed: 3 }))) as {
      type: string; patientCount: number; modelSha256: string; discrimination: { auc: { estimate: number; lower: number; upper: number } };
    };
    // Reference: scores by hand from the original-scale coefficients, AUC as the Mann–Whitney
    // probability P(score_case > score_control) + ½ P(tie).
    const x = readCsv(testCohort.features).rows.map((r) => r.slice(1).map(Number));
    const y = readCsv(testCohort.outcome).rows.map((r) => Number(r[1]));
    const score = x.map((row) => 1 / (1 + Math.exp(-(coef.intercept + row.reduce((a, v, j) => a + v * coef.beta[j], 0)))));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < score.length; i++) for (let k = 0; k < score.length; k++) {
      if (y[i] === 1 && y[k] === 0) {
        pairs++;
        wins += score[i] > score[k] ? 1 : score[i] === score[k] ? 0.5 : 0;
      }
    }
    expect(report).toMatchObject({ type: 'evaluation-report', patientCount: 90, modelSha256: modelHash });
    expect(report.discrimination.auc.estimate).toBeCloseTo(wins / pairs, 6);
    expect(report.discrimination.auc.lower).toBeLessThan(report.discrimination.auc.estimate);
    const verdict = checkEgress('job-result', {
      type: 'job-result', jobId: 'test/eval/site-test', campaignId: 'test', siteId: 'site-test', protocolHash: 'ab'.repeat(32), kind: 'evaluate',
      attempt: 1, nonce: 'cd'.repeat(32), completedAt: new Date().toISOString(), result: report,
    }, { localPatientCounts: [90], minCohortSize: 5 });
    expect(verdict).toEqual({ allowed: true, schema: 'job-result' });
  });

  it("scores the rows harmonised with the harmonisation the job names (the one this site keeps), and refuses one it does not hold", async () => {
    const modelHash = sha256Hex(onnx);
    const table = readCsv(testCohort.features);
    const header = table.header.slice(1);
    // A standardisation near the cohort's own, with a different scale per feature, so the harmonised score ranks the cases differently.
    const column = (j: number) => table.rows.map((r) => Number(r[j + 1]));
    const mean = header.map((_, j) => column(j).reduce((a, v) => a + v, 0) / table.rows.length);
    // Each feature keeps its mean and has its spread about it shrunk by a factor f of its own, (x − μ(1 − f))/f = μ + (x − μ)/f:
    // the model's scores stay inside (0, 1), and the features' relative weights change.
    const f = header.map((_, j) => 1 + 0.5 * j);
    const standardisation = { mean: mean.map((m, j) => m * (1 - f[j])), sd: f };
    const hash = '5a'.repeat(32);
    keepHarmonization(dir, { campaignId: 'test', harmonizationHash: hash, method: 'zscore-pooled', features: header, standardisation });
    const job = { kind: 'evaluate', modelHash, modelOnnxBase64: Buffer.from(onnx).toString('base64'), ...signed, bootstrapReplicates: 20, seed: 3 };
    const report = (await runJob(input({ ...job, harmonizationHash: hash }))) as { discrimination: { auc: { estimate: number } } };
    // Reference: the same hand scores on (x − mean)/sd, AUC as the Mann–Whitney probability.
    const x = readCsv(testCohort.features).rows.map((r) => r.slice(1).map((v, j) => (Number(v) - standardisation.mean[j]) / standardisation.sd[j]));
    const y = readCsv(testCohort.outcome).rows.map((r) => Number(r[1]));
    const score = x.map((row) => coef.intercept + row.reduce((a, v, j) => a + v * coef.beta[j], 0));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < score.length; i++) for (let k = 0; k < score.length; k++) {
      if (y[i] === 1 && y[k] === 0) (pairs++, (wins += score[i] > score[k] ? 1 : score[i] === score[k] ? 0.5 : 0));
    }
    expect(report.discrimination.auc.estimate).toBeCloseTo(wins / pairs, 6);
    await expect(runJob(input({ ...job, harmonizationHash: '5b'.repeat(32) }))).rejects.toMatchObject({ code: 'HARMONIZATION_UNKNOWN' });
  });

  it('refuses a model whose bytes do not match the locked hash', async () => {
    await expect(runJob(input({ kind: 'evaluate', modelHash: 'ab'.repeat(32), modelOnnxBase64: Buffer.from(onnx).toString('base64') })))
      .rejects.toMatchObject({ code: 'MODEL_HASH_MISMATCH' });
  });

  // The attacker's tests: whoever can put a job on the channel cannot make a site evaluate (and so
  // reveal the test cohort's performance on) a model the campaign's coordinator did not lock and sign.
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  it('refuses an unsigned model', async () => {
    await expect(runJob(input({ kind: 'evaluate', modelHash: sha256Hex(onnx), modelOnnxBase64: base64(onnx), modelCard: card }))).rejects.toMatchObject({ code: 'MODEL_NOT_SIGNED' });
  });
  it('refuses a tampered model whose job hash was updated to match it', async () => {
    const tampered = new Uint8Array(onnx);
    tampered[tampered.length - 1] ^= 1;
    await expect(runJob(input({ kind: 'evaluate', modelHash: sha256Hex(tampered), modelOnnxBase64: base64(tampered), ...signed }))).rejects.toMatchObject({ code: 'MODEL_SIGNATURE_INVALID' });
  });
  it('refuses a tampered card (its threshold moved)', async () => {
    const modelCard = { ...card, youdenThreshold: 0.01 };
    await expect(runJob(input({ kind: 'evaluate', modelHash: sha256Hex(onnx), modelOnnxBase64: base64(onnx), ...signed, modelCard }))).rejects.toMatchObject({ code: 'PKI_SIGNATURE_MISMATCH' });
  });
  it('refuses a card signed by another CA\'s "coordinator"', async () => {
    const other = issue('coordinator', createCampaignCa({ campaignId: 'other', validityDays: 30 }));
    const modelSignature = signModel(onnx, card, other.keyPem, other.certPem);
    await expect(runJob(input({ kind: 'evaluate', modelHash: sha256Hex(onnx), modelOnnxBase64: base64(onnx), modelCard: card, modelSignature }))).rejects.toMatchObject({ code: 'PKI_CERT_NOT_ISSUED_BY_CA' });
  });
});
