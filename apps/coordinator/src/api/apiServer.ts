import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { TLSSocket } from 'node:tls';
import express, { type NextFunction, type Request, type Response } from 'express';
import { WebSocketServer } from 'ws';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import type { TRPCError } from '@trpc/server';
import { AccessError } from '../errors.js';
import { consoleRoute, defaultConsoleDir } from './consoleRoute.js';
import { clientKey, credentialsOf, refuse } from './httpAccess.js';
import { OriginPolicy } from './originPolicy.js';
import { RateLimiter, type RateLimit } from './rateLimiter.js';
import { reportRoute } from './reportRoute.js';
import { appRouter, type ApiContext, type ApiDeps } from './router.js';

export const API_PATH = '/trpc';

/** Limits of the operator API; the defaults fit a console and a few scripts on one coordinator. */
export interface ApiLimits {
  /** Largest request body (a campaign protocol with 1,500 features is ~100 kB). */
  maxBodyBytes: number;
  /** Requests per client address. */
  rate: RateLimit;
}

export const DEFAULT_API_LIMITS: ApiLimits = { maxBodyBytes: 1_000_000, rate: { perSecond: 50, burst: 200 } };

/**
 * Operator API: express serving the tRPC router over HTTP at /trpc, and tRPC subscriptions over
 * WebSocket on the same port (ws://host:port/trpc). Binds to loopback unless told otherwise.
 * Before any procedure: a browser Origin must be on the allow-list (HTTP and WebSocket), each
 * client address has a request budget, and a body over the limit is refused. Every refusal is
 * `{error: {message, data: {code, httpStatus, fedradCode}}}` like tRPC's own errors.
 */
export class ApiServer {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly wsHandler: ReturnType<typeof applyWSSHandler>;
  readonly origins: OriginPolicy;

  constructor(
    deps: ApiDeps,
    private readonly host: string,
    private readonly port: number,
    options: { allowedOrigins?: string[]; limits?: Partial<ApiLimits>; secureCookies?: boolean; consoleDir?: string | null } = {},
  ) {
    const limits = { ...DEFAULT_API_LIMITS, ...options.limits };
    this.origins = new OriginPolicy(options.allowedOrigins);
    const limiter = new RateLimiter(limits.rate, () => deps.core.clock().getTime());
    const app = express();
    app.disable('x-powered-by');
    app.use((req: Request, res: Response, next: NextFunction) => {
      res.setHeader('cache-control', 'no-store');
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('x-frame-options', 'DENY');
      if (!this.origins.permits(req.headers.origin)) return refuse(res, new AccessError('ORIGIN_REFUSED', `Origin ${String(req.headers.origin).slice(0, 200)} may not call this coordinator`));
      if (!limiter.take(clientKey(req))) return refuse(res, new AccessError('RATE_LIMITED', 'Too many requests from this address; slow down'));
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > limits.maxBodyBytes) return refuse(res, new AccessError('BODY_TOO_LARGE', `Request bodies are limited to ${limits.maxBodyBytes} bytes`));
      next();
    });
    app.use(
      API_PATH,
      createExpressMiddleware({
        router: appRouter,
        // The console sends queries as POST: a protocol document under check is too long for a URL.
        allowMethodOverride: true,
        // Counted as the body streams in, whatever content-length claimed (chunked bodies have none).
        maxBodySize: limits.maxBodyBytes,
        onError: logInternalError,
        createContext: ({ req, res }): ApiContext => ({
          deps,
          credentials: credentialsOf(req),
          transport: 'http',
          clientKey: clientKey(req),
          setCookie: (value) => res.append('set-cookie', value),
          secure: options.secureCookies ?? Boolean((req.socket as TLSSocket).encrypted),
        }),
      }),
    );
    // Each campaign's study report page, for the console's "Open report" (same origin, its own CSP).
    app.use(reportRoute(deps));
    // The web console (apps/console), same origin: at / and /assets/*.
    app.use(consoleRoute(options.consoleDir === null ? undefined : (options.consoleDir ?? defaultConsoleDir())));
    app.use((req: Request, res: Response) => res.status(404).json({ error: { message: `No route ${req.method} ${req.path.slice(0, 200)}`, data: { code: 'NOT_FOUND', httpStatus: 404, fedradCode: 'NOT_FOUND' } } }));
    // Express's own error page would show a stack outside production: a fixed reply instead.
    app.use((_e: unknown, _req: Request, res: Response, _next: NextFunction) => res.status(500).json({ error: { message: 'Internal error of the coordinator', data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, fedradCode: 'INTERNAL' } } }));
    this.server = createServer(app);
    this.wss = new WebSocketServer({
      server: this.server,
      path: API_PATH,
      maxPayload: limits.maxBodyBytes,
      // A browser always sends Origin on an upgrade: a page of another site is refused here (cross-site WebSocket hijacking).
      verifyClient: ({ req }: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
        if (!this.origins.permits(req.headers.origin)) return done(false, 403, 'Origin refused');
        if (!limiter.take(clientKey(req))) return done(false, 429, 'Too many requests');
        done(true);
      },
    });
    this.wsHandler = applyWSSHandler({
      wss: this.wss,
      router: appRouter,
      onError: logInternalError,
      createContext: ({ req }): ApiContext => ({
        deps,
        credentials: credentialsOf(req, tokenFromQuery(req.url)),
        transport: 'ws',
        clientKey: clientKey(req),
        secure: Boolean((req.socket as TLSSocket).encrypted),
      }),
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => resolve());
    });
    const port = (this.server.address() as { port: number }).port;
    this.origins.addServedOrigins(this.host, port);
    return port;
  }

  async close(): Promise<void> {
    this.wsHandler.broadcastReconnectNotification();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The reply says only "internal error": the details go to the coordinator's own log. */
function logInternalError({ error, path }: { error: TRPCError; path?: string }): void {
  if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`coordinator: operator API ${path ?? '?'}: ${(error.cause as Error | undefined)?.stack ?? error.message}`);
}

/** Browsers cannot set headers on a WebSocket: a script's token may come as ?token=… (a console uses its session cookie). */
function tokenFromQuery(url: string | undefined): string | undefined {
  const token = new URL(url ?? '/', 'http://x').searchParams.get('token');
  return token ? `Bearer ${token}` : undefined;
}
