import { createHmac, randomBytes } from 'node:crypto';
import { appendAudit } from '../store/auditLog.js';
import type { Db } from '../store/openStore.js';
import { hashSecret, randomSecret } from './secrets.js';

/**
 * Console sessions after a password login. The cookie holds `<sessionId>.<secret>`; the store
 * keeps only the secret's scrypt hash. The CSRF token is derived from the secret
 * (HMAC-SHA256(secret, "fedrad-csrf")), so nothing more is stored and only a holder of the
 * cookie's value can compute it: a page of another origin can make the browser send the cookie
 * (SameSite=Strict already stops that) but never read it.
 */
export const SESSION_COOKIE = 'fedrad_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface NewSession {
  sessionId: string;
  cookieValue: string;
  csrfToken: string;
  expiresAt: string;
}

export function csrfTokenFor(secret: string): string {
  return createHmac('sha256', secret).update('fedrad-csrf').digest('base64url');
}

export async function createSession(db: Db, username: string, ttlSeconds: number, at = new Date()): Promise<NewSession> {
  const sessionId = randomBytes(8).toString('hex');
  const secret = randomSecret(32);
  const hash = await hashSecret(secret);
  const expiresAt = new Date(at.getTime() + ttlSeconds * 1000).toISOString();
  db.transaction(() => {
    db.prepare('INSERT INTO operator_sessions (session_id, username, secret_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(sessionId, username, hash, at.toISOString(), expiresAt);
    appendAudit(db, { event: 'operator.signed-in', actor: username, details: { sessionId, expiresAt } }, at.toISOString());
  })();
  return { sessionId, cookieValue: `${sessionId}.${secret}`, csrfToken: csrfTokenFor(secret), expiresAt };
}

export function endSession(db: Db, sessionId: string, actor: string, at = new Date()): void {
  db.transaction(() => {
    const r = db.prepare('UPDATE operator_sessions SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL').run(at.toISOString(), sessionId);
    if (r.changes > 0) appendAudit(db, { event: 'operator.signed-out', actor, details: { sessionId } }, at.toISOString());
  })();
}

/** Reads one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value: HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure over TLS. */
export function sessionCookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`, ...(secure ? ['Secure'] : [])].join('; ');
}
