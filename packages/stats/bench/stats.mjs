#!/usr/bin/env node
// Times the evaluation statistics against the targets of issue 6 and rewrites this package's
// section of BENCHMARKS.md (other sections untouched). Run after `npm run build -w @fedrad/stats`.
//   AUC + DeLong CI on 1,000,000 predictions      < 1 s
//   2,000 bootstrap replicates on 1,000 patients  < 2 s
//   Uno's C on 100,000 patients                   < 1 s (Fenwick tree, no pair loop)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '@fedrad/numeric';
import { aucStatistic, bootstrap, delong, evaluateBinary, harrellC, unoC } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const BENCH_FILE = join(here, '../../../BENCHMARKS.md');
const SECTION = '@fedrad/stats';

const rng = new SeededRandom(2024);
const uniform = () => (rng.nextUint32() + 0.5) / 4294967296;
const gaussian = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());

function binaryData(n) {
  const labels = new Uint8Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = uniform() < 0.25 ? 1 : 0;
    scores[i] = 1 / (1 + Math.exp(-(gaussian() + 1.2 * labels[i] - 1)));
  }
  return { labels, scores };
}

function survivalData(n) {
  const time = new Float64Array(n);
  const event = new Uint8Array(n);
  const risk = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = gaussian();
    const t = -Math.log(uniform()) / (0.1 * Math.exp(0.8 * x));
    const c = 2 + 23 * uniform();
    time[i] = Math.round(Math.min(t, c) * 100) / 100; // ties, as in real follow-up data
    event[i] = t <= c ? 1 : 0;
    risk[i] = 0.7 * x + 0.7 * gaussian();
  }
  return { time, event, risk };
}

/** Median wall time over `runs` runs (ms), after one warm-up run. */
function time(fn, runs = 3) {
  fn();
  const out = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out.sort((a, b) => a - b)[Math.floor(out.length / 2)];
}

const rows = [];
const big = binaryData(1_000_000);
rows.push(['AUC + DeLong variance and 95% CI, 1,000,000 predictions (Sun & Xu: two sorts, then two monotone pointers)', time(() => delong(big.scores, big.labels)), 1000]);

const cohort = binaryData(1000);
const strata = cohort.labels;
rows.push(['2,000 stratified bootstrap replicates of the AUC, 1,000 patients, percentile', time(() => bootstrap(1000, aucStatistic(cohort.scores, cohort.labels), { replicates: 2000, strata, seed: 1 })), 2000]);
rows.push(['same, BCa (adds 1,000 jackknife evaluations)', time(() => bootstrap(1000, aucStatistic(cohort.scores, cohort.labels), { replicates: 2000, strata, seed: 1, method: 'bca' })), 2000]);
rows.push(['evaluateBinary, 1,000 patients, 2,000 BCa replicates of AUC, Brier and 99-point net benefit', time(() => evaluateBinary(cohort.scores, cohort.labels, { threshold: 0.3, bootstrapReplicates: 2000 }), 1), null]);

const surv = survivalData(100_000);
rows.push(["Uno's C (IPCW, Fenwick tree), 100,000 patients", time(() => unoC(surv.time, surv.event, surv.risk)), 1000]);
rows.push(["Harrell's C, 100,000 patients", time(() => harrellC(surv.time, surv.event, surv.risk)), null]);

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const date = new Date().toISOString().slice(0, 10);
const cpu = cpus();
const body = [
  `<!-- bench:${SECTION} -->`,
  `### Evaluation statistics (packages/stats/bench/stats.mjs)`,
  '',
  `${date} · ${cpu[0]?.model?.trim() ?? 'unknown CPU'} · ${cpu.length} cores · node ${process.version} · medians of 3 runs after a warm-up (evaluateBinary: 1 run)`,
  '',
  'Seeded synthetic data: binary outcomes with 25% prevalence; survival times with administrative censoring, rounded to 0.01 (ties).',
  '',
  '| what | time | target | met |',
  '| --- | ---: | ---: | :---: |',
  ...rows.map(([what, ms, target]) => `| ${what} | ${fmt(ms)} | ${target ? `< ${fmt(target)}` : ''} | ${target ? (ms < target ? 'yes' : '**no**') : ''} |`),
  `<!-- /bench:${SECTION} -->`,
].join('\n');

for (const [what, ms, target] of rows) console.log(`${what}: ${fmt(ms)}${target ? ` (target < ${fmt(target)})` : ''}`);

const escaped = SECTION.replace(/[/@]/g, '\\$&');
const pattern = new RegExp(`<!-- bench:${escaped} -->[\\s\\S]*?<!-- /bench:${escaped} -->`);
const current = existsSync(BENCH_FILE) ? readFileSync(BENCH_FILE, 'utf8') : '# Benchmarks\n';
const next = pattern.test(current) ? current.replace(pattern, body) : `${current.trimEnd()}\n\n${body}\n`;
writeFileSync(BENCH_FILE, next);
console.log(`updated ${BENCH_FILE}`);
