import { canonicalJson, sha256Hex } from '@fedrad/protocol';
import type { Db } from './openStore.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  event: string;
  actor: string;
  campaignId?: string;
  siteId?: string;
  details?: Record<string, unknown>;
}

interface AuditRow {
  seq: number;
  at: string;
  event: string;
  actor: string;
  campaign_id: string | null;
  site_id: string | null;
  details_json: string;
  prev_hash: string;
  hash: string;
}

/** The canonical form of a row that its hash covers (everything but the hash itself). */
function canonicalRow(row: Omit<AuditRow, 'hash' | 'prev_hash'>): string {
  return canonicalJson({
    seq: row.seq,
    at: row.at,
    event: row.event,
    actor: row.actor,
    campaignId: row.campaign_id,
    siteId: row.site_id,
    details: JSON.parse(row.details_json),
  });
}

/**
 * canonicalRow for a row whose details_json is canonical already (appendAudit just made it):
 * the same text, without parsing the details back. Keys in RFC 8785 order (actor, at,
 * campaignId, details, event, seq, siteId); verifyAuditLog recomputes through canonicalRow.
 */
function canonicalRowOfCanonicalDetails(row: Omit<AuditRow, 'hash' | 'prev_hash'>): string {
  return (
    `{"actor":${JSON.stringify(row.actor)},"at":${JSON.stringify(row.at)},"campaignId":${JSON.stringify(row.campaign_id)},` +
    `"details":${row.details_json},"event":${JSON.stringify(row.event)},"seq":${canonicalJson(row.seq)},"siteId":${JSON.stringify(row.site_id)}}`
  );
}

/** hash_n = SHA-256(hash_{n−1} ‖ canonical(row_n)): a hash chain (Haber & Stornetta 1991), so editing or removing any row breaks every later link. */
function chainHash(prevHash: string, row: Omit<AuditRow, 'hash' | 'prev_hash'>, detailsCanonical = false): string {
  return sha256Hex(prevHash + (detailsCanonical ? canonicalRowOfCanonicalDetails(row) : canonicalRow(row)));
}

/**
 * Appends one audit entry. Call inside the transaction that makes the change it records, so the
 * change and its audit row commit (or vanish) together.
 */
export function appendAudit(db: Db, entry: AuditEntry, at: string): number {
  const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as { seq: number; hash: string } | undefined;
  const seq = (head?.seq ?? 0) + 1;
  const prevHash = head?.hash ?? GENESIS_HASH;
  const row = {
    seq,
    at,
    event: entry.event,
    actor: entry.actor,
    campaign_id: entry.campaignId ?? null,
    site_id: entry.siteId ?? null,
    details_json: canonicalJson(entry.details ?? {}),
  };
  const hash = chainHash(prevHash, row, true);
  db.prepare(
    'INSERT INTO audit_log (seq, at, event, actor, campaign_id, site_id, details_json, prev_hash, hash) VALUES (@seq, @at, @event, @actor, @campaign_id, @site_id, @details_json, @prev_hash, @hash)',
  ).run({ ...row, prev_hash: prevHash, hash });
  db.prepare('INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash').run(seq, hash);
  return seq;
}

/** The newest row's sequence number and chain hash (0 and the genesis hash when the log is empty). */
export function auditHead(db: Db): { seq: number; hash: string } {
  const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as { seq: number; hash: string } | undefined;
  return head ?? { seq: 0, hash: GENESIS_HASH };
}

export type AuditVerification =
  | { ok: true; rows: number; headHash: string }
  | { ok: false; rows: number; seq: number; reason: string };

/**
 * Re-walks the chain from the genesis hash: any edited field, deleted or inserted row, or
 * truncated tail (checked against audit_head) makes it fail, naming the first bad row.
 */
export function verifyAuditLog(db: Db): AuditVerification {
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>;
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (const row of rows) {
    count++;
    if (row.seq !== expectedSeq) {
      return { ok: false, rows: count, seq: expectedSeq, reason: `row ${expectedSeq} is missing (next row is ${row.seq}): rows were deleted` };
    }
    if (row.prev_hash !== prev) {
      return { ok: false, rows: count, seq: row.seq, reason: `row ${row.seq} does not link to row ${row.seq - 1}: a row was edited or replaced` };
    }
    let recomputed: string;
    try {
      recomputed = chainHash(prev, row);
    } catch {
      return { ok: false, rows: count, seq: row.seq, reason: `row ${row.seq} has unreadable details: it was edited` };
    }
    if (recomputed !== row.hash) {
      return { ok: false, rows: count, seq: row.seq, reason: `row ${row.seq} (${row.event}) does not match its hash: it was edited` };
    }
    prev = row.hash;
    expectedSeq++;
  }
  const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as { seq: number; hash: string } | undefined;
  const lastSeq = expectedSeq - 1;
  if ((head?.seq ?? 0) !== lastSeq || (head ? head.hash !== prev : false)) {
    return {
      ok: false,
      rows: count,
      seq: lastSeq + 1,
      reason: `the log ends at row ${lastSeq} but its head records row ${head?.seq ?? 0}: rows at the end were deleted or the head was edited`,
    };
  }
  return { ok: true, rows: count, headHash: prev };
}

export interface AuditRecord {
  seq: number;
  at: string;
  event: string;
  actor: string;
  campaignId: string | null;
  siteId: string | null;
  details: Record<string, unknown>;
}

export function listAudit(db: Db, filter: { campaignId?: string; siteId?: string; event?: string; limit?: number } = {}): AuditRecord[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.campaignId) (where.push('campaign_id = ?'), args.push(filter.campaignId));
  if (filter.siteId) (where.push('site_id = ?'), args.push(filter.siteId));
  if (filter.event) (where.push('event = ?'), args.push(filter.event));
  const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
  args.push(filter.limit ?? 1000);
  return (db.prepare(sql).all(...args) as AuditRow[]).map((r) => ({
    seq: r.seq,
    at: r.at,
    event: r.event,
    actor: r.actor,
    campaignId: r.campaign_id,
    siteId: r.site_id,
    details: JSON.parse(r.details_json),
  }));
}
