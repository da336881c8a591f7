import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, stepOutput } from '@fedrad/coordinator';
import { crossValidationMethod, lassoPathSettings, pathResult, runLocalTwin, type TrainingRows } from '@fedrad/methods';
import { SiteStore } from '@fedrad/site-node';
import { BASELINE_TEST, BASELINE_TRAINING, baselineFixture, writeBaselineSites } from './baselineFixture.js';
import { protocolFor } from './campaignWorld.js';
import { runFedrad } from './processes.js';

// Issue #16: under training.shareSiteUpdates the selection step's LASSO path exchanges and the
// baseline rounds carry the previous exchange's signed answers, and each real site node recomputes
// the coordinator's step (apps/site-node's exchangeTrajectory.ts) before answering. Rehearsed with
// `fedrad simulate` (the real coordinator and site daemons over loopback) on the baseline campaign's
// sites: the honest campaign must run through with every exchange verified at every training site,
// its LASSO coefficients those of the local twin of `fedrad select --sites` (1e-10), and the
// radiomics, clinical and combined models those of R's glm on the pooled training rows
// (scripts/fixtures/baseline/baseline.R).
const fixture = baselineFixture;
const CAMPAIGN = 'e2e-exchanges';
const TRAINING = BASELINE_TRAINING;
const TEST = BASELINE_TEST;
const LAMBDA = 0.001;
let dir: string;
let status: { state: string; plan: Array<{ phase: string; state: string }>; model: { parameters: Array<{ name: string; data: number[] }> }; baseline: { models: Array<{ model: string; features: string[]; parameters: Array<{ name: string; data: number[] }> }> } };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fedrad-e2e-exchanges-'));
  writeBaselineSites(dir);
  const protocol = {
    ...protocolFor(CAMPAIGN, ['f1', 'f2'], TRAINING, TEST, { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 60, seed: 3, shareSiteUpdates: true }, { family: 'logistic' }),
    selection: { lasso: { lambda: LAMBDA } },
    analysisPlan: { bootstrapReplicates: 20, baseline: { covariates: ['age', 'size'] } },
  };
  writeFileSync(join(dir, 'protocol.json'), JSON.stringify(protocol));
  mkdirSync(join(dir, 'logs'));
  await runFedrad(['simulate', '--protocol', join(dir, 'protocol.json'), '--sites', join(dir, 'sites'), '--out', join(dir, 'run')], join(dir, 'logs'), 'simulate');
  status = JSON.parse(readFileSync(join(dir, 'run/results/status.json'), 'utf8'));
}, 400000);

afterAll(() => {
  if (process.env.FEDRAD_E2E_KEEP) process.stdout.write(`e2e folder kept: ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
});

/** A training site's rows from its CSV text (id,f1,f2 and id,label). */
function rowsOf(siteId: string): TrainingRows {
  const s = fixture.sites.find((x) => x.siteId === siteId)!;
  const body = (text: string) => text.trim().split('\n').slice(1).map((l) => l.split(','));
  return { featureNames: ['f1', 'f2'], x: Float64Array.from(body(s.features).flatMap((r) => [Number(r[1]), Number(r[2])])), label: Float64Array.from(body(s.outcome).map((r) => Number(r[1]))) };
}

describe('LASSO path exchanges and baseline rounds with shareSiteUpdates, across processes', () => {
  it('runs through, every training site verifying every exchange after the first against the previous one\'s signed answers', () => {
    expect(status.state).toBe('completed');
    expect(status.plan.map((s) => [s.phase, s.state])).toEqual([['selection', 'done'], ['training', 'done'], ['baseline', 'done'], ['lock', 'done'], ['evaluation', 'done'], ['meta-analysis', 'done'], ['report', 'done']]);
    const db = openStore(join(dir, 'run', 'coordinator', 'coordinator.sqlite'), { readonly: true });
    const lassoRounds = (db.prepare("SELECT COUNT(*) AS n FROM selection_lasso_rounds WHERE campaign_id = ?").get(CAMPAIGN) as { n: number }).n;
    const baselineRounds = db.prepare("SELECT model, COUNT(*) AS n FROM baseline_rounds WHERE campaign_id = ? GROUP BY model ORDER BY model").all(CAMPAIGN) as Array<{ model: string; n: number }>;
    db.close();
    expect(lassoRounds).toBeGreaterThan(3);
    for (const siteId of TRAINING) {
      const store = new SiteStore(join(dir, 'run', 'sites', siteId, 'site.sqlite'));
      try {
        // The site's own record of the states it verified, one per exchange it answered.
        for (let r = 0; r < lassoRounds; r++) expect([siteId, r, store.verifiedExchange(CAMPAIGN, 'lasso', r) !== undefined]).toEqual([siteId, r, true]);
        for (const { model, n } of baselineRounds) for (let r = 0; r < n; r++) expect([siteId, model, r, store.verifiedExchange(CAMPAIGN, `baseline/${model}`, r) !== undefined]).toEqual([siteId, model, r, true]);
      } finally {
        store.close();
      }
    }
  });

  it('keeps the LASSO coefficients of the local twin, and trains the three models equal to R glm on the pooled rows', async () => {
    const db = openStore(join(dir, 'run', 'coordinator', 'coordinator.sqlite'), { readonly: true });
    const selection = stepOutput<{ features: string[]; statistics: Record<string, { coefficient?: number }> }>({ db } as never, CAMPAIGN, 'selection')!.output;
    db.close();
    const twin = await runLocalTwin(crossValidationMethod(lassoPathSettings(['f1', 'f2'], { alpha: 1, lambda: LAMBDA }, 5)), new Map(TRAINING.map((s) => [s, rowsOf(s)])), { patientCount: (r) => r.label.length });
    const coef = pathResult(twin.state).coefficients[0];
    expect(selection.features).toEqual(['f1', 'f2']);
    ['f1', 'f2'].forEach((f, j) => expect(Math.abs(selection.statistics[f].coefficient! - coef[j + 1])).toBeLessThan(1e-10));
    const close = (actual: number, expected: number) => expect(Math.abs(actual - expected) / Math.max(1, Math.abs(expected))).toBeLessThan(1e-6);
    const coefOf = (tensors: Array<{ name: string; data: number[] }>) => tensors.find((t) => t.name === 'coef')!.data;
    coefOf(status.model.parameters).forEach((v, k) => close(v, fixture.glm.radiomics.coefficients[k]));
    for (const name of ['clinical', 'combined'] as const) {
      const m = status.baseline.models.find((x) => x.model === name)!;
      coefOf(m.parameters).forEach((v, k) => close(v, fixture.glm[name].coefficients[k]));
    }
  });
});
