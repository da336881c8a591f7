import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobEnvelope } from '@fedrad/protocol';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { cancelCampaign, createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { openEnvelopesForSite } from '../src/core/jobs.js';
import { tick } from '../src/core/tick.js';
import { recordHello } from '../src/core/sites.js';
import { listAudit, verifyAuditLog } from '../src/store/auditLog.js';
import { openStore } from '../src/store/openStore.js';
import { SCHEMA_VERSION } from '../src/store/schema.js';
import { addOperator, createApiToken, createCoordinatorClient, initCaFolder, startCoordinator, type RunningCoordinator } from '../src/index.js';
import { answerTrainJob, glmFixture, makeSite, protocolFor, type FakeSite } from './fakeSites.js';

// campaigns.cancel: a cancelled campaign sends nothing more, takes nothing more, stays cancelled
// across a restart, and says who cancelled it, when and why.
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, makeSite(s)]));
const dir = mkdtempSync(join(tmpdir(), 'fedrad-cancel-'));
const START = Date.parse('2026-11-26T12:00:00Z');

function context(path: string) {
  let t = START;
  const ctx: CoreContext = { db: openStore(path), clock: () => new Date(t) };
  return { ctx, advance: (seconds: number) => (t += seconds * 1000) };
}

const hello = (ctx: CoreContext, siteId: string) =>
  recordHello(ctx, sites[siteId].peer, {
    type: 'site-hello', siteId, softwareVersion: '0.1.0', protocolVersion: 1, capabilities: { jobKinds: ['train-round'] }, approvedProtocols: [], sentAt: '2026-11-26T12:00:00Z',
  });

async function deliver(ctx: CoreContext, queue: JobEnvelope[]): Promise<void> {
  while (queue.length > 0) {
    const job = queue.shift()!;
    const out = acceptResult(ctx, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job));
    expect(out.ack.status).toBe('accepted');
    queue.push(...out.send);
  }
}

