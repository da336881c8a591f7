// A secure-aggregation round through the coordinator's round runner at 100 sites × 1,000
// parameters (FedAvg, logistic model of 999 features), against the plain round of the same
// protocol in the same process. Prints one line of JSON (it does not write BENCHMARKS.md).
// Run after `npm run build -w @fedrad/coordinator`.
//
// What is measured: the coordinator's CPU for one whole round, in process, no sockets — for the
// plain round, the per-result path of its N updates (parse, validation, canonical JSON, RSA
// verify, checks, SQLite commit with audit row) and the round close; for the secure round, round 1
// is pipelined (round 0 set up the keys): the same path for its two stages (N masked updates, each
// with its next-round key and N − 1 encrypted shares, and N unmasking answers), the relaying (each
// site's unmask params with the next round's shares addressed to it; the train-round params, one
// object for all sites, with round 0's signed masked forms — the trajectory check on masked forms),
// unmaskSum and the close. No site drops out (a dropout makes the next round a four-stage key setup,
// as round 0 is; round 0's CPU is printed too, warm-up included, as round0CpuMs). Excluded, as in roundOverhead.mjs: site compute and signing
// (done before the timer; the sites here run @fedrad/federation's SecureAggregationSite), TLS,
// sockets. Usage: node bench/secureRound.mjs [sites]  (default 100).
//
// Measured once on 2026-12-07 (2 shared cores, load average above 20, CPU time of the process):
// plain 112.7 ms, secure 1,396.7 ms (12.4×); a second run under a profiler: 54.5 ms vs 1,471.8 ms.
// Where it goes: per round 2·n·(n − 1) relayed share and unmasking entries (validated, canonical
// JSON, hashed, stored), n distinct masked-stage params (each with the round's parameters and the
// shares addressed to that site), and the transcript each site downloads (n masked updates, n
// unmasking answers). SecAgg+ (Bell et al. 2020: each site shares with O(log n) neighbours) would
// make the first two O(n log n); not done here.
// After the cheap wins (stage queries by id range, params cache by bytes, per-site params from shared
// fields), 3 runs on 2026-12-07: median 5.75× (648 ms vs 113 ms); pipelined rounds and json_extract reads,
// 8 runs the same day: median 2.56× (BENCHMARKS.md, secure aggregation, third pass).
import { sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliverFrames } from './deliverFrames.mjs';

const SITES = Number(process.argv[2] ?? 100);
const PARAMS = 1000;
const ROUNDS = 2; // round 0 warms up; round 1 is reported
const BATCH = 100;

const { openStore, createCampaign, startCampaign, acceptResults } = await import('../dist/index.js');
const { admitSite } = await import('../dist/core/sites.js');
const { canonicalJson, packTensor } = await import('@fedrad/protocol');
const { encodeOutgoing } = await import('../dist/net/wire.js');
const { SecureAggregationSite } = await import('@fedrad/federation');
const ROUND_KEYS = (round, siteId) => `${round}/${siteId}`;
const { maskedModelUpdate, secureSummand } = await import('@fedrad/methods');
const { createCampaignCa, createSiteKeyAndCsr, issueCertificate } = await import('@fedrad/pki');
const { peerFromDer } = await import('../dist/core/peer.js');

// Real certificates, made once for both runs: the shares stage relays each site's certificate with its signed keys.
const ca = createCampaignCa({ campaignId: 'bench', validityDays: 2 });
const sites = new Map(Array.from({ length: SITES }, (_, i) => {
  const siteId = `site-${String(i).padStart(4, '0')}`;
  const own = createSiteKeyAndCsr(siteId);
  return [siteId, { keyPem: own.keyPem, certPem: issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: own.csrPem, validityDays: 2 }) }];
}));

