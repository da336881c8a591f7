import { describe, expect, it } from '@jest/globals';
import { acceptResult } from '../src/core/results.js';
import { campaignOverview, campaignStatus } from '../src/core/status.js';
import { cancelCampaign, createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { openStore } from '../src/store/openStore.js';
import { answerTrainJob, glmFixture, makeSite, protocolFor, type FakeSite } from './fakeSites.js';

// campaigns.overview: the status with each site's jobs counted, checked against the full job list
// campaigns.status returns for the same campaign.
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, makeSite(s)]));

describe('campaign overview', () => {
  it('counts each site\'s jobs and names its latest, and is otherwise the status', async () => {
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T04:00:00Z') };
    createCampaign(ctx, protocolFor({ campaignId: 'ov', model: { family: 'logistic' }, training: { strategy: 'fedavg', rounds: 5, learningRate: 0.01 } }));
    const round1 = [];
    for (const job of startCampaign(ctx, 'ov')) round1.push(...acceptResult(ctx, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job)).send);
    const a1 = round1.find((j) => j.siteId === 'site-a')!;
    acceptResult(ctx, sites['site-a'].peer, await answerTrainJob(sites['site-a'], glmFixture.sites['site-a'], a1));
    cancelCampaign(ctx, 'ov', 'test', 'lead');

    const status = campaignStatus(ctx, 'ov');
    const overview = campaignOverview(ctx, 'ov');
    const { jobs, ...rest } = status;
    const { siteJobs, ...same } = overview;
    expect(same).toEqual(rest);
    // Independently from the list: per site, the count, the done ones, and the job of the highest round (each round made one per site).
    const expected = ['site-a', 'site-b', 'site-c'].map((siteId) => {
      const mine = jobs.filter((j) => j.siteId === siteId);
      const last = mine.reduce((a, b) => ((b.round ?? -1) > (a.round ?? -1) ? b : a));
      return { siteId, total: mine.length, done: mine.filter((j) => j.state === 'done').length, last: { jobId: last.jobId, kind: last.kind, round: last.round, state: last.state, failureCode: last.failureCode, failureMessage: last.failureMessage } };
    });
    expect(siteJobs).toEqual(expected);
    expect(siteJobs.map((s) => [s.siteId, s.total, s.done, s.last?.state, s.last?.failureCode])).toEqual([
      ['site-a', 2, 2, 'done', null],
      ['site-b', 2, 1, 'failed', 'CANCELLED'],
      ['site-c', 2, 1, 'failed', 'CANCELLED'],
    ]);
    expect(JSON.stringify(overview).length).toBeLessThan(JSON.stringify(status).length);
  });
});
