import { describe, expect, it } from '@jest/globals';
import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainingMethod, trainingSiteStep } from '@fedrad/methods';
import { createCampaignCa } from '@fedrad/pki';
import { canonicalJson, packTensor, type CampaignProtocol, type JobEnvelope, type ModelSpec, type Tensor, type TrainRoundParams } from '@fedrad/protocol';
import { protocolDeviations, protocolForJob } from '../src/protocolConformance.js';
import { trainingBasis } from '../src/answerBasis.js';
import { checkTrajectory, type VerifiedState } from '../src/trajectory.js';
import { certificateIssuer, repoRoot } from './helpers.js';

// The security review's attack on the trajectory check (issue #16): the step check recomputes the
// coordinator's aggregate with a method built from the job's own features and λ, so a coordinator
// that permutes the features (or changes λ, or the harmonisation) between rounds computes parameters
// that "follow" on its new settings and reassigns the verified coefficients. Round 0 pins them.
const all = ['f1', 'f2', 'f3'];
const base = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
// A selection and a tuning step without a λ grid: protocolConformance then admits any distinct
// protocol features in any order and any λ — the review's setting — and a harmonisation step,
// whose hash it checks is named but not which.
const protocol = {
  ...base, features: all, analysisPlan: { ...base.analysisPlan, harmonization: 'combat-federated' }, trainingSites: ['site-a', 'site-b', 'site-c'], testSites: ['site-t'],
  training: { strategy: 'exact-newton', rounds: 10, shareSiteUpdates: true },
  selection: { univariate: { maxFeatures: 2 } }, tuning: { cv: 'leave-one-site-out' },
} as CampaignProtocol;
const siteIds = ['site-a', 'site-b', 'site-c'];
const ca = createCampaignCa({ campaignId: 'pinning', validityDays: 30 });
const keys = Object.fromEntries(siteIds.map((s) => [s, certificateIssuer(ca)(s)]));
const protocolHash = 'ab'.repeat(32);
const F = ['f1', 'f2'];
const G = ['f2', 'f1'];
const H1 = '11'.repeat(32);
const H2 = '22'.repeat(32);

/** Site k's rows for these features (its columns named, so a permuted list reads the same patients). */
const rowsOf = (k: number, features: string[]) => {
  const n = 12 + k;
  const column = (f: string, i: number) => Math.sin((i * 3 + all.indexOf(f)) * (k + 1.3));
  return {
    featureNames: features,
    x: Float64Array.from({ length: features.length * n }, (_, j) => column(features[j % features.length], Math.floor(j / features.length))),
    label: Float64Array.from({ length: n }, (_, i) => ((i + k) % 3 === 0 ? 1 : 0)),
  };
};

interface Settings { features: string[]; model: ModelSpec; harmonizationHash?: string }
const honest: Settings = { features: F, model: protocol.model, harmonizationHash: H1 };

const params = (round: number, s: Settings, globalParameters: Tensor[], transcript?: unknown): TrainRoundParams => ({
  kind: 'train-round', round, strategy: 'exact-newton', model: s.model, features: s.features, globalParameters,
  ...(s.harmonizationHash ? { harmonizationHash: s.harmonizationHash } : {}), ...(transcript ? { transcript } : {}),
}) as TrainRoundParams;

const job = (p: TrainRoundParams) => ({
  type: 'job', jobId: `${protocol.campaignId}/r${p.round}/site-a`, campaignId: protocol.campaignId, protocolHash, siteId: 'site-a', kind: 'train-round', attempt: 1, round: p.round,
  deadline: '2026-12-06T12:00:00Z', nonce: 'ef'.repeat(32), params: p,
}) as unknown as JobEnvelope;

/** Runs the site check as the daemon does: on the protocol as the job's step settings make it. */
const check = (j: JobEnvelope, previous: VerifiedState | undefined) => checkTrajectory(j, protocolForJob(j, protocol), ca.certPem, previous);

/** Round `round` at these settings: each site's signed update, and the next parameters the coordinator's own method (built on `next` settings) computes from them. */
async function roundAt(round: number, s: Settings, state: VerifiedState, next: Settings) {
  const signed = await Promise.all(siteIds.map(async (siteId, k) => {
    const update = await trainingSiteStep(params(round, s, state.parameters), rowsOf(k, s.features));
    const unsigned = {
      type: 'job-result', jobId: `${protocol.campaignId}/r${round}/${siteId}`, campaignId: protocol.campaignId, siteId, protocolHash, kind: 'train-round', attempt: 1, round, nonce: 'cd'.repeat(32),
      completedAt: '2026-12-06T12:00:00Z', result: { ...update, tensors: update.tensors.map((t) => packTensor(t)), basis: trainingBasis(state) },
    };
    const text = canonicalJson(unsigned);
    return { entry: { signed: text, signature: sign('sha256', Buffer.from(text, 'utf8'), keys[siteId].keyPem).toString('base64'), certificatePem: keys[siteId].certPem }, result: { siteId, update: update as never } };
  }));
  const method = trainingMethod(protocolForJob(job(params(round + 1, next, [])), protocol));
  const outcome = method.aggregate({ round, parameters: state.parameters, server: state.server as never }, signed.map((x) => x.result), []);
  return { parameters: JSON.parse(JSON.stringify(outcome.state.parameters)) as Tensor[], transcript: { round, results: signed.map((x) => x.entry), failures: [] } };
}

