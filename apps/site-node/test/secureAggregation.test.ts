import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flatten, SecureAggregationSite, unmaskSecureSum, type EncryptedShares, type KeyAdvertisement, type SecAggContext, type UnmaskingShares } from '@fedrad/federation';
import { secureSummand, trainingSiteStep } from '@fedrad/methods';
import { createCampaignCa } from '@fedrad/pki';
import { canonicalHash, canonicalJson, unpackTensor, type CampaignProtocol, type PackedTensor } from '@fedrad/protocol';
import { loadSiteConfig } from '../src/siteConfig.js';
import { SiteDaemon } from '../src/siteDaemon.js';
import { SiteStore } from '../src/siteStore.js';
import { FakeCoordinator, type Frame } from './fakeCoordinator.js';
import { certificateIssuer, generateCohorts, readCsv, repoRoot, siteYaml, writeSiteKeys } from './helpers.js';

// Issue #16: secure aggregation at a real site daemon over real mTLS, driven by a scripted
// coordinator that also plays three peer sites (site-b, -c, -d) with federation's own
// SecureAggregationSite. The honest round must give the coordinator the exact sum of the four
// updates (checked against the plain sum computed here) and never site-a's update; each way a
// coordinator could unmask site-a alone is tried and must be refused by the site.
let dir: string;
let coordinator: FakeCoordinator;
let daemon: SiteDaemon;
let features: string[];
let rows: { featureNames: string[]; x: Float64Array; label: Float64Array };
let patientIds: string[];
let issue: ReturnType<typeof certificateIssuer>;
let peers: Record<string, { keyPem: string; certPem: string }>;
let coordinatorKeys: { keyPem: string; certPem: string };
let protocol: CampaignProtocol;
let hash: string;
let nonce = 0;
const THRESHOLD = 3; // 4 sites, dropout 0.3: 4 − floor(1.2)
const SCALE = 2 ** 24;

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
  protocol = {
    ...base, campaignId: 'secure-site', features, trainingSites: ['site-a', 'site-b', 'site-c', 'site-d'], testSites: [], minCohortSize: 5,
    training: { strategy: 'exact-newton', rounds: 10, secureAggregation: true, secureAggregationDropout: 0.3 },
  };
  hash = canonicalHash(protocol);
  const ca = createCampaignCa({ campaignId: 'secure-site', validityDays: 30 });
  issue = certificateIssuer(ca);
  coordinatorKeys = issue('coordinator', ['127.0.0.1', 'localhost']);
  peers = { 'site-b': issue('site-b'), 'site-c': issue('site-c'), 'site-d': issue('site-d') };
  writeSiteKeys(dir, issue('site-a'), ca.certPem);
  coordinator = new FakeCoordinator({ certPem: coordinatorKeys.certPem, keyPem: coordinatorKeys.keyPem, caPem: ca.certPem });
  const port = await coordinator.listen();
  coordinator.onHello = () => coordinator.send({
    type: 'coordinator-welcome', siteId: 'site-a', coordinatorVersion: '0.1.0', heartbeatSeconds: 0.5, sentAt: new Date().toISOString(),
    campaigns: [{ campaignId: protocol.campaignId, protocolHash: hash, role: 'training', state: 'training', protocol }],
  });
  writeFileSync(join(dir, 'site.yaml'), siteYaml(port, [{ name: 'all', features: site.featuresCsv, outcome: site.outcomeCsv }]));
  const config = loadSiteConfig(join(dir, 'site.yaml'));
  const store = new SiteStore(config.database);
  store.approve(hash, 'site-a operator');
  store.close();
  daemon = new SiteDaemon(config, { log: () => {} });
  daemon.start();
  await coordinator.waitFor((fr) => fr.type === 'site-hello');
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  await coordinator.close();
  rmSync(dir, { recursive: true, force: true });
});

function job(round: number, kind: 'secure-aggregation' | 'train-round', jobId: string, params: Record<string, unknown>, attempt = 1) {
  return {
    type: 'job', jobId, campaignId: protocol.campaignId, protocolHash: hash, siteId: 'site-a', kind, attempt, round,
    deadline: new Date(Date.now() + 60000).toISOString(), nonce: (++nonce).toString(16).padStart(64, '0'), params,
  };
}
const stage = (round: number, name: 'keys' | 'shares' | 'unmask', extra: Record<string, unknown> = {}, attempt = 1) =>
  job(round, 'secure-aggregation', `secure-site/r${round}/${name}/site-a`, { kind: 'secure-aggregation', round, stage: name, threshold: THRESHOLD, scale: SCALE, ...extra }, attempt);
