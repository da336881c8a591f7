import { describe, expect, it } from '@jest/globals';
import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainingMethod, trainingSiteStep } from '@fedrad/methods';
import { createCampaignCa } from '@fedrad/pki';
import { canonicalHash, canonicalJson, packTensor, type CampaignProtocol, type JobEnvelope, type Tensor } from '@fedrad/protocol';
import { trainingBasis } from '../src/answerBasis.js';
import { checkTrajectory, type VerifiedState } from '../src/trajectory.js';
import { certificateIssuer, repoRoot } from './helpers.js';

// The trajectory check against the coordinator's own step: the parameters a real coordinator sends
// for round 1 are the training method's aggregate of round 0's updates (what
// apps/coordinator/src/core/phases/training.ts computes); anything else must be refused, and so
// must any update whose signature, certificate or job does not hold.
const features = ['f1', 'f2'];
const protocol = {
  ...JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')),
  features, trainingSites: ['site-a', 'site-b', 'site-c'], testSites: [], analysisPlan: undefined,
  training: { strategy: 'exact-newton', rounds: 10, shareSiteUpdates: true },
} as CampaignProtocol;
delete (protocol as { analysisPlan?: unknown }).analysisPlan;
const ca = createCampaignCa({ campaignId: 'trajectory', validityDays: 30 });
const otherCa = createCampaignCa({ campaignId: 'elsewhere', validityDays: 30 });
const siteKeys = (cn: string, issuer = ca) => certificateIssuer(issuer)(cn);
const keys = Object.fromEntries(['site-a', 'site-b', 'site-c', 'site-x'].map((s) => [s, siteKeys(s)]));
// Three sites' rows: x in [−1, 1], labels alternating with a shift so each site has both classes.
const rowsOf = (k: number) => {
  const n = 12 + k;
  const x = Float64Array.from({ length: 2 * n }, (_, i) => Math.sin(i * (k + 1.3)));
  return { featureNames: features, x, label: Float64Array.from({ length: n }, (_, i) => ((i + k) % 3 === 0 ? 1 : 0)) };
};
const protocolHash = 'ab'.repeat(32);
const method = trainingMethod(protocol);

/** A site's signed answer to round `round` at these parameters, as a site node sends it (tensors packed). */
async function signedUpdate(siteId: string, k: number, round: number, parameters: Tensor[], basis: string | undefined, signer = keys[siteId]) {
  const params = { kind: 'train-round' as const, round, strategy: 'exact-newton' as const, model: protocol.model, features, globalParameters: parameters };
  const update = await trainingSiteStep(params, rowsOf(k));
  const unsigned = {
    type: 'job-result', jobId: `${protocol.campaignId}/r${round}/${siteId}`, campaignId: protocol.campaignId, siteId, protocolHash, kind: 'train-round', attempt: 1, round, nonce: 'cd'.repeat(32),
    completedAt: '2026-12-06T12:00:00Z', result: { ...update, tensors: update.tensors.map((t) => packTensor(t)), ...(basis === undefined ? {} : { basis }) },
  };
  const signed = canonicalJson(unsigned);
  return { signed, signature: sign('sha256', Buffer.from(signed, 'utf8'), signer.keyPem).toString('base64'), certificatePem: signer.certPem };
}

const job = (round: number, globalParameters: Tensor[], transcript?: unknown) => ({
  type: 'job', jobId: `${protocol.campaignId}/r${round}/site-a`, campaignId: protocol.campaignId, protocolHash, siteId: 'site-a', kind: 'train-round', attempt: 1, round,
  deadline: '2026-12-06T12:00:00Z', nonce: 'ef'.repeat(32),
  params: { kind: 'train-round', round, strategy: 'exact-newton', model: protocol.model, features, globalParameters, ...(transcript ? { transcript } : {}) },
}) as unknown as JobEnvelope;

