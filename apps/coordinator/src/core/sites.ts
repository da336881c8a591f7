import type { CoordinatorWelcome, JobEnvelope, SiteHello } from '@fedrad/protocol';
import { CoordinatorError } from '../errors.js';
import { appendAudit } from '../store/auditLog.js';
import { listCampaigns } from './campaignStore.js';
import { nowIso, type CoreContext } from './context.js';
import { openEnvelopesForSite } from './jobs.js';
import type { PeerIdentity } from './peer.js';

export const COORDINATOR_VERSION = '0.1.0';
/** The coordinator's own server certificate uses this CN; no site may take it. */
export const RESERVED_SITE_IDS = new Set(['coordinator']);

export type ConnectionVerdict = { ok: true } | { ok: false; status: 401 | 403; code: string; reason: string };

/**
 * Decides whether an mTLS-authenticated peer may open the site channel (SITE_CHANNEL.md §1):
 * not revoked here, not a reserved name. Records the certificate the first time it is seen
 * (any certificate the campaign CA issued is admissible). Refusals are audited.
 */
export function admitSite(ctx: CoreContext, peer: PeerIdentity): ConnectionVerdict {
  const at = nowIso(ctx);
  const refuse = (status: 401 | 403, code: string, reason: string): ConnectionVerdict => {
    ctx.db.transaction(() =>
      appendAudit(ctx.db, { event: 'site.connection-refused', actor: peer.siteId || 'unknown', siteId: peer.siteId || undefined, details: { code, reason, serial: peer.serial } }, at),
    )();
    return { ok: false, status, code, reason };
  };
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(peer.siteId) || RESERVED_SITE_IDS.has(peer.siteId)) {
    return refuse(403, 'SITE_UNKNOWN', `Certificate CN "${peer.siteId}" is not a site id`);
  }
  const cert = ctx.db.prepare('SELECT site_id, revoked_at FROM certificates WHERE serial = ?').get(peer.serial) as { site_id: string; revoked_at: string | null } | undefined;
  if (cert?.revoked_at) return refuse(403, 'CERT_REVOKED', `Certificate ${peer.serial} of ${peer.siteId} was revoked at ${cert.revoked_at}`);
  if (cert && cert.site_id !== peer.siteId) return refuse(403, 'SITE_MISMATCH', `Certificate ${peer.serial} was recorded for ${cert.site_id}, not ${peer.siteId}`);
  if (!cert) {
    ctx.db.transaction(() => {
      ctx.db
        .prepare('INSERT INTO certificates (serial, site_id, fingerprint, certificate_pem, recorded_at) VALUES (?, ?, ?, ?, ?)')
        .run(peer.serial, peer.siteId, peer.fingerprint, peer.certificatePem, at);
      ctx.db.prepare('INSERT INTO sites (site_id, first_seen_at) VALUES (?, ?) ON CONFLICT(site_id) DO NOTHING').run(peer.siteId, at);
      appendAudit(ctx.db, { event: 'site.certificate-recorded', actor: peer.siteId, siteId: peer.siteId, details: { serial: peer.serial, fingerprint: peer.fingerprint } }, at);
    })();
  }
  return { ok: true };
}

/** A valid site-hello: store approvals, answer with the welcome and every open job for the site. */
export function recordHello(ctx: CoreContext, peer: PeerIdentity, hello: SiteHello): { welcome: CoordinatorWelcome; jobs: JobEnvelope[] } {
  const at = nowIso(ctx);
  ctx.db.transaction(() => {
    ctx.db
      .prepare(
        `INSERT INTO sites (site_id, first_seen_at, last_seen_at, software_version, approved_protocols, capabilities) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(site_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, software_version = excluded.software_version,
           approved_protocols = excluded.approved_protocols, capabilities = excluded.capabilities`,
      )
      .run(peer.siteId, at, at, hello.softwareVersion, JSON.stringify(hello.approvedProtocols), JSON.stringify(hello.capabilities));
    appendAudit(ctx.db, { event: 'site.hello', actor: peer.siteId, siteId: peer.siteId, details: { approvedProtocols: hello.approvedProtocols, softwareVersion: hello.softwareVersion } }, at);
  })();
  const campaigns = listCampaigns(ctx)
    .filter((c) => c.protocol.trainingSites.includes(peer.siteId) || c.protocol.testSites.includes(peer.siteId))
    .map((c) => ({
      campaignId: c.campaignId,
      protocolHash: c.protocolHash,
      role: (c.protocol.trainingSites.includes(peer.siteId) ? 'training' : 'test') as 'training' | 'test',
      state: c.state,
      protocol: c.protocol,
    }));
  return {
    welcome: { type: 'coordinator-welcome', siteId: peer.siteId, coordinatorVersion: COORDINATOR_VERSION, heartbeatSeconds: 10, campaigns, sentAt: at },
    jobs: openEnvelopesForSite(ctx, peer.siteId),
  };
}

