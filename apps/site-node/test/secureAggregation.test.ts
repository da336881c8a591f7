import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flatten, SecureAggregationSite, unmaskSecureSum, type EncryptedShares, type KeyAdvertisement, type SecAggContext, type UnmaskingShares } from '@fedrad/federation';
import { maskedModelUpdate, secureSummand, trainingMethod, trainingSiteStep } from '@fedrad/methods';
import { createCampaignCa } from '@fedrad/pki';
import { canonicalHash, canonicalJson, packTensor, unpackTensor, updateLayout, type CampaignProtocol, type PackedTensor, type Tensor } from '@fedrad/protocol';
import { loadSiteConfig } from '../src/siteConfig.js';
import { SiteDaemon } from '../src/siteDaemon.js';
import { SiteStore } from '../src/siteStore.js';
import { FakeCoordinator, type Frame } from './fakeCoordinator.js';
import { certificateIssuer, generateCohorts, readCsv, repoRoot, siteYaml, tearDown, writeSiteKeys } from './helpers.js';

// Issue #16: secure aggregation at a real site daemon over real mTLS, driven by a scripted
// coordinator that also plays three peer sites (site-b, -c, -d) with federation's own
// SecureAggregationSite. The honest round must give the coordinator the exact sum of the four
// updates (checked against the plain sum computed here) and never site-a's update; the next round
// must follow from that sum (the trajectory check on masked forms: exact Newton on the plain
// updates, computed here, is the reference); each way a coordinator could unmask site-a alone is
// tried, each in a campaign of its own, and must be refused by the site.
let dir: string;
let coordinator: FakeCoordinator;
let daemon: SiteDaemon;
let features: string[];
let rows: { featureNames: string[]; x: Float64Array; label: Float64Array };
let patientIds: string[];
let peers: Record<string, { keyPem: string; certPem: string }>;
let coordinatorKeys: { keyPem: string; certPem: string };
const CAMPAIGNS = ['secure-site', 'secure-roster-a', 'secure-roster-b', 'secure-early', 'secure-left-out', 'secure-alone', 'secure-pipelined'] as const;
type CampaignId = (typeof CAMPAIGNS)[number];
const protocols = new Map<string, CampaignProtocol>();
const hashes = new Map<string, string>();
let nonce = 0;
const THRESHOLD = 3; // 4 sites, dropout 0.3: 4 − floor(1.2)
const SCALE = 2 ** 24;
let siteCertPem: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'secure-site-'));
  const summary = generateCohorts(join(dir, 'data'), 'site-a=60', 3, 5);
  features = summary.features;
  const site = summary.sites[0];
  const f = readCsv(site.featuresCsv);
  const o = readCsv(site.outcomeCsv);
  patientIds = f.rows.map((r) => r[0]);
  rows = { featureNames: features, x: Float64Array.from(f.rows.flatMap((r) => r.slice(1).map(Number))), label: Float64Array.from(o.rows.map((r) => Number(r[1]))) };
  const base = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
  delete base.analysisPlan;
  for (const campaignId of CAMPAIGNS) {
    const protocol: CampaignProtocol = {
      ...base, campaignId, features, model: { family: 'logistic' }, trainingSites: ['site-a', 'site-b', 'site-c', 'site-d'], testSites: [], minCohortSize: 5,
      training: { strategy: 'exact-newton', rounds: 10, secureAggregation: true, secureAggregationDropout: 0.3 },
    };
    protocols.set(campaignId, protocol);
    hashes.set(campaignId, canonicalHash(protocol));
  }
  const ca = createCampaignCa({ campaignId: 'secure-site', validityDays: 30 });
  const issue = certificateIssuer(ca);
  coordinatorKeys = issue('coordinator', ['127.0.0.1', 'localhost']);
  peers = { 'site-b': issue('site-b'), 'site-c': issue('site-c'), 'site-d': issue('site-d') };
  const siteA = issue('site-a');
  siteCertPem = siteA.certPem;
  writeSiteKeys(dir, siteA, ca.certPem);
  coordinator = new FakeCoordinator({ certPem: coordinatorKeys.certPem, keyPem: coordinatorKeys.keyPem, caPem: ca.certPem });
  const port = await coordinator.listen();
  coordinator.onHello = () => coordinator.send({
    type: 'coordinator-welcome', siteId: 'site-a', coordinatorVersion: '0.1.0', heartbeatSeconds: 0.5, sentAt: new Date().toISOString(),
    campaigns: CAMPAIGNS.map((c) => ({ campaignId: c, protocolHash: hashes.get(c)!, role: 'training', state: 'training', protocol: protocols.get(c)! })),
  });
  writeFileSync(join(dir, 'site.yaml'), siteYaml(port, [{ name: 'all', features: site.featuresCsv, outcome: site.outcomeCsv }]));
  const config = loadSiteConfig(join(dir, 'site.yaml'));
  const store = new SiteStore(config.database);
  for (const c of CAMPAIGNS) store.approve(hashes.get(c)!, 'site-a operator');
  store.close();
  daemon = new SiteDaemon(config, { log: () => {} });
  daemon.start();
  await coordinator.waitFor((fr) => fr.type === 'site-hello');
}, 120_000);

