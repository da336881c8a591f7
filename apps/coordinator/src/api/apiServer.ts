import { createServer, type Server } from 'node:http';
import express from 'express';
import { WebSocketServer } from 'ws';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { appRouter, type ApiDeps } from './router.js';

export const API_PATH = '/trpc';

/**
 * Operator API: express serving the tRPC router over HTTP at /trpc, and tRPC subscriptions over
 * WebSocket on the same port (ws://host:port/trpc). Binds to loopback unless told otherwise.
 */
export class ApiServer {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly wsHandler: ReturnType<typeof applyWSSHandler>;

  constructor(deps: ApiDeps, private readonly host: string, private readonly port: number) {
    const app = express();
    app.use(
      API_PATH,
      createExpressMiddleware({ router: appRouter, createContext: ({ req }) => ({ deps, authorization: req.headers.authorization }) }),
    );
    this.server = createServer(app);
    this.wss = new WebSocketServer({ server: this.server, path: API_PATH });
    this.wsHandler = applyWSSHandler({
      wss: this.wss,
      router: appRouter,
      createContext: ({ req }) => ({ deps, authorization: req.headers.authorization ?? tokenFromQuery(req.url) }),
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => resolve());
    });
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    this.wsHandler.broadcastReconnectNotification();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Browsers cannot set headers on a WebSocket: the token may come as ?token=… */
function tokenFromQuery(url: string | undefined): string | undefined {
  const token = new URL(url ?? '/', 'http://x').searchParams.get('token');
  return token ? `Bearer ${token}` : undefined;
}
