import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditHead, CertificateRevocation } from '@fedrad/protocol';
import { createDocumentSigner, describeCertificate, REVOCATION_REASONS, type RevocationReason } from '@fedrad/pki';
import { ApiServer, type ApiLimits } from './api/apiServer.js';
import { RateLimiter } from './api/rateLimiter.js';
import { Authenticator } from './auth/authenticator.js';
import { ensureFirstAdmin } from './auth/operators.js';
import type { ApiDeps } from './api/router.js';
import { CA_FILES, loadCa, loadOrIssueServerCertificate, revokedInFolder, revokeInFolder, writeCrl } from './caFolder.js';
import { startCampaign } from './core/campaigns.js';
import type { CampaignEvent, CoreContext, ModelExporter } from './core/context.js';
import { importRevocations, revokedSerials, revokeSite } from './core/sites.js';
import { tick } from './core/tick.js';
import { CoordinatorError } from './errors.js';
import { learnModelDescriber, learnModelExporter } from './modelExport.js';
import { SiteServer } from './net/siteServer.js';
import { openStore } from './store/openStore.js';
import { auditHead } from './store/auditLog.js';
import { nowIso } from './core/context.js';
import { flushRefusalCounts } from './store/refusalCounts.js';
import { watchCaRevocations } from './crlReload.js';
import { COORDINATOR_VERSION } from './version.js';

export interface CoordinatorOptions {
  /** Folder for coordinator.sqlite (created if missing). */
  dataDir: string;
  /** Campaign CA folder (`fedrad ca init`): CA key and certificate, server certificate, CRL. */
  caDir: string;
  host?: string;
  /** 0 picks a free port. */
  sitePort?: number;
  apiPort?: number;
  apiHost?: string;
  /** Scheduler period: deadlines, retries and quorum closes are checked this often. */
  tickMs?: number;
  autoApproveEnrolment?: boolean;
  /** Browser origins allowed besides the API's own (a console served elsewhere). */
  allowedOrigins?: string[];
  /** Body size and per-address request rate of the operator API. */
  apiLimits?: Partial<ApiLimits>;
  /** Session cookies get Secure even over plain HTTP (the API behind a TLS-terminating proxy). */
  secureCookies?: boolean;
  /** The built web console to serve at / (default: the @fedrad/console workspace's dist/ when built; null: none). */
  consoleDir?: string | null;
  /** Console session lifetime (default 8 hours). */
  sessionTtlSeconds?: number;
  /**
   * First start only (no operator yet): the `admin` account was created with this password,
   * shown here once. Default: written to `log`.
   */
  onFirstAdmin?: (credential: { username: string; password: string }) => void;
  /** Defaults to the learning engine's ONNX export; null turns evaluation jobs off. */
  exportModel?: ModelExporter | null;
  log?: (line: string) => void;
}

export interface RunningCoordinator {
  sitePort: number;
  apiPort: number;
  siteUrl: string;
  apiUrl: string;
  core: CoreContext;
  events: EventEmitter;
  tickNow(): void;
  close(): Promise<void>;
}

/**
 * Starts a coordinator: opens (or resumes) its SQLite store, the mTLS site server and the
 * operator API, then runs the scheduler. Everything it knows is in the store, so starting it
 * again after a crash continues every campaign where the last commit left it.
 */