afterAll(() => tearDown(daemon, coordinator, dir));

type Job = Parameters<FakeCoordinator['ask']>[0] & { params: Record<string, unknown> };
function job(c: CampaignId, round: number, kind: 'secure-aggregation' | 'train-round', jobId: string, params: Record<string, unknown>, attempt = 1): Job {
  return {
    type: 'job', jobId, campaignId: c, protocolHash: hashes.get(c)!, siteId: 'site-a', kind, attempt, round,
    deadline: new Date(Date.now() + 60000).toISOString(), nonce: (++nonce).toString(16).padStart(64, '0'), params,
  } as Job;
}
const stage = (c: CampaignId, round: number, name: 'keys' | 'shares' | 'unmask', extra: Record<string, unknown> = {}, attempt = 1) =>
  job(c, round, 'secure-aggregation', `${c}/r${round}/${name}/site-a`, { kind: 'secure-aggregation', round, stage: name, threshold: THRESHOLD, scale: SCALE, ...extra }, attempt);
const zeros = () => [{ name: 'coef', shape: [features.length + 1], data: new Array(features.length + 1).fill(0) }];
const trainParams = (c: CampaignId, round: number, coef: Tensor[]) => ({ kind: 'train-round', round, strategy: 'exact-newton', model: protocols.get(c)!.model, features, globalParameters: coef });
const trainJob = (c: CampaignId, round: number, masking: Record<string, unknown>, coef = zeros()) => job(c, round, 'train-round', `${c}/r${round}/site-a`, { ...trainParams(c, round, coef), secureAggregation: masking });
const refusal = (frame: Frame) => frame.result as { type: string; code: string; message: string };

/** What a site signed, as the coordinator relays it: the job-result without its signature, and the signature. */
function relayed(frame: Frame, certPem: string) {
  const { signature, ...unsigned } = frame as Frame & { signature: { value: string } };
  return { signed: canonicalJson(unsigned), signature: signature.value, certificatePem: certPem };
}

/** A peer site's signed answer to one of its jobs, relayed. */
function peerAnswer(c: CampaignId, siteId: string, round: number, jobId: string, kind: string, result: object) {
  const unsigned = {
    type: 'job-result', jobId, campaignId: c, siteId, protocolHash: hashes.get(c)!, kind,
    attempt: 1, nonce: 'ee'.repeat(32), completedAt: new Date().toISOString(), round, result,
  };
  const signed = canonicalJson(unsigned);
  return { signed, signature: sign('sha256', Buffer.from(signed), peers[siteId].keyPem).toString('base64'), certificatePem: peers[siteId].certPem };
}
const peerKeys = (c: CampaignId, siteId: string, round: number, advertisement: KeyAdvertisement) =>
  peerAnswer(c, siteId, round, `${c}/r${round}/keys/${siteId}`, 'secure-aggregation', { kind: 'secure-aggregation', round, stage: 'keys', advertisement });

