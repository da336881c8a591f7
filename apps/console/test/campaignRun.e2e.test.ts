import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { addOperator, CA_FILES, createCoordinatorClient, initCaFolder, startCoordinator, type RunningCoordinator } from '@fedrad/coordinator';
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
let evil: Server;
const daemons: SiteDaemon[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  initCaFolder(join(dir, 'ca'), 'console-run', 30);
  coordinator = await startCoordinator({ dataDir: join(dir, 'coordinator'), caDir: join(dir, 'ca'), tickMs: 100, autoApproveEnrolment: true, consoleDir: CONSOLE_DIST, onFirstAdmin: (c) => (admin = c), log: () => undefined });
  // A page of another origin the operator might have open: it must not read the report.
  evil = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
});

afterAll(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await browser?.close();
  await coordinator?.close();
  await new Promise((r) => evil?.close(r));
});

/** One site: its site.yaml over its cohort, enrolment with a one-time code, its own approval of the protocol, its daemon. */
async function startSite(siteId: string, featuresCsv: string, outcomeCsv: string, code: string, protocolHash: string): Promise<SiteDaemon> {
  const siteDir = join(dir, 'sites', siteId);
  mkdirSync(join(siteDir, 'keys'), { recursive: true });
  copyFileSync(join(dir, 'ca', CA_FILES.cert), join(siteDir, 'keys/ca.cert.pem'));
  // About the console, on a plain protocol: the sites opt in to its rounds after 0, at coefficients they cannot verify (site.yaml's trustCoordinatorCoefficients).
  const yaml = { siteId, campaignId: 'console-run', coordinatorUrl: `https://127.0.0.1:${coordinator.sitePort}`, dataRoot: '.', minCohortSize: 10, reconnect: { initialMs: 100, maxMs: 1000 }, trustCoordinatorCoefficients: true, cohorts: [{ name: 'local', features: featuresCsv, outcome: outcomeCsv }] };
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
    // "Open report": the coordinator's own page for it, same origin, under its own CSP — styled by its stylesheet, no violation, no error.
    const reportErrors: string[] = [];
    page.context().on('page', (p) => p.on('console', (m) => (m.type() === 'error' || /Content Security Policy/i.test(m.text())) && reportErrors.push(m.text())));
    const [opened] = await Promise.all([page.context().waitForEvent('page'), studyReport.getByRole('link', { name: 'Open report' }).click()]);
    await opened.waitForLoadState();
    const origin = `http://127.0.0.1:${coordinator.apiPort}`;
    expect(opened.url()).toBe(`${origin}/campaigns/console-run/report.html`);
    await opened.getByRole('heading', { name: protocol.title }).waitFor();
    // The report's stylesheet (packages/report/src/html.ts): th { background: #f3f3f3 }, h2 { border-bottom: 1px solid #ccc }, body { max-width: 60em }.
    const applied = await opened.evaluate(() => {
      const th = getComputedStyle(document.querySelector('th')!);
      const h2 = getComputedStyle(document.querySelector('h2')!);
      return { th: th.backgroundColor, h2: `${h2.borderBottomStyle} ${h2.borderBottomColor}`, body: getComputedStyle(document.body).maxWidth, fontSize: getComputedStyle(document.body).fontSize };
    });
    expect(applied).toEqual({ th: 'rgb(243, 243, 243)', h2: 'solid rgb(204, 204, 204)', body: `${60 * Number.parseFloat(applied.fontSize)}px`, fontSize: applied.fontSize });
    await expect(opened.content()).resolves.toContain('</html>');
    await opened.screenshot({ path: `${SHOTS}report-page.png` });
    await opened.close();
    expect(reportErrors).toEqual([]);
    // Without the operator's session it is refused; a page of another origin, with the operator signed in, cannot read it.
    expect((await fetch(`${origin}/campaigns/console-run/report.html`)).status).toBe(401);
    const other = await page.context().newPage();
    await other.goto(`http://127.0.0.1:${(evil.address() as { port: number }).port}/`);
    const read = await other.evaluate(async (url) => {
      try {
        return (await (await fetch(url, { credentials: 'include' })).text()).length;
      } catch {
        return -1;
      }
    }, `${origin}/campaigns/console-run/report.html`);
    expect(read).toBe(-1);
    await other.close();
    await studyReport.screenshot({ path: `${SHOTS}checklists.png` });

    // Attesting what no software can know: RQS item 15 (cost-effectiveness, +1; Lambin 2017, Table 1). The form
    // checks the draft, the coordinator records who and when and scores the report again, the checklist follows.
    const form = page.getByRole('form', { name: 'Attest a claim' });
    await page.getByTestId('attestations').getByText('No attestation yet').waitFor();
    await form.getByLabel('Claim').selectOption('rqs-15');
    await form.getByLabel('yes').check();
    await form.getByRole('button', { name: 'Attest' }).click();
    await form.getByText('A "yes" needs evidence').waitFor();
    await form.getByLabel(/Evidence/).fill('Cost-effectiveness analysis, doi:10.1000/fedrad.cea');
    await form.getByRole('button', { name: 'Attest' }).click();
    const attested = page.getByTestId('attestation-list').getByRole('row', { name: /rqs-15/ });
    await attested.getByText(admin.username, { exact: true }).waitFor();
    await attested.getByText('doi:10.1000/fedrad.cea', { exact: false }).waitFor();
    const after = (await api.campaigns.report({ campaignId: 'console-run' }))!.rqs!;
    expect(after.items.find((i) => i.item === 15)!.points).toBe(1);
    expect(after.total).toBe(rqs.total + 1);
    await studyReport.getByTestId('rqs-total').getByText(`RQS ${after.total} of 36`).waitFor();
    await expect(studyReport.getByTestId('rqs').locator('tbody tr').nth(14).locator('td').nth(2).textContent()).resolves.toMatch(/^1\b/);
    await expect(form.getByLabel('Claim').locator('option[value="rqs-15"]').count()).resolves.toBe(0);
    await page.getByTestId('attestations').screenshot({ path: `${SHOTS}attestations.png` });
    expect(violations).toEqual([]);
    expect(elsewhere).toEqual([]);

    // An auditor reads the attestations and the report page, and the form is read-only.
    const auditor = await addOperator(coordinator.core.db, 'audrey', 'auditor', 'e2e-setup');
    const auditorPage = await signIn(await browser.newContext({ viewport: { width: 1280, height: 800 } }), origin, { username: auditor.username, password: auditor.password });
    await auditorPage.goto(`${origin}/#/campaigns/console-run/results`);
    await auditorPage.getByTestId('attestation-list').getByRole('row', { name: /rqs-15/ }).getByText(admin.username, { exact: true }).waitFor();
    await expect(auditorPage.getByRole('form', { name: 'Attest a claim' }).getByRole('button', { name: 'Attest' }).isDisabled()).resolves.toBe(true);
    await expect(auditorPage.getByRole('form', { name: 'Attest a claim' }).getByLabel('Claim').isDisabled()).resolves.toBe(true);
    const [auditorReport] = await Promise.all([auditorPage.context().waitForEvent('page'), auditorPage.getByRole('link', { name: 'Open report' }).click()]);
    await auditorReport.getByRole('heading', { name: protocol.title }).waitFor();
    await auditorPage.context().close();
  });
});
