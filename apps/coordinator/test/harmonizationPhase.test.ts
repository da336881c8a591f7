import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate } from '@fedrad/pki';
import { applyStandardisation, runCombatTwin, zscoreCombine, zscoreSite, zscoreSiteMoments } from '@fedrad/harmonize';
import { trainingSiteStep } from '@fedrad/methods';
import {
  harmonizeBasisHash, sha256Hex,
  type CampaignProtocol, type EvaluateParams, type HarmonizeParams, type JobEnvelope, type JobResult, type ModelCard, type TrainRoundParams,
} from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext, ModelExporter } from '../src/core/context.js';
import { plan } from '../src/core/phases/plan.js';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { openStore } from '../src/store/openStore.js';
import { clinicalRowsOf, combatCovariateFixture, harmonizeAnswer, rowsOf } from './fakeHarmonizingSites.js';
import { glmFixture, makeSite, protocolFor, refuseJob, signResult, type FakeSite } from './fakeSites.js';

// The harmonisation step against the local twin: the fake sites run @fedrad/harmonize's site
// functions on their rows (what a site node's harmonize job runs), the coordinator its phase; the
// rows each site ends up training on must equal what `fedrad harmonize --sites` (runCombatTwin, or
// the z-scoring twins) gives on the same partitions — and so sva::ComBat (packages/harmonize's
// fixtures). Training sites site-a and site-b; site-c's rows are the independent test site.
const here = dirname(fileURLToPath(import.meta.url));
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, makeSite(s)]));
const exportModel: ModelExporter = (_p, parameters) => new TextEncoder().encode(`onnx:${JSON.stringify(parameters)}`);

function context(): CoreContext {
  let t = Date.parse('2026-11-26T12:00:00Z');
  return { db: openStore(':memory:'), clock: () => new Date((t += 1000)), exportModel };
}

function protocolWith(campaignId: string, analysisPlan: CampaignProtocol['analysisPlan']): CampaignProtocol {
  return { ...protocolFor({ campaignId, training: { strategy: 'exact-newton', rounds: 30 } }), trainingSites: ['site-a', 'site-b'], testSites: ['site-c'], analysisPlan };
}

function answer(job: JobEnvelope, result: JobResult['result']): JobResult {
  return signResult(sites[job.siteId], {
    type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind,
    attempt: job.attempt, nonce: job.nonce, completedAt: '2026-11-26T12:00:00Z', result,
  });
}

/** Runs the campaign to its evaluate jobs: harmonize jobs answered by the sites, train rounds on the rows each site harmonised. */
async function run(ctx: CoreContext, campaignId: string) {
  const kept = new Map<string, Float64Array>();
  const sent: JobEnvelope[] = [];
  const queue = startCampaign(ctx, campaignId);
  const evaluate: JobEnvelope[] = [];
  while (queue.length > 0) {
    const job = queue.shift()!;
    sent.push(job);
    if (job.kind === 'evaluate') {
      evaluate.push(job);
      continue;
    }
    let result: JobResult['result'];
    if (job.kind === 'harmonize') result = harmonizeAnswer(job, kept);
    else {
      const params = job.params as TrainRoundParams;
      result = await trainingSiteStep(params, { featureNames: params.features, x: kept.get(job.siteId)!, label: Float64Array.from(glmFixture.sites[job.siteId].y) });
    }
    const out = acceptResult(ctx, sites[job.siteId].peer, answer(job, result));
    expect([job.jobId, out.ack.status]).toEqual([job.jobId, 'accepted']);
    queue.push(...out.send);
  }
  return { kept, sent, evaluate };
}

const expectSame = (actual: Float64Array, expected: Float64Array) => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected[k]))));
};

const training = () => new Map(['site-a', 'site-b'].map((s) => [s, rowsOf(s)]));

