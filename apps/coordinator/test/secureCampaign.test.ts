import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flatten, SecureAggregationSite, type KeyAdvertisement, type MethodResult, type UpdateView } from '@fedrad/federation';
import { cvSiteStep, maskedModelUpdate, secureSummand, selectionSiteSummary, trainingMethod, trainingSiteStep, type CvStepParams, type TrainingRows } from '@fedrad/methods';
import type { CampaignProtocol, JobEnvelope, JobResult, ModelUpdate, SecureAggregationParams, SelectParams, TrainRoundParams, TuneRoundParams } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { admitSite, recordHello } from '../src/core/sites.js';
import { campaignStatus } from '../src/core/status.js';
import { stepOutput } from '../src/core/stepOutputs.js';
import { tick } from '../src/core/tick.js';
import { unsupportedFields } from '../src/core/protocolSupport.js';
import { verifyAuditLog } from '../src/store/auditLog.js';
import { openStore } from '../src/store/openStore.js';
import { glmFixture, makeSite, protocolFor, signResult, type FakeSite, type SiteData } from './fakeSites.js';

// Campaigns under the protocol's secure aggregation, run through the coordinator's round runner
// with ten sites that run the real secure-aggregation protocol (@fedrad/federation's
// SecureAggregationSite, what apps/site-node's secureRounds.ts drives) and the real site step.
// References: R glmnet's pooled fit (the fixture), and exact Newton's own aggregate over the
// plain updates of the sites that survived a round, computed here.

// The fixture's 240 patients dealt round-robin to ten sites: the pooled data, hence R's fit, is unchanged.
const pooled = Object.values(glmFixture.sites).flatMap((s) => s.x.map((x, i) => ({ x, y: s.y[i] })));
const siteIds = Array.from({ length: 10 }, (_, i) => `site-${String.fromCharCode(97 + i)}`);
const data: Record<string, SiteData> = Object.fromEntries(siteIds.map((s, k) => {
  const rows = pooled.filter((_, i) => i % 10 === k);
  return [s, { x: rows.map((r) => r.x), y: rows.map((r) => r.y) }];
}));
const sites: Record<string, FakeSite> = Object.fromEntries(siteIds.map((s) => [s, makeSite(s)]));
const fit = glmFixture.pooledFits.find((f) => f.family === 'elasticnet-logistic')!;

function secureProtocol(campaignId: string, training: Partial<CampaignProtocol['training']> = {}): CampaignProtocol {
  const base = protocolFor({ campaignId, model: { family: fit.family, alpha: fit.alpha, lambda: fit.lambda, standardize: true } });
  return { ...base, trainingSites: siteIds, training: { ...base.training, rounds: 8, roundDeadlineSeconds: 60, secureAggregation: true, secureAggregationDropout: 0.3, ...training } };
}

/** A site's rows of the job's features (the fixture holds f1 … f5; a selection step asks for some of them). */
function rowsOf(siteId: string, features: readonly string[]): TrainingRows {
  const columns = features.map((f) => Number(f.slice(1)) - 1);
  return { featureNames: [...features], x: Float64Array.from(data[siteId].x.flatMap((r) => columns.map((j) => r[j]))), label: Float64Array.from(data[siteId].y) };
}

function context(path = ':memory:', start = Date.parse('2026-11-26T12:00:00Z')) {
  let t = start;
  const ctx: CoreContext = { db: openStore(path), clock: () => new Date(t) };
  for (const s of Object.values(sites)) expect(admitSite(ctx, s.peer).ok).toBe(true);
  return { ctx, advance: (seconds: number) => (t += seconds * 1000), now: () => t };
}

/**
 * Ten sites' side: each keeps its secrets per campaign and round, and answers a job it already
 * answered with the same signed answer (as a site node's store does). The plain update it
 * masks is kept beside, for the test's reference only.
 */
class SecureSites {
  readonly secrets = new Map<string, SecureAggregationSite>();
  readonly answers = new Map<string, JobResult>();
  readonly plain = new Map<string, UpdateView>();

