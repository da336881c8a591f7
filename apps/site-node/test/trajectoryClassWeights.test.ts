import { describe, expect, it } from '@jest/globals';
import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainingMethod, trainingSiteStep, type TrainingRows } from '@fedrad/methods';
import { createCampaignCa } from '@fedrad/pki';
import { canonicalJson, packTensor, type CampaignProtocol, type JobEnvelope, type Tensor, type TrainRoundParams } from '@fedrad/protocol';
import { trainingBasis } from '../src/answerBasis.js';
import { checkTrajectory, type VerifiedState } from '../src/trajectory.js';
import { certificateIssuer, repoRoot } from './helpers.js';

// Balanced class weights checked against round 0's signed transcript (training.shareSiteUpdates):
// the pooled counts a job carries must be the sum of the counts the sites signed in round 0, and
// stay those in every later round. The attacker: counts inflated around a site's positives
// (N = 10⁹, N₊ = its own 7), which pass the site's own check — it holds at least the minimum cohort
// (5) of each class and no more than the counts — and only the transcript can refuse.
const features = ['f1', 'f2'];
const siteIds = ['site-a', 'site-b', 'site-c'];
const protocol = {
  ...JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')),
  features, trainingSites: siteIds, testSites: [], model: { family: 'logistic', classWeights: 'balanced' },
  training: { strategy: 'fedavg', rounds: 6, localEpochs: 2, learningRate: 0.5, shareSiteUpdates: true },
} as CampaignProtocol;
delete (protocol as { analysisPlan?: unknown }).analysisPlan;
const ca = createCampaignCa({ campaignId: 'trajectory-weights', validityDays: 30 });
const keys = Object.fromEntries(siteIds.map((s) => [s, certificateIssuer(ca)(s)]));
// Site k: 20 + 5k patients, every third one positive (7, 9 and 10 positives: at least the minimum 5).
const rowsOf = (k: number): TrainingRows => {
  const n = 20 + 5 * k;
  return { featureNames: features, x: Float64Array.from({ length: 2 * n }, (_, i) => Math.sin(i * (k + 1.3))), label: Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)) };
};
const rows = siteIds.map((_, k) => rowsOf(k));
const signedCounts = { sampleCount: rows.reduce((a, r) => a + r.label.length, 0), positiveCount: rows.reduce((a, r) => a + r.label.reduce((s, y) => s + y, 0), 0) };
const protocolHash = 'ab'.repeat(32);
const method = trainingMethod(protocol);

/** Site k's signed answer to `params`, as a site node sends it. */
async function signedUpdate(k: number, params: TrainRoundParams, verified: VerifiedState) {
  const siteId = siteIds[k];
  const update = await trainingSiteStep(params, rows[k]);
  const unsigned = {
    type: 'job-result', jobId: `${protocol.campaignId}/r${params.round}/${siteId}`, campaignId: protocol.campaignId, siteId, protocolHash, kind: 'train-round', attempt: 1, round: params.round, nonce: 'cd'.repeat(32),
    completedAt: '2026-12-06T12:00:00Z', result: { ...update, tensors: update.tensors.map((t) => packTensor(t)), basis: trainingBasis(verified) },
  };
  const signed = canonicalJson(unsigned);
  return { entry: { signed, signature: sign('sha256', Buffer.from(signed, 'utf8'), keys[siteId].keyPem).toString('base64'), certificatePem: keys[siteId].certPem }, update };
}

const job = (params: TrainRoundParams) => ({
  type: 'job', jobId: `${protocol.campaignId}/r${params.round}/site-a`, campaignId: protocol.campaignId, protocolHash, siteId: 'site-a', kind: 'train-round', attempt: 1, round: params.round,
  deadline: '2026-12-06T12:00:00Z', nonce: 'ef'.repeat(32), params,
}) as unknown as JobEnvelope;

