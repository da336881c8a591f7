// Revocation: the CRL we assemble with forge.asn1 must be one OpenSSL parses, verifies against the
// campaign CA and applies (`openssl verify -crl_check`); isRevoked must agree with OpenSSL.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import {
  CertificateExpiredError,
  CertificateNotIssuedByCaError,
  CertificateNotYetValidError,
  CertificateRevokedError,
  createCrl,
  CrlExpiredError,
  CrlMismatchError,
  CrlSignatureError,
  findRevocation,
  isRevoked,
  MalformedPemError,
  parseCrl,
  revokeCertificate,
  verifyCertificate,
} from '../src/index.js';
import { makeCampaign, type CampaignFixture } from './campaignFixture.js';
import { openssl } from './openssl.js';

let c: CampaignFixture;
beforeAll(() => {
  c = makeCampaign();
});

const verifyWithCrl = (cert: string, crl: string, ca: string) =>
  openssl(['verify', '-crl_check', '-CAfile', '{ca}', '-CRLfile', '{crl}', '{cert}'], { ca, crl, cert });

describe('createCrl', () => {
  it('writes a v2 CRL that OpenSSL verifies against the CA and reads entry by entry', () => {
    const text = openssl(['crl', '-in', '{crl}', '-noout', '-text', '-CAfile', '{ca}'], { crl: c.crlPem, ca: c.ca.certPem });
    expect(text.status).toBe(0);
    expect(text.output).toMatch(/verify OK/);
    expect(text.output).toMatch(/Version 2 \(0x1\)/);
    expect(text.output).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(text.output).toMatch(/Issuer: O = FedRad campaign CA, CN = sts-grade-2026/);
    expect(text.output).toMatch(/X509v3 CRL Number:/);
    const serial = new X509Certificate(c.revoked.certPem).serialNumber;
    expect(text.output).toContain(`Serial Number: ${serial}`);
    expect(text.output).toMatch(/CRL Reason Code:\s+Key Compromise/);
    const printedDate = /Revocation Date: (.+)/.exec(text.output)![1];
    expect(Date.parse(printedDate)).toBe(c.revokedAt.getTime());
  });

  it('makes OpenSSL refuse the revoked certificate and accept the others', () => {
    const revoked = verifyWithCrl(c.revoked.certPem, c.crlPem, c.ca.certPem);
    expect(revoked.status).not.toBe(0);
    expect(revoked.output).toMatch(/certificate revoked/);
    expect(verifyWithCrl(c.siteA.certPem, c.crlPem, c.ca.certPem).output).toMatch(/: OK/);
  });

  it('with nothing revoked, leaves the list out (RFC 5280 5.1.2.6) and OpenSSL accepts it', () => {
    const empty = createCrl({ caCertPem: c.ca.certPem, caKeyPem: c.ca.keyPem, revoked: [], crlNumber: 7 });
    const text = openssl(['crl', '-in', '{crl}', '-noout', '-text', '-CAfile', '{ca}'], { crl: empty, ca: c.ca.certPem }).output;
    expect(text).toMatch(/verify OK/);
    expect(text).toMatch(/No Revoked Certificates/);
    expect(text).toMatch(/X509v3 CRL Number:\s+7\s/);
    expect(verifyWithCrl(c.revoked.certPem, empty, c.ca.certPem).output).toMatch(/: OK/);
  });

  it('writes CRL numbers beyond 32 bits (RFC 5280 5.2.3 allows 20 octets)', () => {
    const crl = createCrl({ caCertPem: c.ca.certPem, caKeyPem: c.ca.keyPem, revoked: [], crlNumber: 2 ** 40 + 5 });
    const text = openssl(['crl', '-in', '{crl}', '-noout', '-text'], { crl }).output;
    expect(text).toMatch(/X509v3 CRL Number:\s+1099511627781\s/);
    expect(parseCrl(crl).crlNumber).toBe(2 ** 40 + 5);
  });

  it('refuses a CA key that does not match the CA certificate', () => {
    expect(() => createCrl({ caCertPem: c.ca.certPem, caKeyPem: c.otherCa.keyPem, revoked: [] })).toThrow(
      'The campaign CA private key does not belong to the campaign CA certificate',
    );
  });
});

describe('revokeCertificate', () => {
  it('adds the certificate serial once; revoking again keeps the first date', () => {
    const first = revokeCertificate([], c.siteB.certPem, new Date('2026-01-02T03:04:05Z'));
    const again = revokeCertificate(first, c.siteB.certPem, new Date('2026-02-01T00:00:00Z'));
    expect(again).toEqual([{ serial: new X509Certificate(c.siteB.certPem).serialNumber.toLowerCase(), revokedAt: new Date('2026-01-02T03:04:05Z') }]);
  });
});