/** A round's keys and shares between site-a (the daemon) and the three peers, up to the masked stage. */
async function exchange(c: CampaignId, round: number, extra: Record<string, unknown> = {}) {
  const context: SecAggContext = { campaignId: c, round, threshold: THRESHOLD, scale: SCALE };
  const others = Object.keys(peers).map((s) => new SecureAggregationSite(s, context));
  const keys = await coordinator.ask(stage(c, round, 'keys', extra));
  const own = (keys.result as { advertisement: KeyAdvertisement }).advertisement;
  const advertisements = [relayed(keys, siteCertPem), ...others.map((p) => peerKeys(c, p.siteId, round, p.advertiseKeys()))];
  const roster = [own, ...others.map((p) => p.advertiseKeys())];
  const shares = await coordinator.ask(stage(c, round, 'shares', { advertisements }));
  const fromA = (shares.result as { shares: EncryptedShares[] }).shares;
  const peerShares = others.flatMap((p) => p.shareKeys(roster));
  for (const p of others) p.receiveShares([...fromA, ...peerShares].filter((m) => m.to === p.siteId));
  return { keys, others, roster, inbound: peerShares.filter((m) => m.to === 'site-a'), advertisements };
}

/** Nothing the site sent names a patient. */
function noPatientIdLeft(): void {
  const sent = JSON.stringify(coordinator.frames);
  for (const id of patientIds) expect(sent).not.toContain(id);
}

