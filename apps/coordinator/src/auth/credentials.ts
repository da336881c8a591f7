import type { Db } from '../store/openStore.js';

/**
 * API tokens and console sessions are the same kind of credential: an id and a secret in one
 * text, and a row holding the secret's scrypt hash, its operator, an optional expiry and the
 * time it ended (revoked, signed out).
 */
export interface CredentialKind {
  /** The presented text: group 1 is the id, group 2 the secret. */
  format: RegExp;
  table: 'operator_tokens' | 'operator_sessions';
  idColumn: 'token_id' | 'session_id';
  endedColumn: 'revoked_at' | 'ended_at';
}

export const API_TOKEN: CredentialKind = { format: /^fedrad_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/, table: 'operator_tokens', idColumn: 'token_id', endedColumn: 'revoked_at' };
export const SESSION: CredentialKind = { format: /^([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/, table: 'operator_sessions', idColumn: 'session_id', endedColumn: 'ended_at' };

/** The id and secret, or undefined when the text is not of the form this coordinator issues. */
export function parseCredential(kind: CredentialKind, text: string): { id: string; secret: string } | undefined {
  const m = kind.format.exec(text);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

/** The live row of a credential id (not ended, not expired, account enabled): its hash and owner. */
export function liveCredential(db: Db, kind: CredentialKind, id: string, at: Date): { username: string; secretHash: string } | undefined {
  const row = db.prepare(
    `SELECT c.username, c.secret_hash, c.expires_at FROM ${kind.table} c JOIN operators o ON o.username = c.username
     WHERE c.${kind.idColumn} = ? AND c.${kind.endedColumn} IS NULL AND o.disabled_at IS NULL`,
  ).get(id) as { username: string; secret_hash: string; expires_at: string | null } | undefined;
  if (!row || (row.expires_at && Date.parse(row.expires_at) <= at.getTime())) return undefined;
  return { username: row.username, secretHash: row.secret_hash };
}
