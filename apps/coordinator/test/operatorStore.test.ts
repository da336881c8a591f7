import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/openStore.js';
import { SCHEMA_VERSION } from '../src/store/schema.js';
import { addOperator, checkPassword, ensureFirstAdmin } from '../src/auth/operators.js';
import { hashSecret, verifySecret } from '../src/auth/secrets.js';
import { scryptSync } from 'node:crypto';

describe('operator accounts in the store', () => {
  it('opens a schema-3 database (no accounts, no enrolment fingerprints) by adding them; the first start then creates admin once', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fedrad-coord-v3-')), 'c.sqlite');
    let db = openStore(path);
    db.exec(`INSERT INTO enrolments (site_id, campaign_id, request_json, status, requested_at) VALUES ('site-a', 'c', '{}', 'pending', 't');
      ALTER TABLE enrolments DROP COLUMN key_fingerprint; DROP TABLE operator_sessions; DROP TABLE operator_tokens; DROP TABLE operators;
      UPDATE meta SET value = '3' WHERE key = 'schema_version'`);
    db.close();
    db = openStore(path);
    expect((db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value).toBe(String(SCHEMA_VERSION));
    expect(db.prepare('SELECT site_id, key_fingerprint FROM enrolments').all()).toEqual([{ site_id: 'site-a', key_fingerprint: null }]);
    const first = await ensureFirstAdmin(db);
    expect(first).toMatchObject({ username: 'admin' });
    expect(await ensureFirstAdmin(db)).toBeUndefined();
    await expect(checkPassword(db, 'admin', first!.password)).resolves.toMatchObject({ username: 'admin', role: 'admin' });
    await expect(checkPassword(db, 'admin', first!.password + 'x')).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
    await expect(addOperator(db, 'admin', 'auditor', 't')).rejects.toMatchObject({ code: 'OPERATOR_EXISTS' });
    await expect(addOperator(db, 'Eve; DROP', 'auditor', 't')).rejects.toMatchObject({ code: 'CONFIG' });
    db.close();
  });

  it('hashes with scrypt as RFC 7914 defines it: the stored key is node scrypt(secret, salt, N=2^15, r=8, p=1)', async () => {
    const stored = await hashSecret('correct horse');
    const [, n, r, p, salt, key] = stored.split('$');
    // Recomputed here, independently of the module: the same parameters give the same 32 bytes.
    const expected = scryptSync('correct horse', Buffer.from(salt, 'base64url'), 32, { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 });
    expect([n, r, p]).toEqual(['32768', '8', '1']);
    expect(Buffer.from(key, 'base64url').equals(expected)).toBe(true);
    expect(await verifySecret('correct horse', stored)).toBe(true);
    expect(await verifySecret('correct horsf', stored)).toBe(false);
    expect(await verifySecret('correct horse', stored.replace(/\$[^$]+$/, '$AAAA'))).toBe(false);
    expect(await verifySecret('x', 'plain-text-password')).toBe(false);
  });
});