const zeros = () => [{ name: 'coef', shape: [features.length + 1], data: new Array(features.length + 1).fill(0) }];
const trainJob = (round: number, masking: Record<string, unknown>) => job(round, 'train-round', `secure-site/r${round}/site-a`, {
  kind: 'train-round', round, strategy: 'exact-newton', model: protocol.model, features, globalParameters: zeros(), secureAggregation: masking,
});
const refusal = (frame: Frame) => frame.result as { type: string; code: string; message: string };

/** What a site signed, as the coordinator relays it: the job-result without its signature, and the signature. */
function relayed(frame: Frame, certPem: string) {
  const { signature, ...unsigned } = frame as Frame & { signature: { value: string } };
  return { signed: canonicalJson(unsigned), signature: signature.value, certificatePem: certPem };
}

/** A peer site's signed answer to its keys job. */
function peerKeys(siteId: string, round: number, advertisement: KeyAdvertisement) {
  const unsigned = {
    type: 'job-result', jobId: `secure-site/r${round}/keys/${siteId}`, campaignId: protocol.campaignId, siteId, protocolHash: hash, kind: 'secure-aggregation',
    attempt: 1, nonce: 'ee'.repeat(32), completedAt: new Date().toISOString(), round, result: { kind: 'secure-aggregation', round, stage: 'keys', advertisement },
  };
  const signed = canonicalJson(unsigned);
  return { signed, signature: sign('sha256', Buffer.from(signed), peers[siteId].keyPem).toString('base64'), certificatePem: peers[siteId].certPem };
}

/** Rounds' keys and shares: site-a (the daemon) and the three peers, up to the masked stage. */
async function exchange(round: number) {
  const context: SecAggContext = { campaignId: protocol.campaignId, round, threshold: THRESHOLD, scale: SCALE };
  const others = Object.keys(peers).map((s) => new SecureAggregationSite(s, context));
  const keys = await coordinator.ask(stage(round, 'keys'));
  const own = (keys.result as { advertisement: KeyAdvertisement }).advertisement;
  const advertisements = [relayed(keys, readFileSync(join(dir, 'keys/site.cert.pem'), 'utf8')), ...others.map((p) => peerKeys(p.siteId, round, p.advertiseKeys()))];
  const roster = [own, ...others.map((p) => p.advertiseKeys())];
  const shares = await coordinator.ask(stage(round, 'shares', { advertisements }));
  const fromA = (shares.result as { shares: EncryptedShares[] }).shares;
  const peerShares = others.flatMap((p) => p.shareKeys(roster));
  for (const p of others) p.receiveShares([...fromA, ...peerShares].filter((m) => m.to === p.siteId));
  return { others, roster, inbound: peerShares.filter((m) => m.to === 'site-a'), fromA, advertisements };
}

/** Nothing the site sent names a patient. */
function noPatientIdLeft(): void {
  const sent = JSON.stringify(coordinator.frames);
  for (const id of patientIds) expect(sent).not.toContain(id);
}