async function run(secure) {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-secure-bench-'));
  const ctx = { db: openStore(join(dir, 'coordinator.sqlite')), clock: () => new Date() };
  const siteIds = Array.from({ length: SITES }, (_, i) => `site-${String(i).padStart(4, '0')}`);
  const peers = new Map();
  for (const siteId of siteIds) {
    peers.set(siteId, peerFromDer(new X509Certificate(sites.get(siteId).certPem).raw));
    admitSite(ctx, peers.get(siteId));
  }
  createCampaign(ctx, {
    type: 'campaign-protocol', campaignId: 'bench', title: 'bench', version: 1, outcome: { type: 'binary', label: 'y' },
    features: Array.from({ length: PARAMS - 1 }, (_, j) => `f${j}`), model: { family: 'logistic' }, trainingSites: siteIds, testSites: [], minCohortSize: 5,
    training: { strategy: 'fedavg', rounds: ROUNDS, roundDeadlineSeconds: 3600, ...(secure ? { secureAggregation: true } : {}) },
  });
  const secrets = new Map();
  const answer = (job, k) => {
    let result;
    const p = job.params;
    if (job.kind === 'secure-aggregation') {
      const key = `${job.round}/${job.siteId}`;
      if (p.stage === 'keys') {
        const s = new SecureAggregationSite(job.siteId, { campaignId: 'bench', round: p.round, threshold: p.threshold, scale: p.scale });
        secrets.set(key, s);
        result = { kind: 'secure-aggregation', round: p.round, stage: 'keys', advertisement: s.advertiseKeys() };
      } else if (p.stage === 'shares') {
        const roster = p.advertisements.map((a) => JSON.parse(a.signed).result.advertisement);
        result = { kind: 'secure-aggregation', round: p.round, stage: 'shares', shares: secrets.get(key).shareKeys(roster) };
      } else {
        if (p.inbound) secrets.get(ROUND_KEYS(p.round + 1, job.siteId)).receiveShares(p.inbound);
        const { selfMask, maskingKey } = secrets.get(key).unmask(p.survivors);
        result = { kind: 'secure-aggregation', round: p.round, stage: 'unmask', selfMask, maskingKey };
      }
    } else {
      const data = p.globalParameters[0].data.map((v, j) => v + Math.sin(k + j + job.round) * 1e-3);
      let update = { kind: 'train-round', round: job.round, sampleCount: 50 + (k % 17), eventCount: 10 + (k % 7), contents: 'parameters', tensors: [{ name: 'coef', shape: [PARAMS], data }] };
      if (p.secureAggregation) {
        const s = secrets.get(ROUND_KEYS(job.round, job.siteId));
        const transcript = p.secureAggregation.transcript;
        // A pipelined round: the roster is round r − 1's masked updates' next-round keys.
        if (transcript) s.adoptRoster(transcript.masked.map((m) => { const d = JSON.parse(m.signed); return { siteId: d.siteId, maskingKey: d.result.nextRound.maskingKey }; }));
        else s.receiveShares(p.secureAggregation.inbound);
        const masked = s.maskedInput(secureSummand('fedavg', update));
        const next = s.prepareNextRound();
        secrets.set(ROUND_KEYS(job.round + 1, job.siteId), next.next);
        update = { ...maskedModelUpdate(update, masked), nextRound: { maskingKey: next.maskingKey, shares: next.shares } };
      }
      result = { ...update, tensors: update.tensors.map(packTensor) };
    }
    const unsigned = {
      type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind,
      attempt: job.attempt, round: job.round, nonce: job.nonce, completedAt: new Date().toISOString(), result,
    };
    const value = sign('sha256', Buffer.from(canonicalJson(unsigned), 'utf8'), sites.get(job.siteId).keyPem).toString('base64');
    return JSON.stringify({ ...unsigned, signature: { algorithm: 'RSA-SHA256', value, signerFingerprint: peers.get(job.siteId).fingerprint } });
  };
  let envelopes = startCampaign(ctx, 'bench');
  const roundCpu = [];
  let round0 = 0;
  let round = 0;
  let cpu = 0;
  while (envelopes.length > 0) {
    // Site side, untimed: every answer of this batch of jobs (one stage), signed.
    const frames = envelopes.map((job, k) => ({ siteId: job.siteId, round: job.round, text: answer(job, k) }));
    const c0 = process.cpuUsage();
    // Accepted and encoded as the site server does (a shared params object is serialised once).
    const next = deliverFrames({ ctx, acceptResults, encodeOutgoing, peers }, frames, BATCH);
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000;
    const nextRound = next[0]?.round;
    if (nextRound !== round || next.length === 0) {
      if (round > 0) roundCpu.push(cpu);
      else round0 = cpu;
      cpu = 0;
      round = nextRound;
    }
    envelopes = next;
  }
  const state = ctx.db.prepare("SELECT state FROM campaigns WHERE campaign_id = 'bench'").get().state;
  if (state !== 'completed') throw new Error(`bench campaign ended ${state}`);
  ctx.db.close();
  rmSync(dir, { recursive: true, force: true });
  return { ms: roundCpu.reduce((a, b) => a + b, 0) / roundCpu.length, round0 };
}

const plain = await run(false);
const secure = await run(true);
process.stdout.write(JSON.stringify({
  sites: SITES, params: PARAMS, plainRoundCpuMs: +plain.ms.toFixed(1), secureRoundCpuMs: +secure.ms.toFixed(1), ratio: +(secure.ms / plain.ms).toFixed(2),
  round0CpuMs: { plain: +plain.round0.toFixed(1), secureKeySetup: +secure.round0.toFixed(1) },
}) + '\n');
