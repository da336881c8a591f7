import forge from 'node-forge';
import { MalformedPemError, PEM_LABELS, type PemKind } from './errors.js';

/** A decoded PEM block: its label and its DER body as a forge binary string. */
export interface PemBlock {
  label: string;
  der: string;
}

/**
 * Finds the first PEM block in `pem` and checks it holds the expected kind. Every parser in this
 * package goes through here, so a wrong file (a key where a certificate belongs, a truncated
 * copy-paste, a binary DER file) is reported with its source and what was expected.
 */
export function decodePemBlock(pem: unknown, expected: PemKind, source: string): PemBlock {
  if (typeof pem !== 'string' || pem.trim() === '') {
    throw new MalformedPemError(source, expected, typeof pem === 'string' ? 'it is empty' : `it is a ${typeof pem}, not text`);
  }
  if (!/-----BEGIN [^-\r\n]+-----[\s\S]*?-----END [^-\r\n]+-----/.test(pem)) {
    throw new MalformedPemError(source, expected, 'no complete "-----BEGIN …-----" / "-----END …-----" block was found');
  }
  let blocks: forge.pem.ObjectPEM[];
  try {
    blocks = forge.pem.decode(pem);
  } catch (error) {
    throw new MalformedPemError(source, expected, `its PEM headers are unreadable (${(error as Error).message})`, error);
  }
  const first = blocks[0];
  if (!first) {
    throw new MalformedPemError(source, expected, 'no complete "-----BEGIN …-----" / "-----END …-----" block was found');
  }
  if (!PEM_LABELS[expected].includes(first.type)) {
    throw new MalformedPemError(source, expected, `it holds a "${first.type}" block`);
  }
  if (first.procType?.type === 'ENCRYPTED') {
    throw new MalformedPemError(source, expected, 'it is encrypted with a passphrase; FedRad keeps keys unencrypted behind 0600 file permissions');
  }
  if (first.body.length === 0) {
    throw new MalformedPemError(source, expected, 'its base64 body is empty');
  }
  return { label: first.type, der: first.body };
}

/**
 * Parses DER strictly; any trailing or truncated bytes become a MalformedPemError.
 * `decodeBitStrings: false` keeps BIT STRING contents as raw bytes (wanted for the CRL reader,
 * which verifies the signature itself); forge's own certificate readers expect them decoded.
 */
export function parseDer(block: PemBlock, expected: PemKind, source: string, decodeBitStrings = true): forge.asn1.Asn1 {
  try {
    const fromDer = forge.asn1.fromDer as unknown as (bytes: string, options: object) => forge.asn1.Asn1;
    return fromDer(block.der, { strict: true, parseAllBytes: true, decodeBitStrings });
  } catch (error) {
    throw new MalformedPemError(source, expected, `its body is not valid DER, perhaps truncated or corrupted (${(error as Error).message})`, error);
  }
}

export function readCertificate(pem: string, source: string): forge.pki.Certificate {
  const block = decodePemBlock(pem, 'certificate', source);
  const asn = parseDer(block, 'certificate', source);
  try {
    return forge.pki.certificateFromAsn1(asn, true);
  } catch (error) {
    throw new MalformedPemError(source, 'certificate', `its DER is not an X.509 certificate FedRad can read (${(error as Error).message})`, error);
  }
}

export function readPrivateKey(pem: string, source: string): forge.pki.rsa.PrivateKey {
  const block = decodePemBlock(pem, 'private key', source);
  const asn = parseDer(block, 'private key', source);
  let key: forge.pki.rsa.PrivateKey | null;
  try {
    key = forge.pki.privateKeyFromAsn1(asn) as forge.pki.rsa.PrivateKey | null;
  } catch (error) {
    throw new MalformedPemError(source, 'private key', `its DER is not an RSA private key (${(error as Error).message})`, error);
  }
  if (!key) throw new MalformedPemError(source, 'private key', 'its DER is not an RSA private key');
  return key;
}

export function readCsr(pem: string, source: string): forge.pki.CertificateSigningRequest {
  const block = decodePemBlock(pem, 'certificate request', source);
  const asn = parseDer(block, 'certificate request', source);
  try {
    return forge.pki.certificationRequestFromAsn1(asn, true) as forge.pki.CertificateSigningRequest;
  } catch (error) {
    throw new MalformedPemError(source, 'certificate request', `its DER is not a PKCS#10 certificate request (${(error as Error).message})`, error);
  }
}

/** The kind of the first PEM block, or undefined when its label is none FedRad uses. */
export function pemKindOf(pem: string): PemKind | undefined {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem);
  if (!match) return undefined;
  return (Object.keys(PEM_LABELS) as PemKind[]).find((kind) => PEM_LABELS[kind].includes(match[1]));
}

/** forge writes PEM with CRLF line ends; FedRad's files use LF like OpenSSL and Node. */
export function withUnixLineEnds(pem: string): string {
  return pem.replace(/\r\n/g, '\n');
}
