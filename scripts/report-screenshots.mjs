#!/usr/bin/env node
// Writes the example study report and a screenshot of each of its sections for the README:
//   docs/report-example/        a run folder as `campaign export` lays it out: three test sites'
//                               evaluation reports (seeded synthetic cohorts, fedrad's own evaluation),
//                               their meta-analysis, the RQS/METRICS of the example campaign
//                               provenance, its signed model card, an ICC list and per-site feature
//                               summaries before and after harmonisation; report.html and report.json
//   docs/report-<section>.png   each section as Debian's chromium renders it (playwright-core)
// Usage: npm run build && node scripts/report-screenshots.mjs   (needs /usr/bin/chromium, or FEDRAD_CHROMIUM)
// The package tests read docs/report-example/ as their fixture.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { evaluateBinary, pooledReport } from '@fedrad/stats';
import { scoreMetrics, scoreRqs } from '@fedrad/rqs';
import { buildReport } from '@fedrad/report';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = join(root, 'docs/report-example');
const example = (path) => JSON.parse(readFileSync(join(root, 'protocols/examples', path), 'utf8'));
const write = (path, doc) => (mkdirSync(dirname(path), { recursive: true }), writeFileSync(path, JSON.stringify(doc, null, 2) + '\n'));

/** A seeded linear congruential generator (Numerical Recipes' constants). */
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (1664525 * s + 1013904223) >>> 0) / 2 ** 32;
}

/** One test site on a synthetic cohort: label ~ Bernoulli(0.35); model and clinical baseline scores with site-specific signal. */
function siteReport(siteId, seed, n, signal) {
  const u = lcg(seed);
  const labels = [], scores = [], baseline = [];
  for (let i = 0; i < n; i++) {
    const y = u() < 0.35 ? 1 : 0;
    const z = Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u());
    labels.push(y);
    scores.push(1 / (1 + Math.exp(-(signal * (y - 0.35) * 2 + z - 0.6))));
    baseline.push(1 / (1 + Math.exp(-((y - 0.35) + 1.5 * z - 0.6))));
  }
  return evaluateBinary(scores, labels, { siteId, baselineScores: baseline, threshold: 0.4, thresholdSource: 'model-card', bootstrapReplicates: 200, seed });
}

const sites = [siteReport('site-milan', 11, 100, 0.8), siteReport('site-leiden', 12, 110, 1.0), siteReport('site-bordeaux', 13, 120, 1.2)];
for (const r of sites) write(join(run, 'evaluations', `${r.siteId}.json`), r);
write(join(run, 'meta-analysis.json'), pooledReport(sites));
const provenance = example('campaign-provenance/valid-full.json');
write(join(run, 'rqs.json'), scoreRqs(provenance));
write(join(run, 'metrics.json'), scoreMetrics(provenance));
// The card as a campaign signs it: its sites with their patients, its features with their IBSI codes.
const card = example('model-card/valid-lasso.json');
const trainingSites = provenance.sites.filter((x) => x.role === 'training');
write(join(run, 'model.card.json'), {
  ...card,
  campaign: {
    campaignId: 'sts-grade-2026',
    protocolHash: provenance.protocolHash,
    lockedModelHash: 'd'.repeat(64),
    strategy: 'exact-newton',
    roundsRun: 7,
    sites: [...trainingSites.map((x) => ({ siteId: x.siteId, role: 'training', patientCount: x.patientCount })), ...sites.map((r) => ({ siteId: r.siteId, role: 'test' }))],
    features: [{ name: 'morph_vol_approx', ibsiCode: 'YEKZ' }, { name: 'stat_kurt', ibsiCode: 'IPH6' }],
    featureConfigSha256: provenance.extraction.featureConfigSha256,
    harmonisation: 'ComBat (parametric), fitted on the training sites',
    classWeights: 'balanced',
    trainingMetrics: { sampleCount: trainingSites.reduce((a, x) => a + x.patientCount, 0), converged: true },
    intendedUse: 'Research: high vs low FNCLCC grade from contrast T1 MRI, on patients like those of the training sites.',
    limitations: ['Validated only at the campaign\'s independent test sites.', 'A research model: not a medical device.'],
    software: { name: 'fedrad', version: '0.1.0' },
  },
});
// Each site's mean and SD of four features before and after harmonisation (seeded site shifts; after ComBat every
// site sits near the pooled mean with the pooled SD), as the harmonisation step's per-site summaries give them.
const allSites = [...trainingSites.map((x) => x.siteId), ...sites.map((r) => r.siteId)];
const featureScale = { morph_vol_approx: [150, 80], stat_kurt: [0.4, 1.2], stat_mean: [310, 40], cm_joint_max_3D_comb: [0.05, 0.02] };
const shift = lcg(21);
write(
  join(run, 'distributions.json'),
  allSites.flatMap((siteId, k) =>
    Object.entries(featureScale).flatMap(([feature, [mean, sd]]) => {
      const offset = (shift() - 0.5) * sd, spread = 0.6 + 0.8 * shift();
      const round = (x) => Math.round(x * 1e4) / 1e4;
      return [
        { siteId, feature, stage: 'before', n: 60 + 10 * k, mean: round(mean + offset), sd: round(sd * spread) },
        { siteId, feature, stage: 'after', n: 60 + 10 * k, mean: round(mean + offset * 0.05), sd: round(sd * (0.97 + 0.06 * shift())) },
      ];
    }),
  ),
);
write(join(run, 'icc.json'), Array.from({ length: 60 }, (_, i) => ({ feature: `feature-${i + 1}`, icc: Math.round((0.35 + 0.65 * Math.sqrt(((i * 37) % 60) / 60)) * 1000) / 1000 })));
write(join(run, 'status.json'), { campaignId: 'sts-grade-2026', title: 'High vs low FNCLCC grade from contrast T1 MRI (example)' });

const input = {
  title: 'High vs low FNCLCC grade from contrast T1 MRI (example)',
  campaignId: 'sts-grade-2026',
  siteReports: sites,
  pooled: JSON.parse(readFileSync(join(run, 'meta-analysis.json'), 'utf8')),
  rqs: JSON.parse(readFileSync(join(run, 'rqs.json'), 'utf8')),
  metrics: JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')),
  modelCard: JSON.parse(readFileSync(join(run, 'model.card.json'), 'utf8')),
  icc: JSON.parse(readFileSync(join(run, 'icc.json'), 'utf8')),
  distributions: JSON.parse(readFileSync(join(run, 'distributions.json'), 'utf8')),
  generatedAt: '2026-12-06T12:00:00.000Z',
  softwareVersion: JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8')).version,
};
const report = await buildReport(input);
writeFileSync(join(run, 'report.html'), report.html);
write(join(run, 'report.json'), report.json);

const browser = await chromium.launch({ executablePath: process.env.FEDRAD_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(pathToFileURL(join(run, 'report.html')).href);
  for (const { id } of report.json.sections) {
    const path = join(root, 'docs', `report-${id}.png`);
    await page.locator(`section#${id}`).screenshot({ path });
    console.log(`wrote ${path}`);
  }
} finally {
  await browser.close();
}