describe('secure aggregation at a real site daemon', () => {
  it('an honest round: the masked update hides site-a, and the unmasked sum of the four sites is exact', async () => {
    const { others, roster, inbound } = await exchange(0);
    const masked = await coordinator.ask(trainJob(0, { peers: ['site-a', ...Object.keys(peers)], scale: SCALE, threshold: THRESHOLD, inbound }));
    const update = masked.result as { masked: boolean; loss?: number; sampleCount: number; tensors: PackedTensor[] };
    expect(update).toMatchObject({ masked: true, sampleCount: 60 });
    expect(update.loss).toBeUndefined();
    const y = flatten(update.tensors.map(unpackTensor));
    // Reference: site-a's plain update, computed here by the site step on its rows.
    const plain = await trainingSiteStep(trainJob(0, {}).params as never, rows);
    const x = secureSummand('exact-newton', plain);
    expect(y.every((v, i) => Number.isInteger(v) && v >= 0 && v < 2 ** 48 && v !== Math.round(x[i] * SCALE))).toBe(true);
    // The peers' updates: arbitrary vectors of the same length.
    const values = Object.fromEntries(others.map((p, k) => [p.siteId, Float64Array.from(x, (_, i) => (k + 1) * 0.25 - i * 0.01)]));
    const inputs = new Map<string, ArrayLike<number>>([['site-a', y], ...others.map((p) => [p.siteId, p.maskedInput(values[p.siteId])] as const)]);
    const survivors = [...inputs.keys()].sort();
    const unmask = await coordinator.ask(stage(0, 'unmask', { survivors }));
    const responses: UnmaskingShares[] = [{ from: 'site-a', ...(unmask.result as Omit<UnmaskingShares, 'from'>) }, ...others.slice(0, 2).map((p) => p.unmask(survivors))];
    const sum = unmaskSecureSum({ context: { campaignId: protocol.campaignId, round: 0, threshold: THRESHOLD, scale: SCALE }, advertisements: roster, exchanged: survivors, masked: inputs, responses });
    const expected = Float64Array.from(x, (v, i) => v + others.reduce((s, p) => s + values[p.siteId][i], 0));
    sum.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(4 * 2 ** -24));
    // Asked again (a coordinator restart, another survivor list): the stored answer, nothing new.
    const again = await coordinator.ask(stage(0, 'unmask', { survivors: survivors.slice(1) }, 2));
    expect(again.result).toEqual(unmask.result);
    noPatientIdLeft();
  }, 120_000);

  it('refuses to encrypt its shares to keys no training site signed (a coordinator putting its own keys in a peer\'s place)', async () => {
    const context: SecAggContext = { campaignId: protocol.campaignId, round: 1, threshold: THRESHOLD, scale: SCALE };
    const keys = await coordinator.ask(stage(1, 'keys'));
    const own = relayed(keys, readFileSync(join(dir, 'keys/site.cert.pem'), 'utf8'));
    const mine = new SecureAggregationSite('site-b', context).advertiseKeys();
    // Signed by the coordinator's own certificate (CN=coordinator), then with site-b's certificate but the coordinator's key.
    const byCoordinator = { ...peerKeys('site-b', 1, mine), certificatePem: coordinatorKeys.certPem };
    const forged = { ...peerKeys('site-b', 1, mine), signature: sign('sha256', Buffer.from('x'), coordinatorKeys.keyPem).toString('base64') };
    const rest = ['site-c', 'site-d'].map((s) => peerKeys(s, 1, new SecureAggregationSite(s, context).advertiseKeys()));
    const a = await coordinator.ask(stage(1, 'shares', { advertisements: [own, byCoordinator, ...rest] }));
    expect(refusal(a)).toMatchObject({ type: 'error-report', code: 'SECURE_AGGREGATION_REFUSED' });
    expect(refusal(a).message).toMatch(/signed by coordinator, not a training site/);
    // Round 5: site-b's certificate with a signature the coordinator made.
    const keys5 = await coordinator.ask(stage(5, 'keys'));
    const rest5 = ['site-c', 'site-d'].map((s) => peerKeys(s, 5, new SecureAggregationSite(s, { ...context, round: 5 }).advertiseKeys()));
    const b = await coordinator.ask(stage(5, 'shares', { advertisements: [relayed(keys5, own.certificatePem), { ...forged, signed: peerKeys('site-b', 5, mine).signed }, ...rest5] }));
    expect(refusal(b)).toMatchObject({ code: 'SECURE_AGGREGATION_REFUSED' });
    expect(refusal(b).message).toMatch(/signature of site-b's keys does not verify/);
  }, 60_000);

  it('refuses another threshold or scale, unmasking before its masked update, unmasking with itself left out or alone', async () => {
    // Settings other than the protocol's (the schema already bars a threshold below 3; a threshold
    // below the protocol's would let fewer shares rebuild its secrets).
    const other = await coordinator.ask({ ...stage(2, 'keys'), params: { ...stage(2, 'keys').params, threshold: 4, scale: 2 ** 10 } });
    expect(refusal(other)).toMatchObject({ code: 'JOB_OUTSIDE_PROTOCOL' });
    expect(refusal(other).message).toMatch(/threshold 4 and scale 1024 is not the protocol's threshold 3 and scale 16777216/);
    // Round 2: keys and shares, then unmasking asked before any masked update.
    const { inbound } = await exchange(2);
    const early = await coordinator.ask(stage(2, 'unmask', { survivors: ['site-a', 'site-b', 'site-c', 'site-d'] }));
    expect(refusal(early).message).toMatch(/has sent no masked update/);
    // Round 3: a masked update, then the coordinator lists the others as survivors and site-a as
    // dropped (its masking key beside the others' shares of its self-mask would unmask it).
    const r3 = await exchange(3);
    await coordinator.ask(trainJob(3, { peers: ['site-a', ...Object.keys(peers)], scale: SCALE, threshold: THRESHOLD, inbound: r3.inbound }));
    const leftOut = await coordinator.ask(stage(3, 'unmask', { survivors: ['site-b', 'site-c', 'site-d'] }));
    expect(refusal(leftOut)).toMatchObject({ code: 'SECURE_AGGREGATION_REFUSED' });
    expect(refusal(leftOut).message).toMatch(/leave out site-a, which is answering/);
    // Round 4: site-a alone as the only survivor (every other key revealed would unmask it).
    const r4 = await exchange(4);
    await coordinator.ask(trainJob(4, { peers: ['site-a', ...Object.keys(peers)], scale: SCALE, threshold: THRESHOLD, inbound: r4.inbound }));
    const alone = await coordinator.ask(stage(4, 'unmask', { survivors: ['site-a'] }));
    expect(refusal(alone).message).toMatch(/1 site\(s\) are left; secure aggregation needs at least 3/);
    expect(inbound.length).toBe(3);
    noPatientIdLeft();
  }, 120_000);
});
