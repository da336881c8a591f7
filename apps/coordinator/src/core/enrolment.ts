import { assertValid, type CertificateIssue, type EnrolmentRequest } from '@fedrad/protocol';
import { describeCertificate, issueCertificate, publicKeyFingerprint } from '@fedrad/pki';
import { CoordinatorError } from '../errors.js';
import { appendAudit } from '../store/auditLog.js';
import { nowIso, type CoreContext } from './context.js';
import { checkEnrolmentCode, consumeEnrolmentCode } from './enrolmentCodes.js';

export type EnrolmentStatus = { status: 'pending' } | { status: 'rejected' } | { status: 'approved'; issue: CertificateIssue } | { status: 'unknown' };

const SITE_CERT_DAYS = 365;

/** Pending requests kept at most: beyond, new requests wait for the operator to decide (junk cannot fill the store). */
export const MAX_PENDING_ENROLMENTS = 100;

/**
 * Stores an enrolment request (SITE_CHANNEL.md §7) if it carries the site's live one-time code;
 * with auto-approval, issues the certificate at once. The same request again (a site retrying
 * after a lost answer) gets the same answer; another CSR for a site whose request is pending is
 * refused (it would replace the key the operator is about to approve); a new key for a site
 * already approved or rejected needs a new code.
 */
export async function submitEnrolment(ctx: CoreContext, doc: unknown): Promise<EnrolmentStatus> {
  const req = assertValid<EnrolmentRequest>('enrolment-request', doc, 'Enrolment request');
  const fingerprint = publicKeyFingerprint(req.csrPem, 'the enrolment request\'s CSR');
  const previous = ctx.db.prepare('SELECT request_json, status FROM enrolments WHERE site_id = ? AND campaign_id = ?').get(req.siteId, req.campaignId) as
    | { request_json: string; status: string }
    | undefined;
  const sameKey = previous !== undefined && (JSON.parse(previous.request_json) as EnrolmentRequest).csrPem === req.csrPem;
  if (previous && sameKey && previous.status !== 'rejected') return enrolmentStatus(ctx, req.siteId, req.campaignId);
  if (previous?.status === 'pending') {
    throw new CoordinatorError('ENROLMENT_PENDING', `An enrolment request from ${req.siteId} for ${req.campaignId} with another key is waiting for the operator; a second one is refused`, { siteId: req.siteId, campaignId: req.campaignId });
  }
  if (!(await checkEnrolmentCode(ctx, req.siteId, req.campaignId, req.enrolmentCode))) {
    throw new CoordinatorError('ENROLMENT_CODE_INVALID', `The enrolment code is not the live one-time code for ${req.siteId} in ${req.campaignId} (wrong, used or expired): ask the coordinator's operator for a new one`, { siteId: req.siteId, campaignId: req.campaignId, field: 'enrolmentCode' });
  }
  const at = nowIso(ctx);
  ctx.db.transaction(() => {
    const pending = (ctx.db.prepare("SELECT COUNT(*) AS n FROM enrolments WHERE status = 'pending'").get() as { n: number }).n;
    if (pending >= MAX_PENDING_ENROLMENTS) throw new CoordinatorError('ENROLMENT_LIMIT', `${pending} enrolment requests are waiting for the operator; approve or reject some first`, { siteId: req.siteId });
    if (!consumeEnrolmentCode(ctx, req.siteId, req.campaignId, at)) throw new CoordinatorError('ENROLMENT_CODE_INVALID', `The enrolment code for ${req.siteId} was used by another request`, { siteId: req.siteId, field: 'enrolmentCode' });
    ctx.db
      .prepare(
        `INSERT INTO enrolments (site_id, campaign_id, request_json, status, requested_at, key_fingerprint) VALUES (?, ?, ?, 'pending', ?, ?)
         ON CONFLICT(site_id, campaign_id) DO UPDATE SET request_json = excluded.request_json, status = 'pending', requested_at = excluded.requested_at,
           key_fingerprint = excluded.key_fingerprint, decided_at = NULL, issue_json = NULL`,
      )
      .run(req.siteId, req.campaignId, JSON.stringify(req), at, fingerprint);
    appendAudit(ctx.db, { event: 'enrolment.requested', actor: req.siteId, siteId: req.siteId, campaignId: undefined, details: { campaignId: req.campaignId, contact: req.contact, keyFingerprint: fingerprint } }, at);
  })();
  if (ctx.autoApproveEnrolment) return approveEnrolment(ctx, req.siteId, req.campaignId, 'auto-approval');
  return { status: 'pending' };
}

export function enrolmentStatus(ctx: CoreContext, siteId: string, campaignId: string): EnrolmentStatus {
  const row = ctx.db.prepare('SELECT status, issue_json FROM enrolments WHERE site_id = ? AND campaign_id = ?').get(siteId, campaignId) as
    | { status: 'pending' | 'approved' | 'rejected'; issue_json: string | null }
    | undefined;
  if (!row) return { status: 'unknown' };
  if (row.status === 'approved') return { status: 'approved', issue: JSON.parse(row.issue_json!) };
  return { status: row.status };
}

