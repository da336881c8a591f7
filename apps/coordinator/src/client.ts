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

/**
 * A small typed client for the operator API over tRPC's HTTP wire format (GET ?input= for
 * queries, POST JSON for mutations, `{result: {data}}` back). Plain fetch, so the CLI needs no
 * tRPC client at run time.
 */
export function createCoordinatorClient(apiUrl: string, apiToken?: string) {
  const base = apiUrl.replace(/\/$/, '');
  const headers = (): Record<string, string> => ({ 'content-type': 'application/json', ...(apiToken ? { authorization: `Bearer ${apiToken}` } : {}) });
  async function call(kind: 'query' | 'mutation', path: string, input: unknown): Promise<unknown> {
    const url = kind === 'query' ? `${base}/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}` : `${base}/${path}`;
    let res: Response;
    try {
      res = await fetch(url, kind === 'query' ? { headers: headers() } : { method: 'POST', headers: headers(), body: JSON.stringify(input ?? null) });
    } catch (e) {
      throw new CoordinatorApiError('COORDINATOR_UNREACHABLE', `Cannot reach the coordinator API at ${base}: ${(e as Error).message}`, path, undefined, e);
    }
    const body = (await res.json().catch(() => ({}))) as { result?: { data?: unknown }; error?: { message?: string; data?: { fedradCode?: string; code?: string } } };
    if (body.error || !res.ok) {
      const code = body.error?.data?.fedradCode ?? body.error?.data?.code ?? `HTTP_${res.status}`;
      throw new CoordinatorApiError(code, body.error?.message ?? `HTTP ${res.status} from ${url}`, path, res.status);
    }
    return body.result?.data;
  }
  const q = <P extends string>(path: P) => (input?: unknown) => call('query', path, input);
  const m = <P extends string>(path: P) => (input?: unknown) => call('mutation', path, input);
  return {
    health: () => q('health')() as Promise<Outputs['health']>,
    campaigns: {
      create: (protocol: unknown) => m('campaigns.create')(protocol) as Promise<Outputs['campaigns']['create']>,
      start: (input: Inputs['campaigns']['start']) => m('campaigns.start')(input) as Promise<Outputs['campaigns']['start']>,
      status: (input: Inputs['campaigns']['status']) => q('campaigns.status')(input) as Promise<Outputs['campaigns']['status']>,
      list: () => q('campaigns.list')() as Promise<Outputs['campaigns']['list']>,
      modelOnnx: (input: Inputs['campaigns']['modelOnnx']) => q('campaigns.modelOnnx')(input) as Promise<Outputs['campaigns']['modelOnnx']>,
    },
    sites: {
      list: () => q('sites.list')() as Promise<Outputs['sites']['list']>,
      revoke: (input: Inputs['sites']['revoke']) => m('sites.revoke')(input) as Promise<Outputs['sites']['revoke']>,
    },
    enrolments: {
      list: () => q('enrolments.list')() as Promise<Outputs['enrolments']['list']>,
      approve: (input: Inputs['enrolments']['approve']) => m('enrolments.approve')(input) as Promise<Outputs['enrolments']['approve']>,
      reject: (input: Inputs['enrolments']['reject']) => m('enrolments.reject')(input) as Promise<Outputs['enrolments']['reject']>,
    },
    audit: {
      verify: () => q('audit.verify')() as Promise<Outputs['audit']['verify']>,
      list: (input: { campaignId?: string; siteId?: string; event?: string; limit?: number } = {}) => q('audit.list')(input) as Promise<Outputs['audit']['list']>,
    },
  };
}

export type CoordinatorClient = ReturnType<typeof createCoordinatorClient>;
