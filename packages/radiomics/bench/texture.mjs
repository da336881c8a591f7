// Micro-benchmark of the six IBSI texture families on a seeded synthetic ROI shaped like the
// pipeline bench case (256x256x64 image, ~50,000-voxel blob, 32 fixed bins), measured on the
// cropped, discretised ROI that the pipeline hands to computeTextureFeatures. File reading and
// preprocessing are the pipeline bench's business (bench section @fedrad/radiomics).
// Run after `npm run build`: node bench/texture.mjs
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { computeTextureFeatures } from '../dist/texture/index.js';
import { mulberry32 } from '@fedrad/numeric';

const here = dirname(fileURLToPath(import.meta.url));
const BENCH_FILE = join(here, '../../../BENCHMARKS.md');
const SECTION = '@fedrad/radiomics:texture';
const TARGET_MS = 150; // texture share of the 0.33 s budget for the complete feature set

/** A small seeded PRNG so every run sees the same case. */
const rng = mulberry32;

/** Ellipsoidal blob (0.8 x 0.8 x 3 mm voxels) of ~50,000 voxels with a smooth-plus-noise texture, 32 FBN bins. */
function syntheticRoi() {
  const random = rng(20240611);
  const rx = 30, ry = 30, rz = 13.3;
  const nx = 2 * rx + 1, ny = 2 * ry + 1, nz = 2 * Math.ceil(rz) + 1;
  const n = nx * ny * nz;
  const mask = new Uint8Array(n);
  const value = new Float64Array(n);
  const waves = Array.from({ length: 6 }, () => [random() * 0.4, random() * 0.4, random() * 0.8, random() * 6.28, 20 + random() * 40]);
  let lo = Infinity, hi = -Infinity;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const k = x + nx * (y + ny * z);
    const dx = (x - rx) / rx, dy = (y - ry) / ry, dz = (z - Math.ceil(rz)) / rz;
    if (dx * dx + dy * dy + dz * dz > 1) continue;
    mask[k] = 1;
    let v = 40 + 25 * random();
    for (const [a, b, c, phase, amp] of waves) v += amp * Math.sin(a * x + b * y + c * z + phase);
    value[k] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // IBSI fixed bin number: floor(Ng (x - min) / (max - min)) + 1, with the maximum in bin Ng.
  const nLevels = 32;
  const levels = new Int32Array(n);
  let roiVoxels = 0;
  for (let k = 0; k < n; k++) {
    if (!mask[k]) continue;
    roiVoxels++;
    levels[k] = Math.min(nLevels, Math.floor((nLevels * (value[k] - lo)) / (hi - lo)) + 1);
  }
  return { input: { levels, mask, dims: [nx, ny, nz], spacing: [0.8, 0.8, 3], nLevels }, roiVoxels };
}

const DEFAULT_3D = {
  glcm: { aggregations: ['3D_comb'], distance: 1 },
  glrlm: { aggregations: ['3D_comb'] },
  glszm: { aggregations: ['3D'] },
  gldzm: { aggregations: ['3D'] },
  ngtdm: { aggregations: ['3D'], distance: 1 },
  ngldm: { aggregations: ['3D'], distance: 1, coarseness: 0 },
};
const EVERY = {
  glcm: { aggregations: ['2D_avg', '2D_comb', '2_5D_avg', '2_5D_comb', '3D_avg', '3D_comb'], distance: 1 },
  glrlm: { aggregations: ['2D_avg', '2D_comb', '2_5D_avg', '2_5D_comb', '3D_avg', '3D_comb'] },
  glszm: { aggregations: ['2D', '2_5D', '3D'] },
  gldzm: { aggregations: ['2D', '2_5D', '3D'] },
  ngtdm: { aggregations: ['2D', '2_5D', '3D'], distance: 1 },
  ngldm: { aggregations: ['2D', '2_5D', '3D'], distance: 1, coarseness: 0 },
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(input, settings, runs) {
  computeTextureFeatures(input, settings); // warm-up (JIT)
  const ms = [];
  let keys = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    keys = Object.keys(computeTextureFeatures(input, settings)).length;
    ms.push(performance.now() - t0);
  }
  return { median: median(ms), first: ms[0], keys };
}

const loadAtStart = os.loadavg()[0];
const { input, roiVoxels } = syntheticRoi();
// The CLI extracts each case once in a fresh worker: the first, not-yet-optimised call is what
// it pays, so it is measured before any warm-up.
const coldStart = performance.now();
computeTextureFeatures(input, DEFAULT_3D);
const coldMs = performance.now() - coldStart;
const perFamily = Object.keys(DEFAULT_3D).map((name) => [name, time(input, { [name]: DEFAULT_3D[name] }, 7).median]);
const all3D = time(input, DEFAULT_3D, 9);
const every = time(input, EVERY, 5);
const rssMb = process.memoryUsage().rss / 2 ** 20;

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const lines = [
  `<!-- bench:${SECTION} -->`,
  `### Texture families (packages/radiomics/bench/texture.mjs)`,
  '',
  `${new Date().toISOString().slice(0, 10)} · ${cpu} · ${os.cpus().length} cores · node ${process.version} · one thread · 1-min load average ${loadAtStart.toFixed(1)} at start (other processes share the cores)`,
  '',
  `Seeded synthetic ROI: box ${input.dims.join('×')}, ${roiVoxels} ROI voxels, 32 FBN levels (cropped, discretised input of computeTextureFeatures).`,
  '',
  '| what | time | target |',
  '| --- | ---: | ---: |',
  `| all six families, 3D merged / 3D, first call in the process (${all3D.keys} features) | ${coldMs.toFixed(1)} ms | < ${TARGET_MS} ms |`,
  `| all six families, 3D merged / 3D, warm median | ${all3D.median.toFixed(1)} ms | |`,
  ...perFamily.map(([name, ms]) => `| ${name} alone, 3D | ${ms.toFixed(1)} ms | |`),
  `| every aggregation of every family (${every.keys} features) | ${every.median.toFixed(1)} ms | |`,
  '',
  `Process RSS after the runs: ${rssMb.toFixed(0)} MB.`,
  `<!-- /bench:${SECTION} -->`,
];
const block = lines.join('\n');
console.log(block);

const current = existsSync(BENCH_FILE) ? readFileSync(BENCH_FILE, 'utf8') : '# Benchmarks\n';
const start = current.indexOf(`<!-- bench:${SECTION} -->`);
const endTag = `<!-- /bench:${SECTION} -->`;
const end = current.indexOf(endTag);
const next = start >= 0 && end > start
  ? current.slice(0, start) + block + current.slice(end + endTag.length)
  : `${current.trimEnd()}\n\n${block}\n`;
writeFileSync(BENCH_FILE, next);
if (coldMs > TARGET_MS) {
  console.error(`texture bench: ${coldMs.toFixed(1)} ms exceeds the ${TARGET_MS} ms target`);
  process.exitCode = 1;
}
