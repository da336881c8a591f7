import { randomBytes } from 'node:crypto';
import { AccessError, CoordinatorError } from '../errors.js';
import { appendAudit } from '../store/auditLog.js';
import type { Db } from '../store/openStore.js';
import { isRole, USERNAME_PATTERN, type Role } from './roles.js';
import { decoyHash, hashSecret, randomSecret, verifySecret } from './secrets.js';

/**
 * Operator accounts and their API tokens, in the coordinator's store. Passwords and tokens are
 * generated here (never chosen by hand, so each has 192 or 256 bits of entropy) and shown once;
 * only their scrypt hash is kept.
 */
export interface Operator {
  username: string;
  role: Role;
  createdAt: string;
  disabledAt?: string;
}

export interface IssuedToken {
  tokenId: string;
  username: string;
  label: string;
  /** The bearer token, shown once: `fedrad_<tokenId>_<secret>`. */
  token: string;
  expiresAt?: string;
}

const now = () => new Date().toISOString();

export function getOperator(db: Db, username: string): Operator | undefined {
  const row = db.prepare('SELECT username, role, created_at, disabled_at FROM operators WHERE username = ?').get(username) as
    | { username: string; role: Role; created_at: string; disabled_at: string | null }
    | undefined;
  return row && { username: row.username, role: row.role, createdAt: row.created_at, ...(row.disabled_at ? { disabledAt: row.disabled_at } : {}) };
}

export function listOperators(db: Db): Operator[] {
  return (db.prepare('SELECT username FROM operators ORDER BY username').all() as Array<{ username: string }>).map((r) => getOperator(db, r.username)!);
}

/** Creates an account with a generated password and returns the password (shown once). */
export async function addOperator(db: Db, username: string, role: Role, actor: string): Promise<{ username: string; role: Role; password: string }> {
  if (!USERNAME_PATTERN.test(username)) throw new CoordinatorError('CONFIG', `Operator name ${JSON.stringify(username)} must match ${USERNAME_PATTERN}`, { field: 'username' });
  if (!isRole(role)) throw new CoordinatorError('CONFIG', `Role ${JSON.stringify(role)} must be admin, study-lead or auditor`, { field: 'role' });
  const password = randomSecret(24);
  const hash = await hashSecret(password);
  const at = now();
  db.transaction(() => {
    if (getOperator(db, username)) throw new CoordinatorError('OPERATOR_EXISTS', `Operator ${username} already exists`, { field: 'username' });
    db.prepare('INSERT INTO operators (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)').run(username, role, hash, at);
    appendAudit(db, { event: 'operator.created', actor, details: { username, role } }, at);
  })();
  return { username, role, password };
}

/** Replaces an account's password with a new generated one (returned once); its sessions end. */
export async function resetPassword(db: Db, username: string, actor: string): Promise<{ username: string; password: string }> {
  if (!getOperator(db, username)) throw new CoordinatorError('OPERATOR_NOT_FOUND', `No operator ${username}`, { field: 'username' });
  const password = randomSecret(24);
  const hash = await hashSecret(password);
  const at = now();
  db.transaction(() => {
    db.prepare('UPDATE operators SET password_hash = ? WHERE username = ?').run(hash, username);
    db.prepare('UPDATE operator_sessions SET ended_at = ? WHERE username = ? AND ended_at IS NULL').run(at, username);
    appendAudit(db, { event: 'operator.password-reset', actor, details: { username } }, at);
  })();
  return { username, password };
}

/** First start: when the store has no operator, creates `admin` and returns its one-time password; otherwise nothing. */
export async function ensureFirstAdmin(db: Db): Promise<{ username: string; password: string } | undefined> {
  const count = (db.prepare('SELECT COUNT(*) AS n FROM operators').get() as { n: number }).n;
  if (count > 0) return undefined;
  const { username, password } = await addOperator(db, 'admin', 'admin', 'coordinator');
  return { username, password };
}

/** Checks a username and password; any failure is the same LOGIN_FAILED, after the same scrypt work. */
export async function checkPassword(db: Db, username: string, password: string): Promise<Operator> {
  const row = db.prepare('SELECT password_hash FROM operators WHERE username = ? AND disabled_at IS NULL').get(username) as { password_hash: string } | undefined;
  const ok = await verifySecret(password, row?.password_hash ?? (await decoyHash()));
  if (!row || !ok) throw new AccessError('LOGIN_FAILED', 'Wrong operator name or password');
  return getOperator(db, username)!;
}

/** Issues a bearer token for an account (for scripts and the CLI); `days` bounds its life. */
export async function createApiToken(db: Db, username: string, label: string, actor: string, days?: number): Promise<IssuedToken> {
  if (!getOperator(db, username)) throw new CoordinatorError('OPERATOR_NOT_FOUND', `No operator ${username}`, { field: 'username' });
  if (days !== undefined && !(Number.isFinite(days) && days > 0)) throw new CoordinatorError('CONFIG', `Token lifetime must be a positive number of days, not ${days}`, { field: 'days' });
  const tokenId = randomBytes(8).toString('hex');
  const secret = randomSecret(32);
  const hash = await hashSecret(secret);
  const at = now();
  const expiresAt = days === undefined ? undefined : new Date(Date.now() + days * 86_400_000).toISOString();
  db.transaction(() => {
    db.prepare('INSERT INTO operator_tokens (token_id, username, label, secret_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(tokenId, username, label, hash, at, expiresAt ?? null);
    appendAudit(db, { event: 'operator.token-created', actor, details: { username, tokenId, label, expiresAt } }, at);
  })();
  return { tokenId, username, label, token: `fedrad_${tokenId}_${secret}`, ...(expiresAt ? { expiresAt } : {}) };
}

export function listApiTokens(db: Db, username?: string): Array<{ tokenId: string; username: string; label: string; createdAt: string; expiresAt?: string; revokedAt?: string }> {
  const rows = db.prepare('SELECT token_id, username, label, created_at, expires_at, revoked_at FROM operator_tokens WHERE (? IS NULL OR username = ?) ORDER BY created_at').all(username ?? null, username ?? null) as Array<{
    token_id: string; username: string; label: string; created_at: string; expires_at: string | null; revoked_at: string | null;
  }>;
  return rows.map((r) => ({ tokenId: r.token_id, username: r.username, label: r.label, createdAt: r.created_at, ...(r.expires_at ? { expiresAt: r.expires_at } : {}), ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}) }));
}

export function revokeApiToken(db: Db, tokenId: string, actor: string): void {
  const at = now();
  db.transaction(() => {
    const r = db.prepare('UPDATE operator_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL').run(at, tokenId);
    if (r.changes === 0) throw new CoordinatorError('TOKEN_NOT_FOUND', `No live token ${tokenId}`, { field: 'tokenId' });
    appendAudit(db, { event: 'operator.token-revoked', actor, details: { tokenId } }, at);
  })();
}
