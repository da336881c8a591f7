import { FedRadError, type ErrorContext } from '@fedrad/protocol';

/**
 * One class per kind of PKI failure. Each carries a stable `code` (for the protocol's error
 * report and for callers that branch on it), a message a site's IT person can act on, and
 * the context needed to find the culprit (file, site id, fingerprint, serial).
 */
export abstract class PkiError extends FedRadError {
  constructor(code: string, message: string, context: ErrorContext = {}, cause?: unknown) {
    super(code, message, { context, cause });
  }
}

/** What a PEM block was expected to hold. */
export type PemKind = 'certificate' | 'private key' | 'certificate request' | 'certificate revocation list';

/** The PEM labels (RFC 7468) accepted for each kind; the first is the one FedRad writes. */
export const PEM_LABELS: Record<PemKind, readonly string[]> = {
  certificate: ['CERTIFICATE'],
  'private key': ['PRIVATE KEY', 'RSA PRIVATE KEY'],
  // "NEW CERTIFICATE REQUEST": the label older OpenSSL and Windows certreq write (RFC 7468 section 7).
  'certificate request': ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'],
  'certificate revocation list': ['X509 CRL'],
};

export class MalformedPemError extends PkiError {
  constructor(
    /** Where the text came from: a file path or the argument's role. */
    readonly source: string,
    readonly expected: PemKind,
    readonly detail: string,
    cause?: unknown,
  ) {
    super(
      'PKI_MALFORMED_PEM',
      `${source} is not a usable ${expected}: ${detail}. ` +
        `Expected a PEM block starting with "-----BEGIN ${PEM_LABELS[expected][0]}-----".`,
      { file: source, expected: `a PEM ${expected}` },
      cause,
    );
  }
}

export class PemFileError extends PkiError {
  constructor(
    readonly path: string,
    readonly operation: 'read' | 'write',
    readonly reason: string,
    cause?: unknown,
  ) {
    super('PKI_PEM_FILE', `Cannot ${operation} PEM file ${path}: ${reason}.`, { file: path }, cause);
  }
}

export class InvalidSiteIdError extends PkiError {
  constructor(
    readonly siteId: string,
    readonly where: string,
  ) {
    super(
      'PKI_INVALID_SITE_ID',
      `${where}: "${siteId}" is not a valid site id. A site id is 2 to 63 characters of lower-case ` +
        `letters, digits and hyphens, starting with a letter or digit (for example "paris-igr").`,
    );
  }
}

export class InvalidPkiOptionError extends PkiError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super('PKI_INVALID_OPTION', `Option ${option} is ${JSON.stringify(value)}; expected ${expected}.`, { field: option, expected });
  }
}

export class CsrSignatureError extends PkiError {
  constructor(readonly subject: string) {
    super(
      'PKI_CSR_SIGNATURE_INVALID',
      `The certificate request from "${subject}" carries a signature that does not verify against ` +
        `its own public key: it was altered or corrupted after the site made it. No certificate was ` +
        `issued; ask the site to run enrolment again to make a fresh request.`,
    );
  }
}

export class KeyMismatchError extends PkiError {
  constructor(
    readonly keyRole: string,
    readonly certificateRole: string,
  ) {
    super(
      'PKI_KEY_MISMATCH',
      `The ${keyRole} does not belong to the ${certificateRole} (their public keys differ). ` +
        `Check that the key and certificate files were taken from the same enrolment.`,
    );
  }
}

export class CertificateNotIssuedByCaError extends PkiError {
  constructor(
    readonly subject: string,
    readonly fingerprint: string,
    readonly caSubject: string,
  ) {
    super(
      'PKI_CERT_NOT_ISSUED_BY_CA',
      `Certificate "${subject}" (SHA-256 ${fingerprint}) was not issued by the campaign CA "${caSubject}". ` +
        `It may belong to another campaign or another CA; the site must enrol with this campaign.`,
    );
  }
}

