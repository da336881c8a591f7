#!/usr/bin/env node
// Times one exact stratified-Cox Newton iteration at the coordinator (issue #17's bench):
// 10 sites × 1,000 patients × 50 features, target < 100 ms of coordinator time (adding the
// sites' gradients and Hessians, the standardisation and the Newton solve: coxMethod's aggregate).
// The sites' own steps are timed beside it for reference. Rewrites this package's section of
// BENCHMARKS.md (other sections untouched). Run after `npm run build -w @fedrad/methods`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '@fedrad/numeric';
import { coxMethod } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const BENCH_FILE = join(here, '../../../BENCHMARKS.md');
const SECTION = '@fedrad/methods:cox';
const SITES = 10;
const N = 1000;
const P = 50;

const random = mulberry32(17);
const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
const features = Array.from({ length: P }, (_, j) => `f${j + 1}`);
const partitions = new Map();
for (let s = 0; s < SITES; s++) {
  const x = Float64Array.from({ length: N * P }, gaussian);
  const time = new Float64Array(N);
  const event = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const eta = 0.3 * x[i * P] - 0.2 * x[i * P + 1];
    const t = -Math.log(random() + 1e-12) / (0.01 * (s + 1) * Math.exp(eta));
    const c = 200 * random();
    time[i] = Math.round(Math.min(t, c));
    event[i] = t <= c ? 1 : 0;
  }
  partitions.set(`site-${String(s).padStart(2, '0')}`, { featureNames: features, x, time, event });
}

const method = coxMethod({ variant: 'stratified', ties: 'efron', model: { family: 'cox', alpha: 1, lambda: 0.01 }, features, minCohortSize: 5 });
const state = method.initialState();
const sites = [...partitions.keys()];
const params = method.configure(state, sites);
const t0 = process.hrtime.bigint();
const results = [];
for (const siteId of sites) results.push({ siteId, update: await method.siteStep(params[siteId], partitions.get(siteId), { siteId }) });
const siteMs = Number(process.hrtime.bigint() - t0) / 1e6 / SITES;
const load = loadavg()[0];
// One measurement of the coordinator's half (after one warm-up call of the same function).
method.aggregate(state, results, []);
const t1 = process.hrtime.bigint();
method.aggregate(state, results, []);
const coordinatorMs = Number(process.hrtime.bigint() - t1) / 1e6;

const fmt = (ms) => `${ms.toFixed(1)} ms`;
const date = new Date().toISOString().slice(0, 10);
const cpu = cpus();
const body = [
  `<!-- bench:${SECTION} -->`,
  `### Federated Cox, one exact stratified Newton iteration (packages/methods/bench/coxNewton.mjs)`,
  '',
  `${date} · ${cpu[0]?.model?.trim() ?? 'unknown CPU'} · ${cpu.length} cores · node ${process.version} · one measurement after a warm-up · 1-min load average ${load.toFixed(1)} at start (other processes share the cores)`,
  '',
  `Seeded synthetic data: ${SITES} sites × ${N} patients × ${P} features, integer follow-up times (ties), Efron ties, lasso (λ 0.01, proximal Newton).`,
  '',
  '| what | time | target | met |',
  '| --- | ---: | ---: | :---: |',
  `| coordinator: add ${SITES} sites' gradient [${P}] and Hessian [${P}×${P}], standardise, proximal Newton step | ${fmt(coordinatorMs)} | < 100 ms | ${coordinatorMs < 100 ? 'yes' : '**no**'} |`,
  `| one site's step (risk-set sums, −ℓ, gradient and Hessian over ${N} patients), mean of ${SITES} | ${fmt(siteMs)} | | |`,
  `<!-- /bench:${SECTION} -->`,
].join('\n');
console.log(`coordinator ${fmt(coordinatorMs)} (target < 100 ms); site step ${fmt(siteMs)}`);
const escaped = SECTION.replace(/[/@:]/g, '\\$&');
const pattern = new RegExp(`<!-- bench:${escaped} -->[\\s\\S]*?<!-- /bench:${escaped} -->`);
const current = existsSync(BENCH_FILE) ? readFileSync(BENCH_FILE, 'utf8') : '# Benchmarks\n';
writeFileSync(BENCH_FILE, pattern.test(current) ? current.replace(pattern, body) : `${current.trimEnd()}\n\n${body}\n`);
console.log(`updated ${BENCH_FILE}`);
