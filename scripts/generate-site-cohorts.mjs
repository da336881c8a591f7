#!/usr/bin/env node
// Seeded synthetic radiomics cohorts for the federated demo and the end-to-end tests.
//
// Three training sites and one independent test site, each with its own feature table
// (`id,<features…>`, exactly the layout `fedrad extract` writes) and outcome table
// (`id,label`). A shared latent patient model drives a binary outcome through a few
// informative features; every site then distorts the features the way a scanner and
// protocol would (per-feature offset and gain) and has its own case mix (prevalence).
// Nothing here is real patient data; the same seed always gives byte-identical files.
//
// Usage: node scripts/generate-site-cohorts.mjs --out DIR [--seed 2026]
//          [--sizes site-a=180,site-b=220,site-c=150,site-test=200] [--features 24]
//        prints a JSON summary (sites, files, patient and event counts) on stdout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
// The seeded generator every package shares (needs `npm run build`, as the demo and tests do).
import { mulberry32 } from '@fedrad/numeric';

/** Standard normal deviates by the Box–Muller transform. */
function normal(rand) {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export const DEFAULT_SIZES = { 'site-a': 180, 'site-b': 220, 'site-c': 150, 'site-test': 200 };
export const TRAINING_SITES = ['site-a', 'site-b', 'site-c'];
export const TEST_SITES = ['site-test'];

// True log-odds weights of the latent (standardised) features; the rest are noise.
const INFORMATIVE = [1.1, -0.9, 0.7, 0.6, -0.5, 0.4];
const LATENT_CORRELATION = 0.3; // AR(1) correlation between neighbouring features

function featureName(j) {
  return `feat_${String(j + 1).padStart(2, '0')}`;
}

function format(value) {
  // 12 significant digits: far beyond the model's needs, and stable across platforms.
  return String(Number(value.toPrecision(12)));
}

/**
 * Generates every site's tables in memory. Returns { features, sites: [{ siteId, role,
 * ids, featureRows, labels }] }.
 */
export function generateCohorts({ seed = 2026, sizes = DEFAULT_SIZES, featureCount = 24 } = {}) {
  const rand = mulberry32(seed);
  const features = Array.from({ length: featureCount }, (_, j) => featureName(j));
  // Each feature lives on its own physical scale (radiomic features mix units wildly).
  const baseMean = features.map(() => -5 + 105 * rand());
  const baseScale = features.map(() => 0.5 + 19.5 * rand());
  const sites = [];
  let siteIndex = 0;
  for (const [siteId, n] of Object.entries(sizes)) {
    siteIndex++;
    // Scanner/protocol effect: a per-feature offset and gain, plus the site's case mix.
    const offset = features.map(() => 0.3 * normal(rand));
    const gain = features.map(() => Math.exp(0.1 * normal(rand)));
    const intercept = -0.4 - 0.25 * (siteIndex - 1);
    const ids = [];
    const featureRows = [];
    const labels = [];
    for (let i = 0; i < n; i++) {
      const latent = new Array(featureCount);
      for (let j = 0; j < featureCount; j++) {
        const z = normal(rand);
        latent[j] = j === 0 ? z : LATENT_CORRELATION * latent[j - 1] + Math.sqrt(1 - LATENT_CORRELATION ** 2) * z;
      }
      let eta = intercept;
      for (let k = 0; k < INFORMATIVE.length && k < featureCount; k++) eta += INFORMATIVE[k] * latent[k];
      const label = rand() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
      ids.push(`${siteId}-${String(i + 1).padStart(4, '0')}`);
      featureRows.push(latent.map((x, j) => baseMean[j] + baseScale[j] * (gain[j] * x + offset[j])));
      labels.push(label);
    }
    sites.push({ siteId, role: TEST_SITES.includes(siteId) ? 'test' : 'training', ids, featureRows, labels });
  }
  return { features, sites };
}

/** Writes features.csv and outcome.csv per site under outDir/<siteId>/; returns a summary. */
export function writeCohorts(outDir, options = {}) {
  const { features, sites } = generateCohorts(options);
  const summary = { seed: options.seed ?? 2026, features, sites: [] };
  for (const site of sites) {
    const dir = join(outDir, site.siteId);
    mkdirSync(dir, { recursive: true });
    const featureLines = ['id,' + features.join(',')];
    const outcomeLines = ['id,label'];
    site.ids.forEach((id, i) => {
      featureLines.push(id + ',' + site.featureRows[i].map(format).join(','));
      outcomeLines.push(`${id},${site.labels[i]}`);
    });
    const featuresCsv = join(dir, 'features.csv');
    const outcomeCsv = join(dir, 'outcome.csv');
    writeFileSync(featuresCsv, featureLines.join('\n') + '\n');
    writeFileSync(outcomeCsv, outcomeLines.join('\n') + '\n');
    summary.sites.push({
      siteId: site.siteId,
      role: site.role,
      featuresCsv,
      outcomeCsv,
      patients: site.ids.length,
      events: site.labels.reduce((a, b) => a + b, 0),
    });
  }
  return summary;
}

/** A whole number ≥ min, or an error naming the flag (a typo must not give an empty site). */
function wholeNumber(text, what, min) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`${what} must be a whole number ≥ ${min}, got "${text}"`);
  return n;
}

function parseArgs(argv) {
  const args = { out: undefined, seed: 2026, sizes: DEFAULT_SIZES, featureCount: 24 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--out') args.out = resolve(value);
    else if (flag === '--seed') args.seed = wholeNumber(value, '--seed', 0);
    else if (flag === '--features') args.featureCount = wholeNumber(value, '--features', 1);
    else if (flag === '--sizes') {
      args.sizes = Object.fromEntries(value.split(',').map((pair) => {
        const [site, n] = pair.split('=');
        if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(site ?? '')) throw new Error(`--sizes: "${site}" is not a site id (lower-case letters, digits and dashes)`);
        return [site, wholeNumber(n, `--sizes ${site}`, 1)];
      }));
    } else throw new Error(`unknown option ${flag}`);
  }
  if (!args.out) throw new Error('--out DIR is required');
  return args;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`generate-site-cohorts: ${e.message}\n`);
    process.exit(2);
  }
  const summary = writeCohorts(args.out, args);
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
}
