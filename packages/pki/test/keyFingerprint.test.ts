// The key fingerprint a site and the coordinator's operator compare: checked against Node's own
// X.509 and key readers (OpenSSL inside Node), which export the SubjectPublicKeyInfo themselves.
import { describe, expect, it } from '@jest/globals';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { createCampaignCa, createSiteKeyAndCsr, formatFingerprint, issueCertificate, MalformedPemError, publicKeyFingerprint } from '../src/index.js';

const spkiSha256 = (der: Buffer) => createHash('sha256').update(der).digest('hex');

describe('publicKeyFingerprint', () => {
  it('is the SHA-256 of the SubjectPublicKeyInfo, the same for the key, its CSR and its certificate', () => {
    const ca = createCampaignCa({ campaignId: 'fp-test', validityDays: 30 });
    const site = createSiteKeyAndCsr('site-fp');
    const cert = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: site.csrPem, validityDays: 30 });
    const expected = spkiSha256(createPublicKey(site.keyPem).export({ type: 'spki', format: 'der' }) as Buffer);
    expect(spkiSha256(new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' }) as Buffer)).toBe(expected);
    expect(publicKeyFingerprint(site.keyPem)).toBe(expected);
    expect(publicKeyFingerprint(site.csrPem)).toBe(expected);
    expect(publicKeyFingerprint(cert)).toBe(expected);
    // Another key of the same site name differs.
    expect(publicKeyFingerprint(createSiteKeyAndCsr('site-fp').csrPem)).not.toBe(expected);
    expect(formatFingerprint('ab01ff')).toBe('AB:01:FF');
  });

  it('refuses what holds no key', () => {
    expect(() => publicKeyFingerprint('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n')).toThrow(MalformedPemError);
    expect(() => publicKeyFingerprint('not a pem')).toThrow(MalformedPemError);
  });
});