export class CertificateExpiredError extends PkiError {
  constructor(
    readonly subject: string,
    readonly fingerprint: string,
    readonly notAfter: Date,
    readonly at: Date,
  ) {
    super(
      'PKI_CERT_EXPIRED',
      `Certificate "${subject}" (SHA-256 ${fingerprint}) expired on ${notAfter.toISOString()} ` +
        `(checked at ${at.toISOString()}). The site must renew its certificate through enrolment.`,
    );
  }
}

export class CertificateNotYetValidError extends PkiError {
  constructor(
    readonly subject: string,
    readonly fingerprint: string,
    readonly notBefore: Date,
    readonly at: Date,
  ) {
    super(
      'PKI_CERT_NOT_YET_VALID',
      `Certificate "${subject}" (SHA-256 ${fingerprint}) is not valid before ${notBefore.toISOString()} ` +
        `(checked at ${at.toISOString()}). Check the clocks of the site and the coordinator.`,
    );
  }
}

export class CertificateRevokedError extends PkiError {
  constructor(
    readonly subject: string,
    readonly serial: string,
    readonly revokedAt: Date,
  ) {
    super(
      'PKI_CERT_REVOKED',
      `Certificate "${subject}" (serial ${serial}) was revoked by the campaign CA on ` +
        `${revokedAt.toISOString()}. Nothing it signs or sends is accepted; the site must enrol again.`,
    );
  }
}

export class CrlMismatchError extends PkiError {
  constructor(
    readonly crlIssuer: string,
    readonly expectedIssuer: string,
  ) {
    super(
      'PKI_CRL_MISMATCH',
      `The revocation list was issued by "${crlIssuer}", not by "${expectedIssuer}", so it says nothing ` +
        `about this certificate. Use the CRL published by this campaign's CA.`,
    );
  }
}

export class CrlSignatureError extends PkiError {
  constructor(
    readonly crlIssuer: string,
    readonly detail: string,
  ) {
    super(
      'PKI_CRL_SIGNATURE_INVALID',
      `The revocation list claiming to come from "${crlIssuer}" does not verify against the campaign CA ` +
        `certificate (${detail}). It was altered, or belongs to another CA; fetch it again from the coordinator.`,
    );
  }
}

export class CrlExpiredError extends PkiError {
  constructor(
    readonly crlIssuer: string,
    readonly nextUpdate: Date,
    readonly at: Date,
  ) {
    super(
      'PKI_CRL_EXPIRED',
      `The revocation list of "${crlIssuer}" was due for renewal on ${nextUpdate.toISOString()} ` +
        `(checked at ${at.toISOString()}); a stale CRL cannot vouch for any certificate, and TLS peers refuse ` +
        `every connection while it is in use. The coordinator must publish a fresh CRL.`,
    );
  }
}

export class SignerMismatchError extends PkiError {
  constructor(
    readonly expectedFingerprint: string,
    readonly presentedFingerprint: string,
    readonly presentedSubject: string,
  ) {
    super(
      'PKI_SIGNER_MISMATCH',
      `The signature names signer certificate SHA-256 ${expectedFingerprint}, but it was checked ` +
        `against certificate "${presentedSubject}" (SHA-256 ${presentedFingerprint}). The document was ` +
        `signed by someone else, or the wrong certificate was looked up.`,
    );
  }
}

export class SignatureMismatchError extends PkiError {
  constructor(
    readonly signer: string,
    readonly documentSha256: string,
    readonly detail: string,
  ) {
    super(
      'PKI_SIGNATURE_MISMATCH',
      `The signature by "${signer}" does not match the document (canonical SHA-256 ${documentSha256}): ` +
        `${detail}. The document was changed after it was signed, or the signature belongs to another document.`,
    );
  }
}

/** A model came without the coordinator's signature: nothing vouches for it. */
export class ModelNotSignedError extends PkiError {
  constructor() {
    super('MODEL_NOT_SIGNED', 'The model comes without the coordinator\'s signature of its card; an unsigned model is not evaluated (it may not be the campaign\'s locked model).');
  }
}

/** A model, its card and their signature do not belong together (other bytes, another signer). */
export class ModelSignatureError extends PkiError {
  constructor(detail: string) {
    super('MODEL_SIGNATURE_INVALID', `The model cannot be trusted: ${detail}.`);
  }
}
