import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportInferenceModel, identityStandardization, modelCard, resolveSpec, sha256Hex, type TrainedModel } from '@fedrad/learn';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate, signModel } from '@fedrad/pki';
import { validate, type EvaluationReport } from '@fedrad/protocol';
import { runJob } from '../src/jobs/runJob.js';
import { envelope } from './helpers.js';

// A test site evaluates a locked Cox model: the cohort and R's references are those of
// scripts/fixtures/stats/survival-horizon.R (the model's one feature is the linear predictor, β = 1,
// S0(8) = 0.7): IPCW Brier score and calibration slope at the horizon from R survival.
const f = JSON.parse(readFileSync(new URL('../../../packages/stats/test/fixtures/survival-horizon.json', import.meta.url), 'utf8')) as {
  time: number[]; event: number[]; lp: number[]; horizon: number; baselineSurvival: number; brier: number; calibrationSlope: number;
};
const dir = mkdtempSync(join(tmpdir(), 'evaluate-cox-'));
// The campaign CA and the coordinator's certificate under it: a test site evaluates only a model whose card the coordinator signed.
const ca = createCampaignCa({ campaignId: 'test', validityDays: 30 });
const coordinatorKey = createSiteKeyAndCsr('coordinator');
const coordinator = { keyPem: coordinatorKey.keyPem, certPem: issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: coordinatorKey.csrPem, validityDays: 30 }) };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The locked model of this fixture (β = 1 on the one feature lp) with the given horizons and S0 at each, evaluated by the site. */
async function evaluateWith(horizonsDays: number[], baselineSurvival: number[], pooledBins?: number[]): Promise<EvaluationReport> {
  // A pooled campaign's model (one baseline hazard over the protocol's time bins) differs only in its card's survival block.
  const variant = pooledBins ? { variant: 'pooled' as const, strata: [], timeBins: pooledBins } : { variant: 'stratified' as const, strata: ['site-a', 'site-b'] };
  const model: TrainedModel = {
    spec: resolveSpec({ family: 'cox' }), featureNames: ['lp'], outcome: 'survival', standardization: identityStandardization(1),
    params: [{ name: 'beta', shape: [1, 1], data: [1] }],
    survival: { ...variant, ties: 'breslow', horizonsDays, baselineSurvival },
    training: { n: 300, events: 100, optimizer: 'federated', iterations: 5, converged: true, objective: 1, lastChange: 0 },
  };
  const bytes = exportInferenceModel(model);
  const card = modelCard(model, bytes);
  const features = join(dir, 'features.csv');
  const outcome = join(dir, 'outcome.csv');
  writeFileSync(features, ['id,lp', ...f.lp.map((v, i) => `p${i},${v}`)].join('\n') + '\n');
  writeFileSync(outcome, ['id,time,event', ...f.time.map((t, i) => `p${i},${t},${f.event[i]}`)].join('\n') + '\n');
  const params = {
    kind: 'evaluate', modelHash: sha256Hex(bytes), modelOnnxBase64: Buffer.from(bytes).toString('base64'),
    modelCard: card, modelSignature: signModel(bytes, card, coordinator.keyPem, coordinator.certPem), bootstrapReplicates: 20, seed: 1,
  };
  return (await runJob({ envelope: envelope('evaluate', params), siteId: 'site-t', cohort: { name: 'test', features, outcome }, minCohortSize: 5, workDir: dir, caCertPem: ca.certPem })) as unknown as EvaluationReport;
}

describe('evaluate job for a Cox model', () => {
  it("evaluates a pooled campaign's model (card: variant pooled, its time bins) with R's Brier score at the horizon, as a stratified one with the same β and S0", async () => {
    const report = await evaluateWith([f.horizon], [f.baselineSurvival], [0, 2, 4, 6]);
    expect(validate('evaluation-report', report).valid).toBe(true);
    expect(report.survival!.brierScore!.estimate).toBeCloseTo(f.brier, 6);
    expect(report.survival).toEqual((await evaluateWith([f.horizon], [f.baselineSurvival])).survival);
  });

  it('with several horizons reports the measures at each (byHorizon); the first is the primary horizon, R\'s at the fixture horizon', async () => {
    const later = { horizon: f.horizon * 0.75, s0: 0.8 };
    const report = await evaluateWith([f.horizon, later.horizon], [f.baselineSurvival, later.s0]);
    expect(validate('evaluation-report', report).valid).toBe(true);
    const s = report.survival!;
    expect(s.byHorizon!.map((m) => m.horizon)).toEqual([f.horizon, later.horizon]);
    expect(s.byHorizon![0].brierScore.estimate).toBeCloseTo(f.brier, 6);
    expect(s.byHorizon![0]).toEqual({ horizon: s.horizon, timeDependentAuc: s.timeDependentAuc, brierScore: s.brierScore, calibrationSlope: s.calibrationSlope, calibrationGroups: s.calibrationGroups });
    // The cut-off is the primary horizon's: S(first horizon | x) ≤ ½.
    expect(s.riskCutoff).toBeCloseTo(Math.log(Math.log(0.5) / Math.log(f.baselineSurvival)), 12);
    // The later horizon's measures are those of a model locked with that horizon alone.
    const alone = (await evaluateWith([later.horizon], [later.s0])).survival!;
    expect(s.byHorizon![1]).toEqual({ horizon: later.horizon, timeDependentAuc: alone.timeDependentAuc, brierScore: alone.brierScore, calibrationSlope: alone.calibrationSlope, calibrationGroups: alone.calibrationGroups });
  });

  it('reports the C-indices, and at the horizon the time-dependent AUC, Brier score and calibration; risk groups at S(h | x) = ½', async () => {
    const report = await evaluateWith([f.horizon], [f.baselineSurvival]);
    expect(validate('evaluation-report', report).valid).toBe(true);
    expect(report.outcome).toBe('survival');
    const s = report.survival!;
    expect(s.horizon).toBe(f.horizon);
    // The model reads float32 features: S(h | x) agrees with R's to float32 rounding.
    expect(s.brierScore!.estimate).toBeCloseTo(f.brier, 6);
    expect(s.calibrationSlope).toBeCloseTo(f.calibrationSlope, 5);
    expect(s.riskCutoff).toBeCloseTo(Math.log(Math.log(0.5) / Math.log(f.baselineSurvival)), 12);
    expect(s.riskGroups!.map((g) => g.group)).toEqual(['low', 'high']);
    expect(s.logRank!.pValue).toBeLessThan(0.05);
  });
});
