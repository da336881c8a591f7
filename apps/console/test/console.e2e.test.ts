import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { canonicalHash } from '@fedrad/protocol';
import { createSiteKeyAndCsr, publicKeyFingerprint } from '@fedrad/pki';
import { createCoordinatorClient } from '@fedrad/coordinator';
import { launchChromium, signIn } from './browser.js';
import { startCoordinatorUnderTest, type CoordinatorUnderTest } from './coordinatorUnderTest.js';

// The console in Debian's chromium against a real coordinator: every page, every role, the CSRF
// and Origin defences. Screenshots of each page go to docs/console/ (shown in the README).
const SHOTS = fileURLToPath(new URL('../../../docs/console/', import.meta.url));
const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../../protocols/campaign-protocol.schema.json', import.meta.url)), 'utf8'));

const protocol = {
  type: 'campaign-protocol',
  campaignId: 'e2e-grade',
  title: 'E2E: high vs low grade',
  version: 1,
  outcome: { type: 'binary', label: 'high_grade' },
  features: ['original_shape_Sphericity', 'original_firstorder_Mean', 'original_glcm_Contrast'],
  model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05, standardize: true },
  trainingSites: ['site-a', 'site-b', 'site-c'],
  testSites: [],
  minCohortSize: 5,
  training: { strategy: 'exact-newton', rounds: 10, roundDeadlineSeconds: 60 },
};

let env: CoordinatorUnderTest;
let browser: Browser;
let evil: Server;
let evilOrigin: string;

