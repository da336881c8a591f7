import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobEnvelope, JobResult, RqsChecklist } from '@fedrad/protocol';
import { DECLARABLE_CLAIMS } from '@fedrad/rqs';
import { addOperator, createApiToken, createCampaign, createCoordinatorClient, initCaFolder, startCampaign, startCoordinator, type RunningCoordinator } from '../src/index.js';
import { acceptResult } from '../src/core/results.js';
import { answer, answerTrainJob, glmFixture, makeSite, protocolFor, type FakeSite } from './fakeSites.js';

// GET /campaigns/<id>/report.html: the study report page for the console's "Open report", with
// the operator's credentials, under its own CSP.
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fedrad-report-route-'));
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c', 'site-t1', 'site-t2'].map((s) => [s, makeSite(s)]));
const example = JSON.parse(readFileSync(join(here, '../../../protocols/examples/evaluation-report/valid-binary-site.json'), 'utf8')) as JobResult['result'];
let coordinator: RunningCoordinator;
let token: string;

/** The sites' answers, delivered to the running coordinator's core (as its site server would): updates, then the example report. */
async function run(queue: JobEnvelope[]): Promise<void> {
  for (let job = queue.shift(); job; job = queue.shift()) {
    const site = sites[job.siteId];
    const out = acceptResult(coordinator.core, site.peer, job.kind === 'train-round' ? await answerTrainJob(site, glmFixture.sites[job.siteId], job) : answer(site, job, example));
    expect(out.ack.status).toBe('accepted');
    queue.push(...out.send);
  }
}

beforeAll(async () => {
  initCaFolder(join(dir, 'ca'), 'report-route', 30);
  coordinator = await startCoordinator({
    dataDir: join(dir, 'data'),
    caDir: join(dir, 'ca'),
    exportModel: (_p, parameters) => new TextEncoder().encode(`onnx:${JSON.stringify(parameters)}`),
    consoleDir: null,
    tickMs: 60_000,
    onFirstAdmin: () => undefined,
  });
  token = (await createApiToken(coordinator.core.db, 'admin', 'tests', 'test-setup')).token;
  createCampaign(coordinator.core, protocolFor({ campaignId: 'reported', testSites: ['site-t1', 'site-t2'] }));
  createCampaign(coordinator.core, protocolFor({ campaignId: 'unreported' }));
  await run(startCampaign(coordinator.core, 'reported'));
}, 300_000);
afterAll(async () => {
  await coordinator?.close();
});

const url = (id: string) => `http://127.0.0.1:${coordinator.apiPort}/campaigns/${id}/report.html`;
const bearer = () => ({ authorization: `Bearer ${token}` });

describe('the report page route', () => {
  it('serves the report campaigns.report has, inline, with a CSP that allows its own stylesheet by hash and nothing else', async () => {
    const res = await fetch(url('reported'), { headers: bearer() });
    expect(res.status).toBe(200);
    const html = await res.text();
    const report = await createCoordinatorClient(coordinator.apiUrl, token).campaigns.report({ campaignId: 'reported' });
    expect(html).toBe(report!.html);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('inline; filename="reported-report.html"');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    // The hash computed here from the page's one <style> element (CSP3 hash-source: base64 SHA-256 of its text).
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
    expect(styles).toHaveLength(1);
    const csp = res.headers.get('content-security-policy')!.split('; ');
    expect(csp).toEqual(["default-src 'none'", `style-src 'sha256-${createHash('sha256').update(styles[0]).digest('base64')}'`, "img-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", 'sandbox']);
    expect(csp.join(';')).not.toMatch(/unsafe|script-src|https?:|\*/);
    // The page needs nothing the CSP withholds: no script, no style attribute, nothing loaded from elsewhere (SVG clip paths are url(#…) in the page).
    expect(html.match(/<script|\sstyle=|<link|<img|\ssrc=|url\((?!#)/gi)).toBeNull();
  });

  it('refuses a caller without credentials (401), a foreign origin (403), and answers 404 for an unknown or malformed id and before the report step ran', async () => {
    const anonymous = await fetch(url('reported'));
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { data: { fedradCode: 'UNAUTHORIZED' } } });
    expect((await fetch(url('reported'), { headers: { authorization: 'Bearer fedrad_tok_nope' } })).status).toBe(401);
    expect((await fetch(url('reported'), { headers: { cookie: 'fedrad_session=forged' } })).status).toBe(401);
    const foreign = await fetch(url('reported'), { headers: { ...bearer(), origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).not.toContain('<style>');
    const before = await fetch(url('unreported'), { headers: bearer() });
    expect(before.status).toBe(404);
    expect(await before.json()).toMatchObject({ error: { data: { fedradCode: 'REPORT_NOT_READY' } } });
    expect(await (await fetch(url('nothing-here'), { headers: bearer() })).json()).toMatchObject({ error: { data: { fedradCode: 'CAMPAIGN_NOT_FOUND' } } });
    expect((await fetch(url('-bad%20id'), { headers: bearer() })).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${coordinator.apiPort}/campaigns/reported/report.json`, { headers: bearer() })).status).toBe(404);
  });

  it('campaigns.attestations lists every attestable claim by name; an attestation shows who and when and re-scores the served report', async () => {
    const api = createCoordinatorClient(coordinator.apiUrl, token);
    const before = await api.campaigns.attestations({ campaignId: 'reported' });
    // Exactly the claims the scorer leaves to a person, each named.
    expect(new Set(before.claims.map((c) => c.claim))).toEqual(new Set(DECLARABLE_CLAIMS));
    expect(before.claims.find((c) => c.claim === 'rqs-15')).toEqual({ claim: 'rqs-15', tool: 'RQS', item: 15, name: 'Cost-effectiveness analysis' });
    expect(before.claims.every((c) => c.name.length > 3)).toBe(true);
    expect(before.attestations).toEqual([]);
    const points15 = (rqs: unknown) => (rqs as RqsChecklist).items.find((i) => i.item === 15)!.points;
    expect(points15((await api.campaigns.report({ campaignId: 'reported' }))!.rqs)).toBe(0);

    await api.campaigns.attest({ campaignId: 'reported', claim: 'rqs-15', value: true, evidence: 'Cost study, doi:10.1000/x' });
    const after = await api.campaigns.attestations({ campaignId: 'reported' });
    expect(after.attestations).toEqual([{ claim: 'rqs-15', value: true, by: 'admin', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), in: 'operator', evidence: 'Cost study, doi:10.1000/x' }]);
    // RQS item 15 is +1 when a cost-effectiveness analysis was performed (Lambin et al. 2017, Table 1).
    expect(points15((await api.campaigns.report({ campaignId: 'reported' }))!.rqs)).toBe(1);
    expect(await (await fetch(url('reported'), { headers: bearer() })).text()).toContain('Cost study, doi:10.1000/x');

    await addOperator(coordinator.core.db, 'aud', 'auditor', 'test-setup');
    const auditor = createCoordinatorClient(coordinator.apiUrl, (await createApiToken(coordinator.core.db, 'aud', 'tests', 'test-setup')).token);
    expect((await auditor.campaigns.attestations({ campaignId: 'reported' })).attestations).toHaveLength(1);
    await expect(auditor.campaigns.attest({ campaignId: 'reported', claim: 'rqs-7', value: true })).rejects.toMatchObject({ code: 'FORBIDDEN_ROLE' });
    // An auditor reads the report page too.
    expect((await fetch(url('reported'), { headers: { authorization: `Bearer ${(await createApiToken(coordinator.core.db, 'aud', 'page', 'test-setup')).token}` } })).status).toBe(200);
  });
});
