import { describe, expect, it } from '@jest/globals';
import {
  crossValidationMethod, crossValidationResult, cvSiteStep, lassoPathSettings, lassoStep, pathResult, protocolTuningSettings, runLocalTwin, selectionMethod, selectionSiteSummary,
  type CrossValidationResult, type CvStepParams, type TrainingRows,
} from '@fedrad/methods';
import type { CampaignProtocol, JobEnvelope, SelectParams, TrainRoundParams, TuneRoundParams } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { jobsOf } from '../src/core/jobs.js';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { stepOutput } from '../src/core/stepOutputs.js';
import { openStore } from '../src/store/openStore.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerTrainJob, glmFixture, makeSite, protocolFor, signResult, type FakeSite } from './fakeSites.js';

// Issue #12 items 3–4 as campaign steps: the coordinator's selection and tuning phases, with each
// site answering by the site half the site node runs (@fedrad/methods' selectionSiteSummary and
// cvSiteStep), must choose exactly what the local twins of `fedrad select --sites` and
// `fedrad tune --sites` choose on the same partitions (those are checked against R's glmnet in
// @fedrad/methods and apps/cli); training then fits the selected features at the tuned λ, whose
// coefficients are the cross-validation's own fit on all rows at that λ (an independent solver path).
const ALL = ['f1', 'f2', 'f3', 'f4', 'f5'];
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, makeSite(s)]));

function rowsOf(siteId: string, features: readonly string[]): TrainingRows {
  const { x, y } = glmFixture.sites[siteId];
  const columns = features.map((f) => ALL.indexOf(f));
  return { featureNames: [...features], x: Float64Array.from(x.flatMap((r) => columns.map((j) => r[j]))), label: Float64Array.from(y) };
}

function signed(job: JobEnvelope, result: Record<string, unknown>) {
  return signResult(sites[job.siteId], {
    type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind, attempt: job.attempt,
    ...(job.round !== undefined ? { round: job.round } : {}), nonce: job.nonce, completedAt: '2026-12-07T12:00:00Z', result: result as never,
  });
}

/** Every site answers every job with the site node's own site step, until no job is left. */
async function run(ctx: CoreContext, queue: JobEnvelope[], stopAfter?: (job: JobEnvelope) => boolean): Promise<{ train: TrainRoundParams[]; tuneRounds: number }> {
  const train: TrainRoundParams[] = [];
  let tuneRounds = 0;
  while (queue.length > 0) {
    const job = queue.shift()!;
    let answer;
    if (job.kind === 'select') {
      const p = job.params as SelectParams;
      const s = await selectionSiteSummary({ kind: 'select-summary', features: p.features, minCohortSize: p.minCohortSize }, rowsOf(job.siteId, p.features), { siteId: job.siteId });
      answer = signed(job, { kind: 'select', patientCount: s.sampleCount, eventCount: s.eventCount, tensors: s.tensors });
    } else if (job.kind === 'tune-round') {
      const { round, alpha: _a, basedOn: _b, ...step } = job.params as TuneRoundParams;
      const u = await cvSiteStep({ ...step, kind: 'cv-step' } as CvStepParams, rowsOf(job.siteId, step.features), { siteId: job.siteId });
      answer = signed(job, { kind: 'tune-round', round, sampleCount: u.sampleCount, eventCount: u.eventCount, tensors: u.tensors });
      if (job.siteId === 'site-a') tuneRounds++;
    } else {
      const params = job.params as TrainRoundParams;
      train.push(params);
      const data = rowsOf(job.siteId, params.features);
      const x: number[][] = [];
      for (let i = 0; i < data.label.length; i++) x.push(Array.from(data.x.subarray(i * params.features.length, (i + 1) * params.features.length)));
      answer = await answerTrainJob(sites[job.siteId], { x, y: Array.from(data.label) }, job);
    }
    const out = acceptResult(ctx, sites[job.siteId].peer, answer);
    expect([job.jobId, out.ack.status]).toEqual([job.jobId, 'accepted']);
    queue.push(...out.send);
    if (stopAfter?.(job)) break;
  }
  return { train, tuneRounds };
}

