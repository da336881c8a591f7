import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { ERROR_CODE_PATTERN, FedRadError } from '@fedrad/protocol';
import type { AppRouter } from './api/router.js';

type Inputs = inferRouterInputs<AppRouter>;
type Outputs = inferRouterOutputs<AppRouter>;

/**
 * An operator API call that failed: the coordinator's stable code and message. The code comes
 * from the wire; one that is not a well-formed code is reported as HTTP_<status>.
 */
export class CoordinatorApiError extends FedRadError {
  constructor(code: string, message: string, readonly path: string, readonly httpStatus?: number, cause?: unknown) {
    const stable = ERROR_CODE_PATTERN.test(code) ? code : `HTTP_${httpStatus ?? 0}`;
    // No HTTP status: the coordinator was never reached.
    const kind = httpStatus === undefined || httpStatus === 503 ? 'unavailable' : httpStatus === 404 ? 'not-found' : httpStatus === 409 ? 'conflict' : 'invalid';
    super(stable, message, { cause, kind });
  }
}

/** How the client signs in: a bearer token (scripts, CLI), or an operator name and password (a session, as the console does). */
export type CoordinatorCredential = string | { username: string; password: string };

/** Waits before each retry of a query that failed on the network (not on an HTTP answer). */
export const QUERY_RETRY_WAITS_MS = [250, 1000, 3000];

/**
 * A small typed client for the operator API over tRPC's HTTP wire format (GET ?input= for
 * queries, POST JSON for mutations, `{result: {data}}` back). Plain fetch, so the CLI needs no
 * tRPC client at run time. With a password it signs in once (auth.login), then sends the
 * session cookie and, on mutations, the session's CSRF token, exactly as the console does.
 */