/** One honest round: every site's signed answer to the coordinator's params, and the state the coordinator moves to. */
async function round(state: ReturnType<typeof method.initialState>, verified: VerifiedState) {
  const params = method.configure(state, siteIds);
  const answers = await Promise.all(siteIds.map((s, k) => signedUpdate(k, params[s], verified)));
  const next = method.aggregate(state, siteIds.map((siteId, k) => ({ siteId, update: answers[k].update as never })), []).state;
  return { params: params['site-a'], transcript: { round: state.round, results: answers.map((a) => a.entry), failures: [] }, next };
}

const problem = (j: JobEnvelope, previous: VerifiedState) => {
  const check = checkTrajectory(j, protocol, ca.certPem, previous);
  return check.ok ? 'accepted' : check.problem;
};

describe('balanced class weights against the signed transcript (shareSiteUpdates)', () => {
  it('round 1 must carry the sum of round 0\'s signed counts, later rounds the same; inflated counts the site itself would accept are refused', async () => {
    const start = method.initialState();
    const zero = checkTrajectory(job(method.configure(start, siteIds)['site-a']), protocol, ca.certPem, undefined) as { ok: true; state: VerifiedState };
    const r0 = await round(start, zero.state);
    const honest1 = { ...method.configure(r0.next, siteIds)['site-a'], transcript: r0.transcript };
    // The honest job: the pooled counts are the three sites' signed counts.
    expect({ sampleCount: honest1.balancedWeights!.sampleCount, positiveCount: honest1.balancedWeights!.positiveCount }).toEqual(signedCounts);
    const one = checkTrajectory(job(honest1), protocol, ca.certPem, zero.state);
    expect(one).toMatchObject({ ok: true, state: { round: 1 } });
    const verified1 = (one as { state: VerifiedState }).state;

    // The attacker: N = 10⁹ around site-a's 7 positives. The weights follow from those counts and site-a
    // holds at least the minimum cohort of each class, so its own check passes …
    const own = rows[0].label.reduce((a, y) => a + y, 0);
    expect(own).toBeGreaterThanOrEqual(protocol.minCohortSize);
    const inflated = { sampleCount: 1e9, positiveCount: own, negative: 1e9 / (2 * (1e9 - own)), positive: 1e9 / (2 * own) };
    await expect(trainingSiteStep({ ...honest1, balancedWeights: inflated }, rows[0], { minCohortSize: protocol.minCohortSize })).resolves.toMatchObject({ contents: 'parameters' });
    // … but the counts are not round 0's signed counts.
    expect(problem(job({ ...honest1, balancedWeights: inflated }), zero.state)).toMatch(new RegExp(`pooled class counts \\(${own} positive of 1000000000\\) and weights are not those of round 0's signed updates \\(${signedCounts.positiveCount} positive of ${signedCounts.sampleCount}\\)`));
    // Counts one patient off, and weights dropped altogether, are refused alike.
    const offByOne = { ...honest1.balancedWeights!, sampleCount: signedCounts.sampleCount + 1, negative: (signedCounts.sampleCount + 1) / (2 * (signedCounts.sampleCount + 1 - signedCounts.positiveCount)), positive: (signedCounts.sampleCount + 1) / (2 * signedCounts.positiveCount) };
    expect(problem(job({ ...honest1, balancedWeights: offByOne }), zero.state)).toMatch(/are not those of round 0's signed updates/);
    expect(problem(job({ ...honest1, balancedWeights: undefined }), zero.state)).toMatch(/pooled class counts \(none\)/);

    // Round 2: the counts come from the verified state (round 0's), not from round 1's updates.
    const r1 = await round(r0.next, verified1);
    const honest2 = { ...method.configure(r1.next, siteIds)['site-a'], transcript: r1.transcript };
    expect(honest2.balancedWeights).toEqual(honest1.balancedWeights);
    expect(checkTrajectory(job(honest2), protocol, ca.certPem, verified1)).toMatchObject({ ok: true, state: { round: 2 } });
    expect(problem(job({ ...honest2, balancedWeights: inflated }), verified1)).toMatch(/are not those of round 0's signed updates/);
  });

  it('refuses a counting round whose transcript lists training sites as failed or leaves one out, though the weights follow from the sites it counted', async () => {
    const start = method.initialState();
    const zero = checkTrajectory(job(method.configure(start, siteIds)['site-a']), protocol, ca.certPem, undefined) as { ok: true; state: VerifiedState };
    const params0 = method.configure(start, siteIds);
    const answers = await Promise.all(siteIds.map((s, k) => signedUpdate(k, params0[s], zero.state)));
    // The coordinator counts site-a alone, calling site-b and site-c failed: N / (2 N₊) from site-a's counts only.
    const skewed = method.aggregate(start, [{ siteId: 'site-a', update: answers[0].update as never }], ['site-b', 'site-c'].map((siteId) => ({ siteId, code: 'FAILED', message: '' }))).state;
    const attack = { ...method.configure(skewed, siteIds)['site-a'], transcript: { round: 0, results: [answers[0].entry], failures: ['site-b', 'site-c'] } };
    const siteA = { sampleCount: rows[0].label.length, positiveCount: rows[0].label.reduce((a, y) => a + y, 0) };
    expect({ sampleCount: attack.balancedWeights!.sampleCount, positiveCount: attack.balancedWeights!.positiveCount }).toEqual(siteA);
    expect(problem(job(attack), zero.state)).toBe("round 0 counts the classes for balanced class weights, and its transcript lists site-b, site-c as failed: the pooled counts must hold every training site's");
    // Leaving site-c out without calling it failed.
    const two = method.aggregate(start, [0, 1].map((k) => ({ siteId: siteIds[k], update: answers[k].update as never })), []).state;
    const omitted = { ...method.configure(two, siteIds)['site-a'], transcript: { round: 0, results: [answers[0].entry, answers[1].entry], failures: [] } };
    expect(problem(job(omitted), zero.state)).toMatch(/its transcript holds no update of site-c: the pooled counts must hold every training site's/);
    // The honest counting round, from the same signed answers.
    const all = method.aggregate(start, siteIds.map((siteId, k) => ({ siteId, update: answers[k].update as never })), []).state;
    expect(problem(job({ ...method.configure(all, siteIds)['site-a'], transcript: { round: 0, results: answers.map((a) => a.entry), failures: [] } }), zero.state)).toBe('accepted');
  });

  it('under secure aggregation the counts must be those of the verified unmasked sum', () => {
    const secure = { ...protocol, training: { ...protocol.training, shareSiteUpdates: false, secureAggregation: true } } as CampaignProtocol;
    const secureMethod = trainingMethod(secure);
    const parameters: Tensor[] = [{ name: 'coef', shape: [3], data: [0.1, 0.2, 0.3] }];
    // As secureRounds.ts records it: round 1's parameters from the unmasked sum, with the settings round 0's job pinned.
    const current: VerifiedState = { round: 1, parameters, server: { classCounts: signedCounts, strategy: null }, pinned: { features, model: protocol.model, harmonizationHash: null, cohort: null } };
    const params = secureMethod.configure({ round: 1, parameters, server: current.server as never }, siteIds)['site-a'];
    const check = (p: TrainRoundParams) => checkTrajectory(job(p), secure, ca.certPem, undefined, current);
    expect(check(params)).toEqual({ ok: true });
    const own = rows[0].label.reduce((a, y) => a + y, 0);
    const inflated = { sampleCount: 1e9, positiveCount: own, negative: 1e9 / (2 * (1e9 - own)), positive: 1e9 / (2 * own) };
    expect(check({ ...params, balancedWeights: inflated })).toMatchObject({ ok: false, problem: expect.stringMatching(/are not those of round 0's unmasked sum/) });
  });
});
