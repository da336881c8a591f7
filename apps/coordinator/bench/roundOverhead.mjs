// Coordinator round overhead for 10 / 100 / 1,000 training sites with a 1,000-parameter model
// (FedAvg), and peak memory. Writes its section of /BENCHMARKS.md (other sections untouched).
// Run after `npm run build -w @fedrad/coordinator` (the package's `bench` script does both).
//
// What is measured (honestly): the coordinator's whole per-round CPU path, in process, with no
// sockets: for every site, JSON.parse of the result frame, schema validation, RSA-2048 signature
// verification, job/nonce/replay checks and the SQLite commit (WAL, synchronous=FULL) with its
// audit row, the ack encoded and validated; then the round close: FedAvg over all updates,
// model + audit rows committed, and the next round's N job envelopes created, committed,
// validated and serialised. Excluded: site compute and site signing (done before the timer),
// TLS and socket I/O. Each site count runs in a fresh child process so its peak RSS is its own.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SECTION = '@fedrad/coordinator';
const PARAMS = 1000;
const ROUNDS = 4; // round 0 warms up; rounds 1..3 are reported (median)
// Results that arrive in one event-loop turn are committed together (group commit, as the site server does).
const BATCH = 100;

async function runOne(siteCount) {
  const { openStore, createCampaign, startCampaign, acceptResults } = await import('../dist/index.js');
  const { canonicalJson } = await import('@fedrad/protocol');
  const { encodeOutgoing } = await import('../dist/net/wire.js');
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-coord-bench-'));
  const ctx = { db: openStore(join(dir, 'coordinator.sqlite')), clock: () => new Date() };
  // One RSA key for every fake site (keygen is not what is measured); each site still has its own id and fingerprint.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const siteIds = Array.from({ length: siteCount }, (_, i) => `site-${String(i).padStart(4, '0')}`);
  const peers = new Map(siteIds.map((siteId, i) => [siteId, { siteId, serial: (i + 1).toString(16), fingerprint: createHash('sha256').update(siteId).digest('hex'), publicKey, certificatePem: '' }]));
  const features = Array.from({ length: PARAMS - 1 }, (_, j) => `f${j}`);
  createCampaign(ctx, {
    type: 'campaign-protocol', campaignId: 'bench', title: 'bench', version: 1, outcome: { type: 'binary', label: 'y' }, features,
    model: { family: 'logistic' }, trainingSites: siteIds, testSites: [], minCohortSize: 5,
    training: { strategy: 'fedavg', rounds: ROUNDS, roundDeadlineSeconds: 3600 },
  });
  let envelopes = startCampaign(ctx, 'bench');
  let peakRss = process.memoryUsage().rss;
  const roundMs = [];
  const roundCpuMs = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Site side (untimed): a local update and its signature, serialised as the frame it would send.
    const frames = envelopes.map((job, k) => {
      const data = job.params.globalParameters[0].data.map((v, j) => v + Math.sin(k + j + round) * 1e-3);
      const unsigned = {
        type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind,
        attempt: job.attempt, round: job.round, nonce: job.nonce, completedAt: new Date().toISOString(),
        result: { kind: 'train-round', round: job.round, sampleCount: 50 + (k % 17), contents: 'parameters', tensors: [{ name: 'coef', shape: [PARAMS], data }] },
      };
      const value = sign('sha256', Buffer.from(canonicalJson(unsigned), 'utf8'), privateKey).toString('base64');
      return { siteId: job.siteId, text: JSON.stringify({ ...unsigned, signature: { algorithm: 'RSA-SHA256', value, signerFingerprint: peers.get(job.siteId).fingerprint } }) };
    });
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    let next = [];
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let start = 0; start < frames.length; start += BATCH) {
      const batch = frames.slice(start, start + BATCH).map((f) => ({ peer: peers.get(f.siteId), doc: JSON.parse(f.text) }));
      for (const out of acceptResults(ctx, batch)) {
        if (out.ack.status !== 'accepted') throw new Error(`bench result refused: ${out.ack.code} ${out.ack.message}`);
        encodeOutgoing(out.ack);
        for (const e of out.send) encodeOutgoing(e);
        next = next.concat(out.send);
      }
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(c0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (round > 0) roundMs.push(ms), roundCpuMs.push(cpuMs);
    envelopes = next;
  }
  const state = ctx.db.prepare("SELECT state FROM campaigns WHERE campaign_id = 'bench'").get().state;
  if (state !== 'completed') throw new Error(`bench campaign ended ${state}`);
  ctx.db.close();
  rmSync(dir, { recursive: true, force: true });
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return { sites: siteCount, roundMs: median(roundMs), cpuMs: median(roundCpuMs), perResultMs: median(roundMs) / siteCount, peakRssMb: peakRss / 2 ** 20, load: loadavg()[0] };
}

