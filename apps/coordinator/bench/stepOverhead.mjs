// The coordinator's scheduling overhead per step of a campaign's plan at 100 sites (issue #13):
// extraction → training → lock → evaluation → meta-analysis, 80 training and 20 test sites.
// Writes its section of /BENCHMARKS.md (other sections untouched). Run after
// `npm run build -w @fedrad/coordinator` (the package's `bench` script does both).
//
// What is measured: the coordinator's in-process core path, no sockets, as in roundOverhead.mjs:
// for each result, JSON.parse of the frame, schema validation, canonical JSON, RSA-2048
// verification, the job/nonce checks, the phase's own check and store, the commit with its audit
// row; and each step's close and the next step's open (its job envelopes created, committed,
// validated and serialised). Excluded: site compute and site signing (done before the timer), TLS,
// WebSocket framing. The ONNX exporter is a stand-in that returns the parameters' JSON bytes (the
// export is the learn package's cost, benchmarked there), so the lock's time is the coordinator's.
import { generateKeyPairSync, sign, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deliverFrames } from './deliverFrames.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const examples = join(here, '../../../protocols/examples');
const SECTION = '@fedrad/coordinator:steps';
const TRAINING_SITES = 80;
const TEST_SITES = 20;
const FEATURES = 100;
const ROUNDS = 3;
const BATCH = 100; // results arriving in one event-loop turn commit together, as the site server does
const REPEATS = 3;

const readJson = (...parts) => JSON.parse(readFileSync(join(examples, ...parts), 'utf8'));

