import { certificateFingerprint, signDocument } from '@fedrad/pki';
import type { JobResult } from '@fedrad/protocol';

/**
 * Signs job results as SITE_CHANNEL.md §3 prescribes: the pki package's detached signature
 * (RSASSA-PKCS1-v1_5 / SHA-256 over the canonical JSON of the result without its signature
 * field) with the key of the certificate the site connects with, the signer named by that
 * certificate's DER SHA-256.
 */
export class ResultSigner {
  readonly fingerprint: string;

  constructor(private readonly keyPem: string, private readonly certificatePem: string) {
    this.fingerprint = certificateFingerprint(certificatePem, 'the site certificate');
  }

  sign(unsigned: Omit<JobResult, 'signature'>): JobResult {
    const { signature: _drop, ...body } = unsigned as JobResult;
    const detached = signDocument(body, this.keyPem, this.certificatePem);
    return { ...body, signature: { algorithm: 'RSA-SHA256', value: detached.signature, signerFingerprint: detached.signerCertificateSha256 } };
  }
}