describe('campaign cancel (core)', () => {
  it('mid-round: open jobs close, no retry or resend, a late result is refused, and a restart keeps it cancelled', async () => {
    const path = join(dir, 'mid-run.sqlite');
    const { ctx, advance } = context(path);
    createCampaign(ctx, protocolFor({ campaignId: 'stop-me', model: { family: 'logistic' }, training: { strategy: 'fedavg', rounds: 5, learningRate: 0.01, roundDeadlineSeconds: 60, maxAttempts: 3 } }));
    const round0 = startCampaign(ctx, 'stop-me', 'lead');
    // Round 0 complete, round 1 sent; site-a answers round 1, site-b and site-c have not yet.
    const round1: JobEnvelope[] = [];
    for (const job of round0) round1.push(...acceptResult(ctx, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job)).send);
    expect(round1.map((j) => [j.siteId, j.round])).toEqual([['site-a', 1], ['site-b', 1], ['site-c', 1]]);
    const [a1, b1] = round1;
    expect(acceptResult(ctx, sites['site-a'].peer, await answerTrainJob(sites['site-a'], glmFixture.sites['site-a'], a1)).ack.status).toBe('accepted');
    const lateB = await answerTrainJob(sites['site-b'], glmFixture.sites['site-b'], b1);

    advance(5);
    const cancelled = cancelCampaign(ctx, 'stop-me', 'wrong cohort at site-c', 'lead');
    expect(cancelled).toEqual({ campaignId: 'stop-me', state: 'cancelled', was: 'training', closedJobs: ['stop-me/r1/site-b', 'stop-me/r1/site-c'] });
    const status = campaignStatus(ctx, 'stop-me');
    expect(status).toMatchObject({ state: 'cancelled', phase: 'training', failure: { code: 'CANCELLED', message: 'wrong cohort at site-c' } });
    expect(status.plan.find((s) => s.phase === 'training')!.state).toBe('cancelled');
    expect(status.plan.filter((s) => s.phase !== 'training').every((s) => s.state === 'skipped' || s.state === 'done')).toBe(true);
    expect(status.rounds.map((r) => r.state)).toEqual(['closed', 'failed']);
    expect(status.jobs.filter((j) => j.round === 1).map((j) => [j.siteId, j.state, j.failureCode])).toEqual([['site-a', 'done', null], ['site-b', 'failed', 'CANCELLED'], ['site-c', 'failed', 'CANCELLED']]);

    // Past every deadline the scheduler sends nothing (no retry of the closed jobs, no next round)…
    advance(3600);
    expect(tick(ctx)).toEqual([]);
    // …a reconnecting site gets no job for it, and its welcome says cancelled…
    for (const s of ['site-b', 'site-c']) {
      expect(openEnvelopesForSite(ctx, s)).toEqual([]);
      const h = hello(ctx, s);
      expect(h.jobs).toEqual([]);
      expect(h.welcome.campaigns).toMatchObject([{ campaignId: 'stop-me', state: 'cancelled' }]);
    }
    // …and the answer site-b computed before the cancel is refused, not counted.
    expect(acceptResult(ctx, sites['site-b'].peer, lateB).ack).toMatchObject({ status: 'refused' });
    expect(campaignStatus(ctx, 'stop-me').rounds).toHaveLength(2);

    // Audited: who, why, when, and what it closed; in the verified chain.
    const [row] = listAudit(ctx.db, { event: 'campaign.cancelled' });
    expect(row).toMatchObject({ actor: 'lead', campaignId: 'stop-me', at: new Date(START + 5000).toISOString() });
    expect(row.details).toMatchObject({ reason: 'wrong cohort at site-c', was: 'training', phase: 'training', jobsClosed: 2 });
    expect(verifyAuditLog(ctx.db).ok).toBe(true);

    // Restart: the store reopened, the scheduler run again.
    ctx.db.close();
    const again = context(path);
    again.advance(7200);
    expect(tick(again.ctx)).toEqual([]);
    expect(campaignStatus(again.ctx, 'stop-me').state).toBe('cancelled');
    expect(hello(again.ctx, 'site-c').jobs).toEqual([]);
    expect(() => cancelCampaign(again.ctx, 'stop-me', 'again', 'lead')).toThrow(expect.objectContaining({ code: 'CAMPAIGN_STATE', message: expect.stringContaining('is cancelled') }));
    again.ctx.db.close();
  }, 300_000);

  it('cancels a locked campaign before it starts; refuses a completed one, naming its state, and an empty reason', async () => {
    const { ctx } = context(join(dir, 'states.sqlite'));
    createCampaign(ctx, protocolFor({ campaignId: 'never' }));
    expect(() => cancelCampaign(ctx, 'never', '   ', 'lead')).toThrow(expect.objectContaining({ code: 'CAMPAIGN_STATE', message: expect.stringContaining('needs a reason') }));
    expect(cancelCampaign(ctx, 'never', 'superseded by v2', 'lead')).toEqual({ campaignId: 'never', state: 'cancelled', was: 'locked', closedJobs: [] });
    expect(campaignStatus(ctx, 'never').plan.every((s) => s.state === 'skipped')).toBe(true);
    expect(() => startCampaign(ctx, 'never', 'lead')).toThrow(expect.objectContaining({ code: 'CAMPAIGN_STATE' }));

    createCampaign(ctx, protocolFor({ campaignId: 'done', model: { family: 'logistic' }, training: { strategy: 'fedavg', rounds: 2, learningRate: 0.01 } }));
    await deliver(ctx, startCampaign(ctx, 'done'));
    expect(campaignStatus(ctx, 'done').state).toBe('completed');
    const audited = listAudit(ctx.db, {}).length;
    expect(() => cancelCampaign(ctx, 'done', 'too late', 'lead')).toThrow(expect.objectContaining({ code: 'CAMPAIGN_STATE', message: 'Campaign "done" is completed; only a locked or running campaign can be cancelled' }));
    expect(campaignStatus(ctx, 'done').state).toBe('completed');
    expect(listAudit(ctx.db, {})).toHaveLength(audited);
    expect(() => cancelCampaign(ctx, 'nope', 'x', 'lead')).toThrow(expect.objectContaining({ code: 'CAMPAIGN_NOT_FOUND' }));
    ctx.db.close();
  }, 300_000);

  it('opens a version-5 store (no cancelled state) and migrates its campaigns table', () => {
    const path = join(dir, 'v5.sqlite');
    const { ctx } = context(path);
    createCampaign(ctx, protocolFor({ campaignId: 'old' }));
    // The v5 table: the same columns, a CHECK without 'cancelled'.
    ctx.db.exec(`CREATE TABLE c5 AS SELECT * FROM campaigns; DROP TABLE campaigns;
      CREATE TABLE campaigns (campaign_id TEXT PRIMARY KEY, protocol_json TEXT NOT NULL, protocol_hash TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('locked', 'training', 'evaluating', 'completed', 'failed')), phase TEXT, current_round INTEGER,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, failure_code TEXT, failure_message TEXT);
      INSERT INTO campaigns SELECT * FROM c5; DROP TABLE c5; UPDATE meta SET value = '5' WHERE key = 'schema_version'`);
    expect(() => ctx.db.prepare("UPDATE campaigns SET state = 'cancelled'").run()).toThrow(/CHECK/);
    ctx.db.close();
    const reopened = context(path);
    expect((reopened.ctx.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value).toBe(String(SCHEMA_VERSION));
    expect(campaignStatus(reopened.ctx, 'old').state).toBe('locked');
    expect(cancelCampaign(reopened.ctx, 'old', 'retired', 'lead').state).toBe('cancelled');
    reopened.ctx.db.close();
  });
});

