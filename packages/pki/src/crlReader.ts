import forge from 'node-forge';
import { CrlExpiredError, CrlMismatchError, CrlSignatureError, MalformedPemError } from './errors.js';
import { OID } from './asn1Builders.js';
import { type RevocationReason, REVOCATION_REASONS, type RevokedEntry } from './crl.js';
import { decodePemBlock, parseDer, readCertificate } from './pemBlock.js';
import { serialFromDerBytes } from './serialNumber.js';
import { certificateSerial } from './certificateInfo.js';
import { certificateNameDer, nameToText } from './x509Parts.js';

export interface ParsedCrl {
  /** DER of the issuer Name, compared byte for byte with a certificate's issuer. */
  issuerDer: string;
  issuer: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  revoked: RevokedEntry[];
  crlNumber?: number;
  /** What the signature covers, and the signature itself (forge binary strings). */
  tbsDer: string;
  signatureOid: string;
  signature: string;
}

const KIND = 'certificate revocation list' as const;
const { asn1 } = forge;

/** Reads an X.509 v2 CRL (RFC 5280 5.1) as written by createCrl or by OpenSSL. */
export function parseCrl(crlPem: string, source = 'crlPem (the campaign revocation list)'): ParsedCrl {
  const root = parseDer(decodePemBlock(crlPem, KIND, source), KIND, source, false);
  const bad = (detail: string) => new MalformedPemError(source, KIND, detail);
  const [tbs, sigAlg, sigValue] = children(root, 'CertificateList', bad);
  if (!tbs || !sigAlg || !sigValue || sigValue.type !== asn1.Type.BITSTRING) throw bad('CertificateList must hold TBSCertList, signatureAlgorithm and signature');

  const fields = children(tbs, 'TBSCertList', bad);
  let i = 0;
  if (fields[i]?.type === asn1.Type.INTEGER && fields[i].tagClass === asn1.Class.UNIVERSAL) i++; // version
  i++; // signature AlgorithmIdentifier (repeated below, the outer one is used)
  const issuer = fields[i++];
  if (!issuer || issuer.type !== asn1.Type.SEQUENCE) throw bad('TBSCertList has no issuer name');
  const thisUpdate = readTime(fields[i++], 'thisUpdate', bad);
  let nextUpdate: Date | undefined;
  if (isTime(fields[i])) nextUpdate = readTime(fields[i++], 'nextUpdate', bad);
  const revoked: RevokedEntry[] = [];
  if (fields[i]?.tagClass === asn1.Class.UNIVERSAL && fields[i].type === asn1.Type.SEQUENCE) {
    for (const entry of children(fields[i++], 'revokedCertificates', bad)) revoked.push(readEntry(entry, bad));
  }
  let crlNumber: number | undefined;
  const extensions = fields[i];
  if (extensions?.tagClass === asn1.Class.CONTEXT_SPECIFIC && extensions.type === 0) {
    for (const ext of children(children(extensions, 'crlExtensions', bad)[0], 'crlExtensions', bad)) {
      const [id, ...rest] = children(ext, 'Extension', bad);
      if (oidOf(id) === OID.cRLNumber) {
        const value = asn1.fromDer(rest[rest.length - 1].value as string);
        crlNumber = parseInt(serialFromDerBytes(value.value as string), 16);
      }
    }
  }
  const signatureBits = sigValue.value as string;
  return {
    issuerDer: asn1.toDer(issuer).getBytes(),
    issuer: nameToText(asn1.toDer(issuer).getBytes()),
    thisUpdate,
    nextUpdate,
    revoked,
    crlNumber,
    tbsDer: asn1.toDer(tbs).getBytes(),
    signatureOid: oidOf(children(sigAlg, 'signatureAlgorithm', bad)[0]),
    // First content byte of a BIT STRING counts unused bits; a signature has none.
    signature: signatureBits.slice(1),
  };
}

/**
 * Checks the CRL was signed by the campaign CA's key, so a CRL forged or altered in transit cannot
 * un-revoke a certificate. Only sha256WithRSAEncryption is accepted, the one createCrl writes.
 */
