import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { canonicalJson } from '@fedrad/protocol';
import { appendAudit, GENESIS_HASH, verifyAuditLog } from '../src/store/auditLog.js';
import { openStore } from '../src/store/openStore.js';

function logWith(n: number) {
  const db = openStore(':memory:');
  for (let i = 1; i <= n; i++) appendAudit(db, { event: 'test.event', actor: 'tester', siteId: `site-${i}`, details: { i } }, `2026-11-26T12:00:0${i}.000Z`);
  return db;
}

describe('hash-chained audit log', () => {
  it('chains each row as sha256(prev_hash + canonical row)', () => {
    const db = logWith(2);
    const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Array<Record<string, string | number>>;
    // Recompute row 1 independently from its stored fields (keys sorted, RFC 8785 style).
    const canonical1 = `{"actor":"tester","at":"2026-11-26T12:00:01.000Z","campaignId":null,"details":{"i":1},"event":"test.event","seq":1,"siteId":"site-1"}`;
    expect(rows[0].prev_hash).toBe(GENESIS_HASH);
    expect(rows[0].hash).toBe(createHash('sha256').update(GENESIS_HASH + canonical1).digest('hex'));
    expect(rows[1].prev_hash).toBe(rows[0].hash);
    expect(verifyAuditLog(db)).toEqual({ ok: true, rows: 2, headHash: rows[1].hash });
  });

  it('hashes rows with quotes, non-ASCII, nulls and nested details as canonicalJson of the row', () => {
    const db = openStore(':memory:');
    const entry = { event: 'result.refused', actor: 'site-"é"', campaignId: 'c\\1', details: { z: [1.5, -0, 1e21], a: { m: 'line\nbreak', n: null }, é: true } };
    appendAudit(db, entry, '2026-11-26T12:00:00.000Z');
    const row = db.prepare('SELECT * FROM audit_log').get() as Record<string, string>;
    const canonical = canonicalJson({ seq: 1, at: '2026-11-26T12:00:00.000Z', event: entry.event, actor: entry.actor, campaignId: entry.campaignId, siteId: null, details: entry.details });
    expect(row.hash).toBe(createHash('sha256').update(GENESIS_HASH + canonical).digest('hex'));
    expect(verifyAuditLog(db).ok).toBe(true);
  });

  it('is append-only inside SQLite (triggers refuse UPDATE and DELETE)', () => {
    const db = logWith(3);
    expect(() => db.prepare("UPDATE audit_log SET actor = 'x' WHERE seq = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 2').run()).toThrow(/append-only/);
  });

  it('detects an edited row even when the triggers were dropped', () => {
    const db = logWith(5);
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare(`UPDATE audit_log SET details_json = '{"i":99}' WHERE seq = 3`).run();
    expect(verifyAuditLog(db)).toMatchObject({ ok: false, seq: 3 });
  });

  it('detects a deleted row in the middle and a truncated tail', () => {
    const middle = logWith(5);
    middle.exec('DROP TRIGGER audit_log_no_delete');
    middle.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    expect(verifyAuditLog(middle)).toMatchObject({ ok: false, seq: 2 });
    const tail = logWith(5);
    tail.exec('DROP TRIGGER audit_log_no_delete');
    tail.prepare('DELETE FROM audit_log WHERE seq = 5').run();
    expect(verifyAuditLog(tail)).toMatchObject({ ok: false, seq: 5 });
  });

  it('detects a row re-hashed after editing (the next link breaks)', () => {
    const db = logWith(4);
    db.exec('DROP TRIGGER audit_log_no_update');
    const row = db.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Record<string, string>;
    const forged = `{"actor":"tester","at":"${row.at}","campaignId":null,"details":{"i":42},"event":"test.event","seq":2,"siteId":"site-2"}`;
    const hash = createHash('sha256').update(row.prev_hash + forged).digest('hex');
    db.prepare(`UPDATE audit_log SET details_json = '{"i":42}', hash = ? WHERE seq = 2`).run(hash);
    expect(verifyAuditLog(db)).toMatchObject({ ok: false, seq: 3 });
  });
});