describe('secure aggregation at a real site daemon', () => {
  it('an honest round hides site-a and unmasks the exact sum of four sites; the next round must follow from that sum', async () => {
    const c = 'secure-site';
    const { others, roster, inbound, advertisements } = await exchange(c, 0);
    const masked = await coordinator.ask(trainJob(c, 0, { peers: ['site-a', ...Object.keys(peers)], scale: SCALE, threshold: THRESHOLD, inbound }));
    const update = masked.result as { masked: boolean; loss?: number; sampleCount?: number; eventCount?: number; tensors: PackedTensor[] };
    // Attacker (the coordinator holding site-a's masked message): no clear field says anything of
    // site-a's cohort. Its only fields are the ones the protocol fixes for every site (kind, round,
    // contents, masked, and the tensor names and shapes of the job's layout, the counts included);
    // no sample count, event count or loss. Its nextRound is a fresh public key and one ciphertext per peer.
    expect(Object.keys(update).sort()).toEqual(['contents', 'kind', 'masked', 'nextRound', 'round', 'tensors']);
    const nextRound = (update as unknown as { nextRound: { maskingKey: string; shares: EncryptedShares[] } }).nextRound;
    expect(Object.keys(nextRound).sort()).toEqual(['maskingKey', 'shares']);
    expect(nextRound.shares.map((m) => [m.from, m.to])).toEqual(Object.keys(peers).map((p) => ['site-a', p]));
    expect(update).toMatchObject({ kind: 'train-round', round: 0, contents: 'gradient-hessian', masked: true });
    const layout = updateLayout({ ...trainParams(c, 0, zeros()), secureAggregation: { peers: [], scale: SCALE, threshold: THRESHOLD } } as never);
    expect(update.tensors.map((t) => [t.name, t.shape])).toEqual(Object.entries(layout));
    const y = flatten(update.tensors.map(unpackTensor));
    // Reference: site-a's plain update, computed here by the site step on its rows; each peer
    // sends the same sums (a cohort like site-a's), so the plain total is 4 × site-a's.
    const plain = await trainingSiteStep(trainParams(c, 0, zeros()) as never, rows);
    const x = secureSummand('exact-newton', plain);
    // The summand ends with site-a's counts (60 patients, its events); masked, they are ring elements like the rest.
    expect(Array.from(x.subarray(x.length - 2))).toEqual([60, plain.eventCount]);
    expect(y.every((v, i) => Number.isInteger(v) && v >= 0 && v < 2 ** 48 && v !== Math.round(x[i] * SCALE))).toBe(true);
    const inputs = new Map<string, ArrayLike<number>>([['site-a', y], ...others.map((p) => [p.siteId, p.maskedInput(x)] as const)]);
    const survivors = [...inputs.keys()].sort();
    const unmask = await coordinator.ask(stage(c, 0, 'unmask', { survivors }));
    const peerUnmask = others.map((p) => p.unmask(survivors));
    const responses: UnmaskingShares[] = [{ from: 'site-a', ...(unmask.result as Omit<UnmaskingShares, 'from'>) }, ...peerUnmask];
    const sum = unmaskSecureSum({ context: { campaignId: c, round: 0, threshold: THRESHOLD, scale: SCALE }, advertisements: roster, exchanged: survivors, masked: inputs, responses: responses.slice(0, THRESHOLD) });
    sum.forEach((v, i) => expect(Math.abs(v - 4 * x[i])).toBeLessThan(4 * 2 ** -24));
    // The coordinator learns the counts' sum over the four sites, and only that.
    expect(Array.from(sum.subarray(sum.length - 2)).map(Math.round)).toEqual([240, 4 * plain.eventCount!]);
    // Asked again (a coordinator restart, another survivor list): the stored answer, nothing new.
    const again = await coordinator.ask(stage(c, 0, 'unmask', { survivors: survivors.slice(1) }, 2));
    expect(again.result).toEqual(unmask.result);

    // Round 1's keys job carries round 0 as signed; the site rebuilds the sum and the Newton step.
    const packed = (data: ArrayLike<number>) => (maskedModelUpdate(plain, Float64Array.from(data)).tensors as Tensor[]).map(packTensor);
    const maskedOf = (p: SecureAggregationSite) => peerAnswer(c, p.siteId, 0, `${c}/r0/${p.siteId}`, 'train-round', { kind: 'train-round', round: 0, contents: 'gradient-hessian', tensors: packed(inputs.get(p.siteId)!), masked: true });
    const unmaskOf = (p: SecureAggregationSite, r: UnmaskingShares) => peerAnswer(c, p.siteId, 0, `${c}/r0/unmask/${p.siteId}`, 'secure-aggregation', { kind: 'secure-aggregation', round: 0, stage: 'unmask', selfMask: r.selfMask, maskingKey: r.maskingKey });
    const transcript = {
      round: 0, advertisements, exchanged: survivors, failures: [],
      masked: [relayed(masked, siteCertPem), ...others.map(maskedOf)],
      unmasking: [relayed(unmask, siteCertPem), ...others.map((p, i) => unmaskOf(p, peerUnmask[i]))],
    };
    // The reference step: exact Newton on the four plain updates (the sum in clear), computed here.
    const method = trainingMethod(protocols.get(c)!);
    const plainResults = ['site-a', ...Object.keys(peers)].map((siteId) => ({ siteId, update: plain as never }));
    const next = method.aggregate(method.initialState(), plainResults, []).state.parameters as Tensor[];
    // A forged transcript (one masked update altered) is refused, and nothing is recorded for round 1.
    const forged = { ...transcript, masked: [transcript.masked[0], { ...transcript.masked[1], signed: transcript.masked[1].signed.replace('"round":0', '"round":1') }, ...transcript.masked.slice(2)] };
    const bad = await coordinator.ask(stage(c, 1, 'keys', { transcript: forged }));
    expect(refusal(bad)).toMatchObject({ code: 'TRAJECTORY_MISMATCH' });
    expect(refusal(bad).message).toMatch(/signature of site-b's masked update does not verify/);
    const { inbound: inbound1 } = await exchange(c, 1, { transcript });
    // Crafted coefficients for round 1 are refused before anything is computed.
    const crafted = next.map((t) => ({ ...t, data: t.data.map((v, j) => (j === 1 ? v + 0.5 : v)) }));
    const refused = await coordinator.ask(trainJob(c, 1, { peers: ['site-a', ...Object.keys(peers)], scale: SCALE, threshold: THRESHOLD, inbound: inbound1 }, crafted));
    expect(refusal(refused)).toMatchObject({ code: 'TRAJECTORY_MISMATCH' });
    expect(refusal(refused).message).toMatch(/do not follow from round 0's unmasked sum/);
    // The step the site verified equals the reference to the ring's precision: each summed value errs
    // by at most 4 × 2^-25, which the Newton step's inverse Hessian scales by up to about ten here.
    const verified = JSON.parse(daemon.store.verifiedState(c, 1)!) as { parameters: Tensor[] };
    verified.parameters[0].data.forEach((v, j) => expect(Math.abs(v - next[0].data[j])).toBeLessThan(1e-5));
    const honest = await coordinator.ask(trainJob(c, 1, { peers: ['site-a', ...Object.keys(peers)], scale: SCALE, threshold: THRESHOLD, inbound: inbound1 }, verified.parameters));
    expect(honest.result).toMatchObject({ masked: true, round: 1 });
    noPatientIdLeft();
  }, 120_000);

  it('a pipelined round (its keys and shares sent with round 0): the site checks round 1 from round 0\'s masked forms, masks with the keys they carried, and the sum is exact; it refuses altered shares and a second key setup', async () => {
    const c = 'secure-pipelined';
    const all = ['site-a', ...Object.keys(peers)];
    const { others, roster, inbound, advertisements } = await exchange(c, 0);
    const masked0 = await coordinator.ask(trainJob(c, 0, { peers: all, scale: SCALE, threshold: THRESHOLD, inbound }));
    const fromA = (masked0.result as { nextRound: { maskingKey: string; shares: EncryptedShares[] } }).nextRound;
    const plain0 = await trainingSiteStep(trainParams(c, 0, zeros()) as never, rows);
    const x0 = secureSummand('exact-newton', plain0);
    const inputs0 = new Map(others.map((p) => [p.siteId, p.maskedInput(x0)] as const));
    const prepared = others.map((p) => p.prepareNextRound());
    const toA = prepared.flatMap((p) => p.shares.filter((m) => m.to === 'site-a'));
    // Round 0's unmask job relays the others' round-1 shares.
    const unmask0 = await coordinator.ask(stage(c, 0, 'unmask', { survivors: all, inbound: toA }));
    const peerUnmask0 = others.map((p) => p.unmask(all));
    prepared.forEach((p, i) => p.next.receiveShares([...fromA.shares, ...prepared.filter((_, k) => k !== i).flatMap((q) => q.shares)].filter((m) => m.to === others[i].siteId)));
    // Round 1's train-round job carries round 0's signed masked forms: each masked update carries its site's round-1 key.
    const packed = (data: ArrayLike<number>) => (maskedModelUpdate(plain0, Float64Array.from(data)).tensors as Tensor[]).map(packTensor);
    const transcript = {
      round: 0, advertisements, exchanged: all, failures: [],
      masked: [relayed(masked0, siteCertPem), ...others.map((p, i) => peerAnswer(c, p.siteId, 0, `${c}/r0/${p.siteId}`, 'train-round', { kind: 'train-round', round: 0, contents: 'gradient-hessian', tensors: packed(inputs0.get(p.siteId)!), masked: true, nextRound: { maskingKey: prepared[i].maskingKey, shares: prepared[i].shares } }))],
      unmasking: [relayed(unmask0, siteCertPem), ...others.map((p, i) => peerAnswer(c, p.siteId, 0, `${c}/r0/unmask/${p.siteId}`, 'secure-aggregation', { kind: 'secure-aggregation', round: 0, stage: 'unmask', selfMask: peerUnmask0[i].selfMask, maskingKey: peerUnmask0[i].maskingKey }))],
    };
    const method = trainingMethod(protocols.get(c)!);
    const next = method.aggregate(method.initialState(), all.map((siteId) => ({ siteId, update: plain0 as never })), []).state.parameters as Tensor[];
    const masking = { peers: all, scale: SCALE, threshold: THRESHOLD, transcript };
    const crafted = next.map((t) => ({ ...t, data: t.data.map((v, j) => (j === 1 ? v + 0.5 : v)) }));
    const refused = await coordinator.ask(trainJob(c, 1, masking, crafted));
    expect(refusal(refused)).toMatchObject({ code: 'TRAJECTORY_MISMATCH' });
    expect(refusal(refused).message).toMatch(/do not follow from round 0's unmasked sum/);
    const verified = JSON.parse(daemon.store.verifiedState(c, 1)!) as { parameters: Tensor[] };
    verified.parameters[0].data.forEach((v, j) => expect(Math.abs(v - next[0].data[j])).toBeLessThan(1e-5));
    const masked1 = await coordinator.ask(trainJob(c, 1, masking, verified.parameters));
    const update1 = masked1.result as { masked: boolean; round: number; tensors: PackedTensor[] };
    expect(update1).toMatchObject({ masked: true, round: 1 });
    // A key setup for round 1 after the site masked it with the keys it sent in round 0 is refused.
    const rekey = await coordinator.ask(stage(c, 1, 'keys', { transcript }));
    expect(refusal(rekey)).toMatchObject({ code: 'SECURE_AGGREGATION_REFUSED' });
    expect(refusal(rekey).message).toMatch(/already masked its round 1 update with the keys it sent in round 0/);
    // The coordinator's sum of round 1: the peers mask with the same roster; t answers unmask it.
    const roster1 = [{ siteId: 'site-a', maskingKey: fromA.maskingKey }, ...others.map((p, i) => ({ siteId: p.siteId, maskingKey: prepared[i].maskingKey }))];
    const peers1 = prepared.map((p) => p.next);
    for (const p of peers1) p.adoptRoster(roster1);
    const plain1 = await trainingSiteStep(trainParams(c, 1, verified.parameters) as never, rows);
    const x1 = secureSummand('exact-newton', plain1);
    const inputs1 = new Map<string, ArrayLike<number>>([['site-a', flatten(update1.tensors.map(unpackTensor))], ...peers1.map((p) => [p.siteId, p.maskedInput(x1)] as const)]);
    const responses: UnmaskingShares[] = peers1.map((p) => p.unmask(all));
    const sum = unmaskSecureSum({ context: { campaignId: c, round: 1, threshold: THRESHOLD, scale: SCALE }, advertisements: roster1, exchanged: all, masked: inputs1, responses });
    sum.forEach((v, i) => expect(Math.abs(v - 4 * x1[i])).toBeLessThan(4 * 2 ** -24));
    // Round 1's unmask job relays the others' round-2 shares; one altered in transit is refused, with nothing revealed.
    const toA2 = peers1.flatMap((p) => p.prepareNextRound().shares.filter((m) => m.to === 'site-a'));
    const altered = toA2.map((m, i) => (i === 0 ? { ...m, ciphertext: Buffer.from(Buffer.from(m.ciphertext, 'base64').map((b, j) => (j === 0 ? b ^ 1 : b))).toString('base64') } : m));
    const bad = await coordinator.ask(stage(c, 1, 'unmask', { survivors: all, inbound: altered }));
    expect(refusal(bad)).toMatchObject({ code: 'SECURE_AGGREGATION_REFUSED' });
    expect(refusal(bad).message).toMatch(/Shares from site-b do not decrypt/);
    expect(roster.find((a) => a.siteId === 'site-a')!.maskingKey).not.toBe(fromA.maskingKey);
    noPatientIdLeft();
  }, 120_000);

  it('refuses to encrypt its shares to keys no training site signed (a coordinator putting its own keys in a peer\'s place)', async () => {
    for (const [c, how] of [['secure-roster-a', 'own certificate'], ['secure-roster-b', 'forged signature']] as const) {
      const context: SecAggContext = { campaignId: c, round: 0, threshold: THRESHOLD, scale: SCALE };
      const keys = await coordinator.ask(stage(c, 0, 'keys'));
      const mine = new SecureAggregationSite('site-b', context).advertiseKeys();
      const b = peerKeys(c, 'site-b', 0, mine);
      // The coordinator's own certificate (CN=coordinator), or site-b's certificate with a signature the coordinator made.
      const substitute = how === 'own certificate' ? { ...b, certificatePem: coordinatorKeys.certPem } : { ...b, signature: sign('sha256', Buffer.from(b.signed), coordinatorKeys.keyPem).toString('base64') };
      const rest = ['site-c', 'site-d'].map((s) => peerKeys(c, s, 0, new SecureAggregationSite(s, context).advertiseKeys()));
      const answer = await coordinator.ask(stage(c, 0, 'shares', { advertisements: [relayed(keys, siteCertPem), substitute, ...rest] }));
      expect(refusal(answer)).toMatchObject({ type: 'error-report', code: 'SECURE_AGGREGATION_REFUSED' });
      expect(refusal(answer).message).toMatch(how === 'own certificate' ? /signed by coordinator, not a training site/ : /signature of site-b's keys does not verify/);
    }
  }, 60_000);

  it('refuses another threshold or scale, unmasking before its masked update, unmasking with itself left out or alone', async () => {
    // Settings other than the protocol's (the schema already bars a threshold below 3; a threshold
    // below the protocol's would let fewer shares rebuild its secrets).
    const other = await coordinator.ask({ ...stage('secure-early', 0, 'keys'), params: { ...stage('secure-early', 0, 'keys').params, threshold: 4, scale: 2 ** 10 } } as Job);
    expect(refusal(other)).toMatchObject({ code: 'JOB_OUTSIDE_PROTOCOL' });
    expect(refusal(other).message).toMatch(/threshold 4 and scale 1024 is not the protocol's threshold 3 and scale 16777216/);
    const all = ['site-a', ...Object.keys(peers)];
    await exchange('secure-early', 0);
    const early = await coordinator.ask(stage('secure-early', 0, 'unmask', { survivors: all }));
    expect(refusal(early).message).toMatch(/has sent no masked update/);
    // The others as survivors and site-a as dropped: its masking key beside the others' shares of its self-mask would unmask it.
    const r = await exchange('secure-left-out', 0);
    await coordinator.ask(trainJob('secure-left-out', 0, { peers: all, scale: SCALE, threshold: THRESHOLD, inbound: r.inbound }));
    const leftOut = await coordinator.ask(stage('secure-left-out', 0, 'unmask', { survivors: ['site-b', 'site-c', 'site-d'] }));
    expect(refusal(leftOut)).toMatchObject({ code: 'SECURE_AGGREGATION_REFUSED' });
    expect(refusal(leftOut).message).toMatch(/leave out site-a, which is answering/);
    // site-a as the only survivor: every other site's masking key revealed would unmask it.
    const s = await exchange('secure-alone', 0);
    await coordinator.ask(trainJob('secure-alone', 0, { peers: all, scale: SCALE, threshold: THRESHOLD, inbound: s.inbound }));
    const alone = await coordinator.ask(stage('secure-alone', 0, 'unmask', { survivors: ['site-a'] }));
    expect(refusal(alone).message).toMatch(/1 site\(s\) are left; secure aggregation needs at least 3/);
    noPatientIdLeft();
  }, 120_000);
});