describe('the trajectory check (training.shareSiteUpdates)', () => {
  it('accepts the coordinator\'s own step and refuses crafted parameters, forged or foreign updates, and a chain it did not see', async () => {
    const start = method.initialState();
    const zero = checkTrajectory(job(0, start.parameters), protocol, ca.certPem, undefined);
    // Round 0 also pins what the coefficients mean: the job's features in order, its model settings, no harmonisation, no cohort.
    expect(zero).toEqual({ ok: true, state: { round: 0, parameters: start.parameters, server: start.server, pinned: { features, model: protocol.model, harmonizationHash: null, cohort: null } } });
    const previous = (zero as { state: VerifiedState }).state;
    // Each site's answer names the state it verified for round 0 (answerBasis.ts): the same at every site.
    const basis = trainingBasis(previous);
    const updates = await Promise.all(['site-a', 'site-b', 'site-c'].map((s, k) => signedUpdate(s, k, 0, start.parameters, basis)));
    // The reference: the aggregate the coordinator computes from the same three updates.
    const results = await Promise.all(['site-a', 'site-b', 'site-c'].map(async (siteId, k) => ({ siteId, update: (await trainingSiteStep({ kind: 'train-round', round: 0, strategy: 'exact-newton', model: protocol.model, features, globalParameters: start.parameters }, rowsOf(k))) as never })));
    const next = method.aggregate(start, results, []).state.parameters;
    const transcript = { round: 0, results: updates, failures: [] };
    const ok = checkTrajectory(job(1, next, transcript), protocol, ca.certPem, previous);
    expect(ok).toMatchObject({ ok: true, state: { round: 1 } });
    expect(canonicalJson((ok as { state: VerifiedState }).state.parameters)).toBe(canonicalJson(next));

    const refused = (j: JobEnvelope, prev: VerifiedState | null = previous) => {
      const check = checkTrajectory(j, protocol, ca.certPem, prev ?? undefined);
      return check.ok ? 'accepted' : check.problem;
    };
    // Crafted coefficients (one nudged), with the honest transcript.
    const crafted = next.map((t) => ({ ...t, data: t.data.map((v, i) => (i === 1 ? v + 1e-9 : v)) }));
    expect(refused(job(1, crafted, transcript))).toMatch(/do not follow from round 0's signed updates/);
    // A site's update altered after signing; the same site twice; one site left out while called failed is fine, a non-site is not.
    const altered = { ...updates[1], signed: updates[1].signed.replace('"sampleCount":13', '"sampleCount":14') };
    expect(refused(job(1, next, { ...transcript, results: [updates[0], altered, updates[2]] }))).toMatch(/signature of site-b's update does not verify/);
    expect(refused(job(1, next, { ...transcript, results: [updates[0], updates[0], updates[2]] }))).toMatch(/two updates of site-a/);
    expect(refused(job(1, next, { ...transcript, failures: ['site-z'] }))).toMatch(/site-z as failed/);
    // Signed by a certificate of another CA, or by a site the protocol does not train with.
    const foreign = await signedUpdate('site-b', 1, 0, start.parameters, basis, siteKeys('site-b', otherCa));
    expect(refused(job(1, next, { ...transcript, results: [updates[0], foreign, updates[2]] }))).toMatch(/did not issue/);
    const outsider = await signedUpdate('site-x', 1, 0, start.parameters, basis);
    expect(refused(job(1, next, { ...transcript, results: [updates[0], updates[1], updates[2], outsider] }))).toMatch(/site-x, not a training site/);
    // An update of another round passed off as round 0's.
    const stale = await signedUpdate('site-c', 2, 3, start.parameters, basis);
    expect(refused(job(1, next, { ...transcript, results: [updates[0], updates[1], stale] }))).toMatch(/not its answer to job/);
    // No transcript, or a round this site did not verify.
    expect(refused(job(1, next))).toMatch(/carries no transcript of round 0/);
    expect(refused(job(1, next, transcript), null)).toMatch(/has not verified round 0/);
  });

  it('binds each relayed update to the state it was computed at: an update site-b computed under other settings, at other parameters or with no basis is refused', async () => {
    const start = method.initialState();
    const previous = (checkTrajectory(job(0, start.parameters), protocol, ca.certPem, undefined) as { state: VerifiedState }).state;
    // The basis is the SHA-256 of the state's canonical JSON without the per-site cohort name: two
    // sites whose round 0 jobs name their cohorts differently verify one basis.
    const shared = { stream: 'training', round: 0, parameters: start.parameters, server: start.server ?? null, pinned: { features, model: protocol.model, harmonizationHash: null } };
    expect(trainingBasis(previous)).toBe(canonicalHash(shared));
    expect(trainingBasis({ ...previous, pinned: { ...previous.pinned!, cohort: 'cohort-of-site-b' } })).toBe(trainingBasis(previous));
    const mine = trainingBasis(previous);
    const results = await Promise.all(['site-a', 'site-b', 'site-c'].map(async (siteId, k) => ({ siteId, update: (await trainingSiteStep({ kind: 'train-round', round: 0, strategy: 'exact-newton', model: protocol.model, features, globalParameters: start.parameters }, rowsOf(k))) as never })));
    const next = method.aggregate(start, results, []).state.parameters;
    const honest = await Promise.all(['site-a', 'site-b', 'site-c'].map((s, k) => signedUpdate(s, k, 0, start.parameters, mine)));
    const withB = (b: Awaited<ReturnType<typeof signedUpdate>>) => checkTrajectory(job(1, next, { round: 0, results: [honest[0], b, honest[2]], failures: [] }), protocol, ca.certPem, previous);
    expect(withB(honest[1])).toMatchObject({ ok: true, state: { round: 1 } });
    // The coordinator showed site-b round 0 with the features permuted, with another λ, or at parameters of its choosing:
    // its own checks pass each, and its update's signature, job id and round are those of the honest one.
    const elsewhere = [
      trainingBasis({ ...previous, pinned: { ...previous.pinned!, features: [...features].reverse() } }),
      trainingBasis({ ...previous, pinned: { ...previous.pinned!, model: { ...protocol.model, lambda: 0.5 } } }),
      trainingBasis({ ...previous, parameters: start.parameters.map((t) => ({ ...t, data: t.data.map((v, i) => (i === 1 ? v + 3 : v)) })) }),
    ];
    for (const other of new Set(elsewhere)) {
      expect(withB(await signedUpdate('site-b', 1, 0, start.parameters, other))).toEqual({
        ok: false, problem: `site-b's answer to round 0 was computed at basis ${other}, not at the state this site verified for it (basis ${mine}); it answered another job than this site's`,
      });
    }
    expect(new Set(elsewhere).size).toBe(3);
    expect(withB(await signedUpdate('site-b', 1, 0, start.parameters, undefined))).toMatchObject({ ok: false, problem: expect.stringMatching(/site-b's answer to round 0 was computed at no basis/) });
  });

  it('checks nothing when the protocol does not share site updates', () => {
    const plain = { ...protocol, training: { ...protocol.training, shareSiteUpdates: false } };
    expect(checkTrajectory(job(4, [{ name: 'coef', shape: [3], data: [9, 9, 9] }]), plain, ca.certPem, undefined)).toEqual({ ok: true });
  });
});
