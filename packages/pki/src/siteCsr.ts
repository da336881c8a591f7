import forge from 'node-forge';
import { DEFAULT_KEY_BITS, generateRsaKeyPair } from './keyPair.js';
import { assertSiteId } from './siteId.js';
import { withUnixLineEnds } from './pemBlock.js';

export interface SiteKeyAndCsr {
  keyPem: string;
  csrPem: string;
}

/**
 * A site's enrolment request: a fresh key pair (the private half never leaves the site) and a
 * PKCS#10 request, signed with that key, whose subject CN is the site id.
 */
export function createSiteKeyAndCsr(siteId: string, options: { keyBits?: number } = {}): SiteKeyAndCsr {
  assertSiteId(siteId, 'createSiteKeyAndCsr');
  const { keyPem, privateKey, publicKey } = generateRsaKeyPair(options.keyBits ?? DEFAULT_KEY_BITS);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = publicKey;
  csr.setSubject([{ shortName: 'CN', value: siteId }]);
  csr.sign(privateKey, forge.md.sha256.create());
  return { keyPem, csrPem: withUnixLineEnds(forge.pki.certificationRequestToPem(csr)) };
}