  /** With central DP: the approved protocol's clip norm, each site's delta clipped to it before masking. */
  constructor(private readonly clipNorm?: number) {}

  async answer(job: JobEnvelope): Promise<JobResult> {
    const key = `${job.jobId}#${job.attempt}`;
    const known = this.answers.get(key);
    if (known) return known;
    const site = sites[job.siteId];
    const secretKey = `${job.campaignId}/${job.round}/${job.siteId}`;
    let result: JobResult['result'];
    if (job.kind === 'secure-aggregation') {
      const params = job.params as SecureAggregationParams;
      if (params.stage === 'keys') {
        const secrets = new SecureAggregationSite(job.siteId, { campaignId: job.campaignId, round: params.round, threshold: params.threshold, scale: params.scale });
        this.secrets.set(secretKey, secrets);
        result = { kind: 'secure-aggregation', round: params.round, stage: 'keys', advertisement: secrets.advertiseKeys() };
      } else if (params.stage === 'shares') {
        const roster = (params.advertisements ?? []).map((a) => (JSON.parse(a.signed) as { result: { advertisement: KeyAdvertisement } }).result.advertisement);
        result = { kind: 'secure-aggregation', round: params.round, stage: 'shares', shares: this.secrets.get(secretKey)!.shareKeys(roster) };
      } else {
        // The next round's shares the others sent with their masked updates, relayed here (pipelined key setup).
        if (params.inbound) this.secrets.get(`${job.campaignId}/${params.round + 1}/${job.siteId}`)!.receiveShares(params.inbound);
        const { selfMask, maskingKey } = this.secrets.get(secretKey)!.unmask(params.survivors ?? []);
        result = { kind: 'secure-aggregation', round: params.round, stage: 'unmask', selfMask, maskingKey };
      }
    } else if (job.kind === 'select') {
      const params = job.params as SelectParams;
      const sums = await selectionSiteSummary({ kind: 'select-summary', features: params.features, minCohortSize: params.minCohortSize }, rowsOf(job.siteId, params.features), { siteId: job.siteId });
      result = { kind: 'select', patientCount: sums.sampleCount, eventCount: sums.eventCount, tensors: sums.tensors };
    } else if (job.kind === 'tune-round') {
      const { round, alpha: _alpha, basedOn: _basedOn, ...step } = job.params as TuneRoundParams;
      const u = await cvSiteStep({ ...step, kind: 'cv-step' } as CvStepParams, rowsOf(job.siteId, step.features), { siteId: job.siteId });
      result = { kind: 'tune-round', round, sampleCount: u.sampleCount, eventCount: u.eventCount, tensors: u.tensors };
    } else {
      const params = job.params as TrainRoundParams;
      const update = await trainingSiteStep(params, rowsOf(job.siteId, params.features));
      this.plain.set(secretKey, update as unknown as UpdateView);
      const secrets = this.secrets.get(secretKey)!;
      const transcript = params.secureAggregation!.transcript;
      // A pipelined round: the roster is the sites whose round r − 1 masked updates sent keys for round r.
      if (transcript) secrets.adoptRoster(transcript.masked.map((m) => (JSON.parse(m.signed) as { siteId: string; result: ModelUpdate }).result).map((u, i) => ({ siteId: (JSON.parse(transcript.masked[i].signed) as { siteId: string }).siteId, maskingKey: u.nextRound!.maskingKey })));
      else secrets.receiveShares(params.secureAggregation!.inbound ?? []);
      const privacy = this.clipNorm === undefined ? undefined : { globalParameters: params.globalParameters as UpdateView['tensors'], clipNorm: this.clipNorm };
      const masked = secrets.maskedInput(secureSummand(params.strategy, update as unknown as UpdateView, privacy));
      const next = secrets.prepareNextRound();
      this.secrets.set(`${job.campaignId}/${params.round + 1}/${job.siteId}`, next.next);
      result = { ...maskedModelUpdate(update, masked), nextRound: { maskingKey: next.maskingKey, shares: next.shares } };
    }
    const signed = signResult(site, {
      type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind,
      attempt: job.attempt, round: job.round, nonce: job.nonce, completedAt: '2026-11-26T12:00:00Z', result,
    });
    this.answers.set(key, signed);
    return signed;
  }

