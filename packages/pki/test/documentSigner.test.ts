// The fast signer must give exactly signDocument's signature (RSASSA-PKCS1-v1_5 is deterministic),
// which Node's own crypto.verify and verifySignature accept.
import { describe, expect, it } from '@jest/globals';
import { createPublicKey, verify } from 'node:crypto';
import { canonicalJson } from '@fedrad/protocol';
import { createCampaignCa, createDocumentSigner, createSiteKeyAndCsr, issueCertificate, KeyMismatchError, signDocument, verifySignature } from '../src/index.js';

describe('createDocumentSigner', () => {
  it("signs byte for byte as signDocument does, and the signature verifies with Node's crypto and the campaign CA", () => {
    const ca = createCampaignCa({ campaignId: 'signer-test', validityDays: 30 });
    const me = createSiteKeyAndCsr('coordinator');
    const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: me.csrPem, validityDays: 30 });
    const doc = { type: 'audit-head', seq: 42, hash: 'ab'.repeat(32), at: '2026-12-06T22:00:00.000Z', é: 'ünïcode' };
    const at = new Date('2026-12-06T22:00:01Z');
    const fast = createDocumentSigner(me.keyPem, certPem)(doc, at);
    expect(fast).toEqual(signDocument(doc, me.keyPem, certPem, { signedAt: at }));
    expect(verify('sha256', Buffer.from(canonicalJson(doc)), createPublicKey(certPem), Buffer.from(fast.signature, 'base64'))).toBe(true);
    expect(verifySignature(doc, fast, certPem, { caCertPem: ca.certPem })).toMatchObject({ subjectCommonName: 'coordinator' });
    expect(() => createDocumentSigner(createSiteKeyAndCsr('other-key').keyPem, certPem)).toThrow(KeyMismatchError);
  });
});
