import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createCampaignCa,
  createCrl,
  createSiteKeyAndCsr,
  describeCertificate,
  issueCertificate,
  loadPem,
  normaliseSerial,
  storePem,
  type RevocationReason,
} from '@fedrad/pki';
import { CoordinatorError } from './errors.js';

/**
 * A campaign CA kept in a folder (what `fedrad ca …` manages and the coordinator loads):
 *   ca.cert.pem, ca.key.pem (0600)      the campaign root
 *   server.cert.pem, server.key.pem     the coordinator's TLS server certificate
 *   issued.json                         every certificate issued here (serial, site id, fingerprint)
 *   revoked.json, crl.pem               revocations and the signed CRL built from them
 */
export const CA_FILES = {
  cert: 'ca.cert.pem',
  key: 'ca.key.pem',
  serverCert: 'server.cert.pem',
  serverKey: 'server.key.pem',
  issued: 'issued.json',
  revoked: 'revoked.json',
  crl: 'crl.pem',
} as const;

export interface IssuedEntry {
  serial: string;
  siteId: string;
  fingerprint: string;
  notAfter: string;
  issuedAt: string;
}

export interface RevokedFolderEntry {
  serial: string;
  siteId?: string;
  revokedAt: string;
  reason?: RevocationReason;
}

const readJson = <T>(path: string, empty: T): T => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : empty);
const writeJson = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value, null, 2) + '\n');

export function initCaFolder(dir: string, campaignId: string, validityDays = 3650): { certPem: string; fingerprint: string } {
  if (existsSync(join(dir, CA_FILES.key))) {
    throw new CoordinatorError('CONFIG', `${join(dir, CA_FILES.key)} already exists; refusing to overwrite a campaign CA (every certificate it issued would become useless)`);
  }
  const ca = createCampaignCa({ campaignId, validityDays });
  storePem(join(dir, CA_FILES.key), ca.keyPem, { private: true });
  storePem(join(dir, CA_FILES.cert), ca.certPem, { private: false });
  writeJson(join(dir, CA_FILES.issued), []);
  writeJson(join(dir, CA_FILES.revoked), []);
  writeCrl(dir);
  return { certPem: ca.certPem, fingerprint: describeCertificate(ca.certPem).fingerprint };
}

export function loadCa(dir: string): { certPem: string; keyPem: string } {
  return { certPem: loadPem(join(dir, CA_FILES.cert), 'certificate'), keyPem: loadPem(join(dir, CA_FILES.key), 'private key') };
}

function recordIssued(dir: string, certPem: string): IssuedEntry {
  const info = describeCertificate(certPem);
  const entry: IssuedEntry = { serial: info.serial, siteId: info.subjectCommonName, fingerprint: info.fingerprint, notAfter: info.notAfter.toISOString(), issuedAt: new Date().toISOString() };
  const path = join(dir, CA_FILES.issued);
  writeJson(path, [...readJson<IssuedEntry[]>(path, []), entry]);
  return entry;
}

/** The coordinator's TLS server certificate (CN "coordinator", SANs for the hosts sites dial). */
export function issueServerCertificate(dir: string, hosts: string[] = ['127.0.0.1', 'localhost'], validityDays = 825): { certPem: string; keyPem: string } {
  const ca = loadCa(dir);
  const { keyPem, csrPem } = createSiteKeyAndCsr('coordinator');
  const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays, subjectAltNames: hosts });
  storePem(join(dir, CA_FILES.serverKey), keyPem, { private: true });
  storePem(join(dir, CA_FILES.serverCert), certPem, { private: false });
  recordIssued(dir, certPem);
  return { certPem, keyPem };
}

export function loadOrIssueServerCertificate(dir: string, hosts: string[]): { certPem: string; keyPem: string } {
  if (existsSync(join(dir, CA_FILES.serverCert)) && existsSync(join(dir, CA_FILES.serverKey))) {
    return { certPem: loadPem(join(dir, CA_FILES.serverCert), 'certificate'), keyPem: loadPem(join(dir, CA_FILES.serverKey), 'private key') };
  }
  return issueServerCertificate(dir, hosts);
}

/** Offline issuance from a site's CSR (demo scripts; the online path is enrolment). */
export function signSiteCsr(dir: string, csrPem: string, validityDays = 365): { certPem: string; entry: IssuedEntry } {
  const ca = loadCa(dir);
  const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays });
  return { certPem, entry: recordIssued(dir, certPem) };
}

export function revokedInFolder(dir: string): RevokedFolderEntry[] {
  return readJson<RevokedFolderEntry[]>(join(dir, CA_FILES.revoked), []);
}

/** Adds revocations (by serial) to the folder's list and rewrites the signed CRL. Returns the CRL. */
export function revokeInFolder(dir: string, entries: RevokedFolderEntry[]): string {
  const list = revokedInFolder(dir);
  for (const e of entries) {
    const serial = normaliseSerial(e.serial);
    if (!list.some((x) => x.serial === serial)) list.push({ ...e, serial });
  }
  writeJson(join(dir, CA_FILES.revoked), list);
  return writeCrl(dir);
}

export function writeCrl(dir: string): string {
  const ca = loadCa(dir);
  const crl = createCrl({
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    revoked: revokedInFolder(dir).map((e) => ({ serial: e.serial, revokedAt: new Date(e.revokedAt), ...(e.reason ? { reason: e.reason } : {}) })),
  });
  storePem(join(dir, CA_FILES.crl), crl, { private: false });
  return crl;
}

export function issuedInFolder(dir: string): IssuedEntry[] {
  return readJson<IssuedEntry[]>(join(dir, CA_FILES.issued), []);
}