export function verifyCrlSignature(crl: ParsedCrl, caCertPem: string): void {
  const ca = readCertificate(caCertPem, 'caCertPem (the campaign CA certificate)');
  if (crl.issuerDer !== certificateNameDer(ca, 'subject')) {
    throw new CrlMismatchError(crl.issuer, nameToText(certificateNameDer(ca, 'subject')));
  }
  if (crl.signatureOid !== OID.sha256WithRSAEncryption) {
    throw new CrlSignatureError(crl.issuer, `its signature algorithm ${crl.signatureOid} is not sha256WithRSAEncryption`);
  }
  let valid = false;
  try {
    const md = forge.md.sha256.create();
    md.update(crl.tbsDer);
    valid = (ca.publicKey as forge.pki.rsa.PublicKey).verify(md.digest().getBytes(), crl.signature);
  } catch {
    valid = false;
  }
  if (!valid) throw new CrlSignatureError(crl.issuer, 'the RSA signature does not match its contents');
}

export interface RevocationCheckOptions {
  /** The campaign CA: when given, the CRL's signature must verify under its key. */
  caCertPem?: string;
  /** When given, a CRL past its nextUpdate at this time is refused (as OpenSSL does in TLS). */
  at?: Date;
}

/**
 * The CRL entry revoking this certificate, if any. The CRL must come from the certificate's
 * issuer (else CrlMismatchError: a foreign CRL can neither clear nor condemn it); with the CA
 * certificate given, the CRL's signature is verified too; with `at`, its freshness.
 */
export function findRevocation(certPem: string, crlPem: string, options: RevocationCheckOptions = {}): RevokedEntry | undefined {
  const cert = readCertificate(certPem, 'certificate');
  const crl = parseCrl(crlPem);
  if (options.caCertPem !== undefined) verifyCrlSignature(crl, options.caCertPem);
  if (options.at !== undefined && crl.nextUpdate !== undefined && options.at > crl.nextUpdate) {
    throw new CrlExpiredError(crl.issuer, crl.nextUpdate, options.at);
  }
  const issuerDer = certificateNameDer(cert, 'issuer');
  if (crl.issuerDer !== issuerDer) throw new CrlMismatchError(crl.issuer, nameToText(issuerDer));
  const serial = certificateSerial(cert);
  return crl.revoked.find((entry) => entry.serial === serial);
}

/** Whether the campaign CRL lists this certificate (the coordinator's check on every connection). */
export function isRevoked(certPem: string, crlPem: string, options: RevocationCheckOptions = {}): boolean {
  return findRevocation(certPem, crlPem, options) !== undefined;
}

function children(node: forge.asn1.Asn1 | undefined, what: string, bad: (d: string) => Error): forge.asn1.Asn1[] {
  if (!node || !Array.isArray(node.value)) throw bad(`${what} is not a SEQUENCE`);
  return node.value as forge.asn1.Asn1[];
}

function isTime(node: forge.asn1.Asn1 | undefined): boolean {
  return node?.tagClass === asn1.Class.UNIVERSAL && (node.type === asn1.Type.UTCTIME || node.type === asn1.Type.GENERALIZEDTIME);
}

function readTime(node: forge.asn1.Asn1 | undefined, what: string, bad: (d: string) => Error): Date {
  if (!node || !isTime(node)) throw bad(`${what} is not a UTCTime or GeneralizedTime`);
  const text = node.value as string;
  const date = node.type === asn1.Type.UTCTIME ? asn1.utcTimeToDate(text) : asn1.generalizedTimeToDate(text);
  if (Number.isNaN(date.getTime())) throw bad(`${what} "${text}" is not a valid time`);
  return date;
}

function readEntry(entry: forge.asn1.Asn1, bad: (d: string) => Error): RevokedEntry {
  const [serial, date, extensions] = children(entry, 'revoked certificate entry', bad);
  if (!serial || serial.type !== asn1.Type.INTEGER) throw bad('a revoked certificate entry has no serial number');
  const result: RevokedEntry = { serial: serialFromDerBytes(serial.value as string), revokedAt: readTime(date, 'revocationDate', bad) };
  if (extensions) {
    for (const ext of children(extensions, 'crlEntryExtensions', bad)) {
      const parts = children(ext, 'Extension', bad);
      if (oidOf(parts[0]) !== OID.reasonCode) continue;
      const code = (asn1.fromDer(parts[parts.length - 1].value as string).value as string).charCodeAt(0);
      const reason = (Object.keys(REVOCATION_REASONS) as RevocationReason[]).find((r) => REVOCATION_REASONS[r] === code);
      if (reason) result.reason = reason;
    }
  }
  return result;
}

function oidOf(node: forge.asn1.Asn1 | undefined): string {
  if (!node || node.type !== asn1.Type.OID) return '';
  return asn1.derToOid(forge.util.createBuffer(node.value as string));
}
