import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate, verifyModel } from '@fedrad/pki';
import { canonicalHash, sha256Hex, type EvaluateParams, type EvaluationReport, type ModelCard, type JobEnvelope, type JobResult } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext, ModelExporter } from '../src/core/context.js';
import { plan } from '../src/core/phases/plan.js';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { tick } from '../src/core/tick.js';
import { listAudit, verifyAuditLog } from '../src/store/auditLog.js';
import { openStore } from '../src/store/openStore.js';
import { answerTrainJob, glmFixture, makeSite, protocolFor, refuseJob, signResult, type FakeSite } from './fakeSites.js';

// The campaign runner walks the plan derived from the protocol; status shows each step's state.
const here = dirname(fileURLToPath(import.meta.url));
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c', 'site-t1', 'site-t2', 'site-t3', 'site-t4', 'site-t5'].map((s) => [s, makeSite(s)]));
const report = JSON.parse(readFileSync(join(here, '../../../protocols/examples/evaluation-report/valid-binary-site.json'), 'utf8')) as JobResult['result'];
const base = () => report as unknown as EvaluationReport;
// Stand-in ONNX bytes: the coordinator only hashes, stores and sends them.
const exportModel: ModelExporter = (_p, parameters) => new TextEncoder().encode(`onnx:${JSON.stringify(parameters)}`);

function context(options: { path?: string; exportModel?: ModelExporter; start?: number } = {}) {
  let t = options.start ?? Date.parse('2026-11-26T12:00:00Z');
  const ctx: CoreContext = { db: openStore(options.path ?? ':memory:'), clock: () => new Date(t), exportModel: options.exportModel };
  return { ctx, advance: (seconds: number) => (t += seconds * 1000), now: () => t };
}

/** Training sites answer their jobs; evaluate jobs are returned unanswered. */
async function train(ctx: CoreContext, queue: JobEnvelope[]): Promise<JobEnvelope[]> {
  const evaluate: JobEnvelope[] = [];
  while (queue.length > 0) {
    const job = queue.shift()!;
    if (job.kind !== 'train-round') {
      evaluate.push(job);
      continue;
    }
    const out = acceptResult(ctx, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job));
    expect(out.ack.status).toBe('accepted');
    queue.push(...out.send);
  }
  return evaluate;
}

function evaluationAnswer(job: JobEnvelope, result: JobResult['result'] = report): JobResult {
  return signResult(sites[job.siteId], {
    type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind,
    attempt: job.attempt, nonce: job.nonce, completedAt: '2026-11-26T12:00:00Z', result,
  });
}