const verdict = (rows, sites, key, limit) => {
  const r = rows.find((x) => x.sites === sites);
  return r ? (r[key] < limit ? 'met' : `missed (${r[key].toFixed(0)})`) : 'not run';
};

function writeSection(rows) {
  const path = join(here, '../../../BENCHMARKS.md');
  const targets = { 10: ['', ''], 100: ['< 50 ms', ''], 1000: ['< 1000 ms', '< 500 MB'] };
  const fmt = (x, d = 1) => x.toFixed(d);
  const body = [
    `<!-- bench:${SECTION} -->`,
    '### Coordinator round overhead (apps/coordinator/bench/roundOverhead.mjs)',
    '',
    `${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model ?? 'unknown CPU'} · ${cpus().length} cores · node ${process.version} · FedAvg, ${PARAMS.toLocaleString('en')}-parameter model, median of rounds 1–3`,
    '',
    'In-process core path, no sockets: per site JSON parse, schema validation, RSA-2048 signature check, nonce/replay/round checks,',
    `result row + audit row, the ack encoded; results committed in groups of ${BATCH} (SQLite WAL, synchronous=FULL: one flush per group,`,
    "as the site server commits whatever arrived in one event-loop turn); then the round close (FedAvg, model + audit rows, the next",
    "round's N job envelopes committed and serialised). Site compute, site signing, TLS and socket I/O are excluded.",
    'Peak RSS is the whole bench process (it also holds the fake sites\' signed messages).',
    '',
    'The machine is shared: wall time includes waiting for the CPU, so the process CPU time of the same rounds is shown too,',
    'with the 1-minute load average when each size ran.',
    '',
    '| sites | round overhead (wall) | CPU time | per result (wall) | target | peak RSS | target | load avg |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.sites.toLocaleString('en')} | ${fmt(r.roundMs)} ms | ${fmt(r.cpuMs)} ms | ${fmt(r.perResultMs, 2)} ms | ${targets[r.sites]?.[0] ?? ''} | ${fmt(r.peakRssMb, 0)} MB | ${targets[r.sites]?.[1] ?? ''} | ${fmt(r.load)} |`),
    '',
    `Targets (wall): 100 sites < 50 ms ${verdict(rows, 100, 'roundMs', 50)}; 1,000 sites < 1 s ${verdict(rows, 1000, 'roundMs', 1000)}, < 500 MB ${verdict(rows, 1000, 'peakRssMb', 500)}.`,
    'Where a result\'s ~1 ms of CPU goes (profile, 300 sites): the 1,000 numbers travel as text and are parsed or printed four times',
    '(frame JSON.parse ≈ 0.1 ms, canonical JSON for the signature check ≈ 0.2 ms, the stored copy parsed again at the round close ≈ 0.1 ms,',
    'schema validation ≈ 0.15 ms), RSA verify ≈ 0.08 ms, the rest SQLite writes (~20 kB per result), audit rows and GC.',
    'Meeting the targets would need a binary tensor encoding on the wire, which the protocol does not have.',
    `<!-- /bench:${SECTION} -->`,
  ].join('\n');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const re = new RegExp(`<!-- bench:${SECTION} -->[\\s\\S]*?<!-- /bench:${SECTION} -->`);
  writeFileSync(path, re.test(text) ? text.replace(re, body) : text.trimEnd() + '\n\n' + body + '\n');
  return body;
}

const arg = process.argv.indexOf('--sites');
if (arg > 0) {
  process.stdout.write(JSON.stringify(await runOne(Number(process.argv[arg + 1]))) + '\n');
} else {
  const rows = [10, 100, 1000].map((n) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--sites', String(n)], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim()));
  process.stdout.write(writeSection(rows) + '\n');
}
