/**
 * Which browser origins may call the operator API (HTTP and WebSocket). A browser always sends
 * `Origin` on a WebSocket upgrade and on a cross-site or state-changing request; a request from
 * a page of any other origin is refused before it reaches a procedure. Scripts and the CLI send
 * no Origin and authenticate with a bearer token instead.
 */
export class OriginPolicy {
  private readonly allowed = new Set<string>();

  constructor(extra: readonly string[] = []) {
    for (const o of extra) this.allowed.add(normaliseOrigin(o));
  }

  /** The API's own origins, once its port is known (http://host:port, and the loopback names for a loopback host). */
  addServedOrigins(host: string, port: number, tls = false): void {
    const scheme = tls ? 'https' : 'http';
    const hosts = host === '127.0.0.1' || host === 'localhost' || host === '::1' ? ['127.0.0.1', 'localhost', '[::1]'] : [host.includes(':') ? `[${host}]` : host];
    for (const h of hosts) this.allowed.add(`${scheme}://${h}:${port}`);
  }

  /** True when no Origin was sent (not a browser) or it is on the list; `null` (a sandboxed or file page) is refused. */
  permits(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    return this.allowed.has(normaliseOrigin(origin));
  }

  list(): string[] {
    return [...this.allowed].sort();
  }
}

function normaliseOrigin(origin: string): string {
  try {
    const u = new URL(origin);
    return u.origin === 'null' ? origin : u.origin;
  } catch {
    return origin;
  }
}
