// Detached signatures over canonical JSON. Node's crypto.verify (OpenSSL's RSASSA-PKCS1-v1_5,
// RFC 8017 8.2.2) is the independent check that what we sign with node-forge is a standard
// signature over exactly the canonical bytes.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { canonicalHash, canonicalJson, ProtocolValidationError, validate } from '@fedrad/protocol';
import {
  CertificateExpiredError,
  CertificateNotIssuedByCaError,
  CertificateRevokedError,
  KeyMismatchError,
  SignatureMismatchError,
  SignerMismatchError,
  signDocument,
  verifySignature,
  type DetachedSignature,
} from '../src/index.js';
import { makeCampaign, type CampaignFixture } from './campaignFixture.js';

let c: CampaignFixture;
let signature: DetachedSignature;

// A model card as a site would sign it: nested, with numbers and non-ASCII text.
const modelCard = {
  modelHash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  outcome: { kind: 'binary', label: 'FNCLCC grade 3 vs 1–2' },
  coefficients: [0.125, -1.5, 3e-7],
  site: 'site-a',
};
const signedAt = new Date('2026-11-26T12:00:00Z');

beforeAll(() => {
  c = makeCampaign();
  signature = signDocument(modelCard, c.siteA.keyPem, c.siteA.certPem, { signedAt });
});

describe('signDocument', () => {
  it('is a detached-signature message (protocols/detached-signature.schema.json)', () => {
    expect(validate('detached-signature', signature)).toEqual({ valid: true });
    expect(signature.algorithm).toBe('RSA-SHA256');
    expect(signature.signedAt).toBe('2026-11-26T12:00:00.000Z');
  });

  it('names the signer by the SHA-256 of its certificate DER and the document by its canonical hash', () => {
    expect(signature.signerCertificateSha256).toBe(new X509Certificate(c.siteA.certPem).fingerprint256.replace(/:/g, '').toLowerCase());
    expect(signature.documentSha256).toBe(canonicalHash(modelCard));
  });

  it('is a standard RSA-SHA256 signature of the canonical JSON bytes, as OpenSSL verifies it', () => {
    const bytes = Buffer.from(canonicalJson(modelCard), 'utf8');
    const sig = Buffer.from(signature.signature, 'base64');
    expect(sig.length).toBe(256); // 2048-bit modulus
    expect(cryptoVerify('sha256', bytes, c.siteA.certPem, sig)).toBe(true);
    expect(cryptoVerify('sha256', Buffer.from(JSON.stringify(modelCard)), c.siteA.certPem, sig)).toBe(false);
  });

  it('refuses a key that is not the certificate’s', () => {
    expect(() => signDocument(modelCard, c.siteB.keyPem, c.siteA.certPem)).toThrow(KeyMismatchError);
    expect(() => signDocument(modelCard, c.siteB.keyPem, c.siteA.certPem)).toThrow('The signing key does not belong to the certificate "site-a"');
  });
});

describe('verifySignature', () => {
  it('accepts the signed document whatever its key order, and says who signed', () => {
    const reordered = { site: 'site-a', coefficients: [0.125, -1.5, 3e-7], outcome: { label: 'FNCLCC grade 3 vs 1–2', kind: 'binary' }, modelHash: modelCard.modelHash };
    const signer = verifySignature(reordered, signature, c.siteA.certPem, { caCertPem: c.ca.certPem, crlPem: c.crlPem });
    expect(signer.subjectCommonName).toBe('site-a');
  });

  it('fails after one byte of the document changes', () => {
    const changed = { ...modelCard, coefficients: [0.125, -1.5, 4e-7] };
    expect(canonicalJson(changed).length).toBe(canonicalJson(modelCard).length);
    expect(() => verifySignature(changed, signature, c.siteA.certPem)).toThrow(SignatureMismatchError);
    expect(() => verifySignature(changed, signature, c.siteA.certPem)).toThrow(
      `The signature by "site-a" does not match the document (canonical SHA-256 ${canonicalHash(changed)})`,
    );
    // Even with the recorded hash brought up to date, the RSA signature itself refuses.
    const patched = { ...signature, documentSha256: canonicalHash(changed) };
    expect(() => verifySignature(changed, patched, c.siteA.certPem)).toThrow('the RSA signature does not verify under the signer certificate');
  });

  it('fails under another site’s certificate', () => {
    expect(() => verifySignature(modelCard, signature, c.siteB.certPem)).toThrow(SignerMismatchError);
    expect(() => verifySignature(modelCard, signature, c.siteB.certPem)).toThrow(
      `The signature names signer certificate SHA-256 ${signature.signerCertificateSha256}, but it was checked against certificate "site-b"`,
    );
    // Claiming site-b as signer does not help: site-b's key never made this signature.
    const claimed = { ...signature, signerCertificateSha256: new X509Certificate(c.siteB.certPem).fingerprint256.replace(/:/g, '').toLowerCase() };
    expect(() => verifySignature(modelCard, claimed, c.siteB.certPem)).toThrow(SignatureMismatchError);
  });

  it('refuses signers the campaign does not trust: another CA, expired, revoked', () => {
    const by = (who: keyof Pick<CampaignFixture, 'foreign' | 'expired' | 'revoked'>) => () =>
      verifySignature(modelCard, signDocument(modelCard, c[who].keyPem, c[who].certPem), c[who].certPem, { caCertPem: c.ca.certPem, crlPem: c.crlPem });
    expect(by('foreign')).toThrow(CertificateNotIssuedByCaError);
    expect(by('expired')).toThrow(CertificateExpiredError);
    expect(by('revoked')).toThrow(CertificateRevokedError);
  });

  it('names the field when the signature is not a detached-signature message', () => {
    const { signedAt: _dropped, ...withoutDate } = signature;
    expect(() => verifySignature(modelCard, withoutDate, c.siteA.certPem)).toThrow(ProtocolValidationError);
    expect(() => verifySignature(modelCard, withoutDate, c.siteA.certPem)).toThrow(
      'Signature does not match schema detached-signature:\n  /signedAt is required but missing',
    );
  });

  it('will not check revocation with a CRL it cannot authenticate', () => {
    expect(() => verifySignature(modelCard, signature, c.siteA.certPem, { crlPem: c.crlPem })).toThrow(
      'Option crlPem is "(given without caCertPem)"; expected to come with the caCertPem whose key signed it.',
    );
  });

  it('treats a garbled signature value as a mismatch, not a crash', () => {
    expect(() => verifySignature(modelCard, { ...signature, signature: 'AAAA' }, c.siteA.certPem)).toThrow(SignatureMismatchError);
  });
});
