// Reading benchmark: the 256×256×64 int16 .nii.gz bench case (target: well under 0.1 s), plus
// the real sarcoma CT series and its RTSTRUCT. Writes its section of /BENCHMARKS.md.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readDicomSeries, readNifti, readRtstruct } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '../../..');
const SECTION = '@fedrad/imaging';

/** mulberry32: a small seeded PRNG, so the case is the same on every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** CT-like int16 volume: air, an elliptic body of soft tissue with noise, a brighter blob. */
function syntheticCt(nx, ny, nz) {
  const rand = rng(20261126);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const v = new Int16Array(nx * ny * nz);
  for (let k = 0, p = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, p++) {
        const ex = (i - nx / 2) / (0.42 * nx);
        const ey = (j - ny / 2) / (0.32 * ny);
        const bx = (i - 140) / 30, by = (j - 120) / 25, bz = (k - 32) / 10;
        let hu = ex * ex + ey * ey < 1 ? 40 + 15 * gauss() : -1000 + 5 * gauss();
        if (bx * bx + by * by + bz * bz < 1) hu = 90 + 20 * gauss();
        v[p] = Math.round(hu);
      }
  return v;
}

/** Minimal NIfTI-1 writer (nifti1.h field offsets): int16, 0.8×0.8×3 mm, sform = qform = diag. */
function niftiBytes(data, dims, spacing) {
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  [3, ...dims, 1, 1, 1, 1].forEach((d, i) => h.writeInt16LE(d, 40 + 2 * i));
  h.writeInt16LE(4, 70); // DT_INT16
  h.writeInt16LE(16, 72);
  [1, ...spacing, 0, 0, 0, 0].forEach((s, i) => h.writeFloatLE(s, 76 + 4 * i));
  h.writeFloatLE(352, 108);
  h.writeFloatLE(1, 112);
  h.writeInt16LE(1, 252);
  h.writeInt16LE(1, 254);
  [spacing[0], 0, 0, 0, 0, spacing[1], 0, 0, 0, 0, spacing[2], 0].forEach((x, i) => h.writeFloatLE(x, 280 + 4 * i));
  h.write('n+1\0', 344, 'latin1');
  return Buffer.concat([h, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** Wall and CPU (user + system) milliseconds; CPU time is what a busy shared machine distorts least. */
function time(fn, runs) {
  const wall = [];
  const cpu = [];
  let out;
  for (let r = 0; r < runs; r++) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    out = fn();
    wall.push(Number(process.hrtime.bigint() - t) / 1e6);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1e3);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { first: [wall[0], cpu[0]], median: [median(wall), median(cpu)], out };
}

const startLoad = loadavg()[0];
const dims = [256, 256, 64];
const dir = mkdtempSync(join(tmpdir(), 'fedrad-imaging-bench-'));
const file = join(dir, 'bench-ct.nii.gz');
writeFileSync(file, gzipSync(niftiBytes(syntheticCt(...dims), dims, [0.8, 0.8, 3])));
const fileMb = readFileSync(file).length / 1e6;
const nifti = time(() => readNifti(file), 7);
rmSync(dir, { recursive: true, force: true });

const rows = [
  ['readNifti, 256×256×64 int16 .nii.gz (' + fileMb.toFixed(1) + ' MB), first call in the process', nifti.first, '< 100 ms'],
  ['readNifti, same file, median of 7', nifti.median, '< 100 ms'],
];
const sts = join(repoRoot, '../shared/sts-dicom/STS_001/CT');
if (existsSync(sts)) {
  const ct = time(() => readDicomSeries(join(sts, 'image')), 3);
  const rs = time(() => readRtstruct(join(sts, 'mask/RS.dcm'), ct.out, 'GTV_Mass'), 3);
  rows.push([`readDicomSeries, STS_001 CT (${ct.out.dims.join('×')}, ${ct.out.dims[2]} files), median of 3`, ct.median, '']);
  rows.push(['readRtstruct GTV_Mass (32 contours, 117,145 voxels), median of 3', rs.median, '']);
}

const machine = `${new Date().toISOString().slice(0, 10)} · ${cpus()[0].model.trim()} · ${cpus().length} cores · node ${process.version} · load average ${startLoad.toFixed(1)} at start (wall times inflate when other jobs share the 2 cores)`;
const table = rows.map(([what, [wall, cpu], target]) => `| ${what} | ${wall.toFixed(1)} ms | ${cpu.toFixed(1)} ms | ${target} |`).join('\n');
const section = `<!-- bench:${SECTION} -->
### Image and mask reading (packages/imaging/bench/read.mjs)

${machine} · one thread

Seeded synthetic CT-like volume (air, noisy soft-tissue ellipse, brighter blob), written by the
bench as NIfTI-1 int16 and gzip-compressed with node:zlib; read back with \`readNifti\` (gunzip,
header, int16 → Float32, geometry).

| what | wall | CPU | target |
| --- | ---: | ---: | ---: |
${table}

Process RSS after the runs: ${Math.round(process.memoryUsage().rss / 1e6)} MB.
<!-- /bench:${SECTION} -->`;
console.log(section);

const path = join(repoRoot, 'BENCHMARKS.md');
let md = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
const re = new RegExp(`<!-- bench:${SECTION} -->[\\s\\S]*?<!-- /bench:${SECTION} -->`);
md = re.test(md) ? md.replace(re, section) : md.replace(/\s*$/, '\n\n') + section + '\n';
writeFileSync(path, md);
