import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { normaliseSerial } from '@fedrad/pki';

/** Who is on the other end of a site connection, from the certificate its TLS handshake presented. */
export interface PeerIdentity {
  siteId: string;
  serial: string;
  /** SHA-256 of the certificate DER, lower-case hex. */
  fingerprint: string;
  publicKey: KeyObject;
  certificatePem: string;
}

/** Reads a peer certificate (DER bytes, as tls getPeerCertificate().raw gives them). */
export function peerFromDer(der: Buffer): PeerIdentity {
  const cert = new X509Certificate(der);
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1] ?? '';
  return {
    siteId: cn,
    serial: normaliseSerial(cert.serialNumber),
    fingerprint: createHash('sha256').update(der).digest('hex'),
    publicKey: cert.publicKey,
    certificatePem: cert.toString(),
  };
}
