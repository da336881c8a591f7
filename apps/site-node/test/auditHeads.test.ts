// The site keeps the coordinator's signed audit heads, and only those the pinned campaign CA's
// coordinator certificate signed; a head that goes back is kept as evidence and reported.
import { describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCampaignCa, createDocumentSigner, createSiteKeyAndCsr, issueCertificate } from '@fedrad/pki';
import type { AuditHead } from '@fedrad/protocol';
import { AuditHeadRecorder, auditHeadsFile, readAuditHeads } from '../src/auditHeads.js';

function signer(caCertPem: string, caKeyPem: string, cn: string) {
  const { keyPem, csrPem } = createSiteKeyAndCsr(cn);
  const certPem = issueCertificate({ caCertPem, caKeyPem, csrPem, validityDays: 30 });
  const sign = createDocumentSigner(keyPem, certPem);
  return (seq: number, hash: string): AuditHead => {
    const doc = { type: 'audit-head' as const, campaign: 'c', seq, hash, at: new Date().toISOString() };
    return { ...doc, signature: sign(doc), signerCertificatePem: certPem };
  };
}

describe('AuditHeadRecorder', () => {
  it('stores verified heads, skips repeats, refuses foreign signers, keeps and reports a rewound head', () => {
    const ca = createCampaignCa({ campaignId: 'heads', validityDays: 30 });
    const other = createCampaignCa({ campaignId: 'heads', validityDays: 30 });
    const coordinator = signer(ca.certPem, ca.keyPem, 'coordinator');
    const aSite = signer(ca.certPem, ca.keyPem, 'site-b');
    const impostor = signer(other.certPem, other.keyPem, 'coordinator');
    const file = auditHeadsFile({ database: join(mkdtempSync(join(tmpdir(), 'site-heads-')), 'site.sqlite') });
    const logged: string[] = [];
    const recorder = new AuditHeadRecorder(file, ca.certPem, (l) => logged.push(l));
    expect(recorder.record(coordinator(5, 'a'.repeat(64)))).toBe('stored');
    expect(recorder.record(coordinator(5, 'a'.repeat(64)))).toBe('duplicate');
    expect(recorder.record(aSite(9, 'b'.repeat(64)))).toBe('refused');
    expect(recorder.record(impostor(9, 'b'.repeat(64)))).toBe('refused');
    const tampered = { ...coordinator(9, 'c'.repeat(64)), seq: 10 };
    expect(recorder.record(tampered)).toBe('refused');
    expect(recorder.record(coordinator(12, 'd'.repeat(64)))).toBe('stored');
    expect(recorder.record(coordinator(7, 'e'.repeat(64)))).toBe('rewound');
    expect(logged.filter((l) => /may have been rewritten/.test(l))).toHaveLength(1);
    expect(logged.filter((l) => /refused an audit head/.test(l))).toHaveLength(3);
    // A torn last line (a crash mid-write) leaves the heads before it.
    appendFileSync(file, '{"type":"audit-he');
    expect(readAuditHeads(file).map((h) => h.seq)).toEqual([5, 12, 7]);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(4);
    // A new recorder (the daemon restarted) continues from the newest head kept.
    expect(new AuditHeadRecorder(file, ca.certPem, () => undefined).record(coordinator(7, 'e'.repeat(64)))).toBe('duplicate');
  });
});
