// `fedrad simulate` of a campaign from images, end to end (issue #13's bench): five generated
// image sites (scripts/generate-image-cohorts.mjs: three training, two test, each with its own
// scanner), the real coordinator and five real site daemons in one process over loopback mTLS.
// Times the whole run and each step of the plan from the moment simulate prints it. Writes its
// section of /BENCHMARKS.md. Run after `npm run build` (the package's `bench` script does it).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchSectionText } from '../../../scripts/benchSection.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const SECTION = '@fedrad/cli:simulate';
const PATIENTS = 40;
const featureConfig = {
  interpolation: { spacing: [2, 2, 2], imageMethod: 'linear', maskMethod: 'linear', maskThreshold: 0.5 },
  discretisation: { intensityHistogram: { method: 'FBS', binWidth: 10 }, texture: { method: 'FBS', binWidth: 10 } },
  families: ['morphology', 'intensity_statistics', 'glcm'],
};
const features = ['stat_mean', 'stat_var', 'morph_volume', 'cm_contrast_3D_comb', 'cm_joint_entr_3D_comb'];

const dir = mkdtempSync(join(tmpdir(), 'fedrad-bench-simulate-'));
const summary = JSON.parse(execFileSync(process.execPath, [join(repo, 'scripts/generate-image-cohorts.mjs'), '--out', join(dir, 'cohorts'), '--patients', String(PATIENTS), '--seed', '7'], { encoding: 'utf8' }));
const sitesDir = join(dir, 'sites');
mkdirSync(sitesDir);
for (const s of summary.sites) symlinkSync(s.dir, join(sitesDir, s.siteId));
const training = summary.sites.filter((s) => s.role === 'training').map((s) => s.siteId);
const test = summary.sites.filter((s) => s.role === 'test').map((s) => s.siteId);
const protocol = {
  type: 'campaign-protocol', campaignId: 'bench-simulate', title: 'simulate bench', version: 1, featureConfig, features,
  outcome: { type: 'binary', label: 'high_grade' }, model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05 },
  trainingSites: training, testSites: test, minCohortSize: 10, training: { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 120 },
};
const protocolFile = join(dir, 'protocol.json');
writeFileSync(protocolFile, JSON.stringify(protocol));

// Each step's start (▶) and end (✓) as simulate prints them, timed as the lines arrive.
const t0 = Date.now();
const marks = new Map();
const child = spawn(process.execPath, [join(repo, 'apps/cli/dist/main.js'), 'simulate', '--protocol', protocolFile, '--sites', sitesDir, '--out', join(dir, 'run')], { stdio: ['ignore', 'pipe', 'inherit'] });
let buffered = '';
child.stdout.on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\n');
  buffered = lines.pop();
  for (const line of lines) {
    const step = /^([▶✓]) (\S+)/.exec(line);
    if (step) marks.set(`${step[1]} ${step[2]}`, Date.now() - t0);
  }
});
const code = await new Promise((resolve) => child.on('close', resolve));
const totalMs = Date.now() - t0;
rmSync(dir, { recursive: true, force: true });
if (code !== 0) throw new Error(`fedrad simulate exited ${code}`);

const steps = [...marks.keys()].filter((k) => k.startsWith('▶ ')).map((k) => k.slice(2));
const rows = steps.map((step) => [step, (marks.get(`✓ ${step}`) ?? totalMs) - marks.get(`▶ ${step}`)]);
const body = [
  '### `fedrad simulate` of a campaign from images (apps/cli/bench/simulate.mjs)',
  '',
  `${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model?.trim() ?? 'unknown CPU'} · ${cpus().length} cores · node ${process.version} · one run · 1-min load average ${loadavg()[0].toFixed(1)} at the end`,
  '',
  `Five generated image sites (scripts/generate-image-cohorts.mjs, seed 7, ${PATIENTS} patients each, each with its own scanner): ${training.join(', ')} train,`,
  `${test.join(' and ')} test. The protocol pins a feature config (2 mm isotropic resampling, FBS 10; morphology, intensity statistics, GLCM) and`,
  `fits an elastic-net logistic model on ${features.length} features by exact Newton. The whole run is the \`fedrad simulate\` process from start to exit:`,
  'a fresh campaign CA, the coordinator and five site daemons with their SQLite files, enrolment, every step, the results written.',
  'Each step is timed from the line simulate prints when it starts to the line it prints when it ends (the status is polled every 150 ms).',
  '',
  '| step | time |',
  '| --- | ---: |',
  ...rows.map(([step, ms]) => `| ${step} | ${(ms / 1000).toFixed(1)} s |`),
  `| whole \`fedrad simulate\` run | ${(totalMs / 1000).toFixed(1)} s |`,
].join('\n');
writeBenchSectionText(SECTION, body);
process.stdout.write(body + '\n');
