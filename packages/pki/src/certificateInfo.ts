import forge from 'node-forge';
import { decodePemBlock, readCertificate } from './pemBlock.js';
import { serialFromDerBytes } from './serialNumber.js';
import { assertSiteId } from './siteId.js';

/**
 * SHA-256 of the certificate's DER, lower-case hex (the value `openssl x509 -fingerprint -sha256`
 * prints, without colons). Hashes the bytes as received, never a re-encoding.
 */
export function certificateFingerprint(certPem: string, source = 'certificate'): string {
  const block = decodePemBlock(certPem, 'certificate', source);
  readCertificate(certPem, source);
  return forge.md.sha256.create().update(block.der).digest().toHex();
}

/** The site id a certificate speaks for: its subject CN, which must be a valid site id. */
export function siteIdOf(certPem: string, source = 'certificate'): string {
  const cn = commonName(readCertificate(certPem, source).subject);
  return assertSiteId(cn ?? '', `Subject CN of ${source}`);
}

/** Serial number as lower-case hex without leading zeros. */
export function serialOf(certPem: string, source = 'certificate'): string {
  return certificateSerial(readCertificate(certPem, source));
}

/** The same, of a certificate already parsed (forge keeps the DER INTEGER content as hex). */
export function certificateSerial(cert: forge.pki.Certificate): string {
  return serialFromDerBytes(forge.util.hexToBytes(cert.serialNumber));
}

export interface CertificateSummary {
  subjectCommonName: string;
  issuerCommonName: string;
  serial: string;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
}

/** What a person needs to recognise a certificate in a log or a console table. */
export function describeCertificate(certPem: string, source = 'certificate'): CertificateSummary {
  const cert = readCertificate(certPem, source);
  const basic = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  return {
    subjectCommonName: commonName(cert.subject) ?? '',
    issuerCommonName: commonName(cert.issuer) ?? '',
    serial: serialOf(certPem, source),
    fingerprint: certificateFingerprint(certPem, source),
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    isCa: basic?.cA === true,
  };
}

export function commonName(name: forge.pki.Certificate['subject']): string | undefined {
  const value = name.getField('CN')?.value;
  return typeof value === 'string' ? value : undefined;
}
