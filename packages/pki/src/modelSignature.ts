import { createHash } from 'node:crypto';
import { assertValid, type ModelCard, type ModelSignature } from '@fedrad/protocol';
import { commonName } from './certificateInfo.js';
import { signDocument, verifySignature } from './detachedSignature.js';
import { ModelNotSignedError, ModelSignatureError } from './errors.js';
import { readCertificate } from './pemBlock.js';
import type { VerifiedCertificate } from './verifyCertificate.js';

export type { ModelSignature };

/** The subject CN of the certificate that may sign models: the coordinator's (caFolder's server certificate). */
export const MODEL_SIGNER_CN = 'coordinator';

/**
 * Signs a locked model's card with the coordinator's key (the card's `modelSha256` is the ONNX
 * file's SHA-256, so the signature covers the model bytes through it). Refuses a card that does
 * not name these bytes: signing it would vouch for another model.
 */
export function signModel(onnx: Uint8Array, card: ModelCard, keyPem: string, certPem: string, options: { signedAt?: Date } = {}): ModelSignature {
  const sha = createHash('sha256').update(onnx).digest('hex');
  if (card.modelSha256 !== sha) throw new ModelSignatureError(`the card names model ${card.modelSha256} but the ONNX bytes have SHA-256 ${sha}; a card is signed only with its own model`);
  return { type: 'model-signature', signature: signDocument(card, keyPem, certPem, options), signerCertificatePem: certPem.trim() + '\n' };
}

export interface VerifyModelOptions {
  /** The campaign CA: the signer must have been issued by it. */
  caCertPem: string;
  /** The campaign CRL: a revoked signer is refused. */
  crlPem?: string;
  at?: Date;
}

/**
 * Checks a model and its card before anyone uses them, or throws why they cannot be trusted:
 * no signature (ModelNotSignedError), a signer that is not the campaign's coordinator, not from
 * this CA, expired or revoked, a card changed after signing (SignatureMismatchError), or ONNX bytes
 * that are not the card's (ModelSignatureError). Returns the signer.
 */
export function verifyModel(onnx: Uint8Array, card: unknown, signature: unknown, options: VerifyModelOptions): VerifiedCertificate {
  if (signature === undefined || signature === null) throw new ModelNotSignedError();
  const sig = assertValid<ModelSignature>('model-signature', signature, 'model signature');
  const checkedCard = assertValid<ModelCard>('model-card', card, 'model card');
  const signer = commonName(readCertificate(sig.signerCertificatePem, 'the model signer certificate').subject);
  if (signer !== MODEL_SIGNER_CN) throw new ModelSignatureError(`the model was signed by "${signer ?? '(no CN)'}", not by the campaign's coordinator ("${MODEL_SIGNER_CN}")`);
  const verified = verifySignature(checkedCard, sig.signature, sig.signerCertificatePem, { caCertPem: options.caCertPem, crlPem: options.crlPem, at: options.at });
  const sha = createHash('sha256').update(onnx).digest('hex');
  if (sha !== checkedCard.modelSha256) throw new ModelSignatureError(`the ONNX file has SHA-256 ${sha} but the signed card names model ${checkedCard.modelSha256}: the model was changed or swapped`);
  return verified;
}