/** Requests with the key fingerprint the operator compares with the one the site's operator reads out. */
export function listEnrolments(ctx: CoreContext): Array<{ siteId: string; campaignId: string; status: string; requestedAt: string; keyFingerprint: string }> {
  return (ctx.db.prepare('SELECT site_id, campaign_id, status, requested_at, key_fingerprint, request_json FROM enrolments ORDER BY requested_at').all() as Array<{
    site_id: string;
    campaign_id: string;
    status: string;
    requested_at: string;
    key_fingerprint: string | null;
    request_json: string;
  }>).map((r) => ({ siteId: r.site_id, campaignId: r.campaign_id, status: r.status, requestedAt: r.requested_at, keyFingerprint: r.key_fingerprint ?? requestFingerprint(r.request_json) }));
}

/** A v3 row has no stored fingerprint: computed from its CSR. */
function requestFingerprint(requestJson: string): string {
  try {
    return publicKeyFingerprint((JSON.parse(requestJson) as EnrolmentRequest).csrPem);
  } catch {
    return 'unreadable CSR';
  }
}

/**
 * The operator approves: the campaign CA signs the site's CSR; the certificate is recorded for the
 * site. With `expectedFingerprint` (what the site's operator read out), a request holding any
 * other key is refused.
 */
export function approveEnrolment(ctx: CoreContext, siteId: string, campaignId: string, actor = 'operator', expectedFingerprint?: string): EnrolmentStatus {
  const row = ctx.db.prepare('SELECT request_json, status FROM enrolments WHERE site_id = ? AND campaign_id = ?').get(siteId, campaignId) as
    | { request_json: string; status: string }
    | undefined;
  if (!row) throw new CoordinatorError('ENROLMENT_NOT_FOUND', `No enrolment request from ${siteId} for campaign ${campaignId}`, { siteId, campaignId });
  if (row.status === 'approved') return enrolmentStatus(ctx, siteId, campaignId);
  if (!ctx.ca) throw new CoordinatorError('CONFIG', 'This coordinator was started without the campaign CA key; it cannot issue certificates', { siteId });
  const req = JSON.parse(row.request_json) as EnrolmentRequest;
  const keyFingerprint = publicKeyFingerprint(req.csrPem, 'the stored CSR');
  if (expectedFingerprint !== undefined && expectedFingerprint.replace(/:/g, '').toLowerCase() !== keyFingerprint) {
    throw new CoordinatorError('FINGERPRINT_MISMATCH', `The request from ${siteId} holds the key ${keyFingerprint}, not ${expectedFingerprint}: do not approve it; ask the site to enrol again with a new code`, { siteId, campaignId, field: 'fingerprint' });
  }
  const certificatePem = issueCertificate({ caCertPem: ctx.ca.certPem, caKeyPem: ctx.ca.keyPem, csrPem: req.csrPem, validityDays: SITE_CERT_DAYS });
  const info = describeCertificate(certificatePem);
  if (info.subjectCommonName !== siteId) {
    throw new CoordinatorError('ENROLMENT_STATE', `The CSR names ${info.subjectCommonName} but the request is from ${siteId}`, { siteId, campaignId });
  }
  const issue: CertificateIssue = {
    type: 'certificate-issue',
    siteId,
    campaignId,
    certificatePem,
    caCertificatePem: ctx.ca.certPem,
    serial: info.serial,
    notAfter: info.notAfter.toISOString(),
  };
  const at = nowIso(ctx);
  ctx.db.transaction(() => {
    ctx.db.prepare("UPDATE enrolments SET status = 'approved', decided_at = ?, issue_json = ? WHERE site_id = ? AND campaign_id = ?").run(at, JSON.stringify(issue), siteId, campaignId);
    ctx.db
      .prepare('INSERT INTO certificates (serial, site_id, fingerprint, certificate_pem, recorded_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(serial) DO NOTHING')
      .run(info.serial, siteId, info.fingerprint, certificatePem, at);
    ctx.db.prepare('INSERT INTO sites (site_id, first_seen_at) VALUES (?, ?) ON CONFLICT(site_id) DO NOTHING').run(siteId, at);
    appendAudit(ctx.db, { event: 'enrolment.approved', actor, siteId, details: { campaignId, serial: info.serial, fingerprint: info.fingerprint, keyFingerprint } }, at);
  })();
  return { status: 'approved', issue };
}

export function rejectEnrolment(ctx: CoreContext, siteId: string, campaignId: string, actor = 'operator'): void {
  const at = nowIso(ctx);
  ctx.db.transaction(() => {
    const r = ctx.db.prepare("UPDATE enrolments SET status = 'rejected', decided_at = ? WHERE site_id = ? AND campaign_id = ? AND status = 'pending'").run(at, siteId, campaignId);
    if (r.changes === 0) throw new CoordinatorError('ENROLMENT_STATE', `No pending enrolment from ${siteId} for ${campaignId}`, { siteId, campaignId });
    appendAudit(ctx.db, { event: 'enrolment.rejected', actor, siteId, details: { campaignId } }, at);
  })();
}
