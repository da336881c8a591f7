import forge from 'node-forge';
import { MalformedPemError } from './errors.js';
import { decodePemBlock, readCertificate, readCsr, readPrivateKey } from './pemBlock.js';

/**
 * SHA-256 of a key's SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) in DER, lower-case hex: the value
 * `openssl pkey -pubout -outform DER | sha256sum` prints. The same for a private key, the CSR it
 * signed and every certificate issued for it, so a site's operator and the coordinator's compare
 * it by telephone before the enrolment is approved ("key fingerprint").
 */
export function publicKeyFingerprint(pem: string, source = 'key, request or certificate'): string {
  const kind = /-----BEGIN ([A-Z ]+)-----/.exec(pem)?.[1];
  let key: forge.pki.PublicKey;
  if (kind === 'CERTIFICATE') key = readCertificate(pem, source).publicKey;
  else if (kind === 'CERTIFICATE REQUEST' || kind === 'NEW CERTIFICATE REQUEST') key = readCsr(pem, source).publicKey as forge.pki.PublicKey;
  else if (kind === 'PRIVATE KEY' || kind === 'RSA PRIVATE KEY') {
    const priv = readPrivateKey(pem, source);
    key = forge.pki.setRsaPublicKey(priv.n, priv.e);
  } else {
    decodePemBlock(pem, 'certificate', source);
    throw new MalformedPemError(source, 'certificate', `it holds a "${kind ?? 'non-PEM'}" block, not a key, request or certificate`);
  }
  const der = forge.asn1.toDer(forge.pki.publicKeyToAsn1(key)).getBytes();
  return forge.md.sha256.create().update(der).digest().toHex();
}

/** The fingerprint in colon-separated pairs, easier to read aloud (AB:CD:…). */
export function formatFingerprint(hex: string): string {
  return hex.toUpperCase().match(/.{2}/g)?.join(':') ?? hex;
}