describe('campaigns.cancel over the API', () => {
  let coordinator: RunningCoordinator;
  afterAll(async () => {
    await coordinator?.close();
  });

  it('a study lead cancels with a reason; an auditor is refused FORBIDDEN_ROLE; a second cancel is refused naming the state', async () => {
    initCaFolder(join(dir, 'ca'), 'cancel-test', 30);
    coordinator = await startCoordinator({ dataDir: join(dir, 'data'), caDir: join(dir, 'ca'), exportModel: null, tickMs: 100, onFirstAdmin: () => undefined });
    const db = coordinator.core.db;
    await addOperator(db, 'lead', 'study-lead', 'test-setup');
    await addOperator(db, 'aud', 'auditor', 'test-setup');
    const lead = createCoordinatorClient(coordinator.apiUrl, (await createApiToken(db, 'lead', 'tests', 'test-setup')).token);
    const auditor = createCoordinatorClient(coordinator.apiUrl, (await createApiToken(db, 'aud', 'tests', 'test-setup')).token);
    await lead.campaigns.create(protocolFor({ campaignId: 'api-cancel' }));
    await lead.campaigns.start({ campaignId: 'api-cancel' });

    await expect(auditor.campaigns.cancel({ campaignId: 'api-cancel', reason: 'I can read only' })).rejects.toMatchObject({ code: 'FORBIDDEN_ROLE', httpStatus: 403 });
    await expect(lead.campaigns.cancel({ campaignId: 'api-cancel', reason: '' })).rejects.toMatchObject({ httpStatus: 400 });
    await expect(lead.campaigns.cancel({ campaignId: '../etc', reason: 'x' })).rejects.toMatchObject({ httpStatus: 400 });
    expect((await lead.campaigns.status({ campaignId: 'api-cancel' })).state).toBe('training');

    expect(await lead.campaigns.cancel({ campaignId: 'api-cancel', reason: 'site-b withdrew' })).toMatchObject({ state: 'cancelled', was: 'training', closedJobs: ['api-cancel/r0/site-a', 'api-cancel/r0/site-b', 'api-cancel/r0/site-c'] });
    expect(await lead.campaigns.list()).toMatchObject([{ campaignId: 'api-cancel', state: 'cancelled' }]);
    await expect(lead.campaigns.cancel({ campaignId: 'api-cancel', reason: 'twice' })).rejects.toMatchObject({ code: 'CAMPAIGN_STATE', message: expect.stringContaining('is cancelled') });
    expect(await lead.audit.list({ event: 'campaign.cancelled' })).toMatchObject([{ actor: 'lead', campaignId: 'api-cancel', details: { reason: 'site-b withdrew' } }]);
  }, 120_000);
});
