import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASELINE_TEST, BASELINE_TRAINING, baselineFixture, writeBaselineSites } from './baselineFixture.js';
import { protocolFor } from './campaignWorld.js';
import { runFedrad } from './processes.js';

// Issue #13 / #12 item 7: a campaign with a clinical baseline, rehearsed with `fedrad simulate`
// (the real coordinator and site code over loopback). Five sites hold a feature table, an outcome
// table and a clinical table with gaps. Reference: scripts/fixtures/baseline/baseline.R — R's glm on
// the training sites' pooled rows (the clinical and combined models on the complete cases) and,
// at each test site, pROC's roc.test(paired = TRUE, method = "delong") of the radiomics and of the
// combined model against the clinical model, on the patients with every covariate.
const fixture = baselineFixture;
const CAMPAIGN = 'e2e-baseline';
const TRAINING = BASELINE_TRAINING;
const TEST = BASELINE_TEST;

let dir: string;
let status: {
  state: string;
  plan: Array<{ phase: string; state: string; outputHash?: string }>;
  model: { parameters: Array<{ name: string; data: number[] }> };
  modelRelease: { card: { campaign: { baselineModels?: Array<{ model: string; onnxSha256: string; features: string[] }> } } };
  evaluations: Array<{ siteId: string; report: Record<string, any> }>;
  baseline: { models: Array<{ model: string; onnxSha256: string; features: string[]; sampleCount: number; missingCovariates: number; converged: boolean; parameters: Array<{ name: string; data: number[] }> }>; metaAnalyses: Array<{ model: string; report: Record<string, any> | null }> };
};
let printed: string;

const close = (actual: number, expected: number, tolerance: number) => expect(Math.abs(actual - expected) / Math.max(1, Math.abs(expected))).toBeLessThan(tolerance);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fedrad-e2e-baseline-'));
  writeBaselineSites(dir);
  const protocol = {
    ...protocolFor(CAMPAIGN, ['f1', 'f2'], TRAINING, TEST, { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 60, seed: 3 }, { family: 'logistic' }),
    analysisPlan: { bootstrapReplicates: 50, baseline: { covariates: ['age', 'size'] } },
  };
  writeFileSync(join(dir, 'protocol.json'), JSON.stringify(protocol));
  mkdirSync(join(dir, 'logs'));
  // A baseline model's rounds after round 0 are at coefficients no site can verify (a baseline is refused
  // with shareSiteUpdates or secureAggregation): this rehearsal's sites opt in, as a consortium's would.
  printed = await runFedrad(['simulate', '--trust-coordinator-coefficients', '--protocol', join(dir, 'protocol.json'), '--sites', join(dir, 'sites'), '--out', join(dir, 'run')], join(dir, 'logs'), 'simulate');
  status = JSON.parse(readFileSync(join(dir, "run/results/status.json"), "utf8"));
}, 400000);

