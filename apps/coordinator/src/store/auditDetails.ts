import { canonicalJson, sha256Hex } from '@fedrad/protocol';

/** Longest canonical JSON a field of a refused message keeps in its audit row. */
export const AUDIT_FIELD_LIMIT = 512;

/**
 * The audited fields of a refused message, each bounded: a field whose canonical JSON is longer
 * than `limit` characters is replaced by its first characters, its length and its SHA-256, so an
 * auditor can still match it against the message the site kept while a 40 MB frame adds a few
 * hundred bytes to the log, not 80 MB. The number of fields is fixed by the caller, so each row
 * is bounded (fields × ~700 characters).
 */
export function boundFields(details: Record<string, unknown>, limit = AUDIT_FIELD_LIMIT): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : canonicalJson(value);
    out[key] = text.length <= limit ? value : { truncated: text.slice(0, 120), length: text.length, sha256: sha256Hex(text) };
  }
  return out;
}