  /** Delivers jobs until none is left; `silent(job)` sites do not answer that job (they dropped out). */
  async deliver(ctx: CoreContext, queue: JobEnvelope[], silent: (job: JobEnvelope) => boolean = () => false): Promise<void> {
    while (queue.length > 0) {
      const job = queue.shift()!;
      if (silent(job)) continue;
      const out = acceptResult(ctx, sites[job.siteId].peer, await this.answer(job));
      // Past the round's deadline a stage closes as soon as t sites answered: the unmasking
      // shares of the others come too late to count.
      if (out.ack.status === 'refused') this.late.push(`${job.jobId}: ${out.ack.code}`);
      else expect(out.ack).toMatchObject({ status: 'accepted' });
      queue.push(...out.send);
    }
  }

  readonly late: string[] = [];
}

const coefOf = (ctx: CoreContext, id: string) => (campaignStatus(ctx, id).model!.parameters as Array<{ data: number[] }>)[0].data;
const SITE_STEPS_TIMEOUT = 300_000;

describe('campaigns under secure aggregation (Bonawitz et al. 2017), ten sites', () => {
  it('0 % dropout: round 0 sets up keys (keys, shares, masked updates, unmasking), every later round is pipelined (masked updates, unmasking); the model equals R glmnet on the pooled data', async () => {
    const { ctx } = context();
    createCampaign(ctx, secureProtocol('secure-0'));
    const run = new SecureSites();
    await run.deliver(ctx, startCampaign(ctx, 'secure-0'));
    expect(run.late).toEqual([]);
    const status = campaignStatus(ctx, 'secure-0');
    expect(status.state).toBe('completed');
    const round0 = status.jobs.filter((j) => j.round === 0).map((j) => j.jobId.replace('secure-0/r0/', ''));
    expect(round0.filter((j) => j.startsWith('keys/'))).toHaveLength(10);
    expect(round0.filter((j) => j.startsWith('unmask/'))).toHaveLength(10);
    // Rounds 1 on: two exchanges, their keys and shares sent with the round before's masked updates and unmask jobs.
    expect(status.rounds.length).toBeGreaterThan(1);
    for (const r of status.rounds.slice(1)) {
      const jobs = status.jobs.filter((j) => j.round === r.round);
      expect(jobs.map((j) => (j.kind === 'train-round' ? 'masked' : j.jobId.split('/').at(-2))).sort()).toEqual([...Array(10).fill('masked'), ...Array(10).fill('unmask')]);
    }
    expect(status.rounds[0]).toMatchObject({ state: 'closed', sites: siteIds, sampleCount: 240 });
    coefOf(ctx, 'secure-0').forEach((v, j) => expect(Math.abs(v - fit.coef[j])).toBeLessThan(1e-6));
    expect(verifyAuditLog(ctx.db).ok).toBe(true);
  }, SITE_STEPS_TIMEOUT);

  it('with central DP: sites clip before masking, the coordinator noises the unmasked sum; each round equals DP-FedAvg on the plain updates with the same seed, and ε is reported', async () => {
    const dp = { noiseMultiplier: 1, delta: 1e-5, seed: 5 };
    const training = { strategy: 'fedavg' as const, rounds: 3, clipNorm: 0.05, differentialPrivacy: dp };
    const { ctx } = context();
    const protocol = secureProtocol('secure-dp', training);
    createCampaign(ctx, protocol);
    const run = new SecureSites(training.clipNorm);
    await run.deliver(ctx, startCampaign(ctx, 'secure-dp'));
    expect(run.late).toEqual([]);
    const status = campaignStatus(ctx, 'secure-dp');
    expect(status.state).toBe('completed');
    // Reference: the non-secure DP campaign's rounds (each site's clipped update in clear, DP-FedAvg's noised mean, seed + r).
    const { secureAggregation: _s, secureAggregationDropout: _d, ...clear } = protocol.training;
    const method = trainingMethod({ ...protocol, training: clear });
    let state = method.initialState();
    for (let r = 0; r < training.rounds; r++) {
      const params = method.configure(state, siteIds);
      const results: MethodResult<UpdateView>[] = [];
      for (const s of siteIds) {
        const rows = { featureNames: params[s].features, x: Float64Array.from(data[s].x.flat()), label: Float64Array.from(data[s].y) };
        results.push({ siteId: s, update: (await trainingSiteStep(params[s], rows)) as unknown as UpdateView });
      }
      state = method.aggregate(state, results, []).state;
    }
    const expected = flatten(state.parameters);
    coefOf(ctx, 'secure-dp').forEach((v, j) => expect(Math.abs(v - expected[j])).toBeLessThan(1e-6));
    // The accountant's ε after the three noised rounds, as for the non-secure round.
    expect(status.rounds.at(-1)!.privacy).toMatchObject({ rounds: 3, delta: dp.delta });
    expect(status.rounds.at(-1)!.privacy!.epsilon).toBeGreaterThan(status.rounds[0].privacy!.epsilon);
  }, SITE_STEPS_TIMEOUT);

  it.each([
    ['10 %', ['site-d']],
    ['30 %', ['site-b', 'site-e', 'site-j']],
  ])('%s dropout after the key exchange: the round aggregates exactly the survivors, as exact Newton on their plain updates does', async (_label, dropped) => {
    const id = `secure-drop-${dropped.length}`;
    const { ctx, advance } = context();
    const protocol = secureProtocol(id);
    createCampaign(ctx, protocol);
    const run = new SecureSites();
    // The dropped sites exchange keys and shares in round 0, then never send their masked update.
    const silent = (job: JobEnvelope) => job.round === 0 && job.kind === 'train-round' && dropped.includes(job.siteId);
    await run.deliver(ctx, startCampaign(ctx, id), silent);
    expect(campaignStatus(ctx, id).rounds).toHaveLength(1);
    // Past the round's deadline the masked stage closes with the 10 − dropped ≥ t = 7 updates in.
    advance(61);
    await run.deliver(ctx, tick(ctx), silent);
    const status = campaignStatus(ctx, id);
    const survivors = siteIds.filter((s) => !dropped.includes(s));
    expect(status.rounds[0]).toMatchObject({ state: 'closed', sites: survivors });
    // t = 7 unmasking answers rebuilt the sum; any beyond came after the stage closed.
    expect(run.late).toEqual(survivors.slice(7).map((s) => `${id}/r0/unmask/${s}: STALE_ROUND`));
    // Reference: exact Newton's aggregate of the survivors' plain round-0 updates.
    const method = trainingMethod(protocol);
    const plain: MethodResult<UpdateView>[] = survivors.map((s) => ({ siteId: s, update: run.plain.get(`${id}/0/${s}`)! }));
    const expected = flatten(method.aggregate(method.initialState(), plain, []).state.parameters);
    const round1 = JSON.parse((ctx.db.prepare('SELECT parameters_json FROM models WHERE campaign_id = ? AND round = 0').get(id) as { parameters_json: string }).parameters_json) as Array<{ data: number[] }>;
    expected.forEach((v, j) => expect(Math.abs(round1[0].data[j] - v)).toBeLessThan(1e-6));
    // Round 1 sets up keys again, so the sites that dropped out rejoin; round 2 is pipelined again.
    const stages = (r: number) => [...new Set(status.jobs.filter((j) => j.round === r).map((j) => (j.kind === 'train-round' ? 'masked' : j.jobId.split('/').at(-2))))].sort();
    expect(stages(1)).toEqual(['keys', 'masked', 'shares', 'unmask']);
    expect(status.rounds[1]).toMatchObject({ state: 'closed', sites: siteIds });
    if (status.rounds.length > 2) expect(stages(2)).toEqual(['masked', 'unmask']);
    // Later rounds have every site again; Newton still ends at the pooled fit.
    expect(status.state).toBe('completed');
    coefOf(ctx, id).forEach((v, j) => expect(Math.abs(v - fit.coef[j])).toBeLessThan(1e-6));
  }, SITE_STEPS_TIMEOUT);

  it('30 % dropout in a pipelined round: their round-1 masking keys (sent with round 0) are rebuilt, the round aggregates exactly the survivors, and round 2 sets up fresh keys', async () => {
    const id = 'secure-drop-pipelined';
    const dropped = ['site-c', 'site-f', 'site-i'];
    const { ctx, advance } = context();
    const protocol = secureProtocol(id);
    createCampaign(ctx, protocol);
    const run = new SecureSites();
    const silent = (job: JobEnvelope) => job.round === 1 && job.kind === 'train-round' && dropped.includes(job.siteId);
    await run.deliver(ctx, startCampaign(ctx, id), silent);
    advance(61);
    await run.deliver(ctx, tick(ctx), silent);
    const status = campaignStatus(ctx, id);
    const stages = (r: number) => [...new Set(status.jobs.filter((j) => j.round === r).map((j) => (j.kind === 'train-round' ? 'masked' : j.jobId.split('/').at(-2))))].sort();
    expect(stages(1)).toEqual(['masked', 'unmask']);
    const survivors = siteIds.filter((s) => !dropped.includes(s));
    expect(status.rounds[1]).toMatchObject({ state: 'closed', sites: survivors });
    // The unmask answers revealed the dropped sites' round-1 masking keys, never their self-mask seeds.
    const unmasking = status.jobs.filter((j) => j.round === 1 && j.jobId.includes('/unmask/') && j.state === 'done');
    for (const j of unmasking) {
      const row = ctx.db.prepare('SELECT signed_json FROM results WHERE job_id = ? AND is_error = 0').get(j.jobId) as { signed_json: string };
      const answer = (JSON.parse(row.signed_json) as { result: { selfMask: Record<string, unknown>; maskingKey: Record<string, unknown> } }).result;
      expect(Object.keys(answer.maskingKey).sort()).toEqual(dropped);
      expect(Object.keys(answer.selfMask).sort()).toEqual(survivors);
    }
    // Reference: exact Newton's step from round 1's parameters over the survivors' plain round-1 updates.
    const method = trainingMethod(protocol);
    const row = ctx.db.prepare('SELECT parameters_json, server_json FROM rounds WHERE campaign_id = ? AND round = 1').get(id) as { parameters_json: string; server_json: string };
    const plain: MethodResult<UpdateView>[] = survivors.map((s) => ({ siteId: s, update: run.plain.get(`${id}/1/${s}`)! }));
    const expected = flatten(method.aggregate({ round: 1, parameters: JSON.parse(row.parameters_json), server: JSON.parse(row.server_json) }, plain, []).state.parameters);
    const model1 = JSON.parse((ctx.db.prepare('SELECT parameters_json FROM models WHERE campaign_id = ? AND round = 1').get(id) as { parameters_json: string }).parameters_json) as Array<{ data: number[] }>;
    expected.forEach((v, j) => expect(Math.abs(model1[0].data[j] - v)).toBeLessThan(1e-6));
    // A revealed key is never used again: round 2 is a key setup with fresh keys, which the dropped sites can join.
    expect(stages(2)).toEqual(['keys', 'masked', 'shares', 'unmask']);
    expect(status.rounds[2]).toMatchObject({ state: 'closed', sites: siteIds });
    const keysOf = (r: number, s: string) => run.secrets.get(`${id}/${r}/${s}`)!.advertiseKeys().maskingKey;
    for (const s of dropped) expect(keysOf(2, s)).not.toBe(keysOf(1, s));
    expect(status.state).toBe('completed');
    coefOf(ctx, id).forEach((v, j) => expect(Math.abs(v - fit.coef[j])).toBeLessThan(1e-6));
  }, SITE_STEPS_TIMEOUT);

  it('resumes after a coordinator kill in the middle of a masked stage with the same model, bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-secure-'));
    const protocol = secureProtocol('secure-resume', { rounds: 3 });
    // Uninterrupted. The unmasked sum is Σ round(x · scale) exactly, whatever the masks, so two runs agree to the bit.
    const a = context(join(dir, 'a.sqlite'));
    createCampaign(a.ctx, protocol);
    await new SecureSites().deliver(a.ctx, startCampaign(a.ctx, 'secure-resume'));
    const expected = campaignStatus(a.ctx, 'secure-resume').model!.modelHash;
    // Interrupted: four masked updates of round 1 in, then the coordinator dies.
    const path = join(dir, 'b.sqlite');
    let b = context(path);
    createCampaign(b.ctx, protocol);
    const run = new SecureSites();
    const queue = startCampaign(b.ctx, 'secure-resume');
    let masked = 0;
    while (masked < 4) {
      const job = queue.shift()!;
      const out = acceptResult(b.ctx, sites[job.siteId].peer, await run.answer(job));
      queue.push(...out.send);
      if (job.round === 1 && job.kind === 'train-round') masked++;
    }
    b.ctx.db.close();
    // Restart: the sites say hello again and get their open jobs, which they answer as before.
    b = context(path, b.now());
    const resent = siteIds.flatMap((s) => recordHello(b.ctx, sites[s].peer, {
      type: 'site-hello', siteId: s, softwareVersion: '0.1.0', protocolVersion: 1, capabilities: { jobKinds: ['train-round', 'secure-aggregation'], secureAggregation: true }, approvedProtocols: [], sentAt: '2026-11-26T12:00:00Z',
    }).jobs);
    expect(resent.map((j) => j.kind)).toEqual(Array(6).fill('train-round'));
    await run.deliver(b.ctx, [...resent, ...queue.filter((j) => j.round !== 1 || j.kind !== 'train-round')]);
    const status = campaignStatus(b.ctx, 'secure-resume');
    expect(status.state).toBe('completed');
    expect(status.model!.modelHash).toBe(expected);
  }, SITE_STEPS_TIMEOUT);

  it('refuses a LASSO path or a tuning step beside it at creation, naming both fields: their exchanges would send per-site sums in clear', () => {
    // Their tune-round exchanges answer each site's own gradient and Hessian sums unmasked. Leave-one-site-out
    // tuning reveals a site's sums by difference (total − fold), which no masking could hide.
    const base = secureProtocol('secure-select');
    const reasons = (extra: Partial<CampaignProtocol>) => unsupportedFields({ ...base, model: { family: fit.family, alpha: fit.alpha, standardize: true }, ...extra }).map((f) => `${f.field}: ${f.reason}`).join('\n');
    const { ctx } = context();
    expect(() => createCampaign(ctx, { ...base, selection: { minSd: 0, lasso: { alpha: fit.alpha, lambda: fit.lambda } } })).toThrow(/selection\.lasso.*training\.secureAggregation/);
    expect(reasons({ selection: { minSd: 0, lasso: { alpha: fit.alpha, lambda: fit.lambda } } })).toMatch(/^selection\.lasso: selection\.lasso with training\.secureAggregation: the LASSO path's exchanges send each site's gradient and Hessian sums in clear/);
    expect(reasons({ tuning: { cv: 'leave-one-site-out', lambdas: [fit.lambda], rule: 'min' } })).toMatch(/^tuning\.cv: tuning\.cv leave-one-site-out with training\.secureAggregation: .*total less the held-out site's.*no masking can hide/);
    expect(reasons({ tuning: { cv: 'kfold', folds: 3, lambdas: [fit.lambda] } })).toMatch(/^tuning\.cv: the tuning step with training\.secureAggregation: its exchanges send each site's fold sums in clear/);
    // The selection's filters (one select job of pooled moments, a summary job under the site's budget) still run beside it.
    expect(reasons({ selection: { minSd: 0 } })).toBe('');
  });

  it.each<[string, Partial<CampaignProtocol['training']>]>([
    ['fedavg', { strategy: 'fedavg', rounds: 3, localEpochs: 2, learningRate: 0.5 }],
    ['exact-newton', { rounds: 8 }],
  ])('balanced class weights (%s): round 0\'s class counts come from the masked sum, and the rounds equal the clear ones', async (_label, training) => {
    // The sites holding at least the minimum cohort (5) of each class: the other two would refuse the weights.
    const balancedSites = siteIds.filter((s) => data[s].y.filter((y) => y === 0).length >= 5 && data[s].y.filter((y) => y === 1).length >= 5);
    expect(balancedSites.length).toBeGreaterThanOrEqual(7);
    const id = `secure-weights-${training.strategy ?? 'exact-newton'}`;
    const { ctx } = context();
    const base = secureProtocol(id, training);
    const protocol: CampaignProtocol = { ...base, trainingSites: balancedSites, model: { ...base.model, classWeights: 'balanced' } };
    expect(unsupportedFields(protocol)).toEqual([]);
    createCampaign(ctx, protocol);
    const run = new SecureSites();
    await run.deliver(ctx, startCampaign(ctx, id));
    expect(run.late).toEqual([]);
    const status = campaignStatus(ctx, id);
    expect(status.state).toBe('completed');
    // The pooled counts the round-1 jobs carry (FedAvg) are the sites' own counts, summed here.
    const pooledCount = { sampleCount: balancedSites.reduce((a, s) => a + data[s].y.length, 0), positiveCount: balancedSites.reduce((a, s) => a + data[s].y.filter((y) => y === 1).length, 0) };
    if (training.strategy === 'fedavg') {
      const round1 = ctx.db.prepare("SELECT p.params_json FROM jobs j JOIN job_params p ON p.params_hash = j.params_hash WHERE j.campaign_id = ? AND j.round = 1 AND j.kind = 'train-round'").all(id) as Array<{ params_json: string }>;
      expect(round1.length).toBeGreaterThan(0);
      for (const r of round1) expect(JSON.parse(r.params_json).balancedWeights).toMatchObject(pooledCount);
    }
    // Reference: the same campaign in clear (every site's plain update, the method's own aggregate).
    const { secureAggregation: _s, secureAggregationDropout: _d, ...clear } = protocol.training;
    const method = trainingMethod({ ...protocol, training: clear });
    let state = method.initialState();
    for (let done = false; !done; ) {
      const params = method.configure(state, balancedSites);
      const results: MethodResult<UpdateView>[] = [];
      for (const s of balancedSites) results.push({ siteId: s, update: (await trainingSiteStep(params[s], rowsOf(s, params[s].features))) as unknown as UpdateView });
      const outcome = method.aggregate(state, results, []);
      ({ state, done } = outcome);
    }
    // (Exact Newton in clear may stop earlier on its loss, which a masked round does not send: the fit is the same.)
    const expected = flatten(state.parameters);
    coefOf(ctx, id).forEach((v, j) => expect(Math.abs(v - expected[j])).toBeLessThan(1e-6));
  }, SITE_STEPS_TIMEOUT);

  it('refuses at creation what secure aggregation cannot carry out, naming why', () => {
    const reasons = (training: Partial<CampaignProtocol['training']>, sitesList = siteIds) => unsupportedFields({ ...secureProtocol('x', training), trainingSites: sitesList }).map((f) => `${f.field}: ${f.reason}`).join('\n');
    expect(reasons({ strategy: 'median' })).toMatch(/training.secureAggregation: median needs each site's update/);
    expect(reasons({ strategy: 'trimmed-mean', trimFraction: 0.1 })).toMatch(/trimmed-mean needs each site's update/);
    expect(reasons({}, ['site-a', 'site-b'])).toMatch(/at least 3 training sites/);
    expect(reasons({ quorum: 5 })).toMatch(/quorum 5 is below the secure-aggregation threshold 7/);
    expect(reasons({})).toBe('');
    expect(unsupportedFields({ ...protocolFor(), training: { ...protocolFor().training, secureAggregationScale: 1000 } }).map((f) => f.field)).toEqual(['training.secureAggregationScale']);
  });
});
