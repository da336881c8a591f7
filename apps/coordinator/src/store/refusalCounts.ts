import { appendAudit } from './auditLog.js';
import type { Db } from './openStore.js';

/**
 * Refusals of unauthenticated callers (a TLS client without a valid certificate, an enrolment
 * request without its code, a wrong password) are counted per peer, kind and minute instead of
 * writing one audit row each: the first refusal of a minute is audited at once (an operator sees
 * it), the others only counted; when the minute has ended, one more row gives the minute's total
 * (`flushRefusalCounts`, run by the scheduler and at shutdown). A flood adds at most two rows per
 * peer and minute.
 */
export interface Refusal {
  /** Audit event of the summary row, e.g. site.connection-refused. */
  event: string;
  /** Who knocked: the client address (and the certificate's CN when one was presented). */
  peer: string;
  code: string;
  siteId?: string;
}

const minuteOf = (at: Date) => at.toISOString().slice(0, 16);

export function countRefusal(db: Db, r: Refusal, at: Date): void {
  const peer = r.peer.slice(0, 200);
  const code = r.code.slice(0, 64);
  db.transaction(() => {
    const { count } = db.prepare(
      `INSERT INTO refusal_counts (minute, event, peer, code, site_id, count, first_at) VALUES (?, ?, ?, ?, ?, 1, ?)
       ON CONFLICT(minute, event, peer, code) DO UPDATE SET count = count + 1 RETURNING count`,
    ).get(minuteOf(at), r.event, peer, code, r.siteId ?? null, at.toISOString()) as { count: number };
    if (count === 1) appendAudit(db, { event: r.event, actor: r.siteId ?? 'unknown', siteId: r.siteId, details: { code, peer, minute: minuteOf(at), first: true } }, at.toISOString());
  })();
}

/** Writes the total of each (minute, event, peer, code) refused more than once, for the minutes before `now` (all of them with `all`), then forgets them. */
export function flushRefusalCounts(db: Db, now: Date, all = false): number {
  const cutoff = all ? '9999' : minuteOf(now);
  const rows = db.prepare('SELECT minute, event, peer, code, site_id, count, first_at FROM refusal_counts WHERE minute < ? ORDER BY minute, event, peer, code').all(cutoff) as Array<{
    minute: string; event: string; peer: string; code: string; site_id: string | null; count: number; first_at: string;
  }>;
  if (rows.length === 0) return 0;
  db.transaction(() => {
    for (const r of rows) {
      if (r.count > 1) appendAudit(db, { event: r.event, actor: r.site_id ?? 'unknown', siteId: r.site_id ?? undefined, details: { code: r.code, peer: r.peer, minute: r.minute, count: r.count, firstAt: r.first_at } }, now.toISOString());
    }
    db.prepare('DELETE FROM refusal_counts WHERE minute < ?').run(cutoff);
  })();
  return rows.filter((r) => r.count > 1).length;
}