describe('isRevoked (the coordinator’s check)', () => {
  it('agrees with OpenSSL on every certificate of the campaign', () => {
    expect(isRevoked(c.revoked.certPem, c.crlPem, { caCertPem: c.ca.certPem })).toBe(true);
    expect(isRevoked(c.siteA.certPem, c.crlPem, { caCertPem: c.ca.certPem })).toBe(false);
    expect(isRevoked(c.expired.certPem, c.crlPem)).toBe(false);
    expect(findRevocation(c.revoked.certPem, c.crlPem)).toEqual({
      serial: new X509Certificate(c.revoked.certPem).serialNumber.toLowerCase(),
      revokedAt: c.revokedAt,
      reason: 'keyCompromise',
    });
  });

  it('refuses to judge a certificate by another CA’s CRL', () => {
    const otherCrl = createCrl({ caCertPem: c.otherCa.certPem, caKeyPem: c.otherCa.keyPem, revoked: [] });
    expect(() => isRevoked(c.siteA.certPem, otherCrl)).toThrow(CrlMismatchError);
    expect(() => isRevoked(c.siteA.certPem, otherCrl)).toThrow(
      'The revocation list was issued by "O=FedRad campaign CA, CN=other-campaign", not by "O=FedRad campaign CA, CN=sts-grade-2026"',
    );
  });

  it('refuses a CRL altered after signing when the CA is given', () => {
    const der = Buffer.from(c.crlPem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    // Flip one bit of the revoked serial: the entry now names another certificate.
    const serial = Buffer.from(new X509Certificate(c.revoked.certPem).serialNumber, 'hex');
    const at = der.indexOf(serial);
    der[at + serial.length - 1] ^= 0x01;
    const altered = `-----BEGIN X509 CRL-----\n${der.toString('base64')}\n-----END X509 CRL-----\n`;
    expect(openssl(['crl', '-in', '{crl}', '-noout', '-CAfile', '{ca}'], { crl: altered, ca: c.ca.certPem }).output).toMatch(/verify fail/i);
    expect(isRevoked(c.revoked.certPem, altered)).toBe(false); // what an unchecked reader would conclude
    expect(() => isRevoked(c.revoked.certPem, altered, { caCertPem: c.ca.certPem })).toThrow(CrlSignatureError);
    expect(() => isRevoked(c.revoked.certPem, altered, { caCertPem: c.ca.certPem })).toThrow(
      'does not verify against the campaign CA certificate (the RSA signature does not match its contents)',
    );
  });

  it('reports a CRL that is not one', () => {
    expect(() => parseCrl(c.siteA.certPem)).toThrow(MalformedPemError);
    expect(() => parseCrl(c.siteA.certPem)).toThrow(
      'crlPem (the campaign revocation list) is not a usable certificate revocation list: it holds a "CERTIFICATE" block.',
    );
  });
});

describe('verifyCertificate (the TLS checks, for artifacts that arrive outside TLS)', () => {
  it('returns who the certificate speaks for when it is good', () => {
    expect(verifyCertificate(c.siteA.certPem, c.ca.certPem, { crlPem: c.crlPem })).toMatchObject({ subjectCommonName: 'site-a' });
  });

  it('throws one typed error per refusal reason, with the dates that explain it', () => {
    expect(() => verifyCertificate(c.foreign.certPem, c.ca.certPem)).toThrow(CertificateNotIssuedByCaError);
    expect(() => verifyCertificate(c.foreign.certPem, c.ca.certPem)).toThrow(/Certificate "site-a" \(SHA-256 [0-9a-f]{64}\) was not issued by the campaign CA "sts-grade-2026"/);
    const notAfter = new Date(new X509Certificate(c.expired.certPem).validTo);
    expect(() => verifyCertificate(c.expired.certPem, c.ca.certPem)).toThrow(CertificateExpiredError);
    expect(() => verifyCertificate(c.expired.certPem, c.ca.certPem)).toThrow(`expired on ${notAfter.toISOString()}`);
    expect(() => verifyCertificate(c.revoked.certPem, c.ca.certPem, { crlPem: c.crlPem })).toThrow(CertificateRevokedError);
    expect(() => verifyCertificate(c.revoked.certPem, c.ca.certPem, { crlPem: c.crlPem })).toThrow(
      `was revoked by the campaign CA on ${c.revokedAt.toISOString()}`,
    );
  });

  it('refuses a certificate (or CA) before its notBefore, pointing at the clocks', () => {
    const anHourAgo = new Date(Date.now() - 3_600_000);
    expect(() => verifyCertificate(c.siteA.certPem, c.ca.certPem, { at: anHourAgo })).toThrow(CertificateNotYetValidError);
    expect(() => verifyCertificate(c.siteA.certPem, c.ca.certPem, { at: anHourAgo })).toThrow(
      /^Certificate "campaign CA sts-grade-2026" .* is not valid before .*Check the clocks of the site and the coordinator\.$/,
    );
  });

  it('refuses to rely on a CRL past its nextUpdate, as OpenSSL does', () => {
    const thisUpdate = new Date(Date.now() - 10 * 86_400_000);
    const stale = createCrl({ caCertPem: c.ca.certPem, caKeyPem: c.ca.keyPem, revoked: [], thisUpdate, nextUpdateDays: 1 });
    expect(verifyWithCrl(c.siteA.certPem, stale, c.ca.certPem).output).toMatch(/CRL has expired/);
    expect(() => verifyCertificate(c.siteA.certPem, c.ca.certPem, { crlPem: stale })).toThrow(CrlExpiredError);
    expect(() => verifyCertificate(c.siteA.certPem, c.ca.certPem, { crlPem: stale })).toThrow(
      `was due for renewal on ${new Date(Math.floor(thisUpdate.getTime() / 1000) * 1000 + 86_400_000).toISOString()}`,
    );
  });
});
