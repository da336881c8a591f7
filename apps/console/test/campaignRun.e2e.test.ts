import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CA_FILES, createCoordinatorClient, initCaFolder, startCoordinator, type RunningCoordinator } from '@fedrad/coordinator';
import { canonicalHash, type EvaluationReport, type MetaAnalysisSummary } from '@fedrad/protocol';
import { calibrationRows, decisionRows } from '@fedrad/report/charts';
import { enrolSite, loadSiteConfig, SiteDaemon, SiteStore } from '@fedrad/site-node';
import { launchChromium, signIn } from './browser.js';
import { CONSOLE_DIST } from './coordinatorUnderTest.js';
import { formatInterval } from '../src/logic/results.js';

// The stretch of issue #18: a whole campaign watched in the browser. Real site daemons (in this
// process, talking to the coordinator only over loopback mTLS) with seeded synthetic cohorts
// (scripts/generate-site-cohorts.mjs): three training sites, two independent test sites. The
// study lead creates the campaign in the editor and starts it in the console, then watches the
// plan run through training, lock, evaluation and meta-analysis, and reads the results page and
// the study report's RQS and METRICS checklists.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const SHOTS = join(root, 'docs/console/');
const dir = mkdtempSync(join(tmpdir(), 'fedrad-console-run-'));
const TRAINING = ['site-a', 'site-b', 'site-c'];
const TEST = ['site-t1', 'site-t2'];

let coordinator: RunningCoordinator;
let admin: { username: string; password: string };
let browser: Browser;
const daemons: SiteDaemon[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  initCaFolder(join(dir, 'ca'), 'console-run', 30);
  coordinator = await startCoordinator({ dataDir: join(dir, 'coordinator'), caDir: join(dir, 'ca'), tickMs: 100, autoApproveEnrolment: true, consoleDir: CONSOLE_DIST, onFirstAdmin: (c) => (admin = c), log: () => undefined });
});

afterAll(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await browser?.close();
  await coordinator?.close();
});

/** One site: its site.yaml over its cohort, enrolment with a one-time code, its own approval of the protocol, its daemon. */
async function startSite(siteId: string, featuresCsv: string, outcomeCsv: string, code: string, protocolHash: string): Promise<SiteDaemon> {
  const siteDir = join(dir, 'sites', siteId);
  mkdirSync(join(siteDir, 'keys'), { recursive: true });
  copyFileSync(join(dir, 'ca', CA_FILES.cert), join(siteDir, 'keys/ca.cert.pem'));
  const yaml = { siteId, campaignId: 'console-run', coordinatorUrl: `https://127.0.0.1:${coordinator.sitePort}`, dataRoot: '.', minCohortSize: 10, reconnect: { initialMs: 100, maxMs: 1000 }, cohorts: [{ name: 'local', features: featuresCsv, outcome: outcomeCsv }] };
  writeFileSync(join(siteDir, 'site.yaml'), JSON.stringify(yaml)); // JSON is YAML
  const config = loadSiteConfig(join(siteDir, 'site.yaml'));
  expect((await enrolSite(config, { code, waitSeconds: 20, pollMs: 100 })).status).toBe('issued');
  const store = new SiteStore(config.database);
  store.approve(protocolHash, `${siteId}-operator`, 'console e2e');
  store.close();
  const daemon = new SiteDaemon(config, { log: () => undefined });
  daemon.start();
  return daemon;
}

async function waitForState(page: Page, state: string, timeoutMs: number): Promise<void> {
  await page.locator('.facts .badge', { hasText: state }).first().waitFor({ timeout: timeoutMs });
}

