import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { CoordinatorAck, CoordinatorWelcome, JobEnvelope } from '@fedrad/protocol';
import { createSiteKeyAndCsr } from '@fedrad/pki';
import { CA_FILES, createCoordinatorClient, initCaFolder, signSiteCsr, startCoordinator, type RunningCoordinator } from '../src/index.js';
import { peerFromDer } from '../src/core/peer.js';
import { answerTrainJob, glmFixture, protocolFor, type FakeSite } from './fakeSites.js';
import { X509Certificate } from 'node:crypto';

// Real loopback sockets: the coordinator's https+wss server with mTLS and its tRPC API.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-channel-'));
const caDir = join(dir, 'ca');
let coordinator: RunningCoordinator;
let caPem: string;
const sites: Record<string, FakeSite> = {};

function enrolOffline(siteId: string): FakeSite {
  const { keyPem, csrPem } = createSiteKeyAndCsr(siteId);
  const { certPem } = signSiteCsr(caDir, csrPem);
  return { siteId, keyPem, certPem, peer: peerFromDer(new X509Certificate(certPem).raw) };
}

interface SiteConn {
  ws: WebSocket;
  inbox: Array<Record<string, unknown>>;
  waitFor(pred: (m: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
}

function connect(site: Pick<FakeSite, 'keyPem' | 'certPem'> | null): Promise<SiteConn | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(coordinator.siteUrl, { ca: caPem, ...(site ? { cert: site.certPem, key: site.keyPem } : {}) });
    const inbox: Array<Record<string, unknown>> = [];
    const waiters: Array<{ pred: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      const w = waiters.findIndex((x) => x.pred(m));
      if (w >= 0) waiters.splice(w, 1)[0].resolve(m);
      else inbox.push(m);
    });
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        inbox,
        waitFor(pred, ms = 10_000) {
          const i = inbox.findIndex(pred);
          if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error('timed out waiting for a message')), ms);
            waiters.push({ pred, resolve: (m) => (clearTimeout(timer), res(m)) });
          });
        },
      }),
    );
  });
}

const hello = (siteId: string, approved: string[]) => ({
  type: 'site-hello', siteId, softwareVersion: '0.1.0', protocolVersion: 1, capabilities: { jobKinds: ['train-round'] }, approvedProtocols: approved, sentAt: new Date().toISOString(),
});

let admin: { username: string; password: string };

beforeAll(async () => {
  initCaFolder(caDir, 'channel-test', 30);
  caPem = readFileSync(join(caDir, CA_FILES.cert), 'utf8');
  for (const s of ['site-a', 'site-b', 'site-c', 'site-x']) sites[s] = enrolOffline(s);
  // The first start's admin signs in with its one-time password: a session, as the console has.
  coordinator = await startCoordinator({ dataDir: join(dir, 'data'), caDir, exportModel: null, tickMs: 100, onFirstAdmin: (c) => (admin = c) });
});

afterAll(async () => {
  await coordinator?.close();
});

describe('site channel over mTLS (SITE_CHANNEL.md)', () => {
  it('runs an exact-Newton campaign created through the tRPC API and reproduces R glmnet to 1e-6', async () => {
    const api = createCoordinatorClient(coordinator.apiUrl, admin);
    const fit = glmFixture.pooledFits[0];
    const protocol = protocolFor({ campaignId: 'wire', model: { family: fit.family, alpha: fit.alpha, lambda: fit.lambda, standardize: true } });
    const { protocolHash } = await api.campaigns.create(protocol);
    const conns: Record<string, SiteConn> = {};
    for (const s of ['site-a', 'site-b', 'site-c']) {
      conns[s] = (await connect(sites[s])) as SiteConn;
      conns[s].ws.send(JSON.stringify(hello(s, [protocolHash])));
      const welcome = (await conns[s].waitFor((m) => m.type === 'coordinator-welcome')) as unknown as CoordinatorWelcome;
      expect(welcome.campaigns.map((c) => [c.campaignId, c.protocolHash, c.role])).toEqual([['wire', protocolHash, 'training']]);
      // Each site answers every job it receives and checks its ack.
      conns[s].ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as JobEnvelope;
        if (m.type !== 'job') return;
        void answerTrainJob(sites[s], glmFixture.sites[s], m).then((r) => conns[s].ws.send(JSON.stringify(r)));
      });
    }
    await api.campaigns.start({ campaignId: 'wire' });
    // Until the campaign ends, however long the rounds take on a busy machine; the deadline only
    // bounds a campaign that never ends (the test's own timeout is later still).
    let status = await api.campaigns.status({ campaignId: 'wire' });
    for (const deadline = Date.now() + 60_000; !['completed', 'failed'].includes(status.state) && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 50));
      status = await api.campaigns.status({ campaignId: 'wire' });
    }
    expect(status.state).toBe('completed');
    const coef = (status.model!.parameters as Array<{ data: number[] }>)[0].data;
    coef.forEach((v, j) => expect(Math.abs(v - fit.coef[j])).toBeLessThan(1e-6));
    expect(status.sites.every((s) => s.approved)).toBe(true);
    expect(await api.audit.verify()).toMatchObject({ ok: true });
    for (const c of Object.values(conns)) c.ws.close();
  }, 90_000);

  it('answers an invalid frame with a PROTOCOL_INVALID ack and a forged site id with a close', async () => {
    const conn = (await connect(sites['site-a'])) as SiteConn;
    conn.ws.send(JSON.stringify(hello('site-a', [])));
    await conn.waitFor((m) => m.type === 'coordinator-welcome');
    conn.ws.send(JSON.stringify({ type: 'job-result', jobId: 'x' }));
    const ack = (await conn.waitFor((m) => m.type === 'coordinator-ack')) as unknown as CoordinatorAck;
    expect(ack).toMatchObject({ status: 'refused', code: 'PROTOCOL_INVALID', jobId: 'x' });
    conn.ws.close();
    const forged = (await connect(sites['site-b'])) as SiteConn;
    const closed = new Promise<number>((r) => forged.ws.on('close', (code) => r(code)));
    forged.ws.send(JSON.stringify(hello('site-c', [])));
    expect(await closed).toBe(4403);
  });

  it('refuses a client without a certificate (401) and a revoked certificate (403), closing the live connection', async () => {
    expect(await connect(null)).toEqual({ status: 401 });
    const api = createCoordinatorClient(coordinator.apiUrl, admin);
    const conn = (await connect(sites['site-x'])) as SiteConn;
    conn.ws.send(JSON.stringify(hello('site-x', [])));
    await conn.waitFor((m) => m.type === 'coordinator-welcome');
    const closed = new Promise<number>((r) => conn.ws.on('close', (code) => r(code)));
    const { revokedSerials } = await api.sites.revoke({ siteId: 'site-x', reason: 'keyCompromise' });
    expect(revokedSerials).toEqual([sites['site-x'].peer.serial]);
    const notice = await conn.waitFor((m) => m.type === 'certificate-revocation');
    expect(notice).toMatchObject({ siteId: 'site-x', serial: sites['site-x'].peer.serial, reason: 'keyCompromise' });
    expect(await closed).toBe(4403);
    expect(await connect(sites['site-x'])).toEqual({ status: 403 });
    const refused = await api.audit.list({ event: 'site.connection-refused', siteId: 'site-x' });
    expect(refused.length).toBeGreaterThan(0);
  });
});
