import forge from 'node-forge';
import { assertValid, canonicalHash, canonicalJson, type DetachedSignature } from '@fedrad/protocol';
import { InvalidPkiOptionError, KeyMismatchError, SignatureMismatchError, SignerMismatchError } from './errors.js';
import { certificateFingerprint, commonName, serialOf } from './certificateInfo.js';
import { isKeyPairOf } from './keyPair.js';
import { readCertificate, readPrivateKey } from './pemBlock.js';
import { verifyCertificate, type VerifiedCertificate } from './verifyCertificate.js';

export type { DetachedSignature };

export const SIGNATURE_ALGORITHM = 'RSA-SHA256' as const;

/**
 * Signs a document: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 section 8.2) over the UTF-8 bytes of
 * its canonical JSON, so any party holding the same document, in any key order, checks the same
 * bytes. The result (protocols/detached-signature.schema.json) travels beside the document and
 * names the signer by certificate fingerprint.
 */
export function signDocument(doc: unknown, keyPem: string, certPem: string, options: { signedAt?: Date } = {}): DetachedSignature {
  const key = readPrivateKey(keyPem, 'keyPem (the signing key)');
  const cert = readCertificate(certPem, 'certPem (the signer certificate)');
  // A key that is not the certificate's would make a signature nobody can ever verify.
  if (!isKeyPairOf(key, cert.publicKey)) throw new KeyMismatchError('signing key', `certificate "${commonName(cert.subject) ?? ''}"`);
  const md = forge.md.sha256.create();
  md.update(canonicalJson(doc), 'utf8');
  return {
    algorithm: SIGNATURE_ALGORITHM,
    signature: forge.util.encode64(key.sign(md)),
    signerCertificateSha256: certificateFingerprint(certPem, 'certPem (the signer certificate)'),
    documentSha256: canonicalHash(doc),
    signedAt: (options.signedAt ?? new Date()).toISOString(),
  };
}

export interface VerifySignatureOptions {
  /** With the campaign CA, the signer certificate must have been issued by it and be valid at `at`. */
  caCertPem?: string;
  /** With the campaign CRL, a revoked signer is refused. */
  crlPem?: string;
  at?: Date;
}

/**
 * Checks a detached signature, or throws the reason it cannot be trusted: not a detached
 * signature (ProtocolValidationError), signed under another certificate (SignerMismatchError),
 * signer not from this campaign CA / expired / revoked (CertificateNotIssuedByCaError,
 * CertificateExpiredError, CertificateRevokedError), or the document differs from what was
 * signed (SignatureMismatchError). Returns who signed.
 */
export function verifySignature(doc: unknown, signature: unknown, certPem: string, options: VerifySignatureOptions = {}): VerifiedCertificate {
  const sig = assertValid<DetachedSignature>('detached-signature', signature, 'Signature');
  const cert = readCertificate(certPem, 'certPem (the signer certificate)');
  const signer = commonName(cert.subject) ?? '(no CN)';
  const fingerprint = certificateFingerprint(certPem, 'certPem (the signer certificate)');
  if (fingerprint !== sig.signerCertificateSha256) throw new SignerMismatchError(sig.signerCertificateSha256, fingerprint, signer);

  let verified: VerifiedCertificate | undefined;
  if (options.caCertPem !== undefined) {
    verified = verifyCertificate(certPem, options.caCertPem, { crlPem: options.crlPem, at: options.at });
  } else if (options.crlPem !== undefined) {
    throw new InvalidPkiOptionError('crlPem', '(given without caCertPem)', 'to come with the caCertPem whose key signed it');
  }

  const documentSha256 = canonicalHash(doc);
  if (documentSha256 !== sig.documentSha256) {
    throw new SignatureMismatchError(signer, documentSha256, `the signature was made over a document with SHA-256 ${sig.documentSha256}`);
  }
  const md = forge.md.sha256.create();
  md.update(canonicalJson(doc), 'utf8');
  let valid = false;
  try {
    valid = (cert.publicKey as forge.pki.rsa.PublicKey).verify(md.digest().getBytes(), forge.util.decode64(sig.signature));
  } catch {
    valid = false; // forge throws on a signature of the wrong length: still just "does not verify"
  }
  if (!valid) throw new SignatureMismatchError(signer, documentSha256, 'the RSA signature does not verify under the signer certificate');
  return verified ?? { subjectCommonName: signer, serial: serialOf(certPem), fingerprint };
}
