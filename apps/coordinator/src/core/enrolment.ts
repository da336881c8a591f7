import { assertValid, type CertificateIssue, type EnrolmentRequest } from '@fedrad/protocol';
import { describeCertificate, issueCertificate } from '@fedrad/pki';
import { CoordinatorError } from '../errors.js';
import { appendAudit } from '../store/auditLog.js';
import { nowIso, type CoreContext } from './context.js';

export type EnrolmentStatus = { status: 'pending' } | { status: 'rejected' } | { status: 'approved'; issue: CertificateIssue } | { status: 'unknown' };

const SITE_CERT_DAYS = 365;

/** Stores an enrolment request (SITE_CHANNEL.md §7); with auto-approval, issues the certificate at once. */
export function submitEnrolment(ctx: CoreContext, doc: unknown): EnrolmentStatus {
  const req = assertValid<EnrolmentRequest>('enrolment-request', doc, 'Enrolment request');
  const at = nowIso(ctx);
  const existing = enrolmentStatus(ctx, req.siteId, req.campaignId);
  if (existing.status === 'approved') return existing;
  ctx.db.transaction(() => {
    ctx.db
      .prepare(
        `INSERT INTO enrolments (site_id, campaign_id, request_json, status, requested_at) VALUES (?, ?, ?, 'pending', ?)
         ON CONFLICT(site_id, campaign_id) DO UPDATE SET request_json = excluded.request_json, status = 'pending', requested_at = excluded.requested_at`,
      )
      .run(req.siteId, req.campaignId, JSON.stringify(req), at);
    appendAudit(ctx.db, { event: 'enrolment.requested', actor: req.siteId, siteId: req.siteId, campaignId: undefined, details: { campaignId: req.campaignId, contact: req.contact } }, at);
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

export function listEnrolments(ctx: CoreContext): Array<{ siteId: string; campaignId: string; status: string; requestedAt: string }> {
  return (ctx.db.prepare('SELECT site_id, campaign_id, status, requested_at FROM enrolments ORDER BY requested_at').all() as Array<{
    site_id: string;
    campaign_id: string;
    status: string;
    requested_at: string;
  }>).map((r) => ({ siteId: r.site_id, campaignId: r.campaign_id, status: r.status, requestedAt: r.requested_at }));
}

/** The operator approves: the campaign CA signs the site's CSR; the certificate is recorded for the site. */
export function approveEnrolment(ctx: CoreContext, siteId: string, campaignId: string, actor = 'operator'): EnrolmentStatus {
  const row = ctx.db.prepare('SELECT request_json, status FROM enrolments WHERE site_id = ? AND campaign_id = ?').get(siteId, campaignId) as
    | { request_json: string; status: string }
    | undefined;
  if (!row) throw new CoordinatorError('ENROLMENT_NOT_FOUND', `No enrolment request from ${siteId} for campaign ${campaignId}`, { siteId, campaignId });
  if (row.status === 'approved') return enrolmentStatus(ctx, siteId, campaignId);
  if (!ctx.ca) throw new CoordinatorError('CONFIG', 'This coordinator was started without the campaign CA key; it cannot issue certificates', { siteId });
  const req = JSON.parse(row.request_json) as EnrolmentRequest;
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
    appendAudit(ctx.db, { event: 'enrolment.approved', actor, siteId, details: { campaignId, serial: info.serial, fingerprint: info.fingerprint } }, at);
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
