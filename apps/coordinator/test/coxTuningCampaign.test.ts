import { describe, expect, it } from '@jest/globals';
import { verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  coxCrossValidationMethod, coxCrossValidationResult, coxCvSiteStep, protocolCoxTuningSettings, runLocalTwin, trainingSiteStep,
  foldAssignment, type CoxCvStepParams, type CoxTuningRows, type SurvivalRows,
} from '@fedrad/methods';
import type { CampaignProtocol, JobEnvelope, TrainRoundParams, TuneRoundParams } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { admitSite } from '../src/core/sites.js';
import { campaignStatus } from '../src/core/status.js';
import { stepOutput } from '../src/core/stepOutputs.js';
import { openStore } from '../src/store/openStore.js';
import { makeSite, protocolFor, signResult, type FakeSite } from './fakeSites.js';

// Issue #12 item 4 for survival campaigns: the tuning step of a Cox campaign, each training site
// answering its tune-round jobs with the site node's own step (@fedrad/methods' coxCvSiteStep, what
// apps/site-node's tuneRound.ts runs on a survival cohort) and its train-round jobs with the training
// site step, on the rows of scripts/fixtures/methods/cox-cv-sites.R. The curve, lambda.min and
// lambda.1se must be R's glmnet::cv.glmnet(family = "cox", foldid = site) on the pooled rows
// stratified by site and the local twin's (`fedrad tune --model cox --sites`); training then fits
// the tuned λ, whose coefficients are R's glmnet path on every site at that λ.
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/cox-cv-sites.json', import.meta.url), 'utf8')) as {
  nlambda: number;
  lambdaMinRatio: number;
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  cv: Array<{ alpha: number; measure: 'C' | 'deviance'; lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number; coefficients: number[][] }>;
};
const siteIds = Object.keys(fixture.sites);
const features = fixture.sites[siteIds[0]].x[0].map((_, j) => `f${j + 1}`);
const sites: Record<string, FakeSite> = Object.fromEntries(siteIds.map((s) => [s, makeSite(s)]));
const rowsOf = (s: string): SurvivalRows => ({ featureNames: features, x: Float64Array.from(fixture.sites[s].x.flat()), time: Float64Array.from(fixture.sites[s].time), event: Float64Array.from(fixture.sites[s].event) });

function signed(job: JobEnvelope, result: Record<string, unknown>) {
  return signResult(sites[job.siteId], {
    type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind, attempt: job.attempt,
    ...(job.round !== undefined ? { round: job.round } : {}), nonce: job.nonce, completedAt: '2026-12-07T12:00:00Z', result: result as never,
  });
}

// The same sites with three folds R drew within each and cv.glmnet(family = "cox", foldid, type.measure = "deviance") on them (the fixture's kfold).
const kfoldFixture = (fixture as unknown as { kfold: { fold: Record<string, number[]>; cv: Array<{ alpha: number; lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number; foldEvents: number[]; coefficients: number[][] }> } }).kfold;

/** Every site answers every job with the site's own step (tune-round: as tuneRound.ts does), until no job is left. */
async function run(ctx: CoreContext, queue: JobEnvelope[], tuningRows: (site: string) => CoxTuningRows = rowsOf): Promise<{ train: TrainRoundParams[]; tune: TuneRoundParams[] }> {
  const train: TrainRoundParams[] = [];
  const tune: TuneRoundParams[] = [];
  while (queue.length > 0) {
    const job = queue.shift()!;
    let answer;
    if (job.kind === 'tune-round') {
      const params = job.params as TuneRoundParams;
      tune.push(params);
      const { round, alpha: _a, basedOn: _b, lambdas: _l, harmonizationHash: _h, ...step } = params;
      const u = coxCvSiteStep({ ...step, kind: 'cox-cv-step' } as CoxCvStepParams, tuningRows(job.siteId), { siteId: job.siteId });
      answer = signed(job, { kind: 'tune-round', round, sampleCount: u.sampleCount, eventCount: u.eventCount, tensors: u.tensors });
    } else {
      const params = job.params as TrainRoundParams;
      train.push(params);
      const rows = rowsOf(job.siteId);
      answer = signed(job, (await trainingSiteStep(params, { ...rows, label: new Float64Array(0) }, { minCohortSize: 5 })) as unknown as Record<string, unknown>);
    }
    const out = acceptResult(ctx, sites[job.siteId].peer, answer);
    expect([job.jobId, out.ack.status]).toEqual([job.jobId, 'accepted']);
    queue.push(...out.send);
  }
  return { train, tune };
}

