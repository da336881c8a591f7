import forge from 'node-forge';
import {
  CertificateExpiredError,
  CertificateNotIssuedByCaError,
  CertificateNotYetValidError,
  CertificateRevokedError,
} from './errors.js';
import { certificateFingerprint, certificateSerial, commonName } from './certificateInfo.js';
import { findRevocation } from './crlReader.js';
import { readCertificate } from './pemBlock.js';

export interface VerifyCertificateOptions {
  /** The campaign CRL; when given, a listed certificate is refused. */
  crlPem?: string;
  /** When the certificate must be valid; defaults to now. */
  at?: Date;
}

export interface VerifiedCertificate {
  subjectCommonName: string;
  serial: string;
  fingerprint: string;
}

/**
 * The checks a TLS peer makes on a site certificate, as a pure function for artifacts that arrive
 * outside TLS (signed documents): issued and signed by the campaign CA, within its validity
 * period (and the CA within its own), not on the campaign CRL (whose signature and freshness are
 * checked too).
 */
export function verifyCertificate(certPem: string, caCertPem: string, options: VerifyCertificateOptions = {}): VerifiedCertificate {
  const at = options.at ?? new Date();
  const cert = readCertificate(certPem, 'certificate');
  const ca = readCertificate(caCertPem, 'caCertPem (the campaign CA certificate)');
  const subject = commonName(cert.subject) ?? '(no CN)';
  const fingerprint = certificateFingerprint(certPem);
  const caSubject = commonName(ca.subject) ?? '(no CN)';

  if (!signedBy(ca, cert)) throw new CertificateNotIssuedByCaError(subject, fingerprint, caSubject);
  for (const [who, c, print] of [
    ['campaign CA ' + caSubject, ca, certificateFingerprint(caCertPem)],
    [subject, cert, fingerprint],
  ] as const) {
    if (at < c.validity.notBefore) throw new CertificateNotYetValidError(who, print, c.validity.notBefore, at);
    if (at > c.validity.notAfter) throw new CertificateExpiredError(who, print, c.validity.notAfter, at);
  }
  const serial = certificateSerial(cert);
  if (options.crlPem !== undefined) {
    const entry = findRevocation(certPem, options.crlPem, { caCertPem, at });
    if (entry) throw new CertificateRevokedError(subject, serial, entry.revokedAt);
  }
  return { subjectCommonName: subject, serial, fingerprint };
}

function signedBy(ca: forge.pki.Certificate, cert: forge.pki.Certificate): boolean {
  try {
    return ca.verify(cert);
  } catch {
    // forge throws when the issuer name differs from the CA subject: also "not issued by this CA".
    return false;
  }
}
