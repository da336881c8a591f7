import { isIP } from 'node:net';
import forge from 'node-forge';
import { CsrSignatureError, InvalidPkiOptionError, KeyMismatchError } from './errors.js';
import { isKeyPairOf } from './keyPair.js';
import { commonName } from './certificateInfo.js';
import { readCertificate, readCsr, readPrivateKey, withUnixLineEnds } from './pemBlock.js';
import { randomSerial, serialToDerHex } from './serialNumber.js';
import { assertSiteId } from './siteId.js';
import { validityPeriod } from './validity.js';

export interface IssueCertificateOptions {
  caCertPem: string;
  caKeyPem: string;
  csrPem: string;
  validityDays: number;
  /** Hex serial; random 128 bits when omitted. */
  serial?: string;
  /** Start of validity; may lie in the past (an already-expired certificate for tests). */
  notBefore?: Date;
  /**
   * Names a TLS client checks when this certificate serves (RFC 5280 4.2.1.6): IP addresses
   * become iPAddress entries, anything else a dNSName. The coordinator's server certificate
   * asks for e.g. ["127.0.0.1", "localhost"]; site client certificates need none.
   */
  subjectAltNames?: string[];
}

const CA_CERT = 'caCertPem (the campaign CA certificate)';
const CA_KEY = 'caKeyPem (the campaign CA private key)';
const CSR = 'csrPem (the site certificate request)';

/**
 * Issues a certificate for a site from its CSR, signed by the campaign CA. The CSR's signature is
 * checked first (proof the requester holds the key); its subject is reduced to CN = site id and its
 * requested extensions are ignored: the CA alone decides what the certificate allows.
 */
export function issueCertificate(options: IssueCertificateOptions): string {
  const ca = readCertificate(options.caCertPem, CA_CERT);
  const caKey = readPrivateKey(options.caKeyPem, CA_KEY);
  const csr = readCsr(options.csrPem, CSR);

  const requestedCn = commonName(csr.subject) ?? '(no CN)';
  if (!csrSignatureVerifies(csr)) throw new CsrSignatureError(requestedCn);
  const siteId = assertSiteId(requestedCn, 'Subject CN of the certificate request');

  const caBasic = ca.getExtension('basicConstraints') as { cA?: boolean } | null;
  if (caBasic?.cA !== true) {
    throw new InvalidPkiOptionError('caCertPem', commonName(ca.subject), 'a CA certificate (basicConstraints cA = true)');
  }
  if (!isKeyPairOf(caKey, ca.publicKey)) throw new KeyMismatchError('campaign CA private key', 'campaign CA certificate');

  const { notBefore, notAfter } = validityPeriod(options.validityDays, options.notBefore);
  const altNames = (options.subjectAltNames ?? []).map(subjectAltName);

  const cert = forge.pki.createCertificate();
  cert.publicKey = csr.publicKey as forge.pki.PublicKey;
  cert.serialNumber = serialToDerHex(options.serial ?? randomSerial());
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ shortName: 'CN', value: siteId }]);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyIdentifier(ca) },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return withUnixLineEnds(forge.pki.certificateToPem(cert));
}

function csrSignatureVerifies(csr: forge.pki.CertificateSigningRequest): boolean {
  try {
    return csr.verify();
  } catch {
    return false;
  }
}

/** The CA's subjectKeyIdentifier bytes, so relying parties can pick the right CA key (RFC 5280 4.2.1.1). */
export function caKeyIdentifier(ca: forge.pki.Certificate): string {
  const ski = ca.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  if (ski?.subjectKeyIdentifier) return forge.util.hexToBytes(ski.subjectKeyIdentifier);
  return ca.generateSubjectKeyIdentifier().getBytes();
}

function subjectAltName(name: string): { type: number; ip?: string; value?: string } {
  if (typeof name === 'string' && isIP(name) !== 0) return { type: 7, ip: name };
  if (typeof name === 'string' && /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(name)) {
    return { type: 2, value: name };
  }
  throw new InvalidPkiOptionError('subjectAltNames', name, 'an IP address or a DNS host name');
}
