// The audit log against inflation, and `fedrad ca revoke` without a restart. Sizes and hashes are
// checked against Node's own SHA-256 of the fields sent, and refusals against what the attacker did.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createSiteKeyAndCsr } from '@fedrad/pki';
import type { CoreContext } from '../src/core/context.js';
import { peerFromDer } from '../src/core/peer.js';
import { acceptResult } from '../src/core/results.js';
import { CA_FILES, initCaFolder, listAudit, openStore, revokeInFolder, signSiteCsr, startCoordinator, verifyAuditLog, type RunningCoordinator } from '../src/index.js';
import { countRefusal, flushRefusalCounts } from '../src/store/refusalCounts.js';
import { makeSite } from './fakeSites.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('audit rows of refused messages are bounded', () => {
  it('a 5 MB field adds its length and hash to the log, not its bytes; the chain still verifies', () => {
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-01T10:00:00Z') };
    const site = makeSite('site-a');
    const jobId = 'j'.repeat(5_000_000);
    const nonce = 'n'.repeat(1_000_000);
    const out = acceptResult(ctx, site.peer, { type: 'job-result', jobId, nonce, campaignId: 'c', round: 'r'.repeat(10_000) });
    expect(out.ack).toMatchObject({ status: 'refused', code: 'PROTOCOL_INVALID' });
    const row = ctx.db.prepare("SELECT details_json FROM audit_log WHERE event = 'message.invalid'").get() as { details_json: string };
    expect(row.details_json.length).toBeLessThan(4000);
    const details = JSON.parse(row.details_json);
    expect(details.jobId).toEqual({ truncated: 'j'.repeat(120), length: 5_000_000, sha256: sha256(jobId) });
    expect(details.nonce).toMatchObject({ length: 1_000_000, sha256: sha256(nonce) });
    expect(details.code).toBe('PROTOCOL_INVALID');
    expect(verifyAuditLog(ctx.db)).toMatchObject({ ok: true, rows: 1 });
  });
});

describe('unauthenticated refusals are counted per peer and minute', () => {
  it('500 refusals of one peer in a minute make one row at once and one total after the minute', () => {
    let t = Date.parse('2026-12-01T10:00:05Z');
    const db = openStore(':memory:');
    for (let i = 0; i < 500; i++) countRefusal(db, { event: 'site.connection-refused', peer: '203.0.113.7', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, new Date(t + i * 100));
    countRefusal(db, { event: 'site.connection-refused', peer: '198.51.100.2', code: 'no client certificate' }, new Date(t));
    expect(listAudit(db, { event: 'site.connection-refused' })).toHaveLength(2);
    expect(flushRefusalCounts(db, new Date(t + 30_000))).toBe(0); // the minute is not over
    t = Date.parse('2026-12-01T10:01:00Z');
    expect(flushRefusalCounts(db, new Date(t))).toBe(1);
    const rows = listAudit(db, { event: 'site.connection-refused' }).reverse();
    expect(rows.map((r) => r.details)).toEqual([
      { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', peer: '203.0.113.7', minute: '2026-12-01T10:00', first: true },
      { code: 'no client certificate', peer: '198.51.100.2', minute: '2026-12-01T10:00', first: true },
      { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', peer: '203.0.113.7', minute: '2026-12-01T10:00', count: 500, firstAt: '2026-12-01T10:00:05.000Z' },
    ]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM refusal_counts').get()).toEqual({ n: 0 });
    expect(verifyAuditLog(db)).toMatchObject({ ok: true, rows: 3 });
  });
});

describe('a running coordinator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-audit-hardening-'));
  const caDir = join(dir, 'ca');
  let coordinator: RunningCoordinator;
  let caPem: string;

  beforeAll(async () => {
    initCaFolder(caDir, 'hardening-test', 30);
    caPem = readFileSync(join(caDir, CA_FILES.cert), 'utf8');
    coordinator = await startCoordinator({ dataDir: join(dir, 'data'), caDir, exportModel: null, tickMs: 100, onFirstAdmin: () => undefined });
  });
  afterAll(async () => {
    await coordinator?.close();
  });

  /** Opens the site channel; resolves with the open socket or the HTTP status of the refusal. */
  const open = (cert?: { certPem: string; keyPem: string }) =>
    new Promise<WebSocket | number>((resolve, reject) => {
      const ws = new WebSocket(coordinator.siteUrl, { ca: caPem, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', reject);
    });

  it('writes at most two audit rows for thirty TLS clients without a certificate from one address', async () => {
    const before = listAudit(coordinator.core.db, { event: 'site.connection-refused' }).length;
    for (let i = 0; i < 30; i++) expect(await open()).toBe(401);
    const rows = listAudit(coordinator.core.db, { event: 'site.connection-refused' }).slice(0, -before || undefined);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThanOrEqual(2); // two when the attempts straddle a minute
    expect(rows.every((r) => String(r.details.peer).startsWith('127.0.0.1') || String(r.details.peer).startsWith('::ffff:127.0.0.1'))).toBe(true);
  });

  it('applies `fedrad ca revoke` (the CA folder) without a restart: the live connection closes, a new one is refused', async () => {
    const { keyPem, csrPem } = createSiteKeyAndCsr('site-r');
    const { certPem } = signSiteCsr(caDir, csrPem);
    const serial = peerFromDer(new X509Certificate(certPem).raw).serial;
    const ws = (await open({ certPem, keyPem })) as WebSocket;
    const messages: Array<Record<string, unknown>> = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    ws.send(JSON.stringify({ type: 'site-hello', siteId: 'site-r', softwareVersion: '0.1.0', protocolVersion: 1, capabilities: { jobKinds: ['train-round'] }, approvedProtocols: [], sentAt: new Date().toISOString() }));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => messages.some((m) => m.type === 'coordinator-welcome') && (clearInterval(poll), resolve()), 20);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // What `fedrad ca revoke --serial … --ca-dir …` does, from outside the coordinator's process.
    revokeInFolder(caDir, [{ serial, siteId: 'site-r', revokedAt: new Date().toISOString(), reason: 'keyCompromise' }]);
    expect(await closed).toBe(4403);
    expect(messages.find((m) => m.type === 'certificate-revocation')).toMatchObject({ siteId: 'site-r', serial, reason: 'keyCompromise' });
    expect(await open({ certPem, keyPem })).toBe(403);
    expect(listAudit(coordinator.core.db, { event: 'certificate.revoked', siteId: 'site-r' })[0].details).toMatchObject({ serial, source: 'ca-folder' });
  });
});
