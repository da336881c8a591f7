// Site-node micro-benchmarks, written to its own section of BENCHMARKS.md:
//  - the egress guard on a job result carrying a 1,000-parameter model's gradient and Hessian
//    (1,001 + 1,001² numbers: every outgoing frame is walked in full);
//  - signing that result (RSA-SHA256 over canonical JSON), and packing + guarding + signing it as
//    the daemon sends it (tensors packed as base64 Float64);
//  - one exact-newton train-round job end to end in a worker thread (CSV read, ONNX sessions,
//    gradient + Hessian sums) on 200 patients × 24 features: the first one, which also starts
//    the thread and loads onnxruntime, and then in the warm worker.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSiteKeyAndCsr, createCampaignCa, issueCertificate } from '@fedrad/pki';
import { canonicalJson, packTensor } from '@fedrad/protocol';
import { checkEgress, JobExecutor, ResultSigner } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');

function time(fn, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

async function timeAsync(fn, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const P = 1001;
const result = {
  type: 'job-result', jobId: 'bench/r0/site-a', campaignId: 'bench', siteId: 'site-a', protocolHash: 'ab'.repeat(32), kind: 'train-round', attempt: 1, round: 0,
  nonce: 'cd'.repeat(32), completedAt: new Date().toISOString(),
  result: {
    kind: 'train-round', round: 0, sampleCount: 500, eventCount: 120, contents: 'gradient-hessian',
    tensors: [
      { name: 'gradient', shape: [P], data: Array.from({ length: P }, (_, i) => Math.sin(i)) },
      { name: 'hessian', shape: [P, P], data: Array.from({ length: P * P }, (_, i) => Math.cos(i)) },
    ],
  },
};
const context = { localPatientCounts: [500], patientIds: new Set(Array.from({ length: 500 }, (_, i) => `p-${i}`)), minCohortSize: 5 };
if (!checkEgress('job-result', result, context).allowed) throw new Error('bench message unexpectedly blocked');
const egressMs = time(() => checkEgress('job-result', result, context), 7);

const ca = createCampaignCa({ campaignId: 'bench', validityDays: 2 });
const { keyPem, csrPem } = createSiteKeyAndCsr('site-a');
const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 2 });
const signer = new ResultSigner(keyPem, certPem);
const signMs = time(() => signer.sign(result), 5);
const canonicalMs = time(() => canonicalJson(result), 5);
// What the daemon sends since model updates travel packed: pack, guard and sign the packed result.
const packOf = () => ({ ...result, result: { ...result.result, tensors: result.result.tensors.map(packTensor) } });
const packed = packOf();
if (!checkEgress('job-result', packed, context).allowed) throw new Error('packed bench message unexpectedly blocked');
const packedMs = time(() => {
  const doc = packOf();
  checkEgress('job-result', doc, context);
  signer.sign(doc);
}, 5);

const dir = mkdtempSync(join(tmpdir(), 'site-bench-'));
const summary = JSON.parse(execFileSync(process.execPath, [join(root, 'scripts/generate-site-cohorts.mjs'), '--out', dir, '--sizes', 'site-a=200', '--features', '24'], { encoding: 'utf8' }));
const p = summary.features.length;
const input = {
  envelope: {
    type: 'job', jobId: 'bench/r0/site-a', campaignId: 'bench', protocolHash: 'ab'.repeat(32), siteId: 'site-a', kind: 'train-round', attempt: 1, round: 0,
    deadline: new Date(Date.now() + 600000).toISOString(), nonce: 'cd'.repeat(32),
    params: { kind: 'train-round', round: 0, strategy: 'exact-newton', model: { family: 'elasticnet-logistic' }, features: summary.features, globalParameters: [{ name: 'coef', shape: [p + 1], data: new Array(p + 1).fill(0) }] },
  },
  siteId: 'site-a', cohort: { name: 'local', features: summary.sites[0].featuresCsv, outcome: summary.sites[0].outcomeCsv }, minCohortSize: 5, workDir: dir,
};
const executor = new JobExecutor({ concurrency: 1 });
const coldStart = process.hrtime.bigint();
const first = await executor.run(input);
const coldMs = Number(process.hrtime.bigint() - coldStart) / 1e6;
if (!first.ok) throw new Error(`bench job failed: ${first.report.message}`);
const jobMs = await timeAsync(() => executor.run(input), 5);
await executor.close();
rmSync(dir, { recursive: true, force: true });

const rows = [
  ['egress guard, job result with a 1,000-parameter gradient + Hessian (1.0 M numbers)', egressMs, 50],
  ['signing that result (RSA-SHA256 over its canonical JSON)', signMs, 200],
  ['… of which @fedrad/protocol canonicalJson of the 1.0 M numbers', canonicalMs, 200],
  ['as the daemon sends it: tensors packed (base64 Float64), egress guard and signature', packedMs, 200],
  ['exact-newton train-round job, first in a new worker thread (thread + module load), 200 patients × 24 features', coldMs, 1000],
  ['the same job in the warm worker', jobMs, 100],
];
const section = [
  '<!-- bench:site-node -->',
  '## site-node',
  '',
  `${new Date().toISOString().slice(0, 10)} · ${cpus()[0].model} · ${cpus().length} cores · node ${process.version} · median of 5–7 runs`,
  '',
  '| what | time | target |',
  '| --- | --- | --- |',
  ...rows.map(([what, ms, target]) => `| ${what} | ${ms.toFixed(1)} ms | < ${target} ms ${ms < target ? '✓' : '✗'} |`),
  '<!-- /bench:site-node -->',
].join('\n');
const file = join(root, 'BENCHMARKS.md');
const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
const pattern = /<!-- bench:site-node -->[\s\S]*?<!-- \/bench:site-node -->/;
writeFileSync(file, pattern.test(text) ? text.replace(pattern, section) : text.trimEnd() + '\n\n' + section + '\n');
process.stdout.write(section + '\n');