async function runOnce() {
  const { openStore, createCampaign, startCampaign, acceptResults } = await import('../dist/index.js');
  const { canonicalJson, canonicalHash, packTensor } = await import('@fedrad/protocol');
  const { encodeOutgoing } = await import('../dist/net/wire.js');
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-step-bench-'));
  const ctx = {
    db: openStore(join(dir, 'coordinator.sqlite')),
    clock: () => new Date(),
    exportModel: (_protocol, parameters) => new TextEncoder().encode(JSON.stringify(parameters)),
  };
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const training = Array.from({ length: TRAINING_SITES }, (_, i) => `train-${String(i).padStart(3, '0')}`);
  const test = Array.from({ length: TEST_SITES }, (_, i) => `test-${String(i).padStart(3, '0')}`);
  const peers = new Map([...training, ...test].map((siteId, i) => [siteId, { siteId, serial: (i + 1).toString(16), fingerprint: createHash('sha256').update(siteId).digest('hex'), publicKey, certificatePem: '' }]));
  const featureConfig = readJson('feature-config', 'valid-defaults.json');
  const features = Array.from({ length: FEATURES }, (_, j) => `f${j}`);
  createCampaign(ctx, {
    type: 'campaign-protocol', campaignId: 'steps', title: 'step overhead', version: 1, outcome: { type: 'binary', label: 'y' }, features, featureConfig,
    model: { family: 'logistic' }, trainingSites: training, testSites: test, minCohortSize: 5,
    training: { strategy: 'fedavg', rounds: ROUNDS, roundDeadlineSeconds: 3600 },
  });
  const featureConfigHash = canonicalHash(featureConfig);
  const evaluationReport = readJson('evaluation-report', 'valid-binary-site.json');

  /** The body a fake site answers each job with (its compute is not timed). */
  const answer = (job, k) => {
    switch (job.kind) {
      case 'extract':
        return {
          kind: 'extract', featureConfigHash, patientCount: 60, failedCases: 0, featureCount: FEATURES,
          summaries: features.map((name, j) => ({ name, n: 60, mean: j + k * 1e-3, sd: 1 + (j % 7) / 10, missing: 0 })),
          featureTableHash: createHash('sha256').update(`${job.siteId}-table`).digest('hex'),
        };
      case 'train-round': {
        const data = job.params.globalParameters[0].data.map((v, j) => v + Math.sin(k + j + job.round) * 1e-3);
        return { kind: 'train-round', round: job.round, sampleCount: 50 + (k % 17), contents: 'parameters', tensors: [packTensor({ name: 'coef', shape: [FEATURES + 1], data })] };
      }
      case 'evaluate':
        return evaluationReport;
      default:
        throw new Error(`the bench has no answer for ${job.kind} jobs`);
    }
  };
  const frameOf = (job, k) => {
    const unsigned = {
      type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind,
      attempt: job.attempt, ...(job.round !== undefined ? { round: job.round } : {}), nonce: job.nonce, completedAt: new Date().toISOString(), result: answer(job, k),
    };
    const value = sign('sha256', Buffer.from(canonicalJson(unsigned), 'utf8'), privateKey).toString('base64');
    return { siteId: job.siteId, text: JSON.stringify({ ...unsigned, signature: { algorithm: 'RSA-SHA256', value, signerFingerprint: peers.get(job.siteId).fingerprint } }) };
  };

  const timed = (fn) => {
    const t0 = process.hrtime.bigint();
    const out = fn();
    return [Number(process.hrtime.bigint() - t0) / 1e6, out];
  };
  const steps = [];
  const [startMs, first] = timed(() => {
    const jobs = startCampaign(ctx, 'steps');
    jobs.forEach((e) => encodeOutgoing(e));
    return jobs;
  });
  steps.push({ what: 'start: open the extraction step', jobs: first.length, ms: startMs });
  let envelopes = first;
  // Each batch of answered jobs is one "exchange": the results in, and whatever step opens after them.
  while (envelopes.length > 0) {
    const kind = envelopes[0].kind;
    const round = envelopes[0].round;
    const frames = envelopes.map(frameOf);
    const [ms, next] = timed(() => deliverFrames({ ctx, acceptResults, encodeOutgoing, peers }, frames, BATCH));
    const opens = next.length > 0 ? `, then open ${next[0].kind}${next[0].round !== undefined ? ` round ${next[0].round}` : ''} (${next.length} jobs)` : ', then close the campaign';
    steps.push({ what: `${frames.length} ${kind}${round !== undefined ? ` round ${round}` : ''} results in${opens}`, jobs: frames.length + next.length, ms });
    envelopes = next;
  }
  const row = ctx.db.prepare("SELECT state, phase FROM campaigns WHERE campaign_id = 'steps'").get();
  if (row.state !== 'completed') throw new Error(`bench campaign ended ${row.state} in ${row.phase}`);
  ctx.db.close();
  rmSync(dir, { recursive: true, force: true });
  return steps;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const runs = [];
for (let r = 0; r < REPEATS; r++) runs.push(await runOnce());
const rows = runs[0].map((s, i) => ({ ...s, ms: median(runs.map((run) => run[i].ms)) }));
const total = rows.reduce((a, r) => a + r.ms, 0);

const { writeBenchSectionText } = await import('../../../scripts/benchSection.mjs');
const body = [
  `### Coordinator scheduling per step at ${TRAINING_SITES + TEST_SITES} sites (apps/coordinator/bench/stepOverhead.mjs)`,
  '',
  `${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model?.trim() ?? 'unknown CPU'} · ${cpus().length} cores · node ${process.version} · median of ${REPEATS} campaigns · 1-min load average ${loadavg()[0].toFixed(1)}`,
  '',
  `A campaign of ${TRAINING_SITES} training and ${TEST_SITES} test sites runs its whole plan — extraction, ${ROUNDS} FedAvg rounds of a`,
  `${FEATURES + 1}-parameter logistic model, the lock, evaluation, the meta-analysis and the report step — against fake sites whose answers are signed`,
  'before the timer. Each row is one exchange: the results of a step (parsed, validated, signature-checked, checked and stored by',
  "the step's phase, committed with their audit rows) and the close of that step with the open of the next (its job envelopes",
  'created, committed and serialised). The ONNX export is a stand-in (the learn package\'s cost, benchmarked there).',
  '',
  '| exchange | jobs | coordinator time | per job |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.what} | ${r.jobs} | ${r.ms.toFixed(1)} ms | ${(r.ms / r.jobs).toFixed(2)} ms |`),
  `| whole plan | ${rows.reduce((a, r) => a + r.jobs, 0)} | ${total.toFixed(1)} ms | |`,
].join('\n');
writeBenchSectionText(SECTION, body);
process.stdout.write(body + '\n');