describe('campaign plan', () => {
  it('is training then the lock, with evaluation only when the model is exported for test sites', () => {
    expect(plan(protocolFor(), {})).toEqual(['training', 'lock', 'report']);
    expect(plan(protocolFor(), { exportModel })).toEqual(['training', 'lock', 'report']);
    expect(plan(protocolFor({ testSites: ['site-t1'] }), {})).toEqual(['training', 'lock', 'report']);
    expect(plan(protocolFor({ testSites: ['site-t1'] }), { exportModel })).toEqual(['training', 'lock', 'evaluation', 'report']);
    // Two or more test sites: their reports are pooled after evaluation.
    expect(plan(protocolFor({ testSites: ['site-t1', 'site-t2'] }), { exportModel })).toEqual(['training', 'lock', 'evaluation', 'meta-analysis', 'report']);
    expect(plan(protocolFor({ testSites: ['site-t1', 'site-t2'] }), {})).toEqual(['training', 'lock', 'report']);
    const none = protocolFor({ testSites: ['site-t1', 'site-t2'] });
    expect(plan({ ...none, analysisPlan: { metaAnalysis: 'none' } }, { exportModel })).toEqual(['training', 'lock', 'evaluation', 'report']);
  });

  it('walks training, lock and evaluation; status shows the step and each step\'s state', async () => {
    const { ctx } = context({ exportModel });
    createCampaign(ctx, protocolFor({ campaignId: 'walk', training: { strategy: 'exact-newton', rounds: 30 }, testSites: ['site-t1', 'site-t2'] }));
    let status = campaignStatus(ctx, 'walk');
    expect([status.state, status.phase]).toEqual(['locked', null]);
    expect(status.plan).toEqual([{ phase: 'training', state: 'pending' }, { phase: 'lock', state: 'pending' }, { phase: 'evaluation', state: 'pending' }, { phase: 'meta-analysis', state: 'pending' }, { phase: 'report', state: 'pending' }]);

    const round0 = startCampaign(ctx, 'walk');
    status = campaignStatus(ctx, 'walk');
    expect([status.state, status.phase, status.currentRound]).toEqual(['training', 'training', 0]);
    expect(status.plan.map((s) => s.state)).toEqual(['running', 'pending', 'pending', 'pending', 'pending']);
    expect(round0.map((j) => j.jobId)).toEqual(['walk/r0/site-a', 'walk/r0/site-b', 'walk/r0/site-c']);

    // Training ends (exact Newton converges), the model is locked and sent to both test sites in the same step.
    const evaluate = await train(ctx, round0);
    expect(evaluate.map((j) => [j.jobId, j.kind])).toEqual([['walk/eval/site-t1', 'evaluate'], ['walk/eval/site-t2', 'evaluate']]);
    status = campaignStatus(ctx, 'walk');
    expect([status.state, status.phase]).toEqual(['evaluating', 'evaluation']);
    expect(status.plan.map((s) => s.state)).toEqual(['done', 'done', 'running', 'pending', 'pending']);
    const params = evaluate[0].params as EvaluateParams;
    expect(params.modelHash).toBe(status.model!.onnxSha256);
    // Each closed step shows the hash of what it produced: the lock's is the hash of the model it locked.
    expect(status.plan[1].outputHash).toBe(canonicalHash({ modelHash: status.model!.modelHash, onnxSha256: status.model!.onnxSha256 }));
    // Training's: its rounds, sample count, convergence and the hash of the parameters it handed the lock.
    const trained = { roundsRun: status.rounds.length, sampleCount: status.rounds.at(-1)!.sampleCount, converged: true, parametersHash: canonicalHash(status.model!.parameters) };
    expect(status.plan[0].outputHash).toBe(canonicalHash(trained));
    expect(status.plan[2].outputHash).toBeUndefined();
    expect(sha256Hex(Buffer.from(params.modelOnnxBase64, 'base64'))).toBe(status.model!.onnxSha256);

    // One test site reports, the other refuses: the campaign completes with one evaluation, and nothing to pool.
    expect(acceptResult(ctx, sites['site-t1'].peer, evaluationAnswer(evaluate[0])).ack.status).toBe('accepted');
    expect(campaignStatus(ctx, 'walk').state).toBe('evaluating');
    expect(acceptResult(ctx, sites['site-t2'].peer, refuseJob(sites['site-t2'], evaluate[1], 'PROTOCOL_NOT_APPROVED', 'not approved')).ack.status).toBe('accepted');
    status = campaignStatus(ctx, 'walk');
    expect([status.state, status.phase]).toEqual(['completed', 'report']);
    expect(status.plan.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(status.evaluations.map((e) => e.siteId)).toEqual(['site-t1']);
    expect(status.metaAnalysis).toMatchObject({ report: null, sites: ['site-t1'], notes: ['1 of 2 test sites returned an evaluation; a meta-analysis needs at least 2'] });
    // listAudit gives the newest first.
    expect(listAudit(ctx.db, { campaignId: 'walk' }).map((e) => e.event).filter((e) => e.startsWith('campaign.') || e === 'model.locked').reverse()).toEqual([
      'campaign.locked', 'campaign.training', 'model.locked', 'campaign.evaluating', 'campaign.completed',
    ]);
    expect(verifyAuditLog(ctx.db).ok).toBe(true);
  });

  it('pools the reports of every test site after evaluation (REML, as metafor::rma), labelled by the site that sent each', async () => {
    // Five test sites with the AUCs and DeLong variances of scripts/fixtures/stats/meta-analysis.R.
    const ref = JSON.parse(readFileSync(join(here, '../../../packages/stats/test/fixtures/meta-analysis.json'), 'utf8')).cases[0];
    const { ctx } = context({ exportModel });
    const testSites = ['site-t1', 'site-t2', 'site-t3', 'site-t4', 'site-t5'];
    createCampaign(ctx, protocolFor({ campaignId: 'pooled', training: { strategy: 'exact-newton', rounds: 30 }, testSites }));
    const evaluate = await train(ctx, startCampaign(ctx, 'pooled'));
    evaluate.forEach((job, i) => {
      // Every report names site-lyon (the example's): the pooled rows take the authenticated sender instead.
      const result = { ...base(), discrimination: { ...base().discrimination!, auc: { estimate: ref.siteEstimate[i] }, aucVariance: ref.siteVariance[i] } };
      expect(acceptResult(ctx, sites[job.siteId].peer, evaluationAnswer(job, result as unknown as JobResult['result'])).ack.status).toBe('accepted');
    });
    const status = campaignStatus(ctx, 'pooled');
    expect([status.state, status.phase]).toEqual(['completed', 'report']);
    const pooled = status.metaAnalysis!.report!;
    const auc = pooled.metaAnalyses!.find((m) => m.measure === 'auc')!;
    expect(auc.method).toBe('REML');
    expect(Math.abs(auc.pooled.estimate - 1 / (1 + Math.exp(-ref.reml.estimate)))).toBeLessThan(1e-6);
    expect(Math.abs(auc.tau2 - ref.reml.tau2)).toBeLessThan(1e-6);
    expect(auc.sites.map((s) => s.label)).toEqual(testSites);
    expect(pooled.patientCount).toBe(5 * base().patientCount);
    expect(listAudit(ctx.db, { campaignId: 'pooled' }).map((e) => e.event)).toContain('meta-analysis.done');
  });

  it('signs the locked model\'s card with the coordinator certificate and sends both with the model; the signature verifies under the campaign CA', async () => {
    const ca = createCampaignCa({ campaignId: 'signed', validityDays: 30 });
    const { keyPem, csrPem } = createSiteKeyAndCsr('coordinator');
    const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30 });
    const example = JSON.parse(readFileSync(join(here, '../../../protocols/examples/model-card/valid-lasso.json'), 'utf8')) as ModelCard;
    const { ctx } = context({ exportModel });
    ctx.describeModel = (_p, _params, _info, onnx) => ({ ...example, modelSha256: sha256Hex(onnx) });
    ctx.modelSigner = { keyPem, certPem, softwareVersion: '9.9.9' };
    createCampaign(ctx, protocolFor({ campaignId: 'signed', training: { strategy: 'exact-newton', rounds: 30 }, testSites: ['site-t1'] }));
    const [job] = await train(ctx, startCampaign(ctx, 'signed'));
    const params = JSON.parse(JSON.stringify(job.params)) as EvaluateParams;
    const onnx = new Uint8Array(Buffer.from(params.modelOnnxBase64, 'base64'));
    expect(verifyModel(onnx, params.modelCard, params.modelSignature, { caCertPem: ca.certPem }).subjectCommonName).toBe('coordinator');
    expect(params.modelCard!.campaign).toMatchObject({
      campaignId: 'signed',
      lockedModelHash: campaignStatus(ctx, 'signed').model!.modelHash,
      strategy: 'exact-newton',
      sites: [{ siteId: 'site-a', role: 'training' }, { siteId: 'site-b', role: 'training' }, { siteId: 'site-c', role: 'training' }, { siteId: 'site-t1', role: 'test' }],
      software: { name: 'fedrad', version: '9.9.9' },
    });
    expect(params.modelCard!.training.optimizer).toBe('federated');
    expect(listAudit(ctx.db, { campaignId: 'signed' }).find((e) => e.event === 'model.locked')!.details).toMatchObject({ cardSha256: params.modelSignature!.signature.documentSha256 });
  });

  it('fails the evaluation step when no test site returns a report, and marks the failed step', async () => {
    const { ctx, advance } = context({ exportModel });
    createCampaign(ctx, protocolFor({ campaignId: 'no-eval', training: { strategy: 'exact-newton', rounds: 30, maxAttempts: 1 }, testSites: ['site-t1', 'site-t2'] }));
    const evaluate = await train(ctx, startCampaign(ctx, 'no-eval'));
    acceptResult(ctx, sites['site-t1'].peer, refuseJob(sites['site-t1'], evaluate[0], 'COHORT_TOO_SMALL', 'too few patients'));
    // site-t2 never answers: its only attempt times out at the next tick past the deadline.
    advance(61);
    expect(tick(ctx)).toEqual([]);
    const status = campaignStatus(ctx, 'no-eval');
    expect(status.state).toBe('failed');
    expect(status.failure).toMatchObject({ code: 'EVALUATION_FAILED' });
    expect(status.plan.map((s) => s.state)).toEqual(['done', 'done', 'failed', 'skipped', 'skipped']);
  });

  it('a failed round skips the rest of the plan', async () => {
    const { ctx, advance } = context();
    createCampaign(ctx, protocolFor({ campaignId: 'short', training: { strategy: 'exact-newton', rounds: 3, quorum: 3, maxAttempts: 1 } }));
    const [jobA] = startCampaign(ctx, 'short');
    acceptResult(ctx, sites['site-a'].peer, await answerTrainJob(sites['site-a'], glmFixture.sites['site-a'], jobA));
    advance(61);
    tick(ctx);
    const status = campaignStatus(ctx, 'short');
    expect(status.failure).toMatchObject({ code: 'QUORUM_NOT_MET' });
    expect(status.plan).toEqual([{ phase: 'training', state: 'failed' }, { phase: 'lock', state: 'skipped' }, { phase: 'report', state: 'skipped' }]);
  });

  it('opens a schema-2 database mid-round: the campaign resumes in its training step and ends with the same model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-coord-v2-'));
    const protocol = protocolFor({ campaignId: 'v2', model: { family: 'logistic' }, training: { strategy: 'fedadam', rounds: 3, learningRate: 0.05 } });
    const a = context({ path: join(dir, 'a.sqlite') });
    createCampaign(a.ctx, protocol);
    await train(a.ctx, startCampaign(a.ctx, 'v2'));
    const expected = campaignStatus(a.ctx, 'v2').model!.modelHash;

    // Round 1 open with one update in, then the file is turned into what a v2 coordinator wrote.
    const path = join(dir, 'b.sqlite');
    let b = context({ path });
    createCampaign(b.ctx, protocol);
    const queue = startCampaign(b.ctx, 'v2');
    while (queue[0].round === 0) queue.push(...acceptResult(b.ctx, sites[queue[0].siteId].peer, await answerTrainJob(sites[queue[0].siteId], glmFixture.sites[queue[0].siteId], queue.shift()!)).send);
    const first = queue.shift()!;
    acceptResult(b.ctx, sites[first.siteId].peer, await answerTrainJob(sites[first.siteId], glmFixture.sites[first.siteId], first));
    b.ctx.db.exec(`ALTER TABLE campaigns DROP COLUMN phase; DROP INDEX one_result_per_round_site;
      CREATE UNIQUE INDEX one_update_per_round_site ON results (campaign_id, round, site_id) WHERE kind = 'train-round' AND is_error = 0;
      UPDATE meta SET value = '2' WHERE key = 'schema_version'`);
    b.ctx.db.close();

    b = context({ path, start: b.now() });
    expect(campaignStatus(b.ctx, 'v2')).toMatchObject({ state: 'training', phase: 'training', currentRound: 1 });
    const indexes = (b.ctx.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'results'").all() as Array<{ name: string }>).map((r) => r.name);
    expect(indexes).toContain('one_result_per_round_site');
    expect(indexes).not.toContain('one_update_per_round_site');
    await train(b.ctx, queue);
    const status = campaignStatus(b.ctx, 'v2');
    expect([status.state, status.phase]).toEqual(['completed', 'report']);
    expect(status.model!.modelHash).toBe(expected);
  });

  it('gives v2 campaigns that had ended the step they ended in', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fedrad-coord-v2-ended-')), 'c.sqlite');
    const { ctx } = context({ path, exportModel });
    for (const [id, testSites] of [['ended-lock', []], ['ended-eval', ['site-t1']]] as const) {
      createCampaign(ctx, protocolFor({ campaignId: id, training: { strategy: 'exact-newton', rounds: 30 }, testSites: [...testSites] }));
      for (const job of await train(ctx, startCampaign(ctx, id))) acceptResult(ctx, sites[job.siteId].peer, evaluationAnswer(job));
    }
    createCampaign(ctx, protocolFor({ campaignId: 'still-locked' }));
    ctx.db.exec("ALTER TABLE campaigns DROP COLUMN phase; UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    ctx.db.close();
    const reopened = context({ path, exportModel }).ctx;
    expect(['ended-eval', 'ended-lock', 'still-locked'].map((id) => [campaignStatus(reopened, id).state, campaignStatus(reopened, id).phase])).toEqual([
      ['completed', 'evaluation'],
      ['completed', 'lock'],
      ['locked', null],
    ]);
  });
});
