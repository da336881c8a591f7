#!/usr/bin/env node
// Console bench (issue #18), one shot: `npm run build && node scripts/bench-console.mjs`; writes
// the @fedrad/console section of BENCHMARKS.md (scripts/benchSection.mjs).
//  1. The initial JavaScript a browser loads for the console (index.html's module script and its
//     modulepreloads), gzipped with zlib at level 9 as a server would send it. Target < 300 kB.
//  2. First render of the campaign page with 100 sites × 50 rounds (5,000 jobs) in headless
//     Debian chromium against a real coordinator, each a fresh page load. Target < 1 s. Timed in
//     the page (performance.now() from navigation start): the first frame after both tables have
//     all their rows; and, from Node, until playwright has seen both (its polling under load adds
//     to that). The rounds and jobs are written into the store directly (a synthetic history).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { initCaFolder, startCoordinator, createCoordinatorClient } from '@fedrad/coordinator';
import { writeBenchSectionText } from './benchSection.mjs';

const dist = fileURLToPath(new URL('../apps/console/dist/', import.meta.url));
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let raw = 0;
let gz = 0;
for (const file of initial) {
  const bytes = readFileSync(join(dist, file));
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
}
console.log(`initial console JS: ${initial.length} file(s), ${(raw / 1024).toFixed(1)} kB raw, ${(gz / 1024).toFixed(1)} kB gzipped (target < 300 kB)`);
/** A chunk loaded on demand, by its name (Vite names it after its module: ProtocolEditor-<hash>.js), gzipped. */
const chunk = (name) => {
  const file = readdirSync(join(dist, 'assets')).find((f) => f.startsWith(`${name}-`) && f.endsWith('.js'));
  return file ? gzipSync(readFileSync(join(dist, 'assets', file)), { level: 9 }).length : NaN;
};
const loadBefore = loadavg();

