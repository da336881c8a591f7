import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import WebSocket from 'ws';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import type { CertificateIssue } from '@fedrad/protocol';
import { createSiteKeyAndCsr, publicKeyFingerprint, verifyCertificate } from '@fedrad/pki';
import { CA_FILES, createApiToken, createCoordinatorClient, initCaFolder, startCoordinator, type AppRouter, type CampaignEvent, type RunningCoordinator } from '../src/index.js';
import { protocolFor } from './fakeSites.js';
import { siteHttps } from './siteHttps.js';

const dir = mkdtempSync(join(tmpdir(), 'fedrad-api-'));
const caDir = join(dir, 'ca');
let coordinator: RunningCoordinator;
let caPem: string;
let token: string;

const https = (method: 'GET' | 'POST', path: string, body?: unknown) => siteHttps(coordinator.sitePort, caPem, method, path, body);

beforeAll(async () => {
  initCaFolder(caDir, 'api-test', 30);
  caPem = readFileSync(join(caDir, CA_FILES.cert), 'utf8');
  coordinator = await startCoordinator({ dataDir: join(dir, 'data'), caDir, exportModel: null, tickMs: 100, onFirstAdmin: () => undefined });
  token = (await createApiToken(coordinator.core.db, 'admin', 'tests', 'test-setup')).token;
});
afterAll(async () => {
  await coordinator?.close();
});

describe('operator API and enrolment', () => {
  it('refuses operator calls without the API token', async () => {
    await expect(createCoordinatorClient(coordinator.apiUrl).campaigns.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await createCoordinatorClient(coordinator.apiUrl, token).campaigns.list()).toEqual([]);
  });

  it('answers a core error with its status, stable code and message, and never with a stack', async () => {
    const api = createCoordinatorClient(coordinator.apiUrl, token);
    await expect(api.campaigns.status({ campaignId: 'no-such-campaign' })).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND', httpStatus: 404 });
    await expect(api.campaigns.create({ campaignId: 'x' })).rejects.toMatchObject({ code: 'PROTOCOL_INVALID', httpStatus: 400 });
    const res = await fetch(`${coordinator.apiUrl}/campaigns.status?input=${encodeURIComponent(JSON.stringify({ campaignId: 'no-such-campaign' }))}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { error: { message: string; data: Record<string, unknown> } };
    expect(res.status).toBe(404);
    expect(body.error.data).toMatchObject({ code: 'NOT_FOUND', fedradCode: 'CAMPAIGN_NOT_FOUND' });
    expect(body.error.data).not.toHaveProperty('stack');
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at /);
    // Enrolment over HTTPS: a request the schema refuses is a 400 with its code and message, nothing more.
    const bad = await https('POST', '/enrol', { type: 'enrolment-request', siteId: 'site-bad', campaignId: 'api-test', csrPem: 'not a csr', softwareVersion: '0.1.0' });
    expect(bad).toMatchObject({ status: 400, json: { code: 'PROTOCOL_INVALID' } });
    expect(Object.keys(bad.json as object).sort()).toEqual(['code', 'message']);
  });

  it('enrols a site: request pending, operator approves, the site collects a certificate the campaign CA issued', async () => {
    const { csrPem } = createSiteKeyAndCsr('site-new');
    const api = createCoordinatorClient(coordinator.apiUrl, token);
    const { code } = await api.enrolments.createCode({ siteId: 'site-new', campaignId: 'api-test' });
    const request = { type: 'enrolment-request', siteId: 'site-new', campaignId: 'api-test', csrPem, enrolmentCode: code, softwareVersion: '0.1.0' };
    expect(await https('POST', '/enrol', request)).toEqual({ status: 202, json: { status: 'pending' } });
    expect((await https('GET', '/enrol/site-new?campaignId=api-test')).status).toBe(202);
    expect((await https('GET', '/enrol/site-zzz?campaignId=api-test')).status).toBe(404);
    expect((await https('POST', '/enrol', { ...request, csrPem: 'not a csr' })).status).toBe(400);
    expect(await api.enrolments.list()).toMatchObject([{ siteId: 'site-new', campaignId: 'api-test', status: 'pending', keyFingerprint: publicKeyFingerprint(csrPem) }]);
    await api.enrolments.approve({ siteId: 'site-new', campaignId: 'api-test' });
    const { status, json } = await https('GET', '/enrol/site-new?campaignId=api-test');
    expect(status).toBe(200);
    const issue = json as CertificateIssue;
    expect(issue).toMatchObject({ type: 'certificate-issue', siteId: 'site-new', campaignId: 'api-test', caCertificatePem: caPem });
    // Checked independently of the coordinator: the certificate chains to the CA and names the site.
    expect(new X509Certificate(issue.certificatePem).verify(new X509Certificate(caPem).publicKey)).toBe(true);
    expect(new X509Certificate(issue.certificatePem).subject).toContain('CN=site-new');
    expect(verifyCertificate(issue.certificatePem, caPem)).toBeTruthy();
  });

  it('streams campaign events to a tRPC subscription over WebSocket', async () => {
    const api = createCoordinatorClient(coordinator.apiUrl, token);
    await api.campaigns.create(protocolFor({ campaignId: 'events' }));
    const wsClient = createWSClient({ url: `ws://127.0.0.1:${coordinator.apiPort}/trpc?token=${token}`, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
    const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
    const received: CampaignEvent[] = [];
    let registered!: () => void;
    const started = new Promise<void>((resolve) => (registered = resolve));
    const gotRoundOpened = new Promise<void>((resolve, reject) => {
      const sub = client.campaigns.events.subscribe(
        { campaignId: 'events' },
        {
          // The server sends `started` once the subscription is running (its listener is on the
          // event bus): starting the campaign after it cannot emit an event the client misses.
          onStarted: () => registered(),
          onData: (e) => {
            received.push(e as CampaignEvent);
            if ((e as CampaignEvent).type === 'round-opened') (sub.unsubscribe(), resolve());
          },
          onError: reject,
        },
      );
    });
    await Promise.race([started, gotRoundOpened]); // an error before `started` fails the test at once
    await api.campaigns.start({ campaignId: 'events' });
    await gotRoundOpened;
    expect(received.map((e) => e.type)).toEqual(['campaign-state', 'round-opened']);
    expect(received[1]).toMatchObject({ campaignId: 'events', round: 0, detail: { sites: ['site-a', 'site-b', 'site-c'] } });
    await wsClient.close();
  });
});
