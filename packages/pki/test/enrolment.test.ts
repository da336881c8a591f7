// Site enrolment: key + CSR at the site, certificate from the campaign CA. What we wrote is read
// back by OpenSSL (`openssl req -verify`, `openssl verify`, `openssl x509 -ext`) and by Node's
// X509Certificate; bad input must fail with a message that says what to do.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import {
  certificateFingerprint,
  createCampaignCa,
  createSiteKeyAndCsr,
  CsrSignatureError,
  describeCertificate,
  InvalidPkiOptionError,
  InvalidSiteIdError,
  issueCertificate,
  KeyMismatchError,
  MalformedPemError,
  serialOf,
  siteIdOf,
  type CampaignCa,
  type SiteKeyAndCsr,
} from '../src/index.js';
import { openssl } from './openssl.js';

let ca: CampaignCa;
let otherCa: CampaignCa;
let site: SiteKeyAndCsr;
let certPem: string;
let serverCertPem: string;

beforeAll(() => {
  ca = createCampaignCa({ campaignId: 'lipoma-alt', validityDays: 365 });
  otherCa = createCampaignCa({ campaignId: 'other', validityDays: 365 });
  site = createSiteKeyAndCsr('lyon-clb');
  certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: site.csrPem, validityDays: 90, serial: '1f2e3d' });
  serverCertPem = issueCertificate({
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    csrPem: createSiteKeyAndCsr('coordinator').csrPem,
    validityDays: 90,
    subjectAltNames: ['127.0.0.1', 'localhost'],
  });
});

/** Replaces bytes inside a PEM's DER body, keeping its length (a tampered request or certificate). */
function tamperPem(pem: string, label: string, find: string, replace: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
  const at = der.indexOf(find, 0, 'latin1');
  if (at < 0) throw new Error(`test setup: "${find}" not in the DER`);
  der.write(replace, at, 'latin1');
  return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
}

describe('createSiteKeyAndCsr', () => {
  it('makes a PKCS#10 request OpenSSL verifies, with CN = site id and a 2048-bit RSA key', () => {
    const check = openssl(['req', '-in', '{csr}', '-noout', '-verify', '-subject', '-text'], { csr: site.csrPem });
    expect(check.status).toBe(0);
    expect(check.output).toMatch(/verify OK/i);
    expect(check.output).toMatch(/subject=CN\s?=\s?lyon-clb/);
    expect(check.output).toMatch(/Public-Key: \(2048 bit\)/);
  });

  it('refuses a site id outside ^[a-z0-9][a-z0-9-]{1,62}$ and says what a site id is', () => {
    for (const bad of ['Lyon', 'a', '-lyon', 'lyon_clb', 'x'.repeat(64)]) {
      expect(() => createSiteKeyAndCsr(bad)).toThrow(InvalidSiteIdError);
    }
    expect(() => createSiteKeyAndCsr('Lyon CLB')).toThrow(
      'createSiteKeyAndCsr: "Lyon CLB" is not a valid site id. A site id is 2 to 63 characters of lower-case letters, digits and hyphens',
    );
  });
});

describe('issueCertificate', () => {
  it('is accepted by `openssl verify` against the campaign CA only', () => {
    expect(openssl(['verify', '-CAfile', '{ca}', '{cert}'], { ca: ca.certPem, cert: certPem }).output).toMatch(/: OK/);
    const foreign = openssl(['verify', '-CAfile', '{ca}', '{cert}'], { ca: otherCa.certPem, cert: certPem });
    expect(foreign.status).not.toBe(0);
  });

  it('names the site, the CA, the serial, both TLS uses and the CA key (RFC 5280 4.2.1.1, 4.2.1.12)', () => {
    const x509 = new X509Certificate(certPem);
    const caX509 = new X509Certificate(ca.certPem);
    expect(x509.subject).toBe('CN=lyon-clb');
    expect(x509.issuer).toBe(caX509.subject);
    expect(x509.checkIssued(caX509)).toBe(true);
    expect(x509.verify(caX509.publicKey)).toBe(true);
    expect(x509.ca).toBe(false);
    expect(x509.serialNumber).toBe('1F2E3D');
    // id-kp-serverAuth and id-kp-clientAuth (RFC 5280 4.2.1.12)
    expect([...(x509.keyUsage ?? [])].sort()).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const ext = (pem: string, names: string) => openssl(['x509', '-in', '{c}', '-noout', '-ext', names], { c: pem }).output;
    const caSki = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(ext(ca.certPem, 'subjectKeyIdentifier'))![1];
    expect(ext(certPem, 'authorityKeyIdentifier')).toContain(caSki);
    expect(ext(certPem, 'basicConstraints,keyUsage')).toMatch(/CA:FALSE[\s\S]*Digital Signature, Key Encipherment/);
    expect(x509.subjectAltName).toBeUndefined();
  });

  it('carries subjectAltName entries for the coordinator server certificate', () => {
    expect(new X509Certificate(serverCertPem).subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(new X509Certificate(serverCertPem).checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('accepts a request under the older "NEW CERTIFICATE REQUEST" label (RFC 7468 section 7), as OpenSSL does', () => {
    const relabelled = site.csrPem.replace(/CERTIFICATE REQUEST-----/g, 'NEW CERTIFICATE REQUEST-----');
    expect(openssl(['req', '-in', '{csr}', '-noout', '-verify'], { csr: relabelled }).output).toMatch(/verify OK/i);
    const pem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: relabelled, validityDays: 2 });
    expect(new X509Certificate(pem).subject).toBe('CN=lyon-clb');
  });

  it('lasts the asked number of days from the asked start, even in the past', () => {
    const start = new Date('2024-01-01T00:00:00Z');
    const pem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: site.csrPem, validityDays: 2, notBefore: start });
    const x509 = new X509Certificate(pem);
    expect(new Date(x509.validFrom).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(new Date(x509.validTo).toISOString()).toBe('2024-01-03T00:00:00.000Z');
  });

  it('refuses a CSR whose signature does not verify, naming the requester', () => {
    // The CN changed after signing: the request no longer proves possession of the key.
    const tampered = tamperPem(site.csrPem, 'CERTIFICATE REQUEST', 'lyon-clb', 'lyon-chu');
    expect(openssl(['req', '-in', '{csr}', '-noout', '-verify'], { csr: tampered }).output).toMatch(/verify fail/i);
    const issue = () => issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: tampered, validityDays: 10 });
    expect(issue).toThrow(CsrSignatureError);
    expect(issue).toThrow(
      'The certificate request from "lyon-chu" carries a signature that does not verify against its own public key',
    );
    try {
      issue();
    } catch (error) {
      expect((error as CsrSignatureError).code).toBe('PKI_CSR_SIGNATURE_INVALID');
    }
  });

  it('refuses a CA key that is not the CA certificate’s', () => {
    const issue = () => issueCertificate({ caCertPem: ca.certPem, caKeyPem: otherCa.keyPem, csrPem: site.csrPem, validityDays: 10 });
    expect(issue).toThrow(KeyMismatchError);
    expect(issue).toThrow('The campaign CA private key does not belong to the campaign CA certificate');
  });

  it('refuses a serial RFC 5280 forbids and names that are neither IP nor host', () => {
    const issue = (extra: object) => () =>
      issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: site.csrPem, validityDays: 10, ...extra });
    expect(issue({ serial: '0' })).toThrow('Option serial is "0"; expected a positive integer');
    expect(issue({ serial: 'xyz' })).toThrow(InvalidPkiOptionError);
    expect(issue({ subjectAltNames: ['not a host'] })).toThrow('Option subjectAltNames is "not a host"; expected an IP address or a DNS host name.');
  });
});

