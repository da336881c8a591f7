import { verify } from 'node:crypto';
import { packedValueCount, sha256Hex, validate, type JobResult, type PackedTensor } from '@fedrad/protocol';
import type { RefusalCode } from './acks.js';
import type { PeerIdentity } from './peer.js';
import { signedForms } from './resultWire.js';

/** The key a result must be signed with: the certificate its connection presented. */
export type ResultSigner = Pick<PeerIdentity, 'siteId' | 'fingerprint' | 'publicKey'>;

/**
 * A job-result after the checks that need no database (SITE_CHANNEL.md §3): schema, site,
 * signature. When accepted it carries what the store keeps: the signed text with the tensor
 * numbers elided (`shell`), the numbers as Float64 and the SHA-256 of the signed text.
 */
export type CheckedResult =
  | {
      ok: true;
      doc: JobResult;
      shell: string;
      tensorData: Float64Array | null;
      resultHash: string;
    }
  | { ok: false; doc: unknown; code: RefusalCode; message: string };

/** Schema, site and RSASSA-PKCS1-v1_5/SHA-256 signature over canonicalJson(result without signature). */
export function checkResult(doc: unknown, signer: ResultSigner): CheckedResult {
  const v = validate('job-result', doc);
  if (!v.valid) return { ok: false, doc, code: 'PROTOCOL_INVALID', message: v.message };
  const result = doc as JobResult;
  const refuse = (code: RefusalCode, message: string): CheckedResult => ({ ok: false, doc, code, message });
  if (result.siteId !== signer.siteId) {
    return refuse('SITE_MISMATCH', `Result names site ${result.siteId} but arrived on the connection of ${signer.siteId}`);
  }
  const sig = result.signature;
  if (!sig) return refuse('BAD_SIGNATURE', `Result for job ${result.jobId} carries no signature; every job-result must be signed by the site key`);
  if (sig.signerFingerprint !== signer.fingerprint) {
    return refuse('BAD_SIGNATURE', `Result for job ${result.jobId} is signed by certificate ${sig.signerFingerprint}, not the one this connection presented (${signer.fingerprint})`);
  }
  const { signature: _omit, ...unsigned } = result;
  // Canonicalised once: the same text is verified, hashed, and stored (split into shell + Float64 blob).
  const forms = signedForms(unsigned);
  if (!verify('sha256', Buffer.from(forms.signed, 'utf8'), signer.publicKey, Buffer.from(sig.value, 'base64'))) {
    return refuse('BAD_SIGNATURE', `Signature of the result for job ${result.jobId} does not verify: the result was altered after signing or signed with another key`);
  }
  if (forms.tensorError) return refuse('UPDATE_INVALID', `Update for job ${result.jobId}: ${forms.tensorError}`);
  const checked = forms.tensorData ? withValueViews(result, forms.tensorData) : result;
  return { ok: true, doc: checked, shell: forms.shell, tensorData: forms.tensorData, resultHash: sha256Hex(forms.signed) };
}

/**
 * A copy of the result whose update tensors hold views of the decoded values as their data
 * (packed ones carry none), so the checks after this read every tensor the same way. The copy
 * is not printed again; the caller's document is left as it was.
 */
function withValueViews(result: JobResult, values: Float64Array): JobResult {
  const tensors = (result.result as { tensors: Array<{ name: string; shape: number[]; data?: ArrayLike<number>; f64le?: string }> }).tensors;
  let offset = 0;
  const update = {
    ...result.result,
    tensors: tensors.map((t) => {
      const n = t.f64le === undefined ? t.data!.length : packedValueCount(t as PackedTensor);
      const view = { name: t.name, shape: t.shape, data: values.subarray(offset, offset + n) as unknown as number[] };
      offset += n;
      return view;
    }),
  } as JobResult['result'];
  return { ...result, result: update };
}