const SITES = 100;
const ROUNDS = 50;
const dir = mkdtempSync(join(tmpdir(), 'fedrad-bench-console-'));
initCaFolder(join(dir, 'ca'), 'bench', 30);
let admin;
const coordinator = await startCoordinator({ dataDir: join(dir, 'data'), caDir: join(dir, 'ca'), exportModel: null, consoleDir: dist, onFirstAdmin: (c) => (admin = c), log: () => undefined });
const browser = await chromium.launch({ executablePath: process.env.FEDRAD_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const sites = Array.from({ length: SITES }, (_, i) => `site-${String(i).padStart(3, '0')}`);
  const protocol = {
    type: 'campaign-protocol', campaignId: 'bench-100x50', title: 'Bench: 100 sites × 50 rounds', version: 1,
    outcome: { type: 'binary', label: 'y' }, features: ['f1', 'f2', 'f3'],
    model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05, standardize: true },
    trainingSites: sites, testSites: [], minCohortSize: 5,
    training: { strategy: 'exact-newton', rounds: ROUNDS, roundDeadlineSeconds: 60 },
  };
  await createCoordinatorClient(coordinator.apiUrl, admin).campaigns.create(protocol);
  const db = coordinator.core.db;
  const at = new Date().toISOString();
  db.transaction(() => {
    const round = db.prepare("INSERT INTO rounds (campaign_id, round, state, opened_at, deadline, parameters_json, server_json, closed_at, summary_json) VALUES (?, ?, 'closed', ?, ?, '{}', '{}', ?, ?)");
    const job = db.prepare("INSERT INTO jobs (job_id, campaign_id, site_id, kind, round, state, attempt, params_hash, created_at, updated_at) VALUES (?, ?, ?, 'train-round', ?, 'done', 1, 'x', ?, ?)");
    const site = db.prepare('INSERT INTO sites (site_id, first_seen_at, last_seen_at) VALUES (?, ?, ?)');
    for (const s of sites) site.run(s, at, at);
    for (let r = 0; r < ROUNDS; r++) {
      round.run(protocol.campaignId, r, at, at, at, JSON.stringify({ sites, sampleCount: 100 * SITES, loss: 0.69 / (r + 1), parametersHash: `${r}`.padStart(64, '0') }));
      for (const s of sites) job.run(`${s}-${r}`, protocol.campaignId, s, r, at, at);
    }
  })();
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  // In the page: the first frame after both tables have all their rows (a MutationObserver finds
  // them, the next animation frame is the one that draws them, the task after it runs once it is out).
  await page.addInitScript(({ sites, rounds }) => {
    const full = () => document.querySelector(`[data-testid="campaign-sites"] tbody tr:nth-child(${sites})`) && document.querySelector(`[data-testid="rounds"] tbody tr:nth-child(${rounds})`);
    const observer = new MutationObserver(() => {
      if (!full()) return;
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => (window.__drawnAt = performance.now())));
    });
    observer.observe(document, { childList: true, subtree: true });
  }, { sites: SITES, rounds: ROUNDS });
  await page.goto(`http://127.0.0.1:${coordinator.apiPort}/`);
  await page.getByLabel('Operator').fill(admin.username);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
  // Each visit a fresh page load (no cached query, JS parsed again).
  const url = `http://127.0.0.1:${coordinator.apiPort}/#/campaigns/${protocol.campaignId}`;
  const api = createCoordinatorClient(coordinator.apiUrl, admin);
  const drawn = [];
  const seen = [];
  const server = [];
  for (let i = 0; i < 7; i++) {
    const s0 = Date.now();
    await api.campaigns.overview({ campaignId: protocol.campaignId });
    server.push(Date.now() - s0);
    await page.goto('about:blank');
    const t0 = Date.now();
    await page.goto(url);
    await page.locator(`[data-testid="rounds"] tbody tr:nth-child(${ROUNDS})`).waitFor();
    await page.locator(`[data-testid="campaign-sites"] tbody tr:nth-child(${SITES})`).waitFor();
    seen.push(Date.now() - t0);
    drawn.push(Math.round(await page.waitForFunction(() => window.__drawnAt).then((h) => h.jsonValue())));
  }
  const loadAfter = loadavg();
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
  const spread = (xs) => `${sorted(xs)[0]}–${sorted(xs).at(-1)} ms`;
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`campaign page, ${SITES} sites × ${ROUNDS} rounds (${SITES * ROUNDS} jobs), fresh load to the first frame with both tables (in the page): ${drawn.join(', ')} ms, median ${median(drawn)} ms (target < 1000 ms)`);
  console.log(`  until playwright saw both tables (from Node): ${seen.join(', ')} ms, median ${median(seen)} ms; campaigns.overview alone (from Node): median ${median(server)} ms`);
  const load = `${loadBefore[0].toFixed(1)} before, ${loadAfter[0].toFixed(1)} after (1-minute load average)`;
  writeBenchSectionText('@fedrad/console', [
    '### Web console (scripts/bench-console.mjs)',
    '',
    `${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model?.trim() ?? 'unknown CPU'} · ${cpus().length} cores · node ${process.version} · Debian chromium headless · 7 fresh page loads · load average ${load}${loadBefore[0] > cpus().length ? ': other work shared the cores' : ''}`,
    '',
    '| what | result | target | met |',
    '| --- | ---: | ---: | :---: |',
    `| initial console JavaScript (index.html's scripts, zlib level 9) | ${(gz / 1024).toFixed(1)} kB gzipped (${(raw / 1024).toFixed(1)} kB raw) | < 300 kB | ${gz < 300 * 1024 ? 'yes' : '**no**'} |`,
    `| protocol editor chunk (its schema validator), loaded when the editor opens | ${(chunk('ProtocolEditor') / 1024).toFixed(1)} kB gzipped | | |`,
    `| charts chunk (Vega), loaded by the Results page | ${(chunk('ResultCharts') / 1024).toFixed(1)} kB gzipped | | |`,
    `| campaign page, ${SITES} sites × ${ROUNDS} rounds (${SITES * ROUNDS} jobs in the store), fresh load to the first frame with both tables, in the page | median ${s(median(drawn))} (${spread(drawn)}) | < 1 s | ${median(drawn) < 1000 ? 'yes' : '**no**'} |`,
    `| the same, until playwright (from Node) has seen both tables | median ${s(median(seen))} (${spread(seen)}) | | |`,
    `| \`campaigns.overview\` of that campaign alone, from Node | median ${median(server)} ms (${spread(server)}) | | |`,
  ].join('\n'));
} finally {
  await browser.close();
  await coordinator.close();
}