describe('the harmonisation step', () => {
  it('comes after extraction and before training, only when the protocol harmonises', () => {
    expect(plan(protocolWith('p', { harmonization: 'combat' }), {})).toEqual(['harmonization', 'training', 'lock', 'report']);
    expect(plan({ ...protocolWith('p', { harmonization: 'zscore-site' }), featureConfig: {} }, { exportModel })).toEqual(['extraction', 'harmonization', 'training', 'lock', 'evaluation', 'report']);
    expect(plan(protocolWith('p', { harmonization: 'none' }), {})).toEqual(['training', 'lock', 'report']);
  });

  const combatCases: Array<{ name: string; options: NonNullable<CampaignProtocol['analysisPlan']>['harmonizationOptions']; twin: Parameters<typeof runCombatTwin>[1] }> = [
    { name: 'parametric', options: undefined, twin: {} },
    { name: 'non-parametric', options: { prior: 'non-parametric' }, twin: { nonParametric: true } },
    { name: 'mean-only', options: { meanOnly: true }, twin: { meanOnly: true } },
    { name: 'reference site', options: { referenceSite: 'site-b' }, twin: { referenceBatch: 'site-b' } },
  ];
  for (const c of combatCases) {
    it(`ComBat (${c.name}): the training sites' rows equal the local twin's; each site is sent its own batch only; later jobs name the step's hash`, async () => {
      const ctx = context();
      const id = `combat-${c.name.replace(/ /g, '-')}`;
      createCampaign(ctx, protocolWith(id, { harmonization: 'combat-federated', ...(c.options ? { harmonizationOptions: c.options } : {}) }));
      const { kept, sent, evaluate } = await run(ctx, id);
      const twin = runCombatTwin(training(), c.twin, 5);
      for (const s of ['site-a', 'site-b']) expectSame(kept.get(s)!, twin.harmonised.get(s)!);

      const status = campaignStatus(ctx, id);
      const step = status.plan.find((s) => s.phase === 'harmonization')!;
      expect(step.state).toBe('done');
      const apply = sent.filter((j) => j.kind === 'harmonize' && (j.params as HarmonizeParams).stage === 'apply');
      expect(apply.map((j) => j.jobId)).toEqual([`${id}/harmonize/site-a/2`, `${id}/harmonize/site-b/2`, `${id}/harmonize/site-c/2`]);
      for (const job of apply) {
        const params = job.params as HarmonizeParams;
        expect(params.batch).toBe(job.siteId);
        expect(params.harmonizationHash).toBe(step.outputHash);
        expect(params.basisHash).toBe(harmonizeBasisHash(harmonizeAnswer({ ...job, params: { ...params, stage: 'moments' } }, new Map())));
        // Nothing of another site's batch: one γ* and δ* per feature, this site's.
        expect(Object.keys(params.combat!).sort()).toEqual(['deltaStar', 'gammaStar', 'grandMean', 'reference', 'varPooled']);
        if (job.siteId !== 'site-c') expect(params.combat!.gammaStar).toEqual(twin.adjustments.get(job.siteId)!.gammaStar);
      }
      // The test site is brought to the training sites' standardisation, not part of it.
      const test = apply.find((j) => j.siteId === 'site-c')!.params as HarmonizeParams;
      expect(test.combat!.grandMean).toEqual(twin.adjustments.get('site-a')!.grandMean);
      expect(test.combat!.varPooled).toEqual(twin.adjustments.get('site-a')!.varPooled);
      expect(test.combat!.reference).toBe(false);

      const trainJobs = sent.filter((j) => j.kind === 'train-round');
      expect(trainJobs.length).toBeGreaterThan(0);
      for (const j of trainJobs) expect((j.params as TrainRoundParams).harmonizationHash).toBe(step.outputHash);
      expect(evaluate.map((j) => [j.siteId, (j.params as EvaluateParams).harmonizationHash])).toEqual([['site-c', step.outputHash]]);
    });
  }

  it('ComBat with covariates: the training sites\' rows equal sva::ComBat(mod = model.matrix(~age + smoker)) on their pooled rows and the local twin; the test site is its own batch with their β', async () => {
    const ctx = context();
    const covariates = combatCovariateFixture.covariates;
    createCampaign(ctx, protocolWith('combat-cov', { harmonization: 'combat-federated', harmonizationOptions: { covariates } }));
    const { kept, sent, evaluate } = await run(ctx, 'combat-cov');
    const close = (actual: Float64Array, expected: number[][]) => {
      const flat = expected.flat();
      expect(actual.length).toBe(flat.length);
      actual.forEach((v, k) => expect(Math.abs(v - flat[k])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(flat[k]))));
    };
    // sva::ComBat on the training sites' pooled rows; the test site by sva's standardisation and EB solver (the fixture's script).
    for (const s of ['site-a', 'site-b', 'site-c']) close(kept.get(s)!, combatCovariateFixture.harmonised[s]);
    // `fedrad harmonize --sites --covariates` runs this twin.
    const twin = runCombatTwin(new Map(['site-a', 'site-b'].map((s) => [s, clinicalRowsOf(s, covariates)])), {}, 5);
    for (const s of ['site-a', 'site-b']) expectSame(kept.get(s)!, twin.harmonised.get(s)!);

    const step = campaignStatus(ctx, 'combat-cov').plan.find((s) => s.phase === 'harmonization')!;
    expect(step.state).toBe('done');
    const harmonize = sent.filter((j) => j.kind === 'harmonize');
    expect(harmonize.map((j) => [j.jobId, (j.params as HarmonizeParams).stage])).toEqual([
      ...['site-a', 'site-b', 'site-c'].map((s) => [`combat-cov/harmonize/${s}`, 'moments']),
      ...['site-a', 'site-b', 'site-c'].map((s) => [`combat-cov/harmonize/${s}/2`, 'residuals']),
      ...['site-a', 'site-b', 'site-c'].map((s) => [`combat-cov/harmonize/${s}/3`, 'apply']),
    ]);
    for (const job of harmonize) expect((job.params as HarmonizeParams).covariates).toEqual(covariates);
    // β: the training sites' fit, the same for every site (R's B.hat rows of the covariates).
    const beta = combatCovariateFixture.beta.flat();
    for (const job of harmonize.filter((j) => (j.params as HarmonizeParams).stage !== 'moments')) {
      const params = job.params as HarmonizeParams;
      const sentBeta = params.stage === 'residuals' ? params.beta! : params.combat!.beta!;
      sentBeta.forEach((b, k) => expect(Math.abs(b - beta[k])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(beta[k]))));
      // Each job rests on what this site sent last: its moments before the residuals, its residuals before the apply.
      const previous = { ...job, params: { ...params, stage: params.stage === 'residuals' ? 'moments' : 'residuals', beta: sentBeta } } as JobEnvelope;
      expect(params.basisHash).toBe(harmonizeBasisHash(harmonizeAnswer(previous, new Map())));
    }
    for (const j of sent.filter((j) => j.kind === 'train-round')) expect((j.params as TrainRoundParams).harmonizationHash).toBe(step.outputHash);
    expect(evaluate.map((j) => [j.siteId, (j.params as EvaluateParams).harmonizationHash])).toEqual([['site-c', step.outputHash]]);
  });

  it('ComBat with covariates fails, naming the site, when a training site that sent moments sends no residual sums', async () => {
    const ctx = context();
    createCampaign(ctx, protocolWith('cov-lost', { harmonization: 'combat', harmonizationOptions: { covariates: ['age'] } }));
    const queue = startCampaign(ctx, 'cov-lost');
    while (queue.length > 0) {
      const job = queue.shift()!;
      const lost = job.siteId === 'site-b' && (job.params as HarmonizeParams).stage === 'residuals';
      const result = lost ? refuseJob(sites[job.siteId], job, 'HARMONIZATION_REFUSED', 'no residuals') : answer(job, harmonizeAnswer(job, new Map()));
      queue.push(...acceptResult(ctx, sites[job.siteId].peer, result).send);
    }
    const status = campaignStatus(ctx, 'cov-lost');
    expect(status.failure).toMatchObject({ code: 'HARMONIZATION_FAILED' });
    expect(status.failure!.message).toContain('site-b sent moments, which the covariate coefficients pooled, but no residual sums: site-b HARMONIZATION_REFUSED: no residuals');
  });

  it('pooled z-scoring: every site (the test site too) gets the training sites\' pooled mean and sd, equal to the twin; a test site sends no moments', async () => {
    const ctx = context();
    createCampaign(ctx, protocolWith('zpooled', { harmonization: 'zscore-pooled' }));
    const { kept, sent } = await run(ctx, 'zpooled');
    const pooled = zscoreCombine(new Map([...training()].map(([s, r]) => [s, zscoreSiteMoments(r, { siteId: s, minCohortSize: 5 })])));
    for (const s of ['site-a', 'site-b', 'site-c']) expectSame(kept.get(s)!, applyStandardisation(rowsOf(s), pooled, s));
    expect(sent.filter((j) => j.kind === 'harmonize').map((j) => j.jobId)).toEqual(['zpooled/harmonize/site-a', 'zpooled/harmonize/site-b', 'zpooled/harmonize/site-a/2', 'zpooled/harmonize/site-b/2', 'zpooled/harmonize/site-c/2']);
  });

  it('per-site z-scoring: one apply job per site, nothing sent; each site standardises with its own mean and sd', async () => {
    const ctx = context();
    createCampaign(ctx, protocolWith('zsite', { harmonization: 'zscore-site' }));
    const { kept, sent } = await run(ctx, 'zsite');
    for (const s of ['site-a', 'site-b', 'site-c']) expectSame(kept.get(s)!, zscoreSite(rowsOf(s), s));
    const jobs = sent.filter((j) => j.kind === 'harmonize');
    expect(jobs.map((j) => j.jobId)).toEqual(['zsite/harmonize/site-a', 'zsite/harmonize/site-b', 'zsite/harmonize/site-c']);
    for (const j of jobs) expect(Object.keys(j.params).sort()).toEqual(['batch', 'features', 'harmonizationHash', 'kind', 'method', 'stage']);
  });

  it("the locked model's signed card says what ran: method, options and the step's output hash", async () => {
    const ca = createCampaignCa({ campaignId: 'card', validityDays: 30 });
    const { keyPem, csrPem } = createSiteKeyAndCsr('coordinator');
    const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30 });
    const example = JSON.parse(readFileSync(join(here, '../../../protocols/examples/model-card/valid-lasso.json'), 'utf8')) as ModelCard;
    const ctx = context();
    ctx.describeModel = (_p, _params, _info, onnx) => ({ ...example, modelSha256: sha256Hex(onnx) });
    ctx.modelSigner = { keyPem, certPem, softwareVersion: '9.9.9' };
    createCampaign(ctx, protocolWith('card', { harmonization: 'combat', harmonizationOptions: { prior: 'non-parametric', meanOnly: true } }));
    const { evaluate } = await run(ctx, 'card');
    const hash = campaignStatus(ctx, 'card').plan.find((s) => s.phase === 'harmonization')!.outputHash!;
    const card = (evaluate[0].params as EvaluateParams).modelCard!;
    expect(card.campaign!.harmonisation).toContain('federated ComBat');
    expect(card.campaign!.harmonisation).toContain('non-parametric prior, location only');
    expect(card.campaign!.harmonisation).toContain('estimated from site-a, site-b');
    expect(card.campaign!.harmonisation).toContain(`harmonisation ${hash}`);
    expect(card.campaign!.harmonisation).toContain('no covariates');
  });

  it('fails, naming the site, when too few training sites send their moments', async () => {
    const ctx = context();
    createCampaign(ctx, protocolWith('few', { harmonization: 'combat' }));
    const jobs = startCampaign(ctx, 'few');
    for (const job of jobs) {
      const result = job.siteId === 'site-b' ? refuseJob(sites[job.siteId], job, 'COHORT_TOO_SMALL', 'too few patients') : answer(job, harmonizeAnswer(job, new Map()));
      expect(acceptResult(ctx, sites[job.siteId].peer, result).ack.status).toBe('accepted');
    }
    const status = campaignStatus(ctx, 'few');
    expect(status.state).toBe('failed');
    expect(status.failure).toMatchObject({ code: 'HARMONIZATION_FAILED' });
    expect(status.failure!.message).toContain('site-b COHORT_TOO_SMALL');
  });

  it('refuses a moments result that does not hold one mean and sum of squares per feature', async () => {
    const ctx = context();
    createCampaign(ctx, protocolWith('bad', { harmonization: 'combat' }));
    const [job] = startCampaign(ctx, 'bad');
    const good = harmonizeAnswer(job, new Map());
    const short = acceptResult(ctx, sites[job.siteId].peer, answer(job, { ...good, featureMean: good.featureMean!.slice(1) }));
    expect(short.ack).toMatchObject({ status: 'refused', code: 'UPDATE_INVALID' });
  });
});