async function honestRoundZero() {
  const start = trainingMethod(protocolForJob(job(params(0, honest, [])), protocol)).initialState();
  const zero = check(job(params(0, honest, start.parameters)), undefined);
  if (!zero.ok || !zero.state) throw new Error('round 0 refused');
  return zero.state;
}

describe('round 0 pins what the coefficients mean (training.shareSiteUpdates)', () => {
  it('refuses round 1 at the features permuted, with parameters the method computes on the permuted list (the review\'s f2.mjs)', async () => {
    const zero = await honestRoundZero();
    expect(zero.pinned).toEqual({ features: F, model: protocol.model, harmonizationHash: H1, cohort: null });
    const permuted = { ...honest, features: G };
    const r0 = await roundAt(0, honest, zero, permuted);
    const attack = job(params(1, permuted, r0.parameters, r0.transcript));
    // The protocol allows the permutation on its own, so only the pinned features stand in the way.
    expect(protocolDeviations(attack, protocol, 'training')).toEqual([]);
    const refused = check(attack, zero);
    expect(refused).toEqual({ ok: false, problem: 'round 1 changes the features pinned at round 0: it sends ["f2","f1"], round 0 set ["f1","f2"]' });
    // The honest round 1, from the same signed updates, is accepted.
    const fair = await roundAt(0, honest, zero, honest);
    expect(check(job(params(1, honest, fair.parameters, fair.transcript)), zero)).toMatchObject({ ok: true, state: { round: 1, pinned: zero.pinned } });
  });

  it('refuses λ or the harmonisation changed at round 2, and accepts the honest chain to round 2', async () => {
    const zero = await honestRoundZero();
    const r0 = await roundAt(0, honest, zero, honest);
    const one = check(job(params(1, honest, r0.parameters, r0.transcript)), zero);
    if (!one.ok || !one.state) throw new Error(`round 1 refused: ${JSON.stringify(one)}`);
    // λ: the coordinator computes round 2 with λ = 0.5 on round 1's signed updates.
    const otherLambda = { ...honest, model: { ...honest.model, lambda: 0.5 } };
    const byLambda = await roundAt(1, honest, one.state, otherLambda);
    const lambdaJob = job(params(2, otherLambda, byLambda.parameters, byLambda.transcript));
    expect(protocolDeviations(lambdaJob, protocol, 'training')).toEqual([]);
    expect(check(lambdaJob, one.state)).toEqual({ ok: false, problem: `round 2 changes the model pinned at round 0: it sends ${canonicalJson(otherLambda.model)}, round 0 set ${canonicalJson(protocol.model)}` });
    // The harmonisation: a second estimate H2 named from round 2 on.
    const otherHarmonisation = { ...honest, harmonizationHash: H2 };
    const byHash = await roundAt(1, honest, one.state, otherHarmonisation);
    expect(check(job(params(2, otherHarmonisation, byHash.parameters, byHash.transcript)), one.state)).toEqual({ ok: false, problem: `round 2 changes the harmonizationHash pinned at round 0: it sends "${H2}", round 0 set "${H1}"` });
    // … and dropped altogether (rows used unharmonised).
    const none = { features: F, model: protocol.model };
    const byNone = await roundAt(1, honest, one.state, none);
    expect(check(job(params(2, none, byNone.parameters, byNone.transcript)), one.state)).toMatchObject({ ok: false, problem: expect.stringMatching(/changes the harmonizationHash pinned at round 0: it sends null/) });
    // The honest round 2.
    const fair = await roundAt(1, honest, one.state, honest);
    expect(check(job(params(2, honest, fair.parameters, fair.transcript)), one.state)).toMatchObject({ ok: true, state: { round: 2, pinned: zero.pinned } });
  });

  it('holds masked rounds (secure aggregation) to round 0\'s settings too', () => {
    const secure = { ...protocol, training: { ...protocol.training, shareSiteUpdates: false, secureAggregation: true } } as CampaignProtocol;
    const start = trainingMethod(secure).initialState();
    const zero = checkTrajectory(job(params(0, honest, start.parameters)), secure, ca.certPem, undefined);
    expect(zero).toEqual({ ok: true, state: { round: 0, parameters: start.parameters, server: start.server, pinned: { features: F, model: protocol.model, harmonizationHash: H1, cohort: null } } });
    // Round 1's state as secureRounds.ts records it from the unmasked sum, carrying round 0's pins.
    const parameters: Tensor[] = [{ name: 'coef', shape: [3], data: [0.1, 0.2, 0.3] }];
    const current: VerifiedState = { round: 1, parameters, server: start.server, pinned: (zero as { state: VerifiedState }).state.pinned };
    const masked = (s: Settings) => checkTrajectory(job(params(1, s, parameters)), secure, ca.certPem, undefined, current);
    expect(masked(honest)).toEqual({ ok: true });
    expect(masked({ ...honest, features: G })).toMatchObject({ ok: false, problem: expect.stringMatching(/round 1 changes the features pinned at round 0/) });
    expect(masked({ ...honest, harmonizationHash: H2 })).toMatchObject({ ok: false, problem: expect.stringMatching(/round 1 changes the harmonizationHash pinned at round 0/) });
    // A state without pins (round 0's training job never reached this site) checks nothing: refused.
    expect(checkTrajectory(job(params(1, honest, parameters)), secure, ca.certPem, undefined, { round: 1, parameters, server: start.server })).toMatchObject({ ok: false, problem: expect.stringMatching(/holds no settings pinned at round 0/) });
  });
});
