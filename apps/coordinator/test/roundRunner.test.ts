import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobEnvelope, JobResult } from '@fedrad/protocol';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { tick } from '../src/core/tick.js';
import { admitSite, recordHello, revokeSite } from '../src/core/sites.js';
import { listAudit, verifyAuditLog } from '../src/store/auditLog.js';
import { openStore } from '../src/store/openStore.js';
import { answerTrainJob, glmFixture, makeSite, protocolFor, refuseJob, type FakeSite } from './fakeSites.js';

const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, makeSite(s)]));

function context(path = ':memory:', start = Date.parse('2026-11-26T12:00:00Z')) {
  let t = start;
  const ctx: CoreContext = { db: openStore(path), clock: () => new Date(t) };
  return { ctx, advance: (seconds: number) => (t += seconds * 1000), now: () => t };
}

/** Routes envelopes to sites that answer (all by default); returns what each answer produced. */
async function deliver(ctx: CoreContext, queue: JobEnvelope[], answering = new Set(Object.keys(sites))): Promise<void> {
  while (queue.length > 0) {
    const job = queue.shift()!;
    if (!answering.has(job.siteId)) continue;
    const site = sites[job.siteId];
    const out = acceptResult(ctx, site.peer, await answerTrainJob(site, glmFixture.sites[job.siteId], job));
    expect(out.ack.status).toBe('accepted');
    queue.push(...out.send);
  }
}

// The fake sites run the real site step (ONNX sessions at each answer): a campaign of several
// rounds at three sites takes a few seconds on an idle machine, much longer on a loaded one.
const SITE_STEPS_TIMEOUT = 300_000;