const close = (got: number, want: number, tol: number) => expect(Math.abs(got - want)).toBeLessThan(tol * Math.max(1, Math.abs(want)));
const partitions = () => new Map(siteIds.map((s) => [s, rowsOf(s)]));

function coxProtocol(campaignId: string, tuning: CampaignProtocol['tuning']): CampaignProtocol {
  return {
    ...protocolFor({ campaignId, model: { family: 'cox', ties: 'breslow', standardize: true }, training: { strategy: 'exact-newton', rounds: 50 } }),
    features,
    outcome: { type: 'survival', time: 'time', event: 'event' },
    tuning,
  };
}

describe('the tuning step of a Cox campaign', () => {
  it("chooses cv.glmnet's lambda.1se by Harrell's C, leave-one-site-out (R and the local twin), and training fits glmnet's path at it", async () => {
    const protocol = coxProtocol('cox-tune', { cv: 'leave-one-site-out', measure: 'C', nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio, rule: '1se' });
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T12:00:00Z') };
    createCampaign(ctx, protocol);
    const { train, tune } = await run(ctx, startCampaign(ctx, 'cox-tune'));
    const status = campaignStatus(ctx, 'cox-tune');
    expect(status.state).toBe('completed');
    expect(status.plan.map((s) => s.phase)).toEqual(['tuning', 'training', 'lock', 'report']);
    // Every exchange was a Cox one: Breslow's ties, each site its own fold, the grid named on path exchanges.
    expect(tune.length).toBeGreaterThan(3 * fixture.nlambda);
    for (const p of tune) {
      expect(p).toMatchObject({ ties: 'breslow', measure: 'C', alpha: 1, folds: { scheme: 'leave-one-site-out', count: 3 } });
      expect(p.coef).toBeUndefined();
    }

    const ref = fixture.cv.find((c) => c.alpha === 1 && c.measure === 'C')!;
    const tuned = stepOutput<{ lambda: number; alpha: number; lambdaMin: number; lambda1se: number; measure: string; lambdas: number[]; cvm: number[]; cvsd: number[]; folds: { sizes: number[] } }>(ctx, 'cox-tune', 'tuning')!.output;
    // R: glmnet's grid from the pooled rows, cv.glmnet's curve and choices.
    expect(tuned.measure).toBe('C');
    tuned.lambdas.forEach((l, k) => close(l, ref.lambda[k], 1e-10));
    tuned.cvm.forEach((v, k) => close(v, ref.cvm[k], 1e-8));
    tuned.cvsd.forEach((v, k) => close(v, ref.cvsd[k], 1e-7));
    close(tuned.lambdaMin, ref.lambdaMin, 1e-10);
    close(tuned.lambda1se, ref.lambda1se, 1e-10);
    expect(tuned.lambda).toBe(tuned.lambda1se);
    expect(tuned.lambda1se).toBeGreaterThan(tuned.lambdaMin); // the two rules differ here: the test compares a real choice
    expect(tuned.folds.sizes).toEqual(siteIds.map((s) => fixture.sites[s].time.length));

    // The local twin of `fedrad tune --model cox --sites` (apps/cli's tune.ts runs exactly this), to 1e-12.
    const settings = protocolCoxTuningSettings(protocol, features, 1);
    const twin = coxCrossValidationResult((await runLocalTwin(coxCrossValidationMethod(settings), partitions(), { patientCount: (r) => r.time.length })).state, settings);
    tuned.cvm.forEach((v, k) => close(v, twin.cvm[k], 1e-12));
    expect([tuned.lambdaMin, tuned.lambda1se]).toEqual([twin.lambdaMin, twin.lambda1se]);

    // Training fits the tuned λ and α; the locked coefficients are glmnet's on every site at that λ.
    expect(train.length).toBeGreaterThan(0);
    for (const params of train) expect(params.model).toEqual({ family: 'cox', ties: 'breslow', standardize: true, lambda: tuned.lambda, alpha: 1 });
    const coef = (status.model!.parameters as Array<{ name: string; data: number[] }>)[0].data;
    const glmnet = ref.coefficients[ref.lambda.findIndex((l) => Math.abs(l - ref.lambda1se) < 1e-12 * l)];
    expect(coef).toHaveLength(features.length);
    coef.forEach((c, j) => expect(Math.abs(c - glmnet[j])).toBeLessThan(1e-6));
  }, 120_000);

  it("under training.shareSiteUpdates sends each exchange after the grid step with the previous one's answers as the sites signed them, and ends at the same curve", async () => {
    // Issue #16: what each site recomputes the cross-validation's step from (apps/site-node's exchangeTrajectory.ts, tested there against a hostile coordinator).
    const protocol = { ...coxProtocol('cox-tune-shared', { cv: 'leave-one-site-out', measure: 'C', nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio, rule: '1se' }), training: { strategy: 'exact-newton' as const, rounds: 50, roundDeadlineSeconds: 60, shareSiteUpdates: true } };
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T12:00:00Z') };
    // The sites' certificates, recorded as the site channel does when they connect: each relayed answer carries its signer's.
    for (const s of Object.values(sites)) expect(admitSite(ctx, s.peer).ok).toBe(true);
    createCampaign(ctx, protocol);
    const { tune } = await run(ctx, startCampaign(ctx, 'cox-tune-shared'));
    expect(campaignStatus(ctx, 'cox-tune-shared').state).toBe('completed');
    expect(tune.filter((p) => p.phase === 'grid')).toHaveLength(3); // one grid step, to each site
    for (const p of tune) {
      if (p.phase === 'grid') {
        expect(p.transcript).toBeUndefined();
        continue;
      }
      expect([p.round, p.transcript?.round, p.transcript?.failures]).toEqual([p.round, p.round - 1, []]);
      const docs = p.transcript!.results.map((r) => {
        expect(verify('sha256', Buffer.from(r.signed, 'utf8'), r.certificatePem, Buffer.from(r.signature, 'base64'))).toBe(true);
        return JSON.parse(r.signed) as { jobId: string; siteId: string; round: number };
      });
      expect(docs.map((d) => [d.jobId, d.round])).toEqual(siteIds.map((s) => [`cox-tune-shared/tune/r${p.round - 1}/${s}`, p.round - 1]));
    }
    // R: the same cv.glmnet curve and choice as without the transcripts.
    const ref = fixture.cv.find((c) => c.alpha === 1 && c.measure === 'C')!;
    const tuned = stepOutput<{ lambda: number; cvm: number[] }>(ctx, 'cox-tune-shared', 'tuning')!.output;
    tuned.cvm.forEach((v, k) => close(v, ref.cvm[k], 1e-8));
    close(tuned.lambda, ref.lambda1se, 1e-10);
  }, 120_000);

  it("tries each α of tuning.alphas by the partial-likelihood deviance and trains the best at its lambda.min, as cv.glmnet", async () => {
    const protocol = coxProtocol('cox-tune-alphas', { cv: 'leave-one-site-out', measure: 'deviance', alphas: [0.5, 1], nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio, rule: 'min' });
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T12:00:00Z') };
    createCampaign(ctx, protocol);
    const { train } = await run(ctx, startCampaign(ctx, 'cox-tune-alphas'));
    expect(campaignStatus(ctx, 'cox-tune-alphas').state).toBe('completed');
    const tuned = stepOutput<{ lambda: number; alpha: number; alphas: Array<{ alpha: number; lambdaMin: number; lambda1se: number; best: number }> }>(ctx, 'cox-tune-alphas', 'tuning')!.output;
    const refs = [0.5, 1].map((a) => fixture.cv.find((c) => c.alpha === a && c.measure === 'deviance')!);
    tuned.alphas.forEach((a, i) => {
      expect(a.alpha).toBe(refs[i].alpha);
      close(a.lambdaMin, refs[i].lambdaMin, 1e-10);
      close(a.lambda1se, refs[i].lambda1se, 1e-10);
      close(a.best, refs[i].cvm[refs[i].lambda.findIndex((l) => Math.abs(l - refs[i].lambdaMin) < 1e-12 * l)], 1e-8);
    });
    // The lower mean deviance at its lambda.min wins.
    const best = refs.reduce((b, r) => (r.cvm[r.lambda.indexOf(r.lambdaMin)] < b.cvm[b.lambda.indexOf(b.lambdaMin)] ? r : b));
    expect(tuned.alpha).toBe(best.alpha);
    close(tuned.lambda, best.lambdaMin, 1e-10);
    for (const params of train) expect([params.model.lambda, params.model.alpha]).toEqual([tuned.lambda, tuned.alpha]);
  }, 180_000);

  it('with tuning.cv kfold: each site draws the protocol\'s folds within its rows, the curve is the local twin\'s, and with R\'s folds it is cv.glmnet\'s (deviance)', async () => {
    const ref = kfoldFixture.cv.find((c) => c.alpha === 1)!;
    const protocol = coxProtocol('cox-tune-kfold', { cv: 'kfold', folds: 3, seed: 7, nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio, rule: 'min' });
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T12:00:00Z') };
    createCampaign(ctx, protocol);
    const { train, tune } = await run(ctx, startCampaign(ctx, 'cox-tune-kfold'));
    expect(campaignStatus(ctx, 'cox-tune-kfold').state).toBe('completed');
    for (const p of tune) expect(p).toMatchObject({ ties: 'breslow', measure: 'deviance', folds: { scheme: 'kfold', count: 3, seed: 7 } });
    type Tuned = { lambda: number; lambdaMin: number; lambdas: number[]; cvm: number[]; cvsd: number[]; folds: { scheme: string; sizes: number[] } };
    const tuned = stepOutput<Tuned>(ctx, 'cox-tune-kfold', 'tuning')!.output;
    // The local twin of `fedrad tune --model cox --cv kfold --folds 3 --seed 7 --sites`, given the folds each site draws (foldAssignment) as its rows' folds.
    const settings = protocolCoxTuningSettings(protocol, features, 1);
    const drawn = new Map(siteIds.map((s) => [s, { ...rowsOf(s), fold: foldAssignment(rowsOf(s), { scheme: 'kfold', count: 3, seed: 7 }) }]));
    const twin = coxCrossValidationResult((await runLocalTwin(coxCrossValidationMethod({ ...settings, folds: { scheme: 'kfold', count: 3, seed: 0 } }), drawn, { patientCount: (r) => r.time.length })).state, settings);
    tuned.cvm.forEach((v, k) => close(v, twin.cvm[k], 1e-12));
    expect(tuned.folds).toMatchObject({ scheme: 'kfold', sizes: twin.folds.sizes });
    expect(tuned.lambdaMin).toBe(twin.lambdaMin);
    for (const params of train) expect(params.model.lambda).toBe(tuned.lambda);

    // The same campaign whose sites hold R's folds (as a foldid table): cv.glmnet's curve and choices.
    const withR = coxProtocol('cox-tune-kfold-r', { cv: 'kfold', folds: 3, seed: 7, nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio, rule: 'min' });
    createCampaign(ctx, withR);
    const rFolds = (s: string): CoxTuningRows => ({ ...rowsOf(s), fold: Int32Array.from(kfoldFixture.fold[s], (f) => f - 1) });
    const second = await run(ctx, startCampaign(ctx, 'cox-tune-kfold-r'), rFolds);
    const r = stepOutput<Tuned>(ctx, 'cox-tune-kfold-r', 'tuning')!.output;
    r.lambdas.forEach((l, k) => close(l, ref.lambda[k], 1e-10));
    r.cvm.forEach((v, k) => close(v, ref.cvm[k], 1e-8));
    r.cvsd.forEach((v, k) => close(v, ref.cvsd[k], 1e-7));
    close(r.lambdaMin, ref.lambdaMin, 1e-10);
    expect(r.folds.sizes).toEqual(ref.foldEvents);
    // Training fits lambda.min; the locked coefficients are glmnet's path on every site there.
    for (const params of second.train) expect(params.model.lambda).toBe(r.lambda);
    const coef = (campaignStatus(ctx, 'cox-tune-kfold-r').model!.parameters as Array<{ name: string; data: number[] }>)[0].data;
    const glmnet = ref.coefficients[ref.lambda.findIndex((l) => Math.abs(l - ref.lambdaMin) < 1e-12 * l)];
    coef.forEach((c, j) => expect(Math.abs(c - glmnet[j])).toBeLessThan(1e-6));
  }, 180_000);
});
