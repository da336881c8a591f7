import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { selectionSiteSummary } from '@fedrad/methods';
import type { CampaignProtocol, SelectParams, TrainRoundParams } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { stepOutput } from '../src/core/stepOutputs.js';
import { openStore } from '../src/store/openStore.js';
import { makeSite, protocolFor, signResult, type FakeSite } from './fakeSites.js';

// The selection step of a Cox campaign (#12 item 3, survival outcomes): each site answers its select job
// with the site node's own summary (@fedrad/methods' selectionSiteSummary: its sums and each feature's
// Cox score and information over its own risk sets), and the univariate filter is R's score test of the
// Cox model stratified by site, Efron's ties as the protocol's model.ties (scripts/fixtures/methods/cox-score.R).
const ref = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/cox-score.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  efron: { score: number[]; p: number[]; q: number[] };
};
const features = ref.sites['site-a'].x[0].map((_, j) => `f${j + 1}`);
const sites: Record<string, FakeSite> = Object.fromEntries(Object.keys(ref.sites).map((s) => [s, makeSite(s)]));

describe('the selection step of a Cox campaign', () => {
  it("keeps the features whose Cox score test (stratified by site, the protocol's ties) has BH q ≤ fdr, as R's coxph, and trains on them", async () => {
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T12:00:00Z') };
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'cox-select', model: { family: 'cox', ties: 'efron' } }),
      features,
      outcome: { type: 'survival', time: 'time', event: 'event' },
      selection: { fdr: 0.05 },
    };
    createCampaign(ctx, protocol);
    const jobs = startCampaign(ctx, 'cox-select');
    expect(jobs.map((j) => (j.params as SelectParams).survival)).toEqual(jobs.map(() => ({ ties: 'efron' })));
    const next = [];
    for (const job of jobs) {
      const d = ref.sites[job.siteId];
      const p = job.params as SelectParams;
      const rows = { featureNames: features, x: Float64Array.from(d.x.flat()), label: new Float64Array(0), time: Float64Array.from(d.time), event: Float64Array.from(d.event) };
      const s = await selectionSiteSummary({ kind: 'select-summary', features: p.features, minCohortSize: p.minCohortSize, survival: p.survival }, rows, { siteId: job.siteId });
      const answer = signResult(sites[job.siteId], {
        type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind, attempt: job.attempt,
        nonce: job.nonce, completedAt: '2026-12-07T12:00:00Z', result: { kind: 'select', patientCount: s.sampleCount, eventCount: s.eventCount, tensors: s.tensors } as never,
      });
      const out = acceptResult(ctx, sites[job.siteId].peer, answer);
      expect(out.ack.status).toBe('accepted');
      next.push(...out.send);
    }
    const selected = stepOutput<{ features: string[]; statistics: Record<string, { score: number; p: number; q: number }> }>(ctx, 'cox-select', 'selection')!.output;
    features.forEach((f, j) => {
      expect(Math.abs(selected.statistics[f].score - ref.efron.score[j]) / ref.efron.score[j]).toBeLessThan(1e-9);
      expect(Math.abs(selected.statistics[f].q - ref.efron.q[j]) / ref.efron.q[j]).toBeLessThan(1e-9);
    });
    expect(selected.features).toEqual(features.filter((_, j) => ref.efron.q[j] <= 0.05));
    expect(selected.features.length).toBeLessThan(features.length);
    // Training's first round asks for the selected features only.
    expect(next.map((j) => j.kind)).toEqual(['train-round', 'train-round', 'train-round']);
    for (const j of next) expect((j.params as TrainRoundParams).features).toEqual(selected.features);
  });
});
