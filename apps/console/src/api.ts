import { createTRPCClient, createWSClient, httpLink, splitLink, TRPCClientError, wsLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@fedrad/coordinator';

export type Inputs = inferRouterInputs<AppRouter>;
export type Outputs = inferRouterOutputs<AppRouter>;

// The session's CSRF token (auth.login / auth.me give it); sent on every request, checked on mutations.
let csrfToken: string | undefined;
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Same origin: the coordinator serves this console next to /trpc, so the HttpOnly session cookie goes along. */
const wsClient = createWSClient({
  url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/trpc`,
  lazy: { enabled: true, closeMs: 1000 },
});

export const trpc = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: wsLink({ client: wsClient }),
      false: httpLink({
        url: '/trpc',
        // Queries as POST too: a protocol under check does not fit in a URL.
        methodOverride: 'POST',
        headers: () => (csrfToken ? { 'x-csrf-token': csrfToken } : {}),
        fetch: (url, init) => fetch(url, { ...(init as RequestInit), credentials: 'same-origin' }),
      }),
    }),
  ],
});

/** The server's code and message of a failed call (the API never sends a stack). */
export function apiError(e: unknown): { code: string; message: string; status?: number } {
  if (e instanceof TRPCClientError) {
    const data = e.data as { fedradCode?: string; code?: string; httpStatus?: number } | undefined;
    return { code: data?.fedradCode ?? data?.code ?? 'ERROR', message: e.message, status: data?.httpStatus };
  }
  return { code: 'ERROR', message: e instanceof Error ? e.message : String(e) };
}

export const isUnauthorized = (e: unknown): boolean => apiError(e).status === 401;