export async function startCoordinator(options: CoordinatorOptions): Promise<RunningCoordinator> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  if (!existsSync(join(options.caDir, CA_FILES.cert))) {
    throw new CoordinatorError('CONFIG', `No campaign CA in ${options.caDir}; create one with \`fedrad ca init --ca-dir ${options.caDir} --campaign <id>\``);
  }
  mkdirSync(options.dataDir, { recursive: true });
  const ca = loadCa(options.caDir);
  const server = loadOrIssueServerCertificate(options.caDir, [...new Set([host, '127.0.0.1', 'localhost'])]);
  const events = new EventEmitter();
  events.setMaxListeners(1000);
  const exportModel = options.exportModel === undefined ? await learnModelExporter() : options.exportModel ?? undefined;
  // The learning engine's export is described by its own card, which the lock signs with the
  // coordinator's certificate (CN "coordinator", from the campaign CA): test sites verify it.
  const describeModel = options.exportModel === undefined ? await learnModelDescriber() : undefined;
  const core: CoreContext = {
    db: openStore(join(options.dataDir, 'coordinator.sqlite')),
    clock: () => new Date(),
    ca,
    exportModel,
    describeModel,
    modelSigner: { keyPem: server.keyPem, certPem: server.certPem, softwareVersion: COORDINATOR_VERSION },
    autoApproveEnrolment: options.autoApproveEnrolment,
    emit: (e: CampaignEvent) => events.emit('event', e),
  };
  // Revocations made offline (`fedrad ca revoke`) count from the first handshake on.
  importRevocations(core, revokedInFolder(options.caDir));
  // …and revocations committed here but not yet in the folder (a crash between the two) go into the CRL.
  const inFolder = new Set(revokedInFolder(options.caDir).map((e) => e.serial));
  const missing = revokedSerials(core).filter((r) => !inFolder.has(r.serial));
  if (missing.length > 0) revokeInFolder(options.caDir, missing.map((r) => ({ serial: r.serial, revokedAt: r.revokedAt, ...(r.reason && r.reason in REVOCATION_REASONS ? { reason: r.reason as RevocationReason } : {}) })));
  const crlPem = writeCrl(options.caDir);
  const caCampaign = describeCertificate(ca.certPem).subjectCommonName;

  // The audit head, signed with the server certificate's key: every site keeps the heads it is sent,
  // so a log rewritten later (triggers dropped, chain recomputed) no longer matches them.
  const signHead = createDocumentSigner(server.keyPem, server.certPem);
  const signedAuditHead = (): AuditHead => {
    const doc = { type: 'audit-head' as const, campaign: caCampaign, ...auditHead(core.db), at: nowIso(core) };
    return { ...doc, signature: signHead(doc), signerCertificatePem: server.certPem };
  };
  const sites = new SiteServer({ core, host, port: options.sitePort ?? 0, serverCertPem: server.certPem, serverKeyPem: server.keyPem, caCertPem: ca.certPem, crlPem, signedAuditHead });
  const firstAdmin = await ensureFirstAdmin(core.db);
  if (firstAdmin) (options.onFirstAdmin ?? ((c) => log(`first start: operator ${c.username} created with the one-time password ${c.password} (shown only now)`)))(firstAdmin);
  const deps: ApiDeps = {
    core,
    events,
    auth: new Authenticator(core.db, () => core.clock()),
    // Ten password attempts at once per address and per name, then one every 6 s.
    loginLimiter: new RateLimiter({ perSecond: 1 / 6, burst: 10 }, () => core.clock().getTime()),
    sessionTtlSeconds: options.sessionTtlSeconds ?? 8 * 3600,
    connectedSites: () => sites.connectedSites(),
    startCampaign(campaignId, actor) {
      sites.sendJobs(startCampaign(core, campaignId, actor));
    },
    revokeSite(siteId, reason, actor) {
      const serials = revokeSite(core, siteId, reason, actor);
      const revokedAt = new Date().toISOString();
      const crl = revokeInFolder(options.caDir, serials.map((serial) => ({ serial, siteId, revokedAt, reason: reason as RevocationReason })));
      sites.updateCrl(crl);
      for (const serial of serials) {
        const notice: CertificateRevocation = { type: 'certificate-revocation', campaignId: caCampaign, siteId, serial, reason, revokedAt, crlPem: crl };
        sites.revoke(siteId, notice);
      }
      log(`revoked ${siteId} (${serials.join(', ') || 'no live certificate'})`);
      return serials;
    },
  };
  const api = new ApiServer(deps, options.apiHost ?? host, options.apiPort ?? 0, { allowedOrigins: options.allowedOrigins, limits: options.apiLimits, secureCookies: options.secureCookies, consoleDir: options.consoleDir });
  // `fedrad ca revoke` on the folder while this runs: effective at once (new CRL, live connection closed).
  const stopWatchingCa = watchCaRevocations(options.caDir, core, {
    updateCrl: (crl) => sites.updateCrl(crl),
    revokeLive(serial, siteId, reason, revokedAt, crl) {
      if (sites.connectedSerial(siteId) !== serial) return;
      sites.revoke(siteId, { type: 'certificate-revocation', campaignId: caCampaign, siteId, serial, reason: reason as CertificateRevocation['reason'], revokedAt, crlPem: crl });
      log(`revoked ${siteId} (${serial}) from the CA folder`);
    },
  });
  const sitePort = await sites.listen();
  const apiPort = await api.listen();

  const step = () => {
    try {
      flushRefusalCounts(core.db, core.clock());
      sites.sendJobs(tick(core));
    } catch (e) {
      log(`scheduler error: ${(e as Error).stack ?? e}`);
    }
  };
  step();
  const timer = setInterval(step, options.tickMs ?? 250);
  return {
    sitePort,
    apiPort,
    siteUrl: `wss://${host}:${sitePort}/site`,
    apiUrl: `http://${options.apiHost ?? host}:${apiPort}/trpc`,
    core,
    events,
    tickNow: step,
    async close() {
      clearInterval(timer);
      stopWatchingCa();
      await sites.close();
      await api.close();
      flushRefusalCounts(core.db, core.clock(), true);
      core.db.close();
    },
  };
}
