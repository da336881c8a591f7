import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendAudit, openStore } from '@fedrad/coordinator';
import { createSiteKeyAndCsr } from '@fedrad/pki';
import * as auditCommand from '../src/commands/audit.js';
import * as caCommand from '../src/commands/ca.js';
import { runCommands } from './commandRunner.js';

const fedrad = (...args: string[]) => runCommands([caCommand, auditCommand], args);

describe('fedrad ca', () => {
  it('creates a CA, issues a site certificate from a CSR and revokes it in a CRL OpenSSL reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-ca-'));
    const caDir = join(dir, 'ca');
    expect(await fedrad('ca', 'init', '--ca-dir', caDir, '--campaign', 'cli-test', '--server-host', '127.0.0.1')).toMatch(/campaign CA for cli-test/);
    const { csrPem } = createSiteKeyAndCsr('site-q');
    writeFileSync(join(dir, 'site-q.csr.pem'), csrPem);
    await fedrad('ca', 'sign', '--ca-dir', caDir, '--csr', join(dir, 'site-q.csr.pem'), '--out', join(dir, 'site-q.cert.pem'));
    const ca = new X509Certificate(readFileSync(join(caDir, 'ca.cert.pem')));
    const site = new X509Certificate(readFileSync(join(dir, 'site-q.cert.pem')));
    const server = new X509Certificate(readFileSync(join(caDir, 'server.cert.pem')));
    expect(site.verify(ca.publicKey)).toBe(true);
    expect(site.subject).toContain('CN=site-q');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    await fedrad('ca', 'revoke', '--ca-dir', caDir, '--cert', join(dir, 'site-q.cert.pem'), '--reason', 'keyCompromise');
    // OpenSSL, not our code, reads the CRL back and checks its signature against the CA.
    const text = execFileSync('openssl', ['crl', '-in', join(caDir, 'crl.pem'), '-noout', '-text', '-CAfile', join(caDir, 'ca.cert.pem')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(text.toUpperCase()).toContain(site.serialNumber.replace(/^0+/, '').toUpperCase());
    expect(text).toContain('Key Compromise');
    await expect(fedrad('ca', 'init', '--ca-dir', caDir, '--campaign', 'cli-test')).rejects.toThrow(/already exists/);
  });
});

describe('fedrad audit verify', () => {
  it('passes on an intact log and fails with exit code 3 naming the edited row', async () => {
    const data = mkdtempSync(join(tmpdir(), 'fedrad-audit-'));
    const db = openStore(join(data, 'coordinator.sqlite'));
    for (let i = 0; i < 4; i++) db.transaction(() => appendAudit(db, { event: 'test', actor: 'cli-test', details: { i } }, `2026-11-26T12:00:0${i}Z`))();
    db.close();
    expect(await fedrad('audit', 'verify', '--data', data)).toMatch(/intact: 4 rows/);
    const raw = openStore(join(data, 'coordinator.sqlite'));
    raw.exec('DROP TRIGGER audit_log_no_update');
    raw.prepare(`UPDATE audit_log SET actor = 'intruder' WHERE seq = 2`).run();
    raw.close();
    await expect(fedrad('audit', 'verify', '--data', data)).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN', exitCode: 3, seq: 2 });
  });
});
