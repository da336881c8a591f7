import { describe, expect, it } from '@jest/globals';
import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { trainingMethod, trainingSiteStep, type PlainModelUpdate } from '@fedrad/methods';
import { createCampaignCa } from '@fedrad/pki';
import { canonicalJson, packTensor, type CampaignProtocol, type JobEnvelope, type Tensor, type TrainRoundParams } from '@fedrad/protocol';
import { trainingBasis } from '../src/answerBasis.js';
import { checkTrajectory, type VerifiedState } from '../src/trajectory.js';
import { certificateIssuer } from './helpers.js';

// The trajectory check for an MLP (FedAvg family): round 1's parameters follow from round 0's
// standardisation sums, round 2's from round 1's locally trained weights by the strategy's average
// (FedAdam here, so the server's moment estimates are part of what the site recomputes). The
// reference is the coordinator's own aggregate of the same updates (the training method the
// coordinator's training phase calls); a crafted parameter vector must be refused. Rows: the three
// sites of scripts/fixtures/methods/glm-sites.R.
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/glm-sites.json', import.meta.url), 'utf8')) as { sites: Record<string, { x: number[][]; y: number[] }> };
const sites = ['site-a', 'site-b', 'site-c'];
const features = ['f1', 'f2', 'f3', 'f4', 'f5'];
const rowsOf = (siteId: string) => {
  const s = fixture.sites[siteId];
  return { featureNames: features, x: Float64Array.from(s.x.flat()), label: Float64Array.from(s.y) };
};
const protocol: CampaignProtocol = {
  type: 'campaign-protocol', campaignId: 'trajectory-mlp', title: 'mlp trajectory', version: 1, outcome: { type: 'binary', label: 'y' }, features,
  model: { family: 'mlp', hiddenLayers: [3] }, trainingSites: sites, testSites: [], minCohortSize: 5,
  training: { strategy: 'fedadam', rounds: 10, seed: 4, localEpochs: 3, shareSiteUpdates: true },
};
const method = trainingMethod(protocol);
const ca = createCampaignCa({ campaignId: 'trajectory-mlp', validityDays: 30 });
const keys = Object.fromEntries(sites.map((s) => [s, certificateIssuer(ca)(s)]));
const protocolHash = 'ab'.repeat(32);

/** Round `round`'s params for a site, as the coordinator configures them (a JSON round trip, as on the wire). */
const paramsAt = (state: ReturnType<typeof method.initialState>, siteId: string) => JSON.parse(JSON.stringify(method.configure(state, sites)[siteId])) as TrainRoundParams;

/** Each site's honest update at `state`, and its signed form as the transcript carries it. */
async function roundUpdates(state: ReturnType<typeof method.initialState>, basis: string) {
  const out: Array<{ siteId: string; update: PlainModelUpdate; signed: { signed: string; signature: string; certificatePem: string } }> = [];
  for (const siteId of sites) {
    const update = await trainingSiteStep(paramsAt(state, siteId), rowsOf(siteId), { minCohortSize: 5 });
    const unsigned = {
      type: 'job-result', jobId: `${protocol.campaignId}/r${state.round}/${siteId}`, campaignId: protocol.campaignId, siteId, protocolHash, kind: 'train-round', attempt: 1, round: state.round,
      nonce: 'cd'.repeat(32), completedAt: '2026-12-07T04:00:00Z', result: { ...update, tensors: update.tensors.map((t) => packTensor({ name: t.name, shape: t.shape, data: Float64Array.from(t.data) })), basis },
    };
    const signed = canonicalJson(unsigned);
    out.push({ siteId, update, signed: { signed, signature: sign('sha256', Buffer.from(signed, 'utf8'), keys[siteId].keyPem).toString('base64'), certificatePem: keys[siteId].certPem } });
  }
  return out;
}

const job = (params: TrainRoundParams): JobEnvelope =>
  ({
    type: 'job', jobId: `${protocol.campaignId}/r${params.round}/site-a`, campaignId: protocol.campaignId, protocolHash, siteId: 'site-a', kind: 'train-round', attempt: 1, round: params.round,
    deadline: '2026-12-07T05:00:00Z', nonce: 'ef'.repeat(32), params,
  }) as unknown as JobEnvelope;

describe('the trajectory check for an MLP (FedAdam over locally trained weights)', () => {
  it("accepts the coordinator's own rounds 1 and 2 and refuses a crafted weight vector or standardisation with the honest transcript", async () => {
    const start = method.initialState();
    const zero = checkTrajectory(job(paramsAt(start, 'site-a')), protocol, ca.certPem, undefined);
    expect(zero.ok).toBe(true);
    // What the site verified for each round, and the honest job of each round.
    const verified: VerifiedState[] = [(zero as { state: VerifiedState }).state];
    const honest: TrainRoundParams[] = [paramsAt(start, 'site-a')];
    let state = start;
    for (const round of [1, 2]) {
      // Each site's answer names the state it verified for the round (the same at every site).
      const updates = await roundUpdates(state, trainingBasis(verified[round - 1]));
      // The coordinator's step: the method's aggregate of the updates it stored (training.ts close).
      const next = method.aggregate(state, updates.map((u) => ({ siteId: u.siteId, update: u.update as never })), []).state;
      expect(next.round).toBe(round);
      honest[round] = { ...paramsAt(next, 'site-a'), transcript: { round: round - 1, results: updates.map((u) => u.signed), failures: [] } };
      const check = checkTrajectory(job(honest[round]), protocol, ca.certPem, verified[round - 1]);
      expect(check).toMatchObject({ ok: true, state: { round } });
      verified[round] = (check as { state: VerifiedState }).state;
      expect(canonicalJson(verified[round].parameters)).toBe(canonicalJson(JSON.parse(JSON.stringify(next.parameters))));
      state = next;
    }
    // Round 2's weights are a FedAdam step from round 1's (they moved): the check recomputed a step over trained weights.
    const w0 = (params: TrainRoundParams) => params.globalParameters.find((t) => t.name === 'W0')!.data;
    expect(w0(honest[2])).not.toEqual(w0(honest[1]));

    // The attacker: round 2 with one hidden weight of its choosing, the transcript left honest.
    const crafted = honest[2].globalParameters.map((t: Tensor) => (t.name === 'W0' ? { ...t, data: t.data.map((v, i) => (i === 0 ? v + 1e-6 : v)) } : t));
    expect(checkTrajectory(job({ ...honest[2], globalParameters: crafted }), protocol, ca.certPem, verified[1])).toEqual({
      ok: false,
      problem: expect.stringMatching(/parameters of round 2 do not follow from round 1's signed updates by the protocol's fedadam step/),
    });
    // Round 1 with a standardisation other than the one round 0's sums give (every input mean shifted).
    const shifted = honest[1].globalParameters.map((t: Tensor) => (t.name === 'input-mean' ? { ...t, data: t.data.map((v) => v + 0.5) } : t));
    expect(checkTrajectory(job({ ...honest[1], globalParameters: shifted }), protocol, ca.certPem, verified[0])).toMatchObject({ ok: false, problem: expect.stringMatching(/round 1 do not follow/) });
  });
});