const partitions = (features: readonly string[]) => new Map(Object.keys(sites).map((s) => [s, rowsOf(s, features)]));

describe('selection and tuning steps of a campaign', () => {
  it('select the features and λ of the local twins (to 1e-10), and training fits those features at that λ', async () => {
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'select-tune', model: { family: 'lasso-logistic', standardize: true }, training: { strategy: 'exact-newton', rounds: 40 } }),
      selection: { fdr: 0.2, maxCorrelation: 0.95 },
      tuning: { cv: 'kfold', folds: 3, seed: 7, nlambda: 20, lambdaMinRatio: 0.01, rule: '1se' },
    };
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T12:00:00Z') };
    createCampaign(ctx, protocol);
    const first = startCampaign(ctx, 'select-tune');
    expect(first.map((j) => j.jobId)).toEqual(['select-tune/select/site-a', 'select-tune/select/site-b', 'select-tune/select/site-c']);
    const { train, tuneRounds } = await run(ctx, first);
    const status = campaignStatus(ctx, 'select-tune');
    expect(status.state).toBe('completed');
    expect(status.plan.map((s) => s.phase)).toEqual(['selection', 'tuning', 'training', 'lock', 'report']);

    // The local twin of `fedrad select --sites` (apps/cli's select.ts runs exactly this).
    const twinSelection = await runLocalTwin(selectionMethod({ features: ALL, minCohortSize: 5, univariate: { fdr: 0.2 }, correlation: { threshold: 0.95, prefer: 'association' } }), partitions(ALL), { patientCount: (r) => r.label.length });
    const selected = stepOutput<{ features: string[]; steps: Array<{ step: string; removed: unknown[] }>; statistics: Record<string, { score: number; p: number; q: number }> }>(ctx, 'select-tune', 'selection')!.output;
    expect(selected.features).toEqual(twinSelection.state.kept);
    expect(selected.features.length).toBeLessThan(ALL.length); // the filters removed something: the test compares a real choice
    for (const f of ALL) {
      expect(selected.statistics[f].q).toBeCloseTo(twinSelection.state.statistics![f].q!, 10);
      expect(selected.statistics[f].score).toBeCloseTo(twinSelection.state.statistics![f].score!, 10);
    }

    // The local twin of `fedrad tune --sites` on the selected features.
    const settings = protocolTuningSettings(protocol, selected.features, 1);
    const twinTuning = crossValidationResult((await runLocalTwin(crossValidationMethod(settings), partitions(selected.features), { patientCount: (r) => r.label.length })).state, settings);
    const tuned = stepOutput<{ lambda: number; alpha: number; lambdaMin: number; lambda1se: number; cvm: number[]; cvsd: number[] }>(ctx, 'select-tune', 'tuning')!.output;
    expect(Math.abs(tuned.lambdaMin - twinTuning.lambdaMin)).toBeLessThan(1e-10);
    expect(Math.abs(tuned.lambda1se - twinTuning.lambda1se)).toBeLessThan(1e-10);
    expect(tuned.lambda).toBe(tuned.lambda1se);
    expect(tuned.alpha).toBe(1);
    tuned.cvm.forEach((v, l) => expect(Math.abs(v - twinTuning.cvm[l])).toBeLessThan(1e-10));
    tuned.cvsd.forEach((v, l) => expect(Math.abs(v - twinTuning.cvsd[l])).toBeLessThan(1e-10));
    expect(tuneRounds).toBeGreaterThan(20); // a grid exchange and Newton steps at each of the 20 λ

    // Training ran on the selection's features at the tuned λ and α, and the locked model and its card say so.
    expect(train.length).toBeGreaterThan(0);
    for (const params of train) {
      expect(params.features).toEqual(selected.features);
      expect(params.model).toEqual({ family: 'lasso-logistic', standardize: true, lambda: tuned.lambda, alpha: 1 });
    }
    const coef = (status.model!.parameters as Array<{ name: string; data: number[] }>)[0].data;
    const reference = twinTuning.coefficients[twinTuning.lambda.indexOf(twinTuning.lambda1se)];
    expect(coef).toHaveLength(selected.features.length + 1);
    coef.forEach((c, j) => expect(Math.abs(c - reference[j])).toBeLessThan(1e-6));
  });

  it('the LASSO step keeps the features of glmnet on the pooled rows (1e-6) and of the local twin (1e-10); tuning numbers its exchanges after the path', async () => {
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'select-lasso', model: { family: 'lasso-logistic', standardize: true }, training: { strategy: 'exact-newton', rounds: 40 } }),
      selection: { lasso: { lambda: 0.02 } },
      tuning: { cv: 'leave-one-site-out', lambdas: [0.1, 0.05, 0.02], rule: 'min' },
    };
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T12:00:00Z') };
    createCampaign(ctx, protocol);
    const { train } = await run(ctx, startCampaign(ctx, 'select-lasso'));
    expect(campaignStatus(ctx, 'select-lasso').state).toBe('completed');
    const selected = stepOutput<{ features: string[]; steps: Array<{ step: string; settings: { lambda: number } }>; statistics: Record<string, { coefficient?: number }> }>(ctx, 'select-lasso', 'selection')!.output;
    // R's glmnet(alpha = 1, lambda = 0.02) on the three sites' pooled rows (scripts/fixtures/methods/glm-sites.R).
    const glmnet = glmFixture.pooledFits.find((f) => f.family === 'lasso-logistic' && f.lambda === 0.02)!.coef;
    expect(selected.features).toEqual(ALL.filter((_, j) => glmnet[j + 1] !== 0));
    expect(selected.features.length).toBeLessThan(ALL.length);
    ALL.forEach((f, j) => expect(Math.abs(selected.statistics[f].coefficient! - glmnet[j + 1])).toBeLessThan(1e-6));
    expect(selected.steps.at(-1)).toMatchObject({ step: 'lasso', settings: { lambda: 0.02, alpha: 1 } });
    // The local twin of `fedrad select --sites --lasso-lambda 0.02` (apps/cli's select.ts).
    const twinFilters = await runLocalTwin(selectionMethod({ features: ALL, minCohortSize: 5 }), partitions(ALL), { patientCount: (r) => r.label.length });
    const path = await runLocalTwin(crossValidationMethod(lassoPathSettings(twinFilters.state.kept!, { alpha: 1, lambda: 0.02 }, 5)), partitions(twinFilters.state.kept!), { patientCount: (r) => r.label.length });
    const statistics = twinFilters.state.statistics!;
    const twin = lassoStep(pathResult(path.state), twinFilters.state.kept!, { alpha: 1, lambda: 0.02 }, statistics);
    expect(selected.features).toEqual(twin.kept);
    ALL.forEach((f) => expect(Math.abs(selected.statistics[f].coefficient! - statistics[f].coefficient!)).toBeLessThan(1e-10));
    // One increasing sequence of tune-rounds at each site: the path's exchanges, then the tuning step's.
    const rounds = (folded: boolean) => jobsOf(ctx, 'select-lasso', { kind: 'tune-round' }).filter((j) => j.siteId === 'site-a' && ((j.params as TuneRoundParams).folds.scheme !== 'none') === folded).map((j) => j.round!);
    expect(rounds(false).length).toBeGreaterThan(1);
    expect(Math.min(...rounds(true))).toBe(Math.max(...rounds(false)) + 1);
    for (const params of train) expect(params.features).toEqual(selected.features);
  });

  it('the LASSO step with maxFeatures keeps the first features to enter glmnet\'s path, as R and the local twin', async () => {
    // glmnet's default lasso path on the pooled rows (scripts/fixtures/methods/lasso-path.R).
    const path = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/lasso-path.json', import.meta.url), 'utf8')) as { first: Array<{ maxFeatures: number; lambda: number; features: string[] }> };
    const r = path.first.find((f) => f.maxFeatures === 3)!;
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'select-first', model: { family: 'lasso-logistic', lambda: 0.02, standardize: true }, training: { strategy: 'exact-newton', rounds: 40 } }),
      selection: { lasso: { maxFeatures: 3 } },
    };
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T12:00:00Z') };
    createCampaign(ctx, protocol);
    await run(ctx, startCampaign(ctx, 'select-first'));
    expect(campaignStatus(ctx, 'select-first').state).toBe('completed');
    const selected = stepOutput<{ features: string[]; steps: Array<{ step: string; settings: { lambda: number; maxFeatures: number } }> }>(ctx, 'select-first', 'selection')!.output;
    expect(selected.features).toEqual(r.features);
    const lasso = selected.steps.at(-1)!;
    expect(lasso.settings.maxFeatures).toBe(3);
    expect(Math.abs(lasso.settings.lambda - r.lambda) / r.lambda).toBeLessThan(1e-9);
    // The local twin of `fedrad select --sites --lasso-max-features 3`.
    const twinPath = await runLocalTwin(crossValidationMethod(lassoPathSettings(ALL, { alpha: 1, maxFeatures: 3 }, 5)), partitions(ALL), { patientCount: (x) => x.label.length });
    const statistics = Object.fromEntries(ALL.map((f) => [f, { sd: 0 }]));
    expect(lassoStep(pathResult(twinPath.state), ALL, { alpha: 1, maxFeatures: 3 }, statistics).kept).toEqual(selected.features);
  }, 120_000);

  it('resumes tuning from the store after a restart mid-way, leave-one-site-out, and ends with the local twin\'s λ', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'select-tune-restart-'));
    try {
      const protocol: CampaignProtocol = {
        ...protocolFor({ campaignId: 'tune-restart', model: { family: 'elasticnet-logistic', standardize: true }, training: { strategy: 'exact-newton', rounds: 40 } }),
        tuning: { cv: 'leave-one-site-out', alphas: [0.5, 1], lambdas: [0.2, 0.1, 0.05, 0.02], rule: 'min' },
      };
      const file = join(dir, 'coordinator.sqlite');
      const clock = () => new Date('2026-12-07T12:00:00Z');
      let ctx: CoreContext = { db: openStore(file), clock };
      createCampaign(ctx, protocol);
      const queue = startCampaign(ctx, 'tune-restart');
      // Stop once site-c answered tuning exchange 6, mid-way through the exchanges, as a crash would.
      await run(ctx, queue, (job) => job.kind === 'tune-round' && job.round === 6 && job.siteId === 'site-c');
      expect(campaignStatus(ctx, 'tune-restart').phase).toBe('tuning');
      ctx.db.close();
      ctx = { db: openStore(file), clock };
      await run(ctx, queue);
      expect(campaignStatus(ctx, 'tune-restart').state).toBe('completed');
      const tuned = stepOutput<{ lambda: number; alpha: number; alphas: Array<{ alpha: number; lambdaMin: number; best: number }> }>(ctx, 'tune-restart', 'tuning')!.output;
      // The local twin of `fedrad tune --sites --alpha 0.5,1`: each α's curve; the best at its lambda.min wins.
      const twins: CrossValidationResult[] = [];
      for (const alpha of [0.5, 1]) {
        const settings = protocolTuningSettings(protocol, ALL, alpha);
        twins.push(crossValidationResult((await runLocalTwin(crossValidationMethod(settings), partitions(ALL), { patientCount: (r) => r.label.length })).state, settings));
      }
      tuned.alphas.forEach((a, i) => {
        expect(a.alpha).toBe(twins[i].alpha);
        expect(Math.abs(a.lambdaMin - twins[i].lambdaMin)).toBeLessThan(1e-10);
        expect(Math.abs(a.best - twins[i].cvm[twins[i].lambda.indexOf(twins[i].lambdaMin)])).toBeLessThan(1e-10);
      });
      const best = twins[0].cvm[twins[0].lambda.indexOf(twins[0].lambdaMin)] <= twins[1].cvm[twins[1].lambda.indexOf(twins[1].lambdaMin)] ? twins[0] : twins[1];
      expect([tuned.alpha, tuned.lambda]).toEqual([best.alpha, best.lambdaMin]);
      ctx.db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