function enrolOverHttps(body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: env.coordinator.sitePort, path: '/enrol', method: 'POST', ca: env.caPem, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** A tRPC call made by the page itself (its cookie, its origin), with or without the session's CSRF token. */
async function callFromPage(page: Page, path: string, input: unknown, withCsrf: boolean): Promise<{ status: number; code?: string }> {
  return page.evaluate(
    async ({ path, input, withCsrf }) => {
      const me = await (await fetch('/trpc/auth.me')).json();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (withCsrf) headers['x-csrf-token'] = me.result.data.csrfToken;
      const res = await fetch(`/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input) });
      const body = await res.json();
      return { status: res.status, code: body.error?.data?.fedradCode };
    },
    { path, input, withCsrf },
  );
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  env = await startCoordinatorUnderTest();
  // Another origin on the same host: a page an operator might have open in another tab.
  evil = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  evilOrigin = `http://127.0.0.1:${(evil.address() as { port: number }).port}`;
});

afterAll(async () => {
  await browser?.close();
  await env?.coordinator.close();
  await new Promise((r) => evil?.close(r));
});

describe('the console in chromium against a real coordinator', () => {
  it('is served same-origin with a strict CSP and its content types, and loads nothing from elsewhere', async () => {
    const index = await fetch(`${env.origin}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1];
    expect((await fetch(`${env.origin}${script}`)).headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect((await fetch(`${env.origin}${css}`)).headers.get('content-type')).toMatch(/^text\/css/);
    expect(html).not.toMatch(/https?:\/\//);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const elsewhere: string[] = [];
    const violations: string[] = [];
    page.on('request', (r) => !r.url().startsWith(env.origin) && !r.url().startsWith(env.origin.replace('http', 'ws')) && elsewhere.push(r.url()));
    page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
    await page.goto(`${env.origin}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.screenshot({ path: `${SHOTS}sign-in.png` });
    expect(elsewhere).toEqual([]);
    expect(violations).toEqual([]);
    await context.close();
  });

  it('an admin signs in, creates a campaign from the protocol editor, sees it listed and live, enrols and revokes a site, reads and verifies the audit log, signs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const violations: string[] = [];
    const page = await signIn(context, env.origin, env.admin);
    page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
    await page.getByText('No campaign yet').waitFor();

    // The editor: the example protocol is schema-valid but asks for what this coordinator refuses.
    await page.getByRole('link', { name: 'New campaign' }).click();
    const editor = page.getByLabel(/Campaign protocol/);
    await page.getByTestId('schema-ok').waitFor();
    await page.getByTestId('refusals').waitFor();
    const example = JSON.parse(await editor.inputValue());
    const serverSays = createCoordinatorClient(env.coordinator.apiUrl, env.token);
    const check = (await (await fetch(`${env.coordinator.apiUrl}/campaigns.check?input=${encodeURIComponent(JSON.stringify(example))}`, { headers: { authorization: `Bearer ${env.token}` } })).json()).result.data as { refused: Array<{ field: string }> };
    expect(check.refused.length).toBeGreaterThan(0);
    for (const r of check.refused) await expect(page.getByTestId('refusals').getByText(r.field || '(plan)', { exact: true }).first().isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Create and lock campaign' }).isDisabled()).resolves.toBe(true);
    await page.screenshot({ path: `${SHOTS}protocol-editor-refusals.png` });

    // A field-level schema error as the operator types: minCohortSize below the schema's minimum.
    await editor.fill(JSON.stringify({ ...protocol, minCohortSize: schema.properties.minCohortSize.minimum - 1 }, null, 2));
    await page.getByTestId('schema-issues').getByText('minCohortSize', { exact: true }).first().waitFor();
    await expect(page.getByTestId('schema-issues').textContent()).resolves.toContain(`must be >= ${schema.properties.minCohortSize.minimum}`);
    await editor.fill('{ "type": ');
    await page.getByTestId('syntax-error').waitFor();

    // The protocol this coordinator runs: valid, nothing refused, its canonical hash shown.
    await editor.fill(JSON.stringify(protocol, null, 2));
    await page.getByTestId('no-refusals').waitFor();
    await page.getByTestId('protocol-hash').getByText(canonicalHash(protocol)).waitFor();
    await page.screenshot({ path: `${SHOTS}protocol-editor.png` });
    await page.getByRole('button', { name: 'Create and lock campaign' }).click();

    // Its detail page, live over the WebSocket subscription.
    await page.getByRole('heading', { name: protocol.title }).waitFor();
    await page.getByText(canonicalHash(protocol)).first().waitFor();
    await page.getByText('● live').waitFor();
    const plan = (await serverSays.campaigns.status({ campaignId: protocol.campaignId })).plan;
    await expect(page.getByTestId('plan').locator('li').count()).resolves.toBe(plan.length);
    await page.getByRole('button', { name: 'Start campaign' }).click();
    // Started: the first step runs and the sites, none connected, wait for their jobs.
    await page.getByTestId('plan').locator('.step-running').first().waitFor();
    await page.getByTestId('campaign-sites').getByText('site-a').waitFor();
    await page.screenshot({ path: `${SHOTS}campaign-detail.png`, fullPage: true });
    await page.goto(`${env.origin}/#/campaigns`);
    await page.getByRole('link', { name: protocol.campaignId }).waitFor();
    await page.screenshot({ path: `${SHOTS}campaigns.png` });
    await page.goto(`${env.origin}/#/campaigns/${protocol.campaignId}/results`);
    await page.getByText('No evaluation yet').waitFor();
    await page.screenshot({ path: `${SHOTS}results-empty.png`, fullPage: true });

    // Enrolment: a one-time code from the console, a CSR over the site port, the request's fingerprint, approval.
    await page.goto(`${env.origin}/#/sites`);
    await page.getByLabel('Site id').fill('site-a');
    await page.getByLabel('CA campaign').fill('console-e2e');
    await page.getByRole('button', { name: 'Create code' }).click();
    const code = (await page.getByTestId('enrolment-code').locator('code').textContent())!;
    const { csrPem } = createSiteKeyAndCsr('site-a');
    expect(await enrolOverHttps({ type: 'enrolment-request', siteId: 'site-a', campaignId: 'console-e2e', csrPem, enrolmentCode: code, softwareVersion: '0.1.0' })).toBe(202);
    await page.reload();
    const request = page.getByTestId('enrolments').getByRole('row', { name: /site-a/ });
    await request.getByText(publicKeyFingerprint(csrPem)).waitFor();
    await request.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('enrolments').getByText('approved').waitFor();
    const site = page.getByTestId('sites').getByRole('row', { name: /site-a/ });
    await site.getByLabel('Revocation reason for site-a').selectOption('keyCompromise');
    await site.getByRole('button', { name: 'Revoke' }).click();
    await site.getByRole('button', { name: 'Confirm revoke site-a' }).click();
    await site.getByText('revoked', { exact: false }).first().waitFor();
    await page.screenshot({ path: `${SHOTS}sites.png`, fullPage: true });
    const revoked = (await serverSays.sites.list()).find((s) => s.siteId === 'site-a')!;
    expect(revoked.certificates.every((c) => c.revokedAt !== null)).toBe(true);

    // The audit log: the revocation is there, a filter narrows to it, the chain verifies.
    await page.goto(`${env.origin}/#/audit`);
    await page.getByTestId('audit-rows').getByText('certificate.revoked').waitFor();
    await page.getByLabel('Event').fill('certificate.revoked');
    await page.getByRole('button', { name: 'Filter' }).click();
    // The filtered answer has come when the footer counts it: one revocation, one row.
    await page.getByText('1 of the 1 rows the coordinator sent', { exact: false }).waitFor();
    await expect(page.getByTestId('audit-rows').locator('tbody tr').count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    const verified = await serverSays.audit.verify();
    expect(verified.ok).toBe(true);
    await page.getByTestId('verify-result').getByText(/Chain intact: \d+ rows/).waitFor();
    await page.screenshot({ path: `${SHOTS}audit-log.png` });

    // Tablet width: the campaign page reflows without a horizontal scrollbar on the page.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto(`${env.origin}/#/campaigns/${protocol.campaignId}`);
    await page.getByRole('heading', { name: protocol.title }).waitFor();
    await expect(page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).resolves.toBe(true);
    await page.screenshot({ path: `${SHOTS}campaign-detail-tablet.png` });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out').waitFor();
    // The cookie is gone server-side too: the old session no longer reads anything.
    await expect(page.evaluate(async () => (await fetch('/trpc/campaigns.list')).status)).resolves.toBe(401);
    expect(violations).toEqual([]);
    await context.close();
  });

  it('an admin adds an operator and creates a token for them; the password and the token work, the revoked token is refused', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, env.origin, env.admin);
    page.on('dialog', (d) => void d.accept());
    await page.getByRole('link', { name: 'Operators' }).click();
    const names = page.getByTestId('operators').locator('tbody td:first-child');
    await names.first().waitFor();
    await expect(names.allTextContents()).resolves.toEqual([env.admin.username, env.auditor.username, env.studyLead.username].sort());
    await page.getByLabel('Operator name').fill('oscar');
    await page.getByLabel('Role').selectOption('study-lead');
    await page.getByRole('button', { name: 'Add operator' }).click();
    const password = (await page.getByTestId('operator-password').locator('code').textContent())!;
    await names.filter({ hasText: /^oscar$/ }).waitFor();
    // The shown password is the account's: it signs in over the API.
    await expect(createCoordinatorClient(env.coordinator.apiUrl, { username: 'oscar', password }).auth.me()).resolves.toMatchObject({ username: 'oscar', role: 'study-lead' });

    await page.getByLabel('Label').fill('ci runner');
    await page.getByLabel(/For operator/).fill('oscar');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('api-token').locator('code').textContent())!;
    const tokenId = token.split('_')[1]!;
    await expect(createCoordinatorClient(env.coordinator.apiUrl, token).auth.me()).resolves.toMatchObject({ username: 'oscar', via: 'token' });
    const row = page.getByTestId('tokens').getByRole('row', { name: new RegExp(tokenId) });
    await row.getByText('live').waitFor();
    await page.screenshot({ path: `${SHOTS}operators.png`, fullPage: true });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('revoked').waitFor();
    await expect(createCoordinatorClient(env.coordinator.apiUrl, token).auth.me()).rejects.toThrow(/revoked/);
    await context.close();
  });

  it('an auditor sees everything, every mutation control is disabled, and the coordinator refuses each mutation with 403', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, env.origin, env.auditor);
    await page.getByRole('link', { name: protocol.campaignId }).waitFor();
    await expect(page.getByRole('button', { name: 'New campaign' }).isDisabled()).resolves.toBe(true);
    await page.screenshot({ path: `${SHOTS}auditor-campaigns.png` });
    // The running campaign: its cancel is there but disabled; so is the attestation form on its results.
    await page.goto(`${env.origin}/#/campaigns/${protocol.campaignId}`);
    await page.getByTestId('plan').locator('.step-running').first().waitFor();
    await expect(page.getByRole('button', { name: 'Cancel campaign…' }).isDisabled()).resolves.toBe(true);
    await page.goto(`${env.origin}/#/campaigns/${protocol.campaignId}/results`);
    await expect(page.getByRole('form', { name: 'Attest a claim' }).getByRole('button', { name: 'Attest' }).isDisabled()).resolves.toBe(true);
    await page.goto(`${env.origin}/#/sites`);
    await page.getByTestId('sites').getByRole('cell', { name: 'site-a', exact: true }).waitFor();
    await expect(page.getByRole('button', { name: 'Create code' }).isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId('sites').getByRole('button', { name: 'Revoke' }).isDisabled()).resolves.toBe(true);
    await page.goto(`${env.origin}/#/campaigns/new`);
    await page.getByTestId('no-refusals').or(page.getByTestId('refusals')).waitFor();
    await expect(page.getByRole('button', { name: 'Create and lock campaign' }).isDisabled()).resolves.toBe(true);
    // Operators: no account list for a non-admin, only their own tokens.
    await page.goto(`${env.origin}/#/operators`);
    await page.getByText('Only an admin lists and adds operator accounts.').waitFor();
    await expect(page.getByTestId('operators').count()).resolves.toBe(0);
    await page.getByText('No API token.').waitFor();
    // The audit log and its verification are reads: open to the auditor.
    await page.goto(`${env.origin}/#/audit`);
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await page.getByTestId('verify-result').getByText(/Chain intact/).waitFor();

    // With the session's own CSRF token, from the console's origin: still refused, by role.
    const mutations: Array<[string, unknown]> = [
      ['campaigns.create', { ...protocol, campaignId: 'auditor-try' }],
      ['campaigns.start', { campaignId: protocol.campaignId }],
      ['campaigns.cancel', { campaignId: protocol.campaignId, reason: 'auditor try' }],
      ['campaigns.attest', { campaignId: protocol.campaignId, claim: 'rqs-15', value: true }],
      ['sites.revoke', { siteId: 'site-b', reason: 'unspecified' }],
      ['enrolments.createCode', { siteId: 'site-b', campaignId: 'console-e2e' }],
      ['enrolments.approve', { siteId: 'site-a', campaignId: 'console-e2e' }],
      ['enrolments.reject', { siteId: 'site-a', campaignId: 'console-e2e' }],
      ['users.add', { username: 'mallory', role: 'admin' }],
      ['tokens.create', { username: env.admin.username, label: 'stolen' }],
      ['tokens.revoke', { tokenId: env.token.split('_')[1] }],
    ];
    for (const [path, input] of mutations) {
      await expect(callFromPage(page, path, input, true)).resolves.toEqual({ status: 403, code: 'FORBIDDEN_ROLE' });
    }
    expect((await createCoordinatorClient(env.coordinator.apiUrl, env.token).campaigns.list()).map((c) => c.campaignId)).toEqual([protocol.campaignId]);
    await context.close();
  });

  it('a study lead cancels the running campaign after confirming it with a reason; the coordinator closes its jobs and audits who and why', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, env.origin, env.studyLead);
    await page.goto(`${env.origin}/#/campaigns/${protocol.campaignId}`);
    await page.getByTestId('plan').locator('.step-running').first().waitFor();
    // A first click only asks: nothing is sent until the reason is given and confirmed; "Keep running" backs out.
    await page.getByRole('button', { name: 'Cancel campaign…' }).click();
    await expect(page.getByRole('button', { name: 'Confirm cancel' }).isDisabled()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Keep running' }).click();
    await page.getByRole('button', { name: 'Cancel campaign…' }).click();
    await page.getByLabel(/Why cancel/).fill('site-c withdrew its cohort');
    await page.screenshot({ path: `${SHOTS}campaign-cancel-confirm.png` });
    expect((await createCoordinatorClient(env.coordinator.apiUrl, env.token).campaigns.status({ campaignId: protocol.campaignId })).state).toBe('training');
    await page.getByRole('button', { name: 'Confirm cancel' }).click();
    // Live: the state, the plan step and the reason; no cancel offered any more.
    await page.locator('.facts .badge', { hasText: 'cancelled' }).waitFor();
    await page.getByTestId('plan').locator('.step-cancelled').waitFor();
    await page.getByRole('alert').getByText('site-c withdrew its cohort').waitFor();
    await expect(page.getByRole('button', { name: /Cancel campaign/ }).count()).resolves.toBe(0);
    await page.screenshot({ path: `${SHOTS}campaign-cancelled.png`, fullPage: true });
    const api = createCoordinatorClient(env.coordinator.apiUrl, env.token);
    const status = await api.campaigns.status({ campaignId: protocol.campaignId });
    expect(status.state).toBe('cancelled');
    expect(status.jobs.filter((j) => j.state === 'open')).toEqual([]);
    expect(await api.audit.list({ event: 'campaign.cancelled' })).toMatchObject([{ actor: env.studyLead.username, campaignId: protocol.campaignId, details: { reason: 'site-c withdrew its cohort', was: 'training' } }]);
    // A second cancel (another tab, an old page) is refused naming the state.
    await expect(api.campaigns.cancel({ campaignId: protocol.campaignId, reason: 'again' })).rejects.toMatchObject({ code: 'CAMPAIGN_STATE', message: expect.stringContaining('is cancelled') });
    await context.close();
  });

  it('ends an expired session: the next call answers 401 and the console returns to sign-in with the server\'s message', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, env.origin, env.studyLead);
    await page.getByRole('link', { name: protocol.campaignId }).waitFor();
    // The session's end has come (as 8 hours later): the coordinator reads expires_at on every request.
    env.coordinator.core.db.prepare('UPDATE operator_sessions SET expires_at = ? WHERE username = ? AND ended_at IS NULL').run(new Date(Date.now() - 1000).toISOString(), env.studyLead.username);
    await page.getByRole('link', { name: 'Sites' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText('The session has ended or expired: sign in again').waitFor();
    await page.screenshot({ path: `${SHOTS}session-expired.png` });
    await context.close();
  });

  it('refuses a CSRF attempt: a mutation without the CSRF token, and requests and WebSockets from another origin', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, env.origin, env.studyLead);
    // Same origin, the session cookie, but no CSRF token.
    await expect(callFromPage(page, 'campaigns.create', { ...protocol, campaignId: 'csrf-try' }, false)).resolves.toEqual({ status: 403, code: 'CSRF_REFUSED' });

    // A page of another origin in the same browser (the operator is signed in): its POST and its WebSocket are refused.
    const other = await context.newPage();
    await other.goto(`${evilOrigin}/`);
    const post = await other.evaluate(async (target) => {
      try {
        const res = await fetch(`${target}/trpc/campaigns.create`, { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' });
        return { status: res.status, read: true };
      } catch {
        return { status: 0, read: false };
      }
    }, env.origin);
    // Without CORS the page cannot even read the answer; what the coordinator did is checked below.
    expect(post.read).toBe(false);
    const formReply = await context.newPage();
    await formReply.goto(`${evilOrigin}/`);
    await formReply.evaluate((target) => {
      const f = document.createElement('form');
      f.method = 'POST';
      f.enctype = 'text/plain';
      f.action = `${target}/trpc/sites.revoke`;
      const i = document.createElement('input');
      i.name = '{"siteId":"site-b","reason":"unspecified","x":"';
      i.value = '"}';
      f.appendChild(i);
      document.body.appendChild(f);
      f.submit();
    }, env.origin);
    await formReply.waitForURL(`${env.origin}/trpc/sites.revoke`);
    await expect(formReply.textContent('body')).resolves.toContain('ORIGIN_REFUSED');
    const ws = await other.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const s = new WebSocket(url);
          s.onopen = () => resolve('open');
          s.onerror = () => resolve('refused');
        }),
      `${env.origin.replace('http', 'ws')}/trpc`,
    );
    expect(ws).toBe('refused');
    const campaigns = await createCoordinatorClient(env.coordinator.apiUrl, env.token).campaigns.list();
    expect(campaigns.map((c) => c.campaignId)).toEqual([protocol.campaignId]);
    // The forged revoke changed nothing: no certificate of site-b is revoked and its audit rows hold no revocation
    // (other rows may be there: site-b is a training site of the started campaign that never connects, so a slow
    // machine sees its job retried).
    const serverSays = createCoordinatorClient(env.coordinator.apiUrl, env.token);
    const siteB = (await serverSays.sites.list()).find((s) => s.siteId === 'site-b');
    expect((siteB?.certificates ?? []).filter((c) => c.revokedAt !== null)).toEqual([]);
    const audit = await serverSays.audit.list({ siteId: 'site-b' });
    expect(audit.filter((row) => row.event === 'certificate.revoked')).toEqual([]);
    await context.close();
  });
});
