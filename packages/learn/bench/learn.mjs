#!/usr/bin/env node
// Benchmarks for @fedrad/learn (run after build: `npm run bench -w @fedrad/learn`).
// Measures the derived ONNX graphs through onnxruntime-node and writes the
// <!-- bench:@fedrad/learn --> section of BENCHMARKS.md at the repository root.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '@fedrad/numeric';
import { buildModel, LocalTrainer, newtonStep, fitModel } from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const SECTION = '@fedrad/learn';

/** Mulberry32, seeded: the same synthetic cohort every run. */
const rng = mulberry32;
const gauss = (r) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

function cohort(n, p, seed) {
  const r = rng(seed);
  const x = Float64Array.from({ length: n * p }, () => gauss(r));
  const label = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const eta = -1 + 1.2 * x[i * p] - 0.9 * x[i * p + 1] + 0.6 * x[i * p + 2];
    label[i] = r() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return { x, label };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn, runs) {
  const ts = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

// 1. One full-batch gradient evaluation, logistic, n = 500, p = 1000.
const n = 500;
let p = 1000;
let data = cohort(n, p, 1);
const trainer = await LocalTrainer.create(buildModel({ family: 'logistic' }, p), { n, p, x: data.x, weight: new Float64Array(n).fill(1), label: data.label });
const theta = Float64Array.from({ length: p + 1 }, (_, k) => 0.001 * Math.sin(k));
for (let k = 0; k < 20; k++) await trainer.gradient(theta); // warm-up
const gradientMs = await time(() => trainer.gradient(theta), 200);
await trainer.release();

// 2. One Newton step, p = 50 (Hessian graph + gradient, then the Cholesky solve).
p = 50;
data = cohort(n, p, 2);
const small = await LocalTrainer.create(buildModel({ family: 'logistic' }, p), { n, p, x: data.x, weight: new Float64Array(n).fill(1), label: data.label });
const theta50 = new Float64Array(p + 1);
for (let k = 0; k < 20; k++) await small.hessian(theta50);
const newtonMs = await time(async () => {
  const e = await small.hessian(theta50);
  newtonStep(e.gradient, e.hessian);
}, 100);
await small.release();

// 3. A full lasso fit, n = 500, p = 1000, from raw tables (standardisation, graph building,
//    session creation and FISTA to a 1e-8 KKT residual all included).
p = 1000;
data = cohort(n, p, 3);
const features = { ids: Array.from({ length: n }, (_, i) => `c${i}`), featureNames: Array.from({ length: p }, (_, j) => `f${j}`), values: data.x };
const outcome = { kind: 'binary', ids: features.ids, label: data.label };
let fitInfo;
const lassoMs = await time(async () => {
  const m = await fitModel({ family: 'lasso-logistic', lambda: 0.05 }, features, outcome);
  fitInfo = { iterations: m.training.iterations, optimizer: m.training.optimizer, nonzero: m.params[0].data.filter((v) => v !== 0).length };
}, 3);

const fmt = (ms) => (ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`);
const ok = (ms, target) => (ms < target ? 'met' : '**missed**');
const cpu = cpus();
const lines = [
  `<!-- bench:${SECTION} -->`,
  '### Learning engine (packages/learn/bench/learn.mjs)',
  '',
  `${new Date().toISOString().slice(0, 10)} · ${cpu[0]?.model ?? 'unknown CPU'} · ${cpu.length} cores · node ${process.version} · onnxruntime-node single-threaded sessions, float64 graphs`,
  '',
  'Seeded synthetic cohorts (standard normal features, logistic outcome).',
  '',
  '| what | time | target | |',
  '| --- | ---: | ---: | --- |',
  `| gradient graph, logistic, n = 500, p = 1000 (median of 200 after warm-up) | ${fmt(gradientMs)} | < 5 ms | ${ok(gradientMs, 5)} |`,
  `| Newton step, logistic, n = 500, p = 50 (Hessian graph + Cholesky solve, median of 100) | ${fmt(newtonMs)} | < 5 ms | ${ok(newtonMs, 5)} |`,
  `| full lasso fit, n = 500, p = 1000, λ = 0.05 (${fitInfo.optimizer}, ${fitInfo.iterations} iterations, ${fitInfo.nonzero} non-zero; median of 3) | ${fmt(lassoMs)} | < 1 s | ${ok(lassoMs, 1000)} |`,
  `<!-- /bench:${SECTION} -->`,
].join('\n');

const file = join(root, 'BENCHMARKS.md');
let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
const re = new RegExp(`<!-- bench:${SECTION.replace(/[/@]/g, '\\$&')} -->[\\s\\S]*?<!-- /bench:${SECTION.replace(/[/@]/g, '\\$&')} -->`);
text = re.test(text) ? text.replace(re, lines) : `${text.trimEnd()}\n\n${lines}\n`;
writeFileSync(file, text);
console.log(lines);