export function createCoordinatorClient(apiUrl: string, credential?: CoordinatorCredential) {
  const base = apiUrl.replace(/\/$/, '');
  let session: Promise<{ cookie: string; csrfToken: string }> | undefined;
  async function headers(kind: 'query' | 'mutation', path: string): Promise<Record<string, string>> {
    const h: Record<string, string> = { 'content-type': 'application/json' };
    if (typeof credential === 'string') h.authorization = `Bearer ${credential}`;
    else if (credential && path !== 'auth.login') {
      const s = await (session ??= signIn(credential).catch((e) => ((session = undefined), Promise.reject(e))));
      h.cookie = s.cookie;
      if (kind === 'mutation') h['x-csrf-token'] = s.csrfToken;
    }
    return h;
  }
  async function signIn(c: { username: string; password: string }): Promise<{ cookie: string; csrfToken: string }> {
    const { body, res } = await send('mutation', 'auth.login', c);
    const cookie = res.headers.getSetCookie().map((v) => v.split(';')[0]).find((v) => v.startsWith('fedrad_session='));
    const csrfToken = (body as { csrfToken?: string }).csrfToken;
    if (!cookie || !csrfToken) throw new CoordinatorApiError('LOGIN_FAILED', 'The coordinator answered the sign-in without a session', 'auth.login', res.status);
    return { cookie, csrfToken };
  }
  async function send(kind: 'query' | 'mutation', path: string, input: unknown): Promise<{ body: unknown; res: Response }> {
    const url = kind === 'query' ? `${base}/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}` : `${base}/${path}`;
    const h = await headers(kind, path);
    let res: Response | undefined;
    // A query reads and changes nothing, so a network failure (a kept-alive socket the server closed
    // at its keep-alive timeout, a reset under load) is retried; a mutation is not, since it may have
    // been carried out before its answer was lost.
    const waits = kind === 'query' ? QUERY_RETRY_WAITS_MS : [];
    for (let attempt = 0; res === undefined; attempt++) {
      try {
        res = await fetch(url, kind === 'query' ? { headers: h } : { method: 'POST', headers: h, body: JSON.stringify(input ?? null) });
      } catch (e) {
        if (attempt < waits.length) {
          await new Promise((r) => setTimeout(r, waits[attempt]));
          continue;
        }
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const detail = cause ? ` (${cause.code ?? cause.message})` : '';
        throw new CoordinatorApiError('COORDINATOR_UNREACHABLE', `Cannot reach the coordinator API at ${base}: ${(e as Error).message}${detail}${waits.length ? ` after ${waits.length + 1} tries` : ''}`, path, undefined, e);
      }
    }
    const body = (await res.json().catch(() => ({}))) as { result?: { data?: unknown }; error?: { message?: string; data?: { fedradCode?: string; code?: string } } };
    if (body.error || !res.ok) {
      const code = body.error?.data?.fedradCode ?? body.error?.data?.code ?? `HTTP_${res.status}`;
      throw new CoordinatorApiError(code, body.error?.message ?? `HTTP ${res.status} from ${url}`, path, res.status);
    }
    return { body: body.result?.data, res };
  }
  const call = async (kind: 'query' | 'mutation', path: string, input: unknown) => (await send(kind, path, input)).body;
  const q = <P extends string>(path: P) => (input?: unknown) => call('query', path, input);
  const m = <P extends string>(path: P) => (input?: unknown) => call('mutation', path, input);
  return {
    health: () => q('health')() as Promise<Outputs['health']>,
    auth: {
      me: () => q('auth.me')() as Promise<Outputs['auth']['me']>,
      logout: async () => {
        const out = (await m('auth.logout')()) as Outputs['auth']['logout'];
        session = undefined;
        return out;
      },
    },
    users: {
      list: () => q('users.list')() as Promise<Outputs['users']['list']>,
      add: (input: Inputs['users']['add']) => m('users.add')(input) as Promise<Outputs['users']['add']>,
    },
    tokens: {
      create: (input: { username?: string; label?: string; days?: number } = {}) => m('tokens.create')(input) as Promise<Outputs['tokens']['create']>,
      list: () => q('tokens.list')() as Promise<Outputs['tokens']['list']>,
      revoke: (input: Inputs['tokens']['revoke']) => m('tokens.revoke')(input) as Promise<Outputs['tokens']['revoke']>,
    },
    campaigns: {
      create: (protocol: unknown) => m('campaigns.create')(protocol) as Promise<Outputs['campaigns']['create']>,
      start: (input: Inputs['campaigns']['start']) => m('campaigns.start')(input) as Promise<Outputs['campaigns']['start']>,
      cancel: (input: Inputs['campaigns']['cancel']) => m('campaigns.cancel')(input) as Promise<Outputs['campaigns']['cancel']>,
      status: (input: Inputs['campaigns']['status']) => q('campaigns.status')(input) as Promise<Outputs['campaigns']['status']>,
      overview: (input: Inputs['campaigns']['overview']) => q('campaigns.overview')(input) as Promise<Outputs['campaigns']['overview']>,
      list: () => q('campaigns.list')() as Promise<Outputs['campaigns']['list']>,
      modelOnnx: (input: Inputs['campaigns']['modelOnnx']) => q('campaigns.modelOnnx')(input) as Promise<Outputs['campaigns']['modelOnnx']>,
      attest: (input: Inputs['campaigns']['attest']) => m('campaigns.attest')(input) as Promise<Outputs['campaigns']['attest']>,
      attestations: (input: Inputs['campaigns']['attestations']) => q('campaigns.attestations')(input) as Promise<Outputs['campaigns']['attestations']>,
      report: (input: Inputs['campaigns']['report']) => q('campaigns.report')(input) as Promise<Outputs['campaigns']['report']>,
    },
    sites: {
      list: () => q('sites.list')() as Promise<Outputs['sites']['list']>,
      connected: () => q('sites.connected')() as Promise<Outputs['sites']['connected']>,
      revoke: (input: Inputs['sites']['revoke']) => m('sites.revoke')(input) as Promise<Outputs['sites']['revoke']>,
    },
    enrolments: {
      list: () => q('enrolments.list')() as Promise<Outputs['enrolments']['list']>,
      createCode: (input: { siteId: string; campaignId: string; hours?: number }) => m('enrolments.createCode')(input) as Promise<Outputs['enrolments']['createCode']>,
      approve: (input: { siteId: string; campaignId: string; fingerprint?: string }) => m('enrolments.approve')(input) as Promise<Outputs['enrolments']['approve']>,
      reject: (input: Inputs['enrolments']['reject']) => m('enrolments.reject')(input) as Promise<Outputs['enrolments']['reject']>,
    },
    audit: {
      verify: () => q('audit.verify')() as Promise<Outputs['audit']['verify']>,
      list: (input: { campaignId?: string; siteId?: string; event?: string; limit?: number } = {}) => q('audit.list')(input) as Promise<Outputs['audit']['list']>,
    },
  };
}

export type CoordinatorClient = ReturnType<typeof createCoordinatorClient>;
