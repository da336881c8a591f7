// Real TLS endpoints on 127.0.0.1 requiring client certificates, as the coordinator runs them,
// plus clients that report how each attempt ended on both sides of the socket.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import type { Identity } from './campaignFixture.js';

export interface ServerTls {
  key: string;
  cert: string;
  ca: string;
  crl?: string;
}

/** What the server saw of one connection: OpenSSL's verdict on the client certificate. */
export interface ServerVerdict {
  authorized: boolean;
  /** OpenSSL verify error (CERT_REVOKED, CERT_HAS_EXPIRED, …), or the handshake error code. */
  reason: string | null;
}

export interface ClientOutcome {
  /** Body (https) or first message (ws) when the server accepted. */
  received?: string;
  errorCode?: string;
  server: ServerVerdict;
}

export interface MtlsServer {
  port: number;
  close(): Promise<void>;
  /** Resolves with the verdict of the next connection to close. */
  nextVerdict(): Promise<ServerVerdict>;
}

function listen(server: https.Server, onClose: () => Promise<void>): Promise<MtlsServer> {
  const verdicts: Array<(v: ServerVerdict) => void> = [];
  const pending: ServerVerdict[] = [];
  const report = (v: ServerVerdict) => {
    const waiter = verdicts.shift();
    if (waiter) waiter(v);
    else pending.push(v);
  };
  const handshakeErrors = new WeakMap<TLSSocket, string>();
  const watched = new WeakSet<TLSSocket>();
  // 'keylog' fires during the handshake with the server-side TLSSocket: the one public hook that
  // reaches the socket before Node destroys it for an unauthorised client certificate.
  server.on('keylog', (_line: Buffer, socket: TLSSocket) => {
    if (watched.has(socket)) return;
    watched.add(socket);
    socket.once('close', () =>
      report({
        authorized: socket.authorized,
        reason: socket.authorized ? null : (socket.authorizationError?.toString() ?? handshakeErrors.get(socket) ?? null),
      }),
    );
  });
  // A client without a certificate fails inside OpenSSL, before any verify result exists.
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    handshakeErrors.set(socket, error.code ?? error.message);
    if (!watched.has(socket)) report({ authorized: false, reason: error.code ?? error.message });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: onClose,
        nextVerdict: () => (pending.length > 0 ? Promise.resolve(pending.shift()!) : new Promise((r) => verdicts.push(r))),
      }),
    );
  });
}

function mtlsOptions(tls: ServerTls): https.ServerOptions {
  return { ...tls, requestCert: true, rejectUnauthorized: true };
}

export function startHttpsServer(tls: ServerTls): Promise<MtlsServer> {
  const server = https.createServer(mtlsOptions(tls), (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    res.end(`hello ${peer.subject.CN}`);
  });
  return listen(server, () => new Promise((r) => server.close(() => r())));
}

export function startWssServer(tls: ServerTls): Promise<MtlsServer> {
  const server = https.createServer(mtlsOptions(tls));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    socket.send(`hello ${peer.subject.CN}`);
  });
  return listen(server, () => new Promise((r) => wss.close(() => server.close(() => r()))));
}

export async function httpsAttempt(server: MtlsServer, ca: string, identity?: Identity): Promise<ClientOutcome> {
  const verdict = server.nextVerdict();
  const client = await new Promise<Omit<ClientOutcome, 'server'>>((resolve) => {
    const req = https.request(
      { host: '127.0.0.1', port: server.port, path: '/', ca, key: identity?.keyPem, cert: identity?.certPem, agent: false },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ received: body }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ errorCode: error.code }));
    req.end();
  });
  return { ...client, server: await verdict };
}

export async function wssAttempt(server: MtlsServer, ca: string, identity?: Identity): Promise<ClientOutcome> {
  const verdict = server.nextVerdict();
  const client = await new Promise<Omit<ClientOutcome, 'server'>>((resolve) => {
    const ws = new WebSocket(`wss://127.0.0.1:${server.port}/`, { ca, key: identity?.keyPem, cert: identity?.certPem });
    ws.once('message', (data) => {
      resolve({ received: data.toString() });
      ws.close();
    });
    ws.once('error', (error: NodeJS.ErrnoException) => resolve({ errorCode: error.code }));
  });
  return { ...client, server: await verdict };
}
