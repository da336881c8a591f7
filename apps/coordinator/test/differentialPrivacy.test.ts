import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '@fedrad/numeric';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate } from '@fedrad/pki';
import { sha256Hex, type JobEnvelope, type ModelCard, type ModelUpdate, type Tensor, type TrainRoundParams } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext, ModelExporter } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { verifyAuditLog } from '../src/store/auditLog.js';
import { openStore } from '../src/store/openStore.js';
import { answerTrainJob, glmFixture, makeSite, protocolFor, type FakeSite } from './fakeSites.js';

// Central DP (DP-FedAvg, McMahan et al. 2018): each site clips its update to C, the coordinator
// adds N(0, (σC)²) to the sum of the clipped updates and divides by the number of sites. The
// expected aggregate and ε are computed here on their own: the clipping and the mean from the
// sites' signed updates, the noise by Box–Muller on mulberry32 from the protocol's seed + round
// (the stream the schema documents), the ε from the closed-form minimum of the RDP bound.
const here = dirname(fileURLToPath(import.meta.url));
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, makeSite(s)]));
const exportModel: ModelExporter = (_p, parameters) => new TextEncoder().encode(`onnx:${JSON.stringify(parameters)}`);

const CLIP = 0.05;
const SIGMA = 1.3;
const DELTA = 1e-5;
const SEED = 2026;

function boxMuller(n: number, sd: number, seed: number): number[] {
  const u = mulberry32(seed);
  const out: number[] = [];
  while (out.length < n) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const t = 2 * Math.PI * u();
    out.push(sd * r * Math.cos(t), sd * r * Math.sin(t));
  }
  return out.slice(0, n);
}

/** ε = a + 2√(ab), a = T/(2σ²), b = log(1/δ): the minimum over α of T α/(2σ²) + log(1/δ)/(α − 1). */
const closedFormEpsilon = (rounds: number) => {
  const a = rounds / (2 * SIGMA * SIGMA);
  const b = Math.log(1 / DELTA);
  return a + 2 * Math.sqrt(a * b);
};

describe('a campaign with central differential privacy', () => {
  it('aggregates the clipped mean plus exactly the seeded noise, and reports the ε spent after each round and on the model card', async () => {
    const ca = createCampaignCa({ campaignId: 'dp', validityDays: 30 });
    const { keyPem, csrPem } = createSiteKeyAndCsr('coordinator');
    const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30 });
    const example = JSON.parse(readFileSync(join(here, '../../../protocols/examples/model-card/valid-lasso.json'), 'utf8')) as ModelCard;
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T03:00:00Z'), exportModel };
    ctx.describeModel = (_p, _params, _info, onnx) => ({ ...example, modelSha256: sha256Hex(onnx) });
    ctx.modelSigner = { keyPem, certPem, softwareVersion: '9.9.9' };
    createCampaign(ctx, protocolFor({
      campaignId: 'dp', model: { family: 'logistic' }, testSites: ['site-t1'],
      training: { strategy: 'fedavg', rounds: 3, localEpochs: 2, learningRate: 0.5, seed: 5, clipNorm: CLIP, differentialPrivacy: { noiseMultiplier: SIGMA, delta: DELTA, seed: SEED } },
    }));
    // Each round's global parameters (from the jobs) and the sites' signed updates.
    const globals = new Map<number, number[]>();
    const updates = new Map<number, number[][]>();
    const queue: JobEnvelope[] = startCampaign(ctx, 'dp');
    while (queue.length > 0) {
      const job = queue.shift()!;
      // The test site's evaluate job (the signed, locked model) waits: the card is what is checked here.
      if (job.kind !== 'train-round') continue;
      const params = job.params as TrainRoundParams;
      expect(params.clipNorm).toBe(CLIP);
      globals.set(job.round!, (params.globalParameters as Tensor[])[0].data);
      const result = await answerTrainJob(sites[job.siteId], glmFixture.sites[job.siteId], job);
      updates.set(job.round!, [...(updates.get(job.round!) ?? []), ((result.result as ModelUpdate).tensors[0] as Tensor).data]);
      const out = acceptResult(ctx, sites[job.siteId].peer, result);
      expect(out.ack.status).toBe('accepted');
      queue.push(...out.send);
    }
    const status = campaignStatus(ctx, 'dp');
    expect(status.plan.map((p) => [p.phase, p.state])).toEqual([['training', 'done'], ['lock', 'done'], ['evaluation', 'running'], ['report', 'pending']]);
    const final = (status.model!.parameters as Tensor[])[0].data;
    for (const round of [0, 1, 2]) {
      const global = globals.get(round)!;
      const deltas = updates.get(round)!.map((local) => local.map((v, j) => v - global[j]));
      expect(deltas).toHaveLength(3);
      // The sites clipped at home: no update is longer than C.
      let clippedSomewhere = false;
      for (const d of deltas) {
        const norm = Math.hypot(...d);
        expect(norm).toBeLessThanOrEqual(CLIP * (1 + 1e-12));
        clippedSomewhere ||= Math.abs(norm - CLIP) < 1e-9;
      }
      expect(clippedSomewhere).toBe(true);
      const noise = boxMuller(global.length, SIGMA * CLIP, SEED + round);
      const expected = global.map((g, j) => g + (deltas.reduce((s, d) => s + d[j], 0) + noise[j]) / deltas.length);
      const got = round < 2 ? globals.get(round + 1)! : final;
      got.forEach((v, j) => expect(Math.abs(v - expected[j])).toBeLessThan(1e-12));
      // ε after round r composes r + 1 rounds.
      const spent = status.rounds[round].privacy!;
      expect(spent).toMatchObject({ delta: DELTA, rounds: round + 1 });
      expect(Math.abs(spent.epsilon - closedFormEpsilon(round + 1)) / spent.epsilon).toBeLessThan(1e-9);
    }
    const card = status.modelRelease!.card.campaign!;
    expect(card.differentialPrivacy).toMatchObject({ clipNorm: CLIP, noiseMultiplier: SIGMA, delta: DELTA, rounds: 3, seeded: true });
    expect(Math.abs(card.differentialPrivacy!.epsilon - closedFormEpsilon(3)) / closedFormEpsilon(3)).toBeLessThan(1e-9);
    // The pooled loss is an un-noised statistic of the sites' rows: not on a DP model's card.
    expect(card.trainingMetrics!.finalLoss).toBeUndefined();
    expect(verifyAuditLog(ctx.db).ok).toBe(true);
  }, 300_000);
});
