import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { request } from 'node:https';
import { createSiteKeyAndCsr, loadPem, publicKeyFingerprint, siteIdOf, storePem, verifyCertificate } from '@fedrad/pki';
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
  | { status: 'issued'; certificateFile: string; serial: string; notAfter: string; keyFingerprint: string }
  | { status: 'pending'; keyFingerprint: string };

export interface EnrolOptions {
  /** The one-time enrolment code the coordinator's operator handed over out of band (needed for the first request). */
  code?: string;
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
  // What the site's operator reads out to the coordinator's, who sees the same in `enrolments list`.
  const keyFingerprint = publicKeyFingerprint(csrPem, csrFile);
  const base = httpsBase(config.coordinatorUrl);
  const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
  const poll = `${base}/enrol/${encodeURIComponent(config.siteId)}?campaignId=${encodeURIComponent(config.campaignId)}`;
  // A request already submitted is polled, not re-submitted (which could reset its approval). A
  // network failure (a connection reset under load, a coordinator restarting) is tried again until
  // the wait runs out, polling first: a request that did arrive is never submitted twice.
  let submitted = alreadyRequested;
  let answer: { status: number; body: string };
  for (;;) {
    try {
      answer = submitted ? await call(poll, 'GET', caPem) : { status: 404, body: '' };
      if (answer.status === 404) {
        if (!options.code) {
          throw new EnrolmentError(`Enrolling ${config.siteId} needs the one-time enrolment code the coordinator's operator made for it (\`fedrad coordinator enrolments code\`): run \`fedrad site enrol --code XXXX-XXXX-XXXX-XXXX-XXXX\`.`);
        }
        const request: EnrolmentRequest = {
          type: 'enrolment-request',
          siteId: config.siteId,
          campaignId: config.campaignId,
          csrPem,
          enrolmentCode: options.code.trim().toUpperCase(),
          softwareVersion: SOFTWARE_VERSION,
          ...(options.contact ? { contact: options.contact } : {}),
        };
        const verdict = checkEgress('enrolment-request', request, { localPatientCounts: [], minCohortSize: config.minCohortSize });
        if (!verdict.allowed) throw new EnrolmentError(`The enrolment request was blocked by the egress guard: ${verdict.violations.map((v) => v.detail).join('; ')}`);
        submitted = true;
        answer = await call(`${base}/enrol`, 'POST', caPem, JSON.stringify(request));
      }
      while (answer.status === 202 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
        answer = await call(poll, 'GET', caPem);
      }
      break;
    } catch (e) {
      if (!(e instanceof EnrolmentError && e.context.retryable) || Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    }
  }
  if (answer.status === 202) return { status: 'pending', keyFingerprint };
  if (answer.status !== 200) {
    const reason = answer.status === 403 ? 'the coordinator\'s operator rejected this enrolment'
      : answer.status === 404 ? 'the coordinator has no enrolment request from this site'
      : `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
    throw new EnrolmentError(`Enrolment of ${config.siteId} failed: ${reason}.`);
  }
  const issue = assertValid<CertificateIssue>('certificate-issue', JSON.parse(answer.body), 'The coordinator\'s certificate-issue');
  if (issue.siteId !== config.siteId) throw new EnrolmentError(`The coordinator issued a certificate for ${issue.siteId}, not ${config.siteId}; refusing it.`);
  checkIssuedCertificate(issue.certificatePem, caPem, keyFingerprint, config);
  storePem(config.tls.certificate, issue.certificatePem, { private: false });
  return { status: 'issued', certificateFile: config.tls.certificate, serial: issue.serial, notAfter: issue.notAfter, keyFingerprint };
}

/**
 * A certificate is stored only if it certifies this site's own key (a coordinator, or anyone in
 * between, could otherwise hand the site a certificate for a key it holds itself) and chains to
 * the campaign CA pinned at the site (tls.ca, handed over out of band), never to the CA the
 * answer names.
 */
function checkIssuedCertificate(certificatePem: string, pinnedCaPem: string, keyFingerprint: string, config: SiteConfig): void {
  let certKey: string;
  try {
    certKey = publicKeyFingerprint(certificatePem, 'the issued certificate');
    verifyCertificate(certificatePem, pinnedCaPem);
  } catch (e) {
    throw new EnrolmentError(`The certificate the coordinator sent for ${config.siteId} does not chain to the campaign CA pinned in ${config.tls.ca}; refusing it (${(e as Error).message}).`, { file: config.tls.ca });
  }
  if (certKey !== keyFingerprint) {
    throw new EnrolmentError(`The certificate the coordinator sent for ${config.siteId} holds the key ${certKey}, not this site's key ${keyFingerprint}; refusing it.`);
  }
  if (siteIdOf(certificatePem) !== config.siteId) throw new EnrolmentError(`The certificate the coordinator sent names ${siteIdOf(certificatePem)}, not ${config.siteId}; refusing it.`);
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
