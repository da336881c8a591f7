import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { runLocalTwin, trainingMethod, type TrainingRows } from '@fedrad/methods';
import { canonicalJson, type CampaignProtocol, type TrainRoundParams } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { admitSite } from '../src/core/sites.js';
import { campaignStatus } from '../src/core/status.js';
import { openStore } from '../src/store/openStore.js';
import { answerTrainJob, makeSite, protocolFor, type FakeSite } from './fakeSites.js';

// Balanced class weights with the robust strategies through the coordinator's round runner, under
// shareSiteUpdates: three sites answer with the site node's own step on the imbalanced cohort of
// scripts/fixtures/methods/fedavg-class-weights.R. Round 1's jobs carry R's pooled counts and
// N / (2 N_c); the model is, bit for bit, the local twin's on the same partitions (whose one-round
// step packages/methods/test/robustClassWeights.test.ts holds to an independent computation).
const ref = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/fedavg-class-weights.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; y: number[] }>;
  counts: { sampleCount: number; positiveCount: number };
  weights: { positive: number; negative: number };
};
const features = ['f1', 'f2', 'f3'];
const siteIds = Object.keys(ref.sites);
const sites: Record<string, FakeSite> = Object.fromEntries(siteIds.map((s) => [s, makeSite(s)]));
const rowsOf = (siteId: string): TrainingRows => ({ featureNames: features, x: Float64Array.from(ref.sites[siteId].x.flat()), label: Float64Array.from(ref.sites[siteId].y) });

describe('balanced class weights with median and trimmed mean (campaign, shareSiteUpdates)', () => {
  for (const [strategy, extra] of [['median', {}], ['trimmed-mean', { trimFraction: 0.34 }]] as const) {
    it(`${strategy}: a counting round 0, round 1 carries R's pooled counts and weights, and the model is the local twin's`, async () => {
      const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-06T12:00:00Z') };
      // Admitted sites: the coordinator relays their signed updates with their certificates.
      for (const s of Object.values(sites)) expect(admitSite(ctx, s.peer).ok).toBe(true);
      const campaignId = `weights-${strategy}`;
      const protocol: CampaignProtocol = {
        ...protocolFor({ campaignId, model: { family: 'logistic', classWeights: 'balanced' } }),
        features, trainingSites: siteIds,
        training: { strategy, rounds: 5, localEpochs: 5, learningRate: 0.5, roundDeadlineSeconds: 60, shareSiteUpdates: true, ...extra },
      };
      createCampaign(ctx, protocol);
      const queue = startCampaign(ctx, campaignId);
      const round1: TrainRoundParams[] = [];
      for (let job = queue.shift(); job; job = queue.shift()) {
        const params = job.params as TrainRoundParams;
        if (job.round === 0) expect(params.balancedWeights).toBeUndefined();
        if (job.round === 1) round1.push(params);
        const accepted = acceptResult(ctx, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], ref.sites[job.siteId], job));
        expect(accepted.ack.status).toBe('accepted');
        queue.push(...accepted.send);
      }
      const status = campaignStatus(ctx, campaignId);
      expect(status.state).toBe('completed');
      expect(round1).toHaveLength(3);
      for (const params of round1) {
        expect(params.transcript?.round).toBe(0);
        const w = params.balancedWeights!;
        expect({ sampleCount: w.sampleCount, positiveCount: w.positiveCount }).toEqual(ref.counts);
        expect(w.positive).toBeCloseTo(ref.weights.positive, 12);
        expect(w.negative).toBeCloseTo(ref.weights.negative, 12);
      }
      const twin = await runLocalTwin(trainingMethod(protocol), new Map(siteIds.map((s) => [s, rowsOf(s)])));
      expect(canonicalJson(status.model!.parameters)).toBe(canonicalJson(twin.state.parameters));
      // The control: without the weights the same rounds end elsewhere.
      const unweighted = await runLocalTwin(trainingMethod({ ...protocol, model: { family: 'logistic' } }), new Map(siteIds.map((s) => [s, rowsOf(s)])));
      expect(Math.abs(twin.state.parameters[0].data[0] - unweighted.state.parameters[0].data[0])).toBeGreaterThan(0.1);
    }, 120_000);
  }
});
