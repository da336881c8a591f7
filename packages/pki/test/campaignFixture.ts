// One campaign's worth of keys and certificates, made once per test file (key generation is the
// slow part), with the identities the TLS refusal matrix needs.
import {
  createCampaignCa,
  createCrl,
  createSiteKeyAndCsr,
  issueCertificate,
  revokeCertificate,
  type CampaignCa,
} from '../src/index.js';

export interface Identity {
  keyPem: string;
  certPem: string;
}

export interface CampaignFixture {
  ca: CampaignCa;
  otherCa: CampaignCa;
  /** The coordinator's server certificate, same CA, names 127.0.0.1 and localhost. */
  server: Identity;
  siteA: Identity;
  siteB: Identity;
  /** Same site id as siteA, issued by another campaign's CA. */
  foreign: Identity;
  /** Valid from 10 days ago for 1 day: expired 9 days ago. */
  expired: Identity;
  revoked: Identity;
  revokedAt: Date;
  crlPem: string;
}

const DAY_MS = 86_400_000;

export function enrol(ca: CampaignCa, siteId: string, options: Partial<{ notBefore: Date; validityDays: number; subjectAltNames: string[]; serial: string }> = {}): Identity {
  const { keyPem, csrPem } = createSiteKeyAndCsr(siteId);
  const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30, ...options });
  return { keyPem, certPem };
}

export function makeCampaign(): CampaignFixture {
  const ca = createCampaignCa({ campaignId: 'sts-grade-2026', validityDays: 365 });
  const otherCa = createCampaignCa({ campaignId: 'other-campaign', validityDays: 365 });
  const revoked = enrol(ca, 'site-revoked');
  const revokedAt = new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000);
  return {
    ca,
    otherCa,
    server: enrol(ca, 'coordinator', { subjectAltNames: ['127.0.0.1', 'localhost'] }),
    siteA: enrol(ca, 'site-a'),
    siteB: enrol(ca, 'site-b'),
    foreign: enrol(otherCa, 'site-a'),
    expired: enrol(ca, 'site-expired', { notBefore: new Date(Date.now() - 10 * DAY_MS), validityDays: 1 }),
    revoked,
    revokedAt,
    crlPem: createCrl({
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      revoked: revokeCertificate([], revoked.certPem, revokedAt, 'keyCompromise'),
    }),
  };
}
