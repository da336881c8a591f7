import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';

/**
 * The console's Content-Security-Policy: everything from this origin, nothing from anywhere else
 * (no CDN, no font service), no inline script or eval, no framing. connect-src names the
 * WebSocket scheme of this host explicitly (older engines do not count ws: as 'self').
 */
export function consoleCsp(host: string | undefined, secure: boolean): string {
  const ws = host && /^[\w.:[\]-]+$/.test(host) ? ` ${secure ? 'wss' : 'ws'}://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Where the built console is: the @fedrad/console workspace's dist/, when it was built. */
export function defaultConsoleDir(): string | undefined {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@fedrad/console/package.json')), 'dist');
    return existsSync(join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves the built console (same origin as the API, so its session cookie and CSRF token work
 * and no CORS is opened). Static files only, with their content types; hashed assets may be
 * cached, index.html is not. Without a built console, `/` says how to build it.
 */
export function consoleRoute(dir: string | undefined): Router {
  const router = express.Router();
  router.use((req: Request, res: Response, next) => {
    res.setHeader('content-security-policy', consoleCsp(req.headers.host, Boolean((req.socket as { encrypted?: boolean }).encrypted)));
    res.setHeader('referrer-policy', 'no-referrer');
    next();
  });
  if (!dir) {
    router.get('/', (_req: Request, res: Response) => {
      res.status(404).type('text/plain').send('The web console is not built: run `npm run setup` (or `npm run build -w @fedrad/console`), then restart the coordinator.\n');
    });
    return router;
  }
  router.use(
    express.static(dir, {
      index: 'index.html',
      dotfiles: 'ignore',
      redirect: false,
      setHeaders(res, path) {
        // Vite names assets by content hash: a new build has new names.
        res.setHeader('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-store');
      },
    }),
  );
  return router;
}
