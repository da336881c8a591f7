import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { request } from 'node:https';
import { createSiteKeyAndCsr, loadPem, storePem } from '@fedrad/pki';
import { assertValid, type CertificateIssue, type EnrolmentRequest } from '@fedrad/protocol';
import { checkEgress } from './egressGuard.js';
import { EnrolmentError } from './errors.js';
import { SOFTWARE_VERSION } from './siteDaemon.js';
import type { SiteConfig } from './siteConfig.js';

/**
 * `fedrad site enrol` (SITE_CHANNEL.md §7): make (or reuse) the site key — stored 0600, it
 * never leaves the site — send a CSR whose CN is the site id, and store the certificate once
 * the coordinator's operator approved it. The campaign CA certificate (tls.ca) is handed to
 * the site out of band and is the only thing the site trusts.
 */
export type EnrolmentOutcome =
  | { status: 'issued'; certificateFile: string; serial: string; notAfter: string }
  | { status: 'pending' };

export interface EnrolOptions {
  contact?: string;
  /** Keep polling for the certificate this long (seconds); 0 asks once. */
  waitSeconds?: number;
  pollMs?: number;
}

export async function enrolSite(config: SiteConfig, options: EnrolOptions = {}): Promise<EnrolmentOutcome> {
  if (!config.campaignId) throw new EnrolmentError(`${config.configFile}: set "campaignId" (the campaign to join) before enrolling.`, { file: config.configFile });
  if (!existsSync(config.tls.ca)) {
    throw new EnrolmentError(`The campaign CA certificate ${config.tls.ca} is missing: ask the coordinator's operator for it (\`fedrad ca\` writes it) and place it there before enrolling.`, { file: config.tls.ca });
  }
  const caPem = loadPem(config.tls.ca, 'certificate');
  const csrFile = join(dirname(config.tls.key), `${config.siteId}.csr.pem`);
  let csrPem: string;
  const alreadyRequested = existsSync(config.tls.key) && existsSync(csrFile);
  if (alreadyRequested) {
    // Asking again (e.g. polling after a pending answer) reuses the key and CSR already made.
    loadPem(config.tls.key, 'private key');
    csrPem = loadPem(csrFile, 'certificate request');
  } else {
    const made = createSiteKeyAndCsr(config.siteId);
    storePem(config.tls.key, made.keyPem, { private: true });
    storePem(csrFile, made.csrPem, { private: false });
    csrPem = made.csrPem;
  }
  const request: EnrolmentRequest = {
    type: 'enrolment-request',
    siteId: config.siteId,
    campaignId: config.campaignId,
    csrPem,
    softwareVersion: SOFTWARE_VERSION,
    ...(options.contact ? { contact: options.contact } : {}),
  };
  const verdict = checkEgress('enrolment-request', request, { localPatientCounts: [], minCohortSize: config.minCohortSize });
  if (!verdict.allowed) throw new EnrolmentError(`The enrolment request was blocked by the egress guard: ${verdict.violations.map((v) => v.detail).join('; ')}`);
  const base = httpsBase(config.coordinatorUrl);
  const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
  const poll = `${base}/enrol/${encodeURIComponent(config.siteId)}?campaignId=${encodeURIComponent(config.campaignId)}`;
  // A request already submitted is polled, not re-submitted (which could reset its approval).
  let answer = alreadyRequested ? await call(poll, 'GET', caPem) : { status: 404, body: '' };
  if (answer.status === 404) answer = await call(`${base}/enrol`, 'POST', caPem, JSON.stringify(request));
  while (answer.status === 202 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    answer = await call(poll, 'GET', caPem);
  }
  if (answer.status === 202) return { status: 'pending' };
  if (answer.status !== 200) {
    const reason = answer.status === 403 ? 'the coordinator\'s operator rejected this enrolment'
      : answer.status === 404 ? 'the coordinator has no enrolment request from this site'
      : `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
    throw new EnrolmentError(`Enrolment of ${config.siteId} failed: ${reason}.`);
  }
  const issue = assertValid<CertificateIssue>('certificate-issue', JSON.parse(answer.body), 'The coordinator\'s certificate-issue');
  if (issue.siteId !== config.siteId) throw new EnrolmentError(`The coordinator issued a certificate for ${issue.siteId}, not ${config.siteId}; refusing it.`);
  storePem(config.tls.certificate, issue.certificatePem, { private: false });
  return { status: 'issued', certificateFile: config.tls.certificate, serial: issue.serial, notAfter: issue.notAfter };
}

/** `https://host:port` from the configured coordinator URL (which may be the wss one). */
export function httpsBase(coordinatorUrl: string): string {
  const url = new URL(coordinatorUrl);
  if (url.protocol === 'wss:') url.protocol = 'https:';
  return `${url.protocol}//${url.host}`;
}

function call(url: string, method: 'GET' | 'POST', caPem: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca: caPem, headers: body ? { 'content-type': 'application/json' } : {}, timeout: 15000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', (e) => reject(new EnrolmentError(`Cannot reach the coordinator at ${url}: ${e.message}`, { retryable: true })));
    if (body) req.write(body);
    req.end();
  });
}
