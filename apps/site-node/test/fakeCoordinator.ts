// A stand-in for the coordinator's site port, speaking SITE_CHANNEL.md over real mTLS: it
// records every frame a site sends and lets the test push frames down. The real coordinator
// is exercised by the multi-process tests in test/.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Frame {
  type: string;
  [key: string]: unknown;
}

export class FakeCoordinator {
  readonly frames: Frame[] = [];
  private server!: Server;
  private wss!: WebSocketServer;
  private socket?: WebSocket;
  private rawSocket?: import('node:stream').Duplex;
  private waiters: Array<() => void> = [];
  /** HTTP status to answer upgrades with instead of accepting them (e.g. 403 for a revoked site). */
  refuseWith?: number;
  /** Connections accepted so far; the latest one is number `connections`. */
  connections = 0;
  /** Which connection (1, 2, …) each recorded frame came in on. */
  private readonly connectionOfFrame = new WeakMap<Frame, number>();
  onHello?: (hello: Frame) => void;

  constructor(private readonly tls: { certPem: string; keyPem: string; caPem: string }) {}

  async listen(port = 0): Promise<number> {
    this.server = createServer({ cert: this.tls.certPem, key: this.tls.keyPem, ca: this.tls.caPem, requestCert: true, rejectUnauthorized: false }, (req, res) => this.onRequest(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (!(req.socket as import('node:tls').TLSSocket).authorized) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      if (this.refuseWith) {
        socket.end(`HTTP/1.1 ${this.refuseWith} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const connection = ++this.connections;
        this.socket = ws;
        this.rawSocket = socket;
        ws.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as Frame;
          this.frames.push(frame);
          this.connectionOfFrame.set(frame, connection);
          if (frame.type === 'site-hello') this.onHello?.(frame);
          for (const w of this.waiters.splice(0)) w();
        });
      });
    });
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  /** Enrolment (SITE_CHANNEL.md §7): requests by site id, and the certificate once "approved". */
  readonly enrolments = new Map<string, { request: Frame; issue?: object }>();
  /** Every POST /enrol received, in order. */
  readonly enrolmentPosts: Frame[] = [];
  /**
   * The next enrolment request's connection is reset: 'before' the request is kept (it never
   * arrived), 'after' it is kept (only the answer is lost), as a loaded network would.
   */
  resetNextEnrolment?: 'before' | 'after';

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const reply = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/enrol') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = JSON.parse(Buffer.concat(chunks).toString()) as Frame;
        this.enrolmentPosts.push(request);
        const reset = this.resetNextEnrolment;
        this.resetNextEnrolment = undefined;
        if (reset !== 'before') this.enrolments.set(String(request.siteId), { request });
        if (reset) return void req.socket.destroy();
        reply(202, { status: 'pending' });
      });
      return;
    }
    const match = /^\/enrol\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const entry = this.enrolments.get(decodeURIComponent(match[1]));
      if (!entry) return reply(404, { status: 'unknown' });
      return entry.issue ? reply(200, entry.issue) : reply(202, { status: 'pending' });
    }
    reply(404, {});
  }

  /** The connection a recorded frame came in on. */
  connectionOf(frame: Frame): number {
    return this.connectionOfFrame.get(frame)!;
  }

  send(doc: object): void {
    this.socket!.send(JSON.stringify(doc));
  }

  /** Sends a frame's text as it is (a hostile coordinator's numbers JSON.stringify would not print, such as 1e400). */
  sendText(text: string): void {
    this.socket!.send(text);
  }

  /** Stops reading the current connection, as a host that vanished would: no pong, no FIN. */
  freeze(): void {
    this.rawSocket?.pause();
  }

  dropConnection(): void {
    this.socket?.close(1001, 'going away');
  }

  // The waits end as soon as the frame comes; the default bound is wide because a first job starts
  // the worker pool and ONNX, which on a loaded machine took more than 15 s (hostileSelection in CI).
  /** Resolves with the first recorded frame (from index `from`) that matches. */
  async waitFor(match: (f: Frame) => boolean, from = 0, timeoutMs = 60000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms; got ${this.frames.map((f) => f.type).join(', ')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  /**
   * Sends a job and resolves with the site's job-result for it. Like the real coordinator, which
   * sends a site's open jobs again when it reconnects, it re-sends the job when the site dials
   * again (a new connection, and its hello) before answering: under CPU load a late pong makes the daemon drop and re-dial (pings
   * every second in these tests), and a job written to the dropped connection is gone.
   */
  ask(job: { nonce: string }, timeoutMs = 60000): Promise<Frame> {
    const from = this.frames.length;
    return this.deliver(job, () => this.frames.slice(from).find((f) => f.type === 'job-result' && f.nonce === job.nonce), `a job-result for nonce ${job.nonce}`, timeoutMs);
  }

  /**
   * Sends a job, and sends it again on each new connection the site says hello on (see `ask`),
   * until `done` gives a value, which it resolves with.
   */
  async deliver<T>(job: object, done: () => T | undefined, what: string, timeoutMs = 60000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let connection = this.connections;
    let resendAfter = this.frames.length;
    this.send(job);
    for (;;) {
      const value = done();
      if (value !== undefined) return value;
      // A newer connection whose hello has arrived: the old one (and the job on it) is gone.
      const hellos = this.frames.slice(resendAfter).filter((f) => f.type === 'site-hello' && this.connectionOf(f) > connection);
      if (hellos.length > 0) {
        connection = this.connectionOf(hellos[hellos.length - 1]);
        resendAfter = this.frames.length;
        this.send(job);
      }
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; got ${this.frames.map((f) => f.type).join(', ')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
