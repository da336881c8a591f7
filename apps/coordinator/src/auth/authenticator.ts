import { AccessError } from '../errors.js';
import type { Db } from '../store/openStore.js';
import { API_TOKEN, liveCredential, parseCredential, SESSION } from './credentials.js';
import { getOperator } from './operators.js';
import type { Role } from './roles.js';
import { digest, safeEqual, verifySecret } from './secrets.js';
import { csrfTokenFor } from './sessions.js';

/** What a request presents: an Authorization header, the session cookie, the CSRF header. */
export interface Credentials {
  authorization?: string;
  sessionCookie?: string;
  csrfHeader?: string;
}

/** Who is calling, and how. */
export interface Principal {
  username: string;
  role: Role;
  via: 'token' | 'session';
  /** Token id or session id. */
  credentialId: string;
  /** For a session: whether the request carried the session's CSRF token (checked on every mutation). */
  csrfValid: boolean;
  csrfToken?: string;
}

const CACHE_LIMIT = 1000;

/**
 * Resolves credentials to an operator. Every request reads the token's or session's row (so a
 * revocation, a sign-out or a disabled account counts at once); the scrypt check of its secret
 * runs once per process and credential — later requests match the SHA-256 of what they present
 * against the in-memory set of secrets already verified, which is never stored.
 */
export class Authenticator {
  private readonly verified = new Map<string, string>();

  constructor(private readonly db: Db, private readonly clock: () => Date = () => new Date()) {}

  /** The principal, or an AccessError UNAUTHORIZED; undefined only when nothing was presented. */
  async authenticate(c: Credentials): Promise<Principal | undefined> {
    if (c.authorization !== undefined) {
      const m = /^Bearer (\S+)$/.exec(c.authorization);
      const parsed = m ? parseCredential(API_TOKEN, m[1]) : undefined;
      const row = parsed && liveCredential(this.db, API_TOKEN, parsed.id, this.clock());
      if (!parsed || !row || !(await this.check(parsed.id, parsed.secret, row.secretHash))) throw new AccessError('UNAUTHORIZED', 'The API token is unknown, revoked or expired');
      return this.principal(row.username, 'token', parsed.id, true);
    }
    if (c.sessionCookie !== undefined) {
      const parsed = parseCredential(SESSION, c.sessionCookie);
      const row = parsed && liveCredential(this.db, SESSION, parsed.id, this.clock());
      if (!parsed || !row || !(await this.check(parsed.id, parsed.secret, row.secretHash))) throw new AccessError('UNAUTHORIZED', 'The session has ended or expired: sign in again');
      const csrfToken = csrfTokenFor(parsed.secret);
      return this.principal(row.username, 'session', parsed.id, c.csrfHeader !== undefined && safeEqual(c.csrfHeader, csrfToken), csrfToken);
    }
    return undefined;
  }

  /** Forgets verified secrets of one credential (sign-out, revocation in this process). */
  forget(credentialId: string): void {
    for (const [k, id] of this.verified) if (id === credentialId) this.verified.delete(k);
  }

  private async check(id: string, secret: string, hash: string): Promise<boolean> {
    const key = digest(`${id}.${secret}`);
    if (this.verified.get(key) === id) return true;
    if (!(await verifySecret(secret, hash))) return false;
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.set(key, id);
    return true;
  }

  private principal(username: string, via: Principal['via'], credentialId: string, csrfValid: boolean, csrfToken?: string): Principal {
    const operator = getOperator(this.db, username);
    if (!operator || operator.disabledAt) throw new AccessError('UNAUTHORIZED', 'This operator account is disabled');
    return { username, role: operator.role, via, credentialId, csrfValid, ...(csrfToken ? { csrfToken } : {}) };
  }
}
