import { describe, expect, it } from '@jest/globals';
import { packTensor, type JobEnvelope, type JobResult, type Tensor } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { listAudit, verifyAuditLog } from '../src/store/auditLog.js';
import { openStore } from '../src/store/openStore.js';
import { answerTrainJob, glmFixture, makeSite, protocolFor, signResult, type FakeSite } from './fakeSites.js';

// Issue #16, item 4: one site's NaN or Infinity, sent packed (IEEE 754 bytes survive where JSON
// numbers cannot), used to reach the aggregate, whose hashing then threw and left the round to
// time out naming another site. Now the coordinator fails that site's job at once with its own
// code, and the round goes on (or fails) naming that site only.
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, makeSite(s)]));
const ctx = (): CoreContext => ({ db: openStore(':memory:'), clock: () => new Date('2026-12-06T12:00:00Z') });

/** site's honest update for `job`, then one gradient value replaced by `poison`, packed and signed by the site. */
async function poisoned(site: FakeSite, job: JobEnvelope, poison: number): Promise<JobResult> {
  const { signature: _drop, ...honest } = await answerTrainJob(site, glmFixture.sites[site.siteId], job);
  const update = honest.result as { tensors: Tensor[] };
  const tensors = update.tensors.map((t) => (t.name === 'gradient' ? { ...t, data: t.data.map((v, i) => (i === 1 ? poison : v)) } : t)).map((t) => packTensor(t));
  return signResult(site, { ...honest, result: { ...honest.result, tensors } as unknown as JobResult['result'] });
}

async function honest(c: CoreContext, job: JobEnvelope) {
  return acceptResult(c, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job));
}

describe('a non-finite update fails its own site, at once', () => {
  it.each([[NaN], [Infinity], [-Infinity]])('%p from site-b: refused, site-b failed with UPDATE_NOT_FINITE, the round closes on the other two without waiting', async (poison) => {
    const c = ctx();
    createCampaign(c, protocolFor({ campaignId: 'nan', training: { strategy: 'exact-newton', rounds: 3, quorum: 2, roundDeadlineSeconds: 60 } }));
    const round0 = startCampaign(c, 'nan');
    const byId = (s: string) => round0.find((j) => j.siteId === s)!;
    expect((await honest(c, byId('site-a'))).ack.status).toBe('accepted');
    const bad = acceptResult(c, sites['site-b'].peer, await poisoned(sites['site-b'], byId('site-b'), poison));
    expect(bad.ack).toMatchObject({ status: 'refused', code: 'UPDATE_INVALID' });
    expect(bad.ack.message).toContain('site-b');
    // site-c's answer completes the round (a and c done, b failed): no deadline is waited for.
    const next = await honest(c, byId('site-c'));
    expect(next.send.map((j) => j.jobId)).toEqual(['nan/r1/site-a', 'nan/r1/site-b', 'nan/r1/site-c']);
    const status = campaignStatus(c, 'nan');
    expect(status.rounds[0]).toMatchObject({ state: 'closed', sites: ['site-a', 'site-c'] });
    const failed = status.jobs.filter((j) => j.state === 'failed');
    expect(failed.map((j) => [j.siteId, j.failureCode])).toEqual([['site-b', 'UPDATE_NOT_FINITE']]);
    expect(listAudit(c.db, { event: 'result.refused' }).map((e) => [e.siteId, e.details.failure])).toEqual([['site-b', 'UPDATE_NOT_FINITE']]);
    expect(verifyAuditLog(c.db).ok).toBe(true);
  });

  it('with every site required, the round fails at once with QUORUM_NOT_MET naming site-b, not a timeout', async () => {
    const c = ctx();
    createCampaign(c, protocolFor({ campaignId: 'nan-all', training: { strategy: 'exact-newton', rounds: 3, roundDeadlineSeconds: 60 } }));
    const round0 = startCampaign(c, 'nan-all');
    await honest(c, round0[0]);
    acceptResult(c, sites['site-b'].peer, await poisoned(sites['site-b'], round0[1], NaN));
    await honest(c, round0[2]);
    const status = campaignStatus(c, 'nan-all');
    expect(status.state).toBe('failed');
    expect(JSON.stringify(status)).toContain('site-b: UPDATE_NOT_FINITE');
    expect(JSON.stringify(status)).not.toMatch(/site-[ac]: /);
  });
});
