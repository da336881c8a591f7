// @fedrad/pki: the campaign's trust, on node-forge. Pure functions over PEM text; only loadPem and
// storePem touch files.
export * from './errors.js';
export { DEFAULT_KEY_BITS, generateRsaKeyPair } from './keyPair.js';
export { SITE_ID_PATTERN, assertSiteId } from './siteId.js';
export { normaliseSerial, randomSerial } from './serialNumber.js';
export { CLOCK_SKEW_MS } from './validity.js';
export { CAMPAIGN_ID_PATTERN, CA_ORGANISATION, createCampaignCa, type CampaignCa, type CampaignCaOptions } from './campaignCa.js';
export { createSiteKeyAndCsr, type SiteKeyAndCsr } from './siteCsr.js';
export { issueCertificate, type IssueCertificateOptions } from './issueCertificate.js';
export { formatFingerprint, publicKeyFingerprint } from './keyFingerprint.js';
export { certificateFingerprint, describeCertificate, serialOf, siteIdOf, type CertificateSummary } from './certificateInfo.js';
export {
  REVOCATION_REASONS,
  createCrl,
  revokeCertificate,
  type CreateCrlOptions,
  type RevocationReason,
  type RevokedEntry,
} from './crl.js';
export { findRevocation, isRevoked, parseCrl, verifyCrlSignature, type ParsedCrl, type RevocationCheckOptions } from './crlReader.js';
export { verifyCertificate, type VerifiedCertificate, type VerifyCertificateOptions } from './verifyCertificate.js';
export {
  SIGNATURE_ALGORITHM,
  signDocument,
  verifySignature,
  type DetachedSignature,
  type VerifySignatureOptions,
} from './detachedSignature.js';
export { createDocumentSigner } from './documentSigner.js';
export { PRIVATE_MODE, PUBLIC_MODE, checkPem, loadPem, storePem } from './pemFiles.js';
export { MODEL_SIGNER_CN, signModel, verifyModel, type ModelSignature, type VerifyModelOptions } from './modelSignature.js';
