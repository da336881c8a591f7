import forge from 'node-forge';
import { InvalidPkiOptionError } from './errors.js';
import { DEFAULT_KEY_BITS, generateRsaKeyPair } from './keyPair.js';
import { randomSerial, serialToDerHex } from './serialNumber.js';
import { validityPeriod } from './validity.js';
import { withUnixLineEnds } from './pemBlock.js';

/** Same pattern as protocols/common.schema.json#/$defs/CampaignId. */
export const CAMPAIGN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Organisation name in every campaign CA subject; the CN is the campaign id. */
export const CA_ORGANISATION = 'FedRad campaign CA';

export interface CampaignCaOptions {
  campaignId: string;
  validityDays: number;
  keyBits?: number;
  notBefore?: Date;
  serial?: string;
}

export interface CampaignCa {
  certPem: string;
  keyPem: string;
}

/**
 * A campaign's root of trust: a self-signed RSA root that may sign site certificates and CRLs
 * and nothing else (RFC 5280 4.2.1.9 pathLenConstraint 0: no intermediate CA below it).
 */
export function createCampaignCa(options: CampaignCaOptions): CampaignCa {
  const { campaignId } = options;
  if (typeof campaignId !== 'string' || !CAMPAIGN_ID_PATTERN.test(campaignId)) {
    throw new InvalidPkiOptionError('campaignId', campaignId, 'a campaign id: letters, digits, ".", "_" or "-", at most 128 characters');
  }
  const { notBefore, notAfter } = validityPeriod(options.validityDays, options.notBefore);
  const { keyPem, privateKey, publicKey } = generateRsaKeyPair(options.keyBits ?? DEFAULT_KEY_BITS);

  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialToDerHex(options.serial ?? randomSerial());
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = [
    { shortName: 'O', value: CA_ORGANISATION },
    { shortName: 'CN', value: campaignId },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: 0 },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certPem: withUnixLineEnds(forge.pki.certificateToPem(cert)), keyPem };
}
