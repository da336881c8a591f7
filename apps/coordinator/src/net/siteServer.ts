import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { isFedRadError, toApiError, validate, type AuditHead, type CertificateRevocation, type JobEnvelope, type SiteHello } from '@fedrad/protocol';
import { refusedAck } from '../core/acks.js';
import { nowIso, type CoreContext } from '../core/context.js';
import { enrolmentStatus, submitEnrolment } from '../core/enrolment.js';
import { peerFromDer, type PeerIdentity } from '../core/peer.js';
import { acceptResults } from '../core/results.js';
import { admitSite, recordHeartbeat, recordHello } from '../core/sites.js';
import { appendAudit } from '../store/auditLog.js';
import { boundFields } from '../store/auditDetails.js';
import { countRefusal } from '../store/refusalCounts.js';
import { decodeFrame, encodeOutgoing } from './wire.js';
import { RateLimiter } from '../api/rateLimiter.js';


export const SITE_PATH = '/site';
export const CLOSE = { invalidHello: 4400, forbidden: 4403, replaced: 4409, shutdown: 1001 } as const;
const HELLO_TIMEOUT_MS = 10_000;
const MAX_PAYLOAD = 64 * 1024 * 1024;

export interface SiteServerOptions {
  core: CoreContext;
  host: string;
  port: number;
  serverCertPem: string;
  serverKeyPem: string;
  caCertPem: string;
  crlPem?: string;
  heartbeatSeconds?: number;
  /** The audit log's head, signed now: sent after each welcome and with each batch of jobs (so at every round). */
  signedAuditHead?: () => AuditHead;
}

interface Connection {
  ws: WebSocket;
  peer: PeerIdentity;
  hello: boolean;
  lastSeen: number;
}

/**
 * The sites' endpoint (SITE_CHANNEL.md): HTTPS with optional client certificates for enrolment,
 * and the mTLS WebSocket channel on /site. Every frame is validated at reception and handed to
 * a core function; what the core returns (acks, jobs) is validated again and sent.
 */
export class SiteServer {
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  private readonly connections = new Map<string, Connection>();
  private readonly pendingResults: Array<{ peer: PeerIdentity; doc: unknown }> = [];
  private silenceTimer?: NodeJS.Timeout;
  // Twenty requests at once per address, then one every 3 s.
  private readonly enrolLimiter = new RateLimiter({ perSecond: 1 / 3, burst: 20 }, () => this.options.core.clock().getTime());

