import forge from 'node-forge';
import { InvalidPkiOptionError, KeyMismatchError } from './errors.js';
import { bitString, der, extension, integer, integerFromHex, OID, sequence, sha256WithRsa, time } from './asn1Builders.js';
import { caKeyIdentifier } from './issueCertificate.js';
import { isKeyPairOf } from './keyPair.js';
import { readCertificate, readPrivateKey, withUnixLineEnds } from './pemBlock.js';
import { normaliseSerial, serialToDerHex } from './serialNumber.js';
import { certificateNameDer } from './x509Parts.js';
import { serialOf } from './certificateInfo.js';

/** CRLReason (RFC 5280 5.3.1), the ones a campaign has use for. */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

export interface RevokedEntry {
  /** Certificate serial, hex. */
  serial: string;
  revokedAt: Date;
  reason?: RevocationReason;
}

export interface CreateCrlOptions {
  caCertPem: string;
  caKeyPem: string;
  revoked: RevokedEntry[];
  /** Defaults to now. */
  thisUpdate?: Date;
  /** Days until the next CRL is due; TLS peers refuse a CRL past its nextUpdate. Default 7. */
  nextUpdateDays?: number;
  /** Monotonic CRL number (RFC 5280 5.2.3); defaults to thisUpdate in whole seconds, which only grows. */
  crlNumber?: number;
}

/**
 * Adds a certificate to a revocation list (pure: returns a new list; re-revoking keeps the first date).
 * The coordinator stores the list and publishes createCrl(...) of it.
 */
export function revokeCertificate(
  revoked: readonly RevokedEntry[],
  certPem: string,
  revokedAt: Date = new Date(),
  reason?: RevocationReason,
): RevokedEntry[] {
  const serial = serialOf(certPem, 'the certificate to revoke');
  if (revoked.some((entry) => normaliseSerial(entry.serial) === serial)) return [...revoked];
  return [...revoked, { serial, revokedAt, ...(reason ? { reason } : {}) }];
}

/**
 * A signed X.509 v2 CRL (RFC 5280 section 5) for the campaign CA. node-forge reads and writes
 * certificates but has no CRL writer, so the TBSCertList is assembled with forge.asn1 and signed
 * with the CA key (sha256WithRSAEncryption). Node's `tls` takes the result as its `crl` option.
 */
export function createCrl(options: CreateCrlOptions): string {
  const ca = readCertificate(options.caCertPem, 'caCertPem (the campaign CA certificate)');
  const caKey = readPrivateKey(options.caKeyPem, 'caKeyPem (the campaign CA private key)');
  if (!isKeyPairOf(caKey, ca.publicKey)) throw new KeyMismatchError('campaign CA private key', 'campaign CA certificate');

  const thisUpdate = options.thisUpdate ?? new Date();
  if (!(thisUpdate instanceof Date) || Number.isNaN(thisUpdate.getTime())) {
    throw new InvalidPkiOptionError('thisUpdate', String(thisUpdate), 'a valid Date');
  }
  const nextUpdateDays = options.nextUpdateDays ?? 7;
  if (!Number.isFinite(nextUpdateDays) || nextUpdateDays <= 0) {
    throw new InvalidPkiOptionError('nextUpdateDays', nextUpdateDays, 'a number of days above 0');
  }
  const nextUpdate = new Date(thisUpdate.getTime() + nextUpdateDays * 86_400_000);
  const crlNumber = options.crlNumber ?? Math.floor(thisUpdate.getTime() / 1000);
  if (!Number.isSafeInteger(crlNumber) || crlNumber < 0) {
    throw new InvalidPkiOptionError('crlNumber', crlNumber, 'a non-negative integer');
  }

  const entries = options.revoked.map((entry, i) => revokedCertificate(entry, i));
  const crlExtensions = forge.asn1.create(forge.asn1.Class.CONTEXT_SPECIFIC, 0, true, [
    sequence([
      extension(OID.authorityKeyIdentifier, sequence([
        forge.asn1.create(forge.asn1.Class.CONTEXT_SPECIFIC, 0, false, caKeyIdentifier(ca)),
      ])),
      extension(OID.cRLNumber, integer(crlNumber)),
    ]),
  ]);
  const tbsCertList = sequence([
    integer(1), // v2: required once extensions are present (RFC 5280 5.1.2.1)
    sha256WithRsa(),
    forge.asn1.fromDer(certificateNameDer(ca, 'subject')),
    time(thisUpdate),
    time(nextUpdate),
    // "When there are no revoked certificates, the revoked certificates list MUST be absent" (5.1.2.6)
    ...(entries.length > 0 ? [sequence(entries)] : []),
    crlExtensions,
  ]);
  const md = forge.md.sha256.create();
  md.update(der(tbsCertList));
  const signature = caKey.sign(md);
  const certificateList = sequence([tbsCertList, sha256WithRsa(), bitString(signature)]);
  return withUnixLineEnds(forge.pem.encode({ type: 'X509 CRL', body: der(certificateList) }, { maxline: 64 }));
}

function revokedCertificate(entry: RevokedEntry, index: number): forge.asn1.Asn1 {
  if (!(entry.revokedAt instanceof Date) || Number.isNaN(entry.revokedAt.getTime())) {
    throw new InvalidPkiOptionError(`revoked[${index}].revokedAt`, String(entry.revokedAt), 'a valid Date');
  }
  const fields = [integerFromHex(serialToDerHex(normaliseSerial(entry.serial, `revoked[${index}].serial`))), time(entry.revokedAt)];
  if (entry.reason !== undefined) {
    const code = REVOCATION_REASONS[entry.reason];
    if (code === undefined) {
      throw new InvalidPkiOptionError(`revoked[${index}].reason`, entry.reason, `one of ${Object.keys(REVOCATION_REASONS).join(', ')}`);
    }
    const enumerated = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.ENUMERATED, false, String.fromCharCode(code));
    fields.push(sequence([extension(OID.reasonCode, enumerated)]));
  }
  return sequence(fields);
}
