import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { certificateFingerprint } from '@fedrad/pki';
import { canonicalJson, type JobResult } from '@fedrad/protocol';

/**
 * Signs job results as SITE_CHANNEL.md §3 prescribes: RSASSA-PKCS1-v1_5 / SHA-256 over the
 * UTF-8 canonical JSON of the result without its signature field, with the key of the
 * certificate the site connects with, the signer named by that certificate's DER SHA-256
 * (pki's fingerprint). Node's native RSA, as the contract allows: a 1,000-parameter Hessian
 * makes a ~20 MB document, which a pure-JS hash takes seconds over.
 */
export class ResultSigner {
  readonly fingerprint: string;
  private readonly key: KeyObject;

  constructor(keyPem: string, certificatePem: string) {
    this.key = createPrivateKey(keyPem);
    this.fingerprint = certificateFingerprint(certificatePem, 'the site certificate');
  }

  sign(unsigned: Omit<JobResult, 'signature'>): JobResult {
    const { signature: _drop, ...body } = unsigned as JobResult;
    const value = sign('sha256', Buffer.from(canonicalJson(body), 'utf8'), this.key).toString('base64');
    return { ...body, signature: { algorithm: 'RSA-SHA256', value, signerFingerprint: this.fingerprint } };
  }
}
