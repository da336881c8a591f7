import { describe, expect, it } from '@jest/globals';
import { verify, X509Certificate } from 'node:crypto';
import type { JobEnvelope, TrainRoundParams } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { admitSite } from '../src/core/sites.js';
import { openStore } from '../src/store/openStore.js';
import { answerTrainJob, glmFixture, makeSite, protocolFor, refuseJob, type FakeSite } from './fakeSites.js';

// training.shareSiteUpdates: each round's jobs carry the previous round's updates exactly as their
// sites signed them (checked here with Node's own RSA verify against each site's certificate), in
// site order, and the sites that failed — what a site needs to recompute the step (its side is
// apps/site-node/src/trajectory.ts, tested there and against a hostile coordinator).
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, makeSite(s)]));

describe('the round transcript', () => {
  it('round 1 carries round 0\'s signed updates and failures; without the setting, no transcript', async () => {
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-06T12:00:00Z') };
    for (const s of Object.values(sites)) expect(admitSite(ctx, s.peer).ok).toBe(true);
    createCampaign(ctx, protocolFor({ campaignId: 'shared', training: { strategy: 'exact-newton', rounds: 3, quorum: 2, shareSiteUpdates: true } }));
    const round0 = startCampaign(ctx, 'shared');
    expect((round0[0].params as TrainRoundParams).transcript).toBeUndefined();
    const answer = async (job: JobEnvelope) => acceptResult(ctx, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job));
    await answer(round0[2]);
    acceptResult(ctx, sites['site-b'].peer, refuseJob(sites['site-b'], round0[1], 'COHORT_INVALID', 'a broken table'));
    const round1 = (await answer(round0[0])).send;
    expect(round1.map((j) => j.jobId)).toEqual(['shared/r1/site-a', 'shared/r1/site-b', 'shared/r1/site-c']);
    const transcript = (round1[0].params as TrainRoundParams).transcript!;
    expect(transcript.round).toBe(0);
    expect(transcript.failures).toEqual(['site-b']);
    expect(transcript.results.map((r) => JSON.parse(r.signed).siteId)).toEqual(['site-a', 'site-c']);
    for (const r of transcript.results) {
      const doc = JSON.parse(r.signed);
      expect(doc).toMatchObject({ type: 'job-result', round: 0, jobId: `shared/r0/${doc.siteId}`, result: { round: 0, contents: 'gradient-hessian' } });
      expect(new X509Certificate(r.certificatePem).subject).toBe(`CN=${doc.siteId}`);
      expect(verify('sha256', Buffer.from(r.signed, 'utf8'), r.certificatePem, Buffer.from(r.signature, 'base64'))).toBe(true);
    }
    // Every site of the round gets the same transcript.
    expect(round1.every((j) => (j.params as TrainRoundParams).transcript === transcript)).toBe(true);

    const plainCtx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-06T12:00:00Z') };
    createCampaign(plainCtx, protocolFor({ campaignId: 'plain', training: { strategy: 'exact-newton', rounds: 3 } }));
    const plain0 = startCampaign(plainCtx, 'plain');
    let next: JobEnvelope[] = [];
    for (const job of plain0) next = (await acceptResult(plainCtx, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job))).send;
    expect(next).toHaveLength(3);
    expect((next[0].params as TrainRoundParams).transcript).toBeUndefined();
  });
});
