// The audit chain's head leaves the coordinator signed, after each welcome and with each batch of
// jobs; a log rewritten afterwards — triggers dropped and every hash recomputed, which the chain
// alone cannot catch — no longer matches the heads a site kept. Signatures are checked with
// Node's crypto.verify, and the attacker's chain is recomputed here from the hash-chain rule.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createSiteKeyAndCsr } from '@fedrad/pki';
import { canonicalJson, type AuditHead } from '@fedrad/protocol';
import { CA_FILES, createApiToken, createCoordinatorClient, initCaFolder, signSiteCsr, startCoordinator, verifyAgainstHeads, verifyAuditLog, type RunningCoordinator } from '../src/index.js';
import { protocolFor } from './fakeSites.js';

const dir = mkdtempSync(join(tmpdir(), 'fedrad-signed-heads-'));
const caDir = join(dir, 'ca');
let coordinator: RunningCoordinator;
let caPem: string;
const heads: AuditHead[] = [];
let ws: WebSocket;

beforeAll(async () => {
  initCaFolder(caDir, 'heads-test', 30);
  caPem = readFileSync(join(caDir, CA_FILES.cert), 'utf8');
  coordinator = await startCoordinator({ dataDir: join(dir, 'data'), caDir, exportModel: null, tickMs: 100, onFirstAdmin: () => undefined });
  const { keyPem, csrPem } = createSiteKeyAndCsr('site-a');
  const { certPem } = signSiteCsr(caDir, csrPem);
  ws = new WebSocket(coordinator.siteUrl, { ca: caPem, cert: certPem, key: keyPem });
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.type === 'audit-head') heads.push(m);
  });
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'site-hello', siteId: 'site-a', softwareVersion: '0.1.0', protocolVersion: 1, capabilities: { jobKinds: ['train-round'] }, approvedProtocols: [], sentAt: new Date().toISOString() }));
});
afterAll(async () => {
  ws?.close();
  await coordinator?.close();
});

const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(what()).toBe(true);
};

describe('signed audit heads', () => {
  it('sends a head after the welcome and with the jobs of a round, signed by the coordinator certificate the campaign CA issued', async () => {
    await until(() => heads.length >= 1);
    const api = createCoordinatorClient(coordinator.apiUrl, (await createApiToken(coordinator.core.db, 'admin', 'tests', 'test-setup')).token);
    await api.campaigns.create(protocolFor({ campaignId: 'heads' }));
    await api.campaigns.start({ campaignId: 'heads' });
    await until(() => heads.length >= 2);
    for (const head of heads) {
      const { signature, signerCertificatePem, ...doc } = head;
      const cert = new X509Certificate(signerCertificatePem);
      expect(cert.subject).toBe('CN=coordinator');
      expect(cert.verify(new X509Certificate(caPem).publicKey)).toBe(true);
      expect(verify('sha256', Buffer.from(canonicalJson(doc)), createPublicKey(signerCertificatePem), Buffer.from(signature.signature, 'base64'))).toBe(true);
    }
    // The round's head covers the rows up to the round's opening.
    const last = heads[heads.length - 1];
    const row = coordinator.core.db.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(last.seq) as { hash: string };
    expect(row.hash).toBe(last.hash);
    expect(last.seq).toBeGreaterThan(heads[0].seq);
    expect(verifyAgainstHeads(coordinator.core.db, heads, caPem)).toEqual({ ok: true, checked: heads.length });
  });

  it('catches a log rewritten with the triggers dropped and the chain recomputed, which the chain alone passes', () => {
    const db = coordinator.core.db;
    const target = heads[heads.length - 1].seq - 1;
    // The attacker: full write access to coordinator.sqlite.
    db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete');
    db.prepare("UPDATE audit_log SET details_json = '{\"erased\":true}' WHERE seq = ?").run(target);
    const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Array<Record<string, unknown>>;
    let prev = '0'.repeat(64);
    for (const r of rows) {
      // hash_n = SHA-256(hash_{n-1} ‖ canonical JSON of the row without its hashes)
      const canonical = canonicalJson({ seq: r.seq, at: r.at, event: r.event, actor: r.actor, campaignId: r.campaign_id, siteId: r.site_id, details: JSON.parse(String(r.details_json)) });
      const hash = createHash('sha256').update(prev + canonical).digest('hex');
      db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, r.seq);
      prev = hash;
    }
    db.prepare('UPDATE audit_head SET hash = ? WHERE id = 1').run(prev);
    expect(verifyAuditLog(db)).toMatchObject({ ok: true });
    const verdict = verifyAgainstHeads(db, heads, caPem);
    expect(verdict).toMatchObject({ ok: false, seq: heads.find((h) => h.seq >= target)!.seq });
    expect(verdict.ok ? '' : verdict.reason).toMatch(/the log was rewritten/);
  });

  it('refuses heads not signed by the coordinator of this campaign CA', () => {
    const other = mkdtempSync(join(tmpdir(), 'fedrad-other-ca-'));
    initCaFolder(other, 'heads-test', 30);
    const forged = { ...heads[0], hash: 'f'.repeat(64) };
    expect(verifyAgainstHeads(coordinator.core.db, [forged], caPem)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not verify/) });
    expect(verifyAgainstHeads(coordinator.core.db, [heads[0]], readFileSync(join(other, CA_FILES.cert), 'utf8'))).toMatchObject({ ok: false, reason: expect.stringMatching(/does not verify/) });
  });
});
