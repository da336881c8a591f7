import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { apiError, isUnauthorized, setCsrfToken, trpc, type Outputs } from './api';

type Me = Outputs['auth']['me'];
export interface Session {
  me: Me | null;
  /** Why the last session ended (expiry, sign-out), shown on the sign-in page. */
  notice: string | null;
  loading: boolean;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** A call answered 401: the session is gone (expired, signed out elsewhere, account disabled). */
  expired(message: string): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in operator: from auth.me on load (the cookie survives a reload), auth.login, auth.logout. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [me, setMe] = useState<Me | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [expiresAt, setExpiresAt] = useState<string | null>(null);

  const adopt = useCallback((m: Me | null) => {
    setCsrfToken(m?.csrfToken);
    setMe(m);
    if (!m) queryClient.clear();
  }, [queryClient]);

  useEffect(() => {
    trpc.auth.me
      .query()
      .then((m) => adopt(m))
      .catch((e) => {
        if (!isUnauthorized(e)) setNotice(apiError(e).message);
        adopt(null);
      })
      .finally(() => setLoading(false));
  }, [adopt]);

  const expired = useCallback((message: string) => {
    setNotice(message);
    setExpiresAt(null);
    adopt(null);
  }, [adopt]);

  // Any query or mutation answered 401 ends the session here, with the server's message.
  useEffect(() => {
    const onError = (error: unknown) => {
      if (me && isUnauthorized(error)) expired(apiError(error).message);
    };
    const q = queryClient.getQueryCache().subscribe((e) => e.type === 'updated' && e.action.type === 'error' && onError(e.action.error));
    const m = queryClient.getMutationCache().subscribe((e) => e.type === 'updated' && e.action.type === 'error' && onError(e.action.error));
    return () => (q(), m());
  }, [queryClient, me, expired]);

  // The session's end, when login told us: sign out locally at that moment rather than on the next failed call.
  useEffect(() => {
    if (!me || !expiresAt) return;
    const ms = Date.parse(expiresAt) - Date.now();
    const timer = setTimeout(() => expired('Your session expired: sign in again'), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [me, expiresAt, expired]);

  const value = useMemo<Session>(
    () => ({
      me,
      notice,
      loading,
      async signIn(username, password) {
        const login = await trpc.auth.login.mutate({ username, password });
        setCsrfToken(login.csrfToken);
        setExpiresAt(login.expiresAt);
        setNotice(null);
        adopt(await trpc.auth.me.query());
      },
      async signOut() {
        try {
          await trpc.auth.logout.mutate();
        } finally {
          setNotice('Signed out');
          setExpiresAt(null);
          adopt(null);
        }
      },
      expired,
    }),
    [me, notice, loading, adopt, expired],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