describe('malformed PEM input', () => {
  const issueWith = (over: Partial<{ caCertPem: string; caKeyPem: string; csrPem: string }>) => () =>
    issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: site.csrPem, validityDays: 10, ...over });

  it('names the argument, what was expected and what was found', () => {
    expect(issueWith({ csrPem: site.keyPem })).toThrow(
      'csrPem (the site certificate request) is not a usable certificate request: it holds a "PRIVATE KEY" block. ' +
        'Expected a PEM block starting with "-----BEGIN CERTIFICATE REQUEST-----".',
    );
    expect(issueWith({ caCertPem: 'hello' })).toThrow(
      'caCertPem (the campaign CA certificate) is not a usable certificate: no complete "-----BEGIN …-----" / "-----END …-----" block was found.',
    );
    expect(issueWith({ caKeyPem: '' })).toThrow('caKeyPem (the campaign CA private key) is not a usable private key: it is empty.');
  });

  it('reports a truncated body as not valid DER', () => {
    const lines = certPem.trim().split('\n');
    const truncated = [...lines.slice(0, 5), lines[lines.length - 1]].join('\n');
    expect(() => siteIdOf(truncated, 'site certificate')).toThrow(MalformedPemError);
    expect(() => siteIdOf(truncated, 'site certificate')).toThrow(/^site certificate is not a usable certificate: its body is not valid DER, perhaps truncated or corrupted/);
  });

  it('carries code, source and expected kind as context', () => {
    try {
      certificateFingerprint(site.csrPem, '/etc/fedrad/site.crt');
      throw new Error('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(MalformedPemError);
      expect(error).toMatchObject({ code: 'PKI_MALFORMED_PEM', source: '/etc/fedrad/site.crt', expected: 'certificate' });
    }
  });
});

describe('certificate identity', () => {
  it('fingerprint is the SHA-256 of the DER, as Node/OpenSSL compute it', () => {
    const reference = new X509Certificate(certPem).fingerprint256.replace(/:/g, '').toLowerCase();
    expect(certificateFingerprint(certPem)).toBe(reference);
    const fromCli = openssl(['x509', '-in', '{c}', '-noout', '-fingerprint', '-sha256'], { c: certPem }).output;
    expect(fromCli.replace(/.*=/s, '').trim().replace(/:/g, '').toLowerCase()).toBe(reference);
  });

  it('describeCertificate summarises what Node reads from it', () => {
    const x509 = new X509Certificate(certPem);
    expect(describeCertificate(certPem)).toEqual({
      subjectCommonName: 'lyon-clb',
      issuerCommonName: 'lipoma-alt',
      serial: '1f2e3d',
      fingerprint: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
      notBefore: new Date(x509.validFrom),
      notAfter: new Date(x509.validTo),
      isCa: false,
    });
    expect(describeCertificate(ca.certPem).isCa).toBe(true);
  });

  it('site id and serial are read from the certificate', () => {
    expect(siteIdOf(certPem)).toBe('lyon-clb');
    expect(serialOf(certPem)).toBe('1f2e3d');
    // A CA certificate's CN is a campaign id, not a site id.
    expect(() => siteIdOf(createCampaignCa({ campaignId: 'UPPER.case', validityDays: 1 }).certPem)).toThrow(InvalidSiteIdError);
  });
});