  constructor(private readonly options: SiteServerOptions) {
    this.server = createServer(this.tlsOptions(options.crlPem), (req, res) => this.handleHttp(req, res));
    this.server.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket, head));
  }

  private tlsOptions(crlPem?: string) {
    return {
      key: this.options.serverKeyPem,
      cert: this.options.serverCertPem,
      ca: [this.options.caCertPem],
      ...(crlPem ? { crl: [crlPem] } : {}),
      requestCert: true,
      rejectUnauthorized: false,
    };
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    const heartbeat = (this.options.heartbeatSeconds ?? 10) * 1000;
    this.silenceTimer = setInterval(() => {
      const now = Date.now();
      for (const c of this.connections.values()) if (now - c.lastSeen > 3 * heartbeat) c.ws.terminate();
    }, heartbeat);
    this.silenceTimer.unref();
    return (this.server.address() as { port: number }).port;
  }

  /** New TLS handshakes check this CRL from now on. */
  updateCrl(crlPem: string): void {
    this.options.crlPem = crlPem;
    this.server.setSecureContext(this.tlsOptions(crlPem));
  }

  /** The certificate serial of a site's live connection, if it has one. */
  connectedSerial(siteId: string): string | undefined {
    return this.connections.get(siteId)?.peer.serial;
  }

  connectedSites(): string[] {
    return [...this.connections.values()].filter((c) => c.hello).map((c) => c.peer.siteId).sort();
  }

  /** Sends job envelopes to their sites when connected; the rest go out when the site says hello. */
  sendJobs(envelopes: JobEnvelope[]): void {
    for (const e of envelopes) this.send(e.siteId, e);
    // One signature per batch (a round's jobs go out in one batch), to every site that got a job.
    const reached = [...new Set(envelopes.map((e) => e.siteId))].filter((s) => this.connections.get(s)?.hello);
    if (reached.length > 0 && this.options.signedAuditHead) {
      const head = this.options.signedAuditHead();
      for (const siteId of reached) this.send(siteId, head);
    }
  }

  /** Tells a site its certificate is revoked, then closes its connection. */
  revoke(siteId: string, notice: CertificateRevocation): void {
    const c = this.connections.get(siteId);
    if (!c) return;
    this.send(siteId, notice);
    c.ws.close(CLOSE.forbidden, 'certificate revoked');
    this.connections.delete(siteId);
  }

  async close(): Promise<void> {
    if (this.silenceTimer) clearInterval(this.silenceTimer);
    for (const c of this.connections.values()) c.ws.close(CLOSE.shutdown, 'coordinator shutting down');
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private send(siteId: string, doc: { type: string }): void {
    const c = this.connections.get(siteId);
    if (c?.hello && c.ws.readyState === c.ws.OPEN) c.ws.send(encodeOutgoing(doc));
  }

  private handleHttp(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://coordinator');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === 'GET' && url.pathname === '/crl') {
        res.writeHead(200, { 'content-type': 'application/x-pem-file' });
        res.end(this.options.crlPem ?? '');
        return;
      }
      if (req.method === 'POST' && url.pathname === '/enrol') {
        // Unauthenticated by nature (the site has no certificate yet): a budget per address keeps junk and code guessing slow.
        if (!this.enrolLimiter.take(req.socket.remoteAddress ?? 'unknown')) {
          req.resume();
          return json(429, { code: 'RATE_LIMITED', message: 'Too many enrolment requests from this address; wait a minute' });
        }
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 1_000_000) req.destroy();
          else chunks.push(c);
        });
        req.on('end', () => {
          const answer = async () => {
            try {
              const status = await submitEnrolment(this.options.core, JSON.parse(Buffer.concat(chunks).toString('utf8')));
              if (status.status === 'approved') json(200, status.issue);
              else json(202, { status: status.status });
            } catch (e) {
              const core = this.options.core;
              countRefusal(core.db, { event: 'enrolment.refused', peer: req.socket.remoteAddress ?? 'unknown', code: isFedRadError(e) ? e.code : 'BAD_REQUEST' }, core.clock());
              // Always 400, whatever the kind: the site's enrol client reads 404 as "no request from this site".
              const { code, message } = toApiError(e);
              json(400, { code: isFedRadError(e) ? code : 'BAD_REQUEST', message: isFedRadError(e) ? message : 'The enrolment request is not valid JSON' });
            }
          };
          void answer();
        });
        return;
      }
      const m = /^\/enrol\/([a-z0-9][a-z0-9-]{1,62})$/.exec(url.pathname);
      if (req.method === 'GET' && m) {
        const status = enrolmentStatus(this.options.core, m[1], url.searchParams.get('campaignId') ?? '');
        if (status.status === 'approved') json(200, status.issue);
        else json(status.status === 'pending' ? 202 : status.status === 'rejected' ? 403 : 404, { status: status.status });
        return;
      }
      json(404, { code: 'NOT_FOUND', message: `No route ${req.method} ${url.pathname}` });
    } catch (e) {
      const { code, message } = toApiError(e);
      json(500, { code, message });
    }
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: 401 | 403 | 404, reason: string) => {
      socket.write(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${reason}\n`);
      socket.destroy();
    };
    const url = new URL(req.url ?? '/', 'https://coordinator');
    if (url.pathname !== SITE_PATH) return refuse(404, `The site channel is ${SITE_PATH}`);
    const tls = req.socket as TLSSocket;
    const raw = tls.getPeerCertificate()?.raw;
    if (!tls.authorized || !raw) {
      const reason = String(tls.authorizationError ?? 'no client certificate');
      let peer: PeerIdentity | undefined;
      try {
        peer = raw ? peerFromDer(raw) : undefined;
      } catch {
        peer = undefined;
      }
      // Counted per peer and minute (store/refusalCounts.ts), not one audit row per attempt.
      const core = this.options.core;
      const address = req.socket.remoteAddress ?? 'unknown';
      countRefusal(core.db, { event: 'site.connection-refused', peer: peer?.siteId ? `${address} (CN ${peer.siteId})` : address, code: reason, siteId: peer?.siteId || undefined }, core.clock());
      return refuse(reason === 'CERT_REVOKED' ? 403 : 401, `Client certificate refused: ${reason}`);
    }
    const peer = peerFromDer(raw);
    const verdict = admitSite(this.options.core, peer);
    if (!verdict.ok) return refuse(verdict.status, `${verdict.code}: ${verdict.reason}`);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.handleConnection(ws, peer));
  }

  private handleConnection(ws: WebSocket, peer: PeerIdentity): void {
    const conn: Connection = { ws, peer, hello: false, lastSeen: Date.now() };
    const helloTimer = setTimeout(() => {
      if (!conn.hello) ws.close(CLOSE.invalidHello, 'no site-hello within 10 s');
    }, HELLO_TIMEOUT_MS);
    ws.on('message', (data, isBinary) => {
      conn.lastSeen = Date.now();
      try {
        this.handleMessage(conn, decodeFrame(data, isBinary));
      } catch (e) {
        // A bug here must not take the coordinator down; the site will retry.
        console.error(`coordinator: error handling a message from ${peer.siteId}: ${(e as Error).stack ?? e}`);
      }
    });
    ws.on('close', () => {
      clearTimeout(helloTimer);
      if (this.connections.get(peer.siteId) === conn) this.connections.delete(peer.siteId);
    });
    ws.on('error', () => ws.terminate());
  }

  private handleMessage(conn: Connection, doc: Record<string, unknown> | undefined): void {
    const { core } = this.options;
    const { peer, ws } = conn;
    const type = typeof doc?.type === 'string' ? doc.type : undefined;
    if (!conn.hello) {
      const v = validate('site-hello', doc);
      if (!v.valid) {
        appendAuditNow(core, { event: 'message.invalid', actor: peer.siteId, siteId: peer.siteId, details: boundFields({ code: 'PROTOCOL_INVALID', message: v.message }) });
        ws.close(CLOSE.invalidHello, 'first message must be a valid site-hello');
        return;
      }
      const hello = doc as unknown as SiteHello;
      if (hello.siteId !== peer.siteId) {
        appendAuditNow(core, { event: 'message.refused', actor: peer.siteId, siteId: peer.siteId, details: boundFields({ code: 'SITE_MISMATCH', claimed: hello.siteId }) });
        ws.close(CLOSE.forbidden, `site-hello names ${hello.siteId} but the certificate is ${peer.siteId}`);
        return;
      }
      const previous = this.connections.get(peer.siteId);
      if (previous && previous !== conn) previous.ws.close(CLOSE.replaced, 'replaced by a newer connection');
      conn.hello = true;
      this.connections.set(peer.siteId, conn);
      const { welcome, jobs } = recordHello(core, peer, hello);
      this.send(peer.siteId, welcome);
      if (this.options.signedAuditHead) this.send(peer.siteId, this.options.signedAuditHead());
      this.sendJobs(jobs);
      return;
    }
    switch (type) {
      case 'heartbeat': {
        const v = validate('heartbeat', doc);
        if (v.valid && doc!.siteId === peer.siteId) recordHeartbeat(core, peer.siteId);
        else this.refuseFrame(conn, doc, v.valid ? 'SITE_MISMATCH' : 'PROTOCOL_INVALID', v.valid ? 'heartbeat names another site' : v.message);
        return;
      }
      case 'site-hello': {
        const v = validate('site-hello', doc);
        if (!v.valid || doc!.siteId !== peer.siteId) return this.refuseFrame(conn, doc, v.valid ? 'SITE_MISMATCH' : 'PROTOCOL_INVALID', v.valid ? 'site-hello names another site' : v.message);
        const { welcome, jobs } = recordHello(core, peer, doc as unknown as SiteHello);
        this.send(peer.siteId, welcome);
        this.sendJobs(jobs);
        return;
      }
      case 'job-result': {
        this.pendingResults.push({ peer, doc });
        if (this.pendingResults.length === 1) setImmediate(() => this.flushResults());
        return;
      }
      default:
        this.refuseFrame(conn, doc, 'PROTOCOL_INVALID', `unknown or missing message type ${JSON.stringify(type)}`);
    }
  }

  /** Commits every result that arrived this turn in one transaction, then acks them (SITE_CHANNEL.md §3: ack after commit). */
  private flushResults(): void {
    const batch = this.pendingResults.splice(0);
    if (batch.length === 0) return;
    let outcomes: ReturnType<typeof acceptResults>;
    try {
      outcomes = acceptResults(this.options.core, batch);
    } catch (e) {
      // The batch's transaction did not commit (disk full, database locked…): nothing was accepted.
      console.error(`coordinator: could not commit ${batch.length} result(s): ${(e as Error).message}`);
      const at = nowIso(this.options.core);
      outcomes = batch.map(({ doc }) => ({ ack: refusedAck(doc, 'INTERNAL_ERROR', 'The coordinator could not store this result; resend it', at), send: [] }));
    }
    outcomes.forEach(({ ack, send }, i) => {
      this.send(batch[i].peer.siteId, ack);
      this.sendJobs(send);
    });
  }

  private refuseFrame(conn: Connection, doc: unknown, code: 'PROTOCOL_INVALID' | 'SITE_MISMATCH', message: string): void {
    const core = this.options.core;
    appendAuditNow(core, { event: 'message.invalid', actor: conn.peer.siteId, siteId: conn.peer.siteId, details: boundFields({ code, message }) });
    this.send(conn.peer.siteId, refusedAck(doc, code, message, nowIso(core)));
  }
}

function appendAuditNow(core: CoreContext, entry: Parameters<typeof appendAudit>[1]): void {
  core.db.transaction(() => appendAudit(core.db, entry, nowIso(core)))();
}