describe('campaign round runner (no servers)', () => {
  it('exact Newton through the coordinator reproduces R glmnet on the pooled data to 1e-6', async () => {
    const { ctx } = context();
    for (const fit of glmFixture.pooledFits) {
      const id = `exact-${fit.family}`;
      createCampaign(ctx, protocolFor({ campaignId: id, model: { family: fit.family, alpha: fit.alpha, lambda: fit.lambda, standardize: true } }));
      await deliver(ctx, startCampaign(ctx, id));
      const status = campaignStatus(ctx, id);
      expect(status.state).toBe('completed');
      const coef = (status.model!.parameters as Array<{ data: number[] }>)[0].data;
      expect(coef).toHaveLength(fit.coef.length);
      coef.forEach((v, j) => expect(Math.abs(v - fit.coef[j])).toBeLessThan(1e-6));
    }
    expect(verifyAuditLog(ctx.db).ok).toBe(true);
  }, SITE_STEPS_TIMEOUT);

  it('FedAvg runs the protocol number of rounds, one update per site per round', async () => {
    const { ctx } = context();
    createCampaign(ctx, protocolFor({ campaignId: 'avg', model: { family: 'logistic' }, training: { strategy: 'fedavg', rounds: 5, learningRate: 0.01 } }));
    await deliver(ctx, startCampaign(ctx, 'avg'));
    const status = campaignStatus(ctx, 'avg');
    expect(status.state).toBe('completed');
    expect(status.rounds.map((r) => [r.round, r.state, r.sites])).toEqual([0, 1, 2, 3, 4].map((r) => [r, 'closed', ['site-a', 'site-b', 'site-c']]));
    expect(status.rounds[0].sampleCount).toBe(240);
  });

  it('refuses a replayed result, a tampered result and a result for a closed round, and audits each', async () => {
    const { ctx, advance } = context();
    createCampaign(ctx, protocolFor({ campaignId: 'faults', training: { strategy: 'exact-newton', rounds: 3, maxAttempts: 3 } }));
    const round0 = startCampaign(ctx, 'faults');
    const jobA = round0.find((j) => j.siteId === 'site-a')!;
    const resultA = await answerTrainJob(sites['site-a'], glmFixture.sites['site-a'], jobA);
    expect(acceptResult(ctx, sites['site-a'].peer, resultA).ack.status).toBe('accepted');
    // Replay: the identical signed message again.
    const replay = acceptResult(ctx, sites['site-a'].peer, resultA);
    expect(replay.ack).toMatchObject({ status: 'refused', code: 'REPLAY' });
    // Tampered: site-b's update with one gradient value changed after signing.
    const jobB = round0.find((j) => j.siteId === 'site-b')!;
    const signedB = await answerTrainJob(sites['site-b'], glmFixture.sites['site-b'], jobB);
    const tampered = JSON.parse(JSON.stringify(signedB)) as JobResult;
    (tampered.result as { tensors: Array<{ data: number[] }> }).tensors[0].data[1] += 1;
    expect(acceptResult(ctx, sites['site-b'].peer, tampered).ack).toMatchObject({ status: 'refused', code: 'BAD_SIGNATURE' });
    // Another site presenting site-b's result on its own connection.
    expect(acceptResult(ctx, sites['site-c'].peer, signedB).ack).toMatchObject({ status: 'refused', code: 'SITE_MISMATCH' });
    // site-c misses its deadline: attempt 2, same job id, fresh nonce.
    const jobC1 = round0.find((j) => j.siteId === 'site-c')!;
    advance(61);
    const retries = tick(ctx);
    const jobC2 = retries.find((j) => j.siteId === 'site-c')!;
    expect(jobC2).toMatchObject({ jobId: jobC1.jobId, attempt: 2 });
    expect(jobC2.nonce).not.toBe(jobC1.nonce);
    // The genuine site-b result and site-c's attempt-2 result close round 0.
    expect(acceptResult(ctx, sites['site-b'].peer, signedB).ack.status).toBe('accepted');
    const out = acceptResult(ctx, sites['site-c'].peer, await answerTrainJob(sites['site-c'], glmFixture.sites['site-c'], jobC2));
    expect(out.ack.status).toBe('accepted');
    expect(out.send.map((j) => j.round)).toEqual([1, 1, 1]);
    // site-c's late attempt-1 answer (unused nonce) now targets a closed round.
    const late = acceptResult(ctx, sites['site-c'].peer, await answerTrainJob(sites['site-c'], glmFixture.sites['site-c'], jobC1));
    expect(late.ack).toMatchObject({ status: 'refused', code: 'STALE_ROUND' });
    const status = campaignStatus(ctx, 'faults');
    expect(status.rounds[0]).toMatchObject({ state: 'closed', sites: ['site-a', 'site-b', 'site-c'] });
    const refused = listAudit(ctx.db, { event: 'result.refused' }).map((e) => e.details.code).sort();
    expect(refused).toEqual(['BAD_SIGNATURE', 'REPLAY', 'SITE_MISMATCH', 'STALE_ROUND']);
    expect(verifyAuditLog(ctx.db).ok).toBe(true);
  });

  it('records an unapproved-protocol refusal with its reason, and closes the round by quorum', async () => {
    const { ctx, advance } = context();
    createCampaign(ctx, protocolFor({ campaignId: 'quorum', training: { strategy: 'exact-newton', rounds: 2, quorum: 2, roundDeadlineSeconds: 30 } }));
    const round0 = startCampaign(ctx, 'quorum');
    const jobC = round0.find((j) => j.siteId === 'site-c')!;
    const refusal = acceptResult(ctx, sites['site-c'].peer, refuseJob(sites['site-c'], jobC, 'PROTOCOL_NOT_APPROVED', 'site-c has not approved this protocol'));
    expect(refusal.ack.status).toBe('accepted');
    const answer = async (job: JobEnvelope) => acceptResult(ctx, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job));
    expect((await answer(round0.find((j) => j.siteId === 'site-a')!)).send).toEqual([]);
    // Every job is now answered or failed: the round closes with 2 of 3 (quorum 2) at once.
    const round1 = (await answer(round0.find((j) => j.siteId === 'site-b')!)).send;
    expect(round1.map((j) => j.jobId)).toEqual(['quorum/r1/site-a', 'quorum/r1/site-b', 'quorum/r1/site-c']);
    let status = campaignStatus(ctx, 'quorum');
    expect(status.rounds[0]).toMatchObject({ state: 'closed', sites: ['site-a', 'site-b'] });
    expect(status.jobs.find((j) => j.jobId === jobC.jobId)).toMatchObject({ state: 'failed', failureCode: 'PROTOCOL_NOT_APPROVED', failureMessage: 'site-c has not approved this protocol' });
    expect(listAudit(ctx.db, { event: 'job.refused-by-site' })).toHaveLength(1);
    // Round 1: site-c (approved meanwhile) reconnects and rejoins; site-b stays silent.
    const hello = recordHello(ctx, sites['site-c'].peer, {
      type: 'site-hello', siteId: 'site-c', softwareVersion: '0.1.0', protocolVersion: 1, capabilities: { jobKinds: ['train-round'] }, approvedProtocols: [status.protocolHash], sentAt: '2026-11-26T12:00:00Z',
    });
    expect(hello.jobs).toEqual([round1[2]]);
    expect(hello.welcome.campaigns[0]).toMatchObject({ campaignId: 'quorum', role: 'training', protocolHash: status.protocolHash });
    expect(campaignStatus(ctx, 'quorum').sites.find((s) => s.siteId === 'site-c')!.approved).toBe(true);
    await answer(hello.jobs[0]);
    await answer(round1[0]);
    // Quorum reached but the deadline has not passed: the straggler still has time.
    expect(tick(ctx)).toEqual([]);
    expect(campaignStatus(ctx, 'quorum').rounds[1].state).toBe('open');
    advance(31);
    tick(ctx);
    status = campaignStatus(ctx, 'quorum');
    expect(status.rounds[1]).toMatchObject({ state: 'closed', sites: ['site-a', 'site-c'] });
    expect(status.jobs.find((j) => j.jobId === 'quorum/r1/site-b')).toMatchObject({ state: 'failed', failureCode: 'STRAGGLER' });
    expect(status.state).toBe('completed');
    // The straggler's answer after the close counts for nothing.
    expect((await answer(round1[1])).ack).toMatchObject({ status: 'refused', code: 'STALE_ROUND' });
  });

  it('refuses a revoked certificate at the door and audits it', () => {
    const { ctx } = context();
    expect(admitSite(ctx, sites['site-a'].peer)).toEqual({ ok: true });
    expect(revokeSite(ctx, 'site-a', 'keyCompromise')).toEqual([sites['site-a'].peer.serial]);
    expect(admitSite(ctx, sites['site-a'].peer)).toMatchObject({ ok: false, status: 403, code: 'CERT_REVOKED' });
    expect(listAudit(ctx.db, { event: 'site.connection-refused' })).toHaveLength(1);
  });

  it('resumes from SQLite after a restart mid-round with the same final model as an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-coord-'));
    const protocol = protocolFor({ campaignId: 'resume', model: { family: 'logistic' }, training: { strategy: 'fedadam', rounds: 4, learningRate: 0.05 } });
    // Uninterrupted.
    const a = context(join(dir, 'a.sqlite'));
    createCampaign(a.ctx, protocol);
    await deliver(a.ctx, startCampaign(a.ctx, 'resume'));
    const expected = campaignStatus(a.ctx, 'resume').model!.modelHash;
    // Interrupted: one answer in round 2, then the process "dies" (database closed, nothing else kept).
    const path = join(dir, 'b.sqlite');
    let b = context(path);
    createCampaign(b.ctx, protocol);
    let queue = startCampaign(b.ctx, 'resume');
    while (true) {
      const job = queue.shift()!;
      const out = acceptResult(b.ctx, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job));
      queue.push(...out.send);
      if (job.round === 2) break;
    }
    const inFlight = queue[0];
    const inFlightAnswer = await answerTrainJob(sites[inFlight.siteId], glmFixture.sites[inFlight.siteId], inFlight);
    b.ctx.db.close();
    // Restart: sites reconnect and get their open jobs; the in-flight answer arrives again.
    b = context(path, b.now());
    expect(tick(b.ctx)).toEqual([]);
    expect(acceptResult(b.ctx, sites[inFlight.siteId].peer, inFlightAnswer).ack.status).toBe('accepted');
    expect(acceptResult(b.ctx, sites[inFlight.siteId].peer, inFlightAnswer).ack.code).toBe('REPLAY');
    queue = Object.values(sites).flatMap((s) => recordHello(b.ctx, s.peer, {
      type: 'site-hello', siteId: s.siteId, softwareVersion: '0.1.0', protocolVersion: 1, capabilities: { jobKinds: ['train-round'] }, approvedProtocols: [], sentAt: '2026-11-26T12:00:00Z',
    }).jobs);
    expect(queue.every((j) => j.round === 2)).toBe(true);
    await deliver(b.ctx, queue);
    const status = campaignStatus(b.ctx, 'resume');
    expect(status.rounds.map((r) => r.state)).toEqual(['closed', 'closed', 'closed', 'closed']);
    expect(status.model!.modelHash).toBe(expected);
    expect((status.jobs.find((j) => j.round === 3)!.attempt)).toBe(1);
    expect(((a.ctx.db.prepare('SELECT COUNT(*) AS n FROM results').get()) as { n: number }).n).toBe(12);
    expect(((b.ctx.db.prepare('SELECT COUNT(*) AS n FROM results').get()) as { n: number }).n).toBe(12);
  }, SITE_STEPS_TIMEOUT);
});