afterAll(() => {
  if (process.env.FEDRAD_E2E_KEEP) process.stdout.write(`e2e folder kept: ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
});

describe('a campaign with a clinical baseline', () => {
  it('runs the baseline step between training and the lock, and prints the comparison', () => {
    expect(status.state).toBe('completed');
    expect(status.plan.map((s) => s.phase)).toEqual(['training', 'baseline', 'lock', 'evaluation', 'meta-analysis', 'report']);
    expect(status.plan.every((s) => s.state === 'done')).toBe(true);
    expect(printed).toContain('✓ baseline');
    expect(printed).toMatch(/combined +AUC .* vs clinical Δ/);
  });

  it('earns RQS item 6 (multivariable analysis with non-radiomic features) from the combined model, and the report shows the comparison', () => {
    const rqs = JSON.parse(readFileSync(join(dir, 'run/results/rqs.json'), 'utf8')) as { items: Array<{ item: number; points: number; evidence: string }> };
    expect(rqs.items.find((i) => i.item === 6)).toMatchObject({ points: 1, evidence: 'combined model with age, size' });
    expect(readFileSync(join(dir, 'run/results/report.html'), 'utf8')).toContain('Added value over the clinical baseline');
  });

  it('trains the radiomics model, the clinical model and the combined model each equal to R glm on the pooled training rows', () => {
    const coef = (tensors: Array<{ name: string; data: number[] }>) => tensors.find((t) => t.name === 'coef')!.data;
    coef(status.model.parameters).forEach((v, k) => close(v, fixture.glm.radiomics.coefficients[k], 1e-6));
    for (const name of ['clinical', 'combined'] as const) {
      const m = status.baseline.models.find((x) => x.model === name)!;
      expect(m.features).toEqual(name === 'clinical' ? ['age', 'size'] : ['f1', 'f2', 'age', 'size']);
      expect(m.converged).toBe(true);
      // glm's complete cases: the patients left out for a missing covariate are counted, not lost.
      expect(m.sampleCount).toBe(fixture.glm[name].n);
      expect(m.missingCovariates).toBe(fixture.glm[name].missingCovariates);
      coef(m.parameters).forEach((v, k) => close(v, fixture.glm[name].coefficients[k], 1e-6));
    }
  });

  it('locks and signs each baseline model; the radiomics model\'s signed card lists them', () => {
    const listed = status.modelRelease.card.campaign.baselineModels!;
    expect(listed.map((b) => b.model)).toEqual(['clinical', 'combined']);
    for (const b of listed) expect(b.onnxSha256).toBe(status.baseline.models.find((m) => m.model === b.model)!.onnxSha256);
    // The baseline step's recorded output names the same models (its hash is in the plan).
    expect(status.plan.find((s) => s.phase === 'baseline')!.outputHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports at each test site the paired DeLong tests of pROC::roc.test on the same patients', () => {
    for (const t of fixture.tests) {
      const r = status.evaluations.find((e) => e.siteId === t.siteId)!.report;
      expect(r.patientCount).toBe(t.patients);
      expect(r.missingCovariates).toBe(t.missingCovariates);
      close(r.discrimination.auc.estimate, t.radiomicsVsClinical.auc, 1e-6);
      close(r.baselineComparison.baseline.estimate, t.radiomicsVsClinical.baselineAuc, 1e-6);
      close(r.baselineComparison.difference.estimate, t.radiomicsVsClinical.auc - t.radiomicsVsClinical.baselineAuc, 1e-6);
      close(r.baselineComparison.pValue, t.radiomicsVsClinical.pValue, 1e-5);
      const combined = r.baselineModels.find((b: { model: string }) => b.model === 'combined');
      const clinical = r.baselineModels.find((b: { model: string }) => b.model === 'clinical');
      close(combined.discrimination.auc.estimate, t.combinedVsClinical.auc, 1e-6);
      close(clinical.discrimination.auc.estimate, t.combinedVsClinical.baselineAuc, 1e-6);
      close(combined.baselineComparison.pValue, t.combinedVsClinical.pValue, 1e-5);
      expect(clinical.patientCount).toBe(t.patients);
      expect(clinical.baselineComparison).toBeUndefined();
    }
  });

  it('pools each baseline model across the test sites, as the radiomics model', () => {
    for (const name of ['clinical', 'combined']) {
      const meta = status.baseline.metaAnalyses.find((m) => m.model === name)!;
      expect(meta.report).not.toBeNull();
      expect(meta.report!.patientCount).toBe(fixture.tests.reduce((n, t) => n + t.patients, 0));
      // Each site enters with its own AUC of that model (the one it reported), not the radiomics model's.
      const auc = meta.report!.metaAnalyses.find((m: { measure: string }) => m.measure === 'auc');
      expect(auc.sites.map((s: { label: string }) => s.label)).toEqual(TEST);
      auc.sites.forEach((s: { label: string; estimate: { estimate: number } }) => {
        const own = status.evaluations.find((e) => e.siteId === s.label)!.report.baselineModels.find((b: { model: string }) => b.model === name);
        close(s.estimate.estimate, own.discrimination.auc.estimate, 1e-12);
      });
    }
  });
});