export function recordHeartbeat(ctx: CoreContext, siteId: string): void {
  ctx.db.prepare('UPDATE sites SET last_seen_at = ? WHERE site_id = ?').run(nowIso(ctx), siteId);
}

export interface SiteRecord {
  siteId: string;
  firstSeenAt: string;
  lastSeenAt: string | null;
  softwareVersion: string | null;
  approvedProtocols: string[];
  certificates: Array<{ serial: string; fingerprint: string; revokedAt: string | null }>;
}

export function listSites(ctx: CoreContext): SiteRecord[] {
  const sites = ctx.db.prepare('SELECT * FROM sites ORDER BY site_id').all() as Array<{
    site_id: string;
    first_seen_at: string;
    last_seen_at: string | null;
    software_version: string | null;
    approved_protocols: string;
  }>;
  return sites.map((s) => ({
    siteId: s.site_id,
    firstSeenAt: s.first_seen_at,
    lastSeenAt: s.last_seen_at,
    softwareVersion: s.software_version,
    approvedProtocols: JSON.parse(s.approved_protocols),
    certificates: (ctx.db.prepare('SELECT serial, fingerprint, revoked_at FROM certificates WHERE site_id = ? ORDER BY recorded_at').all(s.site_id) as Array<{
      serial: string;
      fingerprint: string;
      revoked_at: string | null;
    }>).map((c) => ({ serial: c.serial, fingerprint: c.fingerprint, revokedAt: c.revoked_at })),
  }));
}

/** Every revoked serial the coordinator knows (for the CRL it publishes). */
export function revokedSerials(ctx: CoreContext): Array<{ serial: string; revokedAt: string; reason: string | null }> {
  return (ctx.db.prepare('SELECT serial, revoked_at, revocation_reason FROM certificates WHERE revoked_at IS NOT NULL ORDER BY serial').all() as Array<{
    serial: string;
    revoked_at: string;
    revocation_reason: string | null;
  }>).map((r) => ({ serial: r.serial, revokedAt: r.revoked_at, reason: r.revocation_reason }));
}

/** Records revocations known from elsewhere (the CA folder's list), e.g. at start-up. */
export function importRevocations(ctx: CoreContext, entries: Array<{ serial: string; siteId?: string; revokedAt: string; reason?: string }>): void {
  ctx.db.transaction(() => {
    for (const e of entries) {
      const row = ctx.db.prepare('SELECT revoked_at FROM certificates WHERE serial = ?').get(e.serial) as { revoked_at: string | null } | undefined;
      if (row?.revoked_at) continue;
      if (row) ctx.db.prepare('UPDATE certificates SET revoked_at = ?, revocation_reason = ? WHERE serial = ?').run(e.revokedAt, e.reason ?? null, e.serial);
      else
        ctx.db
          .prepare("INSERT INTO certificates (serial, site_id, fingerprint, recorded_at, revoked_at, revocation_reason) VALUES (?, ?, ?, ?, ?, ?)")
          .run(e.serial, e.siteId ?? '', `unknown-${e.serial}`, e.revokedAt, e.revokedAt, e.reason ?? null);
      appendAudit(ctx.db, { event: 'certificate.revoked', actor: 'ca', siteId: e.siteId, details: { serial: e.serial, reason: e.reason ?? 'unspecified', source: 'ca-folder' } }, nowIso(ctx));
    }
  })();
}

/** Revokes every certificate of a site. Returns the serials newly revoked. */
export function revokeSite(ctx: CoreContext, siteId: string, reason: string, actor = 'operator'): string[] {
  return ctx.db.transaction(() => {
    const certs = ctx.db.prepare('SELECT serial FROM certificates WHERE site_id = ? AND revoked_at IS NULL').all(siteId) as Array<{ serial: string }>;
    const known = ctx.db.prepare('SELECT 1 FROM certificates WHERE site_id = ?').get(siteId);
    if (!known) throw new CoordinatorError('SITE_NOT_FOUND', `No certificate recorded for site "${siteId}"; it never connected or enrolled here`, { siteId });
    const at = nowIso(ctx);
    for (const c of certs) {
      ctx.db.prepare('UPDATE certificates SET revoked_at = ?, revocation_reason = ? WHERE serial = ?').run(at, reason, c.serial);
      appendAudit(ctx.db, { event: 'certificate.revoked', actor, siteId, details: { serial: c.serial, reason } }, at);
    }
    return certs.map((c) => c.serial);
  })();
}