describe('a campaign with sites, watched in the console', () => {
  it('runs from the editor to results: plan steps done live, rounds with loss, locked and signed model, per-site evaluation and the meta-analysis', async () => {
    const cohorts = JSON.parse(execFileSync(process.execPath, [join(root, 'scripts/generate-site-cohorts.mjs'), '--out', join(dir, 'cohorts'), '--sizes', 'site-a=150,site-b=170,site-c=130,site-t1=140,site-t2=120', '--features', '6', '--seed', '18'], { encoding: 'utf8' })) as {
      features: string[];
      sites: Array<{ siteId: string; featuresCsv: string; outcomeCsv: string }>;
    };
    const protocol = {
      type: 'campaign-protocol', campaignId: 'console-run', title: 'Console run: binary outcome, synthetic cohorts', version: 1,
      outcome: { type: 'binary', label: 'label' }, features: cohorts.features,
      model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.005, standardize: true },
      trainingSites: TRAINING, testSites: TEST, minCohortSize: 10,
      training: { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 60 },
      analysisPlan: { primaryMetric: 'auc', bootstrapReplicates: 200 },
    };
    const page = await signIn(await browser.newContext({ viewport: { width: 1280, height: 800 } }), `http://127.0.0.1:${coordinator.apiPort}`, admin);
    const violations: string[] = [];
    const elsewhere: string[] = [];
    page.on('console', (m) => /Content Security Policy|unsafe-eval/i.test(m.text()) && violations.push(m.text()));
    page.on('request', (r) => !r.url().startsWith(`http://127.0.0.1:${coordinator.apiPort}/`) && !r.url().startsWith('blob:') && elsewhere.push(r.url()));
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByLabel(/Campaign protocol/).fill(JSON.stringify(protocol, null, 2));
    await page.getByTestId('no-refusals').waitFor();
    await page.getByRole('button', { name: 'Create and lock campaign' }).click();
    await page.getByRole('heading', { name: protocol.title }).waitFor();

    const api = createCoordinatorClient(coordinator.apiUrl, admin);
    const protocolHash = canonicalHash(protocol);
    for (const s of cohorts.sites) {
      const { code } = await api.enrolments.createCode({ siteId: s.siteId, campaignId: 'console-run' });
      daemons.push(await startSite(s.siteId, s.featuresCsv, s.outcomeCsv, code, protocolHash));
    }
    // The console shows each site connecting (sites.connected, refetched on events and every 15 s).
    await page.reload();
    for (const siteId of [...TRAINING, ...TEST]) await page.getByTestId('campaign-sites').getByRole('row', { name: new RegExp(`${siteId} .* yes`) }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Start campaign' }).click();

    // Live: the WebSocket events drive the page from training to completed without a reload.
    await waitForState(page, 'completed', 150_000);
    const status = await api.campaigns.status({ campaignId: 'console-run' });
    expect(status.state).toBe('completed');
    await expect(page.getByTestId('plan').locator('.step-done').count()).resolves.toBe(status.plan.filter((p) => p.state === 'done').length);
    await expect(page.getByTestId('rounds').locator('tbody tr').count()).resolves.toBe(status.rounds.length);
    const lastLoss = status.rounds.filter((r) => typeof r.loss === 'number').at(-1)!.loss!;
    await page.getByTestId('rounds').getByText(lastLoss.toPrecision(6)).first().waitFor();
    await page.getByTestId('locked-model').getByText(status.model!.modelHash).waitFor();
    await page.getByTestId('locked-model').getByTestId('signature').waitFor();
    await page.screenshot({ path: `${SHOTS}campaign-completed.png`, fullPage: true });

    await page.getByRole('link', { name: 'Results' }).click();
    const evaluations = page.getByTestId('evaluations');
    for (const e of status.evaluations) {
      const auc = (e.report as { discrimination: { auc: { estimate: number; lower: number; upper: number } } }).discrimination.auc;
      await evaluations.getByRole('row', { name: new RegExp(e.siteId) }).getByText(formatInterval(auc)).waitFor();
    }
    expect(status.evaluations.map((e) => e.siteId)).toEqual(TEST);
    await page.getByTestId('meta-analysis').getByRole('cell', { name: 'auc', exact: true }).waitFor();
    await page.getByTestId('model-card').getByText(status.modelRelease!.card.modelSha256).waitFor();
    // The report's plots, drawn by Vega in the browser under the console's CSP: one per chart the
    // report package would draw for these reports (ROC, calibration, decision curves, a forest plot per pooled measure).
    const reports = status.evaluations.map((e) => e.report as EvaluationReport);
    const meta = (status.metaAnalysis?.report?.metaAnalyses ?? []) as MetaAnalysisSummary[];
    const expected = 1 + (calibrationRows(reports).length > 0 ? 1 : 0) + (decisionRows(reports).length > 0 ? 1 : 0) + meta.length;
    await page.getByTestId('charts').locator('figure svg').nth(expected - 1).waitFor();
    await expect(page.getByTestId('charts').locator('figure').count()).resolves.toBe(expected);
    // Each plot drawn with marks (Vega renders each view on its own, so wait for each).
    for (const figure of await page.getByTestId('charts').locator('figure').all()) await figure.locator('svg path').first().waitFor();
    await expect(page.getByTestId('charts').locator('.error-text').count()).resolves.toBe(0);
    await page.screenshot({ path: `${SHOTS}results.png`, fullPage: true });

    // The study report the report step made (campaigns.report): the checklists show its scores, and the
    // page the console saves is byte for byte the HTML the coordinator rendered.
    const report = (await api.campaigns.report({ campaignId: 'console-run' }))!;
    expect(report).not.toBeNull();
    const rqs = report.rqs!;
    const metrics = report.metrics!;
    const studyReport = page.getByTestId('study-report');
    await studyReport.getByTestId('rqs-total').getByText(`RQS ${rqs.total} of 36`).waitFor();
    await expect(studyReport.getByTestId('rqs').locator('tbody tr').count()).resolves.toBe(rqs.items.length);
    for (const item of rqs.items) {
      await expect(studyReport.getByTestId('rqs').locator('tbody tr').nth(item.item - 1).locator('td').nth(2).textContent()).resolves.toMatch(new RegExp(`^${item.points}\\b`));
    }
    await studyReport.getByTestId('metrics-score').getByText(`METRICS ${metrics.score} %`).waitFor();
    await expect(studyReport.getByTestId('metrics').locator('tbody tr').count()).resolves.toBe(metrics.items.length);
    const [download] = await Promise.all([page.waitForEvent('download'), studyReport.getByRole('button', { name: 'Download report (HTML)' }).click()]);
    expect(download.suggestedFilename()).toBe('console-run-report.html');
    expect(readFileSync(await download.path(), 'utf8')).toBe(report.html);
    const [opened] = await Promise.all([page.context().waitForEvent('page'), studyReport.getByRole('button', { name: 'Open report' }).click()]);
    await opened.waitForLoadState();
    expect(opened.url()).toMatch(/^blob:/);
    await expect(opened.content()).resolves.toContain('</html>');
    await opened.close();
    await studyReport.screenshot({ path: `${SHOTS}checklists.png` });
    expect(violations).toEqual([]);
    expect(elsewhere).toEqual([]);
  });
});
