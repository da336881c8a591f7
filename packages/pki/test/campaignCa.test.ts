// The campaign CA as OpenSSL and Node's X509Certificate read it (RFC 5280 4.2.1.3, 4.2.1.9).
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { createCampaignCa, InvalidPkiOptionError, type CampaignCa } from '../src/index.js';
import { openssl } from './openssl.js';

let ca: CampaignCa;
let x509: X509Certificate;
const before = Date.now();

beforeAll(() => {
  ca = createCampaignCa({ campaignId: 'sts-grade-2026', validityDays: 730, serial: '0badcafe01' });
  x509 = new X509Certificate(ca.certPem);
});

describe('createCampaignCa', () => {
  it('is a self-signed root: subject = issuer and its own key verifies its signature', () => {
    expect(x509.subject).toBe('O=FedRad campaign CA\nCN=sts-grade-2026');
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(openssl(['verify', '-CAfile', '{ca}', '{ca}'], { ca: ca.certPem }).output).toMatch(/: OK/);
  });

  it('may sign certificates and CRLs only, with no intermediate CA below it (pathlen 0)', () => {
    expect(x509.ca).toBe(true);
    const text = openssl(['x509', '-in', '{ca}', '-noout', '-ext', 'basicConstraints,keyUsage,subjectKeyIdentifier'], { ca: ca.certPem }).output;
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\s/);
    expect(text).toMatch(/X509v3 Subject Key Identifier:\s+([0-9A-F]{2}:){19}[0-9A-F]{2}/);
  });

  it('has a 2048-bit RSA key, the caller serial and the asked validity', () => {
    expect(x509.publicKey.asymmetricKeyType).toBe('rsa');
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(x509.serialNumber).toBe('0BADCAFE01');
    const notBefore = Date.parse(x509.validFrom);
    const notAfter = Date.parse(x509.validTo);
    // Starts up to 5 minutes early (clock skew allowance), ends 730 days after creation.
    expect(notBefore).toBeLessThanOrEqual(before);
    expect(before - notBefore).toBeLessThan(5 * 60_000 + 2_000);
    expect(Math.abs(notAfter - (before + 730 * 86_400_000))).toBeLessThan(60_000);
  });

  it('hands back the private key of the certificate', () => {
    const fromKey = createPublicKey(createPrivateKey(ca.keyPem)).export({ type: 'spki', format: 'der' });
    expect(Buffer.compare(fromKey, x509.publicKey.export({ type: 'spki', format: 'der' }))).toBe(0);
  });

  it('refuses a campaign id that is not one, and keys under 2048 bits', () => {
    expect(() => createCampaignCa({ campaignId: 'bad id!', validityDays: 10 })).toThrow(InvalidPkiOptionError);
    expect(() => createCampaignCa({ campaignId: 'bad id!', validityDays: 10 })).toThrow('Option campaignId is "bad id!"');
    expect(() => createCampaignCa({ campaignId: 'c1', validityDays: 10, keyBits: 1024 })).toThrow(
      'Option keyBits is 1024; expected a multiple of 8 from 2048 to 8192.',
    );
    expect(() => createCampaignCa({ campaignId: 'c1', validityDays: 0 })).toThrow('Option validityDays is 0');
  });
});
